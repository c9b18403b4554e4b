//! The scheduler: starts each secret's scheduled rotations inside their
//! windows (docs/behaviour.md §8.5).
//!
//! Every secret with rotation enabled carries `rotate_at`, the instant its
//! next scheduled rotation starts (a fixed point inside the window, see
//! [`Plan`](rekey_model::schedule::Plan)); the store indexes it, so finding
//! due secrets costs what is due, not what is stored. A due secret gets a
//! new rotation, or, if its previous rotation failed, that rotation is
//! reattempted; a rotation still running skips the window. Either way the
//! window is used up and the next one planned, so after downtime a secret
//! rotates once, not once per missed window. Everything is in the store:
//! a restart changes nothing.

use crate::engine::RotationEngine;
use rekey_model::Timestamp;
use rekey_model::lifecycle::{self, Due};
use rekey_model::name::{Namespace, SecretName};
use rekey_model::rotation::RotationMode;
use rekey_model::staging::VersionId;
use rekey_service::begin_rotation;
use rekey_store::{Change, History, SecretWrite, Store, StoreError};
use std::sync::atomic::Ordering;
use std::time::Duration;

/// How often the scheduler looks for due secrets.
const POLL: Duration = Duration::from_secs(1);
/// Due secrets handled per pass.
const BATCH: usize = 1000;

/// What the scheduler did with a due secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Scheduled {
    /// Started a rotation.
    Started,
    /// Reattempted the rotation that had failed.
    Reattempted,
    /// A rotation is still running: this window is skipped.
    Skipped,
    /// Not due after all (changed meanwhile).
    NotDue,
}

impl<S: Store> RotationEngine<S> {
    /// Runs the scheduler until the service is dropped: a pass every
    /// [`POLL`], and one at once whenever the clock is moved.
    pub async fn run_scheduler(self) {
        let rotation = self.rotation();
        while !rotation.stopping() {
            let moved = rotation.clock_moved.notified();
            // The clock moves this pass sees (it reads the time after).
            let seen = rotation.clock_moves.load(Ordering::Acquire);
            if let Err(e) = self.start_due_rotations().await {
                tracing::error!(error = %e, "scheduler pass failed");
            }
            rotation.clock_seen.send_replace(seen);
            tokio::select! {
                _ = moved => {}
                _ = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// One scheduler pass: starts the rotations due now. Returns what it
    /// did for each due secret.
    pub async fn start_due_rotations(&self) -> Result<Vec<Scheduled>, StoreError> {
        let now = self.service.now();
        let mut done = Vec::new();
        loop {
            let due = self.service.store().due_for_rotation(now, BATCH).await?;
            let n = due.len();
            for (ns, name) in due {
                match self.start_scheduled(&ns, &name, now).await {
                    Ok(s) => done.push(s),
                    Err(e) => tracing::warn!(secret = %name, error = %e.message, "scheduled rotation not started"),
                }
            }
            if n < BATCH {
                break;
            }
        }
        if done.iter().any(|s| matches!(s, Scheduled::Started | Scheduled::Reattempted)) {
            self.wake_rotations();
        }
        Ok(done)
    }

    async fn start_scheduled(
        &self,
        ns: &Namespace,
        name: &SecretName,
        now: Timestamp,
    ) -> rekey_model::ApiResult<Scheduled> {
        let Some(state) = self.service.store().load(ns, name).await? else {
            return Ok(Scheduled::NotDue);
        };
        // The latest job tells a failed rotation (reattempted) from one
        // still running (skipped).
        let latest = self.service.store().rotation_history(History::Secret(state.secret.pk), 1).await?.pop();
        let arn = state.secret.arn.clone();
        // How late the rotation starts, for the metrics.
        let lag = state.secret.rotate_at.map(|at| now.millis().saturating_sub(at.millis()).max(0) as u64);
        let scheduled = self
            .service
            .mutate_secret(None, &arn, None, move |mut state, _| match lifecycle::due(&mut state, latest, now) {
                Due::NotDue => Ok((Change::None, Scheduled::NotDue)),
                Due::Start(function) => {
                    let write =
                        begin_rotation(&mut state, VersionId::random(), function, RotationMode::Rotate, None, now)?;
                    Ok((Change::write(write), Scheduled::Started))
                }
                Due::Reattempt(job) => {
                    let mut write = SecretWrite::of(&state);
                    write.rotation = Some(*job);
                    Ok((Change::write(write), Scheduled::Reattempted))
                }
                Due::Skip => Ok((Change::write(SecretWrite::of(&state)), Scheduled::Skipped)),
            })
            .await?;
        if let (Scheduled::Started, Some(lag)) = (scheduled, lag) {
            self.service.metrics().scheduler_lag(Duration::from_millis(lag));
        }
        Ok(scheduled)
    }
}
