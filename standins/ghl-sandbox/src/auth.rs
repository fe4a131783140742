//! The gate in front of every contacts API route: `Authorization: Bearer <token>` names the
//! caller's location (401 otherwise), the location's rate limit admits the request (429
//! otherwise, G17), a `Version` header is present (400 otherwise). Every request through the
//! gate is logged with its final status, and every authenticated answer carries the
//! `X-RateLimit-*` headers.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, header::AUTHORIZATION},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    DEMO_LOCATION_ID, DEMO_TOKEN, OTHER_LOCATION_ID, OTHER_TOKEN, RequestRecord, Sandbox,
    error::GhlError, time,
};

/// Private Integration Tokens and their locations.
pub const TOKENS: &[(&str, &str)] = &[
    (DEMO_TOKEN, DEMO_LOCATION_ID),
    (OTHER_TOKEN, OTHER_LOCATION_ID),
];

/// The message of a missing or unknown token.
pub const INVALID_TOKEN: &str = "Invalid JWT";
/// The message of a missing `Version` header.
pub const VERSION_MISSING: &str = "Version header was not found";

/// Who is calling: the location its token belongs to. Handlers take it as an `Extension`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub location_id: String,
}

/// The location a token belongs to.
pub fn location_for_token(token: &str) -> Option<&'static str> {
    TOKENS
        .iter()
        .find(|(t, _)| *t == token)
        .map(|(_, location)| *location)
}

/// The caller's location, from `Authorization: Bearer <token>`.
pub fn authenticate(headers: &HeaderMap) -> Result<&'static str, GhlError> {
    let refuse = || GhlError::unauthorized(INVALID_TOKEN);
    let value = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(refuse)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(refuse)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(refuse());
    }
    location_for_token(token.trim()).ok_or_else(refuse)
}

/// Any non-empty `Version` is served (GHL serves the SDK's `2023-02-21` too); none is a 400.
pub fn require_version(headers: &HeaderMap) -> Result<(), GhlError> {
    let present = headers
        .get("version")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| !v.trim().is_empty());
    if present {
        Ok(())
    } else {
        Err(GhlError::bad_request(VERSION_MISSING))
    }
}

/// The middleware: authenticate, rate-limit, check `Version`, run the handler, log.
pub async fn gate(State(sandbox): State<Sandbox>, mut request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let now = sandbox.now();

    let (location, response) = match authenticate(request.headers()) {
        Err(refused) => (None, refused.into_response()),
        Ok(location) => {
            let admission = sandbox.with(|s| s.limiter.admit(location, now));
            let mut response = if !admission.allowed {
                GhlError::too_many_requests().into_response()
            } else if let Err(missing) = require_version(request.headers()) {
                missing.into_response()
            } else {
                request.extensions_mut().insert(Caller {
                    location_id: location.to_string(),
                });
                next.run(request).await
            };
            admission.apply(response.headers_mut());
            (Some(location.to_string()), response)
        }
    };

    let record = RequestRecord {
        method,
        path,
        query,
        status: response.status().as_u16(),
        location_id: location,
        at: time::iso(now),
    };
    sandbox.with(|s| s.log(record));
    response
}
