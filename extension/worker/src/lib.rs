//! The extension's service worker (wasm32 only).
//!
//! `extension/static/worker.js` registers the browser listeners synchronously and hands each
//! message to [`handle_message`] once this module is loaded. Messages are decoded once, here,
//! with `shared::protocol::decode_request`; everything after is typed.
#![cfg(target_arch = "wasm32")]

mod chrome;
mod handlers;
mod pull;
mod store;
mod sync;

use shared::protocol::{Response, ResponseEnvelope, decode_request};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// Go on with an unfinished sync run: called by the JS shim when the worker starts and when
/// its alarm fires.
#[wasm_bindgen]
pub async fn resume_sync() {
    sync::resume_if_running().await;
    pull::ensure_alarm().await;
}

/// The pull alarm: read what changed in GHL, then apply the automatic rules. Failures wait for
/// the next alarm (the coach sees them when pulling by hand).
#[wasm_bindgen]
pub async fn pull_and_apply_rules() {
    if pull::pull_now().await.is_ok() {
        let _ = pull::auto_sync().await;
    }
}

/// Answer one `chrome.runtime` message. Never rejects: failures become `Response::Error`.
#[wasm_bindgen]
pub async fn handle_message(message: JsValue) -> JsValue {
    let response = match serde_wasm_bindgen::from_value::<serde_json::Value>(message) {
        Err(e) => Response::Error {
            message: format!("unreadable message: {e}"),
        },
        Ok(value) => match decode_request(value) {
            Err(message) => Response::Error { message },
            Ok(request) => handlers::handle(request).await,
        },
    };
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    serde::Serialize::serialize(&ResponseEnvelope::new(response), &serializer)
        .unwrap_or_else(|e| JsValue::from_str(&format!("internal error: {e}")))
}
