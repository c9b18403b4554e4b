//! The `lambda` executor: the Lambda Invoke API
//! (`POST /2015-03-31/functions/<name>/invocations`, SigV4-signed for
//! service `lambda`) at a configured endpoint: AWS Lambda itself, or any
//! Lambda-compatible service. A 200 answer with `X-Amz-Function-Error` is
//! the function's own failure.

use super::function_log::{FunctionLog, Stream};
use super::functions::{
    Executor, ExecutorKind, Function, FunctionError, Invocation, Step, StepFuture, bounded_text, client, error_message,
    function_region,
};
use rekey_sigv4::{self as sigv4, Credentials};
use serde::Deserialize;
use std::time::Duration;

/// `type = "lambda"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LambdaConfig {
    /// Base URL of the Lambda API, e.g. `https://lambda.us-east-1.amazonaws.com`.
    pub endpoint: String,
    /// Signing region (default: the region in the function ARN).
    #[serde(default)]
    pub region: Option<String>,
    /// FunctionName to invoke (default: the function ARN).
    #[serde(default)]
    pub function_name: Option<String>,
    /// Access key id (default: `AWS_ACCESS_KEY_ID` of rekey's environment).
    #[serde(default)]
    pub access_key_id: Option<String>,
    /// Secret access key (default: `AWS_SECRET_ACCESS_KEY`).
    #[serde(default)]
    pub secret_access_key: Option<String>,
    /// Session token (default: `AWS_SESSION_TOKEN`, if set).
    #[serde(default)]
    pub session_token: Option<String>,
}

/// Runs a [`LambdaConfig`].
pub struct LambdaExecutor {
    client: reqwest::Client,
    url: reqwest::Url,
    path: String,
    host: String,
    region: String,
    credentials: Credentials,
}

/// `type = "lambda"`.
pub const KIND: ExecutorKind = ExecutorKind {
    tag: "lambda",
    build: |setup, options| {
        let config = ExecutorKind::options(options)?;
        Ok(Function::external(LambdaExecutor::new(setup.arn, config, setup.timeout)?, setup.timeout))
    },
};

impl Executor for LambdaExecutor {
    fn invoke<'a>(&'a self, step: Step<'a>) -> StepFuture<'a> {
        Box::pin(self.run(step.invocation, step.log))
    }
}

impl LambdaExecutor {
    /// An executor for the function `arn` configured by `config`.
    pub fn new(arn: &str, config: LambdaConfig, timeout: Duration) -> Result<Self, String> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let access_key_id = config
            .access_key_id
            .or_else(|| env("AWS_ACCESS_KEY_ID"))
            .ok_or_else(|| "no access_key_id configured and AWS_ACCESS_KEY_ID is not set".to_string())?;
        let secret = config
            .secret_access_key
            .or_else(|| env("AWS_SECRET_ACCESS_KEY"))
            .ok_or_else(|| "no secret_access_key configured and AWS_SECRET_ACCESS_KEY is not set".to_string())?;
        let credentials = Credentials {
            access_key_id,
            secret_access_key: zeroize::Zeroizing::new(secret),
            session_token: config.session_token.or_else(|| env("AWS_SESSION_TOKEN")),
        };
        let region = config
            .region
            .or_else(|| function_region(arn).map(str::to_string))
            .ok_or_else(|| "no region configured and none in the ARN".to_string())?;
        let name = config.function_name.unwrap_or_else(|| arn.to_string());
        let base = config.endpoint.trim_end_matches('/');
        let path = format!("/2015-03-31/functions/{}/invocations", sigv4::canonical::uri_encode(&name, false));
        let url = reqwest::Url::parse(&format!("{base}{path}")).map_err(|e| format!("endpoint: {e}"))?;
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => return Err("endpoint has no host".into()),
        };
        let path = url.path().to_string();
        Ok(LambdaExecutor { client: client(timeout)?, url, path, host, region, credentials })
    }

    /// Invokes the function synchronously (`RequestResponse`) for one step.
    async fn run(&self, inv: &Invocation, log: &FunctionLog) -> Result<(), FunctionError> {
        let body = inv.event();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        let headers = sigv4::sign(
            sigv4::Request {
                method: "POST",
                path: &self.path,
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    ("host".into(), self.host.clone()),
                    ("x-amz-invocation-type".into(), "RequestResponse".into()),
                    // Lambda answers with the end of the invocation's log.
                    ("x-amz-log-type".into(), "Tail".into()),
                ],
                body: &body,
            },
            &self.credentials,
            &self.region,
            "lambda",
            now,
        );
        let mut request = self.client.post(self.url.clone()).body(body);
        for (k, v) in headers.iter().filter(|(k, _)| k != "host") {
            request = request.header(k, v);
        }
        let response = request.send().await.map_err(|e| FunctionError::Unreachable(e.to_string()))?;
        let status = response.status();
        let function_error =
            response.headers().get("x-amz-function-error").map(|v| v.to_str().unwrap_or("").to_string());
        if let Some(tail) = response.headers().get("x-amz-log-result").and_then(|v| v.to_str().ok()) {
            use base64::Engine;
            if let Ok(text) = base64::engine::general_purpose::STANDARD.decode(tail.trim()) {
                log.text(Stream::Tail, &String::from_utf8_lossy(&text));
            }
        }
        let payload = bounded_text(response).await;
        if !status.is_success() || function_error.is_some() {
            log.text(Stream::Error, &payload);
        }
        if !status.is_success() {
            return Err(FunctionError::Failed { status: format!("Lambda answered HTTP {status}"), output: payload });
        }
        match function_error {
            None => Ok(()),
            Some(kind) => Err(FunctionError::Failed {
                status: format!("the function reported an error ({kind})"),
                output: error_message(&payload),
            }),
        }
    }
}
