//! One function per request type.

use shared::{
    fitr::FitrApi,
    ghl::GhlClient,
    mapping::{ResolvedMapping, map_client},
    protocol::{FitrSession, Request, Response},
    settings::Settings,
    sync::{bulk::candidates, push_one},
    transport::FetchTransport,
};

use std::{cell::RefCell, collections::HashSet};

use crate::{chrome, store, sync};

thread_local! {
    /// Clients being pushed right now: a second push of the same client (another tab, a
    /// double click) waits for none and is refused, so two creates never race.
    static IN_FLIGHT: RefCell<HashSet<u64>> = RefCell::new(HashSet::new());
}

/// Holds a client's place in [`IN_FLIGHT`] until dropped.
struct Claim(u64);

impl Claim {
    fn take(id: u64) -> Option<Self> {
        IN_FLIGHT
            .with(|s| s.borrow_mut().insert(id))
            .then_some(Claim(id))
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        IN_FLIGHT.with(|s| s.borrow_mut().remove(&self.0));
    }
}

pub fn pushes_in_flight() -> bool {
    IN_FLIGHT.with(|s| !s.borrow().is_empty())
}

/// The FITR origins the worker reads from (the manifest's content-script match).
pub const FITR_ORIGINS: &[&str] = &["https://app.fitr.training"];

pub async fn handle(request: Request) -> Response {
    let result = match request {
        Request::PushClient {
            client_id,
            fitr_origin,
            fitr_token,
        } => match Claim::take(client_id) {
            Some(_claim) => push_client(client_id, &fitr_origin, &fitr_token).await,
            None => {
                Err("This client is already being pushed: wait for that push to finish.".into())
            }
        },
        Request::GetSettings => chrome::load_settings()
            .await
            .map(|settings| Response::Settings { settings }),
        Request::SaveSettings { settings } => save(settings).await,
        Request::TestConnection { settings } => test_connection(&settings).await,
        Request::RememberFitrSession { session } => {
            sync::remember(session).await.map(|()| Response::Remembered)
        }
        Request::DryRun { fitr } => sync::plan(fitr).await.map(|plan| Response::Plan {
            counts: plan.counts(),
            plan,
        }),
        Request::StartSync { fitr } => sync::start(fitr)
            .await
            .map(|p| Response::Sync { progress: Some(p) }),
        Request::SyncStatus => sync::status()
            .await
            .map(|progress| Response::Sync { progress }),
        Request::PauseSync => sync::pause()
            .await
            .map(|progress| Response::Sync { progress }),
        Request::ResumeSync => sync::resume()
            .await
            .map(|progress| Response::Sync { progress }),
        Request::CancelSync => sync::cancel()
            .await
            .map(|progress| Response::Sync { progress }),
        Request::Pull => match crate::pull::pull_now().await {
            Ok(report) => crate::pull::auto_sync()
                .await
                .map(|auto_run| Response::Pulled { report, auto_run }),
            Err(e) => Err(e),
        },
        Request::Badges { client_ids } => crate::pull::badges(&client_ids)
            .await
            .map(|badges| Response::Badges { badges }),
    };
    result.unwrap_or_else(|message| Response::Error { message })
}

async fn save(settings: Settings) -> Result<Response, String> {
    settings.validate()?;
    chrome::save_settings(&settings).await?;
    Ok(Response::Saved)
}

async fn test_connection(settings: &Settings) -> Result<Response, String> {
    settings.validate()?;
    let ghl = GhlClient::new(FetchTransport, settings.credentials());
    let contact_count = ghl.contacts().count().await.map_err(|e| e.to_string())?;
    Ok(Response::Connected { contact_count })
}

/// The coach's mapping, with custom fields resolved to this location's ids (G9) when one is
/// mapped.
pub async fn resolved_mapping(
    ghl: &sync::Ghl,
    settings: &Settings,
) -> Result<ResolvedMapping, String> {
    if settings.mapping.status_field.is_none() {
        return Ok(ResolvedMapping::without_fields(settings.mapping.clone()));
    }
    let fields = ghl
        .locations()
        .custom_fields()
        .await
        .map_err(|e| e.to_string())?;
    settings.mapping.resolve(&fields).map_err(|e| e.to_string())
}

/// One client through the sync engine: read from FITR, mapped, matched (link, email, phone)
/// and brought up to date, the link saved.
async fn push_client(client_id: u64, origin: &str, token: &str) -> Result<Response, String> {
    if !FITR_ORIGINS.contains(&origin) {
        return Err(format!(
            "pushing is only allowed from FITR, not from {origin}"
        ));
    }
    if token.trim().is_empty() {
        return Err("You are not signed in to FITR: sign in, then push again.".into());
    }
    match sync::busy().await? {
        Some(shared::sync::RunState::Paused) => {
            return Err("A sync of all clients is paused: resume it (it may include this client) or cancel it, then push again.".into());
        }
        Some(_) => {
            return Err("A sync of all clients is running: wait for it to finish, or cancel it, then push again.".into());
        }
        None => {}
    }
    // Kept for a sync started from the options page later in this browser session.
    let _ = sync::remember(FitrSession {
        origin: origin.to_owned(),
        token: token.to_owned(),
    })
    .await;
    let settings = sync::settings().await?;
    let client = FitrApi::new(FetchTransport, origin, token)
        .client(client_id)
        .await
        .map_err(|e| e.to_string())?;
    let ghl = sync::ghl(&settings);
    let mapping = resolved_mapping(&ghl, &settings).await?;
    let candidate = candidates(std::slice::from_ref(&client), |c| map_client(c, &mapping))
        .pop()
        .ok_or("internal: no candidate")?;
    let location = settings.location_id.clone();
    let mut state = store::load_state(&location).await?;
    let unfinished = store::load_push_job(&location, client_id).await?;
    let result = push_one(
        &ghl,
        &candidate,
        unfinished,
        &mut state,
        &mut store::ChromeStore {
            location: location.clone(),
            slot: store::Slot::Push(client_id),
        },
        &sync::now_ms,
    )
    .await;
    store::drop_ended_push(&location, client_id).await?;
    Ok(Response::Pushed { report: result? })
}
