//! The one message protocol every extension context speaks: the content script (JS, sending
//! the same tagged JSON), the options page (the app) and the service worker.
//!
//! Untrusted input is decoded once, at the edge, with [`decode_request`]: a message without
//! the tag is not ours and is refused before its body is read.

use serde::{Deserialize, Serialize};

use crate::push::PushReport;
use crate::settings::Settings;
use crate::sync::{
    BulkPlan, Counts, Progress,
    pull::{Badge, PullReport},
};

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
    /// Sent by the content script on a FITR page: the page's session, kept for this browser
    /// session only (`chrome.storage.session`), so that the options page can read the clients.
    RememberFitrSession {
        session: FitrSession,
    },
    /// Plan a sync of every client without writing. `fitr: None` uses the remembered session.
    DryRun {
        fitr: Option<FitrSession>,
    },
    /// Plan and run a sync of every client; it continues in the background and resumes by
    /// itself if the worker is stopped.
    StartSync {
        fitr: Option<FitrSession>,
    },
    SyncStatus,
    PauseSync,
    ResumeSync,
    CancelSync,
    /// Read what changed in GHL since the last pull, then apply the automatic rules (what the
    /// pull alarm does every few minutes).
    Pull,
    /// The badges of these FITR clients, for their rows.
    Badges {
        client_ids: Vec<u64>,
    },
}

/// One FITR client's GHL state, as its row shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClientBadge {
    pub fitr_id: u64,
    pub badge: Badge,
    pub contact_url: Option<String>,
    /// The contact's tags as GHL last showed them.
    pub tags: Vec<String>,
    pub open_tasks: usize,
}

/// A signed-in FITR page: its origin and its `localStorage.access_token`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitrSession {
    pub origin: String,
    pub token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Response {
    Pushed {
        report: PushReport,
    },
    Settings {
        settings: Option<Settings>,
    },
    Saved,
    Connected {
        contact_count: u64,
    },
    Remembered,
    /// A dry run: every client's decision and steps.
    Plan {
        counts: Counts,
        plan: BulkPlan,
    },
    /// The current (or last) sync run; `None` before the first.
    Sync {
        progress: Option<Progress>,
    },
    /// A pull, and how many clients the automatic rules then started a run for.
    Pulled {
        report: PullReport,
        auto_run: usize,
    },
    Badges {
        badges: Vec<ClientBadge>,
    },
    Error {
        message: String,
    },
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
    fn the_sync_messages_decode_as_the_pages_send_them() {
        // extension/static/content.js
        let msg = json!({"tag":"fitr-ghl/1","request":{"type":"remember_fitr_session",
            "session":{"origin":"https://app.fitr.training","token":"t"}}});
        assert_eq!(
            decode_request(msg),
            Ok(Request::RememberFitrSession {
                session: FitrSession {
                    origin: "https://app.fitr.training".into(),
                    token: "t".into()
                }
            })
        );
        // tests/e2e/run.mjs and the app's sync panel
        for (msg, want) in [
            (
                json!({"type":"dry_run","fitr":null}),
                Request::DryRun { fitr: None },
            ),
            (
                json!({"type":"start_sync","fitr":null}),
                Request::StartSync { fitr: None },
            ),
            (json!({"type":"sync_status"}), Request::SyncStatus),
            (json!({"type":"pause_sync"}), Request::PauseSync),
            (json!({"type":"resume_sync"}), Request::ResumeSync),
            (json!({"type":"cancel_sync"}), Request::CancelSync),
            (json!({"type":"pull"}), Request::Pull),
            (
                json!({"type":"badges","client_ids":[1,2]}),
                Request::Badges {
                    client_ids: vec![1, 2],
                },
            ),
        ] {
            assert_eq!(
                decode_request(json!({"tag":"fitr-ghl/1","request":msg})),
                Ok(want)
            );
        }
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
