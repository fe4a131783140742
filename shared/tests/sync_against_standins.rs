//! The sync engine against the real stand-ins, in-process, with faults on: the final GHL state
//! is read back from the sandbox's admin API and must be exact, with zero duplicates.

use std::{
    cell::Cell,
    collections::{BTreeMap, BTreeSet},
    path::PathBuf,
};

use serde_json::{Value, json};
use shared::{
    fitr::{FitrApi, FitrClient},
    ghl::{Credentials, GhlClient, pacing::Paced},
    mapping::{Mapping, ResolvedMapping, map_client},
    sync::{
        Command, Decision, JobState, Outbox, RunState, SyncState,
        bulk::{MemoryStore, candidates, ghl_listing},
        execute,
        outbox::Interrupted,
        plan_bulk,
    },
    transport::{NativeTransport, TokioClock, Transport, TransportError},
};

mod standins_support;
use standins_support::{call, serve_at};

type Ghl = GhlClient<Paced<NativeTransport, TokioClock>>;

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

struct World {
    ghl: String,
    clients: Vec<FitrClient>,
}

fn mapping() -> ResolvedMapping {
    ResolvedMapping::without_fields(Mapping::default())
}

async fn fitr_clients(n: usize) -> Vec<FitrClient> {
    let (addr, _task) = serve_at(
        "127.0.0.1:0",
        fitr_replica::router(fitr_replica::ReplicaState::new(n)),
    )
    .await;
    let base = format!("http://{addr}");
    let token = call("POST", &format!("{base}/api/session"), None).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    FitrApi::new(NativeTransport::default(), &base, &token)
        .every_client()
        .await
        .unwrap()
}

async fn world(n: usize, sandbox: ghl_sandbox::Sandbox) -> World {
    let (addr, _task) = serve_at("127.0.0.1:0", ghl_sandbox::router(sandbox)).await;
    World {
        ghl: format!("http://{addr}"),
        clients: fitr_clients(n).await,
    }
}

/// The sandbox's demo location at `base`, with `token`.
fn credentials(base: &str, token: &str) -> Credentials {
    Credentials {
        base: base.to_owned(),
        token: token.into(),
        location_id: ghl_sandbox::DEMO_LOCATION_ID.into(),
    }
}

fn client_at(base: &str) -> Ghl {
    GhlClient::new(
        Paced::new(NativeTransport::default(), TokioClock::default()),
        credentials(base, ghl_sandbox::DEMO_TOKEN),
    )
}

impl World {
    fn client(&self) -> Ghl {
        client_at(&self.ghl)
    }

    async fn config(&self, body: Value) {
        call("PUT", &format!("{}/_admin/config", self.ghl), Some(body)).await;
    }

    async fn contacts(&self) -> Vec<Value> {
        contacts_at(&self.ghl).await
    }

    /// Plan against GHL as it is now.
    async fn plan(&self, state: &SyncState) -> shared::sync::BulkPlan {
        let ghl = self.client();
        let listing = ghl_listing(&ghl).await.unwrap();
        let m = mapping();
        plan_bulk(
            &candidates(&self.clients, |c| map_client(c, &m)),
            &listing,
            state,
            ghl.location_id(),
            now_ms(),
        )
    }
}

async fn contacts_at(base: &str) -> Vec<Value> {
    let state = call("GET", &format!("{base}/_admin/state"), None).await;
    state["locations"][ghl_sandbox::DEMO_LOCATION_ID]["contacts"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Run a plan to its end (or its interruption) with an in-memory store.
async fn run(
    ghl: &Ghl,
    outbox: &mut Outbox,
    state: &mut SyncState,
    store: &mut MemoryStore,
) -> Result<RunState, Interrupted> {
    execute(
        ghl,
        outbox,
        state,
        store,
        &mut |_| Command::Continue,
        &now_ms,
    )
    .await
}

/// What every pushable client must look like in GHL: email → (tags, note count).
fn expected(clients: &[FitrClient]) -> BTreeMap<String, BTreeSet<String>> {
    let m = mapping();
    clients
        .iter()
        .filter_map(|c| map_client(c, &m).ok())
        .map(|d| (d.email.clone(), d.tags.clone()))
        .collect()
}

/// GHL holds exactly one contact per expected email, with exactly the expected tags and one
/// note, and nothing else.
fn assert_exact(contacts: &[Value], want: &BTreeMap<String, BTreeSet<String>>) {
    let mut by_email: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for c in contacts {
        by_email
            .entry(c["email"].as_str().unwrap_or_default().to_lowercase())
            .or_default()
            .push(c);
    }
    let duplicates: Vec<_> = by_email.iter().filter(|(_, v)| v.len() > 1).collect();
    assert!(duplicates.is_empty(), "duplicates: {duplicates:?}");
    assert_eq!(
        by_email.keys().collect::<BTreeSet<_>>(),
        want.keys().collect::<BTreeSet<_>>(),
        "the contacts are exactly the pushable clients"
    );
    for (email, tags) in want {
        let c = by_email[email][0];
        let have: BTreeSet<String> = c["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(&have, tags, "{email}");
        assert_eq!(
            c["notes"].as_array().unwrap().len(),
            1,
            "{email}: one note, never two"
        );
    }
}

#[tokio::test]
async fn a_first_bulk_sync_creates_each_client_once_and_a_second_plans_nothing() {
    let w = world(90, ghl_sandbox::Sandbox::default()).await;
    let mut state = SyncState::default();
    let plan = w.plan(&state).await;
    let counts = plan.counts();
    let want = expected(&w.clients);
    assert_eq!(counts.create, want.len());
    assert!(counts.refused >= 1, "the room-less client is refused");
    let roomless = plan
        .items
        .iter()
        .find(|i| i.decision == Decision::Refused)
        .unwrap();
    assert!(
        roomless.reason.as_deref().unwrap().contains("no email"),
        "{roomless:?}"
    );
    // A dry run writes nothing.
    assert!(w.contacts().await.is_empty());

    let ghl = w.client();
    let mut store = MemoryStore::default();
    let mut outbox = Outbox::from_plan("run-1", &plan, now_ms());
    store.put(&outbox);
    assert_eq!(
        run(&ghl, &mut outbox, &mut state, &mut store).await,
        Ok(RunState::Finished)
    );
    assert_exact(&w.contacts().await, &want);
    assert_eq!(store.state(), state, "every link was saved");
    assert_eq!(outbox.progress().created, want.len());

    let again = w.plan(&state).await;
    assert_eq!(again.counts().unchanged, want.len(), "{:?}", again.counts());
    assert_eq!(again.write_requests(), 0);
}

#[tokio::test]
async fn a_resync_right_after_writes_is_unchanged_despite_search_lag() {
    // G20: search shows what was there a few seconds ago.
    let w = world(60, ghl_sandbox::Sandbox::default()).await;
    w.config(json!({"searchLagMs": 60_000})).await;
    let mut state = SyncState::default();
    let plan = w.plan(&state).await;
    let ghl = w.client();
    let mut store = MemoryStore::default();
    let mut outbox = Outbox::from_plan("run-1", &plan, now_ms());
    run(&ghl, &mut outbox, &mut state, &mut store)
        .await
        .unwrap();
    let listed = ghl_listing(&ghl).await.unwrap();
    assert!(listed.is_empty(), "search still lags: {}", listed.len());
    let again = w.plan(&state).await;
    assert_eq!(again.counts().create, 0);
    assert_eq!(again.write_requests(), 0, "{:?}", again.counts());
    assert_exact(&w.contacts().await, &expected(&w.clients));
}

#[tokio::test]
async fn faults_on_5xx_429_storm_create_then_422_and_dropped_connections_end_exact() {
    let w = world(70, ghl_sandbox::Sandbox::default()).await;
    w.config(json!({
        "errorRate": 0.15,
        "dropRate": 0.05,
        "faultSeed": 7,
        "storeRejectedCreates": true,
        "rateWindowMs": 400,
        "rateMax": 12,
    }))
    .await;
    // Another app on the same location spends a whole window's budget in a burst every third
    // window: a 429 storm for us each time, with room left to finish between storms.
    let noise = {
        let url = format!(
            "{}/contacts/?locationId={}",
            w.ghl,
            ghl_sandbox::DEMO_LOCATION_ID
        );
        tokio::spawn(async move {
            loop {
                for _ in 0..12 {
                    let req = http::Request::get(&url)
                        .header(
                            "authorization",
                            format!("Bearer {}", ghl_sandbox::DEMO_TOKEN),
                        )
                        .header("version", "2021-07-28")
                        .body(Vec::new())
                        .unwrap();
                    let _ = NativeTransport::default().call(req).await;
                }
                tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
            }
        })
    };
    let mut state = SyncState::default();
    let mut store = MemoryStore::default();
    let ghl = w.client();
    // Faults may interrupt a run (no answer at all): resume until it finishes, as the worker
    // does on its next wake-up.
    let mut runs = 0;
    loop {
        runs += 1;
        assert!(runs < 50, "the run never finished");
        let Ok(listing) = ghl_listing(&ghl).await else {
            continue;
        };
        let mut outbox = match store.outbox() {
            Some(o) if o.meta.state == RunState::Running => o,
            _ if runs == 1 => {
                let m = mapping();
                let plan = plan_bulk(
                    &candidates(&w.clients, |c| map_client(c, &m)),
                    &listing,
                    &state,
                    ghl.location_id(),
                    now_ms(),
                );
                let o = Outbox::from_plan("run-1", &plan, now_ms());
                store.put(&o);
                o
            }
            _ => break,
        };
        if run(&ghl, &mut outbox, &mut state, &mut store).await.is_ok() {
            break;
        }
    }
    noise.abort();
    w.config(json!({"errorRate": 0, "dropRate": 0, "storeRejectedCreates": false}))
        .await;
    let outbox = store.outbox().unwrap();
    let failed: Vec<_> = outbox
        .jobs
        .iter()
        .filter(|j| !matches!(j.state, JobState::Done { .. }))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    assert_exact(&w.contacts().await, &expected(&w.clients));
    let log = call("GET", &format!("{}/_admin/requests", w.ghl), None).await;
    let statuses: BTreeSet<u64> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["status"].as_u64())
        .collect();
    for s in [422, 429, 500] {
        assert!(
            statuses.contains(&s),
            "the faults really fired: {statuses:?}"
        );
    }
}

/// A transport that loses the connection after a number of requests: the process dies there.
struct DiesAfter {
    inner: NativeTransport,
    left: Cell<usize>,
}

impl Transport for DiesAfter {
    async fn call(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        if self.left.get() == 0 {
            return Err(TransportError("the service worker was stopped".into()));
        }
        self.left.set(self.left.get() - 1);
        self.inner.call(req).await
    }
}

#[tokio::test]
async fn a_run_stopped_mid_way_and_a_sandbox_restart_resume_without_repeating_a_write() {
    let dir = std::env::temp_dir().join(format!("sync-restart-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data: PathBuf = dir.join("ghl.json");
    let _ = std::fs::remove_file(&data);
    let sandbox = ghl_sandbox::Sandbox::open(&data, Default::default()).unwrap();
    let (addr, task) = serve_at("127.0.0.1:0", ghl_sandbox::router(sandbox)).await;
    let base = format!("http://{addr}");
    let clients = fitr_clients(40).await;
    let m = mapping();

    // Plan, then stop after a few requests: in the middle of some step.
    let listing = ghl_listing(&client_at(&base)).await.unwrap();
    let mut state = SyncState::default();
    let plan = plan_bulk(
        &candidates(&clients, |c| map_client(c, &m)),
        &listing,
        &state,
        &ghl_sandbox::DEMO_LOCATION_ID.into(),
        now_ms(),
    );
    let mut store = MemoryStore::default();
    let mut outbox = Outbox::from_plan("run-1", &plan, now_ms());
    store.put(&outbox);
    let dying = GhlClient::new(
        DiesAfter {
            inner: NativeTransport::default(),
            left: Cell::new(23),
        },
        credentials(&base, ghl_sandbox::DEMO_TOKEN),
    );
    let stopped = execute(
        &dying,
        &mut outbox,
        &mut state,
        &mut store,
        &mut |_| Command::Continue,
        &now_ms,
    )
    .await;
    assert!(
        matches!(stopped, Err(Interrupted::Unreachable(_))),
        "{stopped:?}"
    );
    let before = contacts_at(&base).await.len();
    assert!(before > 0 && before < 39, "stopped mid-run: {before}");

    // The sandbox restarts from its data file on the same address.
    task.abort();
    let _ = task.await;
    let sandbox = ghl_sandbox::Sandbox::open(&data, Default::default()).unwrap();
    let (_addr, _task) = serve_at(&addr.to_string(), ghl_sandbox::router(sandbox)).await;
    assert_eq!(
        contacts_at(&base).await.len(),
        before,
        "the sandbox kept its state"
    );

    // A new process: only what the store saved.
    let mut outbox = store.outbox().unwrap();
    let mut state = store.state();
    assert_eq!(
        run(&client_at(&base), &mut outbox, &mut state, &mut store).await,
        Ok(RunState::Finished)
    );
    assert_exact(&contacts_at(&base).await, &expected(&clients));
    let log = call("GET", &format!("{base}/_admin/requests"), None).await;
    let creates = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["method"] == "POST" && r["path"] == "/contacts/")
        .count();
    assert!(
        creates <= expected(&clients).len() + 1,
        "at most the one interrupted create is asked again after a lookup: {creates}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn pause_resume_and_cancel() {
    let w = world(30, ghl_sandbox::Sandbox::default()).await;
    let mut state = SyncState::default();
    let plan = w.plan(&state).await;
    let ghl = w.client();
    let mut store = MemoryStore::default();
    let mut outbox = Outbox::from_plan("run-1", &plan, now_ms());
    let mut seen = Vec::new();
    let end = execute(
        &ghl,
        &mut outbox,
        &mut state,
        &mut store,
        &mut |p| {
            seen.push(p.done);
            if p.done == 5 {
                Command::Pause
            } else {
                Command::Continue
            }
        },
        &now_ms,
    )
    .await;
    assert_eq!(end, Ok(RunState::Paused));
    assert_eq!(
        seen,
        vec![0, 1, 2, 3, 4, 5],
        "one progress event per client"
    );
    assert_eq!(w.contacts().await.len(), 5);
    let end = execute(
        &ghl,
        &mut outbox,
        &mut state,
        &mut store,
        &mut |p| {
            if p.done == 8 {
                Command::Cancel
            } else {
                Command::Continue
            }
        },
        &now_ms,
    )
    .await;
    assert_eq!(end, Ok(RunState::Cancelled));
    assert_eq!(w.contacts().await.len(), 8);
    let p = outbox.progress();
    assert_eq!((p.created, p.cancelled), (8, plan.counts().create - 8));
    // What was cancelled is planned again next time; what was done is not.
    let next = w.plan(&state).await;
    assert_eq!(next.counts().create, plan.counts().create - 8);
}

#[tokio::test]
async fn a_linked_contact_deleted_in_ghl_is_verified_and_created_again_once() {
    let w = world(12, ghl_sandbox::Sandbox::default()).await;
    let mut state = SyncState::default();
    let plan = w.plan(&state).await;
    let ghl = w.client();
    let mut store = MemoryStore::default();
    let mut outbox = Outbox::from_plan("run-1", &plan, now_ms());
    run(&ghl, &mut outbox, &mut state, &mut store)
        .await
        .unwrap();
    let victim = w.contacts().await[0]["id"].as_str().unwrap().to_owned();
    ghl.contacts()
        .delete(&victim.as_str().into())
        .await
        .unwrap();
    // Long after the last sync: a missing contact is no longer search lag.
    for link in state.links.values_mut() {
        if let Some(s) = &mut link.synced {
            s.at_ms -= 3_600_000;
        }
    }
    let plan = w.plan(&state).await;
    assert_eq!(plan.counts().verify, 1, "{:?}", plan.counts());
    let mut outbox = Outbox::from_plan("run-2", &plan, now_ms());
    run(&ghl, &mut outbox, &mut state, &mut store)
        .await
        .unwrap();
    assert!(
        matches!(outbox.jobs[0].state, JobState::Done { created: true }),
        "{:#?}",
        outbox.jobs
    );
    assert_exact(&w.contacts().await, &expected(&w.clients));
}

/// The requests the sandbox logged since the last clear, as `METHOD path`.
async fn requests_since_clear(base: &str) -> Vec<String> {
    let log = call("GET", &format!("{base}/_admin/requests"), None).await;
    call("DELETE", &format!("{base}/_admin/requests"), None).await;
    log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{} {}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn the_push_button_path_creates_then_reads_by_id_keeps_coach_tags_and_never_duplicates() {
    use shared::{push::Outcome, sync::push_one};
    let w = world(30, ghl_sandbox::Sandbox::default()).await;
    let ghl = w.client();
    let m = mapping();
    let mut state = SyncState::default();
    let mut store = MemoryStore::default();
    let mut client = w
        .clients
        .iter()
        .find(|c| c.email.is_some() && c.athlete.status.as_deref() == Some("Active"))
        .cloned()
        .expect("an Active client with an email");
    let one = |c: &FitrClient| candidates(std::slice::from_ref(c), |c| map_client(c, &m)).remove(0);

    let first = push_one(&ghl, &one(&client), None, &mut state, &mut store, &now_ms)
        .await
        .unwrap();
    assert_eq!(first.outcome, Outcome::Created);
    let contacts = w.contacts().await;
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["id"], first.contact_id.0.as_str());
    assert_eq!(state.links[&client.athlete.id].contact_id, first.contact_id);
    assert_eq!(store.links, state.links, "the link is saved");

    // A coach's own tag in GHL; the next push reads the contact by id and writes nothing.
    let mut tags = contacts[0]["tags"].as_array().unwrap().clone();
    tags.push(json!("vip"));
    call(
        "PATCH",
        &format!("{}/_admin/contacts/{}", w.ghl, first.contact_id),
        Some(json!({ "tags": tags })),
    )
    .await;
    requests_since_clear(&w.ghl).await;
    let again = push_one(&ghl, &one(&client), None, &mut state, &mut store, &now_ms)
        .await
        .unwrap();
    assert_eq!(again.outcome, Outcome::Unchanged, "{again:?}");
    assert_eq!(
        requests_since_clear(&w.ghl).await,
        vec![format!("GET /contacts/{}", first.contact_id)],
        "one read by id, no write"
    );

    // A status change: the status tag is swapped, vip stays, one new note.
    client.athlete.status = Some("Needs Training".into());
    let changed = push_one(&ghl, &one(&client), None, &mut state, &mut store, &now_ms)
        .await
        .unwrap();
    assert_eq!(changed.outcome, Outcome::Updated);
    let c = &w.contacts().await[0];
    let tags: BTreeSet<&str> = c["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(
        tags.contains("vip")
            && tags.contains("fitr:needs-training")
            && !tags.contains("fitr:active"),
        "{tags:?}"
    );
    assert_eq!(c["notes"].as_array().unwrap().len(), 2);

    // Deleted in GHL: the next push finds no contact by id and creates it once again.
    call(
        "DELETE",
        &format!("{}/_admin/contacts/{}", w.ghl, first.contact_id),
        None,
    )
    .await;
    let recreated = push_one(&ghl, &one(&client), None, &mut state, &mut store, &now_ms)
        .await
        .unwrap();
    assert_ne!(recreated.contact_id, first.contact_id);
    assert_eq!(w.contacts().await.len(), 1);
    assert_eq!(
        state.links[&client.athlete.id].contact_id,
        recreated.contact_id
    );
}

#[tokio::test]
async fn a_push_whose_create_was_stored_but_refused_or_cut_short_ends_with_one_contact() {
    use shared::sync::push_one;
    let w = world(30, ghl_sandbox::Sandbox::default()).await;
    let ghl = w.client();
    let m = mapping();
    let mut pushable = w.clients.iter().filter(|c| map_client(c, &m).is_ok());
    let one = |c: &FitrClient| candidates(std::slice::from_ref(c), |c| map_client(c, &m)).remove(0);

    // G1: the create is stored, then answered 422. The push settles it by lookup.
    w.config(json!({"storeRejectedCreates": true})).await;
    let a = pushable.next().unwrap();
    let mut state = SyncState::default();
    let mut store = MemoryStore::default();
    let report = push_one(&ghl, &one(a), None, &mut state, &mut store, &now_ms)
        .await
        .unwrap();
    w.config(json!({"storeRejectedCreates": false})).await;
    assert_eq!(w.contacts().await.len(), 1);
    assert_eq!(state.links[&a.athlete.id].contact_id, report.contact_id);

    // The worker stops after the first lookup: the job is saved as started, nothing created.
    let b = pushable.next().unwrap();
    let dying = GhlClient::new(
        DiesAfter {
            inner: NativeTransport::default(),
            left: Cell::new(1),
        },
        credentials(&w.ghl, ghl_sandbox::DEMO_TOKEN),
    );
    let cut = push_one(&dying, &one(b), None, &mut state, &mut store, &now_ms).await;
    assert!(cut.unwrap_err().contains("push again"));
    assert_eq!(w.contacts().await.len(), 1, "only a lookup went through");
    // Next, the create reaches GHL but its answer is lost: the job stays started on it.
    let dying = GhlClient::new(
        LosesCreateAnswer {
            inner: NativeTransport::default(),
            lost: Cell::new(false),
        },
        credentials(&w.ghl, ghl_sandbox::DEMO_TOKEN),
    );
    let unfinished = store.jobs.get(&0).cloned();
    let cut = push_one(&dying, &one(b), unfinished, &mut state, &mut store, &now_ms).await;
    assert!(cut.is_err());
    assert_eq!(w.contacts().await.len(), 2, "the create reached GHL");
    // The next push finishes the cut-short job first (settled by lookup): no second contact.
    let unfinished = store.jobs.get(&0).cloned();
    assert!(
        unfinished
            .as_ref()
            .is_some_and(|j| j.state == JobState::Pending)
    );
    let report = push_one(&ghl, &one(b), unfinished, &mut state, &mut store, &now_ms)
        .await
        .unwrap();
    assert_eq!(w.contacts().await.len(), 2);
    assert_eq!(state.links[&b.athlete.id].contact_id, report.contact_id);
    assert_exact(&w.contacts().await, &expected(&[a.clone(), b.clone()]));
}

/// A transport whose first create reaches GHL but whose answer is lost (the worker stopped
/// while waiting for it); nothing after it is sent.
struct LosesCreateAnswer {
    inner: NativeTransport,
    lost: Cell<bool>,
}

impl Transport for LosesCreateAnswer {
    async fn call(
        &self,
        req: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, TransportError> {
        if self.lost.get() {
            return Err(TransportError("the service worker was stopped".into()));
        }
        let create = req.method() == http::Method::POST && req.uri().path() == "/contacts/";
        let res = self.inner.call(req).await;
        if create {
            self.lost.set(true);
            return Err(TransportError("the service worker was stopped".into()));
        }
        res
    }
}

#[tokio::test]
async fn a_refused_token_pauses_the_run_instead_of_failing_every_client() {
    let w = world(12, ghl_sandbox::Sandbox::default()).await;
    let mut state = SyncState::default();
    let plan = w.plan(&state).await;
    let mut store = MemoryStore::default();
    let mut outbox = Outbox::from_plan("run-1", &plan, now_ms());
    store.put(&outbox);
    let revoked = GhlClient::new(
        Paced::new(NativeTransport::default(), TokioClock::default()),
        credentials(&w.ghl, "pit-revoked"),
    );
    let end = run(&revoked, &mut outbox, &mut state, &mut store).await;
    assert!(
        matches!(&end, Err(Interrupted::Unauthorized(m)) if m.contains("401")),
        "{end:?}"
    );
    let saved = store.outbox().unwrap();
    assert_eq!(saved.meta.state, RunState::Paused);
    assert_eq!(saved.progress().failed, 0, "no client is failed for it");
    // With the token fixed, resuming finishes the run exactly.
    let mut outbox = store.outbox().unwrap();
    assert_eq!(
        run(&w.client(), &mut outbox, &mut state, &mut store).await,
        Ok(RunState::Finished)
    );
    assert_exact(&w.contacts().await, &expected(&w.clients));
}

#[tokio::test]
async fn a_push_never_takes_a_contact_linked_to_another_client() {
    use shared::sync::push_one;
    let w = world(20, ghl_sandbox::Sandbox::default()).await;
    let ghl = w.client();
    let m = mapping();
    let a = w
        .clients
        .iter()
        .find(|c| map_client(c, &m).is_ok())
        .unwrap();
    let one = |c: &FitrClient| candidates(std::slice::from_ref(c), |c| map_client(c, &m)).remove(0);
    let mut state = SyncState::default();
    let mut store = MemoryStore::default();
    push_one(&ghl, &one(a), None, &mut state, &mut store, &now_ms)
        .await
        .unwrap();
    // A second FITR client with the same email (a parent and a child sharing one).
    let mut b = a.clone();
    b.athlete.id += 1_000_000;
    b.athlete.status = Some("Pending".into());
    let before = w.contacts().await;
    let refused = push_one(&ghl, &one(&b), None, &mut state, &mut store, &now_ms).await;
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.contains("already linked to FITR client")),
        "{refused:?}"
    );
    assert_eq!(w.contacts().await, before, "nothing written");
    assert!(!state.links.contains_key(&b.athlete.id));
}

#[tokio::test]
async fn pull_finds_what_changed_in_ghl_since_its_cursor_with_tasks_and_deletions() {
    use shared::{
        ghl::NewTask,
        sync::pull::{Badge, PullCursor, Snapshots, badge, pull},
    };
    let w = world(15, ghl_sandbox::Sandbox::default()).await;
    let mut state = SyncState::default();
    let plan = w.plan(&state).await;
    let ghl = w.client();
    let mut store = MemoryStore::default();
    let mut outbox = Outbox::from_plan("run-1", &plan, now_ms());
    run(&ghl, &mut outbox, &mut state, &mut store)
        .await
        .unwrap();
    let linked = state.links.len();
    assert!(linked >= 8, "{linked}");

    // The first pull reads everything once: a snapshot and the tasks of every linked client.
    let mut snaps = Snapshots::new();
    let first = pull(
        &ghl,
        &state,
        &mut snaps,
        &PullCursor::default(),
        0,
        now_ms(),
    )
    .await
    .unwrap();
    assert_eq!(first.changed.len(), linked);
    assert_eq!(first.tasks_read, linked);
    assert!(first.cursor.since.is_some());
    for (id, link) in &state.links {
        assert_eq!(
            badge(Some(link), snaps.get(id), None, "fitr:"),
            Badge::UpToDate
        );
    }

    // Nothing changed: one search request, nothing read.
    requests_since_clear(&w.ghl).await;
    let idle = pull(&ghl, &state, &mut snaps, &first.cursor, 0, now_ms())
        .await
        .unwrap();
    assert!(idle.changed.is_empty() && idle.tasks_read == 0, "{idle:?}");
    assert_eq!(
        requests_since_clear(&w.ghl).await,
        vec!["POST /contacts/search".to_string()]
    );

    // In GHL: a coach removes a FITR tag and adds their own on one contact, a task is added to
    // it, an automation changes another's timezone (no event, G12), and a third is deleted.
    let ids: Vec<(u64, String)> = state
        .links
        .iter()
        .map(|(f, l)| (*f, l.contact_id.0.clone()))
        .collect();
    let (x, xc) = &ids[0];
    let (y, yc) = &ids[1];
    let (z, zc) = &ids[2];
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    call(
        "PATCH",
        &format!("{}/_admin/contacts/{xc}", w.ghl),
        Some(json!({"tags": ["vip"]})),
    )
    .await;
    ghl.tasks()
        .create(
            &xc.as_str().into(),
            &NewTask {
                title: "Call about renewal".into(),
                body: None,
                due_date: "2026-12-10T09:00:00Z".into(),
                completed: false,
                assigned_to: None,
            },
        )
        .await
        .unwrap();
    call(
        "PATCH",
        &format!("{}/_admin/contacts/{yc}", w.ghl),
        Some(json!({"timezone": "Europe/London"})),
    )
    .await;
    call("DELETE", &format!("{}/_admin/contacts/{zc}", w.ghl), None).await;

    let next = pull(&ghl, &state, &mut snaps, &first.cursor, 0, now_ms())
        .await
        .unwrap();
    let mut changed = next.changed.clone();
    changed.sort();
    let mut want = vec![*x, *y];
    want.sort();
    assert_eq!(changed, want, "{next:?}");
    assert_eq!(next.tasks_read, 2);
    assert_eq!(snaps[x].tasks.len(), 1);
    assert_eq!(
        snaps[x].tasks[0].title.as_deref(),
        Some("Call about renewal")
    );
    assert_eq!(
        badge(state.links.get(x), snaps.get(x), None, "fitr:"),
        Badge::Differs {
            what: vec!["FITR tags".into()]
        }
    );
    assert_eq!(
        badge(state.links.get(y), snaps.get(y), None, "fitr:"),
        Badge::UpToDate,
        "a timezone is not something this product writes"
    );

    // A deletion shows in no `dateUpdated` search: a full pull, once the links are older than
    // search lag explains, reads unlisted linked contacts by id.
    for link in state.links.values_mut() {
        if let Some(s) = link.synced.as_mut() {
            s.at_ms -= shared::sync::engine::LAG_GRACE_MS;
        }
    }
    let full = pull(
        &ghl,
        &state,
        &mut snaps,
        &PullCursor::default(),
        0,
        now_ms(),
    )
    .await
    .unwrap();
    assert_eq!(full.missing, vec![*z]);
    assert_eq!(
        badge(state.links.get(z), snaps.get(z), None, "fitr:"),
        Badge::Missing
    );
}

#[tokio::test]
async fn a_bulk_sync_writes_the_phone_fitr_serves_on_the_client_record() {
    // Found by a newcomer's test: the list endpoints carry no phone, so a bulk sync once
    // created every contact without one while a single push wrote it.
    let w = world(40, ghl_sandbox::Sandbox::default()).await;
    let m = mapping();
    let phones: BTreeMap<String, String> = w
        .clients
        .iter()
        .filter_map(|c| map_client(c, &m).ok())
        .filter_map(|d| Some((d.email.clone(), d.phone.clone()?)))
        .collect();
    assert!(
        phones.len() >= 10,
        "the replica serves phones: {}",
        phones.len()
    );
    let mut state = SyncState::default();
    let plan = w.plan(&state).await;
    let mut store = MemoryStore::default();
    let mut outbox = Outbox::from_plan("run-1", &plan, now_ms());
    run(&w.client(), &mut outbox, &mut state, &mut store)
        .await
        .unwrap();
    let contacts = w.contacts().await;
    for (email, phone) in &phones {
        let c = contacts
            .iter()
            .find(|c| c["email"] == email.as_str())
            .unwrap_or_else(|| panic!("{email} in GHL"));
        assert_eq!(c["phone"], phone.as_str(), "{email}");
    }
}
