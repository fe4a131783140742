//! The core shared by the extension's service worker and the app.
//!
//! - [`ghl`]: a typed client for GHL's Contacts API v2 over any [`Transport`].
//! - [`fitr`]: a reader for FITR's private web-app JSON API, over the same transport.
//! - [`mapping`]: FITR client → the GHL contact it should be (names, email, phone, tags, note).
//! - [`push`]: the pure plan for one client (create / update only what changed / tags / note)
//!   and the small driver that runs it.
//! - [`sync`]: the sync engine: a pure bulk plan (matching, minimal diff), a persistent outbox
//!   that runs it and resumes after a crash, and the reads that feed it.
//! - [`protocol`]: the one typed message enum every extension context speaks.
//!
//! **Invariant:** nothing here reads a clock, a global or the network by itself: I/O goes
//! through the [`Transport`] the caller passes in.

pub mod fitr;
pub mod ghl;
pub mod mapping;
pub mod protocol;
pub mod push;
pub mod settings;
pub mod sync;
pub mod transport;

pub use transport::{Transport, TransportError};
