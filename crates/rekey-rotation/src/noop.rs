//! The `noop` executor: a function that does nothing and answers at once,
//! failing at the step named by `fail_at` (every attempt) if any. It
//! exercises the engine (retries, backoff, history, schedules) without a
//! process, a socket or a language runtime. Doing nothing, it never
//! moves AWSCURRENT, so a rotation through it without `fail_at` ends as
//! the engine reports a function that skipped finishSecret.
//!
//! ```toml
//! [[function]]
//! arn = "arn:aws:lambda:us-east-1:123456789012:function:broken"
//! type = "noop"
//! fail_at = "setSecret"
//! ```

use super::function_log::Stream;
use super::functions::{Executor, ExecutorKind, Function, FunctionError, Step, StepFuture};
use rekey_model::rotation::RotationStep;
use serde::Deserialize;

/// `type = "noop"`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoopConfig {
    /// The step that fails (`createSecret`, `setSecret`, `testSecret`,
    /// `finishSecret`); none fails without it.
    #[serde(default)]
    pub fail_at: Option<RotationStep>,
}

/// Runs a [`NoopConfig`].
pub struct NoopExecutor {
    fail_at: Option<RotationStep>,
}

/// `type = "noop"`.
pub const KIND: ExecutorKind = ExecutorKind {
    tag: "noop",
    build: |setup, options| {
        let config: NoopConfig = ExecutorKind::options(options)?;
        Ok(Function::external(NoopExecutor { fail_at: config.fail_at }, setup.timeout))
    },
};

impl Executor for NoopExecutor {
    fn invoke<'a>(&'a self, step: Step<'a>) -> StepFuture<'a> {
        let at = step.invocation.step;
        Box::pin(async move {
            match self.fail_at == Some(at) {
                true => {
                    let output = format!("noop: failing at {} as configured", at.as_str());
                    step.log.line(Stream::Error, &output);
                    Err(FunctionError::Failed { status: format!("the noop function fails at {}", at.as_str()), output })
                }
                false => Ok(()),
            }
        })
    }
}
