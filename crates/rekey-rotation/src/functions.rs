//! Rotation functions: what every executor shares. The invocation event,
//! the errors and output a function answers with, the `[[function]]`
//! table, the [`Executor`] trait and the [`ExecutorKind`] each executor's
//! file declares, and the conventions of Lambda functions (ARNs, error
//! payloads). The registry that builds them is `registry`.

use super::builtin::PasswordRotator;
use super::database::DatabaseRotator;
use super::function_log::FunctionLog;
use super::runtime;
use rekey_model::rotation::RotationStep;
use rekey_model::staging::VersionId;
use serde::Deserialize;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// The event each step invocation carries (docs/behaviour.md §7.3).
#[derive(Debug, Clone)]
pub struct Invocation {
    /// The secret's full ARN.
    pub secret_id: String,
    /// The pending version.
    pub token: VersionId,
    /// The step.
    pub step: RotationStep,
    /// The job's opaque RotationToken.
    pub rotation_token: String,
    /// The rotation function's ARN.
    pub function_arn: String,
}

impl Invocation {
    /// The event as JSON, exactly as AWS sends it.
    pub fn event(&self) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "SecretId": self.secret_id,
            "ClientRequestToken": self.token.as_str(),
            "Step": self.step.as_str(),
            "RotationToken": self.rotation_token,
        }))
        .expect("an object of strings encodes")
    }
}

/// Why an invocation failed. What it shows ([`fmt::Display`]) is rekey's
/// own words and may go to logs and the rotation history as they are;
/// what a function itself printed or answered is its [`output`]
/// (FunctionError::output), which may hold anything the function saw,
/// secrets included, and is only ever kept sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionError {
    /// A built-in rotator failed (its message names no secret).
    Function(String),
    /// An external function ran and reported an error: `status` says how
    /// (an exit status, an HTTP status…), `output` is what it said.
    Failed {
        /// How it failed, in rekey's words.
        status: String,
        /// The end of what it printed or answered.
        output: String,
    },
    /// It did not answer in time.
    Timeout(Duration),
    /// It could not be reached or started.
    Unreachable(String),
}

impl FunctionError {
    /// What the function itself said, if it said anything.
    pub fn output(&self) -> Option<&str> {
        match self {
            FunctionError::Failed { output, .. } if !output.is_empty() => Some(output),
            _ => None,
        }
    }
}

impl fmt::Display for FunctionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FunctionError::Function(m) => write!(f, "{m}"),
            FunctionError::Failed { status, output } if output.trim().is_empty() => write!(f, "{status}"),
            FunctionError::Failed { status, .. } => write!(f, "{status} (its output is in the function log)"),
            FunctionError::Timeout(d) => write!(f, "timed out after {} s", d.as_secs_f64()),
            FunctionError::Unreachable(m) => write!(f, "could not invoke the function: {m}"),
        }
    }
}

/// The most of a function's output (stderr, an error answer) kept: its
/// end, where the exception usually is.
pub const OUTPUT_TAIL: usize = 4096;

/// The end of a function's output, kept as it is read: whatever its
/// length, a function cannot exhaust rekey's memory with it.
#[derive(Default)]
pub(crate) struct OutputTail(Vec<u8>);

impl OutputTail {
    /// Adds what was read next.
    pub(crate) fn push(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
        if self.0.len() > 2 * OUTPUT_TAIL {
            self.0.drain(..self.0.len() - OUTPUT_TAIL);
        }
    }

    /// The last `OUTPUT_TAIL` bytes, as text.
    pub(crate) fn text(&self) -> String {
        tail(&String::from_utf8_lossy(&self.0), OUTPUT_TAIL)
    }
}

/// The end of an HTTP answer's text (see [`OutputTail`]).
pub(crate) async fn bounded_text(mut response: reqwest::Response) -> String {
    let mut kept = OutputTail::default();
    while let Ok(Some(chunk)) = response.chunk().await {
        kept.push(&chunk);
    }
    kept.text()
}

/// Keeps a function's error output short in job records and logs: the
/// end of it, where the exception usually is.
pub(crate) fn tail(text: &str, max: usize) -> String {
    let text = text.trim();
    if text.len() <= max {
        return text.to_string();
    }
    let mut start = text.len() - max;
    while !text.is_char_boundary(start) {
        start += 1;
    }
    format!("…{}", &text[start..])
}

fn default_timeout() -> u64 {
    60
}

/// One `[[function]]` table of the configuration file.
#[derive(Debug, Clone, Deserialize)]
pub struct FunctionConfig {
    /// The RotationLambdaARN it answers to.
    pub arn: String,
    /// Seconds one step may take.
    #[serde(default = "default_timeout")]
    pub timeout_seconds: u64,
    /// The accounts whose secrets it rotates: by default only the account
    /// its ARN names (as a Lambda function serves its own account unless
    /// its resource policy says otherwise); `"*"` for every account. A
    /// function whose ARN names no account (`builtin:…`) must list them,
    /// except `builtin:password` itself, which serves every account.
    #[serde(default)]
    pub accounts: Vec<String>,
    /// How it runs: the `tag` of one of the registry's kinds.
    #[serde(rename = "type")]
    pub kind: String,
    /// The rest of the table: that kind's own options.
    #[serde(flatten)]
    pub options: serde_json::Map<String, serde_json::Value>,
}

impl FunctionConfig {
    /// A function of `kind` with `options` (a JSON object), for the
    /// accounts its ARN names and the default timeout.
    pub fn new(arn: &str, kind: &str, options: serde_json::Value) -> Self {
        let options = match options {
            serde_json::Value::Object(map) => map,
            _ => serde_json::Map::new(),
        };
        FunctionConfig {
            arn: arn.into(),
            timeout_seconds: default_timeout(),
            accounts: Vec::new(),
            kind: kind.into(),
            options,
        }
    }
}

/// What an executor gets for one step.
pub struct Step<'a> {
    /// The event.
    pub invocation: &'a Invocation,
    /// Where a local function calls back into rekey.
    pub callback: &'a Callback,
    /// As whom it calls back.
    pub caller: &'a Caller,
    /// How long the step may take (the invocation is also cut off then).
    pub timeout: Duration,
    /// Where what the function prints or answers goes.
    pub log: &'a FunctionLog,
}

/// A step's answer, as a future an executor returns.
pub type StepFuture<'a> = Pin<Box<dyn Future<Output = Result<(), FunctionError>> + Send + 'a>>;

/// A way to run rotation functions outside rekey. Each lives in a file
/// of its own with the [`ExecutorKind`] that builds it, listed in the
/// registry's `KINDS`.
pub trait Executor: Send + Sync {
    /// Runs one step.
    fn invoke<'a>(&'a self, step: Step<'a>) -> StepFuture<'a>;
}

/// What building a function may need besides its options.
pub struct Setup<'a> {
    /// Its ARN.
    pub arn: &'a str,
    /// How long one step may take.
    pub timeout: Duration,
    /// Lambda Runtime API endpoints to serve, which `runtime` functions add to.
    pub runtimes: &'a mut Vec<RuntimeEndpoint>,
}

/// A Lambda Runtime API endpoint to serve: (function ARN, where and how, queue).
pub type RuntimeEndpoint = (String, runtime::RuntimeConfig, Arc<runtime::RuntimeQueue>);

/// A `type` of `[[function]]`: its tag and how its options become a function.
pub struct ExecutorKind {
    /// The `type` it answers to.
    pub tag: &'static str,
    /// Builds the function from its options (a JSON object).
    pub build: fn(Setup<'_>, serde_json::Value) -> Result<Function, String>,
}

impl ExecutorKind {
    /// A kind's options, deserialized as its own type (unknown keys refused).
    pub fn options<T: serde::de::DeserializeOwned>(options: serde_json::Value) -> Result<T, String> {
        serde_json::from_value(options).map_err(|e| e.to_string())
    }
}

/// A registered function, ready to invoke.
pub enum Function {
    /// Runs outside rekey.
    External(External),
    /// Runs inside rekey (needs the service, so the engine drives it).
    Password(PasswordRotator),
    /// A database user's password, changed inside rekey.
    Database(DatabaseRotator),
}

impl Function {
    /// A function run by `executor`, each step within `timeout`.
    pub fn external(executor: impl Executor + 'static, timeout: Duration) -> Function {
        Function::External(External { executor: Box::new(executor), timeout })
    }
}

/// A function reached through an executor.
pub struct External {
    executor: Box<dyn Executor>,
    timeout: Duration,
}

/// Where local functions call back into rekey.
#[derive(Debug, Clone, Default)]
pub struct Callback {
    /// The Secrets Manager endpoint (`SECRETS_MANAGER_ENDPOINT`).
    pub endpoint: String,
    /// The certificate a self-signed TLS endpoint is verified with
    /// (`AWS_CA_BUNDLE`).
    pub ca_bundle: Option<std::path::PathBuf>,
    /// Whether the server verifies signatures (then functions get
    /// temporary credentials of the job's role; in `--dev`, the account id).
    pub authenticated: bool,
}

/// As whom a local function calls back: the secret's region and
/// temporary credentials of the job's role (see [`crate::role`]).
#[derive(Clone)]
pub struct Caller {
    /// `AWS_REGION`.
    pub region: String,
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: zeroize::Zeroizing<String>,
    /// `AWS_SESSION_TOKEN` (none in `--dev`).
    pub session_token: Option<zeroize::Zeroizing<String>>,
}

impl External {
    /// How long one step may take.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Invokes one step, within the function's timeout.
    pub async fn invoke(
        &self,
        inv: &Invocation,
        callback: &Callback,
        caller: &Caller,
        log: &FunctionLog,
    ) -> Result<(), FunctionError> {
        let step = Step { invocation: inv, callback, caller, timeout: self.timeout, log };
        match tokio::time::timeout(self.timeout, self.executor.invoke(step)).await {
            Ok(r) => r,
            Err(_) => Err(FunctionError::Timeout(self.timeout)),
        }
    }
}

/// The built-in rotator every server has.
pub const PASSWORD: &str = "builtin:password";

/// The `errorType: errorMessage` of a Lambda error payload, else its tail.
pub(crate) fn error_message(payload: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(payload).ok();
    let field = |k: &str| parsed.as_ref().and_then(|v| v.get(k)).and_then(|v| v.as_str()).map(str::to_string);
    match (field("errorType"), field("errorMessage")) {
        (Some(t), Some(m)) => tail(&format!("{t}: {m}"), OUTPUT_TAIL),
        (None, Some(m)) => tail(&m, OUTPUT_TAIL),
        _ => tail(payload, OUTPUT_TAIL),
    }
}

/// An HTTP client for executors: rustls, no proxy from the environment
/// surprises beyond reqwest's defaults, the step timeout as a ceiling.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::Client, String> {
    reqwest::Client::builder().timeout(timeout).build().map_err(|e| format!("HTTP client: {e}"))
}

/// The region a Lambda ARN names, if it names one.
pub(crate) fn function_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// The function name of a Lambda ARN (`…:function:<name>[:qualifier]`), or
/// the ARN itself when it is not one.
pub(crate) fn function_name(arn: &str) -> &str {
    arn.split(':').nth(6).unwrap_or(arn)
}
