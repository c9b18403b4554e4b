//! The `runtime` executor: rekey hosts the Lambda Runtime API
//! (`/2018-06-01/runtime/invocation/next`, `…/<id>/response`, `…/<id>/error`)
//! on the function's own address, and long-running workers built on any
//! Lambda runtime interface client (e.g. `awslambdaric`) pull the steps.
//! This module is the queue between the rotation engine and those HTTP
//! routes (served by `rekey-server`).

use super::functions::{FunctionError, Invocation};
use super::lambda::error_message;
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{Notify, oneshot};

/// `type = "runtime"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimeConfig {
    /// Where the Runtime API of this function listens (the workers'
    /// `AWS_LAMBDA_RUNTIME_API`); port 0 picks one, announced on stdout.
    /// A loopback address unless `token` is set.
    pub listen: SocketAddr,
    /// A shared secret the workers' paths start with (`<host:port>/<token>`
    /// as `AWS_LAMBDA_RUNTIME_API`): required to listen beyond loopback,
    /// as whoever reaches the API receives rotation events.
    #[serde(default)]
    pub token: Option<String>,
}

impl RuntimeConfig {
    /// Refuses a Runtime API open beyond this machine without a token.
    pub fn check(&self) -> Result<(), String> {
        match &self.token {
            None if !self.listen.ip().is_loopback() => Err(format!(
                "the Runtime API would listen on {}, beyond loopback, without a `token`: anyone reaching it would receive rotation events",
                self.listen
            )),
            Some(t) if t.len() < 16 || !t.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b)) => {
                Err("`token` must be at least 16 characters of letters, digits, `-` and `_`".into())
            }
            _ => Ok(()),
        }
    }
}

type Reply = oneshot::Sender<Result<(), FunctionError>>;

struct Waiting {
    request_id: String,
    event: Vec<u8>,
    deadline_ms: i64,
    reply: Reply,
}

/// An invocation handed to a worker.
pub struct NextInvocation {
    /// `Lambda-Runtime-Aws-Request-Id`.
    pub request_id: String,
    /// The event JSON.
    pub event: Vec<u8>,
    /// `Lambda-Runtime-Deadline-Ms`.
    pub deadline_ms: i64,
    /// `Lambda-Runtime-Invoked-Function-Arn`.
    pub function_arn: String,
}

/// Invocations waiting for a worker, and those a worker is running.
pub struct RuntimeQueue {
    function_arn: String,
    waiting: Mutex<VecDeque<Waiting>>,
    running: Mutex<HashMap<String, Reply>>,
    arrived: Notify,
}

impl RuntimeQueue {
    /// An empty queue for the function `function_arn`.
    pub fn new(function_arn: String) -> Self {
        RuntimeQueue {
            function_arn,
            waiting: Mutex::new(VecDeque::new()),
            running: Mutex::new(HashMap::new()),
            arrived: Notify::new(),
        }
    }

    /// Queues one step and waits for a worker's answer.
    pub async fn invoke(&self, inv: &Invocation, timeout: Duration) -> Result<(), FunctionError> {
        let (reply, answer) = oneshot::channel();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        self.waiting.lock().expect("runtime queue lock").push_back(Waiting {
            request_id: uuid::Uuid::new_v4().to_string(),
            event: inv.event(),
            deadline_ms: now + timeout.as_millis() as i64,
            reply,
        });
        self.arrived.notify_one();
        answer.await.unwrap_or_else(|_| Err(FunctionError::Unreachable("the runtime worker went away".into())))
    }

    /// The next invocation for a worker (long poll: waits until one comes).
    pub async fn next(&self) -> NextInvocation {
        loop {
            let notified = self.arrived.notified();
            let popped = {
                let mut waiting = self.waiting.lock().expect("runtime queue lock");
                // Invocations whose caller gave up (timeout) are skipped.
                waiting.retain(|w| !w.reply.is_closed());
                waiting.pop_front()
            };
            if let Some(w) = popped {
                let mut running = self.running.lock().expect("runtime queue lock");
                running.retain(|_, reply| !reply.is_closed());
                running.insert(w.request_id.clone(), w.reply);
                return NextInvocation {
                    request_id: w.request_id,
                    event: w.event,
                    deadline_ms: w.deadline_ms,
                    function_arn: self.function_arn.clone(),
                };
            }
            notified.await;
        }
    }

    /// A worker's answer to `request_id`: `Ok` for `/response`, the error
    /// document for `/error`. False when the id is unknown.
    pub fn complete(&self, request_id: &str, outcome: Result<(), String>) -> bool {
        let Some(reply) = self.running.lock().expect("runtime queue lock").remove(request_id) else {
            return false;
        };
        let _ = reply.send(outcome.map_err(|payload| FunctionError::Failed {
            status: "the function reported an error".into(),
            output: error_message(&payload),
        }));
        true
    }

    /// The function's ARN.
    pub fn function_arn(&self) -> &str {
        &self.function_arn
    }
}
