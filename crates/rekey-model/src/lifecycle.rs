//! The rotation lifecycle's pure transitions: what starting, scheduling,
//! retrying, completing and abandoning a rotation do to a secret and its
//! job. The service runs each inside a store transaction (or, for a
//! job's progress, before saving it); nothing here reads a clock or a
//! store.
//!
//! A rotation's life: RotateSecret (or the scheduler) [`begin`]s it with a
//! value-less AWSPENDING version and an active job; the engine drives the
//! job's steps while its [`standing`] is [`Standing::Pending`]; a failed
//! attempt is retried after a backoff or gives up ([`after_failure`]);
//! once AWSCURRENT reaches the pending version the rotation [`complete`]s;
//! a configuration test [`end_test`]s; AWSPENDING written after the job
//! was abandoned is taken off again ([`clear_late_pending`]).

use crate::ApiResult;
use crate::api::wire::Timestamp;
use crate::rotation::{JobStatus, RotationJob, RotationMode};
use crate::schedule::Schedule;
use crate::secret::{SecretRecord, SecretState, VersionRecord};
use crate::staging::{StagingLabel, VersionId};

/// Plans `secret`'s next scheduled rotation (and its NextRotationDate):
/// after a rotation at `rotated`, or, when none happens now, as seen at
/// `now` with the value last changed at `last_change`. Without enabled
/// rotation and a schedule there is no plan.
pub fn replan(secret: &mut SecretRecord, now: Timestamp, rotated: Option<Timestamp>, last_change: Timestamp) {
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
pub fn restarts_on_manual_change(secret: &SecretRecord) -> bool {
    let r = &secret.meta.rotation;
    r.enabled == Some(true)
        && r.rules
            .as_ref()
            .and_then(|rules| Schedule::from_rules(rules).ok().flatten())
            .is_some_and(|s| s.counts_from_last_rotation())
}

/// When the current value was written: the basis of day-counting
/// schedules when nothing rotates now.
pub fn current_since(state: &SecretState) -> Timestamp {
    state
        .labels
        .holder(StagingLabel::CURRENT)
        .and_then(|c| state.version(c))
        .map_or(state.secret.created, |v| v.created)
}

/// Starts a rotation of `state`: the pending version `token` (value-less,
/// or with a value the caller writes, for a configuration test) labelled
/// AWSPENDING, and its active job. Returns both, for the caller to write.
pub fn begin(
    state: &mut SecretState,
    token: VersionId,
    function: String,
    mode: RotationMode,
    has_value: bool,
    now: Timestamp,
) -> ApiResult<(VersionRecord, RotationJob)> {
    let kms_key_id = state.secret.meta.kms_key_id.clone();
    let version = VersionRecord { version_id: token.clone(), created: now, last_accessed: None, has_value, kms_key_id };
    state.versions.push(version.clone());
    state.labels.set(StagingLabel::pending(), &token)?;
    let mut job = RotationJob::new(state.secret.arn.clone(), token, function, mode, now);
    job.master_arn = state.secret.meta.rotation.master_arn.clone();
    Ok((version, job))
}

/// What the scheduler does with a secret whose rotation time came.
#[derive(Debug, Clone, PartialEq)]
pub enum Due {
    /// Not due after all (changed meanwhile): nothing to write.
    NotDue,
    /// Start a new rotation with this function.
    Start(String),
    /// Its last rotation failed with AWSPENDING still in place: that job,
    /// active again from its first step.
    Reattempt(Box<RotationJob>),
    /// A rotation is still running: this window is skipped.
    Skip,
}

/// Decides a due secret's scheduled rotation at `now`, given its latest
/// job. Unless it is [`Due::NotDue`], the window is used up: `state`'s next
/// one is planned.
pub fn due(state: &mut SecretState, latest: Option<RotationJob>, now: Timestamp) -> Due {
    let r = &state.secret.meta.rotation;
    let due = state.secret.rotate_at.is_some_and(|t| t <= now) && state.secret.deleted.is_none();
    let (true, Some(true), Some(function)) = (due, r.enabled, r.lambda_arn.clone()) else {
        return Due::NotDue;
    };
    replan(&mut state.secret, now, Some(now), now);
    if !state.labels.rotation_in_progress() {
        return Due::Start(function);
    }
    let pending = state.labels.holder(StagingLabel::PENDING);
    match latest {
        Some(mut job) if Some(&job.token) == pending && job.status == JobStatus::Failed => {
            job.status = JobStatus::Active;
            job.attempts = 0;
            job.next_step = Some(job.first_step());
            job.not_before = now;
            job.updated = now;
            Due::Reattempt(Box::new(job))
        }
        _ => Due::Skip,
    }
}

/// What a secret's labels say about a job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// AWSPENDING is on the job's version: carry on.
    Pending,
    /// AWSCURRENT is on the job's version: the rotation is done.
    Done,
    /// Neither: someone took the rotation away.
    Gone,
}

/// Where `job` stands on `state`.
pub fn standing(state: &SecretState, job: &RotationJob) -> Standing {
    if job.mode == RotationMode::Rotate && state.labels.holder(StagingLabel::CURRENT) == Some(&job.token) {
        Standing::Done
    } else if state.labels.holder(StagingLabel::PENDING) == Some(&job.token) {
        Standing::Pending
    } else {
        Standing::Gone
    }
}

/// A failed attempt's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Tried again from the first step, not before the job's `not_before`.
    Later,
    /// Out of attempts: the job failed.
    GiveUp,
}

/// After an attempt of a rotation job failed with `why`: another attempt
/// from its first step after `backoff`, or failure once `max_attempts`
/// attempts ran. (A configuration test is not retried: see [`end_test`].)
pub fn after_failure(
    job: &mut RotationJob,
    why: String,
    max_attempts: u32,
    backoff: std::time::Duration,
    now: Timestamp,
) -> Retry {
    job.last_error = Some(why);
    job.updated = now;
    if job.attempts >= max_attempts {
        job.status = JobStatus::Failed;
        return Retry::GiveUp;
    }
    job.not_before = Timestamp::from_millis(now.millis() + backoff.as_millis() as i64);
    job.next_step = Some(job.first_step());
    Retry::Later
}

/// What to do about a rotation that failed for good, as its history says
/// it (none for other jobs). As on AWS, AWSPENDING stays on its version,
/// value or not, and RotateSecret is refused while it does; the scheduler
/// reattempts the rotation in the next window, but a secret without a
/// schedule has none, so the way out is named.
pub fn remedy(job: &RotationJob) -> Option<String> {
    (job.status == JobStatus::Failed && job.mode == RotationMode::Rotate).then(|| {
        format!(
            "AWSPENDING stays on version {token} (as AWS leaves it), so RotateSecret answers \"A previous rotation \
             isn't complete. That rotation will be reattempted.\" The scheduler reattempts this rotation in the \
             secret's next rotation window, if it has a schedule. To give it up instead, take AWSPENDING off that \
             version: aws secretsmanager update-secret-version-stage --secret-id {arn} --version-stage AWSPENDING \
             --remove-from-version-id {token}",
            token = job.token,
            arn = job.arn,
        )
    })
}

/// A rotation whose function moved AWSCURRENT: it succeeded (AWSPENDING
/// comes off the new current version, the schedule counts from now) when
/// AWSCURRENT is still on its version; else AWSCURRENT moved away before
/// this could be recorded and the job is abandoned, `state` untouched.
/// Returns whether it succeeded.
pub fn complete(state: &mut SecretState, job: &mut RotationJob, now: Timestamp) -> bool {
    job.next_step = None;
    job.updated = now;
    if state.labels.holder(StagingLabel::CURRENT) != Some(&job.token) {
        job.status = JobStatus::Abandoned;
        return false;
    }
    job.status = JobStatus::Succeeded;
    if state.labels.holder(StagingLabel::PENDING) == Some(&job.token) {
        state.labels.detach(StagingLabel::PENDING);
    }
    state.secret.meta.rotation.last_rotated = Some(now);
    replan(&mut state.secret, now, Some(now), now);
    state.secret.last_changed = now;
    true
}

/// Ends a configuration test: the job records whether testSecret passed
/// (`failure`), and its temporary version loses its labels. Returns that
/// version, to delete, unless it is gone or became current.
pub fn end_test(
    state: &mut SecretState,
    job: &mut RotationJob,
    failure: Option<String>,
    now: Timestamp,
) -> Option<VersionId> {
    job.status = if failure.is_some() { JobStatus::Failed } else { JobStatus::Succeeded };
    job.last_error = failure.or(job.last_error.take());
    job.next_step = None;
    job.updated = now;
    let token = &job.token;
    if state.version(token).is_none() || state.labels.holder(StagingLabel::CURRENT) == Some(token) {
        return None;
    }
    for label in state.labels.on(token) {
        state.labels.detach(label.as_str());
    }
    Some(token.clone())
}

/// A manual change abandons a rotation and takes AWSPENDING off its
/// version; a step running meanwhile may write AWSPENDING there again
/// afterwards. That label is left over, not a rotation in progress: it
/// comes off. Returns whether it did.
pub fn clear_late_pending(state: &mut SecretState, token: &VersionId) -> bool {
    let pending_here = state.labels.holder(StagingLabel::PENDING) == Some(token);
    if !pending_here || state.labels.holder(StagingLabel::CURRENT) == Some(token) {
        return false;
    }
    state.labels.detach(StagingLabel::PENDING);
    true
}

#[cfg(test)]
mod tests;
