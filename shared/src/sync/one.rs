//! One client through the engine: what the push button does.
//!
//! The client gets a one-job outbox ([`plan_one`]): its linked contact read by id, or the person
//! looked up by email then phone. The job runs with the same step-by-step saves as a bulk run.
//! A push cut short (a service worker stopped mid-request) is settled by the next push of that
//! client: a create whose answer never came is looked up (G1) and linked; the rest is planned
//! afresh from current data, never replayed.

use super::{
    engine::{Candidate, Decision, Step, plan_one},
    outbox::{Interrupted, Job, JobState, OutboxStore, StepState, run_job},
    state::{Link, SyncState},
};
use crate::{
    Transport,
    ghl::{GhlClient, contact_url},
    push::{Match, Outcome, PushReport, find_existing},
};

/// Push one client. `unfinished` is this client's job from a push that was cut short, if the
/// store kept one: it is run to its end first. The store's job slot 0 holds this push's job.
pub async fn push_one<T: Transport, S: OutboxStore>(
    ghl: &GhlClient<T>,
    candidate: &Candidate,
    unfinished: Option<Job>,
    state: &mut SyncState,
    store: &mut S,
    now: &dyn Fn() -> i64,
) -> Result<PushReport, String> {
    if let Some(job) = unfinished.filter(|j| j.state == JobState::Pending) {
        settle_cut_short(ghl, &job, state, store).await?;
    }
    let plan = plan_one(candidate, state);
    if plan.decision == Decision::Refused {
        return Err(plan.reason.unwrap_or_else(|| "not pushed".into()));
    }
    let mut job = Job::of(&plan).ok_or("internal: a push planned no step")?;
    store.save_job(0, &job).await?;
    run_job(ghl, &mut job, 0, state, store, now)
        .await
        .map_err(push_words)?;
    report(ghl, &job)
}

/// A push cut short left its job pending. Its remaining steps were planned from data that may
/// be old, so they are not replayed: the fresh plan redoes what is still needed. Only a create
/// whose answer never came is settled, by lookup (G1), and its contact linked, so the fresh plan
/// updates it instead of creating another.
async fn settle_cut_short<T: Transport, S: OutboxStore>(
    ghl: &GhlClient<T>,
    job: &Job,
    state: &mut SyncState,
    store: &mut S,
) -> Result<(), String> {
    let create_in_doubt = job
        .steps
        .iter()
        .any(|e| e.state == StepState::Started && matches!(e.step, Step::Create { .. }));
    if job.contact_id.is_some() || !create_in_doubt || state.links.contains_key(&job.fitr_id) {
        return Ok(());
    }
    let (found, _) = find_existing(ghl, &job.desired)
        .await
        .map_err(|e| format!("{e}: push again to finish"))?;
    if let Match::Existing(c) = found
        && state.linked_to(&c.id).is_none()
    {
        let link = Link {
            contact_id: c.id.clone(),
            synced: None,
        };
        store.save_link(job.fitr_id, Some(&link)).await?;
        state.links.insert(job.fitr_id, link);
    }
    Ok(())
}

/// Why a push stopped short, in a push's words (the run's words speak of pausing and
/// resuming, which a push does not do).
fn push_words(e: Interrupted) -> String {
    match e {
        Interrupted::Unreachable(m) => {
            format!("GHL could not be reached ({m}): nothing was lost; push again to finish")
        }
        Interrupted::Store(m) => format!(
            "the push's progress could not be saved ({m}): it stopped so nothing is lost; push again"
        ),
        Interrupted::Unauthorized(m) => format!(
            "GHL refused the connection ({m}): fix the token or location in the extension's options, then push again"
        ),
    }
}

fn report<T: Transport>(ghl: &GhlClient<T>, job: &Job) -> Result<PushReport, String> {
    let created = match &job.state {
        JobState::Done { created } => *created,
        JobState::Failed { reason } => return Err(reason.clone()),
        JobState::Pending | JobState::Cancelled => {
            return Err("internal: the push stopped before its end".into());
        }
    };
    let contact_id = job
        .contact_id
        .clone()
        .ok_or("internal: the push ended without a contact")?;
    let outcome = if created {
        Outcome::Created
    } else if job.changes.is_empty() {
        Outcome::Unchanged
    } else {
        Outcome::Updated
    };
    Ok(PushReport {
        outcome,
        contact_url: contact_url(ghl.location_id(), &contact_id),
        contact_id,
        changes: job
            .changes
            .iter()
            .filter(|c| *c != "created")
            .cloned()
            .collect(),
        warnings: job.desired.warnings.clone(),
    })
}
