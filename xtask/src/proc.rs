//! Running commands with a deadline, and child processes that die with us.

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use crate::Result;

/// Run to completion within `timeout`, inheriting stdout/stderr; fail on a non-zero exit.
pub fn run(cmd: &mut Command, timeout: Duration) -> Result {
    let shown = show(cmd);
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("could not start `{shown}`: {e}"))?;
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait().map_err(|e| e.to_string())? {
            Some(status) if status.success() => return Ok(()),
            Some(status) => return Err(format!("`{shown}` failed ({status})")),
            None if Instant::now() > deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "`{shown}` took longer than {timeout:?} and was stopped"
                ));
            }
            None => std::thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// Run and capture stdout (stderr discarded); `None` when it cannot run or fails.
pub fn output(cmd: &mut Command) -> Option<String> {
    let out = cmd.stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// A child process that is killed when dropped.
pub struct Guard {
    pub name: String,
    child: Child,
}

impl Guard {
    pub fn spawn(name: &str, cmd: &mut Command) -> Result<Self> {
        let child = cmd
            .spawn()
            .map_err(|e| format!("could not start {name} (`{}`): {e}", show(cmd)))?;
        Ok(Self {
            name: name.into(),
            child,
        })
    }

    /// `Some(status)` once it has exited.
    pub fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
