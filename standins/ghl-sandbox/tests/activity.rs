//! A contact's tasks, single notes and appointments over HTTP.

mod common;

use common::{Server, is_iso_millis, start};
use ghl_sandbox::{OTHER_TOKEN, store::DEMO_CALENDAR_ID};
use serde_json::{Value, json};

async fn contact(server: &Server, email: &str) -> String {
    let created = server.create(json!({ "email": email })).await;
    created["id"].as_str().expect("id").to_string()
}

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    keys
}

#[tokio::test]
async fn tasks_create_list_get_update_complete_delete() {
    let server = start().await;
    let id = contact(&server, "tasks@example.com").await;
    let base = format!("/contacts/{id}/tasks");

    let created = server
        .call(
            "POST",
            &base,
            Some(json!({"title": "Call back", "body": "about the plan", "dueDate": "2024-05-01T10:00:00Z",
                        "completed": false, "assignedTo": "user0000000000000001"})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let task = created.body["task"].clone();
    assert_eq!(
        keys(&task),
        [
            "assignedTo",
            "body",
            "completed",
            "contactId",
            "dueDate",
            "id",
            "title"
        ]
    );
    assert_eq!(task["contactId"], id.as_str());
    assert_eq!(task["dueDate"], "2024-05-01T10:00:00.000Z");
    assert!(is_iso_millis(&task["dueDate"]));
    assert_eq!(task["completed"], false);
    let task_id = task["id"].as_str().expect("task id").to_string();

    let listed = server.call("GET", &base, None).await;
    assert_eq!(listed.status, 200);
    assert_eq!(listed.body, json!({ "tasks": [task.clone()] }));
    let one = server.call("GET", &format!("{base}/{task_id}"), None).await;
    assert_eq!(one.body, json!({ "task": task.clone() }));

    let updated = server
        .call(
            "PUT",
            &format!("{base}/{task_id}"),
            Some(json!({"title": "Call again", "dueDate": "2024-05-02T09:30:00+02:00"})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["task"]["title"], "Call again");
    assert_eq!(updated.body["task"]["body"], "about the plan");
    assert_eq!(updated.body["task"]["dueDate"], "2024-05-02T07:30:00.000Z");

    let done = server
        .call(
            "PUT",
            &format!("{base}/{task_id}/completed"),
            Some(json!({"completed": true})),
        )
        .await;
    assert_eq!(done.status, 200);
    assert_eq!(done.body["task"]["completed"], true);

    let deleted = server
        .call("DELETE", &format!("{base}/{task_id}"), None)
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(deleted.body, json!({ "succeded": true }));
    let gone = server.call("GET", &format!("{base}/{task_id}"), None).await;
    assert_eq!(gone.status, 400);
    assert_eq!(
        gone.body,
        json!({"statusCode": 400, "message": "Task not found"})
    );
    assert_eq!(
        server.call("GET", &base, None).await.body,
        json!({"tasks": []})
    );
}

#[tokio::test]
async fn task_bodies_are_closed_and_typed() {
    let server = start().await;
    let id = contact(&server, "closed@example.com").await;
    let base = format!("/contacts/{id}/tasks");
    let unknown = server
        .call(
            "POST",
            &base,
            Some(json!({"title": "T", "dueDate": "2024-05-01T10:00:00Z", "completed": false, "priority": "high"})),
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(
        unknown.body,
        json!({"statusCode": 422, "message": ["property priority should not exist"], "error": "Unprocessable Entity"})
    );
    let missing = server.call("POST", &base, Some(json!({}))).await;
    assert_eq!(missing.status, 422);
    let messages = missing.body["message"].as_array().expect("array");
    assert!(messages.contains(&json!("title should not be empty")));
    assert!(messages.contains(&json!("dueDate must be a valid ISO 8601 date string")));
    assert!(messages.contains(&json!("completed must be a boolean value")));

    let created = server
        .call(
            "POST",
            &base,
            Some(json!({"title": "T", "dueDate": "2024-05-01", "completed": false})),
        )
        .await;
    let task_id = created.body["task"]["id"].as_str().expect("id").to_string();
    let bad_update = server
        .call(
            "PUT",
            &format!("{base}/{task_id}"),
            Some(json!({"completed": "yes", "contactId": "x"})),
        )
        .await;
    assert_eq!(bad_update.status, 422);
    assert_eq!(
        bad_update.body["message"],
        json!([
            "property contactId should not exist",
            "completed must be a boolean value"
        ])
    );
    let bad_complete = server
        .call(
            "PUT",
            &format!("{base}/{task_id}/completed"),
            Some(json!({"completed": true, "title": "x"})),
        )
        .await;
    assert_eq!(bad_complete.status, 422);
    assert_eq!(
        bad_complete.body["message"],
        json!(["property title should not exist"])
    );
    let no_flag = server
        .call(
            "PUT",
            &format!("{base}/{task_id}/completed"),
            Some(json!({})),
        )
        .await;
    assert_eq!(no_flag.status, 422);

    let unknown_contact = server
        .call("GET", "/contacts/nope0000000000000000/tasks", None)
        .await;
    assert_eq!(unknown_contact.status, 400);
    assert_eq!(unknown_contact.body["message"], "Contact not found");
    let unknown_task = server
        .call(
            "PUT",
            &format!("{base}/nope0000000000000000/completed"),
            Some(json!({"completed": true})),
        )
        .await;
    assert_eq!(unknown_task.status, 400);
    assert_eq!(unknown_task.body["message"], "Task not found");

    let other = server.call_as(OTHER_TOKEN, "GET", &base, None).await;
    assert_eq!(other.status, 400, "another location's contact is not found");
    let other_delete = server
        .call_as(OTHER_TOKEN, "DELETE", &format!("{base}/{task_id}"), None)
        .await;
    assert_eq!(other_delete.status, 400);
    assert_eq!(
        server
            .call("GET", &format!("{base}/{task_id}"), None)
            .await
            .status,
        200,
        "still there"
    );
}

#[tokio::test]
async fn a_single_note_is_read_updated_and_deleted() {
    let server = start().await;
    let id = contact(&server, "notes@example.com").await;
    let created = server
        .call(
            "POST",
            &format!("/contacts/{id}/notes"),
            Some(json!({"body": "first", "title": "Intro"})),
        )
        .await;
    let note = created.body["note"].clone();
    let note_id = note["id"].as_str().expect("note id").to_string();
    let path = format!("/contacts/{id}/notes/{note_id}");

    let read = server.call("GET", &path, None).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, json!({ "note": note.clone() }));

    let updated = server
        .call(
            "PUT",
            &path,
            Some(json!({"body": "second", "pinned": true, "color": "#FFAA00"})),
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    let after = &updated.body["note"];
    assert_eq!(after["body"], "second");
    assert_eq!(after["title"], "Intro");
    assert_eq!(after["pinned"], true);
    assert_eq!(after["color"], "#FFAA00");
    assert_eq!(after["dateAdded"], note["dateAdded"]);
    assert_eq!(
        keys(after),
        [
            "body",
            "color",
            "contactId",
            "dateAdded",
            "id",
            "pinned",
            "title"
        ]
    );

    let unknown = server
        .call("PUT", &path, Some(json!({"body": "x", "contactId": id})))
        .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(
        unknown.body["message"],
        json!(["property contactId should not exist"])
    );
    let other = server.call_as(OTHER_TOKEN, "GET", &path, None).await;
    assert_eq!(other.status, 400);
    assert_eq!(other.body["message"], "Contact not found");

    let deleted = server.call("DELETE", &path, None).await;
    assert_eq!(deleted.body, json!({ "succeded": true }));
    let gone = server.call("GET", &path, None).await;
    assert_eq!(gone.status, 400);
    assert_eq!(gone.body["message"], "Note not found");
    assert_eq!(server.call("DELETE", &path, None).await.status, 400);
    let listed = server
        .call("GET", &format!("/contacts/{id}/notes"), None)
        .await;
    assert_eq!(listed.body, json!({ "notes": [] }));
}

#[tokio::test]
async fn appointments_are_seeded_by_admin_and_listed_by_start() {
    let server = start().await;
    let id = contact(&server, "appointments@example.com").await;
    let seed = |body: Value| {
        let path = format!("/_admin/contacts/{id}/appointments");
        let server = &server;
        async move { server.admin("POST", &path, Some(body)).await }
    };
    let later = seed(json!({"startTime": "2024-06-02T09:00:00+02:00", "title": "PT session",
                            "assignedUserId": "user0000000000000001", "users": ["user0000000000000001"]}))
    .await;
    assert_eq!(later.status, 201, "{}", later.body);
    let sooner = seed(json!({"startTime": "2024-06-01T09:00:00Z", "endTime": "2024-06-01T10:00:00Z",
                             "appointmentStatus": "confirmed", "calendarId": "cal00000000000000001"}))
    .await;
    assert_eq!(sooner.status, 201);
    let bad = seed(json!({"startTime": "tomorrow", "color": "red"})).await;
    assert_eq!(bad.status, 422);
    assert_eq!(
        bad.body["message"],
        json!([
            "property color should not exist",
            "startTime must be a valid ISO 8601 date string"
        ])
    );
    assert_eq!(
        server
            .admin(
                "POST",
                "/_admin/contacts/nope0000000000000000/appointments",
                Some(json!({"startTime": "2024-06-01T09:00:00Z"}))
            )
            .await
            .status,
        400
    );

    let listed = server
        .call("GET", &format!("/contacts/{id}/appointments"), None)
        .await;
    assert_eq!(listed.status, 200);
    let events = listed.body["events"].as_array().expect("events");
    assert_eq!(events.len(), 2);
    assert_eq!(events[0], sooner.body["appointment"]);
    assert_eq!(events[1], later.body["appointment"]);
    let first = &events[0];
    assert_eq!(first["calendarId"], "cal00000000000000001");
    assert_eq!(first["status"], "confirmed");
    assert_eq!(first["appointmentStatus"], "confirmed");
    assert_eq!(first["contactId"], id.as_str());
    assert_eq!(first["locationId"], ghl_sandbox::DEMO_LOCATION_ID);
    assert_eq!(first["endTime"], "2024-06-01T10:00:00Z");
    let second = &events[1];
    assert_eq!(second["calendarId"], DEMO_CALENDAR_ID);
    assert_eq!(second["status"], "booked");
    assert_eq!(second["startTime"], "2024-06-02T09:00:00+02:00");
    assert_eq!(second["endTime"], "2024-06-02T07:30:00.000Z");
    assert_eq!(second["users"], json!(["user0000000000000001"]));
    assert_eq!(second["assignedResources"], json!([]));
    for key in ["dateAdded", "dateUpdated"] {
        assert!(is_iso_millis(&second[key]), "{key}");
    }

    let other = server
        .call_as(
            OTHER_TOKEN,
            "GET",
            &format!("/contacts/{id}/appointments"),
            None,
        )
        .await;
    assert_eq!(other.status, 400);
    let empty = contact(&server, "none@example.com").await;
    let none = server
        .call("GET", &format!("/contacts/{empty}/appointments"), None)
        .await;
    assert_eq!(none.body, json!({ "events": [] }));
}
