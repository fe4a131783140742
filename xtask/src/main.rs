//! `cargo xtask <command>`: every build, run and test step of the project, in Rust.
//!
//! - `run`: install what is missing, build the extension and the app, start both stand-ins
//!   over TLS, serve the app, print the URLs and the Chromium command (and launch it when a
//!   display is available); Ctrl-C stops everything.
//! - `test`: install what is missing (Chromium too), run every native test, build the
//!   extension and the app, and run the browser end-to-end tests against the stand-ins.
//! - `build`: install what is missing, build the extension (`dist/chrome`) and the app
//!   (`dist/app`).
//! - `bench client`, `bench sync`: the benchmarks; figures printed and recorded in BENCHMARKS.md.
//!
//! Tools live in `.tools/` (git-ignored), one folder per tool and version: deleting it replays
//! the cold path. A tool that is present is not installed again.

mod bench;
mod build;
mod proc;
mod run;
mod serve;
mod standins;
mod test;
mod tools;

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
};

pub type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = project_root();
    if let Err(e) = std::env::set_current_dir(&root) {
        eprintln!("xtask: cannot enter {}: {e}", root.display());
        return ExitCode::FAILURE;
    }
    let result = match args.first().map(String::as_str) {
        Some("run") => run::run(&root, &args[1..]),
        Some("test") => test::test(&root, &args[1..]),
        Some("bench") => bench::bench(&root, &args[1..]),
        Some("build") => tools::ensure_build_tools(&root).and_then(|t| build::all(&root, &t)),
        _ => {
            eprintln!("usage: cargo xtask run [--no-browser] | test | build | bench client|sync");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: {e}");
            ExitCode::FAILURE
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace root")
        .to_path_buf()
}

/// Print a step, so a person can follow what happens.
pub fn step(msg: impl AsRef<str>) {
    println!("==> {}", msg.as_ref());
}
