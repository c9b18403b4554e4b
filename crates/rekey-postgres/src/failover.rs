//! Several database hosts, one of them the primary: a store URL may name a
//! list of hosts, as libpq's do (`postgres://user@db1:5432,db2:5432/rekey?
//! target_session_attrs=read-write`), and the store's connections go to
//! the one that accepts writes. When it stops answering (killed, or
//! demoted), a watchdog looks for the host that accepts writes now (the
//! standby its operators promoted) and points the pool there: new
//! connections go to it, and those to the old primary fail and are
//! dropped. rekey only writes, so it always wants the writable host,
//! whatever `target_session_attrs` says.
//!
//! Changes in flight when the primary goes fail (their callers get an
//! error and may retry); a change acknowledged before is on the standby
//! when it is synchronous (`synchronous_commit = on` and the standby in
//! `synchronous_standby_names`), which is the operators' part.

use rekey_store::StoreError;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgPool};
use std::time::Duration;

/// How often the watchdog checks the primary.
const CHECK_EVERY: Duration = Duration::from_millis(500);
/// How long a host has to answer a check.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The hosts a store URL names, in order.
#[derive(Debug, Clone)]
pub struct Hosts(pub Vec<PgConnectOptions>);

/// The URL's parameters that are rekey's, not sqlx's (it would log them):
/// `target_session_attrs` (see the module's docs) and `pool_max_conns`
/// (see [`crate::pool_max_conns`]).
const OWN_PARAMETERS: [&str; 2] = ["target_session_attrs=", "pool_max_conns="];

/// The URL's query without rekey's own parameters.
fn without_own_parameters(query: &str) -> String {
    query.split('&').filter(|p| !OWN_PARAMETERS.iter().any(|own| p.starts_with(own))).collect::<Vec<_>>().join("&")
}

impl Hosts {
    /// The hosts of `url`: one each for a list (`host1:port1,host2:port2`).
    /// Errors never echo the URL (it may hold a password).
    pub fn parse(url: &str) -> Result<Hosts, StoreError> {
        let bad = || StoreError::Database("the PostgreSQL URL does not parse (postgres://user@host/db)".into());
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((u, h)) => (format!("{u}@"), h),
            None => (String::new(), authority),
        };
        let tail = match tail.split_once('?') {
            Some((path, query)) => {
                let query = without_own_parameters(query);
                if query.is_empty() { path.to_string() } else { format!("{path}?{query}") }
            }
            None => tail.to_string(),
        };
        let options = hosts
            .split(',')
            .map(|host| format!("{scheme}://{userinfo}{host}{tail}").parse::<PgConnectOptions>().map_err(|_| bad()))
            .collect::<Result<Vec<_>, _>>()?;
        if options.is_empty() {
            return Err(bad());
        }
        Ok(Hosts(options))
    }

    /// Whether host `i` answers and accepts writes.
    async fn writable(&self, i: usize) -> bool {
        let check = async {
            let mut conn = self.0[i].connect().await.ok()?;
            let in_recovery: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()").fetch_one(&mut conn).await.ok()?;
            let _ = conn.close().await;
            Some(!in_recovery)
        };
        matches!(tokio::time::timeout(CHECK_TIMEOUT, check).await, Ok(Some(true)))
    }

    /// The first host that accepts writes, if any does.
    pub async fn primary(&self) -> Option<usize> {
        for i in 0..self.0.len() {
            if self.writable(i).await {
                return Some(i);
            }
        }
        None
    }

    /// The first host that accepts writes, waiting up to `patience` for one.
    pub async fn wait_for_primary(&self, patience: Duration) -> Result<usize, StoreError> {
        let start = std::time::Instant::now();
        loop {
            if let Some(i) = self.primary().await {
                return Ok(i);
            }
            if start.elapsed() >= patience {
                return Err(StoreError::Database("no PostgreSQL host named accepts writes".into()));
            }
            tokio::time::sleep(CHECK_EVERY).await;
        }
    }
}

/// Keeps `pool` pointed at the host that accepts writes, checking every
/// [`CHECK_EVERY`] (runs until the store is dropped).
pub async fn watch(pool: PgPool, hosts: Hosts, mut current: usize) {
    loop {
        tokio::time::sleep(CHECK_EVERY).await;
        let healthy = async {
            let mut conn = pool.acquire().await?;
            sqlx::query_scalar::<_, bool>("SELECT pg_is_in_recovery()").fetch_one(&mut *conn).await
        };
        if let Ok(Ok(false)) = tokio::time::timeout(CHECK_TIMEOUT, healthy).await {
            continue;
        }
        let Some(next) = hosts.primary().await else {
            tracing::warn!("no PostgreSQL host accepts writes; still looking");
            continue;
        };
        if next != current {
            tracing::warn!(from = current, to = next, "the PostgreSQL primary changed; connecting to the new one");
            pool.set_connect_options(hosts.0[next].clone());
            current = next;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_list_is_one_option_each_with_the_rest_of_the_url() {
        let hosts =
            Hosts::parse("postgres://rekey:p%40ss@db1:5433,db2/rekey?target_session_attrs=read-write&pool_max_conns=4")
                .unwrap();
        assert_eq!(hosts.0.len(), 2);
        assert_eq!(hosts.0[0].get_host(), "db1");
        assert_eq!(hosts.0[0].get_port(), 5433);
        assert_eq!(hosts.0[1].get_host(), "db2");
        assert_eq!(hosts.0[1].get_port(), 5432);
        for h in &hosts.0 {
            assert_eq!(h.get_username(), "rekey");
            assert_eq!(h.get_database(), Some("rekey"));
        }
        let one = Hosts::parse("postgres://u@h/db").unwrap();
        assert_eq!(one.0.len(), 1);
        assert_eq!(crate::pool_max_conns("postgres://u@h/db").unwrap(), 16);
        assert_eq!(crate::pool_max_conns("postgres://u@h/db?sslmode=disable&pool_max_conns=4").unwrap(), 4);
        for bad in ["1", "x", "", "100000"] {
            assert!(crate::pool_max_conns(&format!("postgres://u@h/db?pool_max_conns={bad}")).is_err(), "{bad}");
        }
        let err = Hosts::parse("postgres://u:secret@h:notaport/db").unwrap_err().to_string();
        assert!(!err.contains("secret"), "{err}");
    }
}
