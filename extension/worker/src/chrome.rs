//! The few extension APIs the worker uses (web-sys has no `chrome.*` bindings).

use js_sys::{Array, Object, Promise, Reflect};
use serde::{Serialize, de::DeserializeOwned};
use shared::settings::Settings;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = get)]
    fn storage_local_get(keys: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = set)]
    fn storage_local_set(items: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = remove)]
    fn storage_local_remove(keys: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = get)]
    fn storage_session_get(keys: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "session"], js_name = set)]
    fn storage_session_set(items: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "alarms"], js_name = create)]
    fn alarms_create(name: &str, info: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "alarms"], js_name = clear)]
    fn alarms_clear(name: &str) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "alarms"], js_name = get)]
    fn alarms_get(name: &str) -> Promise;
}

const SETTINGS_KEY: &str = "settings";

pub fn js_error(e: JsValue) -> String {
    e.as_string()
        .or_else(|| Reflect::get(&e, &"message".into()).ok()?.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// Which `chrome.storage` area.
#[derive(Clone, Copy)]
pub enum Area {
    /// Kept across browser restarts: settings, links, the outbox.
    Local,
    /// Kept in memory for this browser session: the FITR session.
    Session,
}

/// A value as plain JSON-compatible JS (maps as objects), as `chrome.storage` keeps it.
pub fn js_value<T: Serialize>(value: &T) -> Result<JsValue, String> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    value.serialize(&serializer).map_err(|e| e.to_string())
}

/// The raw items for `keys` (`JsValue::NULL`: every item).
async fn get_items(area: Area, keys: &JsValue) -> Result<JsValue, String> {
    let promise = match area {
        Area::Local => storage_local_get(keys),
        Area::Session => storage_session_get(keys),
    };
    JsFuture::from(promise).await.map_err(js_error)
}

/// One stored value, or `None` when absent.
pub async fn get<T: DeserializeOwned>(area: Area, key: &str) -> Result<Option<T>, String> {
    let items = get_items(area, &key.into()).await?;
    let value = Reflect::get(&items, &key.into()).map_err(js_error)?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    serde_wasm_bindgen::from_value(value)
        .map(Some)
        .map_err(|e| format!("the stored {key:?} is unreadable ({e})"))
}

/// Every local item whose key starts with `prefix`, as JSON.
pub async fn get_prefixed(prefix: &str) -> Result<Vec<(String, serde_json::Value)>, String> {
    let items = get_items(Area::Local, &JsValue::NULL).await?;
    let mut out = Vec::new();
    let object: Object = items.clone().unchecked_into();
    for key in Object::keys(&object).iter() {
        let Some(name) = key.as_string().filter(|k| k.starts_with(prefix)) else {
            continue;
        };
        let value = Reflect::get(&items, &key).map_err(js_error)?;
        let json = serde_wasm_bindgen::from_value(value)
            .map_err(|e| format!("the stored {name:?} is unreadable ({e})"))?;
        out.push((name, json));
    }
    Ok(out)
}

/// Store several values in one write.
pub async fn set_many(area: Area, items: &[(String, JsValue)]) -> Result<(), String> {
    let object = Object::new();
    for (key, value) in items {
        Reflect::set(&object, &key.into(), value).map_err(js_error)?;
    }
    let promise = match area {
        Area::Local => storage_local_set(&object),
        Area::Session => storage_session_set(&object),
    };
    JsFuture::from(promise).await.map_err(js_error)?;
    Ok(())
}

pub async fn set<T: Serialize>(area: Area, key: &str, value: &T) -> Result<(), String> {
    set_many(area, &[(key.to_owned(), js_value(value)?)]).await
}

pub async fn remove(keys: &[String]) -> Result<(), String> {
    let array: Array = keys.iter().map(|k| JsValue::from_str(k)).collect();
    JsFuture::from(storage_local_remove(&array))
        .await
        .map_err(js_error)?;
    Ok(())
}

/// The saved settings, or `None` before the coach has saved any.
pub async fn load_settings() -> Result<Option<Settings>, String> {
    get(Area::Local, SETTINGS_KEY)
        .await
        .map_err(|e| format!("{e}: save the settings again"))
}

pub async fn save_settings(settings: &Settings) -> Result<(), String> {
    set(Area::Local, SETTINGS_KEY, settings).await
}

/// A repeating alarm that wakes the worker (Chrome's shortest period is 30 s).
pub async fn start_alarm(name: &str, period_minutes: f64) -> Result<(), String> {
    let info = Object::new();
    Reflect::set(&info, &"periodInMinutes".into(), &period_minutes.into()).map_err(js_error)?;
    JsFuture::from(alarms_create(name, &info))
        .await
        .map_err(js_error)?;
    Ok(())
}

/// Set the alarm unless it is set already (setting it again would restart its period, and a
/// worker that starts more often than the period would then never see it fire).
pub async fn keep_alarm(name: &str, period_minutes: f64) -> Result<(), String> {
    let existing = JsFuture::from(alarms_get(name)).await.map_err(js_error)?;
    if existing.is_undefined() || existing.is_null() {
        start_alarm(name, period_minutes).await?;
    }
    Ok(())
}

pub async fn stop_alarm(name: &str) -> Result<(), String> {
    JsFuture::from(alarms_clear(name)).await.map_err(js_error)?;
    Ok(())
}
