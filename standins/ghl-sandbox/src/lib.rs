//! A local GoHighLevel (GHL) Contacts API v2 server, held to the official OpenAPI spec
//! (`ghl-openapi/apps/contacts.json`) and to the real service's quirks (`cases/ghl-behaviour.md`,
//! G1–G22). Nothing here knows our GHL client: it behaves like GHL.
//!
//! - [`store::Store`]: the pure state model and GHL's rules (no HTTP, no clock reads);
//!   [`activity`] adds tasks, single notes and appointments to it; [`oauth::OAuth`] is the pure
//!   OAuth model (codes, rotating refresh tokens, scopes: G13, G14, G18).
//! - [`api`]: the contacts endpoints and `POST /oauth/token`; [`auth`]: the gate every API
//!   request passes (token, rate limit, `Version` header, scope, request log); [`ratelimit`]:
//!   G17's counters; [`faults`]: seeded latency, 5xx and dropped connections.
//! - [`admin`]: `/_admin/*`, for tests and demos: inspect, reset, seed, patch, configure.
//! - [`persist`]: `--data FILE`, the state saved atomically after every write.
//! - [`router`] wires them; `main.rs` serves the router on plain HTTP and optionally TLS.

use std::{
    io,
    path::PathBuf,
    sync::{Arc, Mutex, MutexGuard},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    http::{HeaderName, Method, Uri},
};
use serde::Serialize;
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

pub mod activity;
pub mod admin;
pub mod api;
pub mod auth;
pub mod cli;
pub mod error;
pub mod faults;
pub mod fields;
pub mod model;
pub mod oauth;
pub mod persist;
pub mod ratelimit;
pub mod search;
pub mod store;
pub mod time;
pub mod view;

use crate::{
    error::GhlError,
    faults::Faults,
    oauth::OAuth,
    persist::{DataFile, Snapshot},
    ratelimit::{RateConfig, RateLimiter},
    store::{Settings, Store},
    time::Millis,
};

pub use crate::oauth::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};

/// The demo location (sub-account).
pub const DEMO_LOCATION_ID: &str = "sandboxLocation00001";
/// The demo location's Private Integration Token.
pub const DEMO_TOKEN: &str = "pit-sandbox-demo-0000-000000000001";
/// A second location, for scoping tests.
pub const OTHER_LOCATION_ID: &str = "otherLocation000002";
/// The second location's Private Integration Token.
pub const OTHER_TOKEN: &str = "pit-sandbox-other-000-000000000002";
/// The `Version` every contacts endpoint declares (G16).
pub const API_VERSION: &str = "2021-07-28";
/// The host name the TLS certificate is made for.
pub const TLS_HOST: &str = "services.leadconnectorhq.com";

/// Requests kept in the log; older ones are dropped first.
pub const MAX_LOGGED_REQUESTS: usize = 10_000;

/// One API request as received, for tests that count requests.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// The token's location; `None` when the token was refused.
    pub location_id: Option<String>,
    pub at: String,
    /// `"error"` (a 5xx from `errorRate`) or `"drop"` (`dropRate`; `status` is then 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<String>,
}

/// Everything the server holds, behind one lock.
#[derive(Debug)]
pub struct State {
    pub store: Store,
    pub oauth: OAuth,
    pub limiter: RateLimiter,
    pub faults: Faults,
    pub requests: Vec<RequestRecord>,
    initial_rate: RateConfig,
    initial_settings: Settings,
}

impl State {
    pub fn log(&mut self, record: RequestRecord) {
        if self.requests.len() >= MAX_LOGGED_REQUESTS {
            self.requests.remove(0);
        }
        self.requests.push(record);
    }

    /// Back to start-up: empty store, no OAuth codes or tokens, start-up configuration, no
    /// faults, fresh counters, empty log.
    pub fn reset(&mut self) {
        self.store.clear();
        *self.store.settings_mut() = self.initial_settings.clone();
        self.oauth.clear();
        self.faults = Faults::default();
        self.limiter.set_config(self.initial_rate);
        self.requests.clear();
    }

    /// What `--data` saves.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot::new(self.store.clone(), self.oauth.clone())
    }
}

type Clock = Arc<dyn Fn() -> Millis + Send + Sync>;

/// The shared server state. Cheap to clone.
#[derive(Clone)]
pub struct Sandbox {
    state: Arc<Mutex<State>>,
    clock: Clock,
    data_file: Option<Arc<DataFile>>,
}

impl Default for Sandbox {
    fn default() -> Self {
        Self::new(RateConfig::default())
    }
}

fn system_now() -> Millis {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO);
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

impl Sandbox {
    pub fn new(rate: RateConfig) -> Self {
        Self::with_store(Store::new(), rate)
    }

    /// Start from a given store (e.g. loaded from disk); its settings become the reset defaults.
    pub fn with_store(store: Store, rate: RateConfig) -> Self {
        Self::with_snapshot(Snapshot::new(store, OAuth::new()), rate)
    }

    fn with_snapshot(snapshot: Snapshot, rate: RateConfig) -> Self {
        let initial_settings = snapshot.store.settings().clone();
        Self {
            state: Arc::new(Mutex::new(State {
                store: snapshot.store,
                oauth: snapshot.oauth,
                limiter: RateLimiter::new(rate),
                faults: Faults::default(),
                requests: Vec::new(),
                initial_rate: rate,
                initial_settings,
            })),
            clock: Arc::new(system_now),
            data_file: None,
        }
    }

    /// A sandbox kept in a data file (`--data`): loaded from `path` if it exists, saved to it
    /// after every write that changed the state (the file is made by the first one). Fails if
    /// the file exists but is not a sandbox data file.
    pub fn open(path: impl Into<PathBuf>, rate: RateConfig) -> io::Result<Self> {
        let path = path.into();
        let snapshot =
            persist::load(&path)?.unwrap_or_else(|| Snapshot::new(Store::new(), OAuth::new()));
        let current = serde_json::to_vec_pretty(&snapshot).map_err(io::Error::other)?;
        let mut sandbox = Self::with_snapshot(snapshot, rate);
        sandbox.data_file = Some(Arc::new(DataFile::new(path, current)));
        Ok(sandbox)
    }

    /// Save the state to the data file if there is one and the state changed since the last
    /// save. Answers whether it wrote.
    pub fn save(&self) -> io::Result<bool> {
        let Some(file) = &self.data_file else {
            return Ok(false);
        };
        file.save(|| serde_json::to_vec_pretty(&self.with(|s| s.snapshot())))
    }

    /// The data file, if any.
    pub fn data_file(&self) -> Option<&std::path::Path> {
        self.data_file.as_deref().map(DataFile::path)
    }

    /// Replace the wall clock (tests).
    pub fn with_clock(mut self, clock: impl Fn() -> Millis + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    pub fn now(&self) -> Millis {
        (self.clock)()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Run `f` with the state locked. Never hold it across an `.await`.
    pub fn with<R>(&self, f: impl FnOnce(&mut State) -> R) -> R {
        f(&mut self.lock())
    }
}

async fn not_found(method: Method, uri: Uri) -> GhlError {
    GhlError::route_not_found(method.as_str(), uri.path())
}

/// Any origin may call (the local web app runs on another port) with `Authorization` and
/// `Version`; the rate-limit headers are readable from scripts.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::any())
        .allow_methods(AllowMethods::mirror_request())
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers(ratelimit::HEADERS.map(HeaderName::from_static))
        .max_age(Duration::from_secs(600))
}

/// The whole server: the contacts API behind [`faults::inject`] and [`auth::gate`], the token
/// endpoint behind [`faults::inject`] and [`auth::record`], the admin API, saving after writes
/// ([`persist::middleware`]), CORS.
pub fn router(state: Sandbox) -> Router {
    use axum::middleware::from_fn_with_state;
    let api = api::routes()
        .route_layer(from_fn_with_state(state.clone(), auth::gate))
        .route_layer(from_fn_with_state(state.clone(), faults::inject));
    let token = api::oauth_routes()
        .route_layer(from_fn_with_state(state.clone(), auth::record))
        .route_layer(from_fn_with_state(state.clone(), faults::inject));
    Router::new()
        .merge(api)
        .merge(token)
        .merge(admin::routes())
        .fallback(not_found)
        .method_not_allowed_fallback(not_found)
        .layer(from_fn_with_state(state.clone(), persist::middleware))
        .layer(cors())
        .with_state(state)
}
