//! One client through the engine: what the push button does.
//!
//! The client gets a one-job outbox ([`plan_one`]): its linked contact read by id, or the person
//! looked up by email then phone. The job runs with the same step-by-step saves as a bulk run,
//! so a push cut short (a service worker stopped mid-request) is finished by the next push of
//! that client before anything new is planned, and a possibly-stored create is settled by
//! lookup (G1).

use super::{
    engine::{Candidate, Decision, plan_one},
    outbox::{Job, JobState, OutboxStore, run_job},
    state::SyncState,
};
use crate::{
    Transport,
    ghl::{GhlClient, contact_url},
    push::{Outcome, PushReport},
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
    if let Some(mut job) = unfinished.filter(|j| j.state == JobState::Pending) {
        run_job(ghl, &mut job, 0, state, store, now)
            .await
            .map_err(|e| e.to_string())?;
    }
    let plan = plan_one(candidate, state);
    if plan.decision == Decision::Refused {
        return Err(plan.reason.unwrap_or_else(|| "not pushed".into()));
    }
    let mut job = Job::of(&plan).ok_or("internal: a push planned no step")?;
    store.save_job(0, &job).await?;
    run_job(ghl, &mut job, 0, state, store, now)
        .await
        .map_err(|e| format!("{e}: push again to finish"))?;
    report(ghl, &job)
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
