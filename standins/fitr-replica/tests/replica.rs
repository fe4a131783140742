//! The replica served in-process on 127.0.0.1:0 and driven over real HTTP/1.1.

mod support;

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use support::{Replica, enc, search_path, start};

const ACTIVE_STATUSES: &[&str] = &["Active", "Needs Training"];

fn ids(values: &[Value]) -> Vec<u64> {
    values
        .iter()
        .map(|v| v["id"].as_u64().expect("id"))
        .collect()
}

/// Admin view of the clients of one tab.
async fn admin_tab(replica: &Replica, tab: &str) -> Vec<Value> {
    replica
        .admin_clients()
        .await
        .into_iter()
        .filter(|c| c["athlete_type"] == tab)
        .collect()
}

/// Follows `active_pagination` (or `activity_pagination`) and returns every id seen.
async fn follow(replica: &Replica, token: &str, tab: &str, per_page: usize, key: &str) -> Vec<u64> {
    let mut seen = Vec::new();
    let mut page = 1;
    loop {
        let body = replica
            .api_json(
                token,
                &search_path(tab, page, per_page, "full_name asc", None),
            )
            .await;
        let athletes = body["athletes"].as_array().expect("athletes");
        seen.extend(ids(athletes));
        let total_pages = body[key]["total_pages"].as_u64().expect("total_pages") as usize;
        if page >= total_pages {
            return seen;
        }
        page += 1;
        assert!(page < 1000, "runaway pagination");
    }
}

#[tokio::test]
async fn pages_carry_the_strict_csp_and_no_inline_script() {
    let replica = start(80).await;
    for path in [
        "/coach/clients",
        "/coach/clients/48213",
        "/coach/programs",
        "/coach/anything/else",
    ] {
        let resp = replica.get(path).await;
        assert_eq!(resp.status, 200, "{path}");
        assert_eq!(
            resp.header("content-security-policy"),
            Some("script-src 'self'"),
            "{path}"
        );
        assert!(
            resp.header("content-type")
                .is_some_and(|t| t.starts_with("text/html"))
        );
        let html = resp.text();
        assert!(html.contains(r#"<script src="/assets/fitr.js" defer></script>"#));
        assert_eq!(
            html.matches("<script").count(),
            1,
            "only the external script"
        );
        assert!(!html.contains(" onclick=") && !html.contains(" onload="));
        assert!(html.contains(r#"data-gtm-id="nav-clients""#));
    }
    let root = replica.get("/").await;
    assert_eq!(root.status, 302);
    assert_eq!(root.header("location"), Some("/coach/programs"));

    let js = replica.get("/assets/fitr.js").await;
    assert_eq!(js.status, 200);
    assert!(
        js.header("content-type")
            .is_some_and(|t| t.contains("javascript"))
    );
    let js = js.text();
    for needle in [
        "pushState",
        "popstate",
        "clients-table__row",
        "clients-table__name",
        "client-timezone",
    ] {
        assert!(js.contains(needle), "fitr.js lacks {needle}");
    }
    assert!(!js.contains("eval(") && !js.contains("innerHTML"));
    let css = replica.get("/assets/fitr.css").await;
    assert!(
        css.header("content-type")
            .is_some_and(|t| t.starts_with("text/css"))
    );

    let missing = replica.get("/nowhere").await;
    assert_eq!(missing.status, 404);
    assert_eq!(
        missing.header("content-security-policy"),
        Some("script-src 'self'")
    );
}

#[tokio::test]
async fn api_needs_a_live_bearer_token() {
    let replica = start(80).await;
    let expected_401 = serde_json::json!({
        "error": "unauthorized",
        "message": "Your session has expired. Please sign in again.",
    });
    let bare = replica.get("/api/users/me").await;
    assert_eq!(bare.status, 401);
    assert_eq!(bare.json(), expected_401);
    assert_eq!(
        replica.api("not-a-token", "/api/users/me").await.status,
        401
    );
    let basic = replica
        .request(
            "GET",
            "/api/chat/rooms",
            &[("Authorization", "Basic Zm9vOmJhcg==")],
            None,
        )
        .await;
    assert_eq!(basic.status, 401);

    let token = replica.token().await;
    let me = replica.api_json(&token, "/api/users/me").await;
    assert_eq!(me["role"], "coach");
    assert!(me["id"].is_u64() && me["full_name"].is_string() && me["email"].is_string());
    for scheme in ["Bearer", "BEARER"] {
        let auth = format!("{scheme} {token}");
        let resp = replica
            .request("GET", "/api/users/me", &[("Authorization", &auth)], None)
            .await;
        assert_eq!(resp.status, 200, "{scheme}");
    }

    let expired = replica
        .request("POST", "/_admin/expire_tokens", &[], None)
        .await;
    assert_eq!(expired.status, 200);
    assert!(expired.json()["expired"].as_u64().unwrap_or(0) >= 1);
    for path in [
        "/api/users/me",
        "/api/coach/search_clients",
        "/api/chat/rooms?page=1",
    ] {
        let resp = replica.api(&token, path).await;
        assert_eq!(resp.status, 401, "{path}");
        assert_eq!(resp.json(), expected_401);
    }
    let fresh = replica.token().await;
    assert_ne!(fresh, token);
    assert_eq!(replica.api(&fresh, "/api/users/me").await.status, 200);
}

#[tokio::test]
async fn search_clients_items_have_the_known_shape_and_no_email() {
    let replica = start(80).await;
    let token = replica.token().await;
    let body = replica
        .api_json(&token, &search_path("active", 1, 50, "full_name asc", None))
        .await;
    let athletes = body["athletes"].as_array().expect("athletes");
    assert_eq!(athletes.len(), 50);
    let expected_keys: HashSet<&str> = [
        "id",
        "full_name",
        "chat_room_id",
        "plan",
        "display_plan",
        "status",
        "created_at",
    ]
    .into();
    for a in athletes {
        let keys: HashSet<&str> = a
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, expected_keys, "{a}");
        assert!(!a.to_string().contains('@'), "an email leaked: {a}");
        assert!(
            a["id"]
                .as_u64()
                .is_some_and(|id| (10_000..100_000).contains(&id))
        );
        assert!(a["chat_room_id"].is_u64() || a["chat_room_id"].is_null());
        assert!(a["plan"]["title"].is_string());
        assert!(
            [
                "one_to_one",
                "group_rolling",
                "session_one_day_one",
                "fixed_length"
            ]
            .contains(&a["plan"]["kind"].as_str().unwrap_or(""))
        );
        assert!(
            ["active", "canceled"]
                .contains(&a["plan"]["membership"]["state"].as_str().unwrap_or(""))
        );
        assert!(ACTIVE_STATUSES.contains(&a["status"].as_str().unwrap_or("")));
        assert!(a["created_at"].as_i64().is_some_and(|t| t > 1_500_000_000));
        let days = a["display_plan"]["performance_by_days"]
            .as_array()
            .expect("days");
        assert_eq!(days.len(), 7);
        for d in days {
            assert!(
                ["done", "partial", "skipped", "empty"]
                    .contains(&d["status"].as_str().unwrap_or(""))
            );
            assert!(d["online"].is_boolean());
            assert_eq!(d["date"].as_str().map(str::len), Some(10));
        }
    }
    let active = &body["active_pagination"];
    let n_active = admin_tab(&replica, "active").await.len();
    assert_eq!(active["current_page"], 1);
    assert_eq!(active["per_page"], 50);
    assert_eq!(active["total_count"].as_u64(), Some(n_active as u64));
    assert_eq!(
        active["total_pages"].as_u64(),
        Some(n_active.div_ceil(50) as u64)
    );
    let activity = &body["activity_pagination"];
    assert_eq!(activity["total_pages"], 1);
    assert_eq!(activity["total_count"], 50);

    // per_page is clamped to 100; athlete_type defaults to active; bad athlete_type is refused.
    let big = replica
        .api_json(&token, "/api/coach/search_clients?per_page=500")
        .await;
    assert_eq!(big["active_pagination"]["per_page"], 100);
    assert_eq!(
        big["athletes"].as_array().map(Vec::len),
        Some(n_active.min(100))
    );
    let bad = replica
        .api(&token, "/api/coach/search_clients?athlete_type=vip")
        .await;
    assert_eq!(bad.status, 422);

    // The client list route that does not exist in FITR.
    assert_eq!(replica.api(&token, "/api/coach/clients").await.status, 404);
}

#[tokio::test]
async fn active_pagination_reaches_everyone_and_activity_pagination_stops_early() {
    let replica = start(80).await;
    let token = replica.token().await;
    for tab in ["active", "pending", "past"] {
        let expected: HashSet<u64> = ids(&admin_tab(&replica, tab).await).into_iter().collect();
        let seen = follow(&replica, &token, tab, 25, "active_pagination").await;
        assert_eq!(seen.len(), expected.len(), "{tab}: each exactly once");
        assert_eq!(
            seen.iter().copied().collect::<HashSet<_>>(),
            expected,
            "{tab}"
        );
    }
    let n_active = admin_tab(&replica, "active").await.len();
    assert!(n_active > 25, "need more than one page");
    let wrong = follow(&replica, &token, "active", 25, "activity_pagination").await;
    assert_eq!(wrong.len(), 25, "activity_pagination stops after one page");
}

#[tokio::test]
async fn sorting_and_name_search() {
    let replica = start(80).await;
    let token = replica.token().await;
    let asc = follow(&replica, &token, "active", 100, "active_pagination").await;
    let desc_body = replica
        .api_json(
            &token,
            &search_path("active", 1, 100, "full_name desc", None),
        )
        .await;
    let mut desc = ids(desc_body["athletes"].as_array().expect("athletes"));
    desc.reverse();
    assert_eq!(asc, desc);

    let names_for = |q: &'static str| {
        let replica = &replica;
        let token = token.clone();
        async move {
            let body = replica
                .api_json(
                    &token,
                    &search_path("active", 1, 100, "full_name asc", Some(q)),
                )
                .await;
            body["athletes"]
                .as_array()
                .expect("athletes")
                .iter()
                .map(|a| {
                    (
                        a["id"].as_u64().unwrap_or(0),
                        a["full_name"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    assert!(
        names_for("zoË").await.iter().any(|(id, _)| *id == 48213),
        "first name, any case"
    );
    assert!(
        names_for("o'neill")
            .await
            .iter()
            .any(|(id, _)| *id == 48213),
        "last name"
    );
    assert!(
        names_for("smith-j")
            .await
            .iter()
            .any(|(id, _)| *id == 27164),
        "hyphenated last name"
    );
    assert!(
        names_for("JAMIE").await.iter().any(|(id, _)| *id == 58842),
        "first name of an untrimmed name"
    );
    let chris = names_for("chris taylor").await;
    assert_eq!(
        chris.iter().map(|(id, _)| *id).collect::<HashSet<_>>(),
        HashSet::from([23456, 67890])
    );
    assert!(names_for("zzzz").await.is_empty());
    let none = replica
        .api_json(
            &token,
            &search_path("active", 1, 25, "full_name asc", Some("zzzz")),
        )
        .await;
    assert_eq!(none["active_pagination"]["total_count"], 0);
}

#[tokio::test]
async fn rooms_cover_every_client_with_a_room_once_newest_first() {
    let replica = start(80).await;
    let token = replica.token().await;
    let admin = replica.admin_clients().await;
    let mut seen: HashMap<u64, (Value, u64)> = HashMap::new();
    let mut last_time = i64::MAX;
    let mut page = 1;
    loop {
        let body = replica
            .api_json(&token, &format!("/api/chat/rooms?page={page}"))
            .await;
        let rooms = body["chat_rooms"].as_array().expect("chat_rooms");
        assert!(rooms.len() <= 20);
        for room in rooms {
            let keys: HashSet<&str> = room
                .as_object()
                .expect("room")
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(keys, HashSet::from(["id", "opponent", "last_message"]));
            let at = room["last_message"]["created_at"]
                .as_i64()
                .expect("created_at");
            assert!(at <= last_time, "newest first");
            last_time = at;
            assert!(room["last_message"]["text"].is_string());
            let client_id = room["opponent"]["id"].as_u64().expect("opponent id");
            let previous = seen.insert(client_id, (room.clone(), page));
            assert!(previous.is_none(), "client {client_id} twice");
        }
        assert_eq!(body["pagination"]["current_page"].as_u64(), Some(page));
        if page
            >= body["pagination"]["total_pages"]
                .as_u64()
                .expect("total_pages")
        {
            break;
        }
        page += 1;
    }
    assert!(page >= 3, "several rooms pages with 80 clients");
    for client in &admin {
        let id = client["id"].as_u64().expect("id");
        match seen.get(&id) {
            Some((room, page)) => {
                assert_eq!(room["id"], client["chat_room_id"]);
                assert_eq!(
                    room["opponent"]["email"], client["email"],
                    "email served as stored"
                );
                assert_eq!(client["rooms_page"].as_u64(), Some(*page));
            }
            None => {
                assert!(
                    client["chat_room_id"].is_null(),
                    "client {id} has a room not served"
                );
                assert!(client["rooms_page"].is_null());
            }
        }
    }
    // Several clients on the first Active page (full_name asc, 25) have their room on page 2+.
    let first = replica
        .api_json(&token, &search_path("active", 1, 25, "full_name asc", None))
        .await;
    let late = ids(first["athletes"].as_array().expect("athletes"))
        .iter()
        .filter(|id| seen.get(id).is_some_and(|(_, page)| *page >= 2))
        .count();
    assert!(late >= 5, "only {late} first-page clients have a late room");
    // A page past the end is empty, not an error.
    let beyond = replica.api_json(&token, "/api/chat/rooms?page=99").await;
    assert_eq!(beyond["chat_rooms"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn admin_patch_changes_what_the_api_serves() {
    let replica = start(80).await;
    let token = replica.token().await;
    let zoe_in =
        |body: &Value| ids(body["athletes"].as_array().expect("athletes")).contains(&48213);
    let active_q = search_path("active", 1, 100, "full_name asc", Some("Zo"));
    let past_q = search_path("past", 1, 100, "full_name asc", Some("Zo"));
    assert!(zoe_in(&replica.api_json(&token, &active_q).await));

    let resp = replica
        .patch(
            48213,
            r#"{"status":"Program Finished","plan_title":"Mobility Reset","plan_kind":"session_one_day_one","membership_state":"canceled","full_name":"Zoë O'Neill-Hart Smith","phone":null}"#,
        )
        .await;
    assert_eq!(resp.status, 200, "{}", resp.text());
    let patched = resp.json();
    assert_eq!(patched["status"], "Program Finished");
    assert_eq!(patched["athlete_type"], "past");
    assert_eq!(patched["last_name"], "O'Neill-Hart Smith");
    assert!(patched["phone"].is_null());

    assert!(!zoe_in(&replica.api_json(&token, &active_q).await));
    let past = replica.api_json(&token, &past_q).await;
    let zoe = past["athletes"]
        .as_array()
        .and_then(|a| a.iter().find(|a| a["id"] == 48213))
        .expect("Zoë in past");
    assert_eq!(zoe["status"], "Program Finished");
    assert_eq!(zoe["plan"]["title"], "Mobility Reset");
    assert_eq!(zoe["plan"]["kind"], "session_one_day_one");
    assert_eq!(zoe["plan"]["membership"]["state"], "canceled");
    assert_eq!(zoe["full_name"], "Zoë O'Neill-Hart Smith");

    let email = replica
        .patch(48213, r#"{"email":"  NEW.Zoe@Example.org"}"#)
        .await;
    assert_eq!(email.status, 200);
    let rooms_page = email.json()["rooms_page"].as_u64().expect("rooms_page");
    let rooms = replica
        .api_json(&token, &format!("/api/chat/rooms?page={rooms_page}"))
        .await;
    let room = rooms["chat_rooms"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["opponent"]["id"] == 48213))
        .expect("Zoë's room");
    assert_eq!(room["opponent"]["email"], "  NEW.Zoe@Example.org");

    let bad = replica.patch(48213, r#"{"status":"Retired"}"#).await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["message"]
            .as_str()
            .is_some_and(|m| m.contains("Needs Training"))
    );
    assert_eq!(
        replica.patch(48213, r#"{"colour":"red"}"#).await.status,
        400
    );
    assert_eq!(replica.patch(48213, "not json").await.status, 400);
    assert_eq!(
        replica.patch(11111, r#"{"status":"Active"}"#).await.status,
        404
    );
    // A refused PATCH changes nothing, even its valid fields.
    let mixed = replica
        .patch(48213, r#"{"plan_title":"X","status":"Nope"}"#)
        .await;
    assert_eq!(mixed.status, 400);
    let zoe = replica.get("/_admin/clients/48213").await.json();
    assert_eq!(zoe["plan"]["title"], "Mobility Reset");

    let reset = replica.request("POST", "/_admin/reset", &[], None).await;
    assert_eq!(reset.json()["clients"], 80);
    let zoe = replica.get("/_admin/clients/48213").await.json();
    assert_eq!(zoe["status"], "Active");
    assert_eq!(zoe["email"], "zoe.oneill@example.org");
    assert_eq!(
        replica.api(&token, "/api/users/me").await.status,
        200,
        "reset keeps tokens"
    );
}

#[tokio::test]
async fn special_clients_exist_as_documented() {
    let replica = start(80).await;
    let admin = replica.admin_clients().await;
    assert_eq!(admin.len(), 80);
    let by_id: HashMap<u64, &Value> = admin
        .iter()
        .map(|c| (c["id"].as_u64().unwrap_or(0), c))
        .collect();
    let expect = [
        (48213, "Zoë O'Neill-Hart"),
        (31877, "José Álvarez"),
        (52410, "Łukasz Wróbel"),
        (60935, "Björk Guðmundsdóttir"),
        (27164, "Anne-Marie Smith-Jones"),
        (39021, "Seán O'Brien"),
        (44508, "D'Arcy McKenzie"),
        (71236, "Madonna"),
        (58842, "  jamie   LEE "),
        (15590, "Aaron Achterberg"),
        (23456, "Chris Taylor"),
        (67890, "Chris Taylor"),
        (80417, "Priya Natarajan"),
    ];
    for (id, name) in expect {
        let client = by_id
            .get(&id)
            .unwrap_or_else(|| panic!("client {id} missing"));
        assert_eq!(client["full_name"], name);
    }
    assert_eq!(fitr_replica::special_ids().len(), expect.len());
    assert!(by_id[&15590]["chat_room_id"].is_null() && by_id[&15590]["rooms_page"].is_null());
    assert_ne!(by_id[&23456]["email"], by_id[&67890]["email"]);
    assert_eq!(by_id[&23456]["athlete_type"], "active");
    assert_eq!(by_id[&67890]["athlete_type"], "active");
    assert_eq!(by_id[&58842]["first_name"], "jamie");
    assert_eq!(by_id[&71236]["last_name"], "");
    let priya = by_id[&80417];
    assert_eq!(priya["status"], "Pending");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    assert!(
        now - priya["created_at"].as_i64().unwrap_or(0) < 86_400,
        "created recently"
    );
    assert_eq!(
        by_id[&27164]["email"],
        "  anne-marie.smith-jones@example.com "
    );
    // Every status appears.
    let statuses: HashSet<&str> = admin.iter().filter_map(|c| c["status"].as_str()).collect();
    assert_eq!(statuses.len(), 7, "{statuses:?}");
    // Messy data exists among generated clients.
    assert!(admin.iter().any(|c| c["phone"].is_null()));
    assert!(
        admin
            .iter()
            .any(|c| c["email"].as_str().is_some_and(|e| e != e.trim()))
    );
    // list_page agrees with the list, for every active client.
    let token = replica.token().await;
    let mut pages: HashMap<u64, Vec<u64>> = HashMap::new();
    for c in admin.iter().filter(|c| c["athlete_type"] == "active") {
        let page = c["list_page"].as_u64().expect("list_page");
        if let std::collections::hash_map::Entry::Vacant(slot) = pages.entry(page) {
            let path = search_path("active", page as usize, 25, "full_name asc", None);
            let body = replica.api_json(&token, &path).await;
            slot.insert(ids(body["athletes"].as_array().expect("athletes")));
        }
        assert!(pages[&page].contains(&c["id"].as_u64().unwrap_or(0)), "{c}");
    }
}

#[tokio::test]
async fn detail_and_schedule_routes() {
    let replica = start(80).await;
    let token = replica.token().await;
    let anne = replica.api_json(&token, "/api/coach/athletes/27164").await;
    assert_eq!(anne["full_name"], "Anne-Marie Smith-Jones");
    assert_eq!(anne["phone"], "07700 900456");
    assert!(anne.get("email").is_none(), "no email on the detail either");
    let no_phone = replica.api_json(&token, "/api/coach/athletes/52410").await;
    assert!(no_phone["phone"].is_null());
    for path in ["/api/coach/athletes/11111", "/api/coach/athletes/abc"] {
        let resp = replica.api(&token, path).await;
        assert_eq!(resp.status, 404, "{path}");
        assert_eq!(resp.json(), serde_json::json!({"error": "not_found"}));
    }
    let schedule = replica
        .api_json(
            &token,
            "/api/coach/athletes/48213/schedule?from=2026-01-01&to=2026-01-31",
        )
        .await;
    assert_eq!(schedule["athlete_id"], 48213);
    assert_eq!(schedule["from"], "2026-01-01");
    for day in schedule["days"].as_array().expect("days") {
        let programmed = day["programmed_count"].as_u64().expect("programmed");
        let completed = day["completed_count"].as_u64().expect("completed");
        assert!(programmed >= 1 && completed <= programmed);
    }
    let bad = replica
        .api(
            &token,
            &format!(
                "/api/coach/athletes/48213/schedule?from={}",
                enc("next week")
            ),
        )
        .await;
    assert_eq!(bad.status, 400);
    let programs = replica.api_json(&token, "/api/coach/programs").await;
    assert!(
        programs["programs"]
            .as_array()
            .is_some_and(|p| !p.is_empty())
    );
}

#[tokio::test]
async fn seventeen_hundred_clients_page_quickly() {
    let started = std::time::Instant::now();
    let replica = start(1700).await;
    let token = replica.token().await;
    let n_active = admin_tab(&replica, "active").await.len();
    let seen = follow(&replica, &token, "active", 100, "active_pagination").await;
    assert_eq!(seen.len(), n_active);
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), n_active);
    assert!(n_active > 1000);
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
}
