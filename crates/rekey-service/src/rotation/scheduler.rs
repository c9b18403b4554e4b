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

use crate::Service;
use crate::rotate::begin_rotation;
use rekey_model::Timestamp;
use rekey_model::name::{Namespace, SecretName};
use rekey_model::rotation::{JobStatus, RotationMode};
use rekey_model::schedule::Schedule;
use rekey_model::secret::SecretRecord;
use rekey_model::staging::{StagingLabel, VersionId};
use rekey_store::{Change, History, SecretWrite, Store, StoreError};
use std::time::Duration;

/// How often the scheduler looks for due secrets.
const POLL: Duration = Duration::from_secs(1);
/// Due secrets handled per pass.
const BATCH: usize = 1000;

/// Plans `secret`'s next scheduled rotation (and its NextRotationDate):
/// after a rotation at `rotated`, or, when none happens now, as seen at
/// `now` with the value last changed at `last_change`. Without enabled
/// rotation and a schedule there is no plan.
pub(crate) fn replan(secret: &mut SecretRecord, now: Timestamp, rotated: Option<Timestamp>, last_change: Timestamp) {
    let r = &mut secret.meta.rotation;
    let schedule = match (r.enabled, &r.rules) {
        (Some(true), Some(rules)) => Schedule::from_rules(rules).ok().flatten(),
        _ => None,
    };
    let Some(schedule) = schedule else {
        secret.rotate_at = None;
        r.next_rotation = None;
        return;
    };
    let key = secret.arn.to_string();
    let plan = match rotated {
        Some(at) => schedule.plan_after_rotation(at, &key),
        None => schedule.plan(now, last_change, &key),
    };
    // No window within the horizon: nothing to schedule.
    secret.rotate_at = plan.map(|p| p.rotate_at);
    r.next_rotation = plan.map(|p| p.window.next_rotation_date());
}

/// Whether a manual value change restarts the schedule of `secret` (a
/// schedule in days counts from the last rotation, and a new current value
/// counts as one).
pub(crate) fn restarts_on_manual_change(secret: &SecretRecord) -> bool {
    let r = &secret.meta.rotation;
    r.enabled == Some(true)
        && r.rules
            .as_ref()
            .and_then(|rules| Schedule::from_rules(rules).ok().flatten())
            .is_some_and(|s| s.counts_from_last_rotation())
}

/// What the scheduler did with a due secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl<S: Store> Service<S> {
    /// Runs the scheduler until the service is dropped.
    pub async fn run_scheduler(self) {
        loop {
            if let Err(e) = self.start_due_rotations().await {
                tracing::error!(error = %e, "scheduler pass failed");
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// One scheduler pass: starts the rotations due now. Returns what it
    /// did for each due secret.
    pub async fn start_due_rotations(&self) -> Result<Vec<Scheduled>, StoreError> {
        let now = self.clock.now();
        let mut done = Vec::new();
        loop {
            let due = self.store.due_for_rotation(now, BATCH).await?;
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
        let Some(state) = self.store.load(ns, name).await? else {
            return Ok(Scheduled::NotDue);
        };
        // The latest job tells a failed rotation (reattempted) from one
        // still running (skipped).
        let latest = self.store.rotation_history(History::Secret(state.secret.pk), 1).await?.pop();
        let arn = state.secret.arn.clone();
        self.mutate_secret(&arn, None, move |mut state, _| {
            let r = &state.secret.meta.rotation;
            let due = state.secret.rotate_at.is_some_and(|t| t <= now) && state.secret.deleted.is_none();
            let (true, Some(true), Some(function)) = (due, r.enabled, r.lambda_arn.clone()) else {
                return Ok((Change::None, Scheduled::NotDue));
            };
            // Whatever happens, this window is used up.
            replan(&mut state.secret, now, Some(now), now);
            if !state.labels.rotation_in_progress() {
                let write = begin_rotation(&mut state, VersionId::random(), function, RotationMode::Rotate, None, now)?;
                return Ok((Change::write(write), Scheduled::Started));
            }
            let pending = state.labels.holder(StagingLabel::PENDING).cloned();
            let mut write = SecretWrite::of(&state);
            match latest {
                Some(mut job) if Some(&job.token) == pending.as_ref() && job.status == JobStatus::Failed => {
                    job.status = JobStatus::Active;
                    job.attempts = 0;
                    job.next_step = Some(job.first_step());
                    job.not_before = now;
                    job.updated = now;
                    write.rotation = Some(job);
                    Ok((Change::write(write), Scheduled::Reattempted))
                }
                _ => Ok((Change::write(write), Scheduled::Skipped)),
            }
        })
        .await
    }
}
