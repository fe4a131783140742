//! The web app (wasm32 only). One build runs in two places:
//! - the extension's options page, where settings go to the service worker by message, and
//!   every GHL call is made there;
//! - a hosted page (Trunk), where settings live in `localStorage` and only the local sandbox,
//!   which answers CORS, can be reached directly.
#![cfg(target_arch = "wasm32")]

mod backend;
mod settings_form;
mod sync_panel;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    let backend = backend::Backend::detect();
    view! {
        <main class="page">
            <h1>"FITR ⇄ GHL"</h1>
            <p class="page__context">
                {match backend {
                    backend::Backend::Extension => "Extension settings: the extension uses these to push FITR clients to GHL.",
                    backend::Backend::Hosted => "Hosted page: settings are kept in this browser. Only the local sandbox can be tested from here.",
                }}
            </p>
            <settings_form::SettingsForm backend=backend />
            {(backend == backend::Backend::Extension).then(|| view! { <sync_panel::SyncPanel backend=backend /> })}
        </main>
    }
}
