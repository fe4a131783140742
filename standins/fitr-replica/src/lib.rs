//! `fitr-replica`: a faithful local stand-in for FITR (app.fitr.training).
//!
//! It serves the coach's single-page app under a strict CSP (`script-src 'self'`), FITR's
//! private JSON API with bearer tokens, and an admin API for tests. See the crate's README for
//! every route, the fixed special clients, and which fields and routes are assumed.

mod admin;
mod api;
mod auth;
mod data;
mod pages;
mod state;

use axum::{
    Router, middleware,
    routing::{get, post},
};

pub use api::{COACH_ID, DEFAULT_PER_PAGE, MAX_PER_PAGE};
pub use data::{
    AthleteType, Client, DayStatus, LIST_PAGE_SIZE, MembershipState, PERF_DAYS, PerfDay, Plan,
    PlanKind, ROOMS_PAGE_SIZE, Room, Status, seed, special_ids,
};
pub use pages::CSP;
pub use state::{ReplicaState, TOKEN_TTL_SECS};

/// Default number of seeded clients.
pub const DEFAULT_CLIENTS: usize = 80;

/// Every route of the replica over one shared state.
pub fn router(state: ReplicaState) -> Router {
    let api = Router::new()
        .route("/api/users/me", get(api::me))
        .route("/api/coach/search_clients", get(api::search_clients))
        .route("/api/coach/athletes/{id}", get(api::athlete))
        .route("/api/coach/athletes/{id}/schedule", get(api::schedule))
        .route("/api/coach/programs", get(api::programs))
        .route("/api/chat/rooms", get(api::chat_rooms))
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ));
    Router::new()
        .merge(pages::routes())
        .route("/api/session", post(auth::create_session))
        .merge(api)
        .nest("/_admin", admin::routes())
        .fallback(pages::fallback)
        .with_state(state)
}
