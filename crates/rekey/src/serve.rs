//! `rekey serve`: open the data directory (store and master key), then
//! serve the API.

use crate::backend::Backend;
use crate::config::Config;
use clap::Args;
use rekey_model::name::{AccountId, Region};
use rekey_postgres::PgStore;
use rekey_rotation::functions::Callback;
use rekey_rotation::registry::FunctionRegistry;
use rekey_rotation::{Rotation, RotationEngine};
use rekey_server::context::{Authenticator, DevIdentity, SignedIdentity};
use rekey_service::{Clock, ManualClock, OffsetClock, Service, SystemClock};
use rekey_store::master_key;
use rekey_store::seal::{MasterKey, Seal};
use rekey_store::sqlite::SqliteStore;
use rekey_store::{ClockStore, Keyring};
use serde::Deserialize;
use std::net::SocketAddr;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Options of `rekey serve`. Each can also be given in the configuration
/// file's `[server]` table (same name, `_` for `-`) and by an environment
/// variable (`REKEY_` and the name in capitals); a flag wins over the
/// variable, which wins over the file.
#[derive(Args, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port) [default: 127.0.0.1:4584].
    #[arg(long, env = "REKEY_LISTEN")]
    listen: Option<SocketAddr>,
    /// Directory holding the database and the master key [default: ./rekey-data].
    #[arg(long, env = "REKEY_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Keep everything in this PostgreSQL database (`postgres://user@host/db`)
    /// instead of the data directory's embedded store: several nodes may
    /// serve one deployment from it. The data directory still holds the
    /// master key file (every node needs the same key) and backups.
    #[arg(long, env = "REKEY_STORE", value_name = "URL")]
    store: Option<String>,
    /// Development mode: accept any credentials (no authentication).
    #[arg(long, env = "REKEY_DEV", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    dev: Option<bool>,
    /// Account of callers whose access key id is not a 12-digit account id [default: 000000000000].
    #[arg(long, env = "REKEY_ACCOUNT")]
    account: Option<String>,
    /// Region of requests that carry no credential scope [default: us-east-1].
    #[arg(long, env = "REKEY_REGION")]
    region: Option<String>,
    /// The master key file (default: <data-dir>/master.key). The key may
    /// instead come from the environment variable REKEY_MASTER_KEY (64 hex
    /// characters) or from --master-key-command.
    #[arg(long, env = "REKEY_MASTER_KEY_FILE")]
    master_key_file: Option<PathBuf>,
    /// A shell command that prints the master key (64 hex characters), run
    /// once at start: a KMS decrypt, an HSM or Vault transit fetch.
    #[arg(long, env = "REKEY_MASTER_KEY_COMMAND")]
    master_key_command: Option<String>,
    /// Seconds between passes of the purge of deleted secrets [default: 60].
    #[arg(long, env = "REKEY_PURGE_INTERVAL")]
    purge_interval: Option<u64>,
    /// The configuration file (server options, rotation settings and functions).
    #[arg(long, env = "REKEY_CONFIG")]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// Serve plain HTTP on a non-loopback address (put a TLS terminator in
    /// front); without it rekey refuses, so as not to send secrets in the clear.
    #[arg(long, env = "REKEY_ALLOW_PLAIN_HTTP", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    allow_plain_http: Option<bool>,
    /// Threads answering requests (default: one per CPU but one, at least one).
    #[arg(long, env = "REKEY_WORKERS")]
    workers: Option<usize>,
    /// Serve HTTPS with this PEM certificate chain (with --tls-key).
    #[arg(long, env = "REKEY_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert.
    #[arg(long, env = "REKEY_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// With --dev: serve HTTPS with a self-signed certificate for
    /// localhost, written to <data-dir>/dev-cert.pem (give it to clients
    /// as --ca-bundle / AWS_CA_BUNDLE).
    #[arg(long, env = "REKEY_DEV_TLS", num_args = 0..=1, require_equals = true, default_missing_value = "true")]
    dev_tls: Option<bool>,
    /// Connections open at once; beyond it new clients wait to be accepted [default: 4096].
    #[arg(long, env = "REKEY_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Seconds a client has to send a request's headers (or finish a TLS
    /// handshake); also how long an idle keep-alive connection stays open [default: 20].
    #[arg(long, env = "REKEY_HEADER_TIMEOUT")]
    header_timeout: Option<u64>,
    /// Seconds a client has to send a request's body once its headers are accepted [default: 30].
    #[arg(long, env = "REKEY_BODY_TIMEOUT")]
    body_timeout: Option<u64>,
    /// With --dev: the clock stands still at this UTC instant
    /// (`2027-01-01T08:00:00Z`) and moves only with `rekey admin clock`,
    /// so that every timestamp in a transcript is the same from run to run.
    #[arg(long, env = "REKEY_STOPPED_CLOCK", value_name = "INSTANT")]
    stopped_clock: Option<String>,
    /// The log's format: `text` (for people) or `json` (one object per
    /// line, for log shippers) [default: text].
    #[arg(long, env = "REKEY_LOG_FORMAT", value_name = "FORMAT")]
    log_format: Option<LogFormat>,
}

/// How the log is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Lines for people.
    Text,
    /// One JSON object per line.
    Json,
}

/// The options once the flags, the environment and the file are merged.
struct Settings {
    listen: SocketAddr,
    data_dir: PathBuf,
    store: Option<String>,
    dev: bool,
    account: String,
    region: String,
    master_key_file: Option<PathBuf>,
    master_key_command: Option<String>,
    purge_interval: u64,
    allow_plain_http: bool,
    workers: Option<usize>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    dev_tls: bool,
    max_connections: usize,
    header_timeout: u64,
    body_timeout: u64,
    stopped_clock: Option<String>,
}

impl ServeArgs {
    /// The configuration file these options name, if any.
    pub fn config_file(&self) -> Option<&Path> {
        self.config.as_deref()
    }

    /// The log format the options (or the file's `[server]`) ask for.
    pub fn log_format(&self, file: &ServeArgs) -> LogFormat {
        self.log_format.or(file.log_format).unwrap_or(LogFormat::Text)
    }

    /// These options over the file's `[server]` table, with the defaults
    /// for what neither gives; refuses combinations that make no sense.
    fn settle(self, file: ServeArgs) -> Result<Settings, String> {
        let settings = Settings {
            listen: self.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 4584))),
            data_dir: self.data_dir.or(file.data_dir).unwrap_or_else(|| PathBuf::from("./rekey-data")),
            store: self.store.or(file.store),
            dev: self.dev.or(file.dev).unwrap_or(false),
            account: self.account.or(file.account).unwrap_or_else(|| "000000000000".into()),
            region: self.region.or(file.region).unwrap_or_else(|| "us-east-1".into()),
            master_key_file: self.master_key_file.or(file.master_key_file),
            master_key_command: self.master_key_command.or(file.master_key_command),
            purge_interval: self.purge_interval.or(file.purge_interval).unwrap_or(60),
            allow_plain_http: self.allow_plain_http.or(file.allow_plain_http).unwrap_or(false),
            workers: self.workers.or(file.workers),
            tls_cert: self.tls_cert.or(file.tls_cert),
            tls_key: self.tls_key.or(file.tls_key),
            dev_tls: self.dev_tls.or(file.dev_tls).unwrap_or(false),
            max_connections: self.max_connections.or(file.max_connections).unwrap_or(4096),
            header_timeout: self.header_timeout.or(file.header_timeout).unwrap_or(20),
            body_timeout: self.body_timeout.or(file.body_timeout).unwrap_or(30),
            stopped_clock: self.stopped_clock.or(file.stopped_clock),
        };
        if settings.tls_cert.is_some() != settings.tls_key.is_some() {
            return Err("--tls-cert and --tls-key go together".into());
        }
        if settings.dev_tls && (!settings.dev || settings.tls_cert.is_some()) {
            return Err("--dev-tls needs --dev, and no --tls-cert".into());
        }
        if settings.stopped_clock.is_some() && !settings.dev {
            return Err("--stopped-clock needs --dev".into());
        }
        if let Some(url) = &settings.store
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err("--store takes a PostgreSQL URL (postgres://user@host/db); without it the data directory's embedded store is used".into());
        }
        if settings.master_key_file.is_some() && settings.master_key_command.is_some() {
            return Err("give the master key one way: --master-key-command or --master-key-file".into());
        }
        Ok(settings)
    }
}

/// How the server speaks TLS.
struct Tls {
    config: Arc<rustls::ServerConfig>,
    /// The self-signed certificate local clients (exec rotation functions)
    /// must trust, for `--dev-tls`.
    self_signed: Option<PathBuf>,
}

/// The TLS configuration the flags ask for.
fn tls_config(args: &Settings) -> Result<Option<Tls>, String> {
    if let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) {
        return Ok(Some(Tls { config: rekey_server::tls::load(cert, key)?, self_signed: None }));
    }
    if !args.dev_tls {
        return Ok(None);
    }
    let (cert, key) = rekey_server::tls::self_signed(&[])?;
    let cert_path = args.data_dir.join("dev-cert.pem");
    let key_path = args.data_dir.join("dev-key.pem");
    write_private(&key_path, key.as_bytes(), true)?;
    write_private(&cert_path, cert.as_bytes(), true)?;
    let config = rekey_server::tls::load(&cert_path, &key_path)?;
    Ok(Some(Tls { config, self_signed: Some(cert_path) }))
}

/// One core is left to the store's writer and fsync threads, and to
/// whatever shares the machine: with every core running a request worker,
/// measured GetSecretValue p99 on 2 cores doubles (2 ms against 1 ms) for
/// no gain in throughput.
fn default_workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1)).max(1)
}

/// Warns when other users may list or enter the data directory: its
/// files are 0600, but their names and sizes are not theirs to see, and a
/// directory others may write lets them replace files.
fn warn_if_shared(data_dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(data_dir)
        && meta.permissions().mode() & 0o077 != 0
    {
        let mode = meta.permissions().mode() & 0o777;
        tracing::warn!(
            path = %data_dir.display(),
            mode = format!("{mode:o}"),
            "the data directory is open to other users; `chmod 700` it"
        );
        eprintln!(
            "rekey: warning: the data directory {} has mode {mode:o}: other users may see into it; run `chmod 700 {}`",
            data_dir.display(),
            data_dir.display()
        );
    }
}

/// Where the master key comes from.
enum KeySource {
    /// A file (`explicit`: named by the operator, so never created).
    File { path: PathBuf, explicit: bool },
    /// `REKEY_MASTER_KEY`.
    Environment(zeroize::Zeroizing<String>),
    /// `--master-key-command`.
    Command(String),
}

impl KeySource {
    /// The source the options and environment name (at most one).
    fn of(args: &Settings) -> Result<KeySource, String> {
        let env = std::env::var("REKEY_MASTER_KEY").ok().filter(|v| !v.is_empty()).map(zeroize::Zeroizing::new);
        match (env, &args.master_key_command, &args.master_key_file) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                Err("give the master key one way: REKEY_MASTER_KEY, --master-key-command or --master-key-file".into())
            }
            (Some(hex), None, None) => Ok(KeySource::Environment(hex)),
            (None, Some(command), _) => Ok(KeySource::Command(command.clone())),
            (None, None, Some(path)) => Ok(KeySource::File { path: path.clone(), explicit: true }),
            (None, None, None) => Ok(KeySource::File { path: args.data_dir.join("master.key"), explicit: false }),
        }
    }
}

/// Opens the store (the data directory's, or the PostgreSQL database of
/// `store`) and unlocks its seal with the key of `source`: the store, its
/// seal, and the key file (if the key is one).
///
/// A new store with no key named gets a new master key file (0600) in the
/// data directory. An existing store must come with its key: a missing or
/// wrong key is refused, never replaced.
async fn open(
    data_dir: &Path,
    store: Option<&str>,
    source: KeySource,
) -> Result<(Arc<Backend>, Arc<Seal>, Option<PathBuf>), String> {
    if !data_dir.exists() {
        // Only the server's user may enter: the store holds names, tags and
        // wrapped keys.
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(data_dir)
            .map_err(|e| format!("cannot create data dir {}: {e}", data_dir.display()))?;
    }
    warn_if_shared(data_dir);
    let db = SqliteStore::file_in(data_dir);
    // A shared store is connected first: whether it is new is its to say.
    let (shared, existing, what) = match store {
        Some(url) => {
            let pg = PgStore::connect(url).await.map_err(|e| format!("cannot open the PostgreSQL store: {e}"))?;
            let keyed = rekey_store::seal::is_keyed(&pg).await.map_err(|e| e.to_string())?;
            (Some(pg), keyed, "the PostgreSQL store".to_string())
        }
        None => (None, db.exists(), format!("the store {}", db.display())),
    };
    /// What unlocks the store: a key in hand, or a key file (perhaps with
    /// a rotation to finish).
    enum Opening {
        Key(MasterKey, Option<PathBuf>),
        KeyFile(PathBuf),
    }
    let opening = match source {
        KeySource::Environment(hex) => {
            Opening::Key(MasterKey::from_hex(&hex, "REKEY_MASTER_KEY").map_err(|e| e.to_string())?, None)
        }
        KeySource::Command(command) => {
            Opening::Key(MasterKey::from_command(&command).map_err(|e| e.to_string())?, None)
        }
        KeySource::File { path, .. } if path.exists() => Opening::KeyFile(path),
        KeySource::File { path, .. } if existing => {
            return Err(format!(
                "{what} exists but its master key {} is missing; restore the key file or set REKEY_MASTER_KEY_FILE (refusing to start)",
                path.display()
            ));
        }
        KeySource::File { path, explicit: true } => {
            return Err(format!("master key file {} does not exist", path.display()));
        }
        KeySource::File { path, explicit: false } => {
            tracing::info!(path = %path.display(), "created a new master key; back it up: without it the store cannot be read");
            Opening::Key(MasterKey::create(&path).map_err(|e| e.to_string())?, Some(path))
        }
    };
    let store = Arc::new(match shared {
        Some(pg) => Backend::Postgres(pg),
        None => {
            Backend::Sqlite(SqliteStore::open(&db).map_err(|e| format!("cannot open store {}: {e}", db.display()))?)
        }
    });
    let (seal, file) = match opening {
        Opening::Key(key, file) => (Seal::unlock(store.as_ref(), key).await, file),
        Opening::KeyFile(path) => (master_key::open_key_file(store.as_ref(), &path).await, Some(path)),
    };
    Ok((store, Arc::new(seal.map_err(|e| e.to_string())?), file))
}

/// Runs the server until SIGINT/SIGTERM, with `config` (the file
/// `args` named, already read).
pub fn run(args: ServeArgs, mut config: Config) -> Result<(), String> {
    let args = args.settle(std::mem::take(&mut config.server))?;
    let account = AccountId::parse(&args.account).ok_or("--account must be a 12-digit account id")?;
    let workers = args.workers.unwrap_or_else(default_workers).max(1);
    let key_source = KeySource::of(&args)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .on_thread_park(crate::allocator::on_idle)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let (store, seal, key_file) = open(&args.data_dir, args.store.as_deref(), key_source).await?;
        tracing::info!(store = store.describe(), "store open");
        let sink_status = config.audit.sink.map(|sink| {
            let status = Arc::new(rekey_service::audit::SinkStatus::default());
            let owner = config.rotation.lease_owner().0;
            tokio::spawn(crate::audit_sink::deliver(store.clone(), sink, status.clone(), owner));
            status
        });
        let functions = FunctionRegistry::new(config.functions)?;
        let rotation = Rotation::new(functions, config.rotation);
        // --dev runs on a clock users can move forward (`rekey admin clock`).
        let clock: Arc<dyn Clock> = match (&args.stopped_clock, args.dev) {
            (Some(at), _) => {
                let ms = rekey_model::calendar::parse_utc(at)
                    .ok_or_else(|| format!("--stopped-clock {at}: expected e.g. 2027-01-01T08:00:00Z"))?;
                Arc::new(ManualClock::at(rekey_model::Timestamp::from_millis(ms)))
            }
            (None, true) => {
                // Where it was moved to before: stored dates stay in the past.
                let offset = store.dev_clock_offset().await.map_err(|e| e.to_string())?;
                let newest = store.newest_write().await.map_err(|e| e.to_string())?;
                let clock = OffsetClock::resuming(offset, newest);
                if let Some(ahead) = clock.offset_ms().filter(|ms| *ms > 0) {
                    tracing::info!(ahead_ms = ahead, "the --dev clock resumes ahead of the system's");
                }
                Arc::new(clock)
            }
            (None, false) => Arc::new(SystemClock),
        };
        let leaving = store.clone();
        let (store_shared, seal_kept) = (store.shared(), seal.clone());
        let service = Service::new(store, seal, clock)
            .with_admin_account(account.clone())
            .with_backup_dir(args.data_dir.join("backups"))
            .with_retention(config.retention.retention());
        let service = match key_file {
            Some(file) => {
                if store_shared {
                    tokio::spawn(rekey_store::master_rotation::watch(seal_kept.clone(), leaving.clone(), file.clone()));
                }
                service.with_master_key_file(file)
            }
            None => service,
        };
        let service = match sink_status {
            Some(status) => service.with_audit_sink(status),
            None => service,
        };
        let engine = RotationEngine::new(service, rotation);
        let service = engine.service().clone();
        tokio::spawn(service.clone().run_purger(Duration::from_secs(args.purge_interval.max(1))));
        let plain = args.tls_cert.is_none() && !args.dev_tls;
        if !args.dev && plain && !args.listen.ip().is_loopback() && !args.allow_plain_http {
            return Err(format!(
                "refusing to serve plain HTTP on {}: secrets would travel in the clear. Listen on a loopback address behind a TLS terminator, or pass --allow-plain-http",
                args.listen
            ));
        }
        let tls = tls_config(&args)?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let listener = tokio::net::TcpListener::bind(args.listen).await.map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let host = callback_addr(addr);
        // A certificate names `localhost`, not the loopback IP alone.
        let host = if tls.is_some() && host.ip().is_loopback() { format!("localhost:{}", host.port()) } else { host.to_string() };
        engine.rotation().set_callback(Callback {
            endpoint: format!("{scheme}://{host}"),
            ca_bundle: tls.as_ref().and_then(|t| t.self_signed.clone()),
            authenticated: !args.dev,
        });
        for (arn, config, queue) in engine.rotation().functions().runtimes() {
            let listen = config.listen;
            let runtime = tokio::net::TcpListener::bind(listen)
                .await
                .map_err(|e| format!("cannot listen on {listen} (runtime API of {arn}): {e}"))?;
            let at = runtime.local_addr().map_err(|e| e.to_string())?;
            println!("rekey runtime API for {arn} on {at}");
            let app = rekey_server::runtime_api::router(queue.clone(), config.token.as_deref(), config.worker_count() > 0);
            tokio::spawn(async move { axum_serve(runtime, app).await });
            let setup = rekey_rotation::workers::WorkerSetup {
                function_arn: arn.clone(),
                api: at,
                callback: engine.rotation().callback().cloned().unwrap_or_default(),
                default_region: args.region.clone(),
            };
            rekey_rotation::workers::supervise(setup, config.clone(), queue.clone());
        }
        tokio::spawn(engine.clone().run_rotations());
        tokio::spawn(engine.clone().run_scheduler());
        let auth = if args.dev {
            eprintln!(
                "\n  *** rekey is running in DEV mode: requests are NOT authenticated; any credentials are accepted. ***\n  *** Do not store real secrets in a dev server reachable by others. ***\n"
            );
            Authenticator::Dev(DevIdentity { default_account: account, default_region: Region::new(args.region) })
        } else {
            let path = args.data_dir.join("admin-credentials");
            if !service.has_access_keys().await.map_err(|e| e.message)?
                && create_admin_key(&service, account, &path).await?
            {
                eprintln!(
                    "rekey: created an administrator access key for account {}; it is in {} (mode 0600), profile rekey-admin:\n  AWS_SHARED_CREDENTIALS_FILE={} aws --profile rekey-admin --region {} --endpoint-url {scheme}://{addr} secretsmanager list-secrets",
                    args.account,
                    path.display(),
                    path.display(),
                    args.region
                );
            }
            Authenticator::SigV4(SignedIdentity::new())
        };
        // Tests and scripts read the address from this line.
        println!("rekey listening on {scheme}://{addr}");
        let tls = tls.map(|t| t.config);
        let limits = rekey_server::Limits {
            max_connections: args.max_connections.max(1),
            header_timeout: Duration::from_secs(args.header_timeout.max(1)),
            body_timeout: Duration::from_secs(args.body_timeout.max(1)),
        };
        // SIGTERM: first the engine stops and gives up its rotation leases
        // (so a step whose callbacks fail while the server drains is not
        // saved as a failed attempt, and the jobs resume at once
        // elsewhere); then the server stops accepting and lets requests in
        // flight finish.
        let stopping = async move {
            shutdown_signal().await;
            engine.shut_down().await;
            leaving.leave().await;
        };
        rekey_server::serve(listener, tls, service, auth, limits, stopping).await.map_err(|e| e.to_string())
    })
}

/// Creates the first administrator key (the account's root) and writes it
/// as an AWS credentials-file profile, readable by the owner only.
/// Makes the first start's administrator key and writes it to `path`;
/// false when another node starting at the same time made it first (that
/// node's data directory holds it).
async fn create_admin_key(service: &Service<Backend>, account: AccountId, path: &Path) -> Result<bool, String> {
    let Some((id, secret)) = service.create_first_access_key(account.clone()).await.map_err(|e| e.message)? else {
        tracing::info!("another node made the administrator key");
        return Ok(false);
    };
    let text = zeroize::Zeroizing::new(format!(
        "# rekey administrator key of account {account}: the account's root. Keep it safe.\n[rekey-admin]\naws_access_key_id = {id}\naws_secret_access_key = {}\n",
        secret.as_str()
    ));
    write_private(path, text.as_bytes(), false).map(|_| true)
}

/// Writes a file only its owner may read (0600); `replace` allows an
/// existing one to be overwritten.
fn write_private(path: &Path, bytes: &[u8], replace: bool) -> Result<(), String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let err = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
    if replace && path.exists() {
        std::fs::remove_file(path).map_err(err)?;
    }
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(err)?;
    file.write_all(bytes).and_then(|_| file.sync_all()).map_err(err)
}

/// Where local rotation functions reach this server: the listening
/// address, with a wildcard IP replaced by loopback.
fn callback_addr(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        std::net::IpAddr::V4(ip) if ip.is_unspecified() => SocketAddr::from(([127, 0, 0, 1], addr.port())),
        std::net::IpAddr::V6(ip) if ip.is_unspecified() => {
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, addr.port()))
        }
        _ => addr,
    }
}

async fn axum_serve(listener: tokio::net::TcpListener, app: rekey_server::Router) {
    if let Err(e) = rekey_server::serve_router(listener, app).await {
        tracing::error!(error = %e, "runtime API server stopped");
    }
}

async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).expect("SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
    tracing::info!("shutting down");
}
