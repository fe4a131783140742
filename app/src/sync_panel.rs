//! Sync every client: a dry run first (counts and each client's changes), then the run itself
//! with its progress, pause, resume and cancel. The run lives in the extension's service
//! worker, so this page may be closed meanwhile; its progress is asked for once a second.

use leptos::{prelude::*, task::spawn_local};
use shared::{
    protocol::{Request, Response},
    sync::{BulkPlan, ClientPlan, Counts, Decision, Progress, RunState},
};

use crate::backend::Backend;

#[derive(Debug, Clone, PartialEq)]
enum Shown {
    Nothing,
    Busy(&'static str),
    Failed(String),
}

#[component]
pub fn SyncPanel(backend: Backend) -> impl IntoView {
    let plan = RwSignal::new(None::<(Counts, BulkPlan)>);
    let progress = RwSignal::new(None::<Progress>);
    let shown = RwSignal::new(Shown::Nothing);
    let pulled = RwSignal::new(None::<String>);
    let polling = StoredValue::new(false);

    // Ask the worker for the run's progress while it runs.
    let poll = move || {
        if polling.get_value() {
            return;
        }
        polling.set_value(true);
        spawn_local(async move {
            loop {
                match backend.sync(Request::SyncStatus).await {
                    Ok(Response::Sync { progress: p }) => {
                        let running = p.as_ref().is_some_and(|p| p.state == RunState::Running);
                        progress.set(p);
                        if !running {
                            break;
                        }
                    }
                    Ok(_) => break,
                    Err(e) => {
                        shown.set(Shown::Failed(e));
                        break;
                    }
                }
                crate::backend::sleep_ms(1000).await;
            }
            polling.set_value(false);
        });
    };
    if backend == Backend::Extension {
        poll();
    }

    let send = move |request: Request, busy: &'static str| {
        shown.set(Shown::Busy(busy));
        spawn_local(async move {
            match backend.sync(request).await {
                Ok(Response::Plan { counts, plan: p }) => {
                    plan.set(Some((counts, p)));
                    shown.set(Shown::Nothing);
                }
                Ok(Response::Sync { progress: p }) => {
                    progress.set(p);
                    shown.set(Shown::Nothing);
                    poll();
                }
                Ok(Response::Pulled { report, auto_run }) => {
                    pulled.set(Some(format!(
                        "Checked GHL: {} linked client{} changed there, {} missing, tasks read for {}.{}",
                        report.changed.len(),
                        if report.changed.len() == 1 { "" } else { "s" },
                        report.missing.len(),
                        report.tasks_read,
                        if auto_run > 0 {
                            format!(" The automatic rules started a sync of {auto_run} client{}.", if auto_run == 1 { "" } else { "s" })
                        } else {
                            String::new()
                        }
                    )));
                    shown.set(Shown::Nothing);
                    if auto_run > 0 {
                        poll();
                    }
                }
                Ok(other) => shown.set(Shown::Failed(format!("unexpected answer: {other:?}"))),
                Err(e) => {
                    shown.set(Shown::Failed(e));
                    // e.g. another tab started a run meanwhile: show it, and follow it.
                    poll();
                }
            }
        });
    };

    let state = move || progress.get().map(|p| p.state);
    let busy = move || matches!(shown.get(), Shown::Busy(_));
    view! {
        <section class="sync">
            <h2>"Sync every client"</h2>
            <p class="sync__hint">
                "Reads every FITR client (open FITR in a tab first), finds each in GHL by link, email or phone, and plans only what changed. A dry run writes nothing."
            </p>
            <div class="sync__actions">
                <button id="dry-run" type="button" prop:disabled=busy
                    on:click=move |_| send(Request::DryRun { fitr: None }, "Reading FITR and GHL…")>"Dry run"</button>
                <button id="sync-all" type="button"
                    prop:disabled=move || busy() || matches!(state(), Some(RunState::Running | RunState::Paused))
                    on:click=move |_| send(Request::StartSync { fitr: None }, "Planning…")>"Sync all clients"</button>
                <button id="sync-pause" type="button" prop:disabled=move || state() != Some(RunState::Running)
                    on:click=move |_| send(Request::PauseSync, "Pausing…")>"Pause"</button>
                <button id="sync-resume" type="button" prop:disabled=move || state() != Some(RunState::Paused)
                    on:click=move |_| send(Request::ResumeSync, "Resuming…")>"Resume"</button>
                <button id="sync-cancel" type="button"
                    prop:disabled=move || !matches!(state(), Some(RunState::Running | RunState::Paused))
                    on:click=move |_| send(Request::CancelSync, "Cancelling…")>"Cancel"</button>
                <button id="pull" type="button" prop:disabled=busy
                    on:click=move |_| send(Request::Pull, "Checking GHL…")>"Check GHL now"</button>
            </div>
            <p id="sync-status" class=move || match shown.get() {
                Shown::Failed(_) => "status status--error",
                _ => "status status--busy",
            } role="status">
                {move || match shown.get() {
                    Shown::Nothing => String::new(),
                    Shown::Busy(t) => t.to_owned(),
                    Shown::Failed(e) => e,
                }}
            </p>
            {move || pulled.get().map(|t| view! { <p id="pull-result">{t}</p> })}
            {move || progress.get().map(|p| view! { <ProgressView progress=p /> })}
            {move || plan.get().map(|(counts, p)| view! { <PlanView counts=counts plan=p /> })}
        </section>
    }
}

#[component]
fn ProgressView(progress: Progress) -> impl IntoView {
    let state = match progress.state {
        RunState::Running => "running",
        RunState::Paused => "paused",
        RunState::Cancelled => "cancelled",
        RunState::Finished => "finished",
    };
    let percent = (progress.done * 100)
        .checked_div(progress.total)
        .unwrap_or(100);
    view! {
        <div id="sync-progress" class="sync__progress" data-state=state>
            <progress max="100" value=percent.to_string()></progress>
            <p>
                {format!(
                    "{state}: {} of {} clients ({} created, {} updated, {} unchanged, {} failed, {} cancelled)",
                    progress.done, progress.total, progress.created, progress.updated,
                    progress.unchanged, progress.failed, progress.cancelled
                )}
            </p>
            {progress.current.map(|c| view! { <p class="sync__current">{c}</p> })}
            <ul class="sync__failures">
                {progress.failures.into_iter().map(|f| view! {
                    <li>{format!("{} (FITR {}): {}", f.name, f.fitr_id, f.reason)}</li>
                }).collect_view()}
            </ul>
            {(!progress.skipped.is_empty()).then(|| view! {
                <details class="sync__skipped">
                    <summary>{format!("{} clients left out (ambiguous or refused)", progress.skipped.len())}</summary>
                    <ul>
                        {progress.skipped.into_iter().map(|f| view! {
                            <li>{format!("{} (FITR {}): {}", f.name, f.fitr_id, f.reason)}</li>
                        }).collect_view()}
                    </ul>
                </details>
            })}
        </div>
    }
}

#[component]
fn PlanView(counts: Counts, plan: BulkPlan) -> impl IntoView {
    let interesting: Vec<ClientPlan> = plan
        .items
        .into_iter()
        .filter(|i| i.decision != Decision::Unchanged)
        .collect();
    view! {
        <div id="dry-run-result" class="sync__plan">
            <p>
                {format!(
                    "Dry run: {} to create, {} to update, {} unchanged, {} to check by id, {} ambiguous (for you to decide), {} refused.",
                    counts.create, counts.update, counts.unchanged, counts.verify,
                    counts.ambiguous, counts.refused
                )}
            </p>
            <table>
                <thead><tr><th>"Client"</th><th>"Plan"</th><th>"Details"</th></tr></thead>
                <tbody>
                    {interesting.into_iter().map(|i| {
                        let details = i.reason.clone().into_iter()
                            .chain(i.changes.iter().cloned())
                            .chain(i.warnings.iter().cloned())
                            .collect::<Vec<_>>()
                            .join("; ");
                        view! {
                            <tr data-decision=decision_name(i.decision)>
                                <td>{i.name.clone()}</td>
                                <td>{decision_name(i.decision)}</td>
                                <td>{details}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

fn decision_name(d: Decision) -> &'static str {
    match d {
        Decision::Create => "create",
        Decision::Update => "update",
        Decision::Unchanged => "unchanged",
        Decision::Verify => "check by id",
        Decision::Ambiguous => "ambiguous",
        Decision::Refused => "refused",
    }
}
