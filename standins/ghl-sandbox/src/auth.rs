//! The gate in front of every contacts API route: `Authorization: Bearer <token>` names the
//! caller's location (401 otherwise), the location's rate limit admits the request (429
//! otherwise, G17), a `Version` header is present (400 otherwise), and the token has the scope
//! the endpoint's spec `security` names (401 otherwise, G14). A token is a Private Integration
//! Token (every scope, never expires) or an OAuth access token from `POST /oauth/token` (its
//! granted scopes, until it expires). Every request through the gate is logged with its final
//! status, and every authenticated answer carries the `X-RateLimit-*` headers. An answer of 5xx
//! is not counted as served.

use axum::{
    extract::{MatchedPath, Request, State},
    http::{HeaderMap, header::AUTHORIZATION},
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{
    DEMO_LOCATION_ID, DEMO_TOKEN, OTHER_LOCATION_ID, OTHER_TOKEN, RequestRecord, Sandbox,
    State as SandboxState, api,
    error::GhlError,
    oauth::SCOPE_NOT_AUTHORIZED,
    time::{self, Millis},
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

/// Who is calling: the location its token belongs to and what it may do. Handlers take it as an
/// `Extension`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    pub location_id: String,
    /// `None` for a Private Integration Token (every scope); an OAuth token's granted scopes.
    pub scopes: Option<Vec<String>>,
}

impl Caller {
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes
            .as_ref()
            .is_none_or(|scopes| scopes.iter().any(|s| s == scope))
    }
}

/// The location a token belongs to.
pub fn location_for_token(token: &str) -> Option<&'static str> {
    TOKENS
        .iter()
        .find(|(t, _)| *t == token)
        .map(|(_, location)| *location)
}

/// The token of `Authorization: Bearer <token>`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// The caller, from `Authorization: Bearer <token>`: a Private Integration Token, or an OAuth
/// access token that has not expired at `now`. Anything else is 401 "Invalid JWT" (an expired
/// token too).
pub fn authenticate(
    state: &SandboxState,
    headers: &HeaderMap,
    now: Millis,
) -> Result<Caller, GhlError> {
    let refuse = || GhlError::unauthorized(INVALID_TOKEN);
    let token = bearer(headers).ok_or_else(refuse)?;
    if let Some(location) = location_for_token(token) {
        return Ok(Caller {
            location_id: location.to_string(),
            scopes: None,
        });
    }
    let grant = state.oauth.authorize(token, now).ok_or_else(refuse)?;
    Ok(Caller {
        location_id: grant.location_id.clone(),
        scopes: Some(grant.scopes.clone()),
    })
}

/// 401 for a token without the endpoint's scope (G14).
pub fn missing_scope() -> GhlError {
    GhlError::unauthorized(SCOPE_NOT_AUTHORIZED)
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

/// The middleware: authenticate, rate-limit, check `Version` and the scope, run the handler,
/// log.
pub async fn gate(State(sandbox): State<Sandbox>, mut request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let now = sandbox.now();
    let scope = request
        .extensions()
        .get::<MatchedPath>()
        .map(|matched| api::required_scope(&method, matched.as_str()));

    let (location, response) = match sandbox.with(|s| authenticate(s, request.headers(), now)) {
        Err(refused) => (None, refused.into_response()),
        Ok(caller) => {
            let location = caller.location_id.clone();
            let mut admission = sandbox.with(|s| s.limiter.admit(&location, now));
            let mut response = if !admission.allowed {
                GhlError::too_many_requests().into_response()
            } else if let Err(missing) = require_version(request.headers()) {
                missing.into_response()
            } else if scope.is_some_and(|scope| !caller.has_scope(scope)) {
                missing_scope().into_response()
            } else {
                request.extensions_mut().insert(caller);
                next.run(request).await
            };
            if admission.allowed && response.status().is_server_error() {
                admission = sandbox.with(|s| s.limiter.refund(&location, now));
            }
            admission.apply(response.headers_mut());
            (Some(location), response)
        }
    };

    let record = RequestRecord {
        method: method.to_string(),
        path,
        query,
        status: response.status().as_u16(),
        location_id: location,
        at: time::iso(now),
        fault: None,
    };
    sandbox.with(|s| s.log(record));
    response
}

/// The token endpoint's middleware: no auth, no rate limit; only the log.
pub async fn record(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let method = request.method().to_string();
    let path = request.uri().path().to_string();
    let query = request.uri().query().map(str::to_string);
    let now = sandbox.now();
    let response = next.run(request).await;
    let record = RequestRecord {
        method,
        path,
        query,
        status: response.status().as_u16(),
        location_id: None,
        at: time::iso(now),
        fault: None,
    };
    sandbox.with(|s| s.log(record));
    response
}
