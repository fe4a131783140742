//! `/_admin/*`: no auth, no rate limit, not logged. What tests and demos need around the API:
//! see the whole state, reset it, seed it, change a contact as a coach or a GHL automation
//! would, tune limits and quirks, and read the log of API requests.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, patch, post},
};
use serde_json::{Map, Value, json};

use crate::{
    Sandbox, State as SandboxState, api::json_body, error::GhlError, ratelimit::RateConfig, view,
};

pub fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/_admin/state", get(state))
        .route("/_admin/reset", post(reset))
        .route("/_admin/seed", post(seed))
        .route(
            "/_admin/contacts/{id}",
            patch(patch_contact).delete(delete_contact),
        )
        .route("/_admin/custom-fields", post(add_custom_field))
        .route("/_admin/config", get(get_config).put(put_config))
        .route("/_admin/requests", get(requests).delete(clear_requests))
}

type AdminResult = Result<Response, GhlError>;

fn ok(status: StatusCode, body: Value) -> AdminResult {
    Ok((status, Json(body)).into_response())
}

/// Every location with its full contacts (notes included) and custom fields.
pub fn state_json(state: &SandboxState) -> Value {
    let locations: Map<String, Value> = state
        .store
        .locations()
        .iter()
        .map(|loc| {
            let contacts: Vec<Value> = loc
                .contacts
                .iter()
                .map(|c| {
                    let mut contact = view::contact(c);
                    let notes: Vec<Value> = c.notes.iter().map(view::note).collect();
                    if let Some(obj) = contact.as_object_mut() {
                        obj.insert("notes".into(), json!(notes));
                    }
                    contact
                })
                .collect();
            let fields: Vec<Value> = loc
                .custom_fields
                .iter()
                .map(|f| view::custom_field_def(f, &loc.id))
                .collect();
            (
                loc.id.clone(),
                json!({ "name": loc.name, "contacts": contacts, "customFields": fields }),
            )
        })
        .collect();
    json!({ "locations": locations, "config": config_json(state) })
}

fn config_json(state: &SandboxState) -> Value {
    let rate = state.limiter.config();
    let settings = state.store.settings();
    json!({
        "rateWindowMs": rate.window_ms,
        "rateMax": rate.max,
        "rateDailyMax": rate.daily_max,
        "allowDuplicates": settings.allow_duplicates,
        "searchLagMs": settings.search_lag_ms,
        "phoneFilterMisses": settings.phone_filter_misses,
        "storeRejectedCreates": settings.store_rejected_creates,
    })
}

async fn state(State(sandbox): State<Sandbox>) -> AdminResult {
    ok(StatusCode::OK, sandbox.with(|s| state_json(s)))
}

async fn reset(State(sandbox): State<Sandbox>) -> AdminResult {
    sandbox.with(|s| s.reset());
    ok(StatusCode::OK, json!({ "reset": true }))
}

async fn seed(State(sandbox): State<Sandbox>, body: Bytes) -> AdminResult {
    let body = json_body(&body)?;
    let Some(location) = body.get("locationId").and_then(Value::as_str) else {
        return Err(GhlError::unprocessable_one(
            "locationId should not be empty",
        ));
    };
    let contacts = match body.get("contacts") {
        Some(Value::Array(items)) => items.as_slice(),
        None => &[],
        Some(_) => return Err(GhlError::unprocessable_one("contacts must be an array")),
    };
    let now = sandbox.now();
    let created = sandbox.with(|s| s.store.seed(location, contacts, now))?;
    let created: Vec<Value> = created.iter().map(view::contact).collect();
    ok(StatusCode::CREATED, json!({ "contacts": created }))
}

async fn patch_contact(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    body: Bytes,
) -> AdminResult {
    let body = json_body(&body)?;
    let now = sandbox.now();
    let contact = sandbox.with(|s| s.store.admin_patch(&id, &body, now))?;
    ok(
        StatusCode::OK,
        json!({ "contact": view::contact(&contact) }),
    )
}

async fn delete_contact(State(sandbox): State<Sandbox>, Path(id): Path<String>) -> AdminResult {
    sandbox.with(|s| s.store.admin_delete(&id))?;
    ok(StatusCode::OK, json!({ "deleted": true }))
}

async fn add_custom_field(State(sandbox): State<Sandbox>, body: Bytes) -> AdminResult {
    let body = json_body(&body)?;
    let Some(location) = body.get("locationId").and_then(Value::as_str) else {
        return Err(GhlError::unprocessable_one(
            "locationId should not be empty",
        ));
    };
    let def = sandbox.with(|s| s.store.add_custom_field(location, &body))?;
    ok(
        StatusCode::CREATED,
        json!({ "customField": view::custom_field_def(&def, location) }),
    )
}

async fn get_config(State(sandbox): State<Sandbox>) -> AdminResult {
    ok(StatusCode::OK, sandbox.with(|s| config_json(s)))
}

/// Change any of `rateWindowMs`, `rateMax`, `rateDailyMax` (rate counters restart),
/// `allowDuplicates`, `searchLagMs`, `phoneFilterMisses`, `storeRejectedCreates`.
async fn put_config(State(sandbox): State<Sandbox>, body: Bytes) -> AdminResult {
    let body = json_body(&body)?;
    let Value::Object(body) = body else {
        return Err(GhlError::malformed_json(
            "The request body must be a JSON object",
        ));
    };
    let mut errors = Vec::new();
    let number = |key: &str, errors: &mut Vec<String>| {
        let value = body.get(key)?;
        let n = value.as_u64().filter(|n| *n >= 1);
        if n.is_none() {
            errors.push(format!("{key} must be a positive integer"));
        }
        n
    };
    let flag = |key: &str, errors: &mut Vec<String>| {
        let value = body.get(key)?;
        if value.as_bool().is_none() {
            errors.push(format!("{key} must be a boolean value"));
        }
        value.as_bool()
    };
    let window_ms = number("rateWindowMs", &mut errors);
    let max = number("rateMax", &mut errors);
    let daily_max = number("rateDailyMax", &mut errors);
    let allow_duplicates = flag("allowDuplicates", &mut errors);
    let phone_filter_misses = flag("phoneFilterMisses", &mut errors);
    let store_rejected_creates = flag("storeRejectedCreates", &mut errors);
    let search_lag_ms = match body.get("searchLagMs") {
        None => None,
        Some(v) => {
            if v.as_u64().is_none() {
                errors.push("searchLagMs must be a non-negative integer".into());
            }
            v.as_u64()
        }
    };
    const KNOWN: &[&str] = &[
        "rateWindowMs",
        "rateMax",
        "rateDailyMax",
        "allowDuplicates",
        "searchLagMs",
        "phoneFilterMisses",
        "storeRejectedCreates",
    ];
    errors.extend(
        body.keys()
            .filter(|k| !KNOWN.contains(&k.as_str()))
            .map(|k| format!("property {k} should not exist")),
    );
    if !errors.is_empty() {
        return Err(GhlError::unprocessable(errors));
    }
    let clamp = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let config = sandbox.with(|s| {
        if window_ms.is_some() || max.is_some() || daily_max.is_some() {
            let old = s.limiter.config();
            s.limiter.set_config(RateConfig {
                window_ms: window_ms.unwrap_or(old.window_ms),
                max: max.map_or(old.max, clamp),
                daily_max: daily_max.map_or(old.daily_max, clamp),
            });
        }
        let settings = s.store.settings_mut();
        if let Some(v) = allow_duplicates {
            settings.allow_duplicates = v;
        }
        if let Some(v) = search_lag_ms {
            settings.search_lag_ms = v;
        }
        if let Some(v) = phone_filter_misses {
            settings.phone_filter_misses = v;
        }
        if let Some(v) = store_rejected_creates {
            settings.store_rejected_creates = v;
        }
        config_json(s)
    });
    ok(StatusCode::OK, config)
}

async fn requests(State(sandbox): State<Sandbox>) -> AdminResult {
    let requests = sandbox.with(|s| s.requests.clone());
    ok(
        StatusCode::OK,
        json!({ "count": requests.len(), "requests": requests }),
    )
}

async fn clear_requests(State(sandbox): State<Sandbox>) -> AdminResult {
    let cleared = sandbox.with(|s| std::mem::take(&mut s.requests).len());
    ok(StatusCode::OK, json!({ "cleared": cleared }))
}
