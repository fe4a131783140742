//! The bulk sync in the service worker: plan, save the outbox, run it in the background, and
//! resume it whenever the worker starts (Chrome stops an idle worker; the alarm and the next
//! message both start it again).

use std::cell::{Cell, RefCell};

use shared::{
    fitr::FitrApi,
    ghl::{GhlClient, pacing::Paced},
    mapping::map_client,
    protocol::FitrSession,
    settings::Settings,
    sync::{BulkPlan, Command, Outbox, Progress, RunState, bulk::dry_run, execute},
    transport::{BrowserClock, FetchTransport},
};

use crate::{
    chrome::{self, Area},
    handlers::{FITR_ORIGINS, resolved_mapping},
    store::{self, ChromeStore},
};

/// The alarm that wakes a stopped worker while a run is unfinished.
pub const ALARM: &str = "fitr-ghl-sync";
const SESSION_KEY: &str = "fitr_session";

pub type Ghl = GhlClient<Paced<FetchTransport, BrowserClock>>;

thread_local! {
    /// A run is executing in this worker instance.
    static RUNNING: Cell<bool> = const { Cell::new(false) };
    /// A run is being planned (`start` reads both sides before the outbox exists).
    static STARTING: Cell<bool> = const { Cell::new(false) };
    /// What the coach asked for; read before each client.
    static COMMAND: Cell<Command> = const { Cell::new(Command::Continue) };
    /// The latest progress event of the executing run.
    static PROGRESS: RefCell<Option<Progress>> = const { RefCell::new(None) };
    /// Why the last attempt stopped short (GHL unreachable, …), until the run goes on.
    static STOPPED: RefCell<Option<String>> = const { RefCell::new(None) };
}

pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

pub fn ghl(settings: &Settings) -> Ghl {
    GhlClient::new(
        Paced::new(FetchTransport, BrowserClock),
        settings.credentials(),
    )
}

pub async fn settings() -> Result<Settings, String> {
    let settings = chrome::load_settings().await?.ok_or(
        "GHL is not connected yet: open the extension's options, enter the token and location, and save.",
    )?;
    settings.validate()?;
    Ok(settings)
}

/// A run is being planned or executing here, or saved as running or paused: its planned
/// steps must not race with a push of the same client.
pub async fn busy() -> Result<Option<RunState>, String> {
    if RUNNING.get() || STARTING.get() {
        return Ok(Some(RunState::Running));
    }
    Ok(store::load_meta()
        .await?
        .map(|m| m.state)
        .filter(|s| matches!(s, RunState::Running | RunState::Paused)))
}

/// Clears [`STARTING`] when a start ends, however it ends.
pub struct Starting;

impl Drop for Starting {
    fn drop(&mut self) {
        STARTING.set(false);
    }
}

pub async fn remember(session: FitrSession) -> Result<(), String> {
    check_session(&session)?;
    chrome::set(Area::Session, SESSION_KEY, &session).await
}

fn check_session(session: &FitrSession) -> Result<(), String> {
    if !FITR_ORIGINS.contains(&session.origin.as_str()) {
        return Err(format!(
            "clients are only read from FITR, not from {}",
            session.origin
        ));
    }
    if session.token.trim().is_empty() {
        return Err("You are not signed in to FITR: sign in, then try again.".into());
    }
    Ok(())
}

async fn session(given: Option<FitrSession>) -> Result<FitrSession, String> {
    let session = match given {
        Some(s) => s,
        None => chrome::get(Area::Session, SESSION_KEY).await?.ok_or(
            "The extension has not seen FITR yet in this browser session: open app.fitr.training in a tab and sign in, then try again.",
        )?,
    };
    check_session(&session)?;
    Ok(session)
}

/// Read both sides and plan; nothing is written.
pub async fn plan(given: Option<FitrSession>) -> Result<BulkPlan, String> {
    let settings = settings().await?;
    let fitr = session(given).await?;
    let ghl = ghl(&settings);
    let mapping = resolved_mapping(&ghl, &settings).await?;
    let state = store::load_state(&settings.location_id).await?;
    let api = FitrApi::new(FetchTransport, &fitr.origin, &fitr.token);
    dry_run(&api, &ghl, |c| map_client(c, &mapping), &state, now_ms()).await
}

/// Plan, save the outbox, and run it in the background.
/// Claim the right to plan and start a run: checked and claimed before the first await, so two
/// starts (the coach's, the automatic rules') never both pass.
pub async fn claim_start() -> Result<Starting, String> {
    if RUNNING.get() || STARTING.get() {
        return Err("A sync is already running: wait for it, or pause or cancel it.".into());
    }
    if crate::handlers::pushes_in_flight() {
        return Err("A client is being pushed right now: try again in a moment.".into());
    }
    STARTING.set(true);
    let starting = Starting;
    match store::load_meta().await?.map(|m| m.state) {
        Some(RunState::Paused) => {
            return Err(
                "A paused sync is waiting: resume it, or cancel it before starting another.".into(),
            );
        }
        Some(RunState::Running) => {
            return Err("A sync is already running: wait for it, or pause or cancel it.".into());
        }
        _ => {}
    }
    Ok(starting)
}

pub async fn start(given: Option<FitrSession>) -> Result<Progress, String> {
    let _starting = claim_start().await?;
    let plan = plan(given).await?;
    let mut outbox = Outbox::from_plan(&format!("run-{}", now_ms()), &plan, now_ms());
    outbox.meta.location = settings().await?.location_id;
    begin(&outbox).await?;
    Ok(outbox.progress())
}

/// Save a new run's outbox and run it; the caller holds the [`claim_start`].
pub async fn begin(outbox: &Outbox) -> Result<(), String> {
    COMMAND.set(Command::Continue);
    STOPPED.set(None);
    store::put_outbox(outbox).await?;
    spawn_run();
    Ok(())
}

/// The FITR session a FITR tab handed over in this browser session, if any.
pub async fn remembered_session() -> Result<Option<FitrSession>, String> {
    chrome::get(Area::Session, SESSION_KEY).await
}

/// Run the saved outbox if it is running and nobody here runs it yet: on every worker start,
/// on the alarm, and after `start` or `resume`.
pub async fn resume_if_running() {
    match store::load_meta().await {
        Ok(Some(meta)) if meta.state == RunState::Running => spawn_run(),
        Ok(_) => {
            let _ = chrome::stop_alarm(ALARM).await;
        }
        Err(e) => STOPPED.set(Some(e)),
    }
}

fn spawn_run() {
    if RUNNING.replace(true) {
        return;
    }
    // The last run's figures are not this one's.
    PROGRESS.set(None);
    wasm_bindgen_futures::spawn_local(async {
        if let Err(e) = run().await {
            STOPPED.set(Some(e));
        }
        RUNNING.set(false);
    });
}

async fn run() -> Result<(), String> {
    // While the run is unfinished, the alarm wakes a stopped worker to go on.
    chrome::start_alarm(ALARM, 0.5).await?;
    let Some(mut outbox) = store::load_outbox().await? else {
        return Ok(());
    };
    if outbox.meta.state != RunState::Running {
        // Paused or cancelled meanwhile (a command reached a worker that had just started).
        if outbox.meta.state == RunState::Cancelled {
            store::cancel_pending_jobs().await?;
        }
        COMMAND.set(Command::Continue);
        chrome::stop_alarm(ALARM).await?;
        return Ok(());
    }
    let settings = settings().await?;
    if !outbox.meta.location.is_empty() && outbox.meta.location != settings.location_id {
        return Err(format!(
            "this sync was planned for the GHL location {}, but the settings now name {}: switch back to let it finish, or cancel it",
            outbox.meta.location, settings.location_id
        ));
    }
    let mut state = store::load_state(&settings.location_id).await?;
    let ghl = ghl(&settings);
    STOPPED.set(None);
    let result = execute(
        &ghl,
        &mut outbox,
        &mut state,
        &mut ChromeStore {
            location: settings.location_id.clone(),
            slot: store::Slot::Run,
        },
        &mut |p| {
            PROGRESS.set(Some(p.clone()));
            COMMAND.replace(Command::Continue)
        },
        &now_ms,
    )
    .await;
    PROGRESS.set(Some(outbox.progress()));
    if outbox.meta.state != RunState::Running {
        // Finished, cancelled, or paused (by the coach, or because GHL refused the token).
        chrome::stop_alarm(ALARM).await?;
    }
    // Otherwise the alarm stays: the run goes on at the next wake-up.
    result.map(|_| ()).map_err(|e| e.to_string())
}

/// The executing run's progress, else the saved run's.
pub async fn status() -> Result<Option<Progress>, String> {
    if let Some(p) = PROGRESS
        .with_borrow(|p| p.clone())
        .filter(|_| RUNNING.get())
    {
        return Ok(Some(with_stop(p)));
    }
    Ok(store::load_outbox().await?.map(|o| with_stop(o.progress())))
}

/// Why the run is not moving, if this worker knows: an interruption it will resume from, or
/// the reason it paused itself (GHL refused the token).
fn with_stop(mut p: Progress) -> Progress {
    let Some(reason) = STOPPED.with_borrow(|s| s.clone()) else {
        return p;
    };
    match p.state {
        RunState::Running => {
            p.current = Some(format!("stopped: {reason}; it resumes by itself"));
        }
        RunState::Paused => p.current = Some(reason),
        RunState::Cancelled | RunState::Finished => {}
    }
    p
}

pub async fn pause() -> Result<Option<Progress>, String> {
    command(Command::Pause).await
}

pub async fn cancel() -> Result<Option<Progress>, String> {
    command(Command::Cancel).await
}

/// Pause or cancel: the executing run obeys before its next client; a saved run that is not
/// executing here is changed in storage (cancelling writes nothing to GHL).
async fn command(command: Command) -> Result<Option<Progress>, String> {
    // Set before any await: a run that the alarm or a worker start launches meanwhile obeys it
    // before its first client.
    COMMAND.set(command);
    STOPPED.set(None);
    let Some(mut meta) = store::load_meta().await? else {
        COMMAND.set(Command::Continue);
        return Err("No sync has been started.".into());
    };
    match (command, meta.state) {
        (Command::Pause, RunState::Running) => meta.state = RunState::Paused,
        // Storage only, the header first: no GHL request, no settings needed.
        (Command::Cancel, RunState::Running | RunState::Paused) => meta.state = RunState::Cancelled,
        _ => {
            COMMAND.set(Command::Continue);
            return Err("The sync is not running.".into());
        }
    }
    // Saved at once, so that the command holds even if the worker stops before the executing
    // run (if any) reaches its next client and obeys it.
    store::save_meta(&meta).await?;
    chrome::stop_alarm(ALARM).await?;
    if RUNNING.get() {
        return status().await;
    }
    if command == Command::Cancel {
        store::cancel_pending_jobs().await?;
    }
    if !RUNNING.get() {
        COMMAND.set(Command::Continue);
    }
    status().await
}

pub async fn resume() -> Result<Option<Progress>, String> {
    if crate::handlers::pushes_in_flight() {
        return Err("A client is being pushed right now: resume in a moment.".into());
    }
    let Some(meta) = store::load_meta().await? else {
        return Err("No sync has been started.".into());
    };
    match meta.state {
        RunState::Paused => {
            let mut meta = meta;
            meta.state = RunState::Running;
            store::save_meta(&meta).await?;
            COMMAND.set(Command::Continue);
            spawn_run();
            status().await
        }
        RunState::Running => {
            COMMAND.set(Command::Continue);
            spawn_run();
            status().await
        }
        RunState::Cancelled | RunState::Finished => {
            Err("The last sync has ended: start a new one.".into())
        }
    }
}
