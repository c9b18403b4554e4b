//! The `exec` executor: runs a local command per step with the event JSON
//! on stdin; exit status 0 is success. The child gets the environment an
//! AWS rotation function expects (`SECRETS_MANAGER_ENDPOINT`, region,
//! credentials), so AWS's own Python functions run unmodified behind a
//! two-line adapter that calls `lambda_handler(json.load(sys.stdin), None)`.
//! Nothing else of rekey's environment reaches the child but `PATH`, `HOME`,
//! locale, temp-dir and CA settings, and the function's configured `env`.

use super::function_log::{FunctionLog, Stream, read_lines};
use super::functions::{
    Callback, Caller, Executor, ExecutorKind, Function, FunctionError, Invocation, OutputTail, Step, StepFuture,
    function_name,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// `type = "exec"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExecConfig {
    /// The program and its arguments.
    pub command: Vec<String>,
    /// Extra environment variables (e.g. `EXCLUDE_CHARACTERS`).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Working directory.
    #[serde(default)]
    pub cwd: Option<String>,
}

/// Runs an [`ExecConfig`].
pub struct ExecExecutor {
    config: ExecConfig,
}

/// Variables of rekey's environment a child keeps.
pub(super) const INHERITED: &[&str] =
    &["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PYTHONPATH", "SSL_CERT_FILE", "SSL_CERT_DIR"];

/// `type = "exec"`.
pub const KIND: ExecutorKind = ExecutorKind {
    tag: "exec",
    build: |setup, options| Ok(Function::external(ExecExecutor::new(ExecutorKind::options(options)?)?, setup.timeout)),
};

impl Executor for ExecExecutor {
    fn invoke<'a>(&'a self, step: Step<'a>) -> StepFuture<'a> {
        Box::pin(self.run(step.invocation, step.callback, step.caller, step.timeout, step.log))
    }
}

impl ExecExecutor {
    /// An executor for `config`; its command must not be empty.
    pub fn new(config: ExecConfig) -> Result<Self, String> {
        if config.command.is_empty() {
            return Err("`command` is empty".into());
        }
        Ok(ExecExecutor { config })
    }

    /// Runs the command for one step.
    async fn run(
        &self,
        inv: &Invocation,
        callback: &Callback,
        caller: &Caller,
        timeout: Duration,
        log: &FunctionLog,
    ) -> Result<(), FunctionError> {
        let (program, args) = self.config.command.split_first().expect("checked non-empty");
        let mut cmd = tokio::process::Command::new(program);
        // rekey's own environment may hold credentials (a lambda executor's
        // AWS keys, say): the child gets only what a function needs.
        cmd.env_clear();
        for var in INHERITED {
            if let Some(v) = std::env::var_os(var) {
                cmd.env(var, v);
            }
        }
        cmd.args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .env("SECRETS_MANAGER_ENDPOINT", &callback.endpoint)
            .env("AWS_ENDPOINT_URL", &callback.endpoint)
            .env("AWS_REGION", &caller.region)
            .env("AWS_DEFAULT_REGION", &caller.region)
            .env("AWS_ACCESS_KEY_ID", &caller.access_key_id)
            .env("AWS_SECRET_ACCESS_KEY", caller.secret_access_key.as_str())
            .env("AWS_LAMBDA_FUNCTION_NAME", function_name(&inv.function_arn))
            .env("AWS_LAMBDA_FUNCTION_TIMEOUT", timeout.as_secs().to_string())
            .envs(&self.config.env);
        if let Some(token) = &caller.session_token {
            cmd.env("AWS_SESSION_TOKEN", token.as_str());
        }
        crate::children::die_with_rekey(&mut cmd);
        if let Some(ca) = &callback.ca_bundle {
            cmd.env("AWS_CA_BUNDLE", ca);
        }
        if let Some(dir) = &self.config.cwd {
            cmd.current_dir(dir);
        }
        let mut child = cmd.spawn().map_err(|e| FunctionError::Unreachable(format!("cannot run {program}: {e}")))?;
        let event = inv.event();
        let mut stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let write = async move {
            // A function that never reads its stdin is fine.
            let _ = stdin.write_all(&event).await;
            drop(stdin);
        };
        // All of both streams is read (a child blocked on a full pipe
        // would never exit) into the step's bounded log; the end of stderr
        // is also the failure's output in the rotation history.
        let out = read_lines(stdout, |line| log.line(Stream::Stdout, line));
        let read = async move {
            let mut kept = OutputTail::default();
            read_lines(stderr, |line| {
                log.line(Stream::Stderr, line);
                kept.push(line.as_bytes());
                kept.push(b"\n");
            })
            .await;
            kept
        };
        let ((), (), err, status) = tokio::join!(write, out, read, child.wait());
        let status = status.map_err(|e| FunctionError::Unreachable(e.to_string()))?;
        if status.success() {
            return Ok(());
        }
        Err(FunctionError::Failed { status: format!("the command failed ({status})"), output: err.text() })
    }
}
