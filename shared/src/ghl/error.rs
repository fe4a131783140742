//! One error type for every GHL call (G4): 400/401 carry `message` as a string, 422 as an
//! array of strings; both end up as readable text, with the raw body kept.

use serde::Deserialize;

/// The body GHL sends with an error status.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ApiError {
    #[serde(default, rename = "statusCode")]
    pub status_code: Option<u16>,
    #[serde(default, deserialize_with = "string_or_list")]
    pub message: Vec<String>,
    #[serde(default)]
    pub error: Option<String>,
    /// Extra context, e.g. `{ "contactId": .. }` on a duplicate refusal.
    #[serde(default)]
    pub meta: Option<serde_json::Value>,
}

fn string_or_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Msg {
        One(String),
        Many(Vec<String>),
        Null(()),
    }
    Ok(match Msg::deserialize(d)? {
        Msg::One(s) => vec![s],
        Msg::Many(v) => v,
        Msg::Null(()) => Vec::new(),
    })
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No HTTP response at all.
    #[error("could not reach GHL: {0}")]
    Transport(String),
    /// GHL answered with an error status.
    #[error("{}", describe(*.status, .api))]
    Api {
        status: u16,
        api: ApiError,
        body: String,
    },
    /// A success status whose body is not what the endpoint promises.
    #[error("GHL sent an unexpected response ({path}): {message}")]
    Decode {
        path: String,
        message: String,
        body: String,
    },
    /// Refused before sending: the request itself is invalid.
    #[error("{0}")]
    Invalid(String),
    /// A 401 about scope, not about the token's validity (G14).
    #[error(
        "GHL refused this request (401): {message}. The token is valid but probably lacks the scope \"{scope}\": in GHL, give the integration that scope, then save the new token in the settings."
    )]
    MissingScope { scope: String, message: String },
}

fn message_text(api: &ApiError) -> String {
    let text = if api.message.is_empty() {
        api.error.clone().unwrap_or_else(|| "no message".into())
    } else {
        api.message.join("; ")
    };
    text.trim_end_matches('.').to_owned()
}

fn describe(status: u16, api: &ApiError) -> String {
    let text = message_text(api);
    match status {
        401 => format!(
            "GHL refused the token (401): {text}. Check the token in the settings, and that it belongs to this location."
        ),
        403 => format!("GHL refused access (403): {text}."),
        429 => "GHL's rate limit was reached (429): wait a few seconds and try again.".into(),
        s => format!("GHL answered {s}: {text}"),
    }
}

impl Error {
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::MissingScope { .. } => Some(401),
            _ => None,
        }
    }

    /// A 401 that names a scope becomes [`Error::MissingScope`] with the endpoint's own scope.
    pub(crate) fn with_scope(self, scope: &str) -> Self {
        match self {
            Error::Api {
                status: 401, api, ..
            } if api
                .message
                .iter()
                .any(|m| m.to_lowercase().contains("scope")) =>
            {
                Error::MissingScope {
                    scope: scope.to_owned(),
                    message: message_text(&api),
                }
            }
            other => other,
        }
    }

    /// The contact (or task, note) addressed does not exist: GHL answers an unknown or
    /// other-location id with 400 "Contact not found", not 404.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Api { status: 404, .. } => true,
            Error::Api {
                status: 400, api, ..
            } => api
                .message
                .iter()
                .any(|m| m.to_lowercase().contains("not found")),
            _ => false,
        }
    }

    /// The existing contact's id when GHL refused a create as a duplicate.
    pub fn duplicate_contact_id(&self) -> Option<String> {
        match self {
            Error::Api {
                status: 400, api, ..
            } => api
                .meta
                .as_ref()?
                .get("contactId")?
                .as_str()
                .map(str::to_owned),
            _ => None,
        }
    }
}

/// Turn any response into the success type or an [`Error`].
pub(crate) fn parse_response<R: serde::de::DeserializeOwned>(
    response: http::Response<Vec<u8>>,
) -> Result<R, Error> {
    let status = response.status().as_u16();
    let body = response.into_body();
    if !(200..300).contains(&status) {
        let api = serde_json::from_slice::<ApiError>(&body).unwrap_or(ApiError {
            status_code: Some(status),
            message: vec![String::from_utf8_lossy(&body).chars().take(300).collect()],
            error: None,
            meta: None,
        });
        return Err(Error::Api {
            status,
            api,
            body: String::from_utf8_lossy(&body).into_owned(),
        });
    }
    let de = &mut serde_json::Deserializer::from_slice(&body);
    serde_path_to_error::deserialize(de).map_err(|e| Error::Decode {
        path: e.path().to_string(),
        message: e.inner().to_string(),
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    #[test]
    fn reads_422_with_message_array() {
        let err = parse_response::<serde_json::Value>(response(
            422,
            r#"{"statusCode":422,"message":["property gender should not exist","property x should not exist"],"error":"Unprocessable Entity"}"#,
        ))
        .unwrap_err();
        assert_eq!(err.status(), Some(422));
        assert_eq!(
            err.to_string(),
            "GHL answered 422: property gender should not exist; property x should not exist"
        );
    }

    #[test]
    fn reads_401_with_message_string() {
        let err = parse_response::<serde_json::Value>(response(
            401,
            r#"{"statusCode":401,"message":"Invalid JWT"}"#,
        ))
        .unwrap_err();
        assert!(err.to_string().contains("Invalid JWT"), "{err}");
        assert!(err.to_string().contains("Check the token"), "{err}");
    }

    #[test]
    fn a_scope_401_names_the_scope_and_is_told_apart_from_a_bad_token() {
        let scope = parse_response::<serde_json::Value>(response(
            401,
            r#"{"statusCode":401,"message":"The token is not authorized for this scope."}"#,
        ))
        .unwrap_err()
        .with_scope("contacts.readonly");
        assert!(matches!(scope, Error::MissingScope { .. }));
        assert_eq!(
            scope.to_string(),
            "GHL refused this request (401): The token is not authorized for this scope. The token is valid but probably lacks the scope \"contacts.readonly\": in GHL, give the integration that scope, then save the new token in the settings."
        );
        let expired = parse_response::<serde_json::Value>(response(
            401,
            r#"{"statusCode":401,"message":"Invalid JWT"}"#,
        ))
        .unwrap_err()
        .with_scope("contacts.readonly");
        assert!(matches!(expired, Error::Api { status: 401, .. }));
    }

    #[test]
    fn keeps_a_non_json_error_body() {
        let err = parse_response::<serde_json::Value>(response(502, "<html>Bad gateway</html>"))
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "GHL answered 502: <html>Bad gateway</html>"
        );
    }

    #[test]
    fn duplicate_refusal_names_the_existing_contact() {
        let err = parse_response::<serde_json::Value>(response(
            400,
            r#"{"statusCode":400,"message":"This location does not allow duplicated contacts.","meta":{"contactName":"A B","contactId":"abc123","matchingField":"email"}}"#,
        ))
        .unwrap_err();
        assert_eq!(err.duplicate_contact_id().as_deref(), Some("abc123"));
    }

    #[test]
    fn decode_error_names_the_field() {
        let err = parse_response::<crate::ghl::models::ContactEnvelope>(response(
            200,
            r#"{"contact":{"id":5}}"#,
        ))
        .unwrap_err();
        match err {
            Error::Decode { path, .. } => assert_eq!(path, "contact.id"),
            other => panic!("expected a decode error, got {other:?}"),
        }
    }
}
