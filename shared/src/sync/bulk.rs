//! The reads that feed the engine, and a store that keeps the outbox in memory.

use std::collections::BTreeMap;

use super::{
    engine::{BulkPlan, Candidate, plan_bulk},
    outbox::{Job, Outbox, OutboxStore, RunMeta},
    state::{Link, SyncState},
};
use crate::{
    Transport,
    fitr::{FitrApi, FitrClient, FitrError},
    ghl::{
        Error, GhlClient,
        search::{MAX_PAGE_LIMIT, SearchContact, SearchContacts},
    },
    mapping::{DesiredContact, MapError},
};

/// Every contact of the location, in as few requests as GHL allows: search pages of 500.
pub async fn ghl_listing<T: Transport>(ghl: &GhlClient<T>) -> Result<Vec<SearchContact>, Error> {
    ghl.contacts()
        .search_pages(SearchContacts::new(
            ghl.location_id().clone(),
            MAX_PAGE_LIMIT,
        ))
        .collect_all()
        .await
}

/// Every FITR client, mapped (or refused with the reason).
pub fn candidates(
    clients: &[FitrClient],
    map: impl Fn(&FitrClient) -> Result<DesiredContact, MapError>,
) -> Vec<Candidate> {
    clients
        .iter()
        .map(|c| Candidate {
            fitr_id: c.athlete.id,
            name: display_name(c),
            desired: map(c).map_err(|e| e.to_string()),
        })
        .collect()
}

fn display_name(c: &FitrClient) -> String {
    let name = c
        .athlete
        .full_name
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if name.is_empty() {
        format!("Client {}", c.athlete.id)
    } else {
        name
    }
}

/// Read both sides and plan: the dry run. Nothing is written.
pub async fn dry_run<F: Transport, G: Transport>(
    fitr: &FitrApi<F>,
    ghl: &GhlClient<G>,
    map: impl Fn(&FitrClient) -> Result<DesiredContact, MapError>,
    state: &SyncState,
    now_ms: i64,
) -> Result<BulkPlan, String> {
    let clients = fitr
        .every_client()
        .await
        .map_err(|e: FitrError| e.to_string())?;
    let listing = ghl_listing(ghl).await.map_err(|e| e.to_string())?;
    Ok(plan_bulk(
        &candidates(&clients, map),
        &listing,
        state,
        ghl.location_id(),
        now_ms,
    ))
}

/// The outbox and links in memory; what a run saved is what a resumed run reads back.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    pub meta: Option<RunMeta>,
    pub jobs: BTreeMap<usize, Job>,
    pub links: BTreeMap<u64, Link>,
    /// Saves made, for tests that stop a run after a given number.
    pub saves: usize,
}

impl MemoryStore {
    /// The outbox as saved, if a run was started.
    pub fn outbox(&self) -> Option<Outbox> {
        Some(Outbox {
            meta: self.meta.clone()?,
            jobs: self.jobs.values().cloned().collect(),
        })
    }

    pub fn state(&self) -> SyncState {
        SyncState {
            links: self.links.clone(),
        }
    }

    /// Save a whole outbox at once (a new run).
    pub fn put(&mut self, outbox: &Outbox) {
        self.meta = Some(outbox.meta.clone());
        self.jobs = outbox.jobs.iter().cloned().enumerate().collect();
    }
}

impl OutboxStore for MemoryStore {
    async fn save_meta(&mut self, meta: &RunMeta) -> Result<(), String> {
        self.saves += 1;
        self.meta = Some(meta.clone());
        Ok(())
    }

    async fn save_job(&mut self, index: usize, job: &Job) -> Result<(), String> {
        self.saves += 1;
        self.jobs.insert(index, job.clone());
        Ok(())
    }

    async fn save_link(&mut self, fitr_id: u64, link: Option<&Link>) -> Result<(), String> {
        self.saves += 1;
        match link {
            Some(l) => self.links.insert(fitr_id, l.clone()),
            None => self.links.remove(&fitr_id),
        };
        Ok(())
    }
}
