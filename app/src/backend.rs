//! Where settings are kept and GHL is reached: through the extension's service worker, or
//! directly from a hosted page (sandbox only: GHL does not answer browsers' CORS requests).

use js_sys::{Array, Object, Promise, Reflect};
use shared::{
    ghl::GhlClient,
    protocol::{Request, RequestEnvelope, Response, ResponseEnvelope, TAG},
    settings::{ApiTarget, Settings, sandbox_origin},
    transport::FetchTransport,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "runtime"], js_name = sendMessage)]
    fn send_message(message: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "permissions"], js_name = request)]
    fn permissions_request(permissions: &JsValue) -> Promise;
}

const STORAGE_KEY: &str = "fitr-ghl.settings";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Extension,
    Hosted,
}

fn js_text(e: &JsValue) -> String {
    e.as_string()
        .or_else(|| Reflect::get(e, &"message".into()).ok()?.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

impl Backend {
    /// An extension page has `chrome.runtime.id`; an ordinary page does not.
    pub fn detect() -> Self {
        let id = Reflect::get(&js_sys::global(), &"chrome".into())
            .and_then(|c| Reflect::get(&c, &"runtime".into()))
            .and_then(|r| Reflect::get(&r, &"id".into()))
            .ok()
            .and_then(|id| id.as_string());
        if id.is_some() {
            Backend::Extension
        } else {
            Backend::Hosted
        }
    }

    pub async fn load(self) -> Result<Option<Settings>, String> {
        match self {
            Backend::Extension => match ask(Request::GetSettings).await? {
                Response::Settings { settings } => Ok(settings),
                other => Err(unexpected(other)),
            },
            Backend::Hosted => {
                let Some(raw) = local_storage()?
                    .get_item(STORAGE_KEY)
                    .map_err(|e| js_text(&e))?
                else {
                    return Ok(None);
                };
                serde_json::from_str(&raw).map(Some).map_err(|e| {
                    format!("the saved settings are unreadable ({e}): save them again")
                })
            }
        }
    }

    /// Start the browser's host-permission prompt for a local sandbox. Must be called
    /// synchronously inside the click handler (browsers require a user gesture).
    pub fn request_sandbox_permission(self, settings: &Settings) -> Option<Promise> {
        let ApiTarget::Sandbox { url } = &settings.target else {
            return None;
        };
        if self != Backend::Extension {
            return None;
        }
        let origin = sandbox_origin(url).ok()?;
        let request = Object::new();
        let origins = Array::of1(&JsValue::from_str(&origin));
        Reflect::set(&request, &"origins".into(), &origins).ok()?;
        Some(permissions_request(&request))
    }

    /// Save, after the permission prompt (if any) has answered.
    pub async fn save(self, settings: Settings, permission: Option<Promise>) -> Result<(), String> {
        settings.validate()?;
        if let Some(p) = permission {
            let granted = JsFuture::from(p).await.map_err(|e| js_text(&e))?;
            if granted.as_bool() != Some(true) {
                return Err(format!(
                    "The browser did not allow the extension to reach {}: the settings were not saved. Save again and choose Allow.",
                    settings.base()
                ));
            }
        }
        match self {
            Backend::Extension => match ask(Request::SaveSettings { settings }).await? {
                Response::Saved => Ok(()),
                other => Err(unexpected(other)),
            },
            Backend::Hosted => {
                let raw = serde_json::to_string(&settings).map_err(|e| e.to_string())?;
                local_storage()?
                    .set_item(STORAGE_KEY, &raw)
                    .map_err(|e| js_text(&e))
            }
        }
    }

    /// The location's contact count, or the server's own words.
    pub async fn test(self, settings: Settings) -> Result<u64, String> {
        settings.validate()?;
        match self {
            Backend::Extension => match ask(Request::TestConnection { settings }).await? {
                Response::Connected { contact_count } => Ok(contact_count),
                other => Err(unexpected(other)),
            },
            Backend::Hosted => {
                if settings.target == ApiTarget::Live {
                    return Err("A hosted page cannot reach live GHL (GHL does not allow browser pages to call it). Install the FITR ⇄ GHL extension and test the connection from its options page, or pick the local sandbox.".into());
                }
                let ghl = GhlClient::new(FetchTransport, settings.credentials());
                ghl.contacts().count().await.map_err(|e| e.to_string())
            }
        }
    }
}

impl Backend {
    /// A sync request: only the extension can read FITR and run a sync.
    pub async fn sync(self, request: Request) -> Result<Response, String> {
        match self {
            Backend::Extension => match ask(request).await? {
                Response::Error { message } => Err(message),
                other => Ok(other),
            },
            Backend::Hosted => Err("Syncing every client needs the FITR ⇄ GHL extension: install it and use its options page.".into()),
        }
    }
}

/// Wait, without blocking the page (`setTimeout`).
pub async fn sleep_ms(ms: i32) {
    let promise = Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

fn local_storage() -> Result<web_sys::Storage, String> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or_else(|| "this browser has no localStorage for this page".to_string())
}

fn unexpected(response: Response) -> String {
    match response {
        Response::Error { message } => message,
        other => format!("the extension answered unexpectedly: {other:?}"),
    }
}

/// One request to the service worker, one typed answer.
async fn ask(request: Request) -> Result<Response, String> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let message = serde::Serialize::serialize(&RequestEnvelope::new(request), &serializer)
        .map_err(|e| e.to_string())?;
    let reply = JsFuture::from(send_message(&message))
        .await
        .map_err(|e| format!("the extension did not answer: {}", js_text(&e)))?;
    let envelope: ResponseEnvelope = serde_wasm_bindgen::from_value(reply)
        .map_err(|e| format!("the extension sent an unreadable answer: {e}"))?;
    if envelope.tag != TAG {
        return Err(format!(
            "the extension speaks {:?}, not {TAG:?}: reload it",
            envelope.tag
        ));
    }
    Ok(envelope.response)
}
