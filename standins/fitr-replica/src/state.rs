//! The replica's shared state: the clients, the issued tokens, and the time anchor.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard},
    time::{SystemTime, UNIX_EPOCH},
};

use crate::data::{Client, seed};

/// How long a token from `POST /api/session` lives.
pub const TOKEN_TTL_SECS: i64 = 3_600;

/// Everything the router serves. Cheap to clone; all clones share one state.
#[derive(Clone)]
pub struct ReplicaState {
    inner: Arc<Mutex<Inner>>,
}

pub(crate) struct Inner {
    pub n_clients: usize,
    pub clients: Vec<Client>,
    /// token → expiry (unix seconds)
    pub tokens: HashMap<String, i64>,
    pub tokens_issued: u64,
    /// Unix seconds that the seed's relative times count back from (fixed for the state's life).
    pub anchor: i64,
}

impl Inner {
    /// Today's day number (days since the epoch), for `performance_by_days` and schedules.
    pub fn today(&self) -> i64 {
        self.anchor.div_euclid(86_400)
    }

    pub fn client(&self, id: u32) -> Option<&Client> {
        self.clients.iter().find(|c| c.id == id)
    }

    pub fn client_mut(&mut self, id: u32) -> Option<&mut Client> {
        self.clients.iter_mut().find(|c| c.id == id)
    }
}

impl ReplicaState {
    /// A state seeded with `n_clients`, its times anchored at the present moment.
    pub fn new(n_clients: usize) -> Self {
        Self::with_anchor(n_clients, now_unix())
    }

    /// A state whose relative times count back from `anchor` (unix seconds): fully reproducible.
    pub fn with_anchor(n_clients: usize, anchor: i64) -> Self {
        ReplicaState {
            inner: Arc::new(Mutex::new(Inner {
                n_clients,
                clients: seed(n_clients),
                tokens: HashMap::new(),
                tokens_issued: 0,
                anchor,
            })),
        }
    }

    /// A snapshot of every client.
    pub fn clients(&self) -> Vec<Client> {
        self.lock().clients.clone()
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the data half-written in a way that
        // matters for a test double, so a poisoned lock is simply taken over.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
