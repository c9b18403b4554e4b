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
use rekey_model::name::{AccountId, Namespace, Region, SecretName};
use rekey_model::staging::VersionId;
use rekey_store::StoreError;
use rekey_store::cache::{Published, StateCache};
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use sqlx::{PgConnection, PgPool};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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

/// What a notification says, and which process sent it (`i`: a node
/// skips its own).
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "t")]
pub enum Notice {
    /// A secret changed.
    #[serde(rename = "s")]
    Secret {
        /// The sender.
        i: String,
        /// The secret's account.
        a: String,
        /// Its region.
        r: String,
        /// Its name.
        n: String,
        /// Its store key.
        p: i64,
        /// Versions whose sealed values were replaced or deleted (`None`:
        /// too many to say; all of the secret's).
        v: Option<Vec<String>>,
    },
    /// An account, user, policy or access key changed: caches of keys and
    /// grants look again.
    #[serde(rename = "p")]
    Principals {
        /// The sender.
        i: String,
    },
}

/// Sends notices on a store's channel, as one process.
#[derive(Clone)]
pub struct Notifier {
    /// The channel (see [`channel`]).
    pub channel: Arc<str>,
    /// This process's name in notices.
    pub instance: Arc<str>,
}

impl Notifier {
    async fn send(&self, conn: &mut PgConnection, notice: &Notice) -> Result<(), sqlx::Error> {
        let text = serde_json::to_string(notice).expect("a notice serializes");
        sqlx::query("SELECT pg_notify($1, $2)").bind(&*self.channel).bind(text).execute(conn).await?;
        Ok(())
    }

    /// Tells the others, when the caller's transaction commits, that the
    /// secret `name` (store key `pk`) changed, and which `versions`' values
    /// went.
    pub async fn secret(
        &self,
        conn: &mut PgConnection,
        ns: &Namespace,
        name: &SecretName,
        pk: i64,
        versions: Vec<String>,
    ) -> Result<(), sqlx::Error> {
        let text = self.secret_notice(ns, name, pk, versions);
        sqlx::query("SELECT pg_notify($1, $2)").bind(&*self.channel).bind(text).execute(conn).await?;
        Ok(())
    }

    /// The text of [`secret`](Self::secret)'s notice, for a statement that
    /// sends it itself (`pg_notify` on [`channel`](Self::channel)).
    pub fn secret_notice(&self, ns: &Namespace, name: &SecretName, pk: i64, versions: Vec<String>) -> String {
        let mut notice = Notice::Secret {
            i: self.instance.to_string(),
            a: ns.account.to_string(),
            r: ns.region.to_string(),
            n: name.to_string(),
            p: pk,
            v: Some(versions),
        };
        if serde_json::to_string(&notice).map_or(0, |t| t.len()) > PAYLOAD_MAX
            && let Notice::Secret { v, .. } = &mut notice
        {
            *v = None;
        }
        serde_json::to_string(&notice).expect("a notice serializes")
    }

    /// Tells the others, when the caller's transaction commits, that a
    /// principal changed.
    pub async fn principals(&self, conn: &mut PgConnection) -> Result<(), sqlx::Error> {
        self.send(conn, &Notice::Principals { i: self.instance.to_string() }).await
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
    principals: Arc<AtomicU64>,
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
        principals: Arc<AtomicU64>,
    ) -> Result<Self, StoreError> {
        let listener = subscribe(pool, channel).await?;
        listening.store(true, Ordering::SeqCst);
        Ok(Listener { listener, pool: pool.clone(), channel: channel.clone(), cache, listening, instance, principals })
    }

    /// Applies notifications until the store is dropped.
    pub async fn run(mut self) {
        loop {
            match self.listener.try_recv().await {
                Ok(Some(n)) => self.apply(n.payload()),
                // The connection dropped and was made again: what was sent
                // meanwhile is lost.
                Ok(None) => self.lost(),
                Err(e) => {
                    self.listening.store(false, Ordering::SeqCst);
                    self.lost();
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
                    self.lost();
                    self.listening.store(true, Ordering::SeqCst);
                    tracing::info!("change notifications are back; the cache is on");
                }
            }
        }
    }

    /// Notices may have been missed: nothing cached can be trusted.
    fn lost(&self) {
        self.cache.clear();
        self.principals.fetch_add(1, Ordering::SeqCst);
    }

    fn apply(&self, payload: &str) {
        // A node's own principal notices count too: a change whose request
        // was dropped after its commit moves this node's generation all the
        // same (they are rare; a secret's own change is forgotten by the
        // task that commits it).
        let notice = match serde_json::from_str::<Notice>(payload) {
            Ok(Notice::Secret { i, .. }) if *i == *self.instance => return,
            Ok(notice) => notice,
            Err(_) => {
                tracing::warn!("a change notification did not parse; forgetting everything cached");
                self.lost();
                return;
            }
        };
        let Notice::Secret { a, r, n, p, v, .. } = notice else {
            self.principals.fetch_add(1, Ordering::SeqCst);
            return;
        };
        let (Some(account), Ok(name)) = (AccountId::parse(&a), SecretName::parse(&n)) else {
            self.lost();
            return;
        };
        match v {
            Some(versions) => self.cache.forget_values(p, versions.into_iter().map(VersionId::new)),
            None => self.cache.forget_secret_values(p),
        }
        self.cache.publish([((Namespace { account, region: Region::new(r) }, name), Published::Forget)]);
    }
}
