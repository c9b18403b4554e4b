//! The background purge: secrets whose recovery window has ended are
//! removed with all their versions.

use crate::Service;
use rekey_model::Timestamp;
use rekey_model::audit::{AuditEvent, events};
use rekey_store::{Change, Mutation, MutationInput, Store};
use std::time::Duration;

/// Secrets purged per pass at most.
const BATCH: usize = 100;

impl<S: Store> Service<S> {
    /// Purges every secret whose deletion is due now; returns how many.
    pub async fn purge_due(&self) -> usize {
        let now = self.clock.now();
        let due = match self.store.due_for_purge(now, BATCH).await {
            Ok(due) => due,
            Err(e) => {
                tracing::warn!(error = %e, "purge: could not list due secrets");
                return 0;
            }
        };
        let mut purged = 0;
        for (namespace, name) in due {
            let r = self
                .store
                .mutate(Mutation {
                    namespace,
                    name,
                    preload_value: None,
                    decide: Box::new(move |input: MutationInput| match input.state {
                        // Re-checked in the transaction: a restore may have won.
                        Some(s) if s.secret.purge_at.is_some_and(|p| p <= now) => {
                            let ended = AuditEvent::service(events::END_SECRET_VERSION_DELETE, &s.secret.arn, now);
                            Ok((Change::Purge { pk: s.secret.pk, audit: vec![ended] }, true))
                        }
                        _ => Ok((Change::None, false)),
                    }),
                })
                .await;
            match r {
                Ok(true) => purged += 1,
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "purge failed"),
            }
        }
        purged
    }

    /// Runs [`purge_due`](Self::purge_due) every `every`, forever.
    pub async fn run_purger(self, every: Duration) {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let n = self.purge_due().await;
            if n > 0 {
                tracing::info!(purged = n, "purged secrets whose recovery window ended");
            }
            match self.purge_expired_sessions().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "deleted expired temporary credentials"),
                Err(e) => tracing::warn!(error = %e.message, "could not delete expired temporary credentials"),
            }
            let cutoff = self.now().millis().saturating_sub(self.retention.function_logs.as_millis() as i64);
            match self.store.prune_function_logs(Timestamp::from_millis(cutoff)).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "deleted function logs past their retention"),
                Err(e) => tracing::warn!(error = %e, "could not delete old function logs"),
            }
            if let Some(keep) = self.retention.audit {
                let cutoff = self.now().millis().saturating_sub(keep.as_millis() as i64);
                // Never a record the sink has yet to deliver.
                let keep_from = self.sink.as_ref().map(|s| s.delivered_seq() + 1);
                match self.store.prune_audit(Timestamp::from_millis(cutoff), keep_from).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "deleted audit records past their retention"),
                    Err(e) => tracing::warn!(error = %e, "could not delete old audit records"),
                }
            }
        }
    }
}

/// How long what rekey writes about itself is kept.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// Function logs, from the step they tell of.
    pub function_logs: Duration,
    /// Audit records, from their event time (`None`: for ever).
    pub audit: Option<Duration>,
}

impl Default for Retention {
    /// Thirty days of function logs (CloudWatch Logs keeps a Lambda's
    /// forever by default; a bound is kinder to a disk); the audit trail
    /// for ever, until an operator says otherwise.
    fn default() -> Self {
        Retention { function_logs: Duration::from_secs(30 * 86_400), audit: None }
    }
}
