//! The shared client, FITR reader and push driver against the real stand-ins, in-process, over
//! plain HTTP. Outcomes are read back from the sandbox's own admin API.

use serde_json::{Value, json};
use shared::{
    fitr::{AthleteType, FitrApi, FitrError},
    ghl::{Credentials, GhlClient},
    mapping::{ResolvedMapping, map_client},
    push::{Outcome, push},
    transport::NativeTransport,
};

mod standins_support;
use standins_support::{call, serve_at};

struct World {
    ghl: String,
    fitr: String,
    fitr_token: String,
}

async fn serve(router: axum::Router) -> String {
    format!("http://{}", serve_at("127.0.0.1:0", router).await.0)
}

async fn world() -> World {
    let ghl = serve(ghl_sandbox::router(ghl_sandbox::Sandbox::default())).await;
    let fitr = serve(fitr_replica::router(fitr_replica::ReplicaState::new(80))).await;
    let session = call("POST", &format!("{fitr}/api/session"), None).await;
    let fitr_token = session["access_token"].as_str().unwrap().to_owned();
    World {
        ghl,
        fitr,
        fitr_token,
    }
}

impl World {
    fn ghl_client(&self) -> GhlClient<NativeTransport> {
        GhlClient::new(
            NativeTransport::default(),
            Credentials {
                base: self.ghl.clone(),
                token: ghl_sandbox::DEMO_TOKEN.into(),
                location_id: ghl_sandbox::DEMO_LOCATION_ID.into(),
            },
        )
    }

    fn fitr_api(&self) -> FitrApi<NativeTransport> {
        FitrApi::new(NativeTransport::default(), &self.fitr, &self.fitr_token)
    }

    async fn contacts(&self) -> Vec<Value> {
        let state = call("GET", &format!("{}/_admin/state", self.ghl), None).await;
        state["locations"][ghl_sandbox::DEMO_LOCATION_ID]["contacts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    async fn fitr_client(&self, id: u64) -> Value {
        call("GET", &format!("{}/_admin/clients/{id}", self.fitr), None).await
    }
}

const ZOE: u64 = 48213;

#[tokio::test]
async fn push_creates_then_leaves_unchanged_with_one_contact() {
    let w = world().await;
    let fitr = w.fitr_api();
    let client = fitr.client(ZOE).await.unwrap();
    let expected_email = w.fitr_client(ZOE).await["email"]
        .as_str()
        .unwrap()
        .trim()
        .to_lowercase();
    assert_eq!(
        client.email.as_deref().map(|e| e.trim().to_lowercase()),
        Some(expected_email.clone())
    );
    let desired = map_client(&client, &ResolvedMapping::default()).unwrap();
    let ghl = w.ghl_client();

    let first = push(&ghl, &desired).await.unwrap();
    assert_eq!(first.outcome, Outcome::Created);
    let contacts = w.contacts().await;
    assert_eq!(contacts.len(), 1);
    let c = &contacts[0];
    assert_eq!(c["id"], json!(first.contact_id.0));
    assert_eq!(c["firstName"], "Zoë");
    assert_eq!(c["lastName"], "O'Neill-Hart");
    assert_eq!(c["email"], json!(expected_email));
    assert_eq!(c["notes"].as_array().unwrap().len(), 1);
    let tags: Vec<&str> = c["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    // The replica sends the plan's kind and membership state (assumed fields): tagged too.
    for prefix in ["fitr:program:", "fitr:program-type:", "fitr:membership:"] {
        assert!(
            tags.iter().any(|t| t.starts_with(prefix)),
            "{prefix} {tags:?}"
        );
    }

    let second = push(&ghl, &desired).await.unwrap();
    assert_eq!(second.outcome, Outcome::Unchanged);
    assert_eq!(second.contact_id, first.contact_id);
    let after = w.contacts().await;
    assert_eq!(after.len(), 1);
    assert_eq!(after[0]["notes"].as_array().unwrap().len(), 1);
    assert_eq!(after[0]["dateUpdated"], c["dateUpdated"]);
}

#[tokio::test]
async fn an_existing_contact_with_other_case_email_is_updated_not_duplicated() {
    let w = world().await;
    let client = w.fitr_api().client(ZOE).await.unwrap();
    let desired = map_client(&client, &ResolvedMapping::default()).unwrap();
    call(
        "POST",
        &format!("{}/_admin/seed", w.ghl),
        Some(json!({"locationId": ghl_sandbox::DEMO_LOCATION_ID, "contacts": [
            {"firstName": "Zoe", "email": desired.email.to_uppercase(), "tags": ["lead", "fitr:pending"]}
        ]})),
    )
    .await;
    let report = push(&w.ghl_client(), &desired).await.unwrap();
    assert_eq!(report.outcome, Outcome::Updated);
    let contacts = w.contacts().await;
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    let c = &contacts[0];
    assert_eq!(c["firstName"], "Zoë");
    let tags = c["tags"].as_array().unwrap();
    assert!(
        tags.contains(&json!("lead")),
        "a coach's tag stays: {tags:?}"
    );
    assert!(
        !tags.contains(&json!("fitr:pending")),
        "a stale managed tag goes: {tags:?}"
    );
}

#[tokio::test]
async fn a_create_that_stores_then_fails_is_settled_by_lookup_without_a_duplicate() {
    // G1: GHL may answer 422 to a create it has stored.
    let w = world().await;
    call(
        "PUT",
        &format!("{}/_admin/config", w.ghl),
        Some(json!({"storeRejectedCreates": true})),
    )
    .await;
    let client = w.fitr_api().client(ZOE).await.unwrap();
    let desired = map_client(&client, &ResolvedMapping::default()).unwrap();
    let report = push(&w.ghl_client(), &desired).await.unwrap();
    let contacts = w.contacts().await;
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert_eq!(report.contact_id.0, contacts[0]["id"].as_str().unwrap());
    assert_eq!(contacts[0]["notes"].as_array().unwrap().len(), 1);
    let log = call("GET", &format!("{}/_admin/requests", w.ghl), None).await;
    let creates: Vec<u64> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/contacts/")
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(
        creates,
        vec![422],
        "one create, answered 422, never retried"
    );
}

#[tokio::test]
async fn a_wrong_token_is_a_clear_401() {
    let w = world().await;
    let ghl = GhlClient::new(
        NativeTransport::default(),
        Credentials {
            base: w.ghl.clone(),
            token: "pit-wrong".into(),
            location_id: ghl_sandbox::DEMO_LOCATION_ID.into(),
        },
    );
    let err = ghl.contacts().count().await.unwrap_err();
    assert_eq!(err.status(), Some(401));
    assert!(err.to_string().contains("Check the token"), "{err}");
}

#[tokio::test]
async fn the_reader_follows_active_pagination_and_joins_emails_from_rooms() {
    let w = world().await;
    let fitr = w.fitr_api();
    let admin = call("GET", &format!("{}/_admin/clients", w.fitr), None).await;
    let admin = admin.as_array().unwrap();
    let mut total = 0;
    for tab in AthleteType::ALL {
        let listed = fitr.all_clients(tab).await.unwrap();
        let expected = admin
            .iter()
            .filter(|c| c["athlete_type"] == tab.as_str())
            .count();
        assert_eq!(listed.len(), expected, "{tab:?}");
        total += listed.len();
    }
    assert_eq!(total, admin.len());
    // A client whose room is on page 2 or later still gets its email.
    let far = admin
        .iter()
        .find(|c| c["rooms_page"].as_u64().is_some_and(|p| p >= 2))
        .unwrap();
    let id = far["id"].as_u64().unwrap();
    assert_eq!(
        fitr.email_of(id).await.unwrap().as_deref(),
        far["email"].as_str()
    );
    // A client without a room has no email, and is refused by the mapping with the reason.
    let roomless = admin.iter().find(|c| c["email"].is_null()).unwrap();
    let client = fitr.client(roomless["id"].as_u64().unwrap()).await.unwrap();
    assert_eq!(client.email, None);
    assert!(map_client(&client, &ResolvedMapping::default()).is_err());
}

#[tokio::test]
async fn an_expired_fitr_session_says_so() {
    let w = world().await;
    call("POST", &format!("{}/_admin/expire_tokens", w.fitr), None).await;
    let err = w.fitr_api().client(ZOE).await.unwrap_err();
    assert_eq!(err, FitrError::SessionExpired);
    assert!(err.to_string().contains("reload the FITR page"));
}
