//! Rotation jobs: one per rotation RotateSecret starts, kept in the store
//! next to the secret so that a rotation survives a crash, and read back as
//! the rotation history.

use crate::api::wire::Timestamp;
use crate::name::Arn;
use crate::staging::VersionId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The tag naming a secret's built-in rotator, for RotateSecret without
/// a RotationLambdaARN (as AWS managed rotation takes only rules).
pub const ROTATOR_TAG: &str = "rekey:rotator";

/// A step of the rotation protocol, in the order they run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RotationStep {
    /// The function creates the pending value.
    #[serde(rename = "createSecret")]
    Create,
    /// The function sets the pending value in the target system.
    #[serde(rename = "setSecret")]
    Set,
    /// The function checks that the pending value works.
    #[serde(rename = "testSecret")]
    Test,
    /// The function moves AWSCURRENT to the pending version.
    #[serde(rename = "finishSecret")]
    Finish,
}

impl RotationStep {
    /// Every step, in protocol order.
    pub const ALL: [RotationStep; 4] =
        [RotationStep::Create, RotationStep::Set, RotationStep::Test, RotationStep::Finish];

    /// The `Step` value of the invocation event.
    pub fn as_str(self) -> &'static str {
        match self {
            RotationStep::Create => "createSecret",
            RotationStep::Set => "setSecret",
            RotationStep::Test => "testSecret",
            RotationStep::Finish => "finishSecret",
        }
    }

    /// Inverse of [`as_str`](Self::as_str).
    pub fn parse(s: &str) -> Option<Self> {
        RotationStep::ALL.into_iter().find(|step| step.as_str() == s)
    }

    /// The step after this one, `None` after finishSecret.
    pub fn next(self) -> Option<RotationStep> {
        match self {
            RotationStep::Create => Some(RotationStep::Set),
            RotationStep::Set => Some(RotationStep::Test),
            RotationStep::Test => Some(RotationStep::Finish),
            RotationStep::Finish => None,
        }
    }
}

impl fmt::Display for RotationStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a job does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RotationMode {
    /// A rotation: all four steps on a new pending version.
    Rotate,
    /// `RotateImmediately=false`: only testSecret, on a temporary copy of
    /// the current value that is removed afterwards (docs/behaviour.md §7.7).
    Test,
}

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Waiting for its next attempt, or running it.
    Active,
    /// AWSCURRENT moved to the pending version (or, for a test, testSecret passed).
    Succeeded,
    /// Every attempt failed; AWSPENDING stays where the function left it.
    Failed,
    /// A manual value change or label move took AWSPENDING away.
    Abandoned,
    /// CancelRotateSecret stopped it.
    Cancelled,
}

impl JobStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Active => "active",
            JobStatus::Succeeded => "succeeded",
            JobStatus::Failed => "failed",
            JobStatus::Abandoned => "abandoned",
            JobStatus::Cancelled => "cancelled",
        }
    }

    /// Inverse of [`as_str`](Self::as_str).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "active" => JobStatus::Active,
            "succeeded" => JobStatus::Succeeded,
            "failed" => JobStatus::Failed,
            "abandoned" => JobStatus::Abandoned,
            "cancelled" => JobStatus::Cancelled,
            _ => return None,
        })
    }
}

/// One invocation of the rotation function.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StepRecord {
    /// Attempt number, from 1.
    pub attempt: u32,
    /// The step.
    pub step: RotationStep,
    /// When the invocation started.
    pub started: Timestamp,
    /// How long it took, in milliseconds.
    pub millis: u64,
    /// Why it failed, in rekey's words; `None` on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the function printed or answered when it failed, sealed: it
    /// may hold anything the function saw, so it is shown only to
    /// callers who may read the secret's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<SealedOutput>,
    /// The step never answered: whoever ran it stopped first (rekey was
    /// killed, or stopped, or lost the job's lease), and it ran again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
}

/// The step a job's runner started and has not finished: saved before the
/// step is invoked, so that whoever resumes the job after its runner
/// stopped can tell (and record) that the step was interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunningStep {
    /// The step.
    pub step: RotationStep,
    /// Its attempt.
    pub attempt: u32,
    /// When it was invoked.
    pub started: Timestamp,
}

impl StepRecord {
    /// What binds a sealed output to its step: it opens nowhere else.
    pub fn output_context(&self, job: &JobId) -> String {
        format!("{job}\0{}\0{}\0{}", self.attempt, self.step, self.started.millis())
    }
}

/// A function's output, encrypted (see `rekey_store::seal`); stored as base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedOutput(pub Vec<u8>);

impl Serialize for SealedOutput {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use base64::Engine;
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for SealedOutput {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use base64::Engine;
        let text = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD.decode(text).map(SealedOutput).map_err(serde::de::Error::custom)
    }
}

/// One line a rotation function printed (or one answer it gave), as its
/// function log keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct LogEvent {
    /// When rekey read it (milliseconds since the epoch).
    pub timestamp: i64,
    /// Where it came from: `stdout`, `stderr`, `error` (an error answer),
    /// `tail` (the log tail Lambda returned).
    pub stream: String,
    /// The line.
    pub message: String,
}

impl Drop for LogEvent {
    /// A line may hold anything the function saw: wiped when dropped.
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.message);
    }
}

/// The log of one step's invocation: its lines, oldest first, and how
/// many older ones were dropped to keep it bounded. It is sealed at rest,
/// as it may hold anything the function saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct StepLog {
    /// The lines kept.
    pub events: Vec<LogEvent>,
    /// Lines dropped (the oldest) to keep the log within its bound.
    pub dropped_events: u64,
}

impl StepLog {
    /// What binds a sealed log to its step: it opens nowhere else.
    pub fn seal_context(job: &JobId, attempt: u32, step: RotationStep, started: Timestamp) -> String {
        format!("log\0{job}\0{attempt}\0{step}\0{}", started.millis())
    }
}

/// Stable identity of a rotation job.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(String);

impl JobId {
    /// A new random id.
    pub fn random() -> Self {
        JobId(uuid::Uuid::new_v4().to_string())
    }

    /// An id read back from the store.
    pub fn new(s: impl Into<String>) -> Self {
        JobId(s.into())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A rotation job: what to run, how far it got, and what happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RotationJob {
    /// Its identity.
    pub id: JobId,
    /// The secret it rotates.
    pub arn: Arn,
    /// The pending version (RotateSecret's ClientRequestToken).
    pub token: VersionId,
    /// The event's `RotationToken`: opaque, one per job.
    pub rotation_token: String,
    /// The rotation function.
    pub function_arn: String,
    /// The master secret the rotation may read besides its own (a
    /// database secret's `masterarn`), as checked when RotateSecret was
    /// called: a rotation acts for whoever configured it, so it reads
    /// nothing that caller could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_arn: Option<String>,
    /// Rotation or configuration test.
    pub mode: RotationMode,
    /// Where it stands.
    pub status: JobStatus,
    /// Attempts started so far.
    pub attempts: u32,
    /// The step the current attempt runs next (`None`: all steps ran, the
    /// outcome is being checked).
    pub next_step: Option<RotationStep>,
    /// No attempt before this instant (retry backoff).
    pub not_before: Timestamp,
    /// When RotateSecret created it.
    pub created: Timestamp,
    /// When it last changed.
    pub updated: Timestamp,
    /// The last failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// Every invocation, oldest first.
    #[serde(default)]
    pub steps: Vec<StepRecord>,
    /// The step being invoked, if one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub running: Option<RunningStep>,
}

impl RotationJob {
    /// A new active job for the pending version `token` of `arn`.
    pub fn new(arn: Arn, token: VersionId, function_arn: String, mode: RotationMode, now: Timestamp) -> Self {
        RotationJob {
            id: JobId::random(),
            arn,
            token,
            rotation_token: uuid::Uuid::new_v4().to_string(),
            function_arn,
            master_arn: None,
            mode,
            status: JobStatus::Active,
            attempts: 0,
            next_step: Some(match mode {
                RotationMode::Rotate => RotationStep::Create,
                RotationMode::Test => RotationStep::Test,
            }),
            not_before: now,
            created: now,
            updated: now,
            last_error: None,
            steps: Vec::new(),
            running: None,
        }
    }

    /// The step an attempt starts at.
    pub fn first_step(&self) -> RotationStep {
        match self.mode {
            RotationMode::Rotate => RotationStep::Create,
            RotationMode::Test => RotationStep::Test,
        }
    }

    /// The step after `step` in this job's protocol.
    pub fn step_after(&self, step: RotationStep) -> Option<RotationStep> {
        match self.mode {
            RotationMode::Rotate => step.next(),
            RotationMode::Test => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_run_in_protocol_order() {
        let mut s = Some(RotationStep::Create);
        let mut seen = Vec::new();
        while let Some(step) = s {
            seen.push(step.as_str());
            s = step.next();
        }
        assert_eq!(seen, ["createSecret", "setSecret", "testSecret", "finishSecret"]);
        assert_eq!(serde_json::to_string(&RotationStep::Finish).unwrap(), "\"finishSecret\"");
    }

    #[test]
    fn status_names_round_trip() {
        for s in
            [JobStatus::Active, JobStatus::Succeeded, JobStatus::Failed, JobStatus::Abandoned, JobStatus::Cancelled]
        {
            assert_eq!(JobStatus::parse(s.as_str()), Some(s));
        }
    }
}
