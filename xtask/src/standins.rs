//! Starting `ghl-sandbox` and `fitr-replica` as processes, each on a plain and a TLS port.

use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::Path,
    process::{Command, Stdio},
    time::{Duration, Instant},
};

use crate::{Result, proc, proc::Guard, step};

#[derive(Debug, Clone, Copy)]
pub struct Ports {
    pub ghl_http: u16,
    pub ghl_tls: u16,
    pub fitr_http: u16,
    pub fitr_tls: u16,
}

impl Ports {
    /// The fixed ports `cargo xtask run` uses, so bookmarks and the printed command stay valid.
    pub const DEMO: Ports = Ports {
        ghl_http: 8081,
        ghl_tls: 8443,
        fitr_http: 8082,
        fitr_tls: 8444,
    };

    pub fn free() -> Result<Ports> {
        Ok(Ports {
            ghl_http: free_port()?,
            ghl_tls: free_port()?,
            fitr_http: free_port()?,
            fitr_tls: free_port()?,
        })
    }

    /// Chromium's `--host-resolver-rules`: the real host names reach the stand-ins' TLS ports.
    pub fn resolver_rules(&self) -> String {
        format!(
            "MAP app.fitr.training 127.0.0.1:{}, MAP services.leadconnectorhq.com 127.0.0.1:{}",
            self.fitr_tls, self.ghl_tls
        )
    }
}

pub fn free_port() -> Result<u16> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

pub struct StandIns {
    _guards: Vec<Guard>,
}

/// Build and start both stand-ins; return once every port accepts connections. With
/// `sandbox_data`, the sandbox keeps its state in that file across restarts.
pub fn start(
    root: &Path,
    ports: Ports,
    quiet: bool,
    sandbox_data: Option<&Path>,
) -> Result<StandIns> {
    step("building ghl-sandbox and fitr-replica");
    proc::run(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "-p", "ghl-sandbox", "-p", "fitr-replica"])
            .current_dir(root),
        Duration::from_secs(1800),
    )?;
    for port in [
        ports.ghl_http,
        ports.ghl_tls,
        ports.fitr_http,
        ports.fitr_tls,
    ] {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Err(format!(
                "port {port} is already in use: stop whatever runs there (an earlier `cargo xtask run`?) and try again"
            ));
        }
    }
    let bin = root.join("target/debug");
    let mut guards = Vec::new();
    for (name, http, tls) in [
        ("ghl-sandbox", ports.ghl_http, ports.ghl_tls),
        ("fitr-replica", ports.fitr_http, ports.fitr_tls),
    ] {
        let mut cmd = Command::new(bin.join(name));
        cmd.arg("--listen")
            .arg(format!("127.0.0.1:{http}"))
            .arg("--tls-listen")
            .arg(format!("127.0.0.1:{tls}"));
        if let (Some(file), "ghl-sandbox") = (sandbox_data, name) {
            cmd.arg("--data").arg(file);
        }
        if quiet {
            cmd.stdout(Stdio::null());
        }
        guards.push(Guard::spawn(name, &mut cmd)?);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for (i, port) in [
        ports.ghl_http,
        ports.ghl_tls,
        ports.fitr_http,
        ports.fitr_tls,
    ]
    .into_iter()
    .enumerate()
    {
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            let guard = &mut guards[i / 2];
            if let Some(status) = guard.exited() {
                return Err(format!("{} stopped at start-up ({status})", guard.name));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "{} did not listen on port {port} within 60 s",
                    guards[i / 2].name
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    Ok(StandIns { _guards: guards })
}
