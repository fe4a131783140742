//! The single-page app: one HTML shell for every `/coach/...` route, plus its script and
//! stylesheet, all embedded in the binary. Every HTML response carries the strict CSP.

use axum::{
    Router,
    http::{HeaderValue, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::get,
};

use crate::{api, state::ReplicaState};

/// The policy on every HTML response: no inline scripts, no inline handlers, no eval.
pub const CSP: &str = "script-src 'self'";

const SHELL: &str = include_str!("assets/shell.html");
const NOT_FOUND: &str = include_str!("assets/not_found.html");
const SCRIPT: &str = include_str!("assets/fitr.js");
const STYLE: &str = include_str!("assets/fitr.css");
const FAVICON: &str = include_str!("assets/favicon.svg");

pub fn routes() -> Router<ReplicaState> {
    Router::new()
        .route("/", get(root))
        .route("/coach", get(shell))
        .route("/coach/", get(shell))
        .route("/coach/{*rest}", get(shell))
        .route("/onboarding/sign_in", get(shell))
        .route("/assets/fitr.js", get(script))
        .route("/assets/fitr.css", get(style))
        .route("/assets/favicon.svg", get(favicon))
        .route("/favicon.ico", get(favicon))
}

fn html(status: StatusCode, body: &'static str) -> Response {
    let mut resp = (status, body).into_response();
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// `/` → 302 to the coach's programs, as FITR's dashboard does.
async fn root() -> Response {
    (StatusCode::FOUND, [(header::LOCATION, "/coach/programs")]).into_response()
}

async fn shell() -> Response {
    html(StatusCode::OK, SHELL)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", SCRIPT)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", STYLE)
}

async fn favicon() -> Response {
    asset("image/svg+xml", FAVICON)
}

/// Unknown routes: JSON 404 under `/api`, an HTML page elsewhere.
pub async fn fallback(uri: Uri) -> Response {
    if uri.path() == "/api" || uri.path().starts_with("/api/") {
        api::not_found()
    } else {
        html(StatusCode::NOT_FOUND, NOT_FOUND)
    }
}
