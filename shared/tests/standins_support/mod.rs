//! What the tests against the in-process stand-ins share: serving a router on loopback, and
//! calling an admin route (or any JSON route) that must succeed.

use std::net::SocketAddr;

use serde_json::Value;
use shared::transport::{NativeTransport, Transport};

/// Serve `router` at `addr` (`127.0.0.1:0` for any free port); the task serves until aborted.
pub async fn serve_at(
    addr: &str,
    router: axum::Router,
) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    });
    (addr, task)
}

/// A JSON request that must succeed; its JSON answer (`null` when empty).
pub async fn call(method: &str, url: &str, body: Option<Value>) -> Value {
    let req = http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
        .unwrap();
    let res = NativeTransport::default().call(req).await.unwrap();
    let status = res.status();
    let body = res.into_body();
    assert!(
        status.is_success(),
        "{method} {url}: {status} {}",
        String::from_utf8_lossy(&body)
    );
    serde_json::from_slice(&body).unwrap_or(Value::Null)
}
