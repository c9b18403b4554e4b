//! Runtime workers rekey runs itself: a `runtime` function with a
//! `command` gets `workers` processes of it, each pointed at the
//! function's Runtime API with a token of its own, restarted with a
//! growing pause whenever one exits, and started again when rekey starts.
//!
//! A worker calls back into rekey as the rotation step it holds and no
//! one else: it finds its credentials through the AWS SDKs' container
//! credentials provider (`AWS_CONTAINER_CREDENTIALS_FULL_URI`, served by
//! the Runtime API at `/credentials` with its token as authorization),
//! which answers with the temporary credentials of the step that worker
//! took, and nothing once the step is over. rekey's own environment never
//! reaches it. What a worker prints (which may hold secrets) never reaches
//! rekey's log: it is the function log of the step it holds when it
//! prints (see `worker_output`), and discarded between steps.

use super::exec::INHERITED;
use super::functions::Callback;
use super::runtime::{RuntimeConfig, RuntimeQueue};
use super::worker_output::WorkerOutput;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The first pause before a worker that exited is started again; it
/// doubles while workers keep failing fast, up to [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_secs(1);
/// The longest pause between restarts.
const MAX_PAUSE: Duration = Duration::from_secs(60);
/// A worker that ran this long was healthy: the pause starts over.
const HEALTHY: Duration = Duration::from_secs(30);

/// Where the workers of one function reach rekey.
pub struct WorkerSetup {
    /// The function's ARN (its region is the workers' `AWS_REGION`).
    pub function_arn: String,
    /// The Runtime API's bound address.
    pub api: SocketAddr,
    /// The Secrets Manager endpoint and its CA.
    pub callback: Callback,
    /// The region when the ARN names none.
    pub default_region: String,
}

/// Starts and supervises the configured workers (none without a command).
pub fn supervise(setup: WorkerSetup, config: RuntimeConfig, queue: Arc<RuntimeQueue>) {
    let setup = Arc::new(setup);
    let config = Arc::new(config);
    for n in 0..config.worker_count() {
        let (setup, config, queue) = (setup.clone(), config.clone(), queue.clone());
        tokio::spawn(async move { run_worker(n, &setup, &config, &queue).await });
    }
}

async fn run_worker(n: usize, setup: &WorkerSetup, config: &RuntimeConfig, queue: &RuntimeQueue) {
    let mut pause = FIRST_PAUSE;
    loop {
        let token = queue.add_worker();
        let started = Instant::now();
        let outcome = match command(setup, config, &token).spawn() {
            Ok(mut child) => match watch(&mut child) {
                Ok(output) => {
                    queue.watch_output(&token, output.clone());
                    tokio::spawn(output.pump());
                    child.wait().await.map(|s| s.to_string()).map_err(|e| e.to_string())
                }
                Err(e) => {
                    let _ = child.kill().await;
                    Err(format!("its output could not be read: {e}"))
                }
            },
            Err(e) => Err(e.to_string()),
        };
        queue.remove_worker(&token);
        if started.elapsed() >= HEALTHY {
            pause = FIRST_PAUSE;
        }
        match outcome {
            Ok(status) => {
                tracing::warn!(function = setup.function_arn, worker = n, %status, restart_in = ?pause, "runtime worker exited")
            }
            Err(error) => {
                tracing::warn!(function = setup.function_arn, worker = n, error, restart_in = ?pause, "runtime worker could not run")
            }
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// The worker's stdout and stderr, to be kept as its steps' logs.
fn watch(child: &mut tokio::process::Child) -> std::io::Result<Arc<WorkerOutput>> {
    let missing = || std::io::Error::other("no pipe");
    WorkerOutput::new(child.stdout.take().ok_or_else(missing)?, child.stderr.take().ok_or_else(missing)?)
}

/// The worker's command line and environment.
fn command(setup: &WorkerSetup, config: &RuntimeConfig, token: &str) -> tokio::process::Command {
    let (program, args) = config.command.split_first().expect("checked: a command");
    let mut cmd = tokio::process::Command::new(program);
    cmd.env_clear();
    for var in INHERITED {
        if let Some(v) = std::env::var_os(var) {
            cmd.env(var, v);
        }
    }
    // Workers reach the API on loopback (the configuration checked it).
    let ip = if setup.api.ip().is_unspecified() {
        match setup.api {
            SocketAddr::V4(_) => std::net::IpAddr::from([127, 0, 0, 1]),
            SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
        }
    } else {
        setup.api.ip()
    };
    let api = SocketAddr::new(ip, setup.api.port());
    let region = super::functions::function_region(&setup.function_arn).unwrap_or(&setup.default_region);
    cmd.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .env("AWS_LAMBDA_RUNTIME_API", format!("{api}/{token}"))
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", format!("http://{api}/credentials"))
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", token)
        .env("SECRETS_MANAGER_ENDPOINT", &setup.callback.endpoint)
        .env("AWS_ENDPOINT_URL", &setup.callback.endpoint)
        .env("AWS_REGION", region)
        .env("AWS_DEFAULT_REGION", region)
        .env("AWS_LAMBDA_FUNCTION_NAME", super::functions::function_name(&setup.function_arn))
        // A line is kept as the log of the step being run when it reaches
        // rekey: Python must not hold it back in a buffer.
        .env("PYTHONUNBUFFERED", "1")
        .envs(&config.env);
    if let Some(ca) = &setup.callback.ca_bundle {
        cmd.env("AWS_CA_BUNDLE", ca);
    }
    if let Some(dir) = &config.cwd {
        cmd.current_dir(dir);
    }
    crate::children::die_with_rekey(&mut cmd);
    cmd
}
