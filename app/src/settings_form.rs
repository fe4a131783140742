//! The connection form: token, location, live or sandbox; Save and Test connection.

use leptos::{prelude::*, task::spawn_local};
use shared::{
    mapping::Mapping,
    settings::{ApiTarget, Settings},
};

use crate::backend::Backend;

/// The sandbox `cargo xtask run` starts.
const DEFAULT_SANDBOX: &str = "http://localhost:8081";

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Idle,
    Busy(&'static str),
    Ok(String),
    Failed(String),
}

#[component]
pub fn SettingsForm(backend: Backend) -> impl IntoView {
    let token = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let use_sandbox = RwSignal::new(false);
    let sandbox_url = RwSignal::new(DEFAULT_SANDBOX.to_string());
    // Kept as loaded (only its automatic-rule switch is edited here), so saving the connection
    // never resets the rest of the mapping.
    let mapping = RwSignal::new(Mapping::default());
    let status = RwSignal::new(Status::Busy("Loading saved settings…"));

    spawn_local(async move {
        match backend.load().await {
            Ok(Some(s)) => {
                token.set(s.token);
                location.set(s.location_id);
                mapping.set(s.mapping);
                if let ApiTarget::Sandbox { url } = s.target {
                    use_sandbox.set(true);
                    sandbox_url.set(url);
                }
                status.set(Status::Idle);
            }
            Ok(None) => status.set(Status::Idle),
            Err(e) => status.set(Status::Failed(e)),
        }
    });

    let current = move || Settings {
        token: token.get_untracked().trim().to_owned(),
        location_id: location.get_untracked().trim().to_owned(),
        target: if use_sandbox.get_untracked() {
            ApiTarget::Sandbox {
                url: sandbox_url.get_untracked().trim().to_owned(),
            }
        } else {
            ApiTarget::Live
        },
        mapping: mapping.get_untracked(),
    };

    let on_save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let settings = current();
        // The permission prompt must start inside the click.
        let permission = backend.request_sandbox_permission(&settings);
        status.set(Status::Busy("Saving…"));
        spawn_local(async move {
            match backend.save(settings, permission).await {
                Ok(()) => status.set(Status::Ok("Saved.".into())),
                Err(e) => status.set(Status::Failed(e)),
            }
        });
    };

    let on_test = move |_| {
        let settings = current();
        status.set(Status::Busy("Testing the connection…"));
        spawn_local(async move {
            match backend.test(settings).await {
                Ok(n) => status.set(Status::Ok(format!(
                    "Connected: the location has {n} contact{}.",
                    if n == 1 { "" } else { "s" }
                ))),
                Err(e) => status.set(Status::Failed(e)),
            }
        });
    };

    view! {
        <form class="settings" on:submit=on_save>
            <label class="settings__field">
                "GHL token"
                <input id="token" type="password" autocomplete="off" placeholder="pit-…"
                    prop:value=token on:input=move |ev| token.set(event_target_value(&ev)) />
            </label>
            <label class="settings__field">
                "Location id"
                <input id="location" type="text" autocomplete="off"
                    prop:value=location on:input=move |ev| location.set(event_target_value(&ev)) />
            </label>
            <fieldset class="settings__target">
                <legend>"GHL API"</legend>
                <label>
                    <input id="target-live" type="radio" name="target"
                        prop:checked=move || !use_sandbox.get() on:change=move |_| use_sandbox.set(false) />
                    " Live (services.leadconnectorhq.com)"
                </label>
                <label>
                    <input id="target-sandbox" type="radio" name="target"
                        prop:checked=move || use_sandbox.get() on:change=move |_| use_sandbox.set(true) />
                    " Local sandbox "
                    <input id="sandbox-url" type="url" prop:value=sandbox_url
                        prop:disabled=move || !use_sandbox.get()
                        on:input=move |ev| sandbox_url.set(event_target_value(&ev)) />
                </label>
            </fieldset>
            <label class="settings__check">
                <input id="auto-push-pending" type="checkbox"
                    prop:checked=move || mapping.get().auto_push_pending
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        mapping.update(|m| m.auto_push_pending = on);
                    } />
                " Push new Pending clients (leads) to GHL automatically"
            </label>
            <div class="settings__actions">
                <button id="save" type="submit" prop:disabled=move || matches!(status.get(), Status::Busy(_))>"Save"</button>
                <button id="test" type="button" on:click=on_test prop:disabled=move || matches!(status.get(), Status::Busy(_))>"Test connection"</button>
            </div>
            <StatusLine status=status />
        </form>
    }
}

#[component]
fn StatusLine(status: RwSignal<Status>) -> impl IntoView {
    let class = move || match status.get() {
        Status::Idle => "status",
        Status::Busy(_) => "status status--busy",
        Status::Ok(_) => "status status--ok",
        Status::Failed(_) => "status status--error",
    };
    let text = move || match status.get() {
        Status::Idle => String::new(),
        Status::Busy(t) => t.to_string(),
        Status::Ok(t) | Status::Failed(t) => t,
    };
    view! { <p id="status" class=class role="status">{text}</p> }
}
