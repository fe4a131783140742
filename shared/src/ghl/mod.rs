//! A typed client for GHL's Contacts API v2 (`https://services.leadconnectorhq.com`).
//!
//! One handler per resource ([`contacts`], [`tags`], [`notes`]); models apart in [`models`];
//! one error type in [`error`]. Each call is a pure `prepare` (an `http::Request`) and a pure
//! `parse` around one `Transport::call`.

pub mod contacts;
pub mod error;
pub mod models;
pub mod notes;
pub mod tags;

use serde::{Serialize, de::DeserializeOwned};

pub use error::{ApiError, Error};
pub use models::*;

use crate::transport::Transport;

/// GHL's production API base.
pub const LIVE_BASE: &str = "https://services.leadconnectorhq.com";

/// The `Version` header value of one endpoint, from its definition in `apps/contacts.json`.
/// Every contacts endpoint declares `2021-07-28` (G16); a test checks each against the spec.
pub const CONTACTS_VERSION: &str = "2021-07-28";

/// Where and as whom requests are sent. The token is never printed by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// API base without a trailing slash, e.g. [`LIVE_BASE`] or `http://localhost:8081`.
    pub base: String,
    /// A Private Integration Token (`pit-…`) or an OAuth access token.
    pub token: String,
    pub location_id: LocationId,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("base", &self.base)
            .field("token", &"[redacted]")
            .field("location_id", &self.location_id)
            .finish()
    }
}

/// The GHL client: credentials plus a transport.
#[derive(Debug, Clone)]
pub struct GhlClient<T> {
    transport: T,
    creds: Credentials,
}

impl<T: Transport> GhlClient<T> {
    pub fn new(transport: T, mut creds: Credentials) -> Self {
        while creds.base.ends_with('/') {
            creds.base.pop();
        }
        Self { transport, creds }
    }

    pub fn location_id(&self) -> &LocationId {
        &self.creds.location_id
    }

    pub fn contacts(&self) -> contacts::ContactsHandler<'_, T> {
        contacts::ContactsHandler { client: self }
    }

    pub fn tags(&self) -> tags::TagsHandler<'_, T> {
        tags::TagsHandler { client: self }
    }

    pub fn notes(&self) -> notes::NotesHandler<'_, T> {
        notes::NotesHandler { client: self }
    }

    /// Build a request: base + path (+ query), auth and version headers, JSON body.
    pub(crate) fn prepare<B: Serialize + ?Sized>(
        &self,
        method: http::Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
        version: &str,
    ) -> Result<http::Request<Vec<u8>>, Error> {
        let mut url = format!("{}{}", self.creds.base, path);
        let query: Vec<_> = query.iter().filter(|(_, v)| !v.is_empty()).collect();
        if !query.is_empty() {
            let mut ser = form_urlencoded::Serializer::new(String::new());
            for (k, v) in query {
                ser.append_pair(k, v);
            }
            // form encoding writes a space as `+`; `%20` is unambiguous for every server.
            url.push('?');
            url.push_str(&ser.finish().replace('+', "%20"));
        }
        let mut builder = http::Request::builder()
            .method(method)
            .uri(&url)
            .header("Authorization", format!("Bearer {}", self.creds.token))
            .header("Version", version)
            .header("Accept", "application/json");
        let body = match body {
            Some(b) => {
                builder = builder.header("Content-Type", "application/json");
                serde_json::to_vec(b).map_err(|e| Error::Invalid(e.to_string()))?
            }
            None => Vec::new(),
        };
        builder
            .body(body)
            .map_err(|e| Error::Invalid(format!("bad request URL {url}: {e}")))
    }

    /// Send and parse a JSON success body, or turn the response into an [`Error`].
    pub(crate) async fn send<R: DeserializeOwned>(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<R, Error> {
        let response = self
            .transport
            .call(req)
            .await
            .map_err(|e| Error::Transport(e.0))?;
        error::parse_response(response)
    }
}
