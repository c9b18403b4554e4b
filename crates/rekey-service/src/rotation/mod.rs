//! Rotation: the engine that drives rotation jobs through the four steps,
//! and the rotation functions it invokes.
//!
//! - `engine` — runs the jobs RotateSecret records: steps, checks,
//!   retries with backoff, completion, resumption after a restart;
//! - [`scheduler`] — starts scheduled rotations inside their windows;
//! - [`functions`] — the registry of rotation functions by ARN, and the
//!   invocation event;
//! - [`exec`], [`http`], [`lambda`], [`runtime`], [`builtin`] — the executors;
//! - [`database`] — built-in rotation of PostgreSQL and MySQL/MariaDB users;
//! - [`role`] — as whom a rotation acts: a role scoped to its job.

pub mod builtin;
pub mod database;
mod engine;
pub mod exec;
pub mod functions;
pub mod http;
pub mod lambda;
pub mod role;
pub mod runtime;
pub mod scheduler;
pub mod workers;

use functions::{Callback, FunctionRegistry};
use rekey_model::rotation::JobId;
use serde::Deserialize;
use std::collections::HashSet;
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
}

impl Default for RotationSettings {
    fn default() -> Self {
        RotationSettings { max_attempts: 5, retry_base_ms: 10_000, retry_max_ms: 15 * 60_000, concurrency: 32 }
    }
}

impl RotationSettings {
    /// The wait after `attempts` failed attempts.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let factor = 1u64 << attempts.saturating_sub(1).min(30);
        Duration::from_millis(self.retry_base_ms.saturating_mul(factor).min(self.retry_max_ms))
    }
}

/// The rotation side of a service: its functions, settings and the state
/// of the engine.
pub struct Rotation {
    functions: FunctionRegistry,
    settings: RotationSettings,
    callback: OnceLock<Callback>,
    wake: Notify,
    running: Mutex<HashSet<JobId>>,
    permits: Semaphore,
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
            settings,
            callback: OnceLock::new(),
            wake: Notify::new(),
            running: Mutex::new(HashSet::new()),
            permits,
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
}
