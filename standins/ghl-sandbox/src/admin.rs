//! `/_admin/*`: no auth, no rate limit, no faults, not logged. What tests and demos need around
//! the API: see the whole state, reset it, seed it, change a contact as a coach or a GHL
//! automation would, book appointments, make tags, issue OAuth codes and tokens, switch a
//! location's refresh off (G13), tune limits, quirks and faults, and read the log of API
//! requests.

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, patch, post, put},
};
use serde_json::{Map, Value, json};

use crate::{
    Sandbox, State as SandboxState,
    api::json_body,
    error::GhlError,
    faults::FaultConfig,
    oauth::{Grant, OAuth},
    ratelimit::RateConfig,
    store::MatchField,
    view,
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
        .route("/_admin/contacts/{id}/appointments", post(add_appointment))
        .route("/_admin/custom-fields", post(add_custom_field))
        .route("/_admin/tags", post(add_tag))
        .route("/_admin/oauth/codes", post(issue_code))
        .route("/_admin/oauth/tokens", post(issue_tokens))
        .route(
            "/_admin/oauth/locations/{locationId}",
            put(set_location_active),
        )
        .route("/_admin/config", get(get_config).put(put_config))
        .route("/_admin/requests", get(requests).delete(clear_requests))
}

type AdminResult = Result<Response, GhlError>;

fn ok(status: StatusCode, body: Value) -> AdminResult {
    Ok((status, Json(body)).into_response())
}

/// Every location with its full contacts (notes, tasks and appointments included), tags and
/// custom fields; the OAuth codes and tokens; the config.
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
                    let tasks: Vec<Value> = c.tasks.iter().map(view::task).collect();
                    let events: Vec<Value> = c.appointments.iter().map(view::appointment).collect();
                    if let Some(obj) = contact.as_object_mut() {
                        obj.insert("notes".into(), json!(notes));
                        obj.insert("tasks".into(), json!(tasks));
                        obj.insert("appointments".into(), json!(events));
                    }
                    contact
                })
                .collect();
            let fields: Vec<Value> = loc
                .custom_fields
                .iter()
                .map(|f| view::custom_field_def(f, &loc.id))
                .collect();
            let tags: Vec<Value> = loc
                .tags
                .iter()
                .map(|t| view::location_tag(t, &loc.id))
                .collect();
            (
                loc.id.clone(),
                json!({
                    "name": loc.name,
                    "contacts": contacts,
                    "tags": tags,
                    "customFields": fields,
                }),
            )
        })
        .collect();
    json!({
        "locations": locations,
        "oauth": oauth_json(&state.oauth),
        "config": config_json(state),
    })
}

fn oauth_json(oauth: &OAuth) -> Value {
    let grant = |g: &Grant| json!({ "locationId": g.location_id, "scopes": g.scopes });
    json!({
        "codes": oauth.codes.iter().map(|c| json!({
            "code": c.code, "grant": grant(&c.grant), "expiresAt": crate::time::iso(c.expires_at),
        })).collect::<Vec<_>>(),
        "accessTokens": oauth.access_tokens.iter().map(|t| json!({
            "token": t.token, "grant": grant(&t.grant), "expiresAt": crate::time::iso(t.expires_at),
        })).collect::<Vec<_>>(),
        "refreshTokens": oauth.refresh_tokens.iter().map(|t| json!({
            "token": t.token, "grant": grant(&t.grant), "spent": t.spent,
            "expiresAt": crate::time::iso(t.expires_at),
        })).collect::<Vec<_>>(),
        "inactiveLocations": oauth.inactive_locations,
    })
}

fn config_json(state: &SandboxState) -> Value {
    let rate = state.limiter.config();
    let settings = state.store.settings();
    let faults = state.faults.config();
    json!({
        "rateWindowMs": rate.window_ms,
        "rateMax": rate.max,
        "rateDailyMax": rate.daily_max,
        "allowDuplicates": settings.allow_duplicates,
        "duplicatePrimaryField": settings.duplicate_primary_field.name(),
        "searchLagMs": settings.search_lag_ms,
        "phoneFilterMisses": settings.phone_filter_misses,
        "storeRejectedCreates": settings.store_rejected_creates,
        "accessTokenTtlSecs": state.oauth.access_token_ttl_secs,
        "errorRate": faults.error_rate,
        "dropRate": faults.drop_rate,
        "latencyMs": faults.latency_ms,
        "faultSeed": faults.seed,
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
/// `allowDuplicates`, `duplicatePrimaryField`, `searchLagMs`, `phoneFilterMisses`,
/// `storeRejectedCreates`, `accessTokenTtlSecs`, `errorRate`, `dropRate`, `faultSeed` (setting
/// any of these three restarts the fault sequence from the seed), `latencyMs`.
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
    let whole = |key: &str, errors: &mut Vec<String>| {
        let value = body.get(key)?;
        if value.as_u64().is_none() {
            errors.push(format!("{key} must be a non-negative integer"));
        }
        value.as_u64()
    };
    let fraction = |key: &str, errors: &mut Vec<String>| {
        let value = body.get(key)?;
        let rate = value.as_f64().filter(|r| (0.0..=1.0).contains(r));
        if rate.is_none() {
            errors.push(format!("{key} must be a number from 0 to 1"));
        }
        rate
    };
    let search_lag_ms = whole("searchLagMs", &mut errors);
    let access_token_ttl_secs = whole("accessTokenTtlSecs", &mut errors);
    let latency_ms = whole("latencyMs", &mut errors);
    let fault_seed = whole("faultSeed", &mut errors);
    let error_rate = fraction("errorRate", &mut errors);
    let drop_rate = fraction("dropRate", &mut errors);
    let primary_field = match body.get("duplicatePrimaryField") {
        None => None,
        Some(v) => {
            let field = v.as_str().and_then(MatchField::parse);
            if field.is_none() {
                errors.push(
                    "duplicatePrimaryField must be one of the following values: email, phone"
                        .into(),
                );
            }
            field
        }
    };
    const KNOWN: &[&str] = &[
        "rateWindowMs",
        "rateMax",
        "rateDailyMax",
        "allowDuplicates",
        "duplicatePrimaryField",
        "searchLagMs",
        "phoneFilterMisses",
        "storeRejectedCreates",
        "accessTokenTtlSecs",
        "errorRate",
        "dropRate",
        "latencyMs",
        "faultSeed",
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
        if let Some(v) = primary_field {
            settings.duplicate_primary_field = v;
        }
        if let Some(v) = access_token_ttl_secs {
            s.oauth.access_token_ttl_secs = v;
        }
        let old = s.faults.config();
        if error_rate.is_some() || drop_rate.is_some() || fault_seed.is_some() {
            s.faults.set_config(FaultConfig {
                error_rate: error_rate.unwrap_or(old.error_rate),
                drop_rate: drop_rate.unwrap_or(old.drop_rate),
                latency_ms: latency_ms.unwrap_or(old.latency_ms),
                seed: fault_seed.unwrap_or(old.seed),
            });
        } else if let Some(v) = latency_ms {
            s.faults.set_latency(v);
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

/// Which properties an admin body may have; one 422 message per other one.
fn closed(body: &Value, allowed: &[&str]) -> Result<(), GhlError> {
    let errors: Vec<String> = body
        .as_object()
        .into_iter()
        .flat_map(|o| o.keys())
        .filter(|k| !allowed.contains(&k.as_str()))
        .map(|k| format!("property {k} should not exist"))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(GhlError::unprocessable(errors))
    }
}

/// A `locationId` the store knows (400 otherwise).
fn known_location(sandbox: &Sandbox, body: &Value) -> Result<String, GhlError> {
    let Some(location) = body.get("locationId").and_then(Value::as_str) else {
        return Err(GhlError::unprocessable_one(
            "locationId should not be empty",
        ));
    };
    if sandbox.with(|s| s.store.location(location).is_none()) {
        return Err(GhlError::bad_request(format!(
            "Unknown location {location}"
        )));
    }
    Ok(location.to_string())
}

async fn add_appointment(
    State(sandbox): State<Sandbox>,
    Path(id): Path<String>,
    body: Bytes,
) -> AdminResult {
    let body = json_body(&body)?;
    let now = sandbox.now();
    let event = sandbox.with(|s| s.store.admin_add_appointment(&id, &body, now))?;
    ok(
        StatusCode::CREATED,
        json!({ "appointment": view::appointment(&event) }),
    )
}

/// `{"locationId", "name"}`: 201 with a new tag, 200 with the existing one of that name.
async fn add_tag(State(sandbox): State<Sandbox>, body: Bytes) -> AdminResult {
    let body = json_body(&body)?;
    closed(&body, &["locationId", "name"])?;
    let location = known_location(&sandbox, &body)?;
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    let (tag, created) = sandbox.with(|s| s.store.add_location_tag(&location, name))?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    ok(
        status,
        json!({ "tag": view::location_tag(&tag, &location) }),
    )
}

/// The grant of `{"locationId", "scopes"?: [..], "withoutScopes"?: [..]}`.
fn grant_body(sandbox: &Sandbox, body: &Value) -> Result<Grant, GhlError> {
    closed(body, &["locationId", "scopes", "withoutScopes"])?;
    let location_id = known_location(sandbox, body)?;
    let list = |key: &str| -> Result<Option<Vec<String>>, GhlError> {
        match body.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<String>>>()
                .map(Some)
                .ok_or_else(|| {
                    GhlError::unprocessable_one(format!("each value in {key} must be a string"))
                }),
            Some(_) => Err(GhlError::unprocessable_one(format!(
                "{key} must be an array"
            ))),
        }
    };
    let scopes = list("scopes")?;
    let without = list("withoutScopes")?.unwrap_or_default();
    Ok(Grant {
        location_id,
        scopes: OAuth::scopes(scopes, &without),
    })
}

/// An authorization code, as the marketplace's consent page would redirect with.
async fn issue_code(State(sandbox): State<Sandbox>, body: Bytes) -> AdminResult {
    let body = json_body(&body)?;
    let grant = grant_body(&sandbox, &body)?;
    let now = sandbox.now();
    let code = sandbox.with(|s| s.oauth.issue_code(grant, now));
    ok(StatusCode::CREATED, json!({ "code": code }))
}

/// A token pair without the code step (e.g. a token lacking a scope, G14).
async fn issue_tokens(State(sandbox): State<Sandbox>, body: Bytes) -> AdminResult {
    let body = json_body(&body)?;
    let grant = grant_body(&sandbox, &body)?;
    let now = sandbox.now();
    let pair = sandbox.with(|s| s.oauth.issue_tokens(grant, now));
    ok(StatusCode::CREATED, pair.to_json())
}

/// `{"active": false}`: the location's refresh fails with 400 "Location is not active" (G13)
/// until `{"active": true}`.
async fn set_location_active(
    State(sandbox): State<Sandbox>,
    Path(location): Path<String>,
    body: Bytes,
) -> AdminResult {
    let body = json_body(&body)?;
    closed(&body, &["active"])?;
    let Some(active) = body.get("active").and_then(Value::as_bool) else {
        return Err(GhlError::unprocessable_one(
            "active must be a boolean value",
        ));
    };
    if sandbox.with(|s| s.store.location(&location).is_none()) {
        return Err(GhlError::bad_request(format!(
            "Unknown location {location}"
        )));
    }
    sandbox.with(|s| s.oauth.set_active(&location, active));
    ok(
        StatusCode::OK,
        json!({ "locationId": location, "active": active }),
    )
}
