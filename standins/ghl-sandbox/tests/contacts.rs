//! The contacts endpoints over HTTP, as GHL answers them.

mod common;

use common::{is_iso_millis, start};
use ghl_sandbox::{
    DEMO_LOCATION_ID, OTHER_LOCATION_ID, OTHER_TOKEN, store::DEMO_FIELD_MEMBERSHIP_PLAN,
};
use serde_json::{Value, json};

#[tokio::test]
async fn create_then_get_returns_the_full_contact() {
    let server = start().await;
    let created = server
        .create(json!({
            "firstName": "Rosan", "lastName": "Deo", "email": "Rosan@Deos.com",
            "phone": "+1 888-888-8888", "tags": ["Lead", " hyrox ", "lead"], "source": "public api",
            "customFields": [{"key": "contact.membership_plan", "field_value": "Gold"}],
        }))
        .await;
    let id = created["id"].as_str().expect("id");
    assert_eq!(id.len(), 20);
    assert!(id.chars().all(|c| c.is_ascii_alphanumeric()));

    let reply = server.call("GET", &format!("/contacts/{id}"), None).await;
    assert_eq!(reply.status, 200);
    let contact = &reply.body["contact"];
    // The create answer is the same contact, without `name` (CreateContactSchema has none).
    let mut got = contact.clone();
    got.as_object_mut().unwrap().remove("name");
    assert_eq!(got, created);
    assert_eq!(contact["name"], "Rosan Deo");
    assert_eq!(contact["locationId"], DEMO_LOCATION_ID);
    assert_eq!(contact["firstName"], "Rosan");
    assert_eq!(contact["firstNameLowerCase"], "rosan");
    assert_eq!(contact["lastNameLowerCase"], "deo");
    assert_eq!(contact["fullNameLowerCase"], "rosan deo");
    assert_eq!(contact["email"], "Rosan@Deos.com");
    assert_eq!(contact["emailLowerCase"], "rosan@deos.com");
    assert_eq!(contact["phone"], "+18888888888");
    assert_eq!(contact["tags"], json!(["lead", "hyrox"]));
    assert_eq!(
        contact["customFields"],
        json!([{"id": DEMO_FIELD_MEMBERSHIP_PLAN, "value": "Gold"}])
    );
    assert_eq!(contact["type"], "lead");
    assert_eq!(contact["dnd"], false);
    assert_eq!(contact["source"], "public api");
    assert!(
        is_iso_millis(&contact["dateAdded"]),
        "{}",
        contact["dateAdded"]
    );
    assert!(is_iso_millis(&contact["dateUpdated"]));
}

#[tokio::test]
async fn create_refuses_unknown_properties_with_an_array_message() {
    let server = start().await;
    let body =
        json!({"locationId": DEMO_LOCATION_ID, "email": "a@b.co", "additionalEmails": ["x@y.co"]});
    let reply = server.call("POST", "/contacts/", Some(body)).await;
    assert_eq!(reply.status, 422);
    assert_eq!(
        reply.body,
        json!({"statusCode": 422, "message": ["property additionalEmails should not exist"], "error": "Unprocessable Entity"})
    );
    let found = server
        .call(
            "GET",
            &format!("/contacts/search/duplicate?locationId={DEMO_LOCATION_ID}&email=a%40b.co"),
            None,
        )
        .await;
    assert_eq!(found.body, json!({"contact": null}), "nothing was stored");
}

#[tokio::test]
async fn create_checks_location_and_json() {
    let server = start().await;
    let missing = server
        .call("POST", "/contacts/", Some(json!({"firstName": "A"})))
        .await;
    assert_eq!(missing.status, 422);
    assert!(missing.body["message"].is_array());

    let other = server
        .call(
            "POST",
            "/contacts/",
            Some(json!({"locationId": OTHER_LOCATION_ID, "firstName": "A"})),
        )
        .await;
    assert_eq!(other.status, 403);
    assert_eq!(
        other.body,
        json!({"statusCode": 403, "message": "The token does not have access to this location."})
    );

    let auth = format!("Bearer {}", ghl_sandbox::DEMO_TOKEN);
    let headers = [
        ("authorization", auth.as_str()),
        ("version", "2021-07-28"),
        ("content-type", "application/json"),
    ];
    let malformed = server
        .raw("POST", "/contacts/", &headers, Some("{\"locationId\": "))
        .await;
    assert_eq!(malformed.status, 400);
    assert!(malformed.body["message"].is_string(), "{}", malformed.body);
}

#[tokio::test]
async fn duplicate_email_or_phone_is_refused_with_meta() {
    let server = start().await;
    let first = server
        .create(json!({"firstName": "Ann", "lastName": "Lee", "email": "ann@example.com", "phone": "+15550001111"}))
        .await;
    let by_email = server
        .call(
            "POST",
            "/contacts/",
            Some(json!({"locationId": DEMO_LOCATION_ID, "email": "ANN@example.com"})),
        )
        .await;
    assert_eq!(by_email.status, 400);
    assert_eq!(
        by_email.body,
        json!({"statusCode": 400, "message": "This location does not allow duplicated contacts.",
               "meta": {"contactName": "Ann Lee", "contactId": first["id"], "matchingField": "email"}})
    );
    let by_phone = server
        .call(
            "POST",
            "/contacts/",
            Some(json!({"locationId": DEMO_LOCATION_ID, "phone": "(555) 000-1111"})),
        )
        .await;
    assert_eq!(by_phone.status, 400);
    assert_eq!(by_phone.body["meta"]["matchingField"], "phone");
}

#[tokio::test]
async fn update_refuses_gender_company_and_location() {
    let server = start().await;
    let contact = server.create(json!({"firstName": "Ann"})).await;
    let path = format!("/contacts/{}", contact["id"].as_str().unwrap());
    for property in ["gender", "companyName", "locationId"] {
        let reply = server
            .call(
                "PUT",
                &path,
                Some(json!({ property: "x", "firstName": "B" })),
            )
            .await;
        assert_eq!(reply.status, 422, "{property}");
        assert_eq!(
            reply.body["message"],
            json!([format!("property {property} should not exist")])
        );
        assert_eq!(reply.body["error"], "Unprocessable Entity");
    }
    let unchanged = server.call("GET", &path, None).await;
    assert_eq!(unchanged.body["contact"]["firstName"], "Ann");
}

#[tokio::test]
async fn update_with_tags_replaces_every_tag() {
    let server = start().await;
    let contact = server
        .create(json!({"firstName": "Ann", "tags": ["lead", "hyrox"]}))
        .await;
    let path = format!("/contacts/{}", contact["id"].as_str().unwrap());
    let reply = server
        .call(
            "PUT",
            &path,
            Some(json!({"tags": ["VIP"], "lastName": "Lee"})),
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["succeded"], true);
    assert_eq!(reply.body["contact"]["tags"], json!(["vip"]));
    assert_eq!(reply.body["contact"]["lastName"], "Lee");
    let read = server.call("GET", &path, None).await;
    assert_eq!(read.body["contact"]["tags"], json!(["vip"]));
    assert_eq!(
        read.body["contact"]["firstName"], "Ann",
        "fields not sent are kept"
    );
}

#[tokio::test]
async fn tags_are_added_and_removed() {
    let server = start().await;
    let contact = server.create(json!({"tags": ["lead"]})).await;
    let path = format!("/contacts/{}/tags", contact["id"].as_str().unwrap());
    let added = server
        .call(
            "POST",
            &path,
            Some(json!({"tags": ["VIP", " lead ", "fitr:active"]})),
        )
        .await;
    assert_eq!(added.status, 201);
    assert_eq!(added.body, json!({"tags": ["lead", "vip", "fitr:active"]}));
    let removed = server
        .call("DELETE", &path, Some(json!({"tags": ["Lead", "unknown"]})))
        .await;
    assert_eq!(removed.status, 200);
    assert_eq!(removed.body, json!({"tags": ["vip", "fitr:active"]}));
    let bad = server.call("POST", &path, Some(json!({"tag": "x"}))).await;
    assert_eq!(bad.status, 422);
}

#[tokio::test]
async fn notes_are_created_and_listed_newest_first() {
    let server = start().await;
    let contact = server.create(json!({"firstName": "Ann"})).await;
    let id = contact["id"].as_str().unwrap();
    let path = format!("/contacts/{id}/notes");
    let first = server
        .call(
            "POST",
            &path,
            Some(json!({"body": "first", "userId": "user0000000000000001"})),
        )
        .await;
    assert_eq!(first.status, 201);
    let note = &first.body["note"];
    assert_eq!(note["body"], "first");
    assert_eq!(note["userId"], "user0000000000000001");
    assert_eq!(note["contactId"], id);
    assert!(is_iso_millis(&note["dateAdded"]));
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = server
        .call(
            "POST",
            &path,
            Some(json!({"body": "second", "pinned": true})),
        )
        .await;
    assert_eq!(second.status, 201);
    let listed = server.call("GET", &path, None).await;
    let bodies: Vec<&Value> = listed.body["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| &n["body"])
        .collect();
    assert_eq!(bodies, [&json!("second"), &json!("first")]);
    let empty = server
        .call("POST", &path, Some(json!({"title": "no body"})))
        .await;
    assert_eq!(empty.status, 422);
}

#[tokio::test]
async fn duplicate_lookup_by_email_and_encoded_number() {
    let server = start().await;
    let contact = server
        .create(json!({"email": "Test+ABC@gmail.com", "phone": "+18887772222"}))
        .await;
    let base = format!("/contacts/search/duplicate?locationId={DEMO_LOCATION_ID}");

    let by_email = server
        .call("GET", &format!("{base}&email=test%2Babc%40GMAIL.com"), None)
        .await;
    assert_eq!(by_email.status, 200);
    assert_eq!(by_email.body["contact"]["id"], contact["id"]);
    let raw_plus_email = server
        .call("GET", &format!("{base}&email=test+abc@gmail.com"), None)
        .await;
    assert_eq!(
        raw_plus_email.body,
        json!({"contact": null}),
        "a raw + is a space"
    );

    let by_number = server
        .call("GET", &format!("{base}&number=%2B18887772222"), None)
        .await;
    assert_eq!(by_number.body["contact"]["id"], contact["id"]);
    let raw_plus = server
        .call("GET", &format!("{base}&number=+18887772222"), None)
        .await;
    assert_eq!(
        raw_plus.body,
        json!({"contact": null}),
        "a raw + is a space"
    );
    let unknown = server
        .call("GET", &format!("{base}&email=nobody%40example.com"), None)
        .await;
    assert_eq!(unknown.body, json!({"contact": null}));

    let no_location = server
        .call("GET", "/contacts/search/duplicate?email=a%40b.co", None)
        .await;
    assert_eq!(no_location.status, 403);
}

#[tokio::test]
async fn another_locations_contacts_are_out_of_reach() {
    let server = start().await;
    let contact = server
        .create(json!({"firstName": "Ann", "email": "ann@example.com"}))
        .await;
    let path = format!("/contacts/{}", contact["id"].as_str().unwrap());

    let read = server.call_as(OTHER_TOKEN, "GET", &path, None).await;
    assert_eq!(read.status, 400);
    assert_eq!(
        read.body,
        json!({"statusCode": 400, "message": "Contact not found"})
    );
    let write = server
        .call_as(OTHER_TOKEN, "PUT", &path, Some(json!({"firstName": "X"})))
        .await;
    assert_eq!(write.status, 400);
    let tags = server
        .call_as(
            OTHER_TOKEN,
            "POST",
            &format!("{path}/tags"),
            Some(json!({"tags": ["x"]})),
        )
        .await;
    assert_eq!(tags.status, 400);

    let search = server
        .call_as(
            OTHER_TOKEN,
            "POST",
            "/contacts/search",
            Some(json!({"locationId": DEMO_LOCATION_ID, "pageLimit": 10})),
        )
        .await;
    assert_eq!(search.status, 403);
    let dup = server
        .call_as(
            OTHER_TOKEN,
            "GET",
            &format!(
                "/contacts/search/duplicate?locationId={DEMO_LOCATION_ID}&email=ann%40example.com"
            ),
            None,
        )
        .await;
    assert_eq!(dup.status, 403);
    let own = server
        .call_as(
            OTHER_TOKEN,
            "GET",
            &format!(
                "/contacts/search/duplicate?locationId={OTHER_LOCATION_ID}&email=ann%40example.com"
            ),
            None,
        )
        .await;
    assert_eq!(own.body, json!({"contact": null}));
    let unchanged = server.call("GET", &path, None).await;
    assert_eq!(unchanged.body["contact"]["firstName"], "Ann");
}

#[tokio::test]
async fn search_requires_its_paging_fields_and_pages() {
    let server = start().await;
    let empty = server
        .call("POST", "/contacts/search", Some(json!({})))
        .await;
    assert_eq!(empty.status, 422);
    assert!(
        empty.body["message"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
    );
    let too_big = server
        .call(
            "POST",
            "/contacts/search",
            Some(json!({"locationId": DEMO_LOCATION_ID, "pageLimit": 501})),
        )
        .await;
    assert_eq!(too_big.status, 422);
    let unknown = server
        .call(
            "POST",
            "/contacts/search",
            Some(json!({"locationId": DEMO_LOCATION_ID, "pageLimit": 5, "limit": 5})),
        )
        .await;
    assert_eq!(
        unknown.body["message"],
        json!(["property limit should not exist"])
    );

    for name in ["Alice", "Bob", "Carol"] {
        server
            .create(
                json!({"firstName": name, "email": format!("{}@example.com", name.to_lowercase())}),
            )
            .await;
    }
    let page = |page: u64| {
        json!({"locationId": DEMO_LOCATION_ID, "pageLimit": 2, "page": page,
                                  "sort": [{"field": "firstNameLowerCase", "direction": "asc"}]})
    };
    let first = server.call("POST", "/contacts/search", Some(page(1))).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["total"], 3);
    let names: Vec<&Value> = first.body["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["firstNameLowerCase"])
        .collect();
    assert_eq!(names, [&json!("alice"), &json!("bob")]);
    assert!(
        first.body["contacts"][0].get("firstName").is_none(),
        "G21: a projection"
    );
    let second = server.call("POST", "/contacts/search", Some(page(2))).await;
    assert_eq!(second.body["contacts"][0]["firstNameLowerCase"], "carol");

    let query = server
        .call(
            "POST",
            "/contacts/search",
            Some(json!({"locationId": DEMO_LOCATION_ID, "pageLimit": 10, "query": "CAR"})),
        )
        .await;
    assert_eq!(query.body["total"], 1);
}

#[tokio::test]
async fn deprecated_listing_pages_with_its_cursor() {
    let server = start().await;
    for i in 0..3 {
        server
            .create(json!({"email": format!("p{i}@example.com")}))
            .await;
    }
    let too_many = server
        .call(
            "GET",
            &format!("/contacts/?locationId={DEMO_LOCATION_ID}&limit=101"),
            None,
        )
        .await;
    assert_eq!(too_many.status, 422);
    let no_location = server.call("GET", "/contacts/?limit=2", None).await;
    assert_eq!(no_location.status, 403, "G7");

    let first = server
        .call(
            "GET",
            &format!("/contacts/?locationId={DEMO_LOCATION_ID}&limit=2"),
            None,
        )
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.body["contacts"].as_array().unwrap().len(), 2);
    let meta = &first.body["meta"];
    assert_eq!(meta["total"], 3);
    let next = format!(
        "/contacts/?locationId={DEMO_LOCATION_ID}&limit=2&startAfter={}&startAfterId={}",
        meta["startAfter"],
        meta["startAfterId"].as_str().unwrap()
    );
    let second = server.call("GET", &next, None).await;
    assert_eq!(second.body["contacts"].as_array().unwrap().len(), 1);
    assert_eq!(second.body["meta"]["nextPage"], Value::Null);
}

#[tokio::test]
async fn delete_answers_the_misspelled_key_and_custom_fields_are_listed() {
    let server = start().await;
    let contact = server.create(json!({"firstName": "Ann"})).await;
    let path = format!("/contacts/{}", contact["id"].as_str().unwrap());
    let deleted = server.call("DELETE", &path, None).await;
    assert_eq!(deleted.body, json!({"succeded": true}));
    assert_eq!(server.call("GET", &path, None).await.status, 400);

    let fields = server
        .call(
            "GET",
            &format!("/locations/{DEMO_LOCATION_ID}/customFields"),
            None,
        )
        .await;
    assert_eq!(fields.status, 200);
    let keys: Vec<&Value> = fields.body["customFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| &f["fieldKey"])
        .collect();
    assert!(keys.contains(&&json!("contact.membership_plan")));
    let other = server
        .call(
            "GET",
            &format!("/locations/{OTHER_LOCATION_ID}/customFields"),
            None,
        )
        .await;
    assert_eq!(other.status, 403);
}
