//! `cargo xtask run`: the whole product, locally, against the two stand-ins.

use std::{
    net::TcpListener,
    path::Path,
    process::{Command, Stdio},
    sync::mpsc,
};

use crate::{
    Result, build, serve,
    standins::{self, Ports},
    step, tools,
};

const APP_PORT: u16 = 8080;
/// The sandbox's demo credentials (ghl-sandbox prints them too).
const DEMO_LOCATION: &str = "sandboxLocation00001";
const DEMO_TOKEN: &str = "pit-sandbox-demo-0000-000000000001";

pub fn run(root: &Path, args: &[String]) -> Result {
    let no_browser = args.iter().any(|a| a == "--no-browser");
    step("checking tools");
    let tools = tools::ensure_build_tools(root)?;
    build::all(root, &tools)?;
    let ports = Ports::DEMO;
    // The sandbox's contacts survive a restart of `cargo xtask run`; delete the file to start
    // afresh.
    let data = root.join("dist/ghl-sandbox.json");
    let _standins = standins::start(root, ports, false, Some(&data))?;
    let app = TcpListener::bind(("127.0.0.1", APP_PORT))
        .map_err(|e| format!("port {APP_PORT} for the app: {e}"))?;
    serve::spawn(app, root.join("dist/app"));

    let ext = root.join("dist/chrome");
    let profile = root.join("dist/chromium-profile");
    let mut chromium = Command::new("chromium");
    chromium
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--load-extension={}", ext.display()))
        .arg(format!("--disable-extensions-except={}", ext.display()))
        .arg(format!("--host-resolver-rules={}", ports.resolver_rules()))
        .args([
            "--ignore-certificate-errors",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ]);
    if tools::is_root() {
        chromium.arg("--no-sandbox");
    }
    chromium.args([
        format!("chrome-extension://{}/options.html", build::EXTENSION_ID),
        "https://app.fitr.training/coach/programs".to_string(),
    ]);

    println!(
        "
FITR ⇄ GHL is running.

  FITR replica        https://app.fitr.training  (in the browser below)  http://localhost:{fitr_http}
  GHL sandbox         https://services.leadconnectorhq.com  (in the browser below)  http://localhost:{ghl_http}
  Hosted app          http://localhost:{APP_PORT}
  Extension (unpacked) {ext}
  Extension options   chrome-extension://{id}/options.html

  GHL sandbox credentials: token {DEMO_TOKEN}   location {DEMO_LOCATION}
  In the options page enter them, keep \"Live\" (the browser below maps it to the sandbox), Save.
  Then open FITR's Clients tab and press \"Push to GHL\" on a client.
  See what the sandbox holds: http://localhost:{ghl_http}/_admin/state
  (kept in {data} across restarts; delete it to start afresh)

  Browser command:
    {cmd}

Press Ctrl-C to stop.",
        fitr_http = ports.fitr_http,
        ghl_http = ports.ghl_http,
        ext = ext.display(),
        id = build::EXTENSION_ID,
        data = data.display(),
        cmd = shell_line(&chromium),
    );

    let (tx, rx) = mpsc::channel();
    ctrlc::set_handler(move || {
        let _ = tx.send(());
    })
    .map_err(|e| format!("cannot catch Ctrl-C: {e}"))?;

    let display =
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let _browser = if !no_browser && display {
        chromium.stdout(Stdio::null()).stderr(Stdio::null());
        crate::proc::Guard::spawn("chromium", &mut chromium).ok()
    } else {
        println!("(No display found, or --no-browser: start the browser with the command above.)");
        None
    };
    let _ = rx.recv();
    println!("\nstopping…");
    Ok(())
}

fn shell_line(cmd: &Command) -> String {
    let quote = |s: &str| {
        if s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_=/.:@".contains(c))
        {
            s.to_string()
        } else {
            format!("'{}'", s.replace('\'', "'\\''"))
        }
    };
    std::iter::once(cmd.get_program().to_string_lossy().into_owned())
        .chain(cmd.get_args().map(|a| a.to_string_lossy().into_owned()))
        .map(|s| quote(&s))
        .collect::<Vec<_>>()
        .join(" ")
}
