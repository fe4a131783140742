//! The sync engine: FITR ⇄ GHL for one client or all of them, with no duplicates and nothing
//! lost.
//!
//! - [`engine`]: pure. FITR's desired contacts + GHL's listing + the stored links → a
//!   [`BulkPlan`] (one [`ClientPlan`] per client: create / update / unchanged / verify /
//!   ambiguous / refused, with its steps). A dry run is this plan.
//! - [`outbox`]: the plan as a persistent [`Outbox`] of jobs and steps, and [`execute`], which
//!   runs it through the GHL client, saving each step before and after its request, and
//!   resumes a stopped run without repeating a finished write.
//! - [`state`]: what is remembered between runs: links and what was last written.
//! - [`one`]: one client through the same outbox: the push button.
//! - [`pull`]: GHL → FITR: contacts changed since a cursor, folded into per-client snapshots,
//!   tasks, and the badge each FITR row shows.
//! - [`bulk`]: the reads that feed the engine (every FITR client, GHL's listing) and the
//!   in-memory store.

pub mod bulk;
pub mod engine;
pub mod one;
pub mod outbox;
pub mod pull;
pub mod state;

pub use engine::{
    BulkPlan, Candidate, ClientPlan, Counts, Decision, Step, auto_select, plan_bulk, plan_one,
};
pub use one::push_one;
pub use outbox::{Command, Job, JobState, Outbox, OutboxStore, Progress, RunState, execute};
pub use state::{Link, SyncState, Synced};
