//! The few extension APIs the worker uses (web-sys has no `chrome.*` bindings).

use js_sys::{Object, Promise, Reflect};
use shared::settings::Settings;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = get)]
    fn storage_local_get(keys: &JsValue) -> Promise;
    #[wasm_bindgen(js_namespace = ["chrome", "storage", "local"], js_name = set)]
    fn storage_local_set(items: &JsValue) -> Promise;
}

const SETTINGS_KEY: &str = "settings";

fn js_error(e: JsValue) -> String {
    e.as_string()
        .or_else(|| Reflect::get(&e, &"message".into()).ok()?.as_string())
        .unwrap_or_else(|| format!("{e:?}"))
}

/// The saved settings, or `None` before the coach has saved any.
pub async fn load_settings() -> Result<Option<Settings>, String> {
    let items = JsFuture::from(storage_local_get(&SETTINGS_KEY.into()))
        .await
        .map_err(js_error)?;
    let value = Reflect::get(&items, &SETTINGS_KEY.into()).map_err(js_error)?;
    if value.is_undefined() || value.is_null() {
        return Ok(None);
    }
    serde_wasm_bindgen::from_value(value)
        .map(Some)
        .map_err(|e| format!("the saved settings are unreadable ({e}): save them again"))
}

pub async fn save_settings(settings: &Settings) -> Result<(), String> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let value = serde::Serialize::serialize(settings, &serializer).map_err(|e| e.to_string())?;
    let items = Object::new();
    Reflect::set(&items, &SETTINGS_KEY.into(), &value).map_err(js_error)?;
    JsFuture::from(storage_local_set(&items))
        .await
        .map_err(js_error)?;
    Ok(())
}
