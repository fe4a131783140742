//! `POST /oauth/token`: code exchange, expiry, refresh rotation (G18), a location whose refresh
//! fails for good (G13), a token lacking a scope (G14).

mod common;

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use common::{Reply, Server, start, start_with};
use ghl_sandbox::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_LOCATION_ID, OTHER_LOCATION_ID, Sandbox,
    oauth::{DEFAULT_ACCESS_TOKEN_TTL_SECS, SCOPES},
};
use serde_json::json;

const T0: i64 = 1_700_000_000_000;

async fn issue_code(server: &Server, body: serde_json::Value) -> String {
    let reply = server
        .admin("POST", "/_admin/oauth/codes", Some(body))
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    reply.body["code"].as_str().expect("code").to_string()
}

async fn exchange(server: &Server, code: &str) -> Reply {
    server
        .token(&[
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("grant_type", "authorization_code"),
            ("code", code),
            ("user_type", "Location"),
            ("redirect_uri", "https://example.com/callback"),
        ])
        .await
}

async fn refresh(server: &Server, refresh_token: &str) -> Reply {
    server
        .token(&[
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
        ])
        .await
}

fn text(reply: &Reply, key: &str) -> String {
    reply.body[key].as_str().unwrap_or_default().to_string()
}

#[tokio::test]
async fn a_code_buys_a_token_that_works_until_it_expires() {
    let now = Arc::new(AtomicI64::new(T0));
    let clock = now.clone();
    let server =
        start_with(Sandbox::default().with_clock(move || clock.load(Ordering::SeqCst))).await;
    let code = issue_code(&server, json!({"locationId": DEMO_LOCATION_ID})).await;
    let pair = exchange(&server, &code).await;
    assert_eq!(pair.status, 200, "{}", pair.body);
    assert_eq!(pair.body["token_type"], "Bearer");
    assert_eq!(pair.body["expires_in"], DEFAULT_ACCESS_TOKEN_TTL_SECS);
    assert_eq!(pair.body["userType"], "Location");
    assert_eq!(pair.body["locationId"], DEMO_LOCATION_ID);
    assert!(pair.body["userId"].is_string(), "required by the spec");
    assert_eq!(pair.body["scope"], SCOPES.join(" "));
    let access = text(&pair, "access_token");
    assert_eq!(access.split('.').count(), 3, "JWT-shaped");

    let reused = exchange(&server, &code).await;
    assert_eq!(reused.status, 400, "a code is single-use");
    assert_eq!(reused.body["error"], "invalid_grant");

    let listed = server
        .call_as(
            &access,
            "GET",
            &format!("/contacts/?locationId={DEMO_LOCATION_ID}"),
            None,
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.header("x-ratelimit-max"), Some("100"));
    let created = server
        .call_as(
            &access,
            "POST",
            "/contacts/",
            Some(json!({"locationId": DEMO_LOCATION_ID, "email": "oauth@example.com"})),
        )
        .await;
    assert_eq!(created.status, 201);
    let scoped = server
        .call_as(
            &access,
            "GET",
            &format!("/contacts/?locationId={OTHER_LOCATION_ID}"),
            None,
        )
        .await;
    assert_eq!(scoped.status, 403, "a token sees only its location");

    now.store(T0 + 86_398_000, Ordering::SeqCst);
    let late = server
        .call_as(
            &access,
            "GET",
            &format!("/contacts/?locationId={DEMO_LOCATION_ID}"),
            None,
        )
        .await;
    assert_eq!(late.status, 200);
    now.store(T0 + 86_399_000, Ordering::SeqCst);
    let expired = server
        .call_as(
            &access,
            "GET",
            &format!("/contacts/?locationId={DEMO_LOCATION_ID}"),
            None,
        )
        .await;
    assert_eq!(expired.status, 401);
    assert_eq!(
        expired.body,
        json!({"statusCode": 401, "message": "Invalid JWT", "error": "Unauthorized"})
    );

    server
        .admin(
            "PUT",
            "/_admin/config",
            Some(json!({"accessTokenTtlSecs": 60})),
        )
        .await;
    let next = refresh(&server, &text(&pair, "refresh_token")).await;
    assert_eq!(next.status, 200, "{}", next.body);
    assert_eq!(next.body["expires_in"], 60);
    let fresh = text(&next, "access_token");
    assert_eq!(
        server
            .call_as(
                &fresh,
                "GET",
                &format!("/contacts/?locationId={DEMO_LOCATION_ID}"),
                None
            )
            .await
            .status,
        200
    );
    now.store(T0 + 86_399_000 + 60_000, Ordering::SeqCst);
    assert_eq!(
        server
            .call_as(
                &fresh,
                "GET",
                &format!("/contacts/?locationId={DEMO_LOCATION_ID}"),
                None
            )
            .await
            .status,
        401
    );
}

#[tokio::test]
async fn each_refresh_rotates_and_spends_the_old_refresh_token() {
    let server = start().await;
    let code = issue_code(&server, json!({"locationId": DEMO_LOCATION_ID})).await;
    let first = exchange(&server, &code).await;
    let first_refresh = text(&first, "refresh_token");

    let second = refresh(&server, &first_refresh).await;
    assert_eq!(second.status, 200, "{}", second.body);
    let second_refresh = text(&second, "refresh_token");
    assert_ne!(second_refresh, first_refresh, "a new refresh token");
    assert_ne!(text(&second, "access_token"), text(&first, "access_token"));

    let reused = refresh(&server, &first_refresh).await;
    assert_eq!(reused.status, 400);
    assert_eq!(reused.body["statusCode"], 400);
    assert_eq!(reused.body["error"], "invalid_grant");
    assert!(reused.body["message"].is_string());

    let third = refresh(&server, &second_refresh).await;
    assert_eq!(third.status, 200, "the newest refresh token still works");

    let unknown = refresh(&server, "not-a-token").await;
    assert_eq!(unknown.status, 400);
    let wrong_secret = server
        .token(&[
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", "wrong"),
            ("grant_type", "refresh_token"),
            ("refresh_token", &text(&third, "refresh_token")),
        ])
        .await;
    assert_eq!(wrong_secret.status, 401);
    assert_eq!(wrong_secret.body["error"], "invalid_client");
    let unknown_field = server
        .token(&[
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
            ("grant_type", "refresh_token"),
            ("refresh_token", &text(&third, "refresh_token")),
            ("scope", "contacts.readonly"),
        ])
        .await;
    assert_eq!(unknown_field.status, 422);
    assert_eq!(
        unknown_field.body["message"],
        json!(["property scope should not exist"])
    );
    let no_grant = server
        .token(&[
            ("client_id", DEMO_CLIENT_ID),
            ("client_secret", DEMO_CLIENT_SECRET),
        ])
        .await;
    assert_eq!(no_grant.status, 422);
    let json_body = server
        .raw(
            "POST",
            "/oauth/token",
            &[("content-type", "application/json")],
            Some(
                &json!({"client_id": DEMO_CLIENT_ID, "client_secret": DEMO_CLIENT_SECRET,
                        "grant_type": "refresh_token", "refresh_token": text(&third, "refresh_token")})
                .to_string(),
            ),
        )
        .await;
    assert_eq!(json_body.status, 200, "a JSON body is read too");

    let log = server.admin("GET", "/_admin/requests", None).await;
    assert!(
        log.body["requests"]
            .as_array()
            .expect("requests")
            .iter()
            .any(|r| r["path"] == "/oauth/token")
    );
}

#[tokio::test]
async fn an_inactive_location_fails_every_refresh_for_good() {
    let server = start().await;
    let code = issue_code(&server, json!({"locationId": DEMO_LOCATION_ID})).await;
    let pair = exchange(&server, &code).await;
    let refresh_token = text(&pair, "refresh_token");

    let off = server
        .admin(
            "PUT",
            &format!("/_admin/oauth/locations/{DEMO_LOCATION_ID}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    for _ in 0..3 {
        let refused = refresh(&server, &refresh_token).await;
        assert_eq!(refused.status, 400);
        assert_eq!(
            refused.body,
            json!({"statusCode": 400, "message": "Location is not active"})
        );
    }
    let new_code = issue_code(&server, json!({"locationId": DEMO_LOCATION_ID})).await;
    assert_eq!(exchange(&server, &new_code).await.status, 400);

    let other_code = issue_code(&server, json!({"locationId": OTHER_LOCATION_ID})).await;
    assert_eq!(
        exchange(&server, &other_code).await.status,
        200,
        "only that location"
    );
    server
        .admin(
            "PUT",
            &format!("/_admin/oauth/locations/{DEMO_LOCATION_ID}"),
            Some(json!({"active": true})),
        )
        .await;
    assert_eq!(refresh(&server, &refresh_token).await.status, 200);
}

#[tokio::test]
async fn a_token_without_a_scope_gets_401_naming_the_scope_problem() {
    let server = start().await;
    let contact = server.create(json!({"email": "scope@example.com"})).await;
    let id = contact["id"].as_str().expect("id");
    let issued = server
        .admin(
            "POST",
            "/_admin/oauth/tokens",
            Some(json!({"locationId": DEMO_LOCATION_ID, "withoutScopes": ["contacts.readonly"]})),
        )
        .await;
    assert_eq!(issued.status, 201, "{}", issued.body);
    assert!(!text(&issued, "scope").contains("contacts.readonly"));
    let access = text(&issued, "access_token");

    let appointments = server
        .call_as(
            &access,
            "GET",
            &format!("/contacts/{id}/appointments"),
            None,
        )
        .await;
    assert_eq!(appointments.status, 401);
    assert_eq!(
        appointments.body,
        json!({"statusCode": 401, "message": "The token is not authorized for this scope.", "error": "Unauthorized"})
    );
    assert!(
        appointments.header("x-ratelimit-remaining").is_some(),
        "the token itself is valid"
    );
    let write = server
        .call_as(
            &access,
            "POST",
            &format!("/contacts/{id}/tags"),
            Some(json!({"tags": ["ok"]})),
        )
        .await;
    assert_eq!(write.status, 201, "contacts.write is still granted");

    let code_without_tags = issue_code(
        &server,
        json!({"locationId": DEMO_LOCATION_ID, "scopes": ["contacts.readonly"]}),
    )
    .await;
    let pair = exchange(&server, &code_without_tags).await;
    assert_eq!(pair.body["scope"], "contacts.readonly");
    let token = text(&pair, "access_token");
    let tags = server
        .call_as(
            &token,
            "GET",
            &format!("/locations/{DEMO_LOCATION_ID}/tags"),
            None,
        )
        .await;
    assert_eq!(tags.status, 401);
    let read = server
        .call_as(&token, "GET", &format!("/contacts/{id}"), None)
        .await;
    assert_eq!(read.status, 200);
    let update = server
        .call_as(
            &token,
            "PUT",
            &format!("/contacts/{id}"),
            Some(json!({"firstName": "X"})),
        )
        .await;
    assert_eq!(update.status, 401);
    let refreshed = refresh(&server, &text(&pair, "refresh_token")).await;
    assert_eq!(
        refreshed.body["scope"], "contacts.readonly",
        "a refresh keeps the grant"
    );

    let unknown_location = server
        .admin(
            "POST",
            "/_admin/oauth/codes",
            Some(json!({"locationId": "nowhere"})),
        )
        .await;
    assert_eq!(unknown_location.status, 400);
}
