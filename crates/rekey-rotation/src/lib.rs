//! rekey's rotation runtime: the engine that drives rotation jobs through
//! the four steps, the scheduler, and the rotation functions they invoke.
//! The operations (`rekey-service`) record jobs and know this runtime only
//! as a [`RotationRunner`]; the engine acts through the operations and the
//! store, as each job's role.
//!
//! - [`engine`] — runs the jobs RotateSecret records: steps, checks,
//!   retries with backoff, completion, resumption after a restart;
//! - [`scheduler`] — starts scheduled rotations inside their windows;
//! - [`functions`] — what every executor shares: the invocation event, the
//!   [`functions::Executor`] trait, errors and output;
//! - [`function_log`] — what a function prints, kept per step as its log;
//! - [`registry`] — the functions configured, by ARN, built by kind;
//! - [`exec`], [`http`], [`lambda`], [`runtime`], [`builtin`], [`noop`] — the
//!   executors, one file each with the `ExecutorKind` that builds it from
//!   its `[[function]]` table (listed in [`registry::KINDS`]);
//! - [`database`] — built-in rotation of PostgreSQL and MySQL/MariaDB users;
//! - [`role`] — as whom a rotation acts: a role scoped to its job.

#![warn(missing_docs)]

pub mod builtin;
mod children;
pub mod database;
pub mod engine;
pub mod exec;
pub mod function_log;
pub mod functions;
pub mod http;
pub mod lambda;
pub mod noop;
pub mod registry;
pub mod role;
pub mod runtime;
pub mod scheduler;
pub mod worker_output;
pub mod workers;

pub use engine::RotationEngine;
use functions::Callback;
use registry::FunctionRegistry;
use rekey_model::name::AccountId;
use rekey_model::rotation::JobId;
use rekey_service::RotationRunner;
use rekey_store::LeaseOwner;
use serde::Deserialize;
use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{Notify, Semaphore};

/// How rotations are retried and how many run at once (`[rotation]` in the
/// configuration file).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RotationSettings {
    /// Attempts of a whole rotation before it is marked failed.
    pub max_attempts: u32,
    /// Delay before the first retry, in milliseconds; doubles each time.
    pub retry_base_ms: u64,
    /// Longest delay between attempts, in milliseconds.
    pub retry_max_ms: u64,
    /// Rotations running at the same time.
    pub concurrency: usize,
    /// The name this node's engine holds job leases under: unique among
    /// the nodes sharing a store, the same across restarts (default: the
    /// host name; several nodes on one host need one each).
    pub node_id: Option<String>,
    /// How long a job's lease lasts, in seconds: its runner renews it every
    /// third of that while a step runs, so a node that dies loses its jobs
    /// to the others within this time (and the engine's next look).
    pub lease_seconds: u64,
}

impl Default for RotationSettings {
    fn default() -> Self {
        RotationSettings {
            max_attempts: 5,
            retry_base_ms: 10_000,
            retry_max_ms: 15 * 60_000,
            concurrency: 32,
            node_id: None,
            lease_seconds: 30,
        }
    }
}

impl RotationSettings {
    /// The lease owner of this node's engine: `node_id`, else the host name.
    pub fn lease_owner(&self) -> LeaseOwner {
        LeaseOwner(self.node_id.clone().unwrap_or_else(host_name))
    }

    /// How long a job's lease lasts (at least a second).
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_seconds.max(1))
    }

    /// The wait after `attempts` failed attempts.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 1u64 << attempts.saturating_sub(1).min(30);
        Duration::from_millis(self.retry_base_ms.saturating_mul(factor).min(self.retry_max_ms))
    }
}

/// This machine's host name ("localhost" if it has none).
fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: gethostname writes at most `buf.len()` bytes into `buf`.
    let ok = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) } == 0;
    let len = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    match ok && len > 0 {
        true => String::from_utf8_lossy(&buf[..len]).into_owned(),
        false => "localhost".into(),
    }
}

/// The rotation side of a service: its functions, settings and the state
/// of the engine.
pub struct Rotation {
    functions: FunctionRegistry,
    settings: RotationSettings,
    callback: OnceLock<Callback>,
    wake: Notify,
    owner: LeaseOwner,
    /// Jobs this node has a task for: so that each pass starts a job once
    /// (which node runs it is the store's lease, not this).
    started: Mutex<HashSet<JobId>>,
    permits: Semaphore,
    /// Set when the server stops: no job is claimed or scheduled after.
    stopping: AtomicBool,
    /// How often the clock was moved, and which of those moves the
    /// scheduler's last pass saw (see `RotationRunner::clock_moved`).
    clock_moves: AtomicU64,
    clock_seen: tokio::sync::watch::Sender<u64>,
    clock_moved: Notify,
}

impl Default for Rotation {
    fn default() -> Self {
        Rotation::new(FunctionRegistry::default(), RotationSettings::default())
    }
}

impl Rotation {
    /// Rotation with these functions and settings.
    pub fn new(functions: FunctionRegistry, settings: RotationSettings) -> Self {
        let permits = Semaphore::new(settings.concurrency.max(1));
        Rotation {
            functions,
            callback: OnceLock::new(),
            wake: Notify::new(),
            owner: settings.lease_owner(),
            started: Mutex::new(HashSet::new()),
            settings,
            permits,
            stopping: AtomicBool::new(false),
            clock_moves: AtomicU64::new(0),
            clock_seen: tokio::sync::watch::Sender::new(0),
            clock_moved: Notify::new(),
        }
    }

    /// The registered functions.
    pub fn functions(&self) -> &FunctionRegistry {
        &self.functions
    }

    /// Tells where functions call back (the server's own endpoint); set once.
    pub fn set_callback(&self, callback: Callback) {
        let _ = self.callback.set(callback);
    }

    /// Where functions call back, once set.
    pub fn callback(&self) -> Option<&Callback> {
        self.callback.get()
    }

    /// Whether the server is stopping (see `RotationEngine::shut_down`).
    pub(crate) fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }
}

impl RotationRunner for Rotation {
    fn has_function(&self, function: &str, account: &AccountId) -> bool {
        self.functions.get(function, account).is_some()
    }

    fn wake(&self) {
        self.wake.notify_one();
    }

    fn clock_moved(&self) -> Pin<Box<dyn Future<Output = ()> + Send + '_>> {
        Box::pin(async move {
            // A pass that begins after this count saw the new time.
            let moved = self.clock_moves.fetch_add(1, Ordering::AcqRel) + 1;
            let mut seen = self.clock_seen.subscribe();
            self.clock_moved.notify_one();
            let _ = tokio::time::timeout(CLOCK_PASS_WAIT, seen.wait_for(|s| *s >= moved)).await;
        })
    }
}

/// How long a move of the clock waits for the scheduler's pass at most.
const CLOCK_PASS_WAIT: Duration = Duration::from_secs(10);
