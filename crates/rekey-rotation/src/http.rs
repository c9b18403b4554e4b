//! The `http` executor: POSTs the event JSON to a URL; any 2xx answer is
//! success, anything else (or no answer in time) fails the step.

use super::function_log::{FunctionLog, Stream};
use super::functions::{
    Executor, ExecutorKind, Function, FunctionError, Invocation, Step, StepFuture, bounded_text, client, error_message,
};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// `type = "http"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    /// Where to POST the event.
    pub url: String,
    /// Extra request headers (e.g. an `Authorization` the receiver checks).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// Runs an [`HttpConfig`].
pub struct HttpExecutor {
    client: reqwest::Client,
    url: reqwest::Url,
    headers: reqwest::header::HeaderMap,
}

/// `type = "http"`.
pub const KIND: ExecutorKind = ExecutorKind {
    tag: "http",
    build: |setup, options| {
        let config = ExecutorKind::options(options)?;
        Ok(Function::external(HttpExecutor::new(config, setup.timeout)?, setup.timeout))
    },
};

impl Executor for HttpExecutor {
    fn invoke<'a>(&'a self, step: Step<'a>) -> StepFuture<'a> {
        Box::pin(self.run(step.invocation, step.log))
    }
}

impl HttpExecutor {
    /// An executor for `config`.
    pub fn new(config: HttpConfig, timeout: Duration) -> Result<Self, String> {
        let url = reqwest::Url::parse(&config.url).map_err(|e| format!("bad url {}: {e}", config.url))?;
        let mut headers = reqwest::header::HeaderMap::new();
        for (k, v) in &config.headers {
            let name = reqwest::header::HeaderName::from_bytes(k.as_bytes()).map_err(|e| format!("header {k}: {e}"))?;
            let value = reqwest::header::HeaderValue::from_str(v).map_err(|e| format!("header {k}: {e}"))?;
            headers.insert(name, value);
        }
        Ok(HttpExecutor { client: client(timeout)?, url, headers })
    }

    /// POSTs the event of one step.
    async fn run(&self, inv: &Invocation, log: &FunctionLog) -> Result<(), FunctionError> {
        let response = self
            .client
            .post(self.url.clone())
            .headers(self.headers.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(inv.event())
            .send()
            .await
            .map_err(|e| FunctionError::Unreachable(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = bounded_text(response).await;
        log.text(Stream::Error, &body);
        // Lambda-shaped error documents ({errorType, errorMessage}) are
        // kept as such; anything else by its end.
        Err(FunctionError::Failed {
            status: format!("the function answered HTTP {status}"),
            output: error_message(&body),
        })
    }
}
