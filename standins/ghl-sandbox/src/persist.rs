//! `--data FILE`: the state survives a restart. At start the file is loaded if it exists; after
//! every request that may write (any method but `GET`, `HEAD`, `OPTIONS`, the admin API's
//! included) the state is saved if it changed. A save is atomic: the JSON goes to `FILE.tmp`,
//! is synced, then renamed over `FILE`, so a crash leaves the old or the new state, never half.
//!
//! Saved: every location's contacts (with notes, tasks, appointments), tags and custom fields,
//! the store's settings and id generator, and the OAuth codes and tokens (and their switches).
//! Not saved: rate counters, faults, the request log.

use std::{
    ffi::OsString,
    fs,
    io::{self, Write},
    path::{Path, PathBuf},
    sync::Mutex,
};

use axum::{
    extract::{Request, State},
    http::Method,
    middleware::Next,
    response::Response,
};
use serde::{Deserialize, Serialize};

use crate::{Sandbox, oauth::OAuth, store::Store};

/// The `format` of a data file this version writes and reads.
pub const FORMAT: &str = "ghl-sandbox/1";

/// A data file's content.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Snapshot {
    pub format: String,
    pub store: Store,
    pub oauth: OAuth,
}

impl Snapshot {
    pub fn new(store: Store, oauth: OAuth) -> Self {
        Self {
            format: FORMAT.to_string(),
            store,
            oauth,
        }
    }
}

/// Read a data file: `None` when it does not exist; an error when it is not one.
pub fn load(path: &Path) -> io::Result<Option<Snapshot>> {
    let bytes = match fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let snapshot: Snapshot = serde_json::from_slice(&bytes).map_err(|e| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{}: not a sandbox data file: {e}", path.display()),
        )
    })?;
    if snapshot.format != FORMAT {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!(
                "{}: format `{}`, expected `{FORMAT}`",
                path.display(),
                snapshot.format
            ),
        ));
    }
    Ok(Some(snapshot))
}

/// Write `bytes` to `path` atomically: a sibling temp file, synced, renamed over it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut tmp_name = OsString::from(path.as_os_str());
    tmp_name.push(".tmp");
    let tmp = PathBuf::from(tmp_name);
    {
        let mut file = fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)
}

/// Where the state is saved, and what was saved last (to skip writes that change nothing).
#[derive(Debug)]
pub struct DataFile {
    path: PathBuf,
    last: Mutex<Vec<u8>>,
}

impl DataFile {
    /// A data file at `path` whose content is the state that serialises to `current`: nothing
    /// is written until the state changes.
    pub fn new(path: PathBuf, current: Vec<u8>) -> Self {
        Self {
            path,
            last: Mutex::new(current),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Save what `snapshot` makes, unless it is what was saved last. The lock is held from the
    /// snapshot to the rename, so saves land in the order the state changed.
    pub fn save(&self, snapshot: impl FnOnce() -> serde_json::Result<Vec<u8>>) -> io::Result<bool> {
        let mut last = self
            .last
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let bytes = snapshot().map_err(io::Error::other)?;
        if *last == bytes {
            return Ok(false);
        }
        write_atomic(&self.path, &bytes)?;
        *last = bytes;
        Ok(true)
    }
}

/// Save after every request that may have written.
pub async fn middleware(State(sandbox): State<Sandbox>, request: Request, next: Next) -> Response {
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let response = next.run(request).await;
    if writes && let Err(e) = sandbox.save() {
        eprintln!("ghl-sandbox: could not save the data file: {e}");
    }
    response
}
