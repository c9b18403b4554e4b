//! How a node hears what the others changed: each change to a secret
//! sends, in its transaction, a notification on the [`channel`] naming the
//! secret (and the versions whose sealed values were replaced or
//! deleted); PostgreSQL delivers it to every listening node when the
//! transaction commits, and each node forgets those entries of its cache.
//!
//! The staleness window: from another node's commit until its
//! notification arrives here (measured in `bench/README.md`), a read
//! served from this node's cache may return the state from before that
//! commit. A change made through this node is never read stale here: the
//! node forgets the secret before it answers the change. While the
//! listening connection is down, notifications may be lost, so the cache
//! is not used at all; when it is back, the cache starts empty.

use crate::Db;
use rekey_store::StoreError;
use rekey_store::cache::{Published, StateCache};
use serde::{Deserialize, Serialize};
use sqlx::PgPool;
use sqlx::postgres::PgListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The channel changes are announced on: one per schema (notifications
/// are the database's, and two deployments may share one database in
/// two schemas), within PostgreSQL's 63 bytes of a name.
pub fn channel(schema: &str) -> String {
    let mut name = format!("rekey_changes_{schema}");
    while name.len() > 63 {
        name.pop();
    }
    name
}

/// PostgreSQL refuses payloads of 8000 bytes or more; a change whose
/// versions would not fit says only "forget everything of this secret".
const PAYLOAD_MAX: usize = 7_000;

/// What a notification says.
#[derive(Debug, Serialize, Deserialize)]
pub struct Changed {
    /// The sending process ([`crate::PgStore`]'s instance).
    pub i: String,
    /// The secret's account, region and name.
    pub a: String,
    /// Region.
    pub r: String,
    /// Name.
    pub n: String,
    /// Its store key.
    pub p: i64,
    /// Versions whose sealed values were replaced or deleted (`None`:
    /// too many to say; all of the secret's).
    pub v: Option<Vec<String>>,
}

impl Changed {
    /// The payload.
    pub fn payload(mut self) -> String {
        let text = serde_json::to_string(&self).expect("a notification serializes");
        if text.len() <= PAYLOAD_MAX {
            return text;
        }
        self.v = None;
        serde_json::to_string(&self).expect("a notification serializes")
    }
}

/// The listening connection and what it keeps true.
pub struct Listener {
    listener: PgListener,
    pool: PgPool,
    channel: Arc<str>,
    cache: Arc<StateCache>,
    listening: Arc<AtomicBool>,
    instance: Arc<str>,
}

async fn subscribe(pool: &PgPool, channel: &str) -> Result<PgListener, StoreError> {
    let mut listener = PgListener::connect_with(pool).await.db()?;
    listener.listen(channel).await.db()?;
    Ok(listener)
}

impl Listener {
    /// Subscribes; the cache is used from now on.
    pub async fn start(
        pool: &PgPool,
        channel: &Arc<str>,
        cache: Arc<StateCache>,
        listening: Arc<AtomicBool>,
        instance: Arc<str>,
    ) -> Result<Self, StoreError> {
        let listener = subscribe(pool, channel).await?;
        listening.store(true, Ordering::SeqCst);
        Ok(Listener { listener, pool: pool.clone(), channel: channel.clone(), cache, listening, instance })
    }

    /// Applies notifications until the store is dropped.
    pub async fn run(mut self) {
        loop {
            match self.listener.try_recv().await {
                Ok(Some(n)) => self.apply(n.payload()),
                // The connection dropped and was made again: what was sent
                // meanwhile is lost.
                Ok(None) => self.cache.clear(),
                Err(e) => {
                    self.listening.store(false, Ordering::SeqCst);
                    self.cache.clear();
                    tracing::warn!(error = %e, "lost the database's change notifications; the cache is off until they are back");
                    loop {
                        tokio::time::sleep(Duration::from_millis(500)).await;
                        match subscribe(&self.pool, &self.channel).await {
                            Ok(listener) => {
                                self.listener = listener;
                                break;
                            }
                            Err(e) => tracing::debug!(error = %e, "change notifications: still down"),
                        }
                    }
                    // Reads that started while it was off cannot be cached.
                    self.cache.clear();
                    self.listening.store(true, Ordering::SeqCst);
                    tracing::info!("change notifications are back; the cache is on");
                }
            }
        }
    }

    fn apply(&self, payload: &str) {
        let Ok(changed) = serde_json::from_str::<Changed>(payload) else {
            tracing::warn!("a change notification did not parse; forgetting the whole cache");
            self.cache.clear();
            return;
        };
        if *changed.i == *self.instance {
            return;
        }
        let (Some(account), Ok(name)) =
            (rekey_model::name::AccountId::parse(&changed.a), rekey_model::name::SecretName::parse(&changed.n))
        else {
            self.cache.clear();
            return;
        };
        let ns = rekey_model::name::Namespace { account, region: rekey_model::name::Region::new(changed.r) };
        match changed.v {
            Some(versions) => {
                self.cache.forget_values(changed.p, versions.into_iter().map(rekey_model::staging::VersionId::new))
            }
            None => self.cache.forget_secret_values(changed.p),
        }
        self.cache.publish([((ns, name), Published::Forget)]);
    }
}
