//! `cargo xtask bench client`: 2,000 creates through the paced client against the sandbox
//! with a scaled-down rate window. Prints one JSON line of figures for xtask to record.
//!
//! Usage: bench_client [CONTACTS] [WINDOW_MS] [MAX_PER_WINDOW]

use std::time::Instant;

use serde_json::{Value, json};
use shared::{
    ghl::{CreateContact, Credentials, GhlClient, pacing::Paced},
    transport::{NativeTransport, TokioClock, Transport},
};

async fn admin(method: &str, url: String, body: Option<Value>) -> Value {
    let req = http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
        .expect("request");
    let res = NativeTransport::default()
        .call(req)
        .await
        .expect("admin call");
    serde_json::from_slice(res.body()).unwrap_or(Value::Null)
}

#[tokio::main]
async fn main() {
    let args: Vec<u64> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let contacts = args.first().copied().unwrap_or(2_000);
    let window_ms = args.get(1).copied().unwrap_or(1_000);
    let max = args.get(2).copied().unwrap_or(100);

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

    let ghl = GhlClient::new(
        Paced::new(NativeTransport::default(), TokioClock(Instant::now())),
        Credentials {
            base: base.clone(),
            token: ghl_sandbox::DEMO_TOKEN.into(),
            location_id: ghl_sandbox::DEMO_LOCATION_ID.into(),
        },
    );
    let started = Instant::now();
    for i in 0..contacts {
        let body = CreateContact {
            location_id: ghl_sandbox::DEMO_LOCATION_ID.into(),
            first_name: Some(format!("Bench{i}")),
            email: Some(format!("bench{i}@example.org")),
            ..Default::default()
        };
        ghl.contacts().create(&body).await.expect("create");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let log = admin("GET", format!("{base}/_admin/requests"), None).await;
    let statuses: Vec<u64> = log["requests"]
        .as_array()
        .expect("request log")
        .iter()
        .filter_map(|r| r["status"].as_u64())
        .collect();
    let sent = statuses.len() as u64;
    let limited = statuses.iter().filter(|&&s| s == 429).count() as u64;
    let served = sent - limited;
    let allowed_per_s = max as f64 * 1000.0 / window_ms as f64;
    let achieved_per_s = served as f64 / elapsed;
    let state = admin("GET", format!("{base}/_admin/state"), None).await;
    let stored = state["locations"][ghl_sandbox::DEMO_LOCATION_ID]["contacts"]
        .as_array()
        .map_or(0, Vec::len);
    println!(
        "{}",
        json!({
            "contacts": contacts, "stored": stored, "window_ms": window_ms, "max_per_window": max,
            "requests_sent": sent, "answered_429": limited,
            "share_429": limited as f64 / sent as f64,
            "elapsed_s": (elapsed * 100.0).round() / 100.0,
            "allowed_per_s": allowed_per_s, "achieved_per_s": (achieved_per_s * 10.0).round() / 10.0,
            "fraction_of_allowed": (achieved_per_s / allowed_per_s * 1000.0).round() / 1000.0,
        })
    );
}
