//! The sign-in stand-in: `POST /api/session` issues bearer tokens that live an hour, and the
//! API's routes refuse requests without a live one.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::{
    data::mix,
    state::{ReplicaState, TOKEN_TTL_SECS, now_unix},
};

/// `POST /api/session` (no body) → `{"access_token": "...", "expires_in": 3600}`.
pub async fn create_session(State(state): State<ReplicaState>) -> Response {
    let now = now_unix();
    let mut inner = state.lock();
    inner.tokens_issued += 1;
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    let a = mix(nanos ^ inner.tokens_issued.rotate_left(32));
    let b = mix(a ^ inner.tokens_issued);
    let token = format!("fitr_{a:016x}{b:016x}");
    inner.tokens.retain(|_, expiry| *expiry > now);
    inner.tokens.insert(token.clone(), now + TOKEN_TTL_SECS);
    Json(json!({ "access_token": token, "expires_in": TOKEN_TTL_SECS })).into_response()
}

/// Middleware for the API routes: a live `Authorization: bearer <token>` (scheme in any case),
/// or 401.
pub async fn require_token(
    State(state): State<ReplicaState>,
    req: Request,
    next: Next,
) -> Response {
    if token_is_live(&state, req.headers()) {
        next.run(req).await
    } else {
        unauthorized()
    }
}

fn token_is_live(state: &ReplicaState, headers: &HeaderMap) -> bool {
    let Some(token) = bearer_token(headers) else {
        return false;
    };
    let now = now_unix();
    state
        .lock()
        .tokens
        .get(token)
        .is_some_and(|expiry| *expiry > now)
}

/// The token of an `Authorization: bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(char::is_whitespace)?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

pub fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        Json(json!({
            "error": "unauthorized",
            "message": "Your session has expired. Please sign in again.",
        })),
    )
        .into_response()
}

/// Invalidates every token issued so far; returns how many were live.
pub fn expire_all(state: &ReplicaState) -> usize {
    let now = now_unix();
    let mut inner = state.lock();
    let live = inner.tokens.values().filter(|e| **e > now).count();
    inner.tokens.clear();
    live
}
