//! `cargo xtask bench <name>`: run a benchmark, print its figures, and record them in
//! BENCHMARKS.md (between the markers of its section). Targets are compared as ratios measured
//! in the same run, never as wall-clock limits in tests.

use std::{path::Path, process::Command};

use crate::{Result, proc, step};

pub fn bench(root: &Path, args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("client") => client(root),
        Some("sync") => {
            Err("`bench sync` measures the sync engine of issue #4, which is not built yet".into())
        }
        _ => Err("usage: cargo xtask bench client".into()),
    }
}

fn client(root: &Path) -> Result {
    let (contacts, window_ms, max) = (2_000, 1_000, 100);
    step(format!(
        "bench client: {contacts} creates through the paced client, sandbox window {window_ms} ms × {max} requests"
    ));
    let out = proc::output(
        Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "run",
                "--release",
                "-q",
                "-p",
                "shared",
                "--example",
                "bench_client",
                "--",
            ])
            .args([contacts, window_ms, max].map(|n| n.to_string()))
            .current_dir(root),
    )
    .ok_or("the client benchmark failed to run")?;
    let line = out.lines().last().ok_or("the benchmark printed nothing")?;
    let figure = |key: &str| -> Result<f64> {
        let pat = format!("\"{key}\":");
        let start = line.find(&pat).ok_or(format!("no {key} in {line}"))? + pat.len();
        let rest = &line[start..];
        let end = rest.find([',', '}']).unwrap_or(rest.len());
        rest[..end]
            .trim()
            .parse::<f64>()
            .map_err(|e| format!("{key}: {e}"))
    };
    let sent = figure("requests_sent")?;
    let limited = figure("answered_429")?;
    let share = figure("share_429")?;
    let fraction = figure("fraction_of_allowed")?;
    let achieved = figure("achieved_per_s")?;
    let allowed = figure("allowed_per_s")?;
    let elapsed = figure("elapsed_s")?;
    let stored = figure("stored")?;
    let verdict = |ok: bool| if ok { "met" } else { "NOT met" };
    let date = proc::output(Command::new("date").args(["-u", "+%F"]))
        .map(|d| d.trim().to_owned())
        .unwrap_or_default();
    let section = format!(
        "## client: {contacts} creates through the paced client ({date})

The sandbox's limiter scaled to {max} requests per {window_ms} ms (GHL's is 100 per 10 s); the
client paces by the `X-RateLimit-*` headers and backs off on 429. `cargo xtask bench client`.

| figure | value | target |
|---|---|---|
| contacts stored | {stored} | {contacts} |
| requests sent | {sent} | |
| answered 429 | {limited} ({pct:.2} %) | < 1 % ({v429}) |
| achieved rate | {achieved} req/s of {allowed} allowed | |
| fraction of the allowed rate | {fraction:.3} | ≥ 0.95 ({vrate}) |
| elapsed | {elapsed} s | |
",
        pct = share * 100.0,
        v429 = verdict(share < 0.01),
        vrate = verdict(fraction >= 0.95),
    );
    println!("{section}");
    record(root, "client", &section)
}

/// Replace (or append) the section between `<!-- bench:NAME -->` markers.
fn record(root: &Path, name: &str, section: &str) -> Result {
    let path = root.join("BENCHMARKS.md");
    let mut text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        "# Benchmarks\n\nWritten by `cargo xtask bench <name>` from its latest run on this kind of machine (2 cores; figures vary with load, so targets are ratios from one run).\n".to_owned()
    });
    let (open, close) = (
        format!("<!-- bench:{name} -->"),
        format!("<!-- /bench:{name} -->"),
    );
    let block = format!("{open}\n{section}{close}\n");
    match (text.find(&open), text.find(&close)) {
        (Some(a), Some(b)) if b > a => text.replace_range(a..b + close.len() + 1, &block),
        _ => {
            text.push('\n');
            text.push_str(&block);
        }
    }
    std::fs::write(&path, text).map_err(|e| format!("BENCHMARKS.md: {e}"))?;
    println!("recorded in {}", path.display());
    Ok(())
}
