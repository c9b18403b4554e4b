//! The audit sink: streams the trail, as it is committed, to a file (or
//! stdout) for log shippers, one line per batch in the shape CloudTrail
//! writes its files in (`{"Records":[…]}`).
//!
//! The store holds the trail; the sink follows it from where it last
//! stopped (a cursor kept in the store), so a sink that fails (a full
//! disk, a path that is gone) never holds up a request: delivery waits and
//! retries, and what was committed meanwhile goes out when the sink is
//! back. A line is written and synced before the cursor moves past it, so
//! nothing is skipped; a crash between the two delivers that line again
//! (consumers dedupe by `eventID`). The file is opened for each batch, so
//! an outside rotation (logrotate) or a repaired path takes effect at
//! once; rekey rotates it itself by size and age.

use rekey_service::audit::SinkStatus;
use rekey_store::Store;
use serde::Deserialize;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Records per line at most.
const BATCH: usize = 1000;
/// How often the sink looks for new records when it is idle.
const IDLE: Duration = Duration::from_millis(200);
/// The longest wait between attempts of a failing sink.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The cursor's name in the store.
const SINK: &str = "sink";
/// How long a node holds the right to deliver (renewed at every pass):
/// nodes sharing a store deliver one at a time, and another takes over
/// this long after the one delivering died.
const HOLD: Duration = Duration::from_secs(15);

/// `[audit.sink]` in the configuration file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkConfig {
    /// The file (created 0600), or `-` for standard output.
    pub path: PathBuf,
    /// A file this large is rotated (renamed with the time) before the next line.
    #[serde(default = "default_max_bytes")]
    pub max_file_bytes: u64,
    /// A file this old (by its first line) is rotated before the next line.
    #[serde(default = "default_max_age")]
    pub max_file_age_seconds: u64,
    /// Rotated files kept beside the current one, the newest (0: all; a
    /// log shipper that takes them away needs none kept).
    #[serde(default)]
    pub max_files: usize,
}

fn default_max_bytes() -> u64 {
    64 * 1024 * 1024
}

fn default_max_age() -> u64 {
    3600
}

fn now_ms() -> i64 {
    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_millis() as i64
}

/// Runs the sink until the process ends, as `owner` (this node's name:
/// nodes sharing a store take turns, one delivering at a time).
pub async fn deliver<S: Store>(store: Arc<S>, config: SinkConfig, status: Arc<SinkStatus>, owner: String) {
    let mut backoff = Duration::from_secs(1);
    let mut failing = false;
    if let Ok(delivered) = store.audit_delivered(SINK).await {
        status.delivered(delivered);
    }
    // Until when this node holds the sink (renewed when a third is gone:
    // not a write at every idle pass).
    let mut held_until = 0;
    loop {
        let now = now_ms();
        if held_until - now < HOLD.as_millis() as i64 * 2 / 3 {
            let until = now + HOLD.as_millis() as i64;
            let (at, to) = (rekey_model::Timestamp::from_millis(now), rekey_model::Timestamp::from_millis(until));
            match store.hold_sink(SINK, &owner, at, to).await {
                Ok(true) => held_until = until,
                Ok(false) => {
                    // Another node delivers; this one stands by.
                    held_until = 0;
                    tokio::time::sleep(IDLE * 5).await;
                    continue;
                }
                Err(e) => {
                    tracing::warn!(error = %e, "audit sink: cannot tell who delivers");
                    tokio::time::sleep(IDLE).await;
                    continue;
                }
            }
        }
        let batch = match store.audit_delivered(SINK).await {
            Ok(after) => store.audit_since(after, BATCH).await,
            Err(e) => Err(e),
        };
        let batch = match batch {
            Ok(b) if b.is_empty() => {
                tokio::time::sleep(IDLE).await;
                continue;
            }
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "audit sink: cannot read the trail");
                tokio::time::sleep(IDLE).await;
                continue;
            }
        };
        let last = batch.last().map(|(seq, _)| *seq).unwrap_or_default();
        let mut line = String::from("{\"Records\":[");
        for (i, (_, record)) in batch.iter().enumerate() {
            if i > 0 {
                line.push(',');
            }
            line.push_str(record);
        }
        line.push_str("]}\n");
        let c = config.clone();
        let written = tokio::task::spawn_blocking(move || write_line(&c, line.as_bytes()))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())));
        match written {
            Ok(()) => {
                if let Err(e) = store.set_audit_delivered(SINK, last).await {
                    tracing::warn!(error = %e, "audit sink: cannot record its progress");
                }
                status.delivered(last);
                if failing {
                    tracing::info!("audit sink: delivering again");
                }
                failing = false;
                backoff = Duration::from_secs(1);
            }
            Err(e) => {
                if !failing {
                    tracing::error!(path = %config.path.display(), error = %e, "audit sink failing; records wait in the store");
                }
                failing = true;
                let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
                status.failing(now.as_millis() as i64);
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

/// Appends `line` to the sink and makes it durable, rotating the file first
/// when it is too large or too old.
fn write_line(config: &SinkConfig, line: &[u8]) -> std::io::Result<()> {
    if config.path == Path::new("-") {
        let mut out = std::io::stdout().lock();
        out.write_all(line)?;
        return out.flush();
    }
    if let Ok(meta) = std::fs::metadata(&config.path) {
        let age =
            meta.created().or_else(|_| meta.modified()).ok().and_then(|t| SystemTime::now().duration_since(t).ok());
        let too_old = age.is_some_and(|a| a.as_secs() >= config.max_file_age_seconds) && meta.len() > 0;
        if meta.is_file() && (meta.len() + line.len() as u64 > config.max_file_bytes || too_old) {
            std::fs::rename(&config.path, rotated_name(&config.path))?;
            if config.max_files > 0 {
                drop_oldest(&config.path, config.max_files);
            }
        }
    }
    let mut file = std::fs::OpenOptions::new().create(true).append(true).mode(0o600).open(&config.path)?;
    file.write_all(line)?;
    file.sync_data()
}

/// Removes the oldest rotated files of `path` beyond the newest `keep`
/// (their names sort by the time they were rotated).
fn drop_oldest(path: &Path, keep: usize) {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name().and_then(|n| n.to_str())) else { return };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let prefix = format!("{name}.");
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut rotated: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(&prefix)))
        .collect();
    rotated.sort();
    let excess = rotated.len().saturating_sub(keep);
    for old in &rotated[..excess] {
        if let Err(e) = std::fs::remove_file(old) {
            tracing::warn!(path = %old.display(), error = %e, "audit sink: cannot remove an old file");
        }
    }
}

/// `trail.jsonl` → `trail.jsonl.20270101T080000.123Z`.
fn rotated_name(path: &Path) -> PathBuf {
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let stamp = rekey_model::calendar::format_utc(now.as_millis() as i64).replace(['-', ':'], "");
    let stamp = stamp.replace('Z', &format!(".{:03}Z", now.subsec_millis()));
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{stamp}"));
    PathBuf::from(name)
}
