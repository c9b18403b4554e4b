//! Function logs: what rotation functions printed, one sealed log per
//! step invocation, kept apart from the job (a log is written once and
//! read rarely; the job is rewritten at every step) and dropped by age.

use crate::StoreError;
use rekey_model::Timestamp;
use rekey_model::rotation::{JobId, RotationStep, SealedOutput, StepLog};
use std::future::Future;

/// The log of one step's invocation, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct FunctionLogRecord {
    /// The rotation job.
    pub job: JobId,
    /// The secret's full ARN (a secret made again under the same name has
    /// another, and does not see these).
    pub secret_arn: String,
    /// The attempt, from 1.
    pub attempt: u32,
    /// The step.
    pub step: RotationStep,
    /// The function invoked.
    pub function_arn: String,
    /// When the invocation started.
    pub started: Timestamp,
    /// The [`StepLog`] as JSON, sealed under
    /// [`StepLog::seal_context`] (see `seal::Seal::seal_output`).
    pub sealed: SealedOutput,
}

impl FunctionLogRecord {
    /// What its log is sealed under.
    pub fn seal_context(&self) -> String {
        StepLog::seal_context(&self.job, self.attempt, self.step, self.started)
    }
}

/// Where function logs are kept.
pub trait FunctionLogStore: Send + Sync + 'static {
    /// Keeps one step's log.
    fn append_function_log(&self, record: FunctionLogRecord) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The logs of the secret `secret_arn` (only of job `job`, if given),
    /// newest first, at most `limit`.
    fn function_logs(
        &self,
        secret_arn: &str,
        job: Option<&JobId>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<FunctionLogRecord>, StoreError>> + Send;

    /// Drops the logs of invocations started before `before`; how many.
    fn prune_function_logs(&self, before: Timestamp) -> impl Future<Output = Result<usize, StoreError>> + Send;
}
