//! The `runtime` executor: rekey hosts the Lambda Runtime API
//! (`/2018-06-01/runtime/invocation/next`, `…/<id>/response`, `…/<id>/error`)
//! on the function's own address, and long-running workers built on any
//! Lambda runtime interface client (e.g. `awslambdaric`) pull the steps.
//! This module is the queue between the rotation engine and those HTTP
//! routes (served by `rekey-server`). Workers rekey starts itself
//! (`command`, see `workers`) each have a token of their own; the queue
//! remembers which step each holds, so that the step's credentials go to
//! that worker alone (`credentials`).

use super::function_log::{FunctionLog, Stream};
use super::functions::{
    Caller, Executor, ExecutorKind, Function, FunctionError, Invocation, Step, StepFuture, error_message,
};
use super::worker_output::WorkerOutput;
use serde::Deserialize;
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
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
    /// The worker program and its arguments (e.g. `python3 -m awslambdaric
    /// lambda_function.lambda_handler`): rekey then runs `workers` of them
    /// itself, restarts any that exits, and starts them again with rekey.
    #[serde(default)]
    pub command: Vec<String>,
    /// How many workers to run (default 1; with `command`).
    #[serde(default)]
    pub workers: Option<usize>,
    /// Extra environment variables for the workers.
    #[serde(default)]
    pub env: std::collections::BTreeMap<String, String>,
    /// The workers' working directory.
    #[serde(default)]
    pub cwd: Option<String>,
}

/// The most workers one function may have.
pub const MAX_WORKERS: usize = 64;

/// `type = "runtime"`: the function's queue, served on its own address.
pub const KIND: ExecutorKind = ExecutorKind {
    tag: "runtime",
    build: |setup, options| {
        let config: RuntimeConfig = ExecutorKind::options(options)?;
        config.check()?;
        let queue = Arc::new(RuntimeQueue::new(setup.arn.to_string()));
        setup.runtimes.push((setup.arn.to_string(), config, queue.clone()));
        Ok(Function::external(queue, setup.timeout))
    },
};

impl Executor for Arc<RuntimeQueue> {
    fn invoke<'a>(&'a self, step: Step<'a>) -> StepFuture<'a> {
        Box::pin(RuntimeQueue::run(self, step.invocation, step.caller, step.timeout, step.log))
    }
}

impl RuntimeConfig {
    /// How many workers rekey runs (none without a `command`).
    pub fn worker_count(&self) -> usize {
        if self.command.is_empty() { 0 } else { self.workers.unwrap_or(1) }
    }

    /// Refuses a Runtime API open beyond this machine without a token, and
    /// workers rekey could not reach its API on loopback.
    pub fn check(&self) -> Result<(), String> {
        if self.command.is_empty() && (self.workers.is_some() || !self.env.is_empty() || self.cwd.is_some()) {
            return Err("`workers`, `env` and `cwd` need a `command` to run".into());
        }
        if !self.command.is_empty() {
            if !(1..=MAX_WORKERS).contains(&self.worker_count()) {
                return Err(format!("`workers` must be between 1 and {MAX_WORKERS}"));
            }
            let ip = self.listen.ip();
            if !(ip.is_loopback() || ip.is_unspecified()) {
                return Err(format!(
                    "workers rekey runs reach the Runtime API on loopback, but it would listen on {}",
                    self.listen
                ));
            }
        }
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
    /// The step's credentials, for the worker that takes it.
    caller: Arc<Caller>,
    /// The step's log, which the worker holding it prints into.
    log: FunctionLog,
}

/// A step a worker holds: its request id, credentials and deadline.
struct Held {
    request_id: String,
    caller: Arc<Caller>,
    deadline_ms: i64,
}

/// Temporary credentials as the container credentials endpoint gives
/// them to a worker.
pub struct WorkerCredentials {
    /// The step's credentials.
    pub caller: Arc<Caller>,
    /// When the worker should ask again (milliseconds since the epoch).
    pub expires_ms: i64,
}

/// Why a worker of rekey's gets no step.
#[derive(Debug, PartialEq, Eq)]
pub enum NextRefused {
    /// Its token is not (or no longer) a running worker's.
    UnknownWorker,
    /// It still holds a running step.
    Busy,
}

/// A worker rekey started: its token, the step it holds, and its output.
struct Worker {
    token: String,
    holding: Option<Held>,
    output: Option<Arc<WorkerOutput>>,
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or_default()
}

/// Equal tokens, compared in constant time.
fn same(a: &str, b: &str) -> bool {
    rekey_model::identity::secrets_equal(a.as_bytes(), b.as_bytes())
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
    running: Mutex<HashMap<String, (Reply, FunctionLog)>>,
    workers: Mutex<Vec<Worker>>,
    arrived: Notify,
}

impl RuntimeQueue {
    /// An empty queue for the function `function_arn`.
    pub fn new(function_arn: String) -> Self {
        RuntimeQueue {
            function_arn,
            waiting: Mutex::new(VecDeque::new()),
            running: Mutex::new(HashMap::new()),
            workers: Mutex::new(Vec::new()),
            arrived: Notify::new(),
        }
    }

    /// Queues one step and waits for a worker's answer; the worker that
    /// takes it (if rekey started it) gets `caller`'s credentials meanwhile.
    pub async fn run(
        &self,
        inv: &Invocation,
        caller: &Caller,
        timeout: Duration,
        log: &FunctionLog,
    ) -> Result<(), FunctionError> {
        let (reply, answer) = oneshot::channel();
        self.waiting.lock().expect("runtime queue lock").push_back(Waiting {
            request_id: uuid::Uuid::new_v4().to_string(),
            event: inv.event(),
            deadline_ms: now_ms() + timeout.as_millis() as i64,
            reply,
            caller: Arc::new(caller.clone()),
            log: log.clone(),
        });
        self.arrived.notify_one();
        answer.await.unwrap_or_else(|_| Err(FunctionError::Unreachable("the runtime worker went away".into())))
    }

    /// A worker rekey starts: its token (`AWS_LAMBDA_RUNTIME_API`'s path
    /// prefix and its credentials endpoint's authorization).
    pub fn add_worker(&self) -> String {
        let token = rekey_model::identity::new_bearer_token();
        self.workers.lock().expect("runtime queue lock").push(Worker {
            token: token.clone(),
            holding: None,
            output: None,
        });
        token
    }

    /// What the worker with `token` prints goes, from now on, to the log
    /// of the step it holds (see `worker_output`).
    pub fn watch_output(&self, token: &str, output: Arc<WorkerOutput>) {
        if let Some(w) = self.workers.lock().expect("runtime queue lock").iter_mut().find(|w| same(&w.token, token)) {
            w.output = Some(output);
        }
    }

    /// A worker exited: its token no longer opens anything, and the step
    /// it held fails now rather than at its timeout.
    pub fn remove_worker(&self, token: &str) {
        let mut workers = self.workers.lock().expect("runtime queue lock");
        let gone = workers.iter().find(|w| same(&w.token, token));
        // What it printed before it exited is the held step's.
        if let Some(output) = gone.and_then(|w| w.output.as_ref()) {
            output.end();
        }
        let held = gone.and_then(|w| w.holding.as_ref().map(|h| h.request_id.clone()));
        workers.retain(|w| !same(&w.token, token));
        drop(workers);
        if let Some(request_id) = held
            && let Some((reply, _)) = self.running.lock().expect("runtime queue lock").remove(&request_id)
        {
            let _ = reply.send(Err(FunctionError::Unreachable("the runtime worker exited during the step".into())));
        }
    }

    /// Whether `token` is a running worker's (compared in constant time).
    pub fn is_worker(&self, token: &str) -> bool {
        self.workers.lock().expect("runtime queue lock").iter().fold(false, |found, w| found | same(&w.token, token))
    }

    /// The credentials of the step the worker with `token` holds, if it
    /// holds one that is still running.
    pub fn credentials(&self, token: &str) -> Option<WorkerCredentials> {
        let workers = self.workers.lock().expect("runtime queue lock");
        let worker = workers.iter().find(|w| same(&w.token, token))?;
        let held = worker.holding.as_ref()?;
        let running = self.running.lock().expect("runtime queue lock");
        if running.get(&held.request_id).is_none_or(|r| r.0.is_closed()) {
            return None;
        }
        // Asked for again within a minute (SDKs then refresh before every
        // call), so a worker never keeps a finished step's credentials.
        Some(WorkerCredentials { caller: held.caller.clone(), expires_ms: (now_ms() + 60_000).min(held.deadline_ms) })
    }

    /// The next invocation for a worker (long poll: waits until one
    /// comes); `worker` is the token of a worker rekey started, which gets
    /// nothing while it still holds a running step (one step, one set of
    /// credentials at a time) or once it is gone.
    pub async fn next(&self, worker: Option<&str>) -> Result<NextInvocation, NextRefused> {
        loop {
            let notified = self.arrived.notified();
            if let Some(taken) = self.take(worker) {
                return taken;
            }
            notified.await;
        }
    }

    /// The first waiting invocation, for `worker` (none waiting: `None`).
    fn take(&self, worker: Option<&str>) -> Option<Result<NextInvocation, NextRefused>> {
        let mut waiting = self.waiting.lock().expect("runtime queue lock");
        // Invocations whose caller gave up (timeout) are skipped.
        waiting.retain(|w| !w.reply.is_closed());
        let w = waiting.pop_front()?;
        if let Some(token) = worker {
            let mut workers = self.workers.lock().expect("runtime queue lock");
            let running = self.running.lock().expect("runtime queue lock");
            let refused = match workers.iter_mut().find(|x| same(&x.token, token)) {
                None => Some(NextRefused::UnknownWorker),
                Some(me)
                    if me
                        .holding
                        .as_ref()
                        .is_some_and(|h| running.get(&h.request_id).is_some_and(|r| !r.0.is_closed())) =>
                {
                    Some(NextRefused::Busy)
                }
                Some(me) => {
                    if let Some(output) = &me.output {
                        output.begin(w.log.clone());
                    }
                    me.holding = Some(Held {
                        request_id: w.request_id.clone(),
                        caller: w.caller.clone(),
                        deadline_ms: w.deadline_ms,
                    });
                    None
                }
            };
            if let Some(refused) = refused {
                // Back where it was, and the wake-up passed on to another worker.
                waiting.push_front(w);
                self.arrived.notify_one();
                return Some(Err(refused));
            }
        }
        drop(waiting);
        let mut running = self.running.lock().expect("runtime queue lock");
        running.retain(|_, (reply, _)| !reply.is_closed());
        running.insert(w.request_id.clone(), (w.reply, w.log));
        Some(Ok(NextInvocation {
            request_id: w.request_id,
            event: w.event,
            deadline_ms: w.deadline_ms,
            function_arn: self.function_arn.clone(),
        }))
    }

    /// A worker's answer to `request_id`: `Ok` for `/response`, the error
    /// document for `/error`. False when the id is unknown.
    pub fn complete(&self, request_id: &str, outcome: Result<(), String>) -> bool {
        // Its worker lets go of the step, and of its credentials; what it
        // printed until it answered is the step's.
        for w in self.workers.lock().expect("runtime queue lock").iter_mut() {
            if w.holding.as_ref().is_some_and(|h| h.request_id == request_id) {
                if let Some(output) = &w.output {
                    output.end();
                }
                w.holding = None;
            }
        }
        let Some((reply, log)) = self.running.lock().expect("runtime queue lock").remove(request_id) else {
            return false;
        };
        let _ = reply.send(outcome.map_err(|payload| {
            log.text(Stream::Error, &payload);
            FunctionError::Failed { status: "the function reported an error".into(), output: error_message(&payload) }
        }));
        true
    }

    /// The function's ARN.
    pub fn function_arn(&self) -> &str {
        &self.function_arn
    }
}

#[cfg(test)]
mod config_tests {
    use super::*;
    use serde_json::json;

    fn check(v: serde_json::Value) -> Result<(), String> {
        serde_json::from_value::<RuntimeConfig>(v).unwrap().check()
    }

    #[test]
    fn workers_need_a_command_and_loopback() {
        assert!(check(json!({"listen": "127.0.0.1:0", "command": ["w"], "workers": 2})).is_ok());
        assert!(check(json!({"listen": "0.0.0.0:0", "token": "0123456789abcdef", "command": ["w"]})).is_ok());
        assert!(check(json!({"listen": "127.0.0.1:0", "workers": 2})).is_err(), "no command");
        assert!(check(json!({"listen": "127.0.0.1:0", "command": ["w"], "workers": 0})).is_err());
        assert!(check(json!({"listen": "127.0.0.1:0", "command": ["w"], "workers": 65})).is_err());
        let beyond = json!({"listen": "10.0.0.5:0", "token": "0123456789abcdef", "command": ["w"]});
        assert!(check(beyond).unwrap_err().contains("loopback"));
    }
}

#[cfg(test)]
mod worker_tests {
    use super::*;
    use rekey_model::rotation::RotationStep;
    use rekey_model::staging::VersionId;

    fn caller(key: &str) -> Caller {
        Caller {
            region: "us-east-1".into(),
            access_key_id: key.into(),
            secret_access_key: zeroize::Zeroizing::new("s".into()),
            session_token: None,
        }
    }

    fn invocation() -> Invocation {
        Invocation {
            secret_id: "arn".into(),
            token: VersionId::new("00000000-0000-4000-8000-000000000001".to_string()),
            step: RotationStep::Create,
            rotation_token: "t".into(),
            function_arn: "f".into(),
        }
    }

    /// Waits until `n` invocations are queued.
    async fn queued(q: &RuntimeQueue, n: usize) {
        while q.waiting.lock().unwrap().len() < n {
            tokio::task::yield_now().await;
        }
    }

    fn start(q: &Arc<RuntimeQueue>, key: &'static str) -> tokio::task::JoinHandle<Result<(), FunctionError>> {
        let q = q.clone();
        tokio::spawn(async move {
            q.run(&invocation(), &caller(key), Duration::from_secs(60), &FunctionLog::default()).await
        })
    }

    /// A worker's output is the log of the step it holds when it writes
    /// it: what it writes before taking a step, and between two steps
    /// (which may be two tenants'), is in neither; what it wrote just
    /// before answering, or before exiting (an unfinished line too), is.
    #[tokio::test]
    async fn a_worker_prints_into_the_step_it_holds_only() {
        use tokio::io::AsyncWriteExt;
        let dir = tempfile::tempdir().unwrap();
        // Each stdin line lets the worker print one part; a marker file
        // says that part was written.
        let script = "read x; echo before; touch \"$1/1\"; \
                      read x; echo during A; echo A on stderr >&2; touch \"$1/2\"; \
                      read x; echo between; touch \"$1/3\"; \
                      read x; echo during B; printf unfinished; exit 0";
        let mut child = tokio::process::Command::new("sh")
            .args(["-c", script, "sh", dir.path().to_str().unwrap()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let output = WorkerOutput::new(child.stdout.take().unwrap(), child.stderr.take().unwrap()).unwrap();
        let q = Arc::new(RuntimeQueue::new("f".into()));
        let worker = q.add_worker();
        // No pump: the pipes are read only where a step begins and ends,
        // the boundaries this test is about (the pipes hold a few lines).
        q.watch_output(&worker, output);
        let step = |n: &str| dir.path().join(n);
        let mut go = async |part: &str| {
            stdin.write_all(b"go\n").await.unwrap();
            if !part.is_empty() {
                while !step(part).exists() {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
        };
        let lines = |log: &FunctionLog| -> Vec<(String, String)> {
            log.take().events.iter().map(|e| (e.stream.clone(), e.message.clone())).collect()
        };
        let own = |stream: &str, line: &str| (stream.to_string(), line.to_string());

        go("1").await;
        let (log_a, log_b) = (FunctionLog::default(), FunctionLog::default());
        let a = {
            let (q, log) = (q.clone(), log_a.clone());
            tokio::spawn(async move { q.run(&invocation(), &caller("A"), Duration::from_secs(60), &log).await })
        };
        queued(&q, 1).await;
        let inv = q.next(Some(&worker)).await.unwrap();
        go("2").await;
        assert!(q.complete(&inv.request_id, Ok(())));
        assert!(a.await.unwrap().is_ok());
        assert_eq!(lines(&log_a), [own("stdout", "during A"), own("stderr", "A on stderr")]);

        go("3").await;
        let b = {
            let (q, log) = (q.clone(), log_b.clone());
            tokio::spawn(async move { q.run(&invocation(), &caller("B"), Duration::from_secs(60), &log).await })
        };
        queued(&q, 1).await;
        q.next(Some(&worker)).await.unwrap();
        go("").await;
        child.wait().await.unwrap();
        q.remove_worker(&worker);
        assert!(matches!(b.await.unwrap(), Err(FunctionError::Unreachable(_))));
        assert_eq!(lines(&log_b), [own("stdout", "during B"), own("stdout", "unfinished")]);
    }

    /// Each worker gets the credentials of the step it holds, and only
    /// while it holds it; others (and made-up tokens) get nothing; a
    /// worker holds one step at a time; a gone worker gets none and fails
    /// the step it held at once.
    #[tokio::test]
    async fn credentials_follow_the_step() {
        let q = Arc::new(RuntimeQueue::new("f".into()));
        let (a, b) = (q.add_worker(), q.add_worker());
        let first = start(&q, "ASIAONE");
        queued(&q, 1).await;
        let inv = q.next(Some(&a)).await.unwrap();
        assert_eq!(q.credentials(&a).unwrap().caller.access_key_id, "ASIAONE");
        assert!(q.credentials(&b).is_none(), "another worker");
        assert!(q.credentials("made-up").is_none());

        let second = start(&q, "ASIATWO");
        queued(&q, 1).await;
        assert_eq!(q.next(Some(&a)).await.err(), Some(NextRefused::Busy));
        let inv2 = q.next(Some(&b)).await.unwrap();
        assert_eq!(q.credentials(&b).unwrap().caller.access_key_id, "ASIATWO");
        assert_eq!(q.credentials(&a).unwrap().caller.access_key_id, "ASIAONE");

        assert!(q.complete(&inv.request_id, Ok(())));
        assert!(first.await.unwrap().is_ok());
        assert!(q.credentials(&a).is_none(), "the step is over");

        q.remove_worker(&b);
        assert!(matches!(second.await.unwrap(), Err(FunctionError::Unreachable(_))), "failed at once");
        assert!(!q.is_worker(&b) && q.credentials(&b).is_none());
        assert!(!q.complete(&inv2.request_id, Ok(())));

        let third = start(&q, "ASIATHREE");
        queued(&q, 1).await;
        assert_eq!(q.next(Some(&b)).await.err(), Some(NextRefused::UnknownWorker));
        let inv3 = q.next(Some(&a)).await.unwrap();
        assert_eq!(q.credentials(&a).unwrap().caller.access_key_id, "ASIATHREE");
        q.complete(&inv3.request_id, Ok(()));
        assert!(third.await.unwrap().is_ok());
    }
}
