//! The paced, retrying transport against the sandbox with a scaled-down rate window: a burst
//! far above the budget completes, with 429s rare, and safe requests survive 5xx faults.

use serde_json::{Value, json};
use shared::{
    ghl::{CreateContact, Credentials, GhlClient, pacing::Paced},
    transport::{NativeTransport, TokioClock, Transport},
};

async fn sandbox() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = ghl_sandbox::router(ghl_sandbox::Sandbox::default());
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

async fn admin(method: &str, url: String, body: Option<Value>) -> Value {
    let req = http::Request::builder()
        .method(method)
        .uri(url)
        .header("content-type", "application/json")
        .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
        .unwrap();
    let res = NativeTransport::default().call(req).await.unwrap();
    assert!(res.status().is_success());
    serde_json::from_slice(res.body()).unwrap_or(Value::Null)
}

fn client(base: &str) -> GhlClient<Paced<NativeTransport, TokioClock>> {
    GhlClient::new(
        Paced::new(
            NativeTransport::default(),
            TokioClock(std::time::Instant::now()),
        ),
        Credentials {
            base: base.into(),
            token: ghl_sandbox::DEMO_TOKEN.into(),
            location_id: ghl_sandbox::DEMO_LOCATION_ID.into(),
        },
    )
}

async fn statuses(base: &str) -> Vec<u64> {
    let log = admin("GET", format!("{base}/_admin/requests"), None).await;
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_burst_of_creates_far_above_the_budget_completes_with_few_429s() {
    let base = sandbox().await;
    admin(
        "PUT",
        format!("{base}/_admin/config"),
        Some(json!({"rateMax": 10, "rateWindowMs": 500})),
    )
    .await;
    let ghl = client(&base);
    for i in 0..40 {
        let body = CreateContact {
            location_id: ghl_sandbox::DEMO_LOCATION_ID.into(),
            email: Some(format!("burst{i}@example.org")),
            ..Default::default()
        };
        ghl.contacts()
            .create(&body)
            .await
            .expect("every create lands");
    }
    let s = statuses(&base).await;
    let created = s.iter().filter(|&&c| c == 201).count();
    let limited = s.iter().filter(|&&c| c == 429).count();
    assert_eq!(created, 40, "{s:?}");
    assert!(
        limited <= 2,
        "pacing keeps 429s rare: {limited} of {}",
        s.len()
    );
    assert_eq!(ghl.contacts().count().await.unwrap(), 40, "no duplicates");
}

#[tokio::test]
async fn a_429_storm_is_waited_out() {
    let base = sandbox().await;
    // The server's budget is far below what the pacer assumes at first: a storm of 429s.
    admin(
        "PUT",
        format!("{base}/_admin/config"),
        Some(json!({"rateMax": 3, "rateWindowMs": 300})),
    )
    .await;
    let ghl = client(&base);
    for _ in 0..15 {
        ghl.contacts()
            .count()
            .await
            .expect("completes despite 429s");
    }
    let s = statuses(&base).await;
    assert_eq!(s.iter().filter(|&&c| c == 200).count(), 15, "{s:?}");
}

#[tokio::test]
async fn safe_requests_survive_server_errors_and_creates_are_not_repeated() {
    let base = sandbox().await;
    admin(
        "PUT",
        format!("{base}/_admin/config"),
        Some(json!({"rateMax": 100, "rateWindowMs": 1000})),
    )
    .await;
    let ghl = client(&base);
    let c = ghl
        .contacts()
        .create(&CreateContact {
            location_id: ghl_sandbox::DEMO_LOCATION_ID.into(),
            email: Some("f@example.org".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    admin(
        "PUT",
        format!("{base}/_admin/config"),
        Some(json!({"errorRate": 0.5, "faultSeed": 7})),
    )
    .await;
    for _ in 0..10 {
        ghl.contacts()
            .get(&c.id)
            .await
            .expect("GET is retried through 5xx");
    }
    admin("DELETE", format!("{base}/_admin/requests"), None).await;
    admin(
        "PUT",
        format!("{base}/_admin/config"),
        Some(json!({"errorRate": 1.0})),
    )
    .await;
    let err = ghl
        .contacts()
        .create(&CreateContact {
            location_id: ghl_sandbox::DEMO_LOCATION_ID.into(),
            email: Some("g@example.org".into()),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(err.status().is_some_and(|s| s >= 500), "{err}");
    assert_eq!(
        statuses(&base).await.len(),
        1,
        "a failed create is sent once (G1)"
    );
}

#[tokio::test]
async fn a_spent_daily_budget_stops_sending_with_a_clear_error() {
    let base = sandbox().await;
    admin(
        "PUT",
        format!("{base}/_admin/config"),
        Some(json!({"rateDailyMax": 3})),
    )
    .await;
    let ghl = client(&base);
    for _ in 0..3 {
        ghl.contacts().count().await.unwrap();
    }
    let err = ghl.contacts().count().await.unwrap_err();
    assert!(err.to_string().contains("daily request budget"), "{err}");
    assert_eq!(
        statuses(&base).await,
        vec![200, 200, 200],
        "the 4th was never sent"
    );
}
