//! `cargo xtask bench sync`: the sync engine against the sandbox with its rate limiter on (a
//! scaled-down window), beside the naive way (one `POST /contacts/upsert` per client).
//!
//! In one run, each side on its own fresh in-process sandbox:
//! - **naive**: one upsert per client, paced; then the same again as its re-sync;
//! - **ours, first sync**: GHL's listing, the plan, and the outbox executed (a create with its
//!   tags, then the note, per new client), with search lag on, so that every write is missing
//!   from search for a while (G20);
//! - **ours, re-sync** of the same unchanged clients right after, while search still lags:
//!   listing and plan only, and the sandbox's state checked exact afterwards.
//!
//! GHL requests are counted from the sandbox's own request log (the admin API is not logged).
//! Prints progress on stderr and one JSON line of figures last, for xtask to record.
//!
//! Usage: bench_sync [CLIENTS] [WINDOW_MS] [MAX_PER_WINDOW] [SEARCH_LAG_MS]

use std::{
    collections::{BTreeMap, BTreeSet},
    time::Instant,
};

use serde_json::{Value, json};
use shared::{
    fitr::{Athlete, AthleteType, FitrClient, Membership, Plan},
    ghl::{Credentials, GhlClient, UpsertContact, pacing::Paced},
    mapping::{DesiredContact, Mapping, ResolvedMapping, map_client},
    sync::{
        Command, JobState, Outbox, RunState, SyncState,
        bulk::{MemoryStore, candidates, ghl_listing},
        execute, plan_bulk,
    },
    transport::{NativeTransport, TokioClock, Transport},
};

type Ghl = GhlClient<Paced<NativeTransport, TokioClock>>;

const FIRST: [&str; 40] = [
    "Olivia", "Amelia", "Isla", "Ava", "Mia", "Ivy", "Lily", "Isabella", "Rosie", "Sophia",
    "Grace", "Willow", "Freya", "Zoë", "Emily", "Ella", "Poppy", "Evie", "Aoife", "Siobhán",
    "Noah", "Oliver", "George", "Arthur", "Muhammad", "Leo", "Harry", "Oscar", "Archie", "Henry",
    "Theodore", "Freddie", "Jack", "Charlie", "Tomás", "Finley", "Alfie", "Lucas", "Rhys",
    "Dafydd",
];

const LAST: [&str; 50] = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Thomas",
    "Clarke",
    "Jackson",
    "Wood",
    "Harris",
    "Edwards",
    "Turner",
    "Martin",
    "Cooper",
    "Hill",
    "Ward",
    "Hughes",
    "Moore",
    "Clark",
    "King",
    "Harrison",
    "Lewis",
    "Baker",
    "Lee",
    "Allen",
    "Morris",
    "Khan",
    "O'Neill",
    "McDonald",
    "van der Berg",
    "Nowak",
    "Kowalski",
    "Nguyen",
    "Okafor",
    "Mensah",
    "Fernández",
    "Rossi",
];

const PROGRAMS: [&str; 4] = [
    "Strength Foundations",
    "Marathon Build",
    "Hybrid 12 Weeks",
    "Mobility Reset",
];
const KINDS: [&str; 3] = ["one_to_one", "group_rolling", "fixed_length"];
const MEMBERSHIPS: [&str; 3] = ["active", "paused", "cancelled"];

/// `n` synthetic FITR clients: distinct names (for up to 2,000) and emails, a phone for every
/// third, spread over the three tabs, most on a plan.
fn fitr_clients(n: usize) -> Vec<FitrClient> {
    (0..n)
        .map(|i| {
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len()) % LAST.len()];
            let full_name = match i / (FIRST.len() * LAST.len()) {
                0 => format!("{first} {last}"),
                k => format!("{first} {last} {}", k + 1),
            };
            let local: String = format!("{first}.{last}")
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            // A few written as people type them: mixed case, spaces around.
            let email = if i % 7 == 0 {
                format!("  {local}.{i}@Example.ORG ")
            } else {
                format!("{}.{i}@example.org", local.to_lowercase())
            };
            let phone = (i % 3 == 0).then(|| format!("07911 {:06}", 100_000 + i));
            let tab = match i % 10 {
                0..=5 => AthleteType::Active,
                6 | 7 => AthleteType::Pending,
                _ => AthleteType::Past,
            };
            let plan = (i % 5 != 4).then(|| Plan {
                title: Some(PROGRAMS[i % PROGRAMS.len()].into()),
                kind: Some(KINDS[i % KINDS.len()].into()),
                membership: Some(Membership {
                    state: Some(MEMBERSHIPS[i % MEMBERSHIPS.len()].into()),
                }),
            });
            FitrClient {
                athlete: Athlete {
                    id: 10_000 + i as u64,
                    full_name,
                    chat_room_id: Some(50_000 + i as u64),
                    plan,
                    status: None,
                    phone,
                    created_at: None,
                    tab: Some(tab),
                },
                email: Some(email),
            }
        })
        .collect()
}

async fn admin(method: &str, url: String, body: Option<Value>) -> Value {
    let req = http::Request::builder()
        .method(method)
        .uri(&url)
        .header("content-type", "application/json")
        .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
        .expect("request");
    let res = NativeTransport::default()
        .call(req)
        .await
        .expect("admin call");
    assert!(
        res.status().is_success(),
        "{method} {url}: {} {}",
        res.status(),
        String::from_utf8_lossy(res.body())
    );
    serde_json::from_slice(res.body()).unwrap_or(Value::Null)
}

/// A fresh sandbox in this process, its limiter scaled down; its base URL.
async fn sandbox(window_ms: u64, max: u64) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("port");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let router = ghl_sandbox::router(ghl_sandbox::Sandbox::default());
    tokio::spawn(async move { axum::serve(listener, router).await });
    admin(
        "PUT",
        format!("{base}/_admin/config"),
        Some(json!({"rateWindowMs": window_ms, "rateMax": max})),
    )
    .await;
    base
}

fn client_at(base: &str) -> Ghl {
    GhlClient::new(
        Paced::new(NativeTransport::default(), TokioClock(Instant::now())),
        Credentials {
            base: base.to_owned(),
            token: ghl_sandbox::DEMO_TOKEN.into(),
            location_id: ghl_sandbox::DEMO_LOCATION_ID.into(),
        },
    )
}

/// The API requests the sandbox received since the log was last cleared, and clear it.
async fn take_log(base: &str) -> Vec<Value> {
    let log = admin("GET", format!("{base}/_admin/requests"), None).await;
    let requests = log["requests"].as_array().cloned().unwrap_or_default();
    assert!(
        requests.len() < ghl_sandbox::MAX_LOGGED_REQUESTS,
        "the sandbox's log is full ({}): run fewer clients",
        requests.len()
    );
    admin("DELETE", format!("{base}/_admin/requests"), None).await;
    requests
}

fn contacts_at(state: &Value) -> Vec<Value> {
    state["locations"][ghl_sandbox::DEMO_LOCATION_ID]["contacts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64
}

fn is_note(r: &Value) -> bool {
    r["method"] == "POST"
        && r["path"]
            .as_str()
            .is_some_and(|p| p.starts_with("/contacts/") && p.ends_with("/notes"))
}

fn status(r: &Value) -> u64 {
    r["status"].as_u64().unwrap_or(0)
}

/// Requests by kind (`POST /contacts/:id/notes`), for reading what dominates.
fn kinds(log: &[Value]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in log {
        let path = r["path"].as_str().unwrap_or_default();
        let shape: Vec<&str> = path
            .split('/')
            .enumerate()
            .map(|(i, seg)| {
                if i == 2 && !seg.is_empty() && !["search", "upsert", "business"].contains(&seg) {
                    ":id"
                } else {
                    seg
                }
            })
            .collect();
        let key = format!(
            "{} {}",
            r["method"].as_str().unwrap_or("?"),
            shape.join("/")
        );
        *out.entry(key).or_default() += 1;
    }
    out
}

fn round(x: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (x * k).round() / k
}

fn upsert_body(d: &DesiredContact) -> UpsertContact {
    UpsertContact {
        location_id: ghl_sandbox::DEMO_LOCATION_ID.into(),
        first_name: d.first_name.clone(),
        last_name: d.last_name.clone(),
        email: Some(d.email.clone()),
        phone: d.phone.clone(),
        tags: d.tags.iter().cloned().collect(),
        custom_fields: Vec::new(),
        source: Some("FITR".into()),
    }
}

/// One upsert per client; the requests the sandbox logged and the seconds it took.
async fn naive_pass(base: &str, ghl: &Ghl, desired: &[DesiredContact]) -> (Vec<Value>, f64) {
    let started = Instant::now();
    for d in desired {
        ghl.contacts()
            .upsert(&upsert_body(d))
            .await
            .expect("upsert");
    }
    let elapsed = started.elapsed().as_secs_f64();
    (take_log(base).await, elapsed)
}

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(2_000) as usize;
    let window_ms = args.get(1).copied().unwrap_or(1_000);
    let max = args.get(2).copied().unwrap_or(100);
    let lag_ms = args.get(3).copied().unwrap_or(20_000);
    let allowed_per_s = max as f64 * 1000.0 / window_ms as f64;
    let fraction = |served: usize, secs: f64| served as f64 / secs / allowed_per_s;
    let served = |log: &[Value]| log.iter().filter(|r| status(r) != 429).count();
    let limited = |log: &[Value]| log.iter().filter(|r| status(r) == 429).count();

    let clients = fitr_clients(n);
    let m = ResolvedMapping::without_fields(Mapping::default());
    let desired: Vec<DesiredContact> = clients
        .iter()
        .map(|c| map_client(c, &m).expect("every synthetic client is pushable"))
        .collect();
    let emails: BTreeSet<&str> = desired.iter().map(|d| d.email.as_str()).collect();
    assert_eq!(emails.len(), n, "distinct emails");
    let want: BTreeMap<String, BTreeSet<String>> = desired
        .iter()
        .map(|d| (d.email.clone(), d.tags.clone()))
        .collect();

    // Naive: one upsert per client, on its own fresh sandbox.
    eprintln!("naive: {n} upserts, then {n} again as the re-sync");
    let naive_base = sandbox(window_ms, max).await;
    let naive = client_at(&naive_base);
    let (naive_first, naive_first_s) = naive_pass(&naive_base, &naive, &desired).await;
    let (naive_again, naive_again_s) = naive_pass(&naive_base, &naive, &desired).await;
    let naive_stored = contacts_at(&admin("GET", format!("{naive_base}/_admin/state"), None).await);

    // Ours: listing, plan, outbox; search lags behind every write from the start.
    eprintln!("ours: first sync of {n} new clients, search lag {lag_ms} ms");
    let base = sandbox(window_ms, max).await;
    admin(
        "PUT",
        format!("{base}/_admin/config"),
        Some(json!({"searchLagMs": lag_ms})),
    )
    .await;
    let ghl = client_at(&base);
    let mut state = SyncState::default();
    let mut store = MemoryStore::default();
    let started = Instant::now();
    let listing = ghl_listing(&ghl).await.expect("listing");
    let plan = plan_bulk(
        &candidates(&clients, |c| map_client(c, &m)),
        &listing,
        &state,
        ghl.location_id(),
        now_ms(),
    );
    let first_counts = plan.counts();
    let mut outbox = Outbox::from_plan("bench-1", &plan, now_ms());
    store.put(&outbox);
    let end = execute(
        &ghl,
        &mut outbox,
        &mut state,
        &mut store,
        &mut |_| Command::Continue,
        &now_ms,
    )
    .await
    .expect("the first sync runs to its end");
    let first_s = started.elapsed().as_secs_f64();
    assert_eq!(end, RunState::Finished);
    let failed = outbox
        .jobs
        .iter()
        .filter(|j| matches!(j.state, JobState::Failed { .. }))
        .count();
    let first = take_log(&base).await;
    let first_notes = first.iter().filter(|r| is_note(r)).count();
    let first_other = first.len() - first_notes;

    // Ours: re-sync of the same, unchanged clients while search still lags.
    eprintln!("ours: re-sync of the same {n} clients, search still lagging");
    let started = Instant::now();
    let listing = ghl_listing(&ghl).await.expect("listing");
    let plan = plan_bulk(
        &candidates(&clients, |c| map_client(c, &m)),
        &listing,
        &state,
        ghl.location_id(),
        now_ms(),
    );
    let again_counts = plan.counts();
    let mut outbox = Outbox::from_plan("bench-2", &plan, now_ms());
    store.put(&outbox);
    execute(
        &ghl,
        &mut outbox,
        &mut state,
        &mut store,
        &mut |_| Command::Continue,
        &now_ms,
    )
    .await
    .expect("the re-sync runs to its end");
    let again_s = started.elapsed().as_secs_f64();
    let again = take_log(&base).await;

    // Exact: one contact per client, with its tags, and one note.
    let stored = contacts_at(&admin("GET", format!("{base}/_admin/state"), None).await);
    let mut by_email: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for c in &stored {
        by_email
            .entry(
                c["email"]
                    .as_str()
                    .unwrap_or_default()
                    .trim()
                    .to_lowercase(),
            )
            .or_default()
            .push(c);
    }
    let duplicates = by_email.values().filter(|v| v.len() > 1).count();
    let missing = want.keys().filter(|e| !by_email.contains_key(*e)).count();
    let unexpected = by_email.keys().filter(|e| !want.contains_key(*e)).count();
    let mut tags_wrong = 0;
    let mut notes_wrong = 0;
    for (email, tags) in &want {
        let Some(found) = by_email.get(email) else {
            continue;
        };
        let have: BTreeSet<String> = found[0]["tags"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|t| t.as_str().map(str::to_owned))
            .collect();
        if &have != tags {
            tags_wrong += 1;
        }
        if found[0]["notes"].as_array().map_or(0, Vec::len) != 1 {
            notes_wrong += 1;
        }
    }
    let exact = stored.len() == n
        && duplicates == 0
        && missing == 0
        && unexpected == 0
        && tags_wrong == 0
        && failed == 0;

    eprintln!("ours, first sync, requests by kind: {:?}", kinds(&first));
    eprintln!("ours, re-sync, requests by kind: {:?}", kinds(&again));
    eprintln!(
        "naive, first pass, requests by kind: {:?}",
        kinds(&naive_first)
    );
    println!(
        "{}",
        json!({
            "clients": n, "window_ms": window_ms, "max_per_window": max,
            "allowed_per_s": allowed_per_s, "search_lag_ms": lag_ms,

            "naive_first_requests": naive_first.len(),
            "naive_first_429": limited(&naive_first),
            "naive_first_elapsed_s": round(naive_first_s, 2),
            "naive_first_achieved_per_s": round(served(&naive_first) as f64 / naive_first_s, 1),
            "naive_first_fraction": round(fraction(served(&naive_first), naive_first_s), 3),
            "naive_first_per_contact": round(naive_first.len() as f64 / n as f64, 4),
            "naive_resync_requests": naive_again.len(),
            "naive_resync_429": limited(&naive_again),
            "naive_resync_elapsed_s": round(naive_again_s, 2),
            "naive_stored": naive_stored.len(),

            "first_planned_create": first_counts.create,
            "first_failed": failed,
            "first_requests": first.len(),
            "first_notes": first_notes,
            "first_excl_notes": first_other,
            "first_429": limited(&first),
            "first_per_contact": round(first_other as f64 / n as f64, 4),
            "first_elapsed_s": round(first_s, 2),
            "first_achieved_per_s": round(served(&first) as f64 / first_s, 1),
            "first_fraction": round(fraction(served(&first), first_s), 3),

            "resync_requests": again.len(),
            "resync_listed": listing.len(),
            "resync_unchanged": again_counts.unchanged,
            "resync_jobs": outbox.jobs.len(),
            "resync_elapsed_s": round(again_s, 2),

            "stored": stored.len(),
            "duplicates": duplicates,
            "missing": missing,
            "unexpected": unexpected,
            "tags_wrong": tags_wrong,
            "notes_wrong": notes_wrong,
            "exact": u8::from(exact),
        })
    );
}
