//! Contract tests: every request body the client builds, and every response the sandbox sends
//! while the client exercises each endpoint, validate against the official spec (closed), or
//! the overlay where the spec has none. And the spec, closed, refuses the known traps.

mod spec_support;

use std::cell::RefCell;

use serde_json::{Value, json};
use shared::{
    ghl::{
        ContactId, CreateContact, Credentials, CustomFieldInput, GhlClient, NewTask, UpdateContact,
        UpdateNote, UpdateTask, UpsertContact,
        contacts::{BusinessQuery, DuplicateBy},
        search::{Direction, Filter, SearchContacts, SortField},
    },
    transport::{NativeTransport, Transport, TransportError},
};
use spec_support::{Spec, endpoint_of, errors};

/// What crossed the wire.
struct Exchange {
    method: String,
    path: String,
    request: Vec<u8>,
    status: u16,
    response: Vec<u8>,
}

/// A native transport that records every exchange.
#[derive(Default)]
struct Recording {
    inner: NativeTransport,
    log: RefCell<Vec<Exchange>>,
}

impl Transport for Recording {
    async fn call(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        let method = req.method().to_string();
        let path = req.uri().path().to_owned();
        let request = req.body().clone();
        let res = self.inner.call(req).await?;
        self.log.borrow_mut().push(Exchange {
            method,
            path,
            request,
            status: res.status().as_u16(),
            response: res.body().clone(),
        });
        Ok(res)
    }
}

async fn sandbox() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = ghl_sandbox::router(ghl_sandbox::Sandbox::default());
    tokio::spawn(async move { axum::serve(listener, router).await });
    format!("http://{addr}")
}

fn location() -> shared::ghl::LocationId {
    ghl_sandbox::DEMO_LOCATION_ID.into()
}

fn full_create(email: &str, phone: &str, field_id: &str) -> CreateContact {
    CreateContact {
        location_id: location(),
        first_name: Some("Zoë".into()),
        last_name: Some("O'Neill-Hart".into()),
        email: Some(email.into()),
        phone: Some(phone.into()),
        tags: vec!["fitr:active".into()],
        custom_fields: vec![CustomFieldInput {
            id: Some(field_id.into()),
            key: None,
            field_value: json!("Active"),
        }],
        source: Some("FITR".into()),
    }
}

/// Drive every endpoint the client has, against the sandbox, recording the wire.
async fn exercise(ghl: &GhlClient<&Recording>) {
    let fields = ghl.locations().custom_fields().await.unwrap();
    let field = fields
        .first()
        .expect("the sandbox seeds custom fields")
        .id
        .clone();
    let a = ghl
        .contacts()
        .create(&full_create("zoe@example.org", "+447911123456", &field))
        .await
        .unwrap();
    for i in 0..4 {
        let mut c = full_create(
            &format!("c{i}@example.org"),
            &format!("+4479111234{i:02}"),
            &field,
        );
        c.custom_fields.clear();
        ghl.contacts().create(&c).await.unwrap();
    }
    ghl.contacts().get(&a.id).await.unwrap();
    ghl.contacts()
        .update(
            &a.id,
            &UpdateContact {
                first_name: Some("Zoe".into()),
                last_name: Some("Hart".into()),
                email: Some("zoe.hart@example.org".into()),
                phone: Some("+447911123499".into()),
                custom_fields: vec![CustomFieldInput {
                    id: Some(field.clone()),
                    key: None,
                    field_value: json!("Needs Training"),
                }],
            },
        )
        .await
        .unwrap();
    ghl.contacts()
        .find_duplicate(DuplicateBy::Email("ZOE.HART@example.org"))
        .await
        .unwrap();
    ghl.contacts()
        .find_duplicate(DuplicateBy::Phone("+447911123499"))
        .await
        .unwrap();
    ghl.contacts()
        .find_duplicate(DuplicateBy::Email("nobody@example.org"))
        .await
        .unwrap();
    let body = SearchContacts::new(location(), 2)
        .filter(Filter::range(
            "dateUpdated",
            "2000-01-01T00:00:00.000Z",
            None,
        ))
        .sort_by(SortField::DateAdded, Direction::Asc);
    ghl.contacts().search(&body.clone().page(1)).await.unwrap();
    let all = ghl
        .contacts()
        .search_pages(body)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(all.len(), 5, "search_after walks every page once");
    let listed = ghl
        .contacts()
        .list_pages(2, None)
        .collect_all()
        .await
        .unwrap();
    assert_eq!(listed.len(), 5, "the deprecated list walks every page once");
    ghl.contacts()
        .by_business(
            "biz1",
            &BusinessQuery {
                limit: Some(10),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let up = UpsertContact {
        location_id: location(),
        email: Some("c0@example.org".into()),
        first_name: Some("Cee".into()),
        ..Default::default()
    };
    assert!(!ghl.contacts().upsert(&up).await.unwrap().new);
    let fresh = UpsertContact {
        email: Some("new@example.org".into()),
        ..up
    };
    assert!(ghl.contacts().upsert(&fresh).await.unwrap().new);

    ghl.tags()
        .add(&a.id, &["vip".into(), "fitr:program:x".into()])
        .await
        .unwrap();
    ghl.tags()
        .remove(&a.id, &["fitr:program:x".into()])
        .await
        .unwrap();
    let note = ghl
        .notes()
        .create(&a.id, "FITR sync\nStatus: Active")
        .await
        .unwrap();
    ghl.notes().list(&a.id).await.unwrap();
    ghl.notes().get(&a.id, &note.id).await.unwrap();
    ghl.notes()
        .update(
            &a.id,
            &note.id,
            &UpdateNote {
                body: Some("edited".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(ghl.notes().delete(&a.id, &note.id).await.unwrap());
    let task = ghl
        .tasks()
        .create(
            &a.id,
            &NewTask {
                title: "Call about renewal".into(),
                body: Some("Membership ends soon".into()),
                due_date: "2026-12-10T09:00:00Z".into(),
                completed: false,
                assigned_to: None,
            },
        )
        .await
        .unwrap();
    ghl.tasks().list(&a.id).await.unwrap();
    ghl.tasks().get(&a.id, &task.id).await.unwrap();
    ghl.tasks()
        .update(
            &a.id,
            &task.id,
            &UpdateTask {
                title: Some("Call".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(
        ghl.tasks()
            .set_completed(&a.id, &task.id, true)
            .await
            .unwrap()
            .completed
    );
    assert!(ghl.tasks().delete(&a.id, &task.id).await.unwrap());
    ghl.appointments().list(&a.id).await.unwrap();
    ghl.locations().tags().await.unwrap();
    let doomed = CreateContact {
        location_id: location(),
        email: Some("gone@example.org".into()),
        ..Default::default()
    };
    let gone: ContactId = ghl.contacts().create(&doomed).await.unwrap().id;
    assert!(ghl.contacts().delete(&gone).await.unwrap());
}

/// The error answers the client must read: 400, 401, 422 (and their shapes).
async fn provoke_errors(ghl: &GhlClient<&Recording>, rec: &Recording, base: &str) {
    use shared::ghl::endpoints as ep;
    // 422: an unknown property (G4), sent raw since the client cannot build it.
    let raw = ghl
        .prepare(
            &ep::CREATE_CONTACT,
            &[],
            &[],
            Some(&json!({"locationId": ghl_sandbox::DEMO_LOCATION_ID, "additionalEmails": []})),
        )
        .unwrap();
    assert_eq!(rec.call(raw).await.unwrap().status(), 422);
    // 400: a duplicate create.
    let dup = CreateContact {
        location_id: location(),
        email: Some("c1@example.org".into()),
        ..Default::default()
    };
    let err = ghl.contacts().create(&dup).await.unwrap_err();
    assert_eq!(err.status(), Some(400));
    // 401: a wrong token.
    let wrong = GhlClient::new(
        rec,
        Credentials {
            base: base.into(),
            token: "pit-wrong".into(),
            location_id: location(),
        },
    );
    assert_eq!(
        wrong.contacts().count().await.unwrap_err().status(),
        Some(401)
    );
}

#[tokio::test]
async fn every_request_and_response_matches_the_spec() {
    let spec = Spec::load();
    let base = sandbox().await;
    let rec = Recording::default();
    let ghl = GhlClient::new(
        &rec,
        Credentials {
            base: base.clone(),
            token: ghl_sandbox::DEMO_TOKEN.into(),
            location_id: location(),
        },
    );
    exercise(&ghl).await;
    provoke_errors(&ghl, &rec, &base).await;

    let log = rec.log.borrow();
    let mut problems = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for x in log.iter() {
        let ep = endpoint_of(&x.method, &x.path)
            .unwrap_or_else(|| panic!("{} {} is no endpoint of the client", x.method, x.path));
        seen.insert((ep.method, ep.path));
        let what = format!("{} {}", x.method, x.path);
        if !x.request.is_empty() && x.status != 422 {
            let body: Value = serde_json::from_slice(&x.request).unwrap();
            match spec.request_schema(ep) {
                Some(s) => problems.extend(
                    errors(&s, &body)
                        .into_iter()
                        .map(|e| format!("{what} request: {e}")),
                ),
                None => problems.push(format!("{what}: sent a body, but the endpoint takes none")),
            }
        }
        assert!(
            (200..300).contains(&x.status) || [400, 401, 422].contains(&x.status),
            "{what} answered {}: {}",
            x.status,
            String::from_utf8_lossy(&x.response)
        );
        let body: Value = serde_json::from_slice(&x.response).unwrap();
        match spec.response_schema(ep, x.status) {
            Some(s) => problems.extend(
                errors(&s, &body)
                    .into_iter()
                    .map(|e| format!("{what} → {}: {e}", x.status)),
            ),
            None => problems.push(format!(
                "{what} → {}: no schema in the spec nor the overlay",
                x.status
            )),
        }
    }
    let missing: Vec<_> = shared::ghl::endpoints::ALL
        .iter()
        .filter(|ep| !seen.contains(&(ep.method, ep.path)))
        .map(|ep| format!("{} {}", ep.method, ep.path))
        .collect();
    assert!(missing.is_empty(), "endpoints not exercised: {missing:?}");
    for status in [400, 401, 422] {
        assert!(
            log.iter().any(|x| x.status == status),
            "no {status} was checked"
        );
    }
    assert!(
        problems.is_empty(),
        "{} contract problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn the_closed_spec_refuses_the_known_traps() {
    use shared::ghl::endpoints as ep;
    let spec = Spec::load();
    let update = spec.request_schema(&ep::UPDATE_CONTACT).unwrap();
    assert!(errors(&update, &json!({"firstName": "A"})).is_empty());
    assert!(
        !errors(&update, &json!({"firstName": "A", "gender": "female"})).is_empty(),
        "G3"
    );
    let create = spec.request_schema(&ep::CREATE_CONTACT).unwrap();
    let ok = json!({"locationId": "l", "customFields": [{"id": "f", "field_value": "x"}]});
    assert!(
        errors(&create, &ok).is_empty(),
        "{:?}",
        errors(&create, &ok)
    );
    let bad = json!({"locationId": "l", "customFields": [{"fieldId": "f", "field_value": "x"}]});
    assert!(!errors(&create, &bad).is_empty(), "G8: fieldId");
    assert!(
        !errors(&create, &json!({"locationId": "l", "additionalEmails": []})).is_empty(),
        "G4"
    );
    let search = spec.request_schema(&ep::SEARCH_CONTACTS).unwrap();
    assert!(!errors(&search, &json!({})).is_empty(), "G2");
    assert!(
        !errors(
            &search,
            &json!({"locationId": "l", "pageLimit": 10, "page": 1, "searchAfter": [1]})
        )
        .is_empty()
    );
    assert!(errors(&search, &json!({"locationId": "l", "pageLimit": 10})).is_empty());
}
