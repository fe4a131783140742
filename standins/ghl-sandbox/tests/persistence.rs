//! `--data FILE` (`Sandbox::open`): every write is saved atomically, and a sandbox opened from
//! the file has the same state.

mod common;

use std::{
    fs,
    path::PathBuf,
    time::{SystemTime, UNIX_EPOCH},
};

use common::start_with;
use ghl_sandbox::{DEMO_LOCATION_ID, Sandbox, ratelimit::RateConfig};
use serde_json::{Value, json};

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("ghl-sandbox-{name}-{}-{nanos}", std::process::id()));
        fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn without_config(mut state: Value) -> Value {
    if let Some(obj) = state.as_object_mut() {
        obj.remove("config");
    }
    state
}

#[tokio::test]
async fn the_state_survives_a_restart_from_the_data_file() {
    let dir = TempDir::new("restart");
    let file = dir.0.join("state.json");
    let first = start_with(Sandbox::open(&file, RateConfig::default()).expect("open")).await;
    assert!(!file.exists(), "nothing written before the first write");

    let contact = first
        .create(json!({"firstName": "Per", "email": "per@example.com", "tags": ["Lead"],
                       "customFields": [{"key": "contact.membership_plan", "field_value": "Gold"}]}))
        .await;
    let id = contact["id"].as_str().expect("id").to_string();
    assert!(file.exists(), "saved after the create");
    first
        .call(
            "POST",
            &format!("/contacts/{id}/notes"),
            Some(json!({"body": "hi"})),
        )
        .await;
    first
        .call(
            "POST",
            &format!("/contacts/{id}/tasks"),
            Some(json!({"title": "T", "dueDate": "2024-05-01T10:00:00Z", "completed": false})),
        )
        .await;
    first
        .admin(
            "POST",
            &format!("/_admin/contacts/{id}/appointments"),
            Some(json!({"startTime": "2024-06-01T09:00:00Z"})),
        )
        .await;
    let tokens = first
        .admin(
            "POST",
            "/_admin/oauth/tokens",
            Some(json!({"locationId": DEMO_LOCATION_ID})),
        )
        .await;
    let access = tokens.body["access_token"]
        .as_str()
        .expect("token")
        .to_string();
    let before = first.admin("GET", "/_admin/state", None).await.body;

    let saved: Value = serde_json::from_slice(&fs::read(&file).expect("read")).expect("json");
    assert_eq!(saved["format"], ghl_sandbox::persist::FORMAT);
    let leftovers: Vec<_> = fs::read_dir(&dir.0)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "no temp file left: {leftovers:?}");

    let second = start_with(Sandbox::open(&file, RateConfig::default()).expect("reopen")).await;
    let after = second.admin("GET", "/_admin/state", None).await.body;
    assert_eq!(without_config(after), without_config(before.clone()));
    let read = second.call("GET", &format!("/contacts/{id}"), None).await;
    let mut read_back = read.body["contact"].clone();
    read_back.as_object_mut().expect("a contact").remove("name");
    assert_eq!(
        read_back, contact,
        "the same contact (a create's answer has no `name`)"
    );
    let tasks = second
        .call_as(&access, "GET", &format!("/contacts/{id}/tasks"), None)
        .await;
    assert_eq!(tasks.status, 200, "the OAuth token was saved too");
    assert_eq!(tasks.body["tasks"].as_array().map(Vec::len), Some(1));

    let newer = second.create(json!({"email": "new@example.com"})).await;
    assert_ne!(
        newer["id"], contact["id"],
        "ids keep counting after a restart"
    );
    let third = Sandbox::open(&file, RateConfig::default()).expect("reopen again");
    let contacts = third.with(|s| {
        s.store
            .location(DEMO_LOCATION_ID)
            .map(|l| l.contacts.len())
            .unwrap_or_default()
    });
    assert_eq!(contacts, 2);
}

#[tokio::test]
async fn reads_do_not_write_and_a_bad_file_is_refused() {
    let dir = TempDir::new("reads");
    let file = dir.0.join("state.json");
    let server = start_with(Sandbox::open(&file, RateConfig::default()).expect("open")).await;
    server
        .call(
            "GET",
            &format!("/contacts/?locationId={DEMO_LOCATION_ID}"),
            None,
        )
        .await;
    server.admin("GET", "/_admin/state", None).await;
    assert!(!file.exists(), "reads save nothing");
    let refused = server
        .call(
            "POST",
            "/contacts/",
            Some(json!({"locationId": DEMO_LOCATION_ID, "bad": 1})),
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        !file.exists(),
        "a refused write changes nothing, so nothing is saved"
    );

    server.admin("POST", "/_admin/reset", None).await;
    server.create(json!({"email": "a@example.com"})).await;
    server.admin("POST", "/_admin/reset", None).await;
    let reopened = Sandbox::open(&file, RateConfig::default()).expect("reopen");
    assert_eq!(
        reopened.with(|s| s.store.location(DEMO_LOCATION_ID).map(|l| l.contacts.len())),
        Some(0),
        "a reset is saved too"
    );

    let bad = dir.0.join("bad.json");
    fs::write(&bad, b"{\"not\": \"a sandbox\"}").expect("write");
    assert!(Sandbox::open(&bad, RateConfig::default()).is_err());
}
