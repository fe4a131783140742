//! Building what users get: the extension (`dist/chrome/`, loadable unpacked) and the hosted
//! app (`dist/app/`, by Trunk).

use std::{
    fs,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use crate::{Result, proc, step, tools::Tools};

const PROFILE: &str = "wasm-release";
const WASM_OPT_FEATURES: &[&str] = &[
    "--enable-reference-types",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-multivalue",
];

/// The extension ID that the manifest's fixed `key` gives (checked by a test below).
pub const EXTENSION_ID: &str = "hnefapimcpegabolljhdhhfneibagdjh";

pub fn all(root: &Path, tools: &Tools) -> Result {
    extension(root, tools)?;
    hosted_app(root, tools)?;
    Ok(())
}

/// `dist/chrome/`: static files, the worker and the options page (the app, wasm-bindgen
/// `--target web`, since MV3 forbids Trunk's inline script).
pub fn extension(root: &Path, tools: &Tools) -> Result {
    step("building the extension into dist/chrome");
    let out = root.join("dist/chrome");
    if out.exists() {
        fs::remove_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    fs::create_dir_all(&out).map_err(|e| e.to_string())?;
    cargo_wasm(root, &["extension-worker", "app"])?;
    bindgen(root, tools, "extension_worker", &out.join("worker"))?;
    bindgen(root, tools, "app", &out.join("app"))?;
    let stat = root.join("extension/static");
    for entry in fs::read_dir(&stat).map_err(|e| e.to_string())? {
        let entry = entry.map_err(|e| e.to_string())?;
        fs::copy(entry.path(), out.join(entry.file_name())).map_err(|e| e.to_string())?;
    }
    fs::copy(root.join("app/style.css"), out.join("app/style.css")).map_err(|e| e.to_string())?;
    println!("    extension: {}", out.display());
    Ok(())
}

/// `dist/app/`: the hosted page, built by Trunk with the project's wasm-bindgen and wasm-opt.
pub fn hosted_app(root: &Path, tools: &Tools) -> Result {
    step("building the hosted app into dist/app (trunk)");
    proc::run(
        Command::new(&tools.trunk)
            .args(["build", "--release", "--offline"])
            .env("PATH", &tools.path)
            .current_dir(root),
        Duration::from_secs(1800),
    )
}

fn cargo_wasm(root: &Path, packages: &[&str]) -> Result {
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args([
        "build",
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        PROFILE,
    ])
    .current_dir(root);
    for p in packages {
        cmd.args(["-p", p]);
    }
    proc::run(&mut cmd, Duration::from_secs(1800))
}

fn bindgen(root: &Path, tools: &Tools, name: &str, out: &Path) -> Result {
    // Where cargo put it: `CARGO_TARGET_DIR` when set (relative to the workspace), else
    // `target/`.
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_absolute() { d } else { root.join(d) })
        .unwrap_or_else(|| root.join("target"));
    let wasm: PathBuf = target_dir
        .join("wasm32-unknown-unknown")
        .join(PROFILE)
        .join(format!("{name}.wasm"));
    proc::run(
        Command::new(&tools.wasm_bindgen)
            .args([
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                name,
                "--out-dir",
            ])
            .arg(out)
            .arg(&wasm),
        Duration::from_secs(600),
    )?;
    let bg = out.join(format!("{name}_bg.wasm"));
    let mut opt = Command::new(&tools.wasm_opt);
    opt.arg("-Oz")
        .args(WASM_OPT_FEATURES)
        .arg(&bg)
        .arg("-o")
        .arg(&bg);
    proc::run(&mut opt, Duration::from_secs(600))?;
    let size = fs::metadata(&bg).map(|m| m.len()).unwrap_or(0);
    println!("    {name}: {} kB", size / 1024);
    Ok(())
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use sha2::Digest;

    /// Chromium derives an unpacked extension's ID from the manifest `key`: the first 32 hex
    /// digits of SHA-256 of the public key, each mapped 0-f → a-p.
    #[test]
    fn the_manifest_key_gives_the_documented_extension_id() {
        let root = crate::project_root();
        let manifest =
            std::fs::read_to_string(root.join("extension/static/manifest.json")).unwrap();
        let key = manifest
            .split("\"key\": \"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("manifest has a key");
        let der = base64::engine::general_purpose::STANDARD
            .decode(key)
            .unwrap();
        let id: String = sha2::Sha256::digest(&der)[..16]
            .iter()
            .flat_map(|b| [b >> 4, b & 0xf])
            .map(|n| (b'a' + n) as char)
            .collect();
        assert_eq!(id, super::EXTENSION_ID);
    }
}
