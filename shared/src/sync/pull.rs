//! Pull, GHL → FITR: what changed in GHL since a cursor, kept per linked client as a snapshot
//! for FITR's views and badges.
//!
//! Change events are incomplete (G12), so the pull searches contacts by `dateUpdated` since a
//! cursor (sorted ascending, pages of 500): after the first, full pull, an idle location costs
//! one search request. The tasks of the contacts that changed are read again, plus a few of the
//! least recently read ones per pull (`task_budget`), since a task change may not move the
//! contact's `dateUpdated`. A linked contact missing from a full pull is read by id before it
//! is called missing (search lags, G20).
//!
//! The folding of results into snapshots, the cursor, the choice of tasks to read and the badge
//! are pure; [`pull`] does the requests.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{
    engine::{CLOCK_SKEW_MS, LAG_GRACE_MS},
    state::{Link, SyncState, parse_time_ms},
};
use crate::{
    Transport,
    ghl::{
        ContactId, Error, GhlClient, Task,
        search::{Direction, Filter, MAX_PAGE_LIMIT, SearchContact, SearchContacts, SortField},
    },
};

/// GHL's `dateUpdated` of the newest change seen, as GHL wrote it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PullCursor {
    pub since: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskSummary {
    pub id: String,
    pub title: Option<String>,
    pub due_date: Option<String>,
    pub completed: bool,
}

impl From<&Task> for TaskSummary {
    fn from(t: &Task) -> Self {
        Self {
            id: t.id.0.clone(),
            title: t.title.clone(),
            due_date: t.due_date.clone(),
            completed: t.completed,
        }
    }
}

/// A linked client's contact as GHL last showed it. Names are search's lower-cased ones (G21).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub contact_id: ContactId,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub tags: Vec<String>,
    pub date_updated_ms: Option<i64>,
    pub tasks: Vec<TaskSummary>,
    /// When the tasks were last read; `None`: never.
    pub tasks_at_ms: Option<i64>,
    /// GHL answered 404 for the linked contact.
    pub missing: bool,
}

/// FITR client id → snapshot.
pub type Snapshots = BTreeMap<u64, Snapshot>;

/// Fold search results into the snapshots of linked clients; returns the clients whose
/// snapshot changed. A result no newer than the snapshot (the cursor's boundary is inclusive)
/// changes nothing.
pub fn apply_changes(
    state: &SyncState,
    snapshots: &mut Snapshots,
    changed: &[SearchContact],
) -> Vec<u64> {
    let owners: BTreeMap<&ContactId, u64> = state
        .links
        .iter()
        .map(|(fitr, l)| (&l.contact_id, *fitr))
        .collect();
    let mut touched = Vec::new();
    for c in changed {
        let Some(&fitr_id) = owners.get(&c.id) else {
            continue;
        };
        let updated = c.date_updated.as_ref().and_then(parse_time_ms);
        let snap = snapshots.entry(fitr_id).or_default();
        let stale = snap.contact_id != c.id;
        if !stale && !snap.missing && updated.is_some() && snap.date_updated_ms >= updated {
            continue;
        }
        if stale {
            *snap = Snapshot::default();
        }
        snap.contact_id = c.id.clone();
        snap.first_name = c.first_name_lower_case.clone();
        snap.last_name = c.last_name_lower_case.clone();
        snap.email = c.email.clone();
        snap.phone = c.phone.clone();
        snap.tags = c.tags.clone();
        snap.date_updated_ms = updated;
        snap.missing = false;
        touched.push(fitr_id);
    }
    touched
}

/// The cursor after these results: the newest `dateUpdated` seen, never going back.
pub fn next_cursor(cursor: &PullCursor, changed: &[SearchContact]) -> PullCursor {
    let ms = |v: &Value| parse_time_ms(v);
    let mut best = cursor.since.clone();
    for c in changed {
        if let Some(d) = &c.date_updated
            && ms(d).is_some()
            && best.as_ref().and_then(ms) < ms(d)
        {
            best = Some(d.clone());
        }
    }
    PullCursor { since: best }
}

/// Whose tasks to read: every client in `changed`, then up to `budget` other linked clients,
/// those never read first, then the least recently read.
pub fn tasks_to_refresh(
    state: &SyncState,
    snapshots: &Snapshots,
    changed: &[u64],
    budget: usize,
) -> Vec<u64> {
    let mut out: Vec<u64> = changed.to_vec();
    let chosen: BTreeSet<u64> = changed.iter().copied().collect();
    let mut rest: Vec<(Option<i64>, u64)> = state
        .links
        .keys()
        .filter(|id| !chosen.contains(id))
        .map(|id| (snapshots.get(id).and_then(|s| s.tasks_at_ms), *id))
        .collect();
    rest.sort();
    out.extend(rest.into_iter().take(budget).map(|(_, id)| id));
    out
}

/// What a FITR row shows about its client's GHL contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Badge {
    /// Not pushed yet.
    NotInGhl,
    /// In GHL, and unchanged there since this product's last sync.
    UpToDate,
    /// Changed in GHL after the last sync, in what this product writes.
    Differs { what: Vec<String> },
    /// The linked contact was deleted in GHL.
    Missing,
    /// For the coach to decide: why.
    Ambiguous { reason: String },
}

/// The badge of one client from its link, its snapshot, and the last run's ambiguity (if any).
/// Only changes after the last sync count, and only in what this product writes: names, email,
/// phone and the managed tags (`prefix`); a coach's own tags are not a difference.
pub fn badge(
    link: Option<&Link>,
    snapshot: Option<&Snapshot>,
    ambiguous: Option<&str>,
    prefix: &str,
) -> Badge {
    // The last full plan's word comes first: a linked client can become ambiguous (another
    // FITR client now has its email).
    if let Some(reason) = ambiguous {
        return Badge::Ambiguous {
            reason: reason.to_owned(),
        };
    }
    let Some(link) = link else {
        return Badge::NotInGhl;
    };
    let Some(snap) = snapshot.filter(|s| s.contact_id == link.contact_id) else {
        return Badge::UpToDate;
    };
    if snap.missing {
        return Badge::Missing;
    }
    let Some(synced) = &link.synced else {
        return Badge::UpToDate;
    };
    if snap
        .date_updated_ms
        .is_some_and(|u| u <= synced.at_ms + CLOCK_SKEW_MS)
    {
        return Badge::UpToDate;
    }
    let lower = |s: &Option<String>| s.as_deref().unwrap_or("").trim().to_lowercase();
    let digits = |s: &Option<String>| {
        s.as_deref()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>()
    };
    let mut what = Vec::new();
    if lower(&snap.first_name) != lower(&synced.first_name)
        || lower(&snap.last_name) != lower(&synced.last_name)
    {
        what.push("name".to_owned());
    }
    if lower(&snap.email) != synced.email.trim().to_lowercase() {
        what.push("email".to_owned());
    }
    if synced.phone.is_some() && digits(&snap.phone) != digits(&synced.phone) {
        what.push("phone".to_owned());
    }
    let prefix = prefix.to_lowercase();
    let managed: BTreeSet<String> = snap
        .tags
        .iter()
        .map(|t| t.trim().to_lowercase())
        .filter(|t| t.starts_with(&prefix))
        .collect();
    let wrote: BTreeSet<String> = synced.tags.iter().map(|t| t.to_lowercase()).collect();
    if managed != wrote {
        what.push("FITR tags".to_owned());
    }
    if what.is_empty() {
        Badge::UpToDate
    } else {
        Badge::Differs { what }
    }
}

/// What one pull did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PullReport {
    /// Linked clients whose contact changed in GHL.
    pub changed: Vec<u64>,
    pub tasks_read: usize,
    /// Linked clients whose contact GHL no longer has.
    pub missing: Vec<u64>,
    pub cursor: PullCursor,
}

/// Search what changed since `cursor` (everything when it is empty), fold it into the
/// snapshots, read tasks, and on a full pull check unlisted linked contacts by id.
pub async fn pull<T: Transport>(
    ghl: &GhlClient<T>,
    state: &SyncState,
    snapshots: &mut Snapshots,
    cursor: &PullCursor,
    task_budget: usize,
    now_ms: i64,
) -> Result<PullReport, Error> {
    let mut search = SearchContacts::new(ghl.location_id().clone(), MAX_PAGE_LIMIT)
        .sort_by(SortField::DateUpdated, Direction::Asc);
    if let Some(since) = &cursor.since {
        search = search.filter(Filter::range("dateUpdated", since.clone(), None));
    }
    let found = ghl.contacts().search_pages(search).collect_all().await?;
    let changed = apply_changes(state, snapshots, &found);
    let mut missing = Vec::new();
    if cursor.since.is_none() {
        let listed: BTreeSet<&ContactId> = found.iter().map(|c| &c.id).collect();
        for (fitr_id, link) in &state.links {
            let recent = link
                .synced
                .as_ref()
                .is_some_and(|s| now_ms - s.at_ms < LAG_GRACE_MS);
            if listed.contains(&link.contact_id) || recent {
                continue;
            }
            match ghl.contacts().get(&link.contact_id).await {
                Err(e) if e.is_not_found() => {
                    let snap = snapshots.entry(*fitr_id).or_default();
                    snap.contact_id = link.contact_id.clone();
                    snap.missing = true;
                    missing.push(*fitr_id);
                }
                Err(e) => return Err(e),
                Ok(_) => {}
            }
        }
    }
    let mut tasks_read = 0;
    for fitr_id in tasks_to_refresh(state, snapshots, &changed, task_budget) {
        let Some(link) = state.links.get(&fitr_id) else {
            continue;
        };
        if snapshots.get(&fitr_id).is_some_and(|s| s.missing) {
            continue;
        }
        let tasks = match ghl.tasks().list(&link.contact_id).await {
            Ok(t) => t,
            Err(e) if e.is_not_found() => continue,
            Err(e) => return Err(e),
        };
        tasks_read += 1;
        let snap = snapshots.entry(fitr_id).or_default();
        if snap.contact_id != link.contact_id {
            *snap = Snapshot {
                contact_id: link.contact_id.clone(),
                ..Snapshot::default()
            };
        }
        snap.tasks = tasks.iter().map(TaskSummary::from).collect();
        snap.tasks_at_ms = Some(now_ms);
    }
    Ok(PullReport {
        changed,
        tasks_read,
        missing,
        cursor: next_cursor(cursor, &found),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::sync::state::Synced;

    fn listed(id: &str, updated: &str, tags: &[&str]) -> SearchContact {
        serde_json::from_value(json!({
            "id": id, "email": "zoe@example.org", "tags": tags,
            "firstNameLowerCase": "zoë", "lastNameLowerCase": "o'neill-hart",
            "dateUpdated": updated,
        }))
        .unwrap()
    }

    fn link(id: &str, at_ms: i64, tags: &[&str]) -> Link {
        Link {
            contact_id: ContactId(id.into()),
            synced: Some(Synced {
                first_name: Some("Zoë".into()),
                last_name: Some("O'Neill-Hart".into()),
                email: "zoe@example.org".into(),
                phone: None,
                tags: tags.iter().map(|t| t.to_string()).collect(),
                custom_fields: vec![],
                note: String::new(),
                at_ms,
            }),
        }
    }

    const T0: &str = "2026-12-01T10:00:00.000Z";
    const T1: &str = "2026-12-01T11:00:00.000Z";

    #[test]
    fn only_linked_contacts_newer_than_their_snapshot_change_it_and_the_cursor_only_moves_on() {
        let mut state = SyncState::default();
        state.links.insert(7, link("c7", 0, &[]));
        let mut snaps = Snapshots::new();
        let first = [listed("c7", T0, &["vip"]), listed("other", T1, &[])];
        assert_eq!(apply_changes(&state, &mut snaps, &first), vec![7]);
        assert_eq!(snaps[&7].tags, vec!["vip".to_string()]);
        // The boundary is seen again: no change.
        assert_eq!(
            apply_changes(&state, &mut snaps, &[listed("c7", T0, &["vip"])]),
            Vec::<u64>::new()
        );
        let cursor = next_cursor(&PullCursor::default(), &first);
        assert_eq!(cursor.since, Some(json!(T1)));
        assert_eq!(next_cursor(&cursor, &[listed("c7", T0, &[])]), cursor);
    }

    #[test]
    fn tasks_are_read_for_changed_clients_then_the_least_recently_read() {
        let mut state = SyncState::default();
        for id in [1, 2, 3, 4] {
            state.links.insert(id, link(&format!("c{id}"), 0, &[]));
        }
        let mut snaps = Snapshots::new();
        for (id, at) in [(1, Some(50)), (2, Some(10)), (3, None)] {
            snaps.insert(
                id,
                Snapshot {
                    tasks_at_ms: at,
                    ..Snapshot::default()
                },
            );
        }
        assert_eq!(tasks_to_refresh(&state, &snaps, &[4], 2), vec![4, 3, 2]);
    }

    #[test]
    fn badges() {
        let at = parse_time_ms(&json!(T0)).unwrap();
        let l = link("c7", at, &["fitr:active"]);
        let snap = |updated: &str, tags: &[&str]| Snapshot {
            contact_id: ContactId("c7".into()),
            first_name: Some("zoë".into()),
            last_name: Some("o'neill-hart".into()),
            email: Some("Zoe@Example.org".into()),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            date_updated_ms: parse_time_ms(&json!(updated)),
            ..Snapshot::default()
        };
        assert_eq!(badge(None, None, None, "fitr:"), Badge::NotInGhl);
        assert_eq!(
            badge(None, None, Some("two contacts"), "fitr:"),
            Badge::Ambiguous {
                reason: "two contacts".into()
            }
        );
        assert_eq!(badge(Some(&l), None, None, "fitr:"), Badge::UpToDate);
        assert_eq!(
            badge(Some(&l), None, Some("shares an email"), "fitr:"),
            Badge::Ambiguous {
                reason: "shares an email".into()
            }
        );
        // A coach's own tag is no difference.
        assert_eq!(
            badge(
                Some(&l),
                Some(&snap(T1, &["fitr:active", "vip"])),
                None,
                "fitr:"
            ),
            Badge::UpToDate
        );
        assert_eq!(
            badge(Some(&l), Some(&snap(T1, &["vip"])), None, "fitr:"),
            Badge::Differs {
                what: vec!["FITR tags".into()]
            }
        );
        // Not changed after the sync (a lagging projection): up to date.
        assert_eq!(
            badge(Some(&l), Some(&snap(T0, &[])), None, "fitr:"),
            Badge::UpToDate
        );
        let mut gone = snap(T1, &[]);
        gone.missing = true;
        assert_eq!(badge(Some(&l), Some(&gone), None, "fitr:"), Badge::Missing);
    }
}
