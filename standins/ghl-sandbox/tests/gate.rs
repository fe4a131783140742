//! What every API request passes: token, `Version`, rate limit (G17), CORS, and the request log.

mod common;

use std::time::Duration;

use common::start;
use ghl_sandbox::{DEMO_LOCATION_ID, DEMO_TOKEN};
use serde_json::json;

fn contacts_path() -> String {
    format!("/contacts/?locationId={DEMO_LOCATION_ID}")
}

#[tokio::test]
async fn a_token_is_required() {
    let server = start().await;
    let missing = server
        .raw("GET", &contacts_path(), &[("version", "2021-07-28")], None)
        .await;
    assert_eq!(missing.status, 401);
    assert_eq!(
        missing.body,
        json!({"statusCode": 401, "message": "Invalid JWT", "error": "Unauthorized"})
    );
    assert!(missing.header("x-ratelimit-remaining").is_none());

    let wrong = server
        .raw(
            "GET",
            &contacts_path(),
            &[
                ("authorization", "Bearer pit-wrong"),
                ("version", "2021-07-28"),
            ],
            None,
        )
        .await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body["message"].is_string());
    let not_bearer = server
        .raw(
            "GET",
            &contacts_path(),
            &[("authorization", DEMO_TOKEN), ("version", "2021-07-28")],
            None,
        )
        .await;
    assert_eq!(not_bearer.status, 401);
}

#[tokio::test]
async fn a_version_header_is_required() {
    let server = start().await;
    let auth = format!("Bearer {DEMO_TOKEN}");
    let reply = server
        .raw("GET", &contacts_path(), &[("authorization", &auth)], None)
        .await;
    assert_eq!(reply.status, 400);
    assert_eq!(
        reply.body,
        json!({"statusCode": 400, "message": "Version header was not found"})
    );
    assert_eq!(reply.header("x-ratelimit-max"), Some("100"));
}

#[tokio::test]
async fn the_101st_request_in_a_window_is_refused() {
    let server = start().await;
    let path = contacts_path();
    let mut remaining = Vec::new();
    let mut refused = 0;
    for _ in 0..101 {
        let reply = server.call("GET", &path, None).await;
        assert_eq!(reply.header("x-ratelimit-max"), Some("100"));
        assert_eq!(
            reply.header("x-ratelimit-interval-milliseconds"),
            Some("10000")
        );
        assert_eq!(reply.header("x-ratelimit-limit-daily"), Some("200000"));
        match reply.status {
            200 => remaining.push(reply.header_u64("x-ratelimit-remaining").unwrap()),
            429 => {
                refused += 1;
                assert_eq!(
                    reply.body,
                    json!({"statusCode": 429, "message": "Too many requests"})
                );
                assert_eq!(reply.header("x-ratelimit-remaining"), Some("0"));
                assert_eq!(
                    reply.header_u64("x-ratelimit-daily-remaining"),
                    Some(200_000 - 100)
                );
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!(refused, 1);
    assert_eq!(remaining, (0..100).rev().collect::<Vec<u64>>());

    // The other location has its own budget.
    let other = server
        .call_as(
            ghl_sandbox::OTHER_TOKEN,
            "GET",
            &format!("/contacts/?locationId={}", ghl_sandbox::OTHER_LOCATION_ID),
            None,
        )
        .await;
    assert_eq!(
        (other.status, other.header("x-ratelimit-remaining")),
        (200, Some("99"))
    );

    let log = server.admin("GET", "/_admin/requests", None).await;
    assert_eq!(log.body["count"], 102);
    assert_eq!(log.body["requests"][100]["status"], 429);
    assert_eq!(log.body["requests"][0]["path"], "/contacts/");
    assert_eq!(
        log.body["requests"][0]["query"],
        format!("locationId={DEMO_LOCATION_ID}")
    );
}

#[tokio::test]
async fn the_window_reopens_and_can_be_scaled_down() {
    let server = start().await;
    let config = server
        .admin(
            "PUT",
            "/_admin/config",
            Some(json!({"rateWindowMs": 300, "rateMax": 2})),
        )
        .await;
    assert_eq!(config.status, 200);
    assert_eq!(config.body["rateWindowMs"], 300);
    let statuses = |replies: &[common::Reply]| replies.iter().map(|r| r.status).collect::<Vec<_>>();
    let mut replies = Vec::new();
    for _ in 0..3 {
        replies.push(server.call("GET", &contacts_path(), None).await);
    }
    assert_eq!(statuses(&replies), [200, 200, 429]);
    assert_eq!(
        replies[0].header("x-ratelimit-interval-milliseconds"),
        Some("300")
    );
    tokio::time::sleep(Duration::from_millis(350)).await;
    let reopened = server.call("GET", &contacts_path(), None).await;
    assert_eq!(
        (reopened.status, reopened.header("x-ratelimit-remaining")),
        (200, Some("1"))
    );
}

#[tokio::test]
async fn cors_preflight_is_answered_for_any_origin() {
    let server = start().await;
    let preflight = server
        .raw(
            "OPTIONS",
            "/contacts/abc",
            &[
                ("origin", "http://localhost:3000"),
                ("access-control-request-method", "PUT"),
                (
                    "access-control-request-headers",
                    "authorization,version,content-type",
                ),
            ],
            None,
        )
        .await;
    assert_eq!(preflight.status, 200);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    let allowed = preflight
        .header("access-control-allow-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        allowed.contains("authorization") && allowed.contains("version"),
        "{allowed}"
    );
    assert!(
        preflight
            .header("access-control-allow-methods")
            .unwrap_or_default()
            .contains("PUT")
    );

    let auth = format!("Bearer {DEMO_TOKEN}");
    let actual = server
        .raw(
            "GET",
            &contacts_path(),
            &[
                ("origin", "http://localhost:3000"),
                ("authorization", &auth),
                ("version", "2021-07-28"),
            ],
            None,
        )
        .await;
    assert_eq!(actual.status, 200);
    assert_eq!(actual.header("access-control-allow-origin"), Some("*"));
    let exposed = actual
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        exposed.contains("x-ratelimit-remaining")
            && exposed.contains("x-ratelimit-daily-remaining"),
        "{exposed}"
    );
}

#[tokio::test]
async fn unknown_routes_answer_like_nest() {
    let server = start().await;
    let reply = server.call("GET", "/nothing/here", None).await;
    assert_eq!(reply.status, 404);
    assert_eq!(
        reply.body,
        json!({"statusCode": 404, "message": "Cannot GET /nothing/here", "error": "Not Found"})
    );
    let wrong_method = server.call("PATCH", "/contacts/abc", None).await;
    assert_eq!(wrong_method.status, 404);
}
