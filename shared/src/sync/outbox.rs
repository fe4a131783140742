//! The persistent outbox: a run's plan as jobs of steps, each step's state saved before and
//! after its request, so that a crash or a killed service worker resumes without repeating a
//! finished write.
//!
//! Resuming a step left `started` (its request may or may not have reached GHL):
//! - a create is settled by lookup (G1): the contact is looked up by email, then phone, and
//!   only created if GHL has none;
//! - a note is checked against the contact's notes before it is written again;
//! - updates and tag changes are idempotent and simply sent again.

use serde::{Deserialize, Serialize};

use super::{
    engine::{BulkPlan, ClientPlan, Decision, Step, steps_for},
    state::{Link, SyncState, Synced},
};
use crate::{
    Transport,
    ghl::{Contact, ContactId, Error, GhlClient},
    mapping::DesiredContact,
    push::{Match, find_existing, last_sync_note},
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    /// Saved just before its request: the request may or may not have reached GHL.
    Started,
    Done,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub step: Step,
    pub state: StepState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    Pending,
    Done {
        created: bool,
    },
    /// GHL refused a step; the server's words, and what to do.
    Failed {
        reason: String,
    },
    Cancelled,
}

/// One client's steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Job {
    pub fitr_id: u64,
    pub name: String,
    pub contact_id: Option<ContactId>,
    pub desired: DesiredContact,
    pub steps: Vec<Entry>,
    pub state: JobState,
    pub changes: Vec<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    #[default]
    Running,
    Paused,
    Cancelled,
    Finished,
}

/// A run's header, saved apart from its jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    pub id: String,
    pub started_at_ms: i64,
    pub state: RunState,
    pub jobs: usize,
    /// Clients the run does not touch, with why: ambiguous (for the coach to decide) or refused.
    #[serde(default)]
    pub skipped: Vec<Failure>,
    /// The GHL location the run was planned for (set by the caller); its contact ids mean
    /// nothing in another.
    #[serde(default)]
    pub location: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outbox {
    pub meta: RunMeta,
    pub jobs: Vec<Job>,
}

/// The clients a plan leaves out, with why: ambiguous (for the coach to decide) or refused.
pub fn skipped(plan: &BulkPlan) -> Vec<Failure> {
    plan.items
        .iter()
        .filter(|i| matches!(i.decision, Decision::Ambiguous | Decision::Refused))
        .map(|i| Failure {
            fitr_id: i.fitr_id,
            name: i.name.clone(),
            reason: i.reason.clone().unwrap_or_default(),
            ambiguous: i.decision == Decision::Ambiguous,
        })
        .collect()
}

impl Outbox {
    /// The jobs of a plan: every client with steps to run.
    pub fn from_plan(id: &str, plan: &BulkPlan, now_ms: i64) -> Self {
        let jobs: Vec<Job> = plan.items.iter().filter_map(Job::of).collect();
        let skipped = skipped(plan);
        Self {
            meta: RunMeta {
                id: id.to_owned(),
                started_at_ms: now_ms,
                state: RunState::Running,
                jobs: jobs.len(),
                skipped,
                location: String::new(),
            },
            jobs,
        }
    }

    pub fn progress(&self) -> Progress {
        let mut p = Progress {
            run: self.meta.id.clone(),
            state: self.meta.state,
            total: self.jobs.len(),
            skipped: self.meta.skipped.clone(),
            ..Progress::default()
        };
        for j in &self.jobs {
            match &j.state {
                JobState::Pending => {}
                JobState::Done { created: true } => p.created += 1,
                JobState::Done { created: false } if j.changes.is_empty() => p.unchanged += 1,
                JobState::Done { created: false } => p.updated += 1,
                JobState::Failed { reason } => {
                    p.failed += 1;
                    p.failures.push(Failure {
                        fitr_id: j.fitr_id,
                        name: j.name.clone(),
                        reason: reason.clone(),
                        ambiguous: false,
                    });
                }
                JobState::Cancelled => p.cancelled += 1,
            }
        }
        p.done = p.created + p.updated + p.unchanged + p.failed + p.cancelled;
        p
    }
}

impl Job {
    pub(crate) fn of(item: &ClientPlan) -> Option<Self> {
        if item.steps.is_empty()
            || !matches!(
                item.decision,
                Decision::Create | Decision::Update | Decision::Verify
            )
        {
            return None;
        }
        Some(Self {
            fitr_id: item.fitr_id,
            name: item.name.clone(),
            contact_id: item.contact_id.clone(),
            desired: item.desired.clone()?,
            steps: item
                .steps
                .iter()
                .map(|s| Entry {
                    step: s.clone(),
                    state: StepState::Pending,
                })
                .collect(),
            state: JobState::Pending,
            changes: Vec::new(),
        })
    }
}

/// Where the outbox and the links are kept: `chrome.storage.local` in the extension, memory or
/// a file natively. Each save is awaited before the request it guards is sent.
#[allow(async_fn_in_trait)]
pub trait OutboxStore {
    async fn save_meta(&mut self, meta: &RunMeta) -> Result<(), String>;
    async fn save_job(&mut self, index: usize, job: &Job) -> Result<(), String>;
    async fn save_link(&mut self, fitr_id: u64, link: Option<&Link>) -> Result<(), String>;
}

/// A run's counts, sent as progress events.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    pub run: String,
    pub state: RunState,
    pub total: usize,
    pub done: usize,
    pub created: usize,
    pub updated: usize,
    /// Read by id and found already up to date.
    pub unchanged: usize,
    pub failed: usize,
    pub cancelled: usize,
    /// The client being worked on.
    pub current: Option<String>,
    /// Each failed client, with GHL's words and what to do.
    pub failures: Vec<Failure>,
    /// Clients left out of the run: ambiguous or refused, with the reason.
    #[serde(default)]
    pub skipped: Vec<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub fitr_id: u64,
    pub name: String,
    pub reason: String,
    /// Skipped as ambiguous (for the coach to decide), not refused.
    #[serde(default)]
    pub ambiguous: bool,
}

/// What the caller wants after each progress event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Continue,
    Pause,
    Cancel,
}

/// Why a run stopped before its end; the outbox is saved and the run resumes where it was.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Interrupted {
    #[error("GHL could not be reached ({0}); the run will resume where it stopped")]
    Unreachable(String),
    #[error("the sync's progress could not be saved ({0}); the run stopped so nothing is lost")]
    Store(String),
    /// 401/403: every client would fail alike, so the run is paused instead.
    #[error(
        "GHL refused the connection ({0}): the sync is paused; fix the token or location in the options, then resume it"
    )]
    Unauthorized(String),
}

enum StepError {
    /// Stop the run; the step stays started.
    Interrupt(Interrupted),
    /// This client cannot go on.
    Fail(String),
}

impl From<Error> for StepError {
    fn from(e: Error) -> Self {
        match e {
            Error::Transport(m) => StepError::Interrupt(Interrupted::Unreachable(m)),
            e => match e.status() {
                Some(401 | 403) => StepError::Interrupt(Interrupted::Unauthorized(e.to_string())),
                // Still busy or failing after the transport's own retries: nothing is lost by
                // stopping here and resuming later.
                Some(429 | 500..=599) => {
                    StepError::Interrupt(Interrupted::Unreachable(e.to_string()))
                }
                _ => StepError::Fail(e.to_string()),
            },
        }
    }
}

/// Run the outbox's jobs in order, from wherever it stopped. `on_progress` is called after
/// every job; its answer pauses or cancels the run. `now` is the caller's clock (unix ms).
pub async fn execute<T: Transport, S: OutboxStore>(
    ghl: &GhlClient<T>,
    outbox: &mut Outbox,
    state: &mut SyncState,
    store: &mut S,
    on_progress: &mut dyn FnMut(&Progress) -> Command,
    now: &dyn Fn() -> i64,
) -> Result<RunState, Interrupted> {
    if matches!(outbox.meta.state, RunState::Paused) {
        outbox.meta.state = RunState::Running;
        store
            .save_meta(&outbox.meta)
            .await
            .map_err(Interrupted::Store)?;
    }
    for index in 0..outbox.jobs.len() {
        if outbox.jobs[index].state != JobState::Pending {
            continue;
        }
        let mut progress = outbox.progress();
        progress.current = Some(outbox.jobs[index].name.clone());
        match on_progress(&progress) {
            Command::Continue => {}
            Command::Pause => {
                outbox.meta.state = RunState::Paused;
                store
                    .save_meta(&outbox.meta)
                    .await
                    .map_err(Interrupted::Store)?;
                return Ok(RunState::Paused);
            }
            Command::Cancel => {
                for (i, job) in outbox.jobs.iter_mut().enumerate().skip(index) {
                    if job.state == JobState::Pending {
                        job.state = JobState::Cancelled;
                        store.save_job(i, job).await.map_err(Interrupted::Store)?;
                    }
                }
                outbox.meta.state = RunState::Cancelled;
                store
                    .save_meta(&outbox.meta)
                    .await
                    .map_err(Interrupted::Store)?;
                on_progress(&outbox.progress());
                return Ok(RunState::Cancelled);
            }
        }
        if let Err(e) = run_job(ghl, &mut outbox.jobs[index], index, state, store, now).await {
            if matches!(e, Interrupted::Unauthorized(_)) {
                outbox.meta.state = RunState::Paused;
                store
                    .save_meta(&outbox.meta)
                    .await
                    .map_err(Interrupted::Store)?;
            }
            return Err(e);
        }
    }
    outbox.meta.state = RunState::Finished;
    store
        .save_meta(&outbox.meta)
        .await
        .map_err(Interrupted::Store)?;
    on_progress(&outbox.progress());
    Ok(RunState::Finished)
}

/// Run one job's remaining steps; a refused step fails the job, not the run.
pub async fn run_job<T: Transport, S: OutboxStore>(
    ghl: &GhlClient<T>,
    job: &mut Job,
    index: usize,
    state: &mut SyncState,
    store: &mut S,
    now: &dyn Fn() -> i64,
) -> Result<(), Interrupted> {
    let mut i = 0;
    while i < job.steps.len() {
        let entry = &job.steps[i];
        if entry.state == StepState::Done {
            i += 1;
            continue;
        }
        let resuming = entry.state == StepState::Started;
        if !resuming {
            job.steps[i].state = StepState::Started;
            store
                .save_job(index, job)
                .await
                .map_err(Interrupted::Store)?;
        }
        let had_link = state.links.contains_key(&job.fitr_id);
        let result = perform(ghl, job, i, resuming, state).await;
        if had_link && !state.links.contains_key(&job.fitr_id) {
            store
                .save_link(job.fitr_id, None)
                .await
                .map_err(Interrupted::Store)?;
        }
        match result {
            Ok(effect) => {
                // The contact is known from here on: link it at once, so that a job that fails
                // or is cut short later never leaves a contact nobody knows about (a lagging
                // lookup could otherwise create it again).
                if let Effect::Created(id) | Effect::Replan(id, _) = &effect
                    && state.links.get(&job.fitr_id).map(|l| &l.contact_id) != Some(id)
                {
                    let link = Link {
                        contact_id: id.clone(),
                        synced: None,
                    };
                    store
                        .save_link(job.fitr_id, Some(&link))
                        .await
                        .map_err(Interrupted::Store)?;
                    state.links.insert(job.fitr_id, link);
                }
                job.steps[i].state = StepState::Done;
                match effect {
                    Effect::Done => {}
                    Effect::Created(id) => {
                        job.contact_id = Some(id);
                    }
                    Effect::Replan(id, steps) => {
                        job.contact_id = Some(id);
                        job.steps.truncate(i + 1);
                        job.steps.extend(steps.into_iter().map(|step| Entry {
                            step,
                            state: StepState::Pending,
                        }));
                    }
                    Effect::Then(steps) => {
                        job.steps.truncate(i + 1);
                        job.steps.extend(steps.into_iter().map(|step| Entry {
                            step,
                            state: StepState::Pending,
                        }));
                    }
                }
                store
                    .save_job(index, job)
                    .await
                    .map_err(Interrupted::Store)?;
                i += 1;
            }
            Err(StepError::Interrupt(e)) => return Err(e),
            Err(StepError::Fail(reason)) => {
                job.state = JobState::Failed { reason };
                store
                    .save_job(index, job)
                    .await
                    .map_err(Interrupted::Store)?;
                return Ok(());
            }
        }
    }
    let Some(contact_id) = job.contact_id.clone() else {
        job.state = JobState::Failed {
            reason: "internal: the job ended without a contact".into(),
        };
        store
            .save_job(index, job)
            .await
            .map_err(Interrupted::Store)?;
        return Ok(());
    };
    let link = Link {
        contact_id,
        synced: Some(Synced::of(&job.desired, now())),
    };
    store
        .save_link(job.fitr_id, Some(&link))
        .await
        .map_err(Interrupted::Store)?;
    state.links.insert(job.fitr_id, link);
    let created = job.changes.iter().any(|c| c == "created");
    job.state = JobState::Done { created };
    store
        .save_job(index, job)
        .await
        .map_err(Interrupted::Store)?;
    Ok(())
}

enum Effect {
    Done,
    Created(ContactId),
    /// The contact is this one; the steps after this one are replaced.
    Replan(ContactId, Vec<Step>),
    /// No contact (yet): the steps after this one are replaced.
    Then(Vec<Step>),
}

async fn perform<T: Transport>(
    ghl: &GhlClient<T>,
    job: &mut Job,
    i: usize,
    resuming: bool,
    state: &mut SyncState,
) -> Result<Effect, StepError> {
    let contact = job.contact_id.clone();
    let id = || {
        contact.clone().ok_or_else(|| {
            StepError::Fail("internal: a write was planned before the contact existed".into())
        })
    };
    match job.steps[i].step.clone() {
        Step::Create { body } => {
            // Never a blind second create (G1): before any retry, and when resuming a create
            // that may have been stored, look the person up.
            let mut attempts = 0;
            let mut look_first = resuming;
            loop {
                if look_first && let Some(effect) = settle(ghl, job, state).await? {
                    return Ok(effect);
                }
                let e = match ghl.contacts().create(&body).await {
                    Ok(c) => {
                        job.changes.push("created".into());
                        return Ok(Effect::Created(c.id));
                    }
                    Err(e) => e,
                };
                attempts += 1;
                if !transient(&e) || attempts >= ATTEMPTS {
                    return match settle(ghl, job, state).await? {
                        Some(effect) => Ok(effect),
                        None => Err(StepError::from(e)),
                    };
                }
                look_first = true;
            }
        }
        Step::Update { body } => {
            let cid = id()?;
            on_missing(ghl.contacts().update(&cid, &body).await, state, job)?;
            job.changes.push(format!(
                "fields updated: {}",
                crate::push::fields_of(&body).join(", ")
            ));
            Ok(Effect::Done)
        }
        Step::AddTags { tags } => {
            let cid = id()?;
            on_missing(ghl.tags().add(&cid, &tags).await, state, job)?;
            job.changes.push(format!("tags added: {}", tags.join(", ")));
            Ok(Effect::Done)
        }
        Step::RemoveTags { tags } => {
            let cid = id()?;
            on_missing(ghl.tags().remove(&cid, &tags).await, state, job)?;
            job.changes
                .push(format!("tags removed: {}", tags.join(", ")));
            Ok(Effect::Done)
        }
        Step::AddNote { body, check } => {
            let cid = id()?;
            let mut attempts = 0;
            let mut look_first = check || resuming;
            loop {
                if look_first {
                    let notes = on_missing(ghl.notes().list(&cid).await, state, job)?;
                    if last_sync_note(&notes).map(str::trim) == Some(body.trim()) {
                        return Ok(Effect::Done);
                    }
                }
                match ghl.notes().create(&cid, &body).await {
                    Ok(_) => break,
                    Err(e) => {
                        attempts += 1;
                        if !transient(&e) || attempts >= ATTEMPTS {
                            return on_missing(Err(e), state, job);
                        }
                        look_first = true;
                    }
                }
            }
            if !job.changes.iter().any(|c| c == "created") {
                job.changes.push("note added".into());
            }
            Ok(Effect::Done)
        }
        Step::Verify => {
            let cid = id()?;
            match ghl.contacts().get(&cid).await {
                Ok(c) => {
                    let last = state
                        .links
                        .get(&job.fitr_id)
                        .and_then(|l| l.synced.as_ref())
                        .map(|s| s.note.clone());
                    replan(ghl, &job.desired, c, last).await
                }
                Err(e) if e.is_not_found() => {
                    // Deleted in GHL: forget the link; match again, else create.
                    state.links.remove(&job.fitr_id);
                    job.contact_id = None;
                    match settle(ghl, job, state).await? {
                        Some(effect) => Ok(effect),
                        None => {
                            job.changes
                                .push("the linked contact was deleted in GHL".into());
                            let (steps, _) = steps_for(&job.desired, ghl.location_id(), None, None);
                            Ok(Effect::Then(steps))
                        }
                    }
                }
                Err(e) => Err(e.into()),
            }
        }
        Step::Lookup => match settle(ghl, job, state).await? {
            Some(effect) => Ok(effect),
            None => {
                let (steps, _) = steps_for(&job.desired, ghl.location_id(), None, None);
                Ok(Effect::Then(steps))
            }
        },
    }
}

/// How often a create or a note is tried when GHL fails transiently; each retry is preceded by
/// a lookup, so none is blind.
const ATTEMPTS: u32 = 5;

/// A failure that may pass: no answer, a 429 or a 5xx.
fn transient(e: &Error) -> bool {
    matches!(e, Error::Transport(_)) || matches!(e.status(), Some(429 | 500..=599))
}

/// A 404 on a linked contact: it was deleted in GHL meanwhile.
fn on_missing<R>(
    result: Result<R, Error>,
    state: &mut SyncState,
    job: &Job,
) -> Result<R, StepError> {
    match result {
        Err(e) if e.is_not_found() => {
            state.links.remove(&job.fitr_id);
            Err(StepError::Fail(format!(
                "the GHL contact was deleted while the sync ran ({e}): sync again to re-create it"
            )))
        }
        other => other.map_err(StepError::from),
    }
}

/// The steps that bring `contact` (read in full, by id) to the desired state; the contact's
/// notes are read only when the last note written is not known.
async fn replan<T: Transport>(
    ghl: &GhlClient<T>,
    desired: &DesiredContact,
    contact: Contact,
    last_note: Option<String>,
) -> Result<Effect, StepError> {
    let last_note = match last_note {
        Some(n) => Some(n),
        None => last_sync_note(&ghl.notes().list(&contact.id).await?).map(str::to_owned),
    };
    let (steps, _) = steps_for(
        desired,
        ghl.location_id(),
        Some(&contact),
        last_note.as_deref(),
    );
    Ok(Effect::Replan(contact.id, steps))
}

/// Find the person in GHL (see [`find_existing`]) and plan against them: `None` when GHL has
/// nobody; an ambiguous match fails the job with its reason, never guessed.
async fn settle<T: Transport>(
    ghl: &GhlClient<T>,
    job: &mut Job,
    state: &SyncState,
) -> Result<Option<Effect>, StepError> {
    match find_existing(ghl, &job.desired).await? {
        (Match::New, _) => Ok(None),
        (Match::Ambiguous(reason), _) => Err(StepError::Fail(reason)),
        (Match::Existing(c), _)
            if state
                .linked_to(&c.id)
                .is_some_and(|other| other != job.fitr_id) =>
        {
            Err(StepError::Fail(format!(
                "the GHL contact {} matching {} is already linked to FITR client {}: not pushed, so two clients never share one contact. Decide in GHL or FITR which is right, then push again.",
                c.id,
                job.name,
                state.linked_to(&c.id).unwrap_or_default()
            )))
        }
        (Match::Existing(c), desired) => {
            // The phone may have been left out (held by another contact): plan without it.
            job.desired = desired;
            // The lookup may answer with a projection: read the contact itself.
            let contact = ghl.contacts().get(&c.id).await?;
            replan(ghl, &job.desired, contact, None).await.map(Some)
        }
    }
}
