//! The sync's memory in `chrome.storage.local`, one key per record so that each save is small:
//! - `link:<locationId>:<fitrId>`: a [`Link`] (FITR client ↔ GHL contact, and what was last
//!   written), per GHL location, since a contact id means nothing in another location;
//! - `sync:meta` and `sync:job:<n>`: the bulk run's outbox (its header names its location);
//! - `push:<locationId>:<fitrId>`: the job of a push while it runs, kept only if it was cut
//!   short (settled by the next push of that client).

use shared::sync::{Job, JobState, Link, Outbox, OutboxStore, SyncState, outbox::RunMeta};

use crate::chrome::{self, Area};

const META: &str = "sync:meta";
const JOB: &str = "sync:job:";

fn job_key(index: usize) -> String {
    format!("{JOB}{index}")
}

fn push_key(location: &str, fitr_id: u64) -> String {
    format!("push:{location}:{fitr_id}")
}

fn link_prefix(location: &str) -> String {
    format!("link:{location}:")
}

fn link_key(location: &str, fitr_id: u64) -> String {
    format!("{}{fitr_id}", link_prefix(location))
}

/// Where a job is saved: a slot of the bulk run, or one client's push.
pub enum Slot {
    Run,
    Push(u64),
}

/// The engine's store for one GHL location.
pub struct ChromeStore {
    pub location: String,
    pub slot: Slot,
}

impl OutboxStore for ChromeStore {
    async fn save_meta(&mut self, meta: &RunMeta) -> Result<(), String> {
        chrome::set(Area::Local, META, meta).await
    }

    async fn save_job(&mut self, index: usize, job: &Job) -> Result<(), String> {
        let key = match self.slot {
            Slot::Run => job_key(index),
            Slot::Push(id) => push_key(&self.location, id),
        };
        chrome::set(Area::Local, &key, job).await
    }

    async fn save_link(&mut self, fitr_id: u64, link: Option<&Link>) -> Result<(), String> {
        let key = link_key(&self.location, fitr_id);
        match link {
            Some(l) => chrome::set(Area::Local, &key, l).await,
            None => chrome::remove(&[key]).await,
        }
    }
}

/// Every stored link of this location.
pub async fn load_state(location: &str) -> Result<SyncState, String> {
    let mut state = SyncState::default();
    let prefix = link_prefix(location);
    for (key, value) in chrome::get_prefixed(&prefix).await? {
        let Ok(id) = key[prefix.len()..].parse::<u64>() else {
            continue;
        };
        let link: Link = serde_json::from_value(value)
            .map_err(|e| format!("the stored link {key:?} is unreadable ({e})"))?;
        state.links.insert(id, link);
    }
    Ok(state)
}

pub async fn save_meta(meta: &RunMeta) -> Result<(), String> {
    chrome::set(Area::Local, META, meta).await
}

pub async fn load_meta() -> Result<Option<RunMeta>, String> {
    chrome::get(Area::Local, META).await
}

/// The bulk run's outbox as saved, if a run was ever started: one storage read for all its
/// jobs (the options page asks for progress every second).
pub async fn load_outbox() -> Result<Option<Outbox>, String> {
    let Some(meta) = load_meta().await? else {
        return Ok(None);
    };
    let mut slots: Vec<Option<Job>> = vec![None; meta.jobs];
    for (key, value) in chrome::get_prefixed(JOB).await? {
        if let Some(slot) = key[JOB.len()..]
            .parse::<usize>()
            .ok()
            .and_then(|i| slots.get_mut(i))
        {
            *slot = Some(
                serde_json::from_value(value)
                    .map_err(|e| format!("the stored {key:?} is unreadable ({e})"))?,
            );
        }
    }
    let jobs = slots
        .into_iter()
        .enumerate()
        .map(|(index, job)| {
            job.ok_or_else(|| format!("the sync's job {index} is missing from storage"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Outbox { meta, jobs }))
}

/// Save a new run's whole outbox, jobs first and the header last, and drop the jobs of an
/// older, longer run.
pub async fn put_outbox(outbox: &Outbox) -> Result<(), String> {
    let old = load_meta().await?.map(|m| m.jobs).unwrap_or(0);
    let mut items = Vec::with_capacity(outbox.jobs.len());
    for (index, job) in outbox.jobs.iter().enumerate() {
        items.push((job_key(index), chrome::js_value(job)?));
    }
    chrome::set_many(Area::Local, &items).await?;
    let stale: Vec<String> = (outbox.jobs.len()..old).map(job_key).collect();
    if !stale.is_empty() {
        chrome::remove(&stale).await?;
    }
    chrome::set(Area::Local, META, &outbox.meta).await
}

/// Mark every pending job of a cancelled run as cancelled (its header already says so, so a
/// worker stopped half-way leaves nothing that could resume).
pub async fn cancel_pending_jobs() -> Result<(), String> {
    let Some(outbox) = load_outbox().await? else {
        return Ok(());
    };
    let mut items = Vec::new();
    for (index, mut job) in outbox.jobs.into_iter().enumerate() {
        if job.state == JobState::Pending {
            job.state = JobState::Cancelled;
            items.push((job_key(index), chrome::js_value(&job)?));
        }
    }
    chrome::set_many(Area::Local, &items).await
}

pub async fn load_push_job(location: &str, fitr_id: u64) -> Result<Option<Job>, String> {
    chrome::get(Area::Local, &push_key(location, fitr_id)).await
}

/// Forget a push's job once it has ended (done or failed); a job cut short is kept.
pub async fn drop_ended_push(location: &str, fitr_id: u64) -> Result<(), String> {
    if let Some(job) = load_push_job(location, fitr_id).await?
        && job.state != JobState::Pending
    {
        chrome::remove(&[push_key(location, fitr_id)]).await?;
    }
    Ok(())
}
