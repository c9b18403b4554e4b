//! Finding the secret a `SecretId` names, and changing it safely.

use crate::Service;
use crate::access::{Grant, Target};
use crate::audit::Call;
use crate::context::RequestContext;
use crate::replication::replica_is_read_only;
use rekey_model::name::{Arn, SecretRef};
use rekey_model::secret::{SealedValue, SecretState};
use rekey_model::staging::VersionId;
use rekey_model::{ApiError, ApiResult};
use rekey_store::{Change, Mutation, MutationInput, Store};
use serde::Serialize;
use std::sync::Arc;

/// A resolved secret: how it was named, and its state when read.
pub struct Resolved {
    /// The secret as stored when it was resolved.
    pub state: Arc<SecretState>,
}

impl Resolved {
    /// The secret's ARN.
    pub fn arn(&self) -> &Arn {
        &self.state.secret.arn
    }
}

impl<S: Store> Service<S> {
    /// Resolves a SecretId (name, full ARN or partial ARN; docs/behaviour.md §3.4).
    pub async fn resolve(&self, ctx: &RequestContext, secret_id: &str) -> ApiResult<Resolved> {
        let r = SecretRef::parse(secret_id)?;
        self.resolve_ref(ctx, secret_id, &r).await?.ok_or_else(ApiError::secret_not_found)
    }

    /// Like [`resolve`](Self::resolve) with the id already classified;
    /// `None` when no secret matches. The caller must be allowed the
    /// request's action on the secret (or, when there is none, on the ARN
    /// its id names), so a denied caller cannot tell which secrets exist.
    pub(crate) async fn resolve_ref(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        r: &SecretRef,
    ) -> ApiResult<Option<Resolved>> {
        let found = self.find(ctx, r).await?;
        // (Checked here too so `--dev` does not even build the target.)
        if !matches!(ctx.principal.grant, Grant::Unrestricted) {
            self.authorize(ctx, &Target::secret(ctx, secret_id, r, found.as_deref()))?;
        }
        Ok(found.map(|state| Resolved { state }))
    }

    async fn find(&self, ctx: &RequestContext, r: &SecretRef) -> ApiResult<Option<Arc<SecretState>>> {
        let Some((ns, name)) = r.lookup_key(&ctx.namespace) else {
            return Ok(None);
        };
        // Regions are separate namespaces: an ARN of another region names
        // nothing here.
        if ns.region != ctx.namespace.region {
            return Ok(None);
        }
        let state = self.store.load(&ns, name).await?;
        Ok(state.filter(|s| r.matches(&s.secret.arn)))
    }

    /// Resolves a secret that must not be scheduled for deletion.
    pub(crate) async fn resolve_live(&self, ctx: &RequestContext, secret_id: &str) -> ApiResult<Resolved> {
        let r = self.resolve(ctx, secret_id).await?;
        if r.state.secret.deleted.is_some() {
            return Err(ApiError::marked_for_deletion());
        }
        Ok(r)
    }

    /// [`Service::mutate_secret`] of a secret that must not be scheduled
    /// for deletion (checked in the transaction): what every change but
    /// deletion and restoration asks.
    pub(crate) async fn mutate_live_secret<R: Serialize + Send + 'static>(
        &self,
        call: Option<&Arc<Call>>,
        arn: &Arn,
        preload_value: Option<VersionId>,
        decide: impl FnOnce(SecretState, Option<Arc<SealedValue>>) -> ApiResult<(Change, R)> + Send + 'static,
    ) -> ApiResult<R> {
        self.mutate_secret(call, arn, preload_value, move |state, preloaded| match state.secret.deleted {
            Some(_) => Err(ApiError::marked_for_deletion()),
            None => decide(state, preloaded),
        })
        .await
    }

    /// Changes the secret `arn` in one transaction. `decide` sees the state
    /// as stored at that moment; if the secret is gone or was replaced by a
    /// new one under the same name since it was resolved, the answer is
    /// ResourceNotFound and nothing changes.
    ///
    /// With the `call` being served, a write carries the call's audit
    /// record, its response being what `decide` returned (an operation's
    /// decision returns the operation's response).
    pub async fn mutate_secret<R: Serialize + Send + 'static>(
        &self,
        call: Option<&Arc<Call>>,
        arn: &Arn,
        preload_value: Option<VersionId>,
        decide: impl FnOnce(SecretState, Option<Arc<SealedValue>>) -> ApiResult<(Change, R)> + Send + 'static,
    ) -> ApiResult<R> {
        let expected = arn.clone();
        let recording = call.cloned();
        let ((r, recorded), replicated) = self
            .store
            .mutate(Mutation {
                namespace: arn.namespace.clone(),
                name: arn.name.clone(),
                preload_value,
                decide: Box::new(move |input: MutationInput| match input.state {
                    Some(state) if state.secret.arn == expected => {
                        if state.secret.meta.is_replica() {
                            return Err(replica_is_read_only());
                        }
                        let before = state.secret.meta.has_replicas();
                        let (mut change, r) = decide(state, input.preloaded)?;
                        let mut recorded = false;
                        // The call's record goes with its change, a purge too.
                        match (&mut change, &recording) {
                            (Change::Write(w), Some(call)) => recorded = call.attach(&mut w.audit, &r),
                            (Change::Purge { audit, .. }, Some(call)) => recorded = call.attach(audit, &r),
                            _ => {}
                        }
                        // Whether the secret has replicas once changed.
                        let after = match &change {
                            Change::Write(w) => w.secret.meta.has_replicas(),
                            Change::None => before,
                            Change::Purge { .. } => false,
                        };
                        Ok((change, ((r, recorded), after)))
                    }
                    _ => Err(ApiError::secret_not_found()),
                }),
            })
            .await?;
        if let (true, Some(call)) = (recorded, call) {
            call.stored();
        }
        // Every change of a primary reaches its replicas before the answer
        // (the read only happens for secrets that have replicas).
        if replicated && let Some(state) = self.store.load(&arn.namespace, &arn.name).await? {
            self.sync_replicas(&state).await;
        }
        Ok(r)
    }
}
