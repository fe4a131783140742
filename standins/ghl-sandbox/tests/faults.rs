//! Faults from `PUT /_admin/config`: `errorRate` (seeded), `latencyMs`, `dropRate`. Never on
//! `/_admin`; a faulted request is not counted by the rate limiter.

mod common;

use std::time::{Duration, Instant};

use common::{Server, start};
use ghl_sandbox::DEMO_LOCATION_ID;
use serde_json::{Value, json};

fn list_path() -> String {
    format!("/contacts/?locationId={DEMO_LOCATION_ID}")
}

async fn configure(server: &Server, config: Value) {
    let reply = server.admin("PUT", "/_admin/config", Some(config)).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
}

/// The statuses of `n` listing calls.
async fn statuses(server: &Server, n: usize) -> Vec<u16> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(server.call("GET", &list_path(), None).await.status);
    }
    out
}

#[tokio::test]
async fn error_rate_one_fails_every_api_request_but_not_admin() {
    let server = start().await;
    configure(&server, json!({"errorRate": 1.0})).await;
    let replies = statuses(&server, 30).await;
    assert!(
        replies.iter().all(|s| [500, 502, 503].contains(s)),
        "{replies:?}"
    );
    let reply = server.call("GET", &list_path(), None).await;
    assert_eq!(reply.body["statusCode"], reply.status);
    assert!(reply.body["message"].is_string(), "{}", reply.body);
    assert_eq!(
        reply.header("x-ratelimit-remaining"),
        Some("100"),
        "a fault is not counted as served"
    );
    let token = server
        .token(&[("grant_type", "refresh_token"), ("refresh_token", "x")])
        .await;
    assert!(token.status >= 500, "the token endpoint fails too");

    let admin = server.admin("GET", "/_admin/state", None).await;
    assert_eq!(admin.status, 200, "faults never apply to /_admin");
    let log = server.admin("GET", "/_admin/requests", None).await;
    assert_eq!(log.body["requests"][0]["fault"], "error");

    configure(&server, json!({"errorRate": 0.0})).await;
    let healthy = server.call("GET", &list_path(), None).await;
    assert_eq!(healthy.status, 200);
    assert_eq!(healthy.header("x-ratelimit-remaining"), Some("99"));
}

#[tokio::test]
async fn error_rate_is_near_its_value_and_repeats_with_the_seed() {
    let config = json!({"errorRate": 0.3, "faultSeed": 42, "rateMax": 1000});
    let first_server = start().await;
    configure(&first_server, config.clone()).await;
    let first = statuses(&first_server, 200).await;
    let failed = first.iter().filter(|s| **s >= 500).count();
    assert!((40..=80).contains(&failed), "{failed} of 200 failed");
    assert!(first.iter().all(|s| *s == 200 || *s >= 500));

    let second_server = start().await;
    configure(&second_server, config.clone()).await;
    assert_eq!(
        first,
        statuses(&second_server, 200).await,
        "same seed, same faults"
    );

    configure(&second_server, config).await;
    assert_eq!(
        first,
        statuses(&second_server, 200).await,
        "setting the seed again restarts the sequence"
    );

    configure(&second_server, json!({"faultSeed": 43})).await;
    assert_ne!(first, statuses(&second_server, 200).await);
}

#[tokio::test]
async fn latency_delays_every_api_answer() {
    let server = start().await;
    configure(&server, json!({"latencyMs": 150})).await;
    for _ in 0..3 {
        let started = Instant::now();
        let reply = server.call("GET", &list_path(), None).await;
        let took = started.elapsed();
        assert_eq!(reply.status, 200);
        assert!(took >= Duration::from_millis(150), "{took:?}");
    }
    let started = Instant::now();
    server.admin("GET", "/_admin/config", None).await;
    assert!(
        started.elapsed() < Duration::from_millis(150),
        "no latency on /_admin"
    );
}

#[tokio::test]
async fn drop_rate_one_closes_the_connection_without_a_response() {
    let server = start().await;
    configure(&server, json!({"dropRate": 1.0})).await;
    let auth = format!("Bearer {}", ghl_sandbox::DEMO_TOKEN);
    for _ in 0..3 {
        let outcome = server
            .try_raw(
                "GET",
                &list_path(),
                &[("authorization", &auth), ("version", "2021-07-28")],
                None,
            )
            .await;
        let error = outcome.expect_err("a transport error, not a response");
        assert!(
            error.contains("IncompleteMessage")
                || error.contains("closed")
                || error.contains("reset"),
            "{error}"
        );
    }
    let write = server
        .try_raw(
            "POST",
            "/contacts/",
            &[
                ("authorization", &auth),
                ("version", "2021-07-28"),
                ("content-type", "application/json"),
            ],
            Some(&json!({"locationId": DEMO_LOCATION_ID, "email": "x@example.com"}).to_string()),
        )
        .await;
    assert!(write.is_err());
    configure(&server, json!({"dropRate": 0.0})).await;
    let state = server.admin("GET", "/_admin/state", None).await;
    assert_eq!(
        state.body["locations"][DEMO_LOCATION_ID]["contacts"],
        json!([]),
        "a dropped create is not stored"
    );
    let log = server.admin("GET", "/_admin/requests", None).await;
    assert_eq!(log.body["requests"][0]["fault"], "drop");
    assert_eq!(log.body["requests"][0]["status"], 0);
    assert_eq!(server.call("GET", &list_path(), None).await.status, 200);
}

#[tokio::test]
async fn config_refuses_rates_outside_zero_to_one() {
    let server = start().await;
    let bad = server
        .admin(
            "PUT",
            "/_admin/config",
            Some(json!({"errorRate": 1.5, "dropRate": "x", "latencyMs": -1})),
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.body["message"].as_array().map(Vec::len), Some(3));
    server
        .admin(
            "PUT",
            "/_admin/config",
            Some(json!({"errorRate": 0.5, "latencyMs": 5})),
        )
        .await;
    let reset = server.admin("POST", "/_admin/reset", None).await;
    assert_eq!(reset.status, 200);
    let config = server.admin("GET", "/_admin/config", None).await;
    assert_eq!(config.body["errorRate"], 0.0);
    assert_eq!(config.body["latencyMs"], 0);
}
