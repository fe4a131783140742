//! GHL's error bodies. 400/401/403/404/429 carry `message` as one string; 422 (request
//! validation) carries it as an array of strings, one per failed rule (G4). Field names mirror
//! `common/common-schemas.json` (`BadRequestDTO`, `UnauthorizedDTO`, `UnprocessableDTO`).

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Map, Value, json};

/// The `message` of an error body: a string, or (422 only) a list of strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    Text(String),
    List(Vec<String>),
}

/// An error exactly as GHL would answer it.
#[derive(Clone, Debug, PartialEq)]
pub struct GhlError {
    pub status: u16,
    pub message: Message,
    /// The reason phrase NestJS adds to some errors (`"Unauthorized"`, `"Unprocessable Entity"`).
    pub error: Option<String>,
    /// Extra detail, e.g. the duplicate contact on a refused create.
    pub meta: Option<Value>,
}

/// The message GHL's location guard answers with (G7).
pub const NO_LOCATION_ACCESS: &str = "The token does not have access to this location.";
/// The message of a refused duplicate create/update (location setting "Allow Duplicate Contact" off).
pub const DUPLICATE_NOT_ALLOWED: &str = "This location does not allow duplicated contacts.";

impl GhlError {
    fn new(status: u16, message: Message, error: Option<&str>) -> Self {
        Self {
            status,
            message,
            error: error.map(str::to_string),
            meta: None,
        }
    }

    /// 400 with a plain message (BadRequestDTO).
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, Message::Text(message.into()), None)
    }

    /// 400 for a body that is not JSON, as NestJS's body parser answers it.
    pub fn malformed_json(detail: impl Into<String>) -> Self {
        Self::new(400, Message::Text(detail.into()), Some("Bad Request"))
    }

    /// 401 (UnauthorizedDTO).
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(401, Message::Text(message.into()), Some("Unauthorized"))
    }

    /// 403: a `locationId` other than the token's, or none where one is required (G7).
    pub fn no_location_access() -> Self {
        Self::new(403, Message::Text(NO_LOCATION_ACCESS.to_string()), None)
    }

    /// 400 "Contact not found": unknown id, or a contact of another location.
    pub fn contact_not_found() -> Self {
        Self::bad_request("Contact not found")
    }

    /// 404 for a route that does not exist, NestJS style.
    pub fn route_not_found(method: &str, path: &str) -> Self {
        Self::new(
            404,
            Message::Text(format!("Cannot {method} {path}")),
            Some("Not Found"),
        )
    }

    /// 422 with one message per failed rule (UnprocessableDTO).
    pub fn unprocessable(messages: Vec<String>) -> Self {
        Self::new(422, Message::List(messages), Some("Unprocessable Entity"))
    }

    /// 422 with a single rule message.
    pub fn unprocessable_one(message: impl Into<String>) -> Self {
        Self::unprocessable(vec![message.into()])
    }

    /// 429 over the rate limit (G17: GHL documents no body; this one is NestJS's throttler text).
    pub fn too_many_requests() -> Self {
        Self::new(429, Message::Text("Too many requests".to_string()), None)
    }

    /// 400 duplicate contact, naming the existing contact and the field that matched.
    pub fn duplicate(contact_name: &str, contact_id: &str, matching_field: &str) -> Self {
        let mut err = Self::bad_request(DUPLICATE_NOT_ALLOWED);
        err.meta = Some(json!({
            "contactName": contact_name,
            "contactId": contact_id,
            "matchingField": matching_field,
        }));
        err
    }

    /// The JSON body.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("statusCode".into(), json!(self.status));
        let message = match &self.message {
            Message::Text(text) => json!(text),
            Message::List(list) => json!(list),
        };
        body.insert("message".into(), message);
        if let Some(error) = &self.error {
            body.insert("error".into(), json!(error));
        }
        if let Some(meta) = &self.meta {
            body.insert("meta".into(), meta.clone());
        }
        Value::Object(body)
    }

    /// The message as one line, whatever its shape.
    pub fn text(&self) -> String {
        match &self.message {
            Message::Text(text) => text.clone(),
            Message::List(list) => list.join("; "),
        }
    }
}

impl std::fmt::Display for GhlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.text())
    }
}

impl std::error::Error for GhlError {}

impl IntoResponse for GhlError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, Json(self.to_json())).into_response()
    }
}
