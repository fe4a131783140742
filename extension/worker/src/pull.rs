//! GHL → FITR in the worker: the pull (what changed in GHL since the cursor), the badges FITR
//! rows show, and the automatic rules, all run by an alarm every few minutes.
//!
//! Storage (per GHL location): `snap:<locationId>:<fitrId>` (a [`Snapshot`]) and
//! `pull:<locationId>` (the [`PullCursor`]).

use std::collections::BTreeSet;

use shared::{
    fitr::FitrApi,
    ghl::contact_url,
    mapping::map_client,
    protocol::ClientBadge,
    sync::{
        Outbox, auto_select,
        bulk::{candidates, ghl_listing},
        outbox::skipped,
        plan_bulk,
        pull::{PullCursor, PullReport, Snapshot, Snapshots, badge, pull},
    },
    transport::FetchTransport,
};

use crate::{
    chrome::{self, Area},
    handlers::resolved_mapping,
    store, sync,
};

/// The alarm that pulls and applies the automatic rules.
pub const ALARM: &str = "fitr-ghl-pull";
/// Minutes between pulls.
const PERIOD_MINUTES: f64 = 5.0;
/// Tasks read per pull besides those of changed contacts.
const TASK_BUDGET: usize = 20;

fn snap_prefix(location: &str) -> String {
    format!("snap:{location}:")
}

fn cursor_key(location: &str) -> String {
    format!("pull:{location}")
}

async fn load_snapshots(location: &str) -> Result<Snapshots, String> {
    let prefix = snap_prefix(location);
    let mut snaps = Snapshots::new();
    for (key, value) in chrome::get_prefixed(&prefix).await? {
        if let (Ok(id), Ok(snap)) = (
            key[prefix.len()..].parse::<u64>(),
            serde_json::from_value::<Snapshot>(value),
        ) {
            snaps.insert(id, snap);
        }
    }
    Ok(snaps)
}

/// Keep the pull alarm set (called when the worker starts).
pub async fn ensure_alarm() {
    let _ = chrome::keep_alarm(ALARM, PERIOD_MINUTES).await;
}

/// Pull now: search what changed since the cursor, save the snapshots that changed.
pub async fn pull_now() -> Result<PullReport, String> {
    let settings = sync::settings().await?;
    let location = settings.location_id.clone();
    let ghl = sync::ghl(&settings);
    let state = store::load_state(&location).await?;
    let before = load_snapshots(&location).await?;
    let mut snaps = before.clone();
    let cursor: PullCursor = chrome::get(Area::Local, &cursor_key(&location))
        .await?
        .unwrap_or_default();
    let report = pull(
        &ghl,
        &state,
        &mut snaps,
        &cursor,
        TASK_BUDGET,
        sync::now_ms(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut items = Vec::new();
    for (id, snap) in &snaps {
        if before.get(id) != Some(snap) {
            items.push((
                format!("{}{id}", snap_prefix(&location)),
                chrome::js_value(snap)?,
            ));
        }
    }
    items.push((cursor_key(&location), chrome::js_value(&report.cursor)?));
    chrome::set_many(Area::Local, &items).await?;
    Ok(report)
}

/// The badges of these clients.
pub async fn badges(client_ids: &[u64]) -> Result<Vec<ClientBadge>, String> {
    let Some(settings) = chrome::load_settings().await? else {
        return Ok(Vec::new());
    };
    let location = settings.location_id.clone();
    let state = store::load_state(&location).await?;
    let snaps = load_snapshots(&location).await?;
    let skipped = store::load_meta()
        .await?
        .filter(|m| m.location == location)
        .map(|m| m.skipped)
        .unwrap_or_default();
    let prefix = &settings.mapping.tag_prefix;
    Ok(client_ids
        .iter()
        .map(|id| {
            let link = state.links.get(id);
            let snap = snaps.get(id);
            let ambiguous = skipped
                .iter()
                .find(|f| f.fitr_id == *id && f.ambiguous)
                .map(|f| f.reason.as_str());
            ClientBadge {
                fitr_id: *id,
                badge: badge(link, snap, ambiguous, prefix),
                contact_url: link.map(|l| contact_url(&location.as_str().into(), &l.contact_id)),
                tags: snap.map(|s| s.tags.clone()).unwrap_or_default(),
                open_tasks: snap.map_or(0, |s| s.tasks.iter().filter(|t| !t.completed).count()),
            }
        })
        .collect())
}

/// The automatic rules: with a FITR session remembered and no run or push under way, plan every
/// client and run only what the rules allow (linked clients' changes; new Pending clients when
/// the coach turned that on).
pub async fn auto_sync() -> Result<usize, String> {
    let Some(fitr) = sync::remembered_session().await? else {
        return Ok(0);
    };
    // Quietly skipped when a run or a push is under way; the next alarm tries again.
    let Ok(_starting) = sync::claim_start().await else {
        return Ok(0);
    };
    let settings = sync::settings().await?;
    let ghl = sync::ghl(&settings);
    let mapping = resolved_mapping(&ghl, &settings).await?;
    let state = store::load_state(&settings.location_id).await?;
    let clients = FitrApi::new(FetchTransport, &fitr.origin, &fitr.token)
        .every_client()
        .await
        .map_err(|e| e.to_string())?;
    let pending: BTreeSet<u64> = clients
        .iter()
        .filter(|c| {
            c.athlete
                .status
                .as_deref()
                .is_some_and(|s| s.trim().eq_ignore_ascii_case("pending"))
        })
        .map(|c| c.athlete.id)
        .collect();
    let listing = ghl_listing(&ghl).await.map_err(|e| e.to_string())?;
    let plan = plan_bulk(
        &candidates(&clients, |c| map_client(c, &mapping)),
        &listing,
        &state,
        ghl.location_id(),
        sync::now_ms(),
    );
    let chosen = auto_select(&plan, &state, &pending, settings.mapping.auto_push_pending);
    if chosen.items.is_empty() {
        return Ok(0);
    }
    let mut outbox =
        Outbox::from_plan(&format!("auto-{}", sync::now_ms()), &chosen, sync::now_ms());
    outbox.meta.location = settings.location_id.clone();
    // The whole plan's ambiguous and refused clients, for the badges.
    outbox.meta.skipped = skipped(&plan);
    sync::begin(&outbox).await?;
    Ok(outbox.jobs.len())
}
