//! A typed client for GHL's Contacts API v2 (`https://services.leadconnectorhq.com`).
//!
//! One handler per resource ([`contacts`], [`tags`], [`notes`]); models apart in [`models`];
//! one error type in [`error`]. Each call is a pure `prepare` (an `http::Request`) and a pure
//! `parse` around one `Transport::call`.

pub mod appointments;
pub mod contacts;
pub mod endpoints;
pub mod error;
pub mod locations;
pub mod models;
pub mod notes;
pub mod oauth;
pub mod pacing;
pub mod pages;
pub mod search;
pub mod tags;
pub mod tasks;
pub mod webhooks;

use serde::{Serialize, de::DeserializeOwned};

pub use error::{ApiError, Error};
pub use models::*;

use crate::transport::Transport;

/// GHL's production API base.
pub const LIVE_BASE: &str = "https://services.leadconnectorhq.com";

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

    pub fn tasks(&self) -> tasks::TasksHandler<'_, T> {
        tasks::TasksHandler { client: self }
    }

    pub fn appointments(&self) -> appointments::AppointmentsHandler<'_, T> {
        appointments::AppointmentsHandler { client: self }
    }

    pub fn locations(&self) -> locations::LocationsHandler<'_, T> {
        locations::LocationsHandler { client: self }
    }

    /// Build a request for `endpoint`: base + path (+ query), auth and the endpoint's own
    /// `Version` header (G16), JSON body. Empty query values are left out.
    pub fn prepare<B: Serialize + ?Sized>(
        &self,
        endpoint: &endpoints::Endpoint,
        params: &[&str],
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<http::Request<Vec<u8>>, Error> {
        let path = endpoint.path_with(params).map_err(Error::Invalid)?;
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
            .method(endpoint.method)
            .uri(&url)
            .header("Authorization", format!("Bearer {}", self.creds.token))
            .header("Version", endpoint.version)
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

    /// Prepare, send and parse in one.
    pub(crate) async fn call<B: Serialize + ?Sized, R: DeserializeOwned>(
        &self,
        endpoint: &endpoints::Endpoint,
        params: &[&str],
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<R, Error> {
        let req = self.prepare(endpoint, params, query, body)?;
        self.send(req)
            .await
            .map_err(|e| e.with_scope(endpoint.scope))
    }
}

/// `None` for a body-less request.
pub(crate) const NO_BODY: Option<&()> = None;

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// Records each request and answers with a fixed body.
    struct Recorder {
        seen: RefCell<Vec<http::Request<Vec<u8>>>>,
        answer: &'static str,
    }

    impl Transport for Recorder {
        async fn call(
            &self,
            req: http::Request<Vec<u8>>,
        ) -> Result<http::Response<Vec<u8>>, crate::TransportError> {
            self.seen.borrow_mut().push(req);
            Ok(http::Response::new(self.answer.as_bytes().to_vec()))
        }
    }

    fn client(answer: &'static str) -> GhlClient<Recorder> {
        GhlClient::new(
            Recorder {
                seen: RefCell::new(Vec::new()),
                answer,
            },
            Credentials {
                base: "http://ghl.test/".into(),
                token: "pit-1".into(),
                location_id: "loc 1".into(),
            },
        )
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        // The recorder never waits, so one poll finishes each future.
        let mut f = std::pin::pin!(f);
        let waker = std::task::Waker::noop();
        match f.as_mut().poll(&mut std::task::Context::from_waker(waker)) {
            std::task::Poll::Ready(v) => v,
            std::task::Poll::Pending => panic!("the recorder never waits"),
        }
    }

    #[test]
    fn queries_are_encoded_and_empty_values_left_out() {
        let c = client(r#"{"contact":null}"#);
        let found = block_on(
            c.contacts()
                .find_duplicate(contacts::DuplicateBy::Email("a+b@x.org")),
        )
        .unwrap();
        assert_eq!(found, None);
        let req = &c.transport.seen.borrow()[0];
        assert_eq!(
            req.uri().to_string(),
            "http://ghl.test/contacts/search/duplicate?locationId=loc%201&email=a%2Bb%40x.org"
        );
        assert_eq!(req.headers()["Version"], "2021-07-28");
        assert_eq!(req.headers()["Authorization"], "Bearer pit-1");
        let p = c
            .prepare(
                &endpoints::LIST_CONTACTS,
                &[],
                &[("limit", "5"), ("query", "")],
                NO_BODY,
            )
            .unwrap();
        assert_eq!(p.uri().to_string(), "http://ghl.test/contacts/?limit=5");
    }

    #[test]
    fn pagers_stop_on_a_repeated_cursor() {
        let c = client(r#"{"contacts":[{"id":"a","searchAfter":[1,"a"]}],"total":9}"#);
        let body = search::SearchContacts::new("loc 1".into(), 1);
        let all = block_on(c.contacts().search_pages(body).collect_all()).unwrap();
        assert_eq!(all.len(), 2, "the second page repeats the cursor: stop");
        assert_eq!(c.transport.seen.borrow().len(), 2);

        let c = client(
            r#"{"contacts":[{"id":"a"}],"meta":{"total":9,"startAfter":5,"startAfterId":"a"}}"#,
        );
        let all = block_on(c.contacts().list_pages(1, None).collect_all()).unwrap();
        assert_eq!(all.len(), 2);
        let seen = c.transport.seen.borrow();
        assert_eq!(seen.len(), 2);
        assert_eq!(
            seen[1].uri().query(),
            Some("locationId=loc%201&limit=1&startAfter=5&startAfterId=a"),
            "every page resends the location and both cursors (G7, G22)"
        );
    }

    #[test]
    fn pagers_stop_on_a_short_page() {
        let c = client(r#"{"contacts":[{"id":"a","searchAfter":[1]}],"total":1}"#);
        let body = search::SearchContacts::new("loc 1".into(), 5);
        let all = block_on(c.contacts().search_pages(body).collect_all()).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(c.transport.seen.borrow().len(), 1);
    }

    #[test]
    fn every_request_carries_its_endpoints_version() {
        let c = client("{}");
        for ep in endpoints::ALL {
            let params: Vec<&str> = ep.path.matches('{').map(|_| "x").collect();
            let req = c.prepare(ep, &params, &[], NO_BODY).unwrap();
            assert_eq!(req.headers()["Version"], ep.version, "{}", ep.path);
            assert_eq!(req.method().as_str(), ep.method);
        }
    }
}
