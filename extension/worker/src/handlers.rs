//! One function per request type.

use shared::{
    fitr::FitrApi,
    ghl::GhlClient,
    mapping::{ResolvedMapping, map_client},
    protocol::{Request, Response},
    push::push,
    settings::Settings,
    transport::FetchTransport,
};

use std::{cell::RefCell, collections::HashSet};

use crate::chrome;

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

/// The FITR origins the worker reads from (the manifest's content-script match).
const FITR_ORIGINS: &[&str] = &["https://app.fitr.training"];

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

async fn push_client(client_id: u64, origin: &str, token: &str) -> Result<Response, String> {
    if !FITR_ORIGINS.contains(&origin) {
        return Err(format!(
            "pushing is only allowed from FITR, not from {origin}"
        ));
    }
    if token.trim().is_empty() {
        return Err("You are not signed in to FITR: sign in, then push again.".into());
    }
    let settings = chrome::load_settings().await?.ok_or(
        "GHL is not connected yet: open the extension's options, enter the token and location, and save.",
    )?;
    settings.validate()?;
    let client = FitrApi::new(FetchTransport, origin, token)
        .client(client_id)
        .await
        .map_err(|e| e.to_string())?;
    let ghl = GhlClient::new(FetchTransport, settings.credentials());
    // Custom fields are written by id (G9): resolve the mapped keys against the location's
    // fields, and only when one is mapped.
    let mapping = if settings.mapping.status_field.is_some() {
        let fields = ghl
            .locations()
            .custom_fields()
            .await
            .map_err(|e| e.to_string())?;
        settings
            .mapping
            .resolve(&fields)
            .map_err(|e| e.to_string())?
    } else {
        ResolvedMapping::without_fields(settings.mapping.clone())
    };
    let desired = map_client(&client, &mapping).map_err(|e| e.to_string())?;
    let report = push(&ghl, &desired).await.map_err(|e| e.to_string())?;
    Ok(Response::Pushed { report })
}
