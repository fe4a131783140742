//! The one message protocol every extension context speaks: the content script (JS, sending
//! the same tagged JSON), the options page (the app) and the service worker.
//!
//! Untrusted input is decoded once, at the edge, with [`decode_request`]: a message without
//! the tag is not ours and is refused before its body is read.

use serde::{Deserialize, Serialize};

use crate::push::PushReport;
use crate::settings::Settings;

/// Marks our messages; bump on an incompatible change.
pub const TAG: &str = "fitr-ghl/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Request {
    /// Push one FITR client; `fitr_token` is the page's `localStorage.access_token`.
    PushClient {
        client_id: u64,
        fitr_origin: String,
        fitr_token: String,
    },
    GetSettings,
    SaveSettings {
        settings: Settings,
    },
    /// Test these settings (saved or not) by counting the location's contacts.
    TestConnection {
        settings: Settings,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    Pushed { report: PushReport },
    Settings { settings: Option<Settings> },
    Saved,
    Connected { contact_count: u64 },
    Error { message: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestEnvelope {
    pub tag: String,
    pub request: Request,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResponseEnvelope {
    pub tag: String,
    pub response: Response,
}

impl RequestEnvelope {
    pub fn new(request: Request) -> Self {
        Self {
            tag: TAG.into(),
            request,
        }
    }
}

impl ResponseEnvelope {
    pub fn new(response: Response) -> Self {
        Self {
            tag: TAG.into(),
            response,
        }
    }
}

/// Decode an incoming message, checking the tag before the body.
pub fn decode_request(value: serde_json::Value) -> Result<Request, String> {
    match value.get("tag").and_then(|t| t.as_str()) {
        Some(TAG) => {}
        Some(other) => return Err(format!("unsupported message version {other:?}")),
        None => return Err("not a FITR ⇄ GHL message".into()),
    }
    serde_json::from_value::<RequestEnvelope>(value)
        .map(|e| e.request)
        .map_err(|e| format!("malformed message: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_content_script_shape_decodes() {
        // Exactly what extension/static/content.js sends.
        let msg = json!({"tag":"fitr-ghl/1","request":{"type":"push_client","client_id":48213,
            "fitr_origin":"https://app.fitr.training","fitr_token":"t"}});
        assert_eq!(
            decode_request(msg),
            Ok(Request::PushClient {
                client_id: 48213,
                fitr_origin: "https://app.fitr.training".into(),
                fitr_token: "t".into()
            })
        );
    }

    #[test]
    fn foreign_or_malformed_messages_are_refused() {
        assert!(decode_request(json!({"type":"push_client"})).is_err());
        assert!(decode_request(json!({"tag":"other/9","request":{}})).is_err());
        assert!(
            decode_request(json!({"tag":"fitr-ghl/1","request":{"type":"explode"}}))
                .unwrap_err()
                .starts_with("malformed message")
        );
    }

    #[test]
    fn responses_are_tagged_json() {
        let v = serde_json::to_value(ResponseEnvelope::new(Response::Error {
            message: "x".into(),
        }))
        .unwrap();
        assert_eq!(
            v,
            json!({"tag":"fitr-ghl/1","response":{"type":"error","message":"x"}})
        );
    }
}
