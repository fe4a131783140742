//! The contacts API (paths exactly as in `apps/contacts.json`). Handlers are thin: decode the
//! body or query as GHL's server would, call [`crate::store::Store`] under the lock, shape the
//! answer with [`crate::view`]. They run behind [`crate::auth::gate`], which puts the caller's
//! location in a [`Caller`] extension.

use axum::{
    Extension, Json, Router,
    body::Bytes,
    extract::{Path, RawQuery, State},
    http::{HeaderMap, StatusCode, header::HOST},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Value, json};

use crate::{Sandbox, auth::Caller, error::GhlError, view};

/// Every API route. Both `/contacts/` (the spec's path) and `/contacts` are served.
pub fn routes() -> Router<Sandbox> {
    Router::new()
        .route("/contacts/", get(list_contacts).post(create_contact))
        .route("/contacts", get(list_contacts).post(create_contact))
        .route("/contacts/search", post(search_contacts))
        .route("/contacts/search/duplicate", get(find_duplicate))
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
        .route("/locations/{locationId}/customFields", get(custom_fields))
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
        json!({ "contact": view::contact(&contact) }),
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
