//! One test per GHL case (`../shared/cases/ghl-behaviour.md`, G1–G22): the product's client,
//! pagers, pacing, mapping and push run against the in-process sandbox with that quirk switched
//! on, and the outcome is read back from the sandbox's own admin API. Where a case is a trap, a
//! `gNN_trap_…` companion shows the naive call really falls into it.

use std::{cell::RefCell, path::PathBuf};

use serde::Deserialize;
use serde_json::{Value, json};
use shared::{
    fitr::{Athlete, FitrClient},
    ghl::{
        ApiError, ContactId, CreateContact, Credentials, CustomFieldDef, CustomFieldInput, Error,
        GhlClient, NewTask, UpdateContact, endpoints,
        oauth::{AuthError, Connection, HttpTokenEndpoint, OAuthSource, TokenSet, TokenStore},
        pacing::{Clock, Paced, safe_to_retry},
        search::{Direction, Filter, Group, SearchContacts, SortField},
        webhooks::{ContactEvent, NoteCreate, TaskCreate, WebhookEvent},
    },
    mapping::{DesiredContact, Mapping, ResolvedMapping, map_client},
    push::{Op, Outcome, plan, push},
    transport::{NativeTransport, Transport, TransportError},
};

const LOC: &str = ghl_sandbox::DEMO_LOCATION_ID;
const VERSION: &str = "2021-07-28";

// ---------------------------------------------------------------------------------------------
// Setup shared by every case
// ---------------------------------------------------------------------------------------------

/// One in-process sandbox, and what the tests ask of it.
struct Sandbox {
    base: String,
}

async fn sandbox() -> Sandbox {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = ghl_sandbox::router(ghl_sandbox::Sandbox::default());
    tokio::spawn(async move { axum::serve(listener, router).await });
    Sandbox {
        base: format!("http://{addr}"),
    }
}

/// A sandbox with some of `PUT /_admin/config` switched.
async fn sandbox_with(config: Value) -> Sandbox {
    let sb = sandbox().await;
    sb.admin("PUT", "/_admin/config", Some(config)).await;
    sb
}

/// Send one request; the status and the JSON body (`null` if it is not JSON).
async fn send(req: http::Request<Vec<u8>>) -> (u16, Value) {
    let res = NativeTransport::default().call(req).await.unwrap();
    let status = res.status().as_u16();
    (
        status,
        serde_json::from_slice(res.body()).unwrap_or(Value::Null),
    )
}

fn json_request(method: &str, url: &str) -> http::request::Builder {
    http::Request::builder()
        .method(method)
        .uri(url)
        .header("Content-Type", "application/json")
}

impl Sandbox {
    fn client(&self) -> GhlClient<NativeTransport> {
        self.client_as(ghl_sandbox::DEMO_TOKEN, LOC)
    }

    fn client_as(&self, token: &str, location: &str) -> GhlClient<NativeTransport> {
        GhlClient::new(NativeTransport::default(), self.creds(token, location))
    }

    fn creds(&self, token: &str, location: &str) -> Credentials {
        Credentials {
            base: self.base.clone(),
            token: token.into(),
            location_id: location.into(),
        }
    }

    /// An admin call that must succeed.
    async fn admin(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let req = json_request(method, &url)
            .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
            .unwrap();
        let (status, value) = send(req).await;
        assert!(
            (200..300).contains(&status),
            "{method} {path}: {status} {value}"
        );
        value
    }

    /// A raw API call as the demo location's token, with the contacts `Version`: what a naive
    /// client would send.
    async fn raw(&self, method: &str, path_and_query: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}{path_and_query}", self.base);
        let req = json_request(method, &url)
            .header(
                "Authorization",
                format!("Bearer {}", ghl_sandbox::DEMO_TOKEN),
            )
            .header("Version", VERSION)
            .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
            .unwrap();
        send(req).await
    }

    async fn seed(&self, contacts: Value) -> Vec<Value> {
        let out = self
            .admin(
                "POST",
                "/_admin/seed",
                Some(json!({"locationId": LOC, "contacts": contacts})),
            )
            .await;
        out["contacts"].as_array().unwrap().clone()
    }

    async fn state(&self) -> Value {
        self.admin("GET", "/_admin/state", None).await
    }

    /// The demo location's contacts, with their notes and tasks.
    async fn contacts(&self) -> Vec<Value> {
        self.state().await["locations"][LOC]["contacts"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    async fn contact(&self, id: &str) -> Value {
        self.contacts()
            .await
            .into_iter()
            .find(|c| c["id"] == id)
            .unwrap_or_else(|| panic!("the sandbox has no contact {id}"))
    }

    /// The API request log, oldest first.
    async fn requests(&self) -> Vec<Value> {
        self.admin("GET", "/_admin/requests", None).await["requests"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    async fn clear_requests(&self) {
        self.admin("DELETE", "/_admin/requests", None).await;
    }

    /// `(status, query)` of each logged `method path`.
    async fn logged(&self, method: &str, path: &str) -> Vec<(u64, String)> {
        self.requests()
            .await
            .iter()
            .filter(|r| r["method"] == method && r["path"] == path)
            .map(|r| {
                (
                    r["status"].as_u64().unwrap(),
                    r["query"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect()
    }

    /// A token pair from the admin API (no consent page), e.g. lacking a scope.
    async fn oauth_tokens(&self, grant: Value) -> Value {
        self.admin("POST", "/_admin/oauth/tokens", Some(grant))
            .await
    }

    /// `POST /oauth/token` with `grant_type=refresh_token`, form-encoded as the spec says.
    /// The product's token endpoint, as the secret-holding server would call it.
    fn token_endpoint(&self) -> HttpTokenEndpoint<NativeTransport, TokioClock> {
        HttpTokenEndpoint {
            transport: NativeTransport::default(),
            clock: TokioClock::new(),
            base: self.base.clone(),
            client_id: ghl_sandbox::DEMO_CLIENT_ID.into(),
            client_secret: ghl_sandbox::DEMO_CLIENT_SECRET.into(),
        }
    }

    fn refresh_request(&self, refresh_token: &str) -> http::Request<Vec<u8>> {
        let form = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", ghl_sandbox::DEMO_CLIENT_ID)
            .append_pair("client_secret", ghl_sandbox::DEMO_CLIENT_SECRET)
            .append_pair("grant_type", "refresh_token")
            .append_pair("refresh_token", refresh_token)
            .append_pair("user_type", "Location")
            .finish();
        http::Request::builder()
            .method("POST")
            .uri(format!("{}/oauth/token", self.base))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form.into_bytes())
            .unwrap()
    }

    /// The refresh token's record in the sandbox's OAuth state.
    async fn refresh_record(&self, token: &str) -> Value {
        self.state().await["oauth"]["refreshTokens"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["token"] == token)
            .cloned()
            .expect("the sandbox issued this refresh token")
    }
}

fn tags(contact: &Value) -> Vec<String> {
    let mut out: Vec<String> = contact["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t.as_str().map(str::to_owned))
        .collect();
    out.sort();
    out
}

fn custom_value<'a>(contact: &'a Value, field_id: &str) -> Option<&'a Value> {
    contact["customFields"]
        .as_array()?
        .iter()
        .find(|f| f["id"] == field_id)
        .map(|f| &f["value"])
}

/// What the mapping would produce for one FITR client, written out.
fn desired(email: &str, phone: Option<&str>) -> DesiredContact {
    DesiredContact {
        fitr_id: 48213,
        first_name: Some("Zoë".into()),
        last_name: Some("O'Neill-Hart".into()),
        email: email.into(),
        phone: phone.map(Into::into),
        tags: ["fitr:active".to_string()].into(),
        tag_prefix: "fitr:".into(),
        custom_fields: vec![],
        note: "FITR sync\nProgram: none\nStatus: Active\nMembership: active".into(),
        warnings: vec![],
    }
}

fn fitr_client(name: &str, email: &str, phone: Option<&str>) -> FitrClient {
    FitrClient {
        athlete: Athlete {
            id: 7,
            full_name: name.into(),
            chat_room_id: Some(1),
            plan: None,
            status: Some("Active".into()),
            phone: phone.map(Into::into),
            created_at: None,
            tab: None,
        },
        email: Some(email.into()),
    }
}

fn new_contact(email: &str) -> CreateContact {
    CreateContact {
        location_id: LOC.into(),
        first_name: Some("Zoë".into()),
        email: Some(email.into()),
        ..Default::default()
    }
}

fn api_message(err: &Error) -> Vec<String> {
    match err {
        Error::Api { api, .. } => api.message.clone(),
        other => panic!("expected GHL's error answer, got {other:?}"),
    }
}

struct TokioClock(std::time::Instant);

impl TokioClock {
    fn new() -> Self {
        Self(std::time::Instant::now())
    }
}

impl Clock for TokioClock {
    fn now_ms(&self) -> u64 {
        self.0.elapsed().as_millis() as u64
    }
    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

/// `../shared/ghl-openapi/…`, beside the workspace.
fn openapi_dir() -> PathBuf {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    while !std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|m| m.contains("[workspace]"))
    {
        assert!(dir.pop(), "no workspace root");
    }
    dir.parent().unwrap().join("shared/ghl-openapi")
}

// ---------------------------------------------------------------------------------------------
// G1: create answers 4xx yet the contact exists
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g01_create_422_yet_stored_is_settled_by_lookup() {
    let sb = sandbox_with(json!({"storeRejectedCreates": true})).await;
    let report = push(&sb.client(), &desired("zoe@example.org", None))
        .await
        .unwrap();

    let contacts = sb.contacts().await;
    assert_eq!(contacts.len(), 1, "no duplicate: {contacts:?}");
    assert_eq!(contacts[0]["id"], report.contact_id.0.as_str());
    assert_eq!(contacts[0]["email"], "zoe@example.org");
    assert_eq!(tags(&contacts[0]), ["fitr:active"]);
    assert_eq!(contacts[0]["notes"].as_array().unwrap().len(), 1);

    // One create, answered 422, then the duplicate lookup, and never a second create.
    let log = sb.requests().await;
    let creates: Vec<usize> = (0..log.len())
        .filter(|&i| log[i]["method"] == "POST" && log[i]["path"] == "/contacts/")
        .collect();
    assert_eq!(creates.len(), 1, "{log:?}");
    assert_eq!(log[creates[0]]["status"], 422);
    assert!(
        log[creates[0]..]
            .iter()
            .any(|r| r["path"] == "/contacts/search/duplicate"),
        "looked up after the failed create: {log:?}"
    );
}

#[tokio::test]
async fn g01_trap_a_blind_retry_of_a_rejected_create_duplicates_the_contact() {
    let sb = sandbox_with(json!({"storeRejectedCreates": true, "allowDuplicates": true})).await;
    let ghl = sb.client();
    for _ in 0..2 {
        let err = ghl
            .contacts()
            .create(&new_contact("zoe@example.org"))
            .await
            .unwrap_err();
        assert_eq!(err.status(), Some(422));
    }
    let contacts = sb.contacts().await;
    assert_eq!(contacts.len(), 2, "both 'failed' creates were stored");
    assert!(contacts.iter().all(|c| c["email"] == "zoe@example.org"));
}

// ---------------------------------------------------------------------------------------------
// G2: search needs its paging fields
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g02_search_body_always_carries_location_and_page_limit() {
    let sb = sandbox().await;
    sb.seed(json!([
        {"email": "a@example.org"}, {"email": "b@example.org"}, {"email": "c@example.org"}
    ]))
    .await;
    // The smallest body the builder can make already has both required fields.
    let body = SearchContacts::new(LOC.into(), 10);
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"locationId": LOC, "pageLimit": 10})
    );
    let page = sb.client().contacts().search(&body).await.unwrap();
    assert_eq!(page.contacts.len(), 3);
    assert_eq!(page.total(), sb.contacts().await.len() as u64);
    assert_eq!(
        sb.client().contacts().count().await.unwrap(),
        3,
        "the connection test's count is a valid search too"
    );
    let searches = sb.logged("POST", "/contacts/search").await;
    assert!(searches.iter().all(|(s, _)| *s == 200), "{searches:?}");
}

#[tokio::test]
async fn g02_trap_an_empty_search_body_gets_422() {
    let sb = sandbox().await;
    let (status, body) = sb.raw("POST", "/contacts/search", Some(json!({}))).await;
    assert_eq!(status, 422, "{body}");
    let err: ApiError = serde_json::from_value(body).unwrap();
    assert!(
        err.message.iter().any(|m| m.contains("locationId")),
        "{err:?}"
    );
    assert!(
        err.message.iter().any(|m| m.contains("pageLimit")),
        "{err:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// G3: update is stricter than create
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g03_update_uses_its_own_type_without_gender_company_or_location() {
    let sb = sandbox().await;
    let seeded = sb
        .seed(
            json!([{"firstName": "Zoe", "lastName": "Hart", "email": "zoe@example.org",
            "gender": "female", "companyName": "Hart Fitness"}]),
        )
        .await;
    let id = ContactId(seeded[0]["id"].as_str().unwrap().into());
    let every_field = UpdateContact {
        first_name: Some("Zoë".into()),
        last_name: Some("O'Neill-Hart".into()),
        email: Some("zoe@example.org".into()),
        phone: Some("+447911123456".into()),
        custom_fields: vec![],
    };
    let keys: Vec<String> = serde_json::to_value(&every_field)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    for banned in ["gender", "companyName", "locationId", "tags"] {
        assert!(!keys.contains(&banned.to_string()), "{keys:?}");
    }
    sb.client()
        .contacts()
        .update(&id, &every_field)
        .await
        .unwrap();

    let c = sb.contact(&id.0).await;
    assert_eq!(c["firstName"], "Zoë");
    assert_eq!(c["lastName"], "O'Neill-Hart");
    assert_eq!(c["phone"], "+447911123456");
    assert_eq!(c["gender"], "female", "untouched");
    assert_eq!(c["companyName"], "Hart Fitness", "untouched");
}

#[tokio::test]
async fn g03_trap_a_put_with_gender_company_or_location_gets_422() {
    let sb = sandbox().await;
    let seeded = sb
        .seed(json!([{"firstName": "Zoe", "email": "zoe@example.org", "gender": "female"}]))
        .await;
    let id = seeded[0]["id"].as_str().unwrap();
    let (status, body) = sb
        .raw(
            "PUT",
            &format!("/contacts/{id}"),
            Some(json!({"firstName": "Zoë", "gender": "male", "companyName": "X", "locationId": LOC})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let err: ApiError = serde_json::from_value(body).unwrap();
    for p in ["gender", "companyName", "locationId"] {
        assert!(
            err.message
                .contains(&format!("property {p} should not exist")),
            "{err:?}"
        );
    }
    let c = sb.contact(id).await;
    assert_eq!(
        (c["firstName"].as_str(), c["gender"].as_str()),
        (Some("Zoe"), Some("female")),
        "nothing of the refused update was applied"
    );
}

// ---------------------------------------------------------------------------------------------
// G4: unknown properties are rejected; one error type for array and string messages
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g04_array_and_string_messages_parse_into_one_readable_error() {
    let sb = sandbox().await;
    let ghl = sb.client();
    // 422: `message` is an array.
    let invalid = ghl
        .contacts()
        .create(&new_contact("not-an-email"))
        .await
        .unwrap_err();
    assert_eq!(invalid.status(), Some(422));
    assert_eq!(api_message(&invalid), ["email must be an email"]);
    assert!(
        invalid.to_string().contains("email must be an email"),
        "{invalid}"
    );
    assert!(sb.contacts().await.is_empty(), "nothing stored");

    // 400: `message` is a string.
    ghl.contacts()
        .create(&new_contact("zoe@example.org"))
        .await
        .unwrap();
    let duplicate = ghl
        .contacts()
        .create(&new_contact("ZOE@example.org"))
        .await
        .unwrap_err();
    assert_eq!(duplicate.status(), Some(400));
    assert_eq!(
        api_message(&duplicate),
        ["This location does not allow duplicated contacts."]
    );
    assert!(
        duplicate.to_string().contains("does not allow duplicated"),
        "{duplicate}"
    );

    // 401: `message` is a string too.
    let refused = sb
        .client_as("pit-wrong", LOC)
        .contacts()
        .count()
        .await
        .unwrap_err();
    assert_eq!(refused.status(), Some(401));
    assert_eq!(api_message(&refused), ["Invalid JWT"]);
    assert!(refused.to_string().contains("Invalid JWT"), "{refused}");

    assert_eq!(sb.contacts().await.len(), 1);
}

#[tokio::test]
async fn g04_trap_an_unknown_property_on_create_gets_422_with_an_array() {
    let sb = sandbox().await;
    let (status, body) = sb
        .raw(
            "POST",
            "/contacts/",
            Some(json!({"locationId": LOC, "email": "zoe@example.org",
                "additionalEmails": ["z@example.org"]})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["message"].is_array(), "{body}");
    let err: ApiError = serde_json::from_value(body).unwrap();
    assert_eq!(err.message, ["property additionalEmails should not exist"]);
    assert!(sb.contacts().await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// G5: phone search misses
// ---------------------------------------------------------------------------------------------

const PAT_PHONE: &str = "+18887772222";

#[tokio::test]
async fn g05_phone_is_looked_up_by_the_duplicate_lookup_before_creating() {
    let sb = sandbox().await;
    let seeded = sb
        .seed(json!([{"firstName": "Pat", "phone": PAT_PHONE}]))
        .await;
    let pat = seeded[0]["id"].as_str().unwrap();

    let found = sb
        .client()
        .contacts()
        .find_duplicate(shared::ghl::contacts::DuplicateBy::Phone(PAT_PHONE))
        .await
        .unwrap()
        .expect("the duplicate lookup finds the phone");
    assert_eq!(found.id.0, pat);
    let lookups = sb.logged("GET", "/contacts/search/duplicate").await;
    assert!(
        lookups[0].1.contains("number=%2B18887772222"),
        "the + is encoded: {lookups:?}"
    );

    // A push for someone GHL knows only by phone must find them before deciding they are new.
    sb.clear_requests().await;
    let report = push(&sb.client(), &desired("pat@example.org", Some(PAT_PHONE)))
        .await
        .unwrap();
    let contacts = sb.contacts().await;
    assert_eq!(contacts.len(), 1, "{contacts:?}");
    assert_eq!(report.contact_id.0, pat);
    assert_eq!(contacts[0]["email"], "pat@example.org");
    let creates = sb.logged("POST", "/contacts/").await;
    assert!(
        creates.is_empty(),
        "found by phone, so no create was attempted: {creates:?}"
    );
}

#[tokio::test]
async fn g05_trap_a_phone_eq_search_finds_nothing_the_lookup_finds() {
    let sb = sandbox().await;
    sb.seed(json!([{"firstName": "Pat", "phone": PAT_PHONE}]))
        .await;
    assert_eq!(sb.contacts().await[0]["phone"], PAT_PHONE);

    let by_filter = sb
        .client()
        .contacts()
        .search(&SearchContacts::new(LOC.into(), 10).filter(Filter::eq("phone", PAT_PHONE)))
        .await
        .unwrap();
    assert!(by_filter.contacts.is_empty(), "{by_filter:?}");

    // An unencoded `+` is read as a space: the raw lookup misses as well.
    let (status, raw) = sb
        .raw(
            "GET",
            &format!("/contacts/search/duplicate?locationId={LOC}&number=+18887772222"),
            None,
        )
        .await;
    assert_eq!((status, &raw["contact"]), (200, &Value::Null), "{raw}");

    let found = sb
        .client()
        .contacts()
        .find_duplicate(shared::ghl::contacts::DuplicateBy::Phone(PAT_PHONE))
        .await
        .unwrap();
    assert!(found.is_some());
}

// ---------------------------------------------------------------------------------------------
// G6: phone format
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g06_national_phones_are_sent_as_e164_and_a_bad_one_is_a_warning() {
    let sb = sandbox().await;
    let ghl = sb.client();
    let gb = ResolvedMapping::without_fields(Mapping {
        default_country: "GB".into(),
        ..Mapping::default()
    });
    let us = ResolvedMapping::without_fields(Mapping {
        default_country: "US".into(),
        ..Mapping::default()
    });

    let zoe = map_client(
        &fitr_client("Zoë Hart", "zoe@example.org", Some("07911 123456")),
        &gb,
    )
    .unwrap();
    assert_eq!(zoe.phone.as_deref(), Some("+447911123456"));
    let zoe_id = push(&ghl, &zoe).await.unwrap().contact_id;
    assert_eq!(sb.contact(&zoe_id.0).await["phone"], "+447911123456");

    let sam = map_client(
        &fitr_client("Sam Lee", "sam@example.org", Some("(415) 555-0100")),
        &us,
    )
    .unwrap();
    let sam_id = push(&ghl, &sam).await.unwrap().contact_id;
    assert_eq!(sb.contact(&sam_id.0).await["phone"], "+14155550100");

    // Unparseable: a warning naming the field and the value; the contact goes without it.
    let kim = map_client(&fitr_client("Kim Ro", "kim@example.org", Some("12")), &gb).unwrap();
    assert_eq!(kim.phone, None);
    assert_eq!(kim.warnings.len(), 1);
    assert!(
        kim.warnings[0].contains("phone") && kim.warnings[0].contains("\"12\""),
        "{:?}",
        kim.warnings
    );
    let report = push(&ghl, &kim).await.unwrap();
    assert_eq!(report.warnings, kim.warnings, "the coach is told");
    let stored = sb.contact(&report.contact_id.0).await;
    assert_eq!(stored["email"], "kim@example.org");
    assert!(stored.get("phone").is_none(), "{stored}");
}

#[tokio::test]
async fn g06_trap_a_national_phone_sent_as_is_loses_the_whole_contact() {
    let sb = sandbox().await;
    let (status, body) = sb
        .raw(
            "POST",
            "/contacts/",
            Some(json!({"locationId": LOC, "email": "zoe@example.org", "phone": "07911 123456"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        body["message"],
        json!(["phone must be a valid phone number"])
    );
    assert!(sb.contacts().await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// G7: later pages lose the location
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g07_every_list_page_carries_the_location() {
    let sb = sandbox().await;
    let seeded = sb
        .seed(json!(
            (0..5)
                .map(|i| json!({"email": format!("p{i}@example.org")}))
                .collect::<Vec<_>>()
        ))
        .await;
    let listed = sb
        .client()
        .contacts()
        .list_pages(2, None)
        .collect_all()
        .await
        .unwrap();
    let mut got: Vec<String> = listed.iter().map(|c| c.id.0.clone()).collect();
    let mut want: Vec<String> = seeded
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);

    let pages = sb.logged("GET", "/contacts/").await;
    assert_eq!(pages.len(), 3, "{pages:?}");
    for (status, query) in &pages {
        assert_eq!(*status, 200, "{query}");
        assert!(query.contains(&format!("locationId={LOC}")), "{query}");
    }
}

#[tokio::test]
async fn g07_trap_page_two_without_location_gets_403() {
    let sb = sandbox().await;
    sb.seed(json!(
        (0..5)
            .map(|i| json!({"email": format!("p{i}@example.org")}))
            .collect::<Vec<_>>()
    ))
    .await;
    let (status, first) = sb
        .raw("GET", &format!("/contacts/?locationId={LOC}&limit=2"), None)
        .await;
    assert_eq!(status, 200);
    let meta = &first["meta"];
    let (status, second) = sb
        .raw(
            "GET",
            &format!(
                "/contacts/?limit=2&startAfter={}&startAfterId={}",
                meta["startAfter"],
                meta["startAfterId"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(status, 403, "{second}");
    let err: ApiError = serde_json::from_value(second).unwrap();
    assert_eq!(
        err.message,
        ["The token does not have access to this location."]
    );
}

// ---------------------------------------------------------------------------------------------
// G8: custom fields are written and read differently
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g08_custom_fields_written_as_field_value_read_as_value() {
    use ghl_sandbox::store::{
        DEMO_FIELD_FITR_CLIENT_ID, DEMO_FIELD_LAST_CHECK_IN, DEMO_FIELD_MEMBERSHIP_PLAN,
    };
    let sb = sandbox().await;
    let by_id = CustomFieldInput {
        id: Some(DEMO_FIELD_MEMBERSHIP_PLAN.into()),
        key: None,
        field_value: json!("Gold"),
    };
    let by_key = CustomFieldInput {
        id: None,
        key: Some("contact.last_checkin".into()),
        field_value: json!("2026-01-05"),
    };
    for input in [&by_id, &by_key] {
        let written = serde_json::to_value(input).unwrap();
        assert!(written.get("field_value").is_some() && written.get("fieldId").is_none());
    }
    let ghl = sb.client();
    let created = ghl
        .contacts()
        .create(&CreateContact {
            custom_fields: vec![by_id, by_key],
            ..new_contact("zoe@example.org")
        })
        .await
        .unwrap();

    let stored = sb.contact(&created.id.0).await;
    assert_eq!(
        custom_value(&stored, DEMO_FIELD_MEMBERSHIP_PLAN),
        Some(&json!("Gold"))
    );
    assert_eq!(
        custom_value(&stored, DEMO_FIELD_LAST_CHECK_IN),
        Some(&json!("2026-01-05")),
        "the key was resolved to its id"
    );

    // A value of another JSON type (set as an automation would) reads back as it is.
    sb.admin(
        "PATCH",
        &format!("/_admin/contacts/{}", created.id),
        Some(json!({"customFields": [{"id": DEMO_FIELD_FITR_CLIENT_ID, "value": 48213}]})),
    )
    .await;
    let read = ghl.contacts().get(&created.id).await.unwrap();
    let value = |id: &str| {
        read.custom_fields
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.value.clone())
    };
    assert_eq!(value(DEMO_FIELD_MEMBERSHIP_PLAN), Some(json!("Gold")));
    assert_eq!(value(DEMO_FIELD_FITR_CLIENT_ID), Some(json!(48213)));
}

#[tokio::test]
async fn g08_trap_a_field_id_write_is_silently_dropped() {
    use ghl_sandbox::store::DEMO_FIELD_MEMBERSHIP_PLAN;
    let sb = sandbox().await;
    let seeded = sb
        .seed(json!([{"email": "zoe@example.org",
            "customFields": [{"id": DEMO_FIELD_MEMBERSHIP_PLAN, "value": "Gold"}]}]))
        .await;
    let id = seeded[0]["id"].as_str().unwrap();
    let (status, body) = sb
        .raw(
            "PUT",
            &format!("/contacts/{id}"),
            Some(json!({"customFields": [{"fieldId": DEMO_FIELD_MEMBERSHIP_PLAN, "field_value": "Silver"}]})),
        )
        .await;
    assert_eq!(status, 200, "accepted without a word: {body}");
    assert_eq!(
        custom_value(&sb.contact(id).await, DEMO_FIELD_MEMBERSHIP_PLAN),
        Some(&json!("Gold")),
        "yet nothing was written"
    );
}

// ---------------------------------------------------------------------------------------------
// G9: custom fields are addressed by id
// ---------------------------------------------------------------------------------------------

/// A mapping's custom field (by `fieldKey` or by name) → its id in this location. No product
/// function does this yet, so it lives here; a mapping naming a field the location does not
/// define is refused before anything is sent.
fn resolve_field(defs: &[CustomFieldDef], wanted: &str) -> Result<String, String> {
    defs.iter()
        .find(|d| d.field_key.as_deref() == Some(wanted) || d.name.as_deref() == Some(wanted))
        .map(|d| d.id.clone())
        .ok_or_else(|| {
            format!("the mapping names custom field {wanted:?}, which this location does not have")
        })
}

#[tokio::test]
async fn g09_custom_field_keys_resolve_to_ids_once_per_location() {
    use ghl_sandbox::store::{DEMO_FIELD_MEMBERSHIP_PLAN, OTHER_FIELD_MEMBERSHIP_PLAN};
    let sb = sandbox().await;
    let ghl = sb.client();
    let defs = ghl.locations().custom_fields().await.unwrap();
    let plan_id = resolve_field(&defs, "contact.membership_plan").unwrap();
    assert_eq!(plan_id, DEMO_FIELD_MEMBERSHIP_PLAN);
    assert_eq!(resolve_field(&defs, "Membership plan").unwrap(), plan_id);

    // The same key is another id in another location.
    let other = sb.client_as(ghl_sandbox::OTHER_TOKEN, ghl_sandbox::OTHER_LOCATION_ID);
    let other_defs = other.locations().custom_fields().await.unwrap();
    assert_eq!(
        resolve_field(&other_defs, "contact.membership_plan").unwrap(),
        OTHER_FIELD_MEMBERSHIP_PLAN
    );

    let created = ghl
        .contacts()
        .create(&CreateContact {
            custom_fields: vec![CustomFieldInput {
                id: Some(plan_id.clone()),
                key: None,
                field_value: json!("Gold"),
            }],
            ..new_contact("zoe@example.org")
        })
        .await
        .unwrap();
    assert_eq!(
        custom_value(&sb.contact(&created.id.0).await, &plan_id),
        Some(&json!("Gold"))
    );

    assert_eq!(
        sb.logged("GET", &format!("/locations/{LOC}/customFields"))
            .await
            .len(),
        1,
        "every key resolved from one read of the list"
    );

    // A field the location does not have: refused, nothing sent.
    sb.clear_requests().await;
    let err = resolve_field(&defs, "contact.shoe_size").unwrap_err();
    assert!(err.contains("contact.shoe_size"), "{err}");
    assert!(sb.requests().await.is_empty());
}

#[tokio::test]
async fn g09_the_mappings_status_field_is_resolved_once_and_written_by_id() {
    let sb = sandbox().await;
    sb.admin(
        "POST",
        "/_admin/custom-fields",
        Some(json!({"locationId": LOC, "name": "FITR status", "fieldKey": "contact.fitr_status", "id": "cfFitrStatus00000001"})),
    )
    .await;
    let ghl = sb.client();
    sb.clear_requests().await;
    let defs = ghl.locations().custom_fields().await.unwrap();
    let mapping = Mapping {
        status_field: Some("fitr_status".into()),
        ..Mapping::default()
    };
    let resolved = mapping.resolve(&defs).unwrap();
    assert_eq!(
        resolved.status_field_id.as_deref(),
        Some("cfFitrStatus00000001")
    );

    let mut client = fitr_client("Zoë Hart", "zoe@example.org", None);
    let report = push(&ghl, &map_client(&client, &resolved).unwrap())
        .await
        .unwrap();
    assert_eq!(report.outcome, Outcome::Created);
    let id = report.contact_id;
    assert_eq!(
        custom_value(&sb.contact(&id.0).await, "cfFitrStatus00000001"),
        Some(&json!("Active"))
    );
    // The same status again: nothing written.
    let again = push(&ghl, &map_client(&client, &resolved).unwrap())
        .await
        .unwrap();
    assert_eq!(again.outcome, Outcome::Unchanged, "{:?}", again.changes);
    // A new status: the field follows, by id.
    client.athlete.status = Some("Needs Training".into());
    let changed = push(&ghl, &map_client(&client, &resolved).unwrap())
        .await
        .unwrap();
    assert_eq!(changed.outcome, Outcome::Updated);
    assert!(
        changed.changes.iter().any(|c| c.contains("custom fields")),
        "{:?}",
        changed.changes
    );
    let stored = sb.contact(&id.0).await;
    assert_eq!(
        custom_value(&stored, "cfFitrStatus00000001"),
        Some(&json!("Needs Training"))
    );
    assert_eq!(
        sb.logged("GET", &format!("/locations/{LOC}/customFields"))
            .await
            .len(),
        1,
        "resolved once for every push"
    );

    // A field the location does not have: the mapping is refused, naming it.
    let missing = Mapping {
        status_field: Some("contact.shoe_size".into()),
        ..Mapping::default()
    };
    let err = missing.resolve(&defs).unwrap_err().to_string();
    assert!(
        err.contains("custom field \"contact.shoe_size\" does not exist in this GHL location"),
        "{err}"
    );
}

#[tokio::test]
async fn g09_trap_another_locations_field_id_is_silently_dropped() {
    use ghl_sandbox::store::OTHER_FIELD_MEMBERSHIP_PLAN;
    let sb = sandbox().await;
    let created = sb
        .client()
        .contacts()
        .create(&CreateContact {
            custom_fields: vec![CustomFieldInput {
                id: Some(OTHER_FIELD_MEMBERSHIP_PLAN.into()),
                key: None,
                field_value: json!("Gold"),
            }],
            ..new_contact("zoe@example.org")
        })
        .await
        .expect("GHL accepts it");
    let stored = sb.contact(&created.id.0).await;
    assert_eq!(
        custom_value(&stored, OTHER_FIELD_MEMBERSHIP_PLAN),
        None,
        "{stored}"
    );
}

// ---------------------------------------------------------------------------------------------
// G10: PUT replaces all tags
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g10_tag_changes_go_through_the_tag_endpoints_and_keep_user_tags() {
    let sb = sandbox().await;
    let seeded = sb
        .seed(json!([{"email": "zoe@example.org", "tags": ["lead", "hyrox"]}]))
        .await;
    let id = ContactId(seeded[0]["id"].as_str().unwrap().into());
    let ghl = sb.client();
    ghl.tags().add(&id, &["vip".into()]).await.unwrap();
    assert_eq!(tags(&sb.contact(&id.0).await), ["hyrox", "lead", "vip"]);
    ghl.tags().remove(&id, &["hyrox".into()]).await.unwrap();
    assert_eq!(tags(&sb.contact(&id.0).await), ["lead", "vip"]);

    // A push adds its managed tag and leaves the coach's alone.
    push(&ghl, &desired("zoe@example.org", None)).await.unwrap();
    assert_eq!(
        tags(&sb.contact(&id.0).await),
        ["fitr:active", "lead", "vip"]
    );
}

#[tokio::test]
async fn g10_trap_a_put_with_tags_drops_every_other_tag() {
    let sb = sandbox().await;
    let seeded = sb
        .seed(json!([{"email": "zoe@example.org", "tags": ["lead", "hyrox"]}]))
        .await;
    let id = seeded[0]["id"].as_str().unwrap();
    let (status, _) = sb
        .raw(
            "PUT",
            &format!("/contacts/{id}"),
            Some(json!({"tags": ["vip"]})),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(tags(&sb.contact(id).await), ["vip"]);
}

// ---------------------------------------------------------------------------------------------
// G11: webhook payloads are thinner than documented
// ---------------------------------------------------------------------------------------------

/// The `#### Example` payload of a documented webhook event.
fn documented_example(event: &str) -> Value {
    let path = openapi_dir().join(format!("docs/webhook events/{event}.md"));
    let text = std::fs::read_to_string(&path).unwrap();
    let example = text.split("#### Example").nth(1).unwrap();
    let start = example.find("```json").unwrap() + "```json".len();
    let end = start + example[start..].find("```").unwrap();
    serde_json::from_str(&example[start..end]).unwrap()
}

#[tokio::test]
async fn g11_thin_webhook_payloads_decode_and_missing_data_is_fetched_by_id() {
    // Every documented example reads without loss.
    for event in [
        "TaskCreate",
        "NoteCreate",
        "ContactCreate",
        "ContactUpdate",
        "ContactDndUpdate",
    ] {
        let doc = documented_example(event);
        let parsed = WebhookEvent::parse(doc.to_string().as_bytes()).unwrap();
        let back = match parsed {
            WebhookEvent::TaskCreate(e) => serde_json::to_value(e),
            WebhookEvent::NoteCreate(e) => serde_json::to_value(e),
            WebhookEvent::ContactCreate(e)
            | WebhookEvent::ContactUpdate(e)
            | WebhookEvent::ContactDndUpdate(e) => serde_json::to_value(e),
            WebhookEvent::Other(v) => panic!("{event} not modelled: {v}"),
        }
        .unwrap();
        assert_eq!(back, doc, "{event}");
    }

    // TaskCreate without contactId or body.
    let task: TaskCreate = serde_json::from_value(json!({
        "type": "TaskCreate", "locationId": LOC, "id": "t1", "title": "Call back",
        "dueDate": "2026-12-10T09:00:00.000Z", "workflowId": "wf1"
    }))
    .unwrap();
    assert_eq!((task.contact_id.as_ref(), task.body.as_ref()), (None, None));
    assert_eq!(task.extra["workflowId"], "wf1", "unknown keys are kept");

    // Contact event without attachments; DND settings with a channel the docs do not list.
    let update = match WebhookEvent::parse(
        json!({
            "type": "ContactUpdate", "locationId": LOC, "id": "c1", "dnd": true,
            "dndSettings": {"SMS": {"status": "active"},
                            "RCS": {"status": "inactive", "code": "103", "channelRef": 7}},
            "timezone": "Europe/London"
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap()
    {
        WebhookEvent::ContactUpdate(e) => e,
        other => panic!("{other:?}"),
    };
    assert_eq!(update.attachments, None);
    let dnd = update.dnd_settings.as_ref().unwrap();
    assert_eq!(dnd["RCS"].status.as_deref(), Some("inactive"));
    assert_eq!(dnd["RCS"].extra["channelRef"], 7);
    assert_eq!(update.extra["timezone"], "Europe/London");
    let bare: ContactEvent =
        serde_json::from_value(json!({"type": "ContactCreate", "id": "c1"})).unwrap();
    assert_eq!(bare.tags, None, "not sent is not 'no tags'");

    // NoteCreate without userId (or body): what is missing is fetched by id.
    let sb = sandbox().await;
    let ghl = sb.client();
    let contact = ghl
        .contacts()
        .create(&new_contact("zoe@example.org"))
        .await
        .unwrap();
    let written = ghl
        .notes()
        .create(&contact.id, "Asked about the spring block")
        .await
        .unwrap();
    let note: NoteCreate = serde_json::from_value(json!({
        "type": "NoteCreate", "locationId": LOC, "id": written.id, "contactId": contact.id
    }))
    .unwrap();
    assert_eq!((note.user_id.as_ref(), note.body.as_ref()), (None, None));
    let fetched = ghl
        .notes()
        .get(note.contact_id.as_ref().unwrap(), note.id.as_ref().unwrap())
        .await
        .unwrap();
    let stored = sb.contact(&contact.id.0).await;
    assert_eq!(stored["notes"][0]["body"], fetched.body.as_str());
    assert_eq!(fetched.body, "Asked about the spring block");
}

// ---------------------------------------------------------------------------------------------
// G12: change events are not complete
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g12_reconcile_finds_a_change_that_fired_no_event() {
    let sb = sandbox().await;
    let old = "2021-07-02T05:18:26.704Z";
    let seeded = sb
        .seed(json!((0..3)
            .map(|i| json!({"email": format!("p{i}@example.org"), "dateAdded": old, "dateUpdated": old}))
            .collect::<Vec<_>>()))
        .await;
    let cursor = "2024-01-01T00:00:00.000Z";
    // An automation changes the timezone: no ContactUpdate is sent.
    let changed = seeded[1]["id"].as_str().unwrap();
    sb.admin(
        "PATCH",
        &format!("/_admin/contacts/{changed}"),
        Some(json!({"timezone": "Europe/London"})),
    )
    .await;

    let since = SearchContacts::new(LOC.into(), 100)
        .filter(Filter::range("dateUpdated", cursor, None))
        .sort_by(SortField::DateUpdated, Direction::Asc);
    let found = sb
        .client()
        .contacts()
        .search_pages(since)
        .collect_all()
        .await
        .unwrap();
    let ids: Vec<&str> = found.iter().map(|c| c.id.0.as_str()).collect();
    assert_eq!(ids, [changed]);
    let stored = sb.contact(changed).await;
    assert_eq!(stored["timezone"], "Europe/London");
    assert_ne!(stored["dateUpdated"], old);
    assert_eq!(
        found[0].date_updated.as_ref(),
        Some(&stored["dateUpdated"]),
        "the next cursor"
    );
}

// ---------------------------------------------------------------------------------------------
// G13: refresh can fail for good
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g13_refresh_for_an_inactive_location_fails_for_good_and_is_not_retried() {
    let sb = sandbox().await;
    let pair = sb.oauth_tokens(json!({"locationId": LOC})).await;
    let refresh = pair["refresh_token"].as_str().unwrap();
    sb.admin(
        "PUT",
        &format!("/_admin/oauth/locations/{LOC}"),
        Some(json!({"active": false})),
    )
    .await;
    sb.clear_requests().await;

    // The product's retrying transport sends a refresh once: a 400 is never repeated.
    let paced = Paced::new(NativeTransport::default(), TokioClock::new());
    for attempt in 1..=2 {
        let res = paced.call(sb.refresh_request(refresh)).await.unwrap();
        assert_eq!(res.status(), 400);
        let err: ApiError = serde_json::from_slice(res.body()).unwrap();
        assert_eq!(err.message, ["Location is not active"]);
        assert_eq!(
            sb.logged("POST", "/oauth/token").await.len(),
            attempt,
            "one request per refresh"
        );
    }
    assert_eq!(
        sb.refresh_record(refresh).await["spent"],
        false,
        "the refresh token is kept for when the location is active again"
    );

    // The product's token source: after this 400 it holds "needs re-authorisation" with the
    // server's message, and asking again sends no further refresh.
    let store = MemoryStore::expired(&pair);
    let source = OAuthSource::new(sb.token_endpoint(), &store, TokioClock::new());
    sb.clear_requests().await;
    let err = source.access_token().await.unwrap_err();
    assert!(
        matches!(&err, AuthError::NeedsReauthorisation(r) if r.contains("Location is not active")),
        "{err:?}"
    );
    assert!(matches!(
        store.0.borrow().clone(),
        Some(Connection::NeedsReauthorisation { .. })
    ));
    assert!(source.access_token().await.is_err());
    assert_eq!(
        sb.logged("POST", "/oauth/token").await.len(),
        1,
        "never retried: one refresh in all"
    );
}

/// A token store in memory.
struct MemoryStore(RefCell<Option<Connection>>);

impl MemoryStore {
    /// Holding `pair` as if its access token had expired.
    fn expired(pair: &Value) -> Self {
        Self(RefCell::new(Some(Connection::Connected {
            tokens: TokenSet {
                access_token: pair["access_token"].as_str().unwrap().into(),
                refresh_token: pair["refresh_token"].as_str().unwrap().into(),
                expires_at_ms: 0,
            },
        })))
    }
}

impl TokenStore for &MemoryStore {
    async fn load(&self) -> Result<Option<Connection>, String> {
        Ok(self.0.borrow().clone())
    }
    async fn save(&self, c: &Connection) -> Result<(), String> {
        *self.0.borrow_mut() = Some(c.clone());
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// G14: a regenerated token lacks a scope
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g14_a_missing_scope_is_told_apart_from_an_expired_token() {
    let sb = sandbox().await;
    let seeded = sb.seed(json!([{"email": "zoe@example.org"}])).await;
    let id = ContactId(seeded[0]["id"].as_str().unwrap().into());

    let narrow = sb
        .oauth_tokens(json!({"locationId": LOC, "withoutScopes": ["contacts.readonly"]}))
        .await;
    let narrow_token = narrow["access_token"].as_str().unwrap();
    let state = sb.state().await;
    let scopes = &state["oauth"]["accessTokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["token"] == narrow_token)
        .unwrap()["grant"]["scopes"];
    assert!(
        !scopes
            .as_array()
            .unwrap()
            .contains(&json!("contacts.readonly"))
    );

    let missing_scope = sb
        .client_as(narrow_token, LOC)
        .appointments()
        .list(&id)
        .await
        .unwrap_err();

    sb.admin(
        "PUT",
        "/_admin/config",
        Some(json!({"accessTokenTtlSecs": 0})),
    )
    .await;
    let stale = sb.oauth_tokens(json!({"locationId": LOC})).await;
    let expired = sb
        .client_as(stale["access_token"].as_str().unwrap(), LOC)
        .appointments()
        .list(&id)
        .await
        .unwrap_err();

    assert_eq!(
        (missing_scope.status(), expired.status()),
        (Some(401), Some(401))
    );
    match &missing_scope {
        Error::MissingScope { scope, message } => {
            assert_eq!(scope, "contacts.readonly");
            assert_eq!(message, "The token is not authorized for this scope");
        }
        other => panic!("expected a missing-scope error, got {other:?}"),
    }
    assert_eq!(api_message(&expired), ["Invalid JWT"]);
    let (scope_text, expired_text) = (missing_scope.to_string(), expired.to_string());
    assert!(
        scope_text.contains("The token is not authorized for this scope."),
        "the server's message is shown: {scope_text}"
    );
    assert!(
        scope_text.contains("contacts.readonly"),
        "the likely missing scope is named: {scope_text}"
    );
    assert!(!expired_text.contains("scope"), "{expired_text}");
}

// ---------------------------------------------------------------------------------------------
// G15: delete's success key is misspelled
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g15_deletes_answering_succeded_are_read_as_success() {
    let sb = sandbox().await;
    let ghl = sb.client();
    let contact = ghl
        .contacts()
        .create(&new_contact("zoe@example.org"))
        .await
        .unwrap();
    let note = ghl
        .notes()
        .create(&contact.id, "FITR sync\nx")
        .await
        .unwrap();
    let task = ghl
        .tasks()
        .create(
            &contact.id,
            &NewTask {
                title: "Call".into(),
                body: None,
                due_date: "2026-12-10T09:00:00Z".into(),
                completed: false,
                assigned_to: None,
            },
        )
        .await
        .unwrap();

    assert!(ghl.notes().delete(&contact.id, &note.id).await.unwrap());
    assert!(ghl.tasks().delete(&contact.id, &task.id).await.unwrap());
    let stored = sb.contact(&contact.id.0).await;
    assert_eq!(stored["notes"], json!([]));
    assert_eq!(stored["tasks"], json!([]));
    assert!(ghl.contacts().delete(&contact.id).await.unwrap());
    assert!(sb.contacts().await.is_empty());
}

#[tokio::test]
async fn g15_trap_a_reader_of_the_correct_spelling_sees_no_success() {
    #[derive(Deserialize)]
    struct Naive {
        succeeded: Option<bool>,
    }
    let sb = sandbox().await;
    let seeded = sb.seed(json!([{"email": "zoe@example.org"}])).await;
    let id = seeded[0]["id"].as_str().unwrap();
    let (status, body) = sb.raw("DELETE", &format!("/contacts/{id}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"succeded": true}));
    let naive: Naive = serde_json::from_value(body).unwrap();
    assert_eq!(
        naive.succeeded, None,
        "the delete happened, yet reads as not"
    );
    assert!(sb.contacts().await.is_empty());
}

// ---------------------------------------------------------------------------------------------
// G16: versions differ per API
// ---------------------------------------------------------------------------------------------

/// Records each request's method, path and `Version`, then sends it.
struct Recording {
    inner: NativeTransport,
    seen: RefCell<Vec<(String, String, String)>>,
}

impl Transport for Recording {
    async fn call(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let version = req
            .headers()
            .get("Version")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        self.seen.borrow_mut().push((
            req.method().to_string(),
            req.uri().path().to_owned(),
            version,
        ));
        self.inner.call(req).await
    }
}

fn template_matches(template: &str, path: &str) -> bool {
    let (t, p): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), path.split('/').collect());
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| t == p || (t.starts_with('{') && !p.is_empty()))
}

#[tokio::test]
async fn g16_every_request_sends_its_endpoints_spec_version() {
    let sb = sandbox().await;
    let recording = Recording {
        inner: NativeTransport::default(),
        seen: RefCell::new(Vec::new()),
    };
    let ghl = GhlClient::new(&recording, sb.creds(ghl_sandbox::DEMO_TOKEN, LOC));
    let c = ghl
        .contacts()
        .create(&new_contact("zoe@example.org"))
        .await
        .unwrap();
    ghl.contacts().get(&c.id).await.unwrap();
    ghl.contacts()
        .update(
            &c.id,
            &UpdateContact {
                last_name: Some("Hart".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    ghl.contacts().count().await.unwrap();
    ghl.contacts()
        .find_duplicate(shared::ghl::contacts::DuplicateBy::Email("zoe@example.org"))
        .await
        .unwrap();
    ghl.contacts()
        .list_pages(10, None)
        .collect_all()
        .await
        .unwrap();
    ghl.tags().add(&c.id, &["vip".into()]).await.unwrap();
    ghl.tags().remove(&c.id, &["vip".into()]).await.unwrap();
    ghl.notes().create(&c.id, "hello").await.unwrap();
    ghl.notes().list(&c.id).await.unwrap();
    ghl.tasks().list(&c.id).await.unwrap();
    ghl.appointments().list(&c.id).await.unwrap();
    ghl.locations().custom_fields().await.unwrap();
    ghl.locations().tags().await.unwrap();
    ghl.contacts().delete(&c.id).await.unwrap();

    let seen = recording.seen.take();
    assert!(seen.len() >= 15);
    for (method, path, version) in seen.iter() {
        let matching: Vec<_> = endpoints::ALL
            .iter()
            .filter(|ep| ep.method == method && template_matches(ep.path, path))
            .collect();
        assert!(!matching.is_empty(), "{method} {path} is no known endpoint");
        for ep in matching {
            assert_eq!(version, ep.version, "{method} {path}");
            let spec: Value = serde_json::from_str(
                &std::fs::read_to_string(openapi_dir().join(ep.spec)).unwrap(),
            )
            .unwrap();
            let declared = spec["paths"][ep.path][method.to_lowercase()]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == "Version" && p["in"] == "header")
                .map(|p| p["schema"]["enum"].clone());
            assert_eq!(declared, Some(json!([version])), "{method} {}", ep.path);
        }
    }
    let log = sb.requests().await;
    assert_eq!(log.len(), seen.len());
    assert!(
        log.iter()
            .all(|r| (200..300).contains(&r["status"].as_u64().unwrap())),
        "{log:?}"
    );
}

#[tokio::test]
async fn g16_trap_a_request_without_version_gets_400_and_the_sdk_default_is_in_no_spec() {
    let sb = sandbox().await;
    let req = http::Request::builder()
        .method("GET")
        .uri(format!("{}/locations/{LOC}/tags", sb.base))
        .header(
            "Authorization",
            format!("Bearer {}", ghl_sandbox::DEMO_TOKEN),
        )
        .body(Vec::new())
        .unwrap();
    let (status, body) = send(req).await;
    assert_eq!(status, 400, "{body}");
    let err: ApiError = serde_json::from_value(body).unwrap();
    assert_eq!(err.message, ["Version header was not found"]);
    for spec in [
        "apps/contacts.json",
        "apps/locations.json",
        "apps/calendars.json",
    ] {
        let text = std::fs::read_to_string(openapi_dir().join(spec)).unwrap();
        assert!(!text.contains("2023-02-21"), "{spec}");
    }
}

// ---------------------------------------------------------------------------------------------
// G17: rate limits
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g17_paced_requests_stay_under_the_limit() {
    let sb = sandbox_with(json!({"rateMax": 10, "rateWindowMs": 400})).await;
    let ghl = GhlClient::new(
        Paced::new(NativeTransport::default(), TokioClock::new()),
        sb.creds(ghl_sandbox::DEMO_TOKEN, LOC),
    );
    for _ in 0..30 {
        ghl.contacts().count().await.expect("never fails for rate");
    }
    let statuses: Vec<u64> = sb
        .requests()
        .await
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|&&s| s == 200).count(), 30);
    let limited = statuses.iter().filter(|&&s| s == 429).count();
    assert!(limited <= 1, "{limited} 429s: {statuses:?}");
}

#[tokio::test]
async fn g17_trap_a_naive_burst_over_the_budget_gets_a_429() {
    let sb = sandbox_with(json!({"rateMax": 10, "rateWindowMs": 5000})).await;
    let ghl = sb.client();
    let mut results = Vec::new();
    for _ in 0..11 {
        results.push(ghl.contacts().count().await.map_err(|e| e.status()));
    }
    assert!(results[..10].iter().all(Result::is_ok), "{results:?}");
    assert_eq!(results[10], Err(Some(429)));
    let statuses: Vec<u64> = sb
        .requests()
        .await
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|&&s| s == 429).count(), 1);
}

// ---------------------------------------------------------------------------------------------
// G18: tokens rotate
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g18_each_refresh_rotates_the_pair_and_is_never_resent() {
    let sb = sandbox().await;
    let first = sb.oauth_tokens(json!({"locationId": LOC})).await;
    let first_refresh = first["refresh_token"].as_str().unwrap();

    let (status, second) = send(sb.refresh_request(first_refresh)).await;
    assert_eq!(status, 200, "{second}");
    let second_refresh = second["refresh_token"].as_str().unwrap();
    assert_ne!(second_refresh, first_refresh);
    assert_ne!(second["access_token"], first["access_token"]);
    assert_eq!(sb.refresh_record(first_refresh).await["spent"], true);
    assert_eq!(sb.refresh_record(second_refresh).await["spent"], false);

    // The new access token works, and so does the old one until it expires.
    for token in [&second["access_token"], &first["access_token"]] {
        sb.client_as(token.as_str().unwrap(), LOC)
            .contacts()
            .count()
            .await
            .unwrap();
    }

    // The product's retrying transport never resends a refresh, even after a 5xx.
    assert!(!safe_to_retry(&http::Method::POST, "/oauth/token"));
    sb.admin("PUT", "/_admin/config", Some(json!({"errorRate": 1.0})))
        .await;
    sb.clear_requests().await;
    let paced = Paced::new(NativeTransport::default(), TokioClock::new());
    let res = paced
        .call(sb.refresh_request(second_refresh))
        .await
        .unwrap();
    assert!(res.status().is_server_error());
    assert_eq!(sb.logged("POST", "/oauth/token").await.len(), 1);
    assert_eq!(sb.refresh_record(second_refresh).await["spent"], false);

    // The product's token source: two callers at once on an expired pair send exactly one
    // refresh, and the store holds the rotated pair.
    sb.admin("PUT", "/_admin/config", Some(json!({"errorRate": 0.0})))
        .await;
    let third = sb.oauth_tokens(json!({"locationId": LOC})).await;
    let store = MemoryStore::expired(&third);
    let source = OAuthSource::new(sb.token_endpoint(), &store, TokioClock::new());
    sb.clear_requests().await;
    let (a, b) = tokio::join!(source.access_token(), source.access_token());
    assert_eq!(a.unwrap(), b.unwrap());
    assert_eq!(sb.logged("POST", "/oauth/token").await.len(), 1);
    let stored = match store.0.borrow().clone() {
        Some(Connection::Connected { tokens }) => tokens,
        other => panic!("{other:?}"),
    };
    assert_ne!(
        stored.refresh_token,
        third["refresh_token"].as_str().unwrap()
    );
    assert_eq!(
        sb.refresh_record(&stored.refresh_token).await["spent"],
        false
    );
    assert_eq!(
        sb.refresh_record(third["refresh_token"].as_str().unwrap())
            .await["spent"],
        true
    );
}

#[tokio::test]
async fn g18_trap_two_tabs_refreshing_with_one_token_the_second_fails() {
    let sb = sandbox().await;
    let pair = sb.oauth_tokens(json!({"locationId": LOC})).await;
    let refresh = pair["refresh_token"].as_str().unwrap();
    let (first, _) = send(sb.refresh_request(refresh)).await;
    let (second, body) = send(sb.refresh_request(refresh)).await;
    assert_eq!((first, second), (200, 400));
    let err: ApiError = serde_json::from_value(body).unwrap();
    assert_eq!(err.message, ["Invalid grant: refresh token is invalid"]);
    assert_eq!(err.error.as_deref(), Some("invalid_grant"));
}

// ---------------------------------------------------------------------------------------------
// G19: the search body is not in the spec
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g19_search_follows_the_real_contract() {
    let sb = sandbox().await;
    let names = ["Uma", "bea", "Cal", "Dee", "eve", "Fay", "Gus"];
    sb.seed(json!(
        names
            .iter()
            .map(|n| json!({"firstName": n, "email": format!("{}@example.org", n.to_lowercase())}))
            .collect::<Vec<_>>()
    ))
    .await;
    let ghl = sb.client();

    let sorted = ghl
        .contacts()
        .search_pages(
            SearchContacts::new(LOC.into(), 3)
                .sort_by(SortField::FirstNameLowerCase, Direction::Asc),
        )
        .collect_all()
        .await
        .unwrap();
    let got: Vec<&str> = sorted
        .iter()
        .filter_map(|c| c.first_name_lower_case.as_deref())
        .collect();
    assert_eq!(got, ["bea", "cal", "dee", "eve", "fay", "gus", "uma"]);
    assert_eq!(
        sb.logged("POST", "/contacts/search").await.len(),
        3,
        "by searchAfter"
    );

    let either = ghl
        .contacts()
        .search(&SearchContacts::new(LOC.into(), 10).filter(Filter::Group {
            group: Group::Or,
            filters: vec![
                Filter::eq("email", "bea@example.org"),
                Filter::eq("email", "gus@example.org"),
            ],
        }))
        .await
        .unwrap();
    assert_eq!(either.total(), 2);

    // What GHL would refuse is refused before sending.
    sb.clear_requests().await;
    let long = ghl
        .contacts()
        .search(&SearchContacts::new(LOC.into(), 10).query(&"x".repeat(76)))
        .await
        .unwrap_err();
    assert!(matches!(long, Error::Invalid(_)), "{long:?}");
    let deep = ghl
        .contacts()
        .search(&SearchContacts::new(LOC.into(), 500).page(21))
        .await
        .unwrap_err();
    assert!(matches!(deep, Error::Invalid(_)), "{deep:?}");
    assert!(sb.requests().await.is_empty());
    // `page` and `searchAfter` replace each other.
    let body = SearchContacts::new(LOC.into(), 10)
        .page(2)
        .after(vec![json!(1)]);
    let sent = serde_json::to_value(&body).unwrap();
    assert!(sent.get("page").is_none() && sent.get("searchAfter").is_some());
}

#[tokio::test]
async fn g19_trap_bodies_outside_the_contract_get_422() {
    let sb = sandbox().await;
    for body in [
        json!({"locationId": LOC, "pageLimit": 10, "page": 1, "searchAfter": [1, "x"]}),
        json!({"locationId": LOC, "pageLimit": 10, "query": "x".repeat(76)}),
        json!({"locationId": LOC, "pageLimit": 501}),
        json!({"locationId": LOC, "pageLimit": 10, "limit": 10}),
    ] {
        let (status, answer) = sb.raw("POST", "/contacts/search", Some(body.clone())).await;
        assert_eq!(status, 422, "{body} → {answer}");
    }
}

// ---------------------------------------------------------------------------------------------
// G20: search lags behind writes
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g20_a_just_written_contact_is_not_taken_for_missing() {
    let sb = sandbox_with(json!({"searchLagMs": 60_000})).await;
    let ghl = sb.client();
    let zoe = desired("zoe@example.org", None);
    let first = push(&ghl, &zoe).await.unwrap();
    assert_eq!(first.outcome, Outcome::Created);

    // Search does not show it yet …
    let by_email = ghl
        .contacts()
        .search(&SearchContacts::new(LOC.into(), 10).filter(Filter::eq("email", "zoe@example.org")))
        .await
        .unwrap();
    assert!(by_email.contacts.is_empty(), "{by_email:?}");
    assert_eq!(ghl.contacts().count().await.unwrap(), 0);

    // … yet an immediate second push finds it and writes nothing.
    let second = push(&ghl, &zoe).await.unwrap();
    assert_eq!(second.outcome, Outcome::Unchanged);
    assert_eq!(second.contact_id, first.contact_id);
    let contacts = sb.contacts().await;
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["notes"].as_array().unwrap().len(), 1);
    assert_eq!(sb.logged("POST", "/contacts/").await.len(), 1);
}

// ---------------------------------------------------------------------------------------------
// G21: search results are projections
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn g21_search_items_detect_change_and_the_contact_is_read_whole() {
    let sb = sandbox().await;
    let ghl = sb.client();
    let zoe = desired("zoe@example.org", None);
    let id = push(&ghl, &zoe).await.unwrap().contact_id;
    let before = sb.contact(&id.0).await;

    let item = ghl
        .contacts()
        .search(&SearchContacts::new(LOC.into(), 10))
        .await
        .unwrap()
        .contacts
        .remove(0);
    assert_eq!(item.first_name_lower_case.as_deref(), Some("zoë"));
    assert_eq!(item.last_name_lower_case.as_deref(), Some("o'neill-hart"));
    assert_eq!(item.date_updated.as_ref(), Some(&before["dateUpdated"]));

    // The push reads the contact itself, so an unchanged person stays untouched.
    sb.clear_requests().await;
    assert_eq!(push(&ghl, &zoe).await.unwrap().outcome, Outcome::Unchanged);
    assert_eq!(sb.contact(&id.0).await, before);
    assert!(
        sb.logged("PUT", &format!("/contacts/{id}"))
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn g21_trap_a_search_item_read_as_a_contact_would_overwrite_names() {
    let sb = sandbox().await;
    let ghl = sb.client();
    let zoe = desired("zoe@example.org", None);
    push(&ghl, &zoe).await.unwrap();
    let (_, raw) = sb
        .raw(
            "POST",
            "/contacts/search",
            Some(json!({"locationId": LOC, "pageLimit": 10})),
        )
        .await;
    let item = &raw["contacts"][0];
    assert!(
        item.get("firstName").is_none() && item.get("address1").is_none(),
        "{item}"
    );

    let from_search: shared::ghl::Contact = serde_json::from_value(item.clone()).unwrap();
    let whole = ghl.contacts().get(&from_search.id).await.unwrap();
    let ops = plan(&zoe, &LOC.into(), Some(&from_search), Some(&zoe.note));
    assert!(
        matches!(&ops[..], [Op::Update(u)] if u.first_name.as_deref() == Some("Zoë")),
        "a projection looks changed: {ops:?}"
    );
    assert_eq!(
        plan(&zoe, &LOC.into(), Some(&whole), Some(&zoe.note)),
        vec![]
    );
}

// ---------------------------------------------------------------------------------------------
// G22: the deprecated list
// ---------------------------------------------------------------------------------------------

async fn seed_same_timestamp(sb: &Sandbox, n: usize) -> Vec<String> {
    let at = "2021-07-02T05:18:26.704Z";
    let seeded = sb
        .seed(json!(
            (0..n)
                .map(|i| json!({"email": format!("p{i}@example.org"), "dateAdded": at}))
                .collect::<Vec<_>>()
        ))
        .await;
    let mut ids: Vec<String> = seeded
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn g22_the_list_pages_by_start_after_and_start_after_id() {
    let sb = sandbox().await;
    let ids = seed_same_timestamp(&sb, 25).await;
    let ghl = sb.client();

    let listed = ghl
        .contacts()
        .list_pages(10, None)
        .collect_all()
        .await
        .unwrap();
    let mut got: Vec<String> = listed.into_iter().map(|c| c.id.0).collect();
    got.sort();
    assert_eq!(
        got, ids,
        "every contact once, though all share one dateAdded"
    );
    let pages = sb.logged("GET", "/contacts/").await;
    assert_eq!(pages.len(), 3, "{pages:?}");
    for (status, query) in &pages[1..] {
        assert_eq!(*status, 200);
        for key in ["locationId=", "startAfter=", "startAfterId="] {
            assert!(query.contains(key), "{query}");
        }
    }

    // `limit` is at most 100.
    sb.clear_requests().await;
    let all = ghl
        .contacts()
        .list_pages(1000, None)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 25);
    let pages = sb.logged("GET", "/contacts/").await;
    assert_eq!(pages.len(), 1);
    assert!(pages[0].1.contains("limit=100"), "{pages:?}");
}

#[tokio::test]
async fn g22_trap_start_after_alone_loses_contacts_and_limits_are_capped() {
    let sb = sandbox().await;
    seed_same_timestamp(&sb, 25).await;
    let (_, first) = sb
        .raw("GET", &format!("/contacts/?locationId={LOC}"), None)
        .await;
    assert_eq!(
        first["contacts"].as_array().unwrap().len(),
        20,
        "default limit"
    );
    let (_, page) = sb
        .raw(
            "GET",
            &format!("/contacts/?locationId={LOC}&limit=10"),
            None,
        )
        .await;
    let (status, next) = sb
        .raw(
            "GET",
            &format!(
                "/contacts/?locationId={LOC}&limit=10&startAfter={}",
                page["meta"]["startAfter"]
            ),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        next["contacts"].as_array().unwrap().len(),
        0,
        "15 contacts lost without startAfterId"
    );
    let (status, _) = sb
        .raw(
            "GET",
            &format!("/contacts/?locationId={LOC}&limit=101"),
            None,
        )
        .await;
    assert_eq!(status, 422);
}
