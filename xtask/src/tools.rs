//! Installing what is missing, and nothing else.
//!
//! Every tool goes into `.tools/<tool>-<version>/`, so a version change installs beside the
//! old one, and deleting `.tools/` replays the cold path. Each check runs the tool and reads
//! its version: a present, working tool is never installed again.

use std::{
    env,
    ffi::OsString,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use crate::{Result, proc, step};

pub const TRUNK_VERSION: &str = "0.21.14";
pub const BINARYEN_VERSION: &str = "132.0.0";
pub const PLAYWRIGHT_DIR: &str = "npm-e2e";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Paths of the installed tools, and the PATH that puts them first.
#[derive(Debug, Clone)]
pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub wasm_opt: PathBuf,
    pub trunk: PathBuf,
    pub path: OsString,
}

pub fn tools_dir(root: &Path) -> PathBuf {
    root.join(".tools")
}

/// The wasm target, wasm-bindgen-cli (the version Cargo.lock pins), binaryen 132, Trunk.
pub fn ensure_build_tools(root: &Path) -> Result<Tools> {
    ensure_wasm_target()?;
    let dir = tools_dir(root);
    let wb_version = locked_version(root, "wasm-bindgen")?;
    let wb_root = dir.join(format!("wasm-bindgen-cli-{wb_version}"));
    let wasm_bindgen = wb_root.join("bin/wasm-bindgen");
    ensure(
        "wasm-bindgen-cli",
        &wb_version,
        &wasm_bindgen,
        &format!("wasm-bindgen {wb_version}"),
        || {
            // Not `--locked`: the CLI's own lock file names a version the registry lacks
            // (see ../shared/PLATFORM.md).
            cargo_install(&wb_root, "wasm-bindgen-cli", &wb_version, false)
        },
    )?;
    warn_other_on_path("wasm-bindgen", &format!("wasm-bindgen {wb_version}"));

    let bin_root = dir.join(format!("binaryen-{BINARYEN_VERSION}"));
    let wasm_opt = bin_root.join("node_modules/.bin/wasm-opt");
    let major = BINARYEN_VERSION.split('.').next().unwrap_or_default();
    ensure(
        "binaryen (npm)",
        BINARYEN_VERSION,
        &wasm_opt,
        &format!("version {major}"),
        || {
            std::fs::create_dir_all(&bin_root).map_err(|e| e.to_string())?;
            proc::run(
                Command::new("npm")
                    .args([
                        "install",
                        "--no-save",
                        "--no-audit",
                        "--no-fund",
                        "--prefix",
                    ])
                    .arg(&bin_root)
                    .arg(format!("binaryen@{BINARYEN_VERSION}")),
                Duration::from_secs(600),
            )
        },
    )?;
    warn_other_on_path("wasm-opt", &format!("version {major}"));

    let trunk_root = dir.join(format!("trunk-{TRUNK_VERSION}"));
    let trunk = trunk_root.join("bin/trunk");
    ensure(
        "trunk",
        TRUNK_VERSION,
        &trunk,
        &format!("trunk {TRUNK_VERSION}"),
        || cargo_install(&trunk_root, "trunk", TRUNK_VERSION, true),
    )?;

    let mut paths = vec![
        wb_root.join("bin"),
        bin_root.join("node_modules/.bin"),
        trunk_root.join("bin"),
    ];
    paths.extend(env::split_paths(&env::var_os("PATH").unwrap_or_default()));
    let path = env::join_paths(paths).map_err(|e| e.to_string())?;
    Ok(Tools {
        wasm_bindgen,
        wasm_opt,
        trunk,
        path,
    })
}

/// Chromium and chromedriver from apt, where apt exists; elsewhere, say what to install.
pub fn ensure_chromium() -> Result<PathBuf> {
    let chromium = PathBuf::from("/usr/bin/chromium");
    let driver = PathBuf::from("/usr/bin/chromedriver");
    let works = |p: &Path| proc::output(Command::new(p).arg("--version")).is_some();
    if works(&chromium) && works(&driver) {
        println!("    chromium: present");
        return Ok(chromium);
    }
    if proc::output(Command::new("apt-get").arg("--version")).is_none() {
        return Err("Chromium is missing and this machine has no apt-get: install Chromium and ChromeDriver (version 156 or later) so that /usr/bin/chromium and /usr/bin/chromedriver exist, then run again.".into());
    }
    step("installing chromium and chromium-driver (apt)");
    let sudo = !is_root();
    for args in [
        &["update"][..],
        &[
            "install",
            "-y",
            "--no-install-recommends",
            "chromium",
            "chromium-driver",
        ][..],
    ] {
        let mut cmd = if sudo {
            let mut c = Command::new("sudo");
            c.arg("-n").arg("apt-get");
            c
        } else {
            Command::new("apt-get")
        };
        cmd.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        proc::run(&mut cmd, Duration::from_secs(900))?;
    }
    if works(&chromium) {
        Ok(chromium)
    } else {
        Err("apt installed chromium, but /usr/bin/chromium does not run".into())
    }
}

/// playwright-core for the browser tests, from `tests/e2e/package-lock.json`, into `.tools/`.
pub fn ensure_playwright(root: &Path) -> Result<PathBuf> {
    let src = root.join("tests/e2e");
    let lock = std::fs::read_to_string(src.join("package-lock.json"))
        .map_err(|e| format!("tests/e2e/package-lock.json: {e}"))?;
    let dir = tools_dir(root).join(PLAYWRIGHT_DIR);
    let stamp = dir.join("package-lock.json");
    let module = dir.join("node_modules/playwright-core");
    if module.exists() && std::fs::read_to_string(&stamp).ok().as_deref() == Some(lock.as_str()) {
        println!("    playwright-core: present");
        return Ok(dir.join("node_modules"));
    }
    step("installing playwright-core (npm ci)");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    std::fs::copy(src.join("package.json"), dir.join("package.json")).map_err(|e| e.to_string())?;
    std::fs::write(&stamp, &lock).map_err(|e| e.to_string())?;
    proc::run(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir),
        Duration::from_secs(600),
    )?;
    Ok(dir.join("node_modules"))
}

fn ensure(
    name: &str,
    version: &str,
    exe: &Path,
    expect: &str,
    install: impl FnOnce() -> Result,
) -> Result {
    let version_of = |p: &Path| proc::output(Command::new(p).arg("--version"));
    if version_of(exe).is_some_and(|v| v.contains(expect)) {
        println!("    {name} {version}: present");
        return Ok(());
    }
    step(format!(
        "installing {name} {version} into {}",
        exe.display()
    ));
    install()?;
    match version_of(exe) {
        Some(v) if v.contains(expect) => Ok(()),
        Some(v) => Err(format!(
            "{name} was installed but reports {v:?}, not {expect:?}"
        )),
        None => Err(format!(
            "{name} was installed but {} does not run",
            exe.display()
        )),
    }
}

fn cargo_install(root: &Path, krate: &str, version: &str, locked: bool) -> Result {
    let mut cmd = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    cmd.args(["install", "--force", "--root"])
        .arg(root)
        .args([krate, "--version", version]);
    if locked {
        cmd.arg("--locked");
    }
    proc::run(&mut cmd, Duration::from_secs(1800))
}

fn ensure_wasm_target() -> Result {
    let installed = proc::output(Command::new("rustup").args(["target", "list", "--installed"]))
        .ok_or("rustup is needed to add the wasm32 target: install Rust with rustup")?;
    if installed.lines().any(|l| l.trim() == WASM_TARGET) {
        println!("    {WASM_TARGET}: present");
        return Ok(());
    }
    step(format!("adding the {WASM_TARGET} target"));
    proc::run(
        Command::new("rustup").args(["target", "add", WASM_TARGET]),
        Duration::from_secs(600),
    )
}

/// A same-named tool elsewhere on PATH with another version is shadowed by ours; say so.
fn warn_other_on_path(exe: &str, expect: &str) {
    if let Some(v) = proc::output(Command::new(exe).arg("--version"))
        && !v.contains(expect)
    {
        println!(
            "    note: the {exe} on PATH reports {:?}; the project's own ({expect}) is used instead",
            v.trim()
        );
    }
}

/// The version of `package` that Cargo.lock pins.
pub fn locked_version(root: &Path, package: &str) -> Result<String> {
    let lock =
        std::fs::read_to_string(root.join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == format!("name = \"{package}\"")
            && let Some(v) = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = "))
        {
            return Ok(v.trim_matches('"').to_owned());
        }
    }
    Err(format!("Cargo.lock has no package {package}"))
}

pub fn is_root() -> bool {
    proc::output(Command::new("id").arg("-u")).is_some_and(|s| s.trim() == "0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_lock_pins_the_wasm_bindgen_the_workspace_names() {
        let root = crate::project_root();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        let v = locked_version(&root, "wasm-bindgen").unwrap();
        assert!(
            manifest.contains(&format!("wasm-bindgen = \"={v}\"")),
            "Cargo.toml must pin wasm-bindgen = \"={v}\" exactly"
        );
    }
}

#[cfg(test)]
mod trunk_tests {
    #[test]
    fn trunk_toml_names_the_locked_wasm_bindgen() {
        let root = crate::project_root();
        let v = super::locked_version(&root, "wasm-bindgen").unwrap();
        let trunk = std::fs::read_to_string(root.join("Trunk.toml")).unwrap();
        assert!(
            trunk.contains(&format!("wasm_bindgen = \"{v}\"")),
            "Trunk.toml's [tools] wasm_bindgen must be {v}, as Cargo.lock pins"
        );
    }
}
