//! The contacts API (paths exactly as in `apps/contacts.json`, plus the location's tags and
//! custom fields from `apps/locations.json`) and the OAuth token endpoint (`apps/oauth.json`).
//! Handlers are thin: decode the body or query as GHL's server would, call
//! [`crate::store::Store`] (or [`crate::oauth::OAuth`]) under the lock, shape the answer with
//! [`crate::view`]. API handlers run behind [`crate::auth::gate`], which puts the caller in a
//! [`Caller`] extension.

use axum::{
    Extension, Json, Router,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{
        HeaderMap, Method, StatusCode,
        header::{CONTENT_TYPE, HOST},
    },
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use serde_json::{Value, json};

use crate::{
    Sandbox,
    auth::Caller,
    error::GhlError,
    oauth::{
        SCOPE_CONTACTS_READONLY, SCOPE_CONTACTS_WRITE, SCOPE_CUSTOM_FIELDS_READONLY,
        SCOPE_TAGS_READONLY,
    },
    view,
};

/// The scope an API route requires, as its `security` in the spec names it: the location's
/// custom fields and tags their own read scopes; in the contacts API, `contacts.readonly` for
/// reads (search included) and `contacts.write` for writes.
pub fn required_scope(method: &Method, route: &str) -> &'static str {
    match route {
        "/locations/{locationId}/customFields" => SCOPE_CUSTOM_FIELDS_READONLY,
        "/locations/{locationId}/tags" => SCOPE_TAGS_READONLY,
        "/contacts/search" => SCOPE_CONTACTS_READONLY,
        _ if method == Method::GET || method == Method::HEAD => SCOPE_CONTACTS_READONLY,
        _ => SCOPE_CONTACTS_WRITE,
    }
}

/// The OAuth token endpoint (no auth, no rate limit, no `Version`).
pub fn oauth_routes() -> Router<Sandbox> {
    Router::new().route("/oauth/token", post(token))
}

/// Every API route. Both `/contacts/` (the spec's path) and `/contacts` are served.
pub fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/contacts/", get(list_contacts).post(create_contact))
        .route("/contacts", get(list_contacts).post(create_contact))
        .route("/contacts/search", post(search_contacts))
        .route("/contacts/search/duplicate", get(find_duplicate))
        .route("/contacts/upsert", post(upsert_contact))
        .route("/contacts/business/{businessId}", get(business_contacts))
        .route(
            "/contacts/{contactId}",
            get(get_contact).put(update_contact).delete(delete_contact),
        )
        .route(
            "/contacts/{contactId}/tags",
            post(add_tags).delete(remove_tags),
        )
        .route(
            "/contacts/{contactId}/notes",
            get(list_notes).post(create_note),
        )
        .route(
            "/contacts/{contactId}/notes/{id}",
            get(get_note).put(update_note).delete(delete_note),
        )
        .route(
            "/contacts/{contactId}/tasks",
            get(list_tasks).post(create_task),
        )
        .route(
            "/contacts/{contactId}/tasks/{taskId}",
            get(get_task).put(update_task).delete(delete_task),
        )
        .route(
            "/contacts/{contactId}/tasks/{taskId}/completed",
            put(complete_task),
        )
        .route("/contacts/{contactId}/appointments", get(appointments))
        .route("/locations/{locationId}/customFields", get(custom_fields))
        .route("/locations/{locationId}/tags", get(location_tags))
}

type ApiResult = Result<Response, GhlError>;

fn ok(status: StatusCode, body: Value) -> ApiResult {
    Ok((status, Json(body)).into_response())
}

/// A JSON request body as NestJS reads it: empty is `{}`; not JSON is a 400 with a string message.
pub fn json_body(bytes: &[u8]) -> Result<Value, GhlError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        let offset = byte_offset(bytes, e.line(), e.column());
        GhlError::malformed_json(format!("Unexpected token in JSON at position {offset}"))
    })?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(GhlError::malformed_json(
            "The request body must be a JSON object",
        ))
    }
}

fn byte_offset(bytes: &[u8], line: usize, column: usize) -> usize {
    let line_start: usize = bytes
        .split(|b| *b == b'\n')
        .take(line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum();
    line_start + column.saturating_sub(1)
}

/// Query pairs, percent-decoded as any server does (`%2B` is `+`, a raw `+` is a space).
pub fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn first<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// G7: a `locationId` that is absent or not the token's is refused.
fn require_location(given: Option<&str>, caller: &Caller) -> Result<(), GhlError> {
    match given {
        Some(location) if location == caller.location_id => Ok(()),
        _ => Err(GhlError::no_location_access()),
    }
}

async fn get_contact(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let contact = sandbox.with(|s| s.store.contact(&caller.location_id, &id).map(view::contact))?;
    ok(StatusCode::OK, json!({ "contact": contact }))
}

async fn create_contact(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&body)?;
    let now = sandbox.now();
    let contact = sandbox.with(|s| s.store.create_contact(&caller.location_id, &body, now))?;
    ok(
        StatusCode::CREATED,
        json!({ "contact": view::created_contact(&contact) }),
    )
}

async fn update_contact(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&body)?;
    let now = sandbox.now();
    let contact = sandbox.with(|s| s.store.update_contact(&caller.location_id, &id, &body, now))?;
    ok(
        StatusCode::OK,
        json!({ "succeded": true, "contact": view::contact(&contact) }),
    )
}

async fn delete_contact(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    sandbox.with(|s| s.store.delete_contact(&caller.location_id, &id))?;
    // G15: the success key is spelled this way.
    ok(StatusCode::OK, json!({ "succeded": true }))
}

async fn add_tags(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&body)?;
    let now = sandbox.now();
    let tags = sandbox.with(|s| s.store.add_tags(&caller.location_id, &id, &body, now))?;
    ok(StatusCode::CREATED, json!({ "tags": tags }))
}

async fn remove_tags(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&body)?;
    let now = sandbox.now();
    let tags = sandbox.with(|s| s.store.remove_tags(&caller.location_id, &id, &body, now))?;
    ok(StatusCode::OK, json!({ "tags": tags }))
}

async fn create_note(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&body)?;
    let now = sandbox.now();
    let note = sandbox.with(|s| s.store.add_note(&caller.location_id, &id, &body, now))?;
    ok(StatusCode::CREATED, json!({ "note": view::note(&note) }))
}

async fn list_notes(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> ApiResult {
    let notes = sandbox.with(|s| s.store.notes(&caller.location_id, &id))?;
    let notes: Vec<Value> = notes.iter().map(view::note).collect();
    ok(StatusCode::OK, json!({ "notes": notes }))
}

async fn find_duplicate(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let pairs = query_pairs(query.as_deref());
    require_location(first(&pairs, "locationId"), &caller)?;
    let (email, number) = (first(&pairs, "email"), first(&pairs, "number"));
    let contact = sandbox.with(|s| {
        s.store
            .find_duplicate(&caller.location_id, email, number)
            .map(|found| found.map(view::contact))
    })?;
    ok(StatusCode::OK, json!({ "contact": contact }))
}

async fn search_contacts(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&body)?;
    let now = sandbox.now();
    let page = sandbox.with(|s| s.store.search(&caller.location_id, &body, now))?;
    ok(
        StatusCode::OK,
        json!({ "contacts": page.contacts, "total": page.total }),
    )
}

async fn list_contacts(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let pairs = query_pairs(query.as_deref());
    let page = sandbox.with(|s| s.store.list(&caller.location_id, &pairs))?;
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or(crate::TLS_HOST);
    let scheme = if host.starts_with(crate::TLS_HOST) {
        "https"
    } else {
        "http"
    };
    let next_page_url = match (&page.next_page, page.start_after, &page.start_after_id) {
        (Some(_), Some(after), Some(after_id)) => {
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("locationId", &caller.location_id)
                .append_pair("startAfter", &after.to_string())
                .append_pair("startAfterId", after_id)
                .finish();
            Some(format!("{scheme}://{host}/contacts/?{query}"))
        }
        _ => None,
    };
    ok(
        StatusCode::OK,
        json!({
            "contacts": page.contacts,
            "meta": {
                "total": page.total,
                "nextPageUrl": next_page_url,
                "startAfterId": page.start_after_id,
                "startAfter": page.start_after,
                "currentPage": page.current_page,
                "nextPage": page.next_page,
                "prevPage": page.prev_page,
            },
        }),
    )
}

async fn custom_fields(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
) -> ApiResult {
    require_location(Some(&location_id), &caller)?;
    let fields: Vec<Value> = sandbox.with(|s| {
        s.store.custom_fields(&caller.location_id).map(|defs| {
            defs.iter()
                .map(|f| view::custom_field_def(f, &caller.location_id))
                .collect()
        })
    })?;
    ok(StatusCode::OK, json!({ "customFields": fields }))
}

async fn upsert_contact(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&body)?;
    let now = sandbox.now();
    let upserted = sandbox.with(|s| s.store.upsert_contact(&caller.location_id, &body, now))?;
    // The spec declares only 200, for a created contact too (`new: true`).
    ok(
        StatusCode::OK,
        json!({
            "new": upserted.created,
            "contact": view::contact(&upserted.contact),
            "traceId": upserted.trace_id,
        }),
    )
}

async fn business_contacts(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(business_id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let pairs = query_pairs(query.as_deref());
    let page = sandbox.with(|s| {
        s.store
            .business_contacts(&caller.location_id, &business_id, &pairs)
    })?;
    ok(
        StatusCode::OK,
        json!({ "contacts": page.contacts, "count": page.count }),
    )
}

async fn get_note(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, id)): Path<(String, String)>,
) -> ApiResult {
    let note = sandbox.with(|s| {
        s.store
            .note(&caller.location_id, &contact_id, &id)
            .map(view::note)
    })?;
    ok(StatusCode::OK, json!({ "note": note }))
}

async fn update_note(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&body)?;
    let note = sandbox.with(|s| {
        s.store
            .update_note(&caller.location_id, &contact_id, &id, &body)
    })?;
    ok(StatusCode::OK, json!({ "note": view::note(&note) }))
}

async fn delete_note(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, id)): Path<(String, String)>,
) -> ApiResult {
    sandbox.with(|s| s.store.delete_note(&caller.location_id, &contact_id, &id))?;
    ok(StatusCode::OK, json!({ "succeded": true }))
}

async fn list_tasks(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
) -> ApiResult {
    let tasks: Vec<Value> = sandbox.with(|s| {
        s.store
            .tasks(&caller.location_id, &contact_id)
            .map(|tasks| tasks.iter().map(view::task).collect())
    })?;
    ok(StatusCode::OK, json!({ "tasks": tasks }))
}

async fn get_task(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, id)): Path<(String, String)>,
) -> ApiResult {
    let task = sandbox.with(|s| {
        s.store
            .task(&caller.location_id, &contact_id, &id)
            .map(view::task)
    })?;
    ok(StatusCode::OK, json!({ "task": task }))
}

async fn create_task(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&body)?;
    let now = sandbox.now();
    let task = sandbox.with(|s| {
        s.store
            .create_task(&caller.location_id, &contact_id, &body, now)
    })?;
    ok(StatusCode::CREATED, json!({ "task": view::task(&task) }))
}

async fn update_task(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&body)?;
    let task = sandbox.with(|s| {
        s.store
            .update_task(&caller.location_id, &contact_id, &id, &body)
    })?;
    ok(StatusCode::OK, json!({ "task": view::task(&task) }))
}

async fn complete_task(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let body = json_body(&body)?;
    let task = sandbox.with(|s| {
        s.store
            .complete_task(&caller.location_id, &contact_id, &id, &body)
    })?;
    ok(StatusCode::OK, json!({ "task": view::task(&task) }))
}

async fn delete_task(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, id)): Path<(String, String)>,
) -> ApiResult {
    sandbox.with(|s| s.store.delete_task(&caller.location_id, &contact_id, &id))?;
    ok(StatusCode::OK, json!({ "succeded": true }))
}

async fn appointments(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
) -> ApiResult {
    let events: Vec<Value> = sandbox.with(|s| {
        s.store
            .appointments(&caller.location_id, &contact_id)
            .map(|events| events.iter().map(view::appointment).collect())
    })?;
    ok(StatusCode::OK, json!({ "events": events }))
}

async fn location_tags(
    State(sandbox): State<Sandbox>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
) -> ApiResult {
    require_location(Some(&location_id), &caller)?;
    let tags: Vec<Value> = sandbox.with(|s| {
        s.store.location_tags(&caller.location_id).map(|tags| {
            tags.iter()
                .map(|t| view::location_tag(t, &caller.location_id))
                .collect()
        })
    })?;
    ok(StatusCode::OK, json!({ "tags": tags }))
}

/// The token request's fields: form-encoded as the spec says, or a JSON object of strings.
fn token_form(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, GhlError> {
    let json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/json"));
    if !json {
        return Ok(form_urlencoded::parse(body).into_owned().collect());
    }
    let Value::Object(fields) = json_body(body)? else {
        return Err(GhlError::malformed_json(
            "The request body must be a JSON object",
        ));
    };
    Ok(fields
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (k, text)
        })
        .collect())
}

/// `POST /oauth/token`.
async fn token(State(sandbox): State<Sandbox>, headers: HeaderMap, body: Bytes) -> ApiResult {
    let form = token_form(&headers, &body)?;
    let now = sandbox.now();
    let pair = sandbox.with(|s| s.oauth.token(&form, now))?;
    ok(StatusCode::OK, pair.to_json())
}
