//! `/_admin/*`: state, reset, seed, patch, config, request log.

mod common;

use common::start;
use ghl_sandbox::{DEMO_LOCATION_ID, OTHER_LOCATION_ID};
use serde_json::{Value, json};

#[tokio::test]
async fn seed_state_patch_reset() {
    let server = start().await;
    let seeded = server
        .admin(
            "POST",
            "/_admin/seed",
            Some(json!({"locationId": DEMO_LOCATION_ID, "contacts": [
                {"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com", "tags": ["Lead"]},
                {"firstName": "Bob", "phone": "+15550002222", "companyName": "Gym", "dateAdded": "2024-01-02T03:04:05.678Z"},
            ]})),
        )
        .await;
    assert_eq!(seeded.status, 201, "{}", seeded.body);
    let contacts = seeded.body["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 2);
    assert_eq!(contacts[1]["dateAdded"], "2024-01-02T03:04:05.678Z");
    let ann = contacts[0].clone();
    let ann_id = ann["id"].as_str().unwrap();

    server
        .call(
            "POST",
            &format!("/contacts/{ann_id}/notes"),
            Some(json!({"body": "hello"})),
        )
        .await;
    let state = server.admin("GET", "/_admin/state", None).await;
    let demo = &state.body["locations"][DEMO_LOCATION_ID]["contacts"];
    assert_eq!(demo.as_array().unwrap().len(), 2);
    assert_eq!(demo[0]["notes"][0]["body"], "hello");
    assert_eq!(
        state.body["locations"][OTHER_LOCATION_ID]["contacts"],
        json!([])
    );

    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let patched = server
        .admin(
            "PATCH",
            &format!("/_admin/contacts/{ann_id}"),
            Some(json!({"tags": ["vip", "fitr:active"], "firstName": "Anna"})),
        )
        .await;
    assert_eq!(patched.status, 200);
    let read = server
        .call("GET", &format!("/contacts/{ann_id}"), None)
        .await;
    let contact = &read.body["contact"];
    assert_eq!(contact["tags"], json!(["vip", "fitr:active"]));
    assert_eq!(contact["firstName"], "Anna");
    let (added, updated) = (
        contact["dateAdded"].as_str().unwrap(),
        contact["dateUpdated"].as_str().unwrap(),
    );
    assert!(updated > added, "dateUpdated moved: {added} -> {updated}");

    let duplicate = server
        .admin(
            "POST",
            "/_admin/seed",
            Some(json!({"locationId": DEMO_LOCATION_ID, "contacts": [
            {"email": "new@example.com"}, {"email": "ANN@example.com"}]})),
        )
        .await;
    assert_eq!(duplicate.status, 400);
    let state = server.admin("GET", "/_admin/state", None).await;
    assert_eq!(
        state.body["locations"][DEMO_LOCATION_ID]["contacts"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "all or nothing"
    );

    let unknown = server
        .admin(
            "PATCH",
            "/_admin/contacts/nope",
            Some(json!({"firstName": "X"})),
        )
        .await;
    assert_eq!(unknown.status, 400);

    let reset = server.admin("POST", "/_admin/reset", None).await;
    assert_eq!(reset.status, 200);
    let state = server.admin("GET", "/_admin/state", None).await;
    assert_eq!(
        state.body["locations"][DEMO_LOCATION_ID]["contacts"],
        json!([])
    );
    assert_eq!(
        server
            .call("GET", &format!("/contacts/{ann_id}"), None)
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn request_log_counts_and_clears() {
    let server = start().await;
    server.call("GET", "/contacts/none", None).await;
    server
        .call("POST", "/contacts/search", Some(json!({})))
        .await;
    let log = server.admin("GET", "/_admin/requests", None).await;
    let statuses: Vec<&Value> = log.body["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["status"])
        .collect();
    assert_eq!(statuses, [&json!(400), &json!(422)]);
    assert_eq!(log.body["requests"][1]["method"], "POST");
    assert_eq!(log.body["requests"][1]["locationId"], DEMO_LOCATION_ID);
    let cleared = server.admin("DELETE", "/_admin/requests", None).await;
    assert_eq!(cleared.body, json!({"cleared": 2}));
    let log = server.admin("GET", "/_admin/requests", None).await;
    assert_eq!(log.body["count"], 0);
}

#[tokio::test]
async fn config_switches_quirks_and_refuses_unknown_keys() {
    let server = start().await;
    let bad = server
        .admin("PUT", "/_admin/config", Some(json!({"rateMaxx": 5})))
        .await;
    assert_eq!(bad.status, 422);
    let on = server
        .admin(
            "PUT",
            "/_admin/config",
            Some(json!({"allowDuplicates": true})),
        )
        .await;
    assert_eq!(on.body["allowDuplicates"], true);
    server.create(json!({"email": "same@example.com"})).await;
    server.create(json!({"email": "same@example.com"})).await;

    server
        .admin(
            "PUT",
            "/_admin/config",
            Some(json!({"storeRejectedCreates": true, "allowDuplicates": false})),
        )
        .await;
    let rejected = server
        .call("POST", "/contacts/", Some(json!({"locationId": DEMO_LOCATION_ID, "email": "g1@example.com", "additionalEmails": []})))
        .await;
    assert_eq!(rejected.status, 422);
    let found = server
        .call(
            "GET",
            &format!(
                "/contacts/search/duplicate?locationId={DEMO_LOCATION_ID}&email=g1%40example.com"
            ),
            None,
        )
        .await;
    assert!(
        found.body["contact"]["id"].is_string(),
        "G1: stored despite the 422"
    );

    server.admin("POST", "/_admin/reset", None).await;
    let config = server.admin("GET", "/_admin/config", None).await;
    assert_eq!(
        config.body["storeRejectedCreates"], false,
        "reset restores start-up config"
    );
}
