//! `POST /contacts/upsert`, `GET /contacts/business/{businessId}` and `GET /locations/{id}/tags`.

mod common;

use common::{Server, start};
use ghl_sandbox::{DEMO_LOCATION_ID, OTHER_LOCATION_ID, OTHER_TOKEN};
use serde_json::{Value, json};

async fn upsert(server: &Server, fields: Value) -> common::Reply {
    let mut body = json!({ "locationId": DEMO_LOCATION_ID });
    if let (Some(body), Some(fields)) = (body.as_object_mut(), fields.as_object()) {
        body.extend(fields.clone());
    }
    server.call("POST", "/contacts/upsert", Some(body)).await
}

fn contact_count(state: &Value) -> usize {
    state["locations"][DEMO_LOCATION_ID]["contacts"]
        .as_array()
        .map_or(0, Vec::len)
}

#[tokio::test]
async fn upsert_creates_then_updates_the_same_contact() {
    let server = start().await;
    let created = upsert(
        &server,
        json!({"firstName": "Ann", "email": "Ann@Example.com", "tags": ["Lead"], "gender": "female"}),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    assert_eq!(created.body["new"], true);
    let trace = created.body["traceId"].as_str().expect("traceId");
    assert_eq!(trace.len(), 36);
    let contact = &created.body["contact"];
    let id = contact["id"].as_str().expect("id").to_string();
    assert_eq!(contact["email"], "Ann@Example.com");
    assert_eq!(contact["tags"], json!(["lead"]));

    let updated = upsert(
        &server,
        json!({"email": "ann@example.com", "lastName": "Lee", "phone": "(555) 010-9999", "tags": ["vip"]}),
    )
    .await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.body["new"], false);
    assert_ne!(updated.body["traceId"], created.body["traceId"]);
    let after = &updated.body["contact"];
    assert_eq!(after["id"], id.as_str());
    assert_eq!(after["firstName"], "Ann");
    assert_eq!(after["lastName"], "Lee");
    assert_eq!(after["phone"], "+15550109999");
    assert_eq!(after["tags"], json!(["vip"]), "tags are replaced");

    let by_phone = upsert(
        &server,
        json!({"phone": "+1 555 010 9999", "city": "Leeds"}),
    )
    .await;
    assert_eq!(by_phone.body["new"], false);
    assert_eq!(by_phone.body["contact"]["id"], id.as_str());
    assert_eq!(by_phone.body["contact"]["city"], "Leeds");

    let read = server.call("GET", &format!("/contacts/{id}"), None).await;
    assert_eq!(read.body["contact"], by_phone.body["contact"]);
    let state = server.admin("GET", "/_admin/state", None).await;
    assert_eq!(contact_count(&state.body), 1);
}

#[tokio::test]
async fn upsert_follows_the_duplicate_setting() {
    let server = start().await;
    let by_email = server
        .create(json!({"email": "e@example.com", "firstName": "Email"}))
        .await;
    let by_phone = server
        .create(json!({"phone": "+15550001111", "firstName": "Phone"}))
        .await;

    // Email is the primary field: the email's contact is updated and the phone, which belongs to
    // another contact, is left out so that no duplicate results.
    let both = upsert(
        &server,
        json!({"email": "e@example.com", "phone": "+15550001111", "lastName": "Both"}),
    )
    .await;
    assert_eq!(both.status, 200, "{}", both.body);
    assert_eq!(both.body["new"], false);
    assert_eq!(both.body["contact"]["id"], by_email["id"]);
    assert_eq!(both.body["contact"]["lastName"], "Both");
    assert!(both.body["contact"].get("phone").is_none());

    server
        .admin(
            "PUT",
            "/_admin/config",
            Some(json!({"duplicatePrimaryField": "phone"})),
        )
        .await;
    let phone_first = upsert(
        &server,
        json!({"email": "e@example.com", "phone": "+15550001111", "lastName": "Phone first"}),
    )
    .await;
    assert_eq!(phone_first.body["contact"]["id"], by_phone["id"]);
    assert!(phone_first.body["contact"].get("email").is_none());

    server
        .admin(
            "PUT",
            "/_admin/config",
            Some(json!({"allowDuplicates": true})),
        )
        .await;
    let forced = upsert(
        &server,
        json!({"email": "e@example.com", "createNewIfDuplicateAllowed": true}),
    )
    .await;
    assert_eq!(forced.body["new"], true);
    assert_ne!(forced.body["contact"]["id"], by_email["id"]);
    let state = server.admin("GET", "/_admin/state", None).await;
    assert_eq!(contact_count(&state.body), 3);

    server
        .admin(
            "PUT",
            "/_admin/config",
            Some(json!({"allowDuplicates": false})),
        )
        .await;
    let ignored = upsert(
        &server,
        json!({"phone": "+15550001111", "createNewIfDuplicateAllowed": true}),
    )
    .await;
    assert_eq!(
        ignored.body["new"], false,
        "the flag is ignored when duplicates are not allowed"
    );
}

#[tokio::test]
async fn upsert_refuses_unknown_properties_and_other_locations() {
    let server = start().await;
    let unknown = upsert(
        &server,
        json!({"email": "x@example.com", "additionalEmails": []}),
    )
    .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(
        unknown.body,
        json!({"statusCode": 422, "message": ["property additionalEmails should not exist"], "error": "Unprocessable Entity"})
    );
    let typed = upsert(
        &server,
        json!({"email": "nope", "createNewIfDuplicateAllowed": "yes"}),
    )
    .await;
    assert_eq!(typed.status, 422);
    assert_eq!(typed.body["message"].as_array().map(Vec::len), Some(2));
    let no_location = server
        .call(
            "POST",
            "/contacts/upsert",
            Some(json!({"email": "x@example.com"})),
        )
        .await;
    assert_eq!(no_location.status, 422);
    let other = server
        .call(
            "POST",
            "/contacts/upsert",
            Some(json!({"locationId": OTHER_LOCATION_ID, "email": "x@example.com"})),
        )
        .await;
    assert_eq!(other.status, 403);
    let state = server.admin("GET", "/_admin/state", None).await;
    assert_eq!(contact_count(&state.body), 0);
}

#[tokio::test]
async fn contacts_of_a_business_page_and_filter() {
    let server = start().await;
    let seeded = server
        .admin(
            "POST",
            "/_admin/seed",
            Some(json!({"locationId": DEMO_LOCATION_ID, "contacts": [
                {"firstName": "Ann", "email": "ann@gym.com", "businessId": "biz000000000000000001", "dateAdded": "2024-01-01T00:00:00.000Z", "source": "form", "timezone": "Europe/London"},
                {"firstName": "Bob", "email": "bob@gym.com", "businessId": "biz000000000000000001", "dateAdded": "2024-01-02T00:00:00.000Z"},
                {"firstName": "Cy", "email": "cy@gym.com", "businessId": "biz000000000000000001", "dateAdded": "2024-01-03T00:00:00.000Z", "tags": ["vip"]},
                {"firstName": "Dee", "email": "dee@else.com", "businessId": "biz000000000000000002"},
                {"firstName": "Eve", "email": "eve@none.com"},
            ]})),
        )
        .await;
    assert_eq!(seeded.status, 201, "{}", seeded.body);
    let path = |query: &str| format!("/contacts/business/biz000000000000000001?{query}");

    let all = server
        .call(
            "GET",
            &path(&format!("locationId={DEMO_LOCATION_ID}")),
            None,
        )
        .await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.body["count"], 3);
    let emails: Vec<&Value> = all.body["contacts"]
        .as_array()
        .expect("contacts")
        .iter()
        .map(|c| &c["email"])
        .collect();
    assert_eq!(
        emails,
        [
            &json!("cy@gym.com"),
            &json!("bob@gym.com"),
            &json!("ann@gym.com")
        ]
    );
    let ann = &all.body["contacts"][2];
    assert_eq!(ann["businessId"], "biz000000000000000001");
    assert_eq!(ann["source"], "form");
    assert_eq!(ann["timezone"], "Europe/London");
    assert_eq!(ann["followers"], json!([]));
    assert_eq!(ann["attributions"], json!([]));
    assert!(
        ann.get("firstName").is_none(),
        "ContactsSearchSchema has no names"
    );

    let page = server
        .call(
            "GET",
            &path(&format!("locationId={DEMO_LOCATION_ID}&limit=1&skip=1")),
            None,
        )
        .await;
    assert_eq!(page.body["count"], 3);
    assert_eq!(page.body["contacts"][0]["email"], "bob@gym.com");
    let query = server
        .call(
            "GET",
            &path(&format!("locationId={DEMO_LOCATION_ID}&query=ANN")),
            None,
        )
        .await;
    assert_eq!(query.body["count"], 1);

    let no_location = server.call("GET", &path("limit=5"), None).await;
    assert_eq!(no_location.status, 403);
    let other = server
        .call_as(
            OTHER_TOKEN,
            "GET",
            &path(&format!("locationId={DEMO_LOCATION_ID}")),
            None,
        )
        .await;
    assert_eq!(other.status, 403);
    let other_own = server
        .call_as(
            OTHER_TOKEN,
            "GET",
            &path(&format!("locationId={OTHER_LOCATION_ID}")),
            None,
        )
        .await;
    assert_eq!(other_own.body, json!({"contacts": [], "count": 0}));
    let bad = server
        .call(
            "GET",
            &path(&format!("locationId={DEMO_LOCATION_ID}&limit=x&page=2")),
            None,
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        bad.body["message"],
        json!([
            "property page should not exist",
            "limit must be a number conforming to the specified constraints"
        ])
    );
    let unknown = server
        .call(
            "GET",
            &format!("/contacts/business/none?locationId={DEMO_LOCATION_ID}"),
            None,
        )
        .await;
    assert_eq!(unknown.body, json!({"contacts": [], "count": 0}));
}

#[tokio::test]
async fn location_tags_list_every_tag_used_or_made() {
    let server = start().await;
    let c = server
        .create(json!({"email": "t@example.com", "tags": ["Lead", "hyrox"]}))
        .await;
    let id = c["id"].as_str().expect("id");
    server
        .call(
            "POST",
            &format!("/contacts/{id}/tags"),
            Some(json!({"tags": ["VIP"]})),
        )
        .await;
    server
        .call(
            "DELETE",
            &format!("/contacts/{id}/tags"),
            Some(json!({"tags": ["hyrox"]})),
        )
        .await;
    let made = server
        .admin(
            "POST",
            "/_admin/tags",
            Some(json!({"locationId": DEMO_LOCATION_ID, "name": " Alumni "})),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert_eq!(made.body["tag"]["name"], "alumni");
    let again = server
        .admin(
            "POST",
            "/_admin/tags",
            Some(json!({"locationId": DEMO_LOCATION_ID, "name": "alumni"})),
        )
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body["tag"]["id"], made.body["tag"]["id"]);

    let path = format!("/locations/{DEMO_LOCATION_ID}/tags");
    let listed = server.call("GET", &path, None).await;
    assert_eq!(listed.status, 200);
    let tags = listed.body["tags"].as_array().expect("tags");
    let names: Vec<&Value> = tags.iter().map(|t| &t["name"]).collect();
    assert_eq!(
        names,
        [
            &json!("alumni"),
            &json!("hyrox"),
            &json!("lead"),
            &json!("vip")
        ]
    );
    for tag in tags {
        assert_eq!(tag["locationId"], DEMO_LOCATION_ID);
        assert_eq!(tag["id"].as_str().map(str::len), Some(20));
        let mut keys: Vec<&String> = tag.as_object().expect("object").keys().collect();
        keys.sort();
        assert_eq!(keys, ["id", "locationId", "name"]);
    }
    let again = server.call("GET", &path, None).await;
    assert_eq!(again.body, listed.body, "ids are stable");

    let other = server.call_as(OTHER_TOKEN, "GET", &path, None).await;
    assert_eq!(other.status, 403);
    let own = server
        .call_as(
            OTHER_TOKEN,
            "GET",
            &format!("/locations/{OTHER_LOCATION_ID}/tags"),
            None,
        )
        .await;
    assert_eq!(own.body, json!({"tags": []}));
    let bad = server
        .admin(
            "POST",
            "/_admin/tags",
            Some(json!({"locationId": DEMO_LOCATION_ID, "name": "x", "color": "red"})),
        )
        .await;
    assert_eq!(bad.status, 422);
}
