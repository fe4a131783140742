//! `cargo xtask bench <name>`: run a benchmark, print its figures, and record them in
//! BENCHMARKS.md (between the markers of its section). Targets are compared as ratios measured
//! in the same run, never as wall-clock limits in tests.
//!
//! - `client`: 2,000 creates through the paced client (`shared/examples/bench_client.rs`).
//! - `sync`: the sync engine's first sync and re-sync of 2,000 clients beside the naive way,
//!   one upsert per client (`shared/examples/bench_sync.rs`).

use std::{
    path::Path,
    process::{Command, Stdio},
};

use crate::{Result, proc, step};

const USAGE: &str = "usage: cargo xtask bench client | sync";

pub fn bench(root: &Path, args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        Some("client") => client(root),
        Some("sync") => sync(root),
        _ => Err(USAGE.into()),
    }
}

/// Run one of `shared`'s examples in release with these arguments; its last line of stdout
/// (the JSON figures). Its stderr (build errors, progress, a panic) goes to the terminal.
fn run_example(root: &Path, example: &str, args: &[u64]) -> Result<String> {
    let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args([
            "run",
            "--release",
            "-q",
            "-p",
            "shared",
            "--example",
            example,
            "--",
        ])
        .args(args.iter().map(u64::to_string))
        .current_dir(root)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cargo: {e}"))?;
    if !out.status.success() {
        return Err(format!("the {example} benchmark failed ({})", out.status));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .last()
        .map(str::to_owned)
        .ok_or_else(|| format!("the {example} benchmark printed nothing"))
}

/// A number from the one-line JSON object the examples print.
fn figure(line: &str, key: &str) -> Result<f64> {
    let pat = format!("\"{key}\":");
    let start = line.find(&pat).ok_or(format!("no {key} in {line}"))? + pat.len();
    let rest = &line[start..];
    let end = rest.find([',', '}']).unwrap_or(rest.len());
    rest[..end]
        .trim()
        .parse::<f64>()
        .map_err(|e| format!("{key}: {e}"))
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "NOT met" }
}

fn today() -> String {
    proc::output(Command::new("date").args(["-u", "+%F"]))
        .map(|d| d.trim().to_owned())
        .unwrap_or_default()
}

fn client(root: &Path) -> Result {
    let (contacts, window_ms, max) = (2_000, 1_000, 100);
    step(format!(
        "bench client: {contacts} creates through the paced client, sandbox window {window_ms} ms × {max} requests"
    ));
    let line = run_example(root, "bench_client", &[contacts, window_ms, max])?;
    let figure = |key: &str| figure(&line, key);
    let sent = figure("requests_sent")?;
    let limited = figure("answered_429")?;
    let share = figure("share_429")?;
    let fraction = figure("fraction_of_allowed")?;
    let achieved = figure("achieved_per_s")?;
    let allowed = figure("allowed_per_s")?;
    let elapsed = figure("elapsed_s")?;
    let stored = figure("stored")?;
    let date = today();
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

fn sync(root: &Path) -> Result {
    let (clients, window_ms, max, lag_ms) = (2_000, 1_000, 100, 20_000);
    step(format!(
        "bench sync: {clients} clients, naive upserts beside the sync engine, sandbox window {window_ms} ms × {max} requests, search lag {lag_ms} ms"
    ));
    let line = run_example(root, "bench_sync", &[clients, window_ms, max, lag_ms])?;
    let f = |key: &str| figure(&line, key);
    let n = clients as f64;
    let allowed = f("allowed_per_s")?;

    let naive_first = f("naive_first_requests")?;
    let naive_first_429 = f("naive_first_429")?;
    let naive_per_contact = f("naive_first_per_contact")?;
    let naive_fraction = f("naive_first_fraction")?;
    let naive_rate = f("naive_first_achieved_per_s")?;
    let naive_first_s = f("naive_first_elapsed_s")?;
    let naive_resync = f("naive_resync_requests")?;
    let naive_resync_s = f("naive_resync_elapsed_s")?;
    let naive_stored = f("naive_stored")?;

    let first = f("first_requests")?;
    let first_notes = f("first_notes")?;
    let first_excl = f("first_excl_notes")?;
    let first_429 = f("first_429")?;
    let per_contact = f("first_per_contact")?;
    let fraction = f("first_fraction")?;
    let rate = f("first_achieved_per_s")?;
    let first_s = f("first_elapsed_s")?;
    let failed = f("first_failed")?;

    let resync = f("resync_requests")?;
    let resync_s = f("resync_elapsed_s")?;
    let listed = f("resync_listed")?;
    let unchanged = f("resync_unchanged")?;

    let stored = f("stored")?;
    let duplicates = f("duplicates")?;
    let tags_wrong = f("tags_wrong")?;
    let notes_wrong = f("notes_wrong")?;
    let exact = f("exact")? == 1.0;

    let (v_per, v_rate, v_resync) = (
        verdict(per_contact <= 1.05),
        verdict(fraction >= 0.95),
        verdict(resync <= 10.0),
    );
    let v_exact = verdict(exact && stored == n && duplicates == 0.0 && tags_wrong == 0.0);
    let date = today();
    let section = format!(
        "## sync: first sync and re-sync of {clients} clients, naive beside ours ({date})

The sandbox's limiter scaled to {max} requests per {window_ms} ms (GHL's is 100 per 10 s), both
sides through the same paced client, each on a fresh sandbox. **Naive**: one
`POST /contacts/upsert` per client, every time. **Ours**: GHL's listing (search pages of 500),
the plan, and the outbox (a new client: one create with its tags, then its note). Search lags
{lag_ms} ms behind every write from the start (G20): at the re-sync, search listed {listed} of
the {clients} contacts just written; the rest were missing. GHL requests are counted from the
sandbox's request log. `cargo xtask bench sync`.

| figure | naive | ours | target (ours) |
|---|---|---|---|
| first sync: GHL requests | {naive_first} | {first} ({first_notes} of them notes) | |
| first sync: requests per contact, notes excluded | {naive_per_contact:.4} | {per_contact:.4} ({first_excl} / {clients}) | ≤ 1.05 ({v_per}) |
| first sync: answered 429 | {naive_first_429} | {first_429} | |
| first sync: achieved rate | {naive_rate} req/s of {allowed} allowed | {rate} req/s of {allowed} allowed | |
| first sync: fraction of the allowed rate | {naive_fraction:.3} | {fraction:.3} | ≥ 0.95 ({v_rate}) |
| first sync: elapsed | {naive_first_s} s | {first_s} s | |
| re-sync of the {clients} unchanged clients: GHL requests | {naive_resync} | {resync} | ≤ 10 ({v_resync}) |
| re-sync: elapsed | {naive_resync_s} s | {resync_s} s | |
| re-sync: planned unchanged | | {unchanged} | |
| afterwards: contacts in GHL | {naive_stored} | {stored} | {clients}, none duplicated by email, each with its tags ({v_exact}) |
| afterwards: duplicates by email / wrong tags / not one note / failed jobs | | {duplicates} / {tags_wrong} / {notes_wrong} / {failed} | |

The notes (one per new client) are writes the naive way does not make at all; the rate target
counts every request served, notes included.
",
    );
    println!("{section}");
    record(root, "sync", &section)?;
    let missed: Vec<&str> = [
        ("requests per contact", v_per),
        ("fraction of the allowed rate", v_rate),
        ("re-sync requests", v_resync),
        ("exact afterwards", v_exact),
    ]
    .into_iter()
    .filter(|(_, v)| *v != "met")
    .map(|(name, _)| name)
    .collect();
    if missed.is_empty() {
        Ok(())
    } else {
        Err(format!("targets NOT met: {}", missed.join(", ")))
    }
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
