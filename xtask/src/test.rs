//! `cargo xtask test`: every test, the browser ones included.

use std::{net::TcpListener, path::Path, process::Command, time::Duration};

use crate::{
    Result, build, proc, serve,
    standins::{self, Ports},
    step, tools,
};

/// `--e2e-only` skips the native tests (for quick iterations on the browser tests).
pub fn test(root: &Path, args: &[String]) -> Result {
    let e2e_only = args.iter().any(|a| a == "--e2e-only");
    step("checking tools");
    let tools = tools::ensure_build_tools(root)?;
    let chromium = tools::ensure_chromium()?;
    let node_modules = tools::ensure_playwright(root)?;

    if !e2e_only {
        step("native tests (cargo test --workspace)");
        proc::run(
            Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
                .args(["test", "--workspace"])
                .current_dir(root),
            Duration::from_secs(2400),
        )?;
    }

    build::all(root, &tools)?;
    let ports = Ports::free()?;
    let _standins = standins::start(root, ports, true, None)?;
    let app = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let app_port = app.local_addr().map_err(|e| e.to_string())?.port();
    serve::spawn(app, root.join("dist/app"));

    step("browser end-to-end tests (headless Chromium, tests/e2e)");
    let artifacts = root.join("tests/e2e/artifacts");
    std::fs::create_dir_all(&artifacts).map_err(|e| e.to_string())?;
    proc::run(
        Command::new("node")
            .arg(root.join("tests/e2e/run.mjs"))
            .env("E2E_NODE_MODULES", &node_modules)
            .env("E2E_CHROMIUM", &chromium)
            .env("E2E_EXTENSION_DIR", root.join("dist/chrome"))
            .env("E2E_EXTENSION_ID", build::EXTENSION_ID)
            .env("E2E_RESOLVER_RULES", ports.resolver_rules())
            .env(
                "E2E_GHL_ADMIN",
                format!("http://127.0.0.1:{}", ports.ghl_http),
            )
            .env(
                "E2E_FITR_ADMIN",
                format!("http://127.0.0.1:{}", ports.fitr_http),
            )
            .env("E2E_APP_URL", format!("http://localhost:{app_port}/"))
            .env(
                "E2E_SANDBOX_URL",
                format!("http://localhost:{}", ports.ghl_http),
            )
            .env("E2E_ARTIFACTS", &artifacts)
            .current_dir(root),
        Duration::from_secs(900),
    )?;

    step("fitr-replica's own browser check (standins/fitr-replica/browser-check)");
    proc::run(
        Command::new("bash")
            .arg(root.join("standins/fitr-replica/browser-check/run.sh"))
            .arg(artifacts.join("replica.png"))
            .current_dir(root),
        Duration::from_secs(300),
    )?;
    println!("\nall tests passed");
    Ok(())
}
