//! One function per request type.

use shared::{
    fitr::FitrApi,
    ghl::GhlClient,
    mapping::{MappingOptions, map_client},
    protocol::{Request, Response},
    push::push,
    settings::Settings,
    transport::FetchTransport,
};

use crate::chrome;

/// The FITR origins the worker reads from (the manifest's content-script match).
const FITR_ORIGINS: &[&str] = &["https://app.fitr.training"];

pub async fn handle(request: Request) -> Response {
    let result = match request {
        Request::PushClient {
            client_id,
            fitr_origin,
            fitr_token,
        } => push_client(client_id, &fitr_origin, &fitr_token).await,
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
    let desired = map_client(&client, &MappingOptions::default()).map_err(|e| e.to_string())?;
    let ghl = GhlClient::new(FetchTransport, settings.credentials());
    let report = push(&ghl, &desired).await.map_err(|e| e.to_string())?;
    Ok(Response::Pushed { report })
}
