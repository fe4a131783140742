//! The admin API for tests (no auth): read every field, change clients, expire tokens, re-seed.

use std::collections::HashMap;

use axum::{
    Json, Router,
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::{Map, Value, json};

use crate::{
    api::{error, list_item, not_found},
    auth,
    data::{Client, MembershipState, PlanKind, Status, list_pages, rooms_pages, seed},
    state::{Inner, ReplicaState},
};

pub fn routes() -> Router<ReplicaState> {
    Router::new()
        .route("/clients", get(all_clients))
        .route("/clients/{id}", get(one_client).patch(patch_client))
        .route("/expire_tokens", post(expire_tokens))
        .route("/reset", post(reset))
}

/// Page maps computed once per request.
struct Pages {
    rooms: HashMap<u32, usize>,
    list: HashMap<u32, usize>,
}

impl Pages {
    fn of(inner: &Inner) -> Self {
        Pages {
            rooms: rooms_pages(&inner.clients),
            list: list_pages(&inner.clients),
        }
    }
}

/// Every field of a client, with where it shows up in the paged API.
fn admin_json(client: &Client, inner: &Inner, pages: &Pages) -> Value {
    let mut item = list_item(client, inner);
    let extra = json!({
        "first_name": client.first_name,
        "last_name": client.last_name,
        "email": client.email,
        "phone": client.phone,
        "age": client.age,
        "athlete_type": client.status.athlete_type().as_str(),
        "room": client.room.as_ref().map(|r| json!({
            "id": r.id,
            "last_message": { "text": r.last_message, "created_at": inner.anchor - r.last_message_ago },
        })),
        "rooms_page": pages.rooms.get(&client.id),
        "list_page": pages.list.get(&client.id),
    });
    if let (Value::Object(item), Value::Object(extra)) = (&mut item, extra) {
        item.extend(extra);
    }
    item
}

fn parse_id(text: &str) -> Option<u32> {
    text.trim().parse().ok()
}

/// `GET /_admin/clients`: a JSON array of every client, by id.
async fn all_clients(State(state): State<ReplicaState>) -> Response {
    let inner = state.lock();
    let pages = Pages::of(&inner);
    let mut clients: Vec<&Client> = inner.clients.iter().collect();
    clients.sort_by_key(|c| c.id);
    let all: Vec<Value> = clients
        .iter()
        .map(|c| admin_json(c, &inner, &pages))
        .collect();
    Json(Value::Array(all)).into_response()
}

/// `GET /_admin/clients/{id}`
async fn one_client(State(state): State<ReplicaState>, Path(id): Path<String>) -> Response {
    let inner = state.lock();
    match parse_id(&id).and_then(|id| inner.client(id)) {
        Some(client) => Json(admin_json(client, &inner, &Pages::of(&inner))).into_response(),
        None => not_found(),
    }
}

/// One validated change from a PATCH body.
enum Change {
    Status(Status),
    PlanTitle(String),
    PlanKind(PlanKind),
    Membership(MembershipState),
    FullName(String),
    Email(Option<String>),
    Phone(Option<String>),
    /// The coach starts (true) or deletes (false) the client's chat room: where FITR serves
    /// the email.
    Room(bool),
}

fn bad_request(message: String) -> Response {
    error(StatusCode::BAD_REQUEST, "bad_request", &message)
}

fn string_field(key: &str, value: &Value) -> Result<String, String> {
    value
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{key} must be a string"))
}

fn nullable_field(key: &str, value: &Value) -> Result<Option<String>, String> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(format!("{key} must be a string or null")),
    }
}

/// A string naming one value of an enum, or 400 listing the accepted ones.
fn enum_field<T>(
    key: &str,
    value: &Value,
    parse: fn(&str) -> Option<T>,
    expected: fn() -> String,
) -> Result<T, String> {
    let text = string_field(key, value)?;
    parse(&text).ok_or_else(|| format!("unknown {key} {text:?}; expected one of: {}", expected()))
}

/// One field of a PATCH body, or why it is refused.
fn parse_change(key: &str, value: &Value) -> Result<Change, String> {
    Ok(match key {
        "status" => Change::Status(enum_field(key, value, Status::parse, Status::expected)?),
        "plan_kind" => {
            Change::PlanKind(enum_field(key, value, PlanKind::parse, PlanKind::expected)?)
        }
        "membership_state" => Change::Membership(enum_field(
            key,
            value,
            MembershipState::parse,
            MembershipState::expected,
        )?),
        "plan_title" => {
            let title = string_field(key, value)?;
            if title.trim().is_empty() {
                return Err("plan_title must not be empty".into());
            }
            Change::PlanTitle(title)
        }
        "full_name" => Change::FullName(string_field(key, value)?),
        "email" => Change::Email(nullable_field(key, value)?),
        "phone" => Change::Phone(nullable_field(key, value)?),
        "room" => Change::Room(
            value
                .as_bool()
                .ok_or_else(|| format!("{key} must be true or false"))?,
        ),
        other => {
            return Err(format!(
                "unknown field {other:?}; expected any of: status, plan_title, plan_kind, \
                 membership_state, full_name, email, phone, room"
            ));
        }
    })
}

fn apply(client: &mut Client, change: Change) {
    match change {
        Change::Status(status) => client.status = status,
        Change::PlanTitle(title) => client.plan.title = title,
        Change::PlanKind(kind) => client.plan.kind = kind,
        Change::Membership(state) => client.plan.membership_state = state,
        Change::FullName(name) => client.set_full_name(&name),
        Change::Email(email) => client.email = email,
        Change::Phone(phone) => client.phone = phone,
        Change::Room(false) => client.room = None,
        Change::Room(true) => {
            if client.room.is_none() {
                client.room = Some(crate::data::Room {
                    // Seeded rooms are numbered 90,000..1,000,000; one room per client.
                    id: 1_000_000 + client.id,
                    last_message: "Welcome! Let's get you started.".into(),
                    last_message_ago: 0,
                });
            }
        }
    }
}

/// `PATCH /_admin/clients/{id}`: all changes are checked before any is applied.
async fn patch_client(
    State(state): State<ReplicaState>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let object: Map<String, Value> = match serde_json::from_slice(&body) {
        Ok(Value::Object(object)) => object,
        Ok(_) => return bad_request("the body must be a JSON object".into()),
        Err(e) => return bad_request(format!("invalid JSON: {e}")),
    };
    let mut changes = Vec::with_capacity(object.len());
    for (key, value) in &object {
        match parse_change(key, value) {
            Ok(change) => changes.push(change),
            Err(message) => return bad_request(message),
        }
    }
    let mut inner = state.lock();
    let Some(client) = parse_id(&id).and_then(|id| inner.client_mut(id)) else {
        return not_found();
    };
    for change in changes {
        apply(client, change);
    }
    let pages = Pages::of(&inner);
    match parse_id(&id).and_then(|id| inner.client(id)) {
        Some(client) => Json(admin_json(client, &inner, &pages)).into_response(),
        None => not_found(),
    }
}

/// `POST /_admin/expire_tokens`
async fn expire_tokens(State(state): State<ReplicaState>) -> Response {
    let expired = auth::expire_all(&state);
    Json(json!({ "expired": expired })).into_response()
}

/// `POST /_admin/reset`: re-seed with the same number of clients (tokens stay valid).
async fn reset(State(state): State<ReplicaState>) -> Response {
    let mut inner = state.lock();
    inner.clients = seed(inner.n_clients);
    Json(json!({ "clients": inner.clients.len() })).into_response()
}
