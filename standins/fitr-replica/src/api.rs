//! FITR's private JSON API as the web app calls it (shapes as in api-samples.md). Every route
//! here sits behind [`crate::auth::require_token`].

use std::collections::BTreeMap;

use axum::{
    Json,
    extract::{Path, RawQuery, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};

use crate::{
    data::{
        AthleteType, Client, DayStatus, PERF_DAYS, ROOMS_PAGE_SIZE, Sort, mix, parse_ymd,
        rooms_in_order, tab_clients, ymd,
    },
    state::{Inner, ReplicaState},
};

/// `per_page` when the request names none, and the most it may ask for.
pub const DEFAULT_PER_PAGE: usize = 25;
pub const MAX_PER_PAGE: usize = 100;
/// Longest schedule range served, in days.
const MAX_SCHEDULE_DAYS: i64 = 400;

/// The signed-in coach.
pub const COACH_ID: u32 = 7001;

pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "error": code, "message": message }))).into_response()
}

pub fn not_found() -> Response {
    (StatusCode::NOT_FOUND, Json(json!({ "error": "not_found" }))).into_response()
}

/// The decoded query string, in order (keys such as `q[s][]` kept as written).
fn query_pairs(raw: Option<String>) -> Vec<(String, String)> {
    form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A positive page number; anything else is page 1 (as Kaminari does).
fn page_param(pairs: &[(String, String)]) -> usize {
    param(pairs, "page")
        .and_then(|p| p.trim().parse::<usize>().ok())
        .filter(|p| *p > 0)
        .unwrap_or(1)
}

/// The `{date,status,online}` list, oldest first, ending on `today`.
fn performance_json(client: &Client, today: i64) -> Value {
    let days: Vec<Value> = client
        .performance
        .iter()
        .enumerate()
        .map(|(i, day)| {
            let date = today - (PERF_DAYS - 1 - i) as i64;
            json!({ "date": ymd(date), "status": day.status.as_str(), "online": day.online })
        })
        .collect();
    Value::Array(days)
}

/// One `search_clients` item. No email and no phone, as in FITR.
pub fn list_item(client: &Client, inner: &Inner) -> Value {
    json!({
        "id": client.id,
        "full_name": client.full_name,
        "chat_room_id": client.room.as_ref().map(|r| r.id),
        "plan": {
            "title": client.plan.title,
            "kind": client.plan.kind.as_str(),
            "membership": { "state": client.plan.membership_state.as_str() },
        },
        "display_plan": { "performance_by_days": performance_json(client, inner.today()) },
        "status": client.status.as_str(),
        "created_at": inner.anchor - client.created_ago,
    })
}

/// The (assumed) client detail: a list item plus `phone`. Still no email.
pub fn detail_item(client: &Client, inner: &Inner) -> Value {
    let mut item = list_item(client, inner);
    item["phone"] = json!(client.phone);
    item
}

/// `GET /api/users/me`
pub async fn me() -> Response {
    Json(json!({
        "id": COACH_ID,
        "full_name": "Sam Carter",
        "email": "sam@carter-performance.example.com",
        "role": "coach",
    }))
    .into_response()
}

/// `GET /api/coach/search_clients`
pub async fn search_clients(
    State(state): State<ReplicaState>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw);
    let tab = match param(&pairs, "athlete_type").map(str::trim) {
        None | Some("") => AthleteType::Active,
        Some(text) => match AthleteType::parse(text) {
            Some(tab) => tab,
            None => {
                let message = format!("athlete_type must be one of: {}", AthleteType::expected());
                return error(StatusCode::UNPROCESSABLE_ENTITY, "invalid_params", &message);
            }
        },
    };
    let page = page_param(&pairs);
    let per_page = param(&pairs, "per_page")
        .and_then(|p| p.trim().parse::<usize>().ok())
        .unwrap_or(DEFAULT_PER_PAGE)
        .clamp(1, MAX_PER_PAGE);
    let prefix =
        param(&pairs, "q[first_name_or_last_name_or_full_name_start]").filter(|q| !q.is_empty());
    let sort = pairs
        .iter()
        .filter(|(k, _)| k == "q[s][]" || k == "q[s]")
        .find_map(|(_, v)| Sort::parse(v))
        .unwrap_or(Sort::CreatedDesc);

    let inner = state.lock();
    let found = tab_clients(&inner.clients, tab, prefix, sort);
    let total = found.len();
    let athletes: Vec<Value> = found
        .iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .map(|c| list_item(c, &inner))
        .collect();
    let on_page = athletes.len();
    Json(json!({
        "athletes": athletes,
        "active_pagination": {
            "current_page": page,
            "total_pages": total.div_ceil(per_page),
            "total_count": total,
            "per_page": per_page,
        },
        // Deliberately wrong to follow: it only ever describes the page in hand.
        "activity_pagination": {
            "current_page": page,
            "total_pages": 1,
            "total_count": on_page,
            "per_page": per_page,
        },
    }))
    .into_response()
}

fn parse_id(text: &str) -> Option<u32> {
    text.trim().parse().ok()
}

/// `GET /api/coach/athletes/{id}` (assumed route)
pub async fn athlete(State(state): State<ReplicaState>, Path(id): Path<String>) -> Response {
    let inner = state.lock();
    match parse_id(&id).and_then(|id| inner.client(id)) {
        Some(client) => Json(detail_item(client, &inner)).into_response(),
        None => not_found(),
    }
}

/// A schedule bound: `YYYY-MM-DD` or unix seconds.
fn day_param(pairs: &[(String, String)], key: &str) -> Result<Option<i64>, String> {
    let Some(text) = param(pairs, key).map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if let Some(day) = parse_ymd(text) {
        return Ok(Some(day));
    }
    match text.parse::<i64>() {
        Ok(secs) => Ok(Some(secs.div_euclid(86_400))),
        Err(_) => Err(format!("{key} must be a date (YYYY-MM-DD) or unix seconds")),
    }
}

/// `GET /api/coach/athletes/{id}/schedule?from=&to=`: programmed days with completion counts.
/// The last seven days agree with `performance_by_days`; other days are derived from a hash.
pub async fn schedule(
    State(state): State<ReplicaState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let pairs = query_pairs(raw);
    let (from, to) = match (day_param(&pairs, "from"), day_param(&pairs, "to")) {
        (Ok(from), Ok(to)) => (from, to),
        (Err(message), _) | (_, Err(message)) => {
            return error(StatusCode::BAD_REQUEST, "invalid_params", &message);
        }
    };
    let inner = state.lock();
    let Some(client) = parse_id(&id).and_then(|id| inner.client(id)) else {
        return not_found();
    };
    let today = inner.today();
    let from = from.unwrap_or(today - 7);
    let to = to.unwrap_or(today + 14).min(from + MAX_SCHEDULE_DAYS - 1);
    let days: Vec<Value> = (from..=to)
        .filter_map(|day| {
            let (programmed, completed) = day_counts(client, day, today);
            (programmed > 0).then(|| {
                json!({ "date": ymd(day), "programmed_count": programmed, "completed_count": completed })
            })
        })
        .collect();
    Json(json!({
        "athlete_id": client.id,
        "from": ymd(from),
        "to": ymd(to.max(from)),
        "days": days,
    }))
    .into_response()
}

/// (workouts programmed, workouts completed) for one client and day.
fn day_counts(client: &Client, day: i64, today: i64) -> (u32, u32) {
    let h = mix(u64::from(client.id) << 32 ^ day as u64);
    let programmed = (h % 3) as u32; // 0, 1 or 2
    let back = today - day;
    if (0..PERF_DAYS as i64).contains(&back) {
        let perf = client.performance[PERF_DAYS - 1 - back as usize];
        let programmed = programmed.max(1);
        return match perf.status {
            DayStatus::Done => (programmed, programmed),
            DayStatus::Partial => (2, 1),
            DayStatus::Skipped => (programmed, 0),
            DayStatus::Empty => (0, 0),
        };
    }
    match client.status.athlete_type() {
        AthleteType::Pending => (0, 0),
        AthleteType::Past if day > today => (0, 0),
        _ if day > today => {
            // "Needs Training": fewer than three days programmed ahead.
            let ahead_limit = if client.status == crate::data::Status::NeedsTraining {
                2
            } else {
                60
            };
            if day - today > ahead_limit {
                (0, 0)
            } else {
                (programmed, 0)
            }
        }
        _ => (programmed, ((h >> 8) % (u64::from(programmed) + 1)) as u32),
    }
}

/// `GET /api/chat/rooms?page=N`: the inbox, newest message first, [`ROOMS_PAGE_SIZE`] a page.
pub async fn chat_rooms(State(state): State<ReplicaState>, RawQuery(raw): RawQuery) -> Response {
    let page = page_param(&query_pairs(raw));
    let inner = state.lock();
    let rooms = rooms_in_order(&inner.clients);
    let chat_rooms: Vec<Value> = rooms
        .iter()
        .skip((page - 1).saturating_mul(ROOMS_PAGE_SIZE))
        .take(ROOMS_PAGE_SIZE)
        .map(|(client, room)| {
            json!({
                "id": room.id,
                "opponent": { "id": client.id, "email": client.email, "age": client.age },
                "last_message": {
                    "text": room.last_message,
                    "created_at": inner.anchor - room.last_message_ago,
                },
            })
        })
        .collect();
    Json(json!({
        "chat_rooms": chat_rooms,
        "pagination": {
            "current_page": page,
            "total_pages": rooms.len().div_ceil(ROOMS_PAGE_SIZE),
        },
    }))
    .into_response()
}

/// `GET /api/coach/programs` (assumed; only the SPA's Programs page uses it).
pub async fn programs(State(state): State<ReplicaState>) -> Response {
    let inner = state.lock();
    let mut by_title: BTreeMap<&str, (&str, [usize; 3])> = BTreeMap::new();
    for client in &inner.clients {
        let entry = by_title
            .entry(client.plan.title.as_str())
            .or_insert((client.plan.kind.as_str(), [0; 3]));
        let slot = match client.status.athlete_type() {
            AthleteType::Active => 0,
            AthleteType::Pending => 1,
            AthleteType::Past => 2,
        };
        entry.1[slot] += 1;
    }
    let programs: Vec<Value> = by_title
        .iter()
        .map(|(title, (kind, [active, pending, past]))| {
            json!({
                "title": title,
                "kind": kind,
                "active_count": active,
                "pending_count": pending,
                "past_count": past,
            })
        })
        .collect();
    Json(json!({ "programs": programs })).into_response()
}
