//! Replication across the regions of one deployment (docs/behaviour.md §6.17).
//!
//! A region is a namespace of the same store: a replica is a secret of the
//! same account and name in another region, with the primary's ARN suffix.
//! After every change of a primary (any [`mutate_secret`] on it), its
//! replicas are brought up to date: metadata, tags, policy, versions and
//! labels; values are sealed again for the replica's ARN and key. A replica
//! is read-only: writes to it get AWS's error, and it never rotates itself.
//!
//! [`mutate_secret`]: crate::Service::mutate_secret

use crate::Service;
use crate::access::Target;
use crate::context::RequestContext;
use crate::values::RequestedValue;
use rekey_model::api::*;
use rekey_model::audit::{AuditEvent, events};
use rekey_model::name::{Arn, Namespace, Region};
use rekey_model::secret::{SealedValue, SecretRecord, SecretState};
use rekey_model::staging::VersionId;
use rekey_model::{ApiError, ApiResult};
use rekey_store::{Change, Mutation, MutationInput, SecretWrite, Store};
use std::collections::HashMap;
use std::sync::Arc;

/// AWS's answer to a write on a replica (an InvalidParameterException:
/// docs/behaviour.md §13.6).
pub(crate) fn replica_is_read_only() -> ApiError {
    ApiError::invalid_parameter(
        "Operation not permitted on a replica secret. Call must be made in primary secret's region.",
    )
}

/// The status message of a replica whose name another secret of the
/// region holds (docs/behaviour.md §13.6).
fn name_taken(name: &impl std::fmt::Display, region: &impl std::fmt::Display) -> String {
    format!("Replication failed: Secret name {name} already exists in region {region}.")
}

/// The ARN of `primary`'s replica in `region`.
fn replica_arn(primary: &Arn, region: &str) -> Arn {
    Arn {
        namespace: Namespace { account: primary.namespace.account.clone(), region: Region::new(region) },
        ..primary.clone()
    }
}

fn raced() -> ApiError {
    ApiError::internal("The primary kept changing during replication; the next change replicates it.")
}

fn status(region: &str, kms_key_id: Option<String>, status: StatusType, message: &str) -> ReplicationStatusType {
    ReplicationStatusType {
        region: Some(region.to_string()),
        kms_key_id,
        status: Some(status),
        status_message: Some(message.to_string()),
        last_accessed_date: None,
    }
}

impl<S: Store> Service<S> {
    /// A transaction on the secret at `arn` that skips the replica guard
    /// of `mutate_secret` (replication itself writes replicas).
    async fn mutate_at<R: Send + 'static>(
        &self,
        arn: &Arn,
        decide: impl FnOnce(Option<SecretState>) -> ApiResult<(Change, R)> + Send + 'static,
    ) -> ApiResult<R> {
        self.store
            .mutate(Mutation {
                namespace: arn.namespace.clone(),
                name: arn.name.clone(),
                preload_value: None,
                decide: Box::new(move |input: MutationInput| decide(input.state)),
            })
            .await
    }

    /// Brings every replica of `primary` up to date, and records each
    /// replica's status on the primary when it changes.
    pub(crate) async fn sync_replicas(&self, primary: &SecretState) {
        if let Some(link) = primary.secret.meta.linked_cross_account_replica()
            && let Some(target) = Arn::parse(&link.arn)
            && let Err(e) = self.sync_replica_until_current(primary, &target, None).await
        {
            tracing::warn!(replica = %link.arn, error = %e.message, "cross-account replication failed");
        }
        let Some(replicas) = primary.secret.meta.replicas.clone() else {
            return;
        };
        let mut statuses = Vec::with_capacity(replicas.len());
        for r in &replicas {
            let region = r.region.clone().unwrap_or_default();
            let outcome = match r.status {
                // A name clash stays failed until the replica is removed.
                Some(StatusType::Failed) => {
                    statuses.push(r.clone());
                    continue;
                }
                _ => {
                    let target = replica_arn(&primary.secret.arn, &region);
                    self.sync_replica_until_current(primary, &target, r.kms_key_id.clone()).await
                }
            };
            statuses.push(match outcome.and_then(|done| if done { Ok(()) } else { Err(raced()) }) {
                Ok(()) => status(&region, r.kms_key_id.clone(), StatusType::InSync, "Replication succeeded"),
                Err(e) => {
                    tracing::warn!(region, error = %e.message, "replication failed");
                    status(&region, r.kms_key_id.clone(), StatusType::Failed, &e.message)
                }
            });
        }
        if statuses != replicas {
            // A replica newly in sync, or newly failed, is a service event,
            // recorded with the status that says so.
            let now = self.now();
            let events: Vec<AuditEvent> = statuses
                .iter()
                .zip(&replicas)
                .filter(|(new, old)| new.status != old.status)
                .filter_map(|(new, _)| {
                    let name = match new.status {
                        Some(StatusType::InSync) => events::REPLICATION_SUCCEEDED,
                        Some(StatusType::Failed) => events::REPLICATION_FAILED,
                        _ => return None,
                    };
                    let mut e = AuditEvent::service(name, &primary.secret.arn, now);
                    if let Some(data) = e.additional_event_data.as_mut() {
                        data["ReplicaRegion"] = new.region.clone().unwrap_or_default().into();
                    }
                    if new.status == Some(StatusType::Failed) {
                        e.error_message = new.status_message.clone();
                    }
                    Some(e)
                })
                .collect();
            let arn = primary.secret.arn.clone();
            let expected = arn.clone();
            let _ = self
                .mutate_at(&arn, move |state| match state {
                    Some(mut s) if s.secret.arn == expected => {
                        s.secret.meta.replicas = Some(statuses);
                        let mut write = SecretWrite::of(&s);
                        write.audit = events;
                        Ok((Change::write(write), ()))
                    }
                    _ => Ok((Change::None, ())),
                })
                .await;
        }
    }

    /// Syncs one replica, starting again from a fresh read of the primary
    /// when the primary changed under the sync (a few times at most; every
    /// later change syncs again anyway). True once the replica is current.
    async fn sync_replica_until_current(
        &self,
        primary: &SecretState,
        target: &Arn,
        kms_key_id: Option<String>,
    ) -> ApiResult<bool> {
        let mut primary = primary.clone();
        for _ in 0..3 {
            if self.sync_replica(&primary, target, kms_key_id.clone(), None).await? {
                return Ok(true);
            }
            let arn = &primary.secret.arn;
            match self.store.load(&arn.namespace, &arn.name).await? {
                Some(p) if p.secret.arn == *arn => primary = (*p).clone(),
                _ => return Ok(true),
            }
        }
        Ok(false)
    }

    /// Makes the replica `arn` of `primary` (in another region, or another
    /// account) a copy of it; false when a value it needs appeared after
    /// this sync read the primary. `replacing` is the store key of a
    /// clashing secret the replica may replace (ForceOverwriteReplicaSecret,
    /// authorized by the caller), in the same transaction.
    async fn sync_replica(
        &self,
        primary: &SecretState,
        arn: &Arn,
        kms_key_id: Option<String>,
        replacing: Option<i64>,
    ) -> ApiResult<bool> {
        let arn = arn.clone();
        let cross_account = arn.namespace.account != primary.secret.arn.namespace.account;
        let current = self.store.load(&arn.namespace, &arn.name).await?;
        // A secret being replaced holds nothing of the replica's.
        let current = current.filter(|c| Some(c.secret.pk) != replacing);
        let has = |v: &VersionId| current.as_ref().is_some_and(|c| c.version(v).is_some_and(|x| x.has_value));
        // Values the replica lacks, sealed again for its ARN and key.
        let mut sealed: HashMap<VersionId, SealedValue> = HashMap::new();
        for v in primary.versions.iter().filter(|v| v.has_value && !has(&v.version_id)) {
            let Some(value) = self.store.read_value(primary.secret.pk, &v.version_id).await? else { continue };
            let clear = self.seal.open(self.store.as_ref(), &value, &primary.secret.arn, &v.version_id).await?;
            let requested = RequestedValue { token: v.version_id.clone(), value: clear };
            sealed
                .insert(v.version_id.clone(), self.seal_version(kms_key_id.as_deref(), &arn, requested).await?.sealed);
        }
        let primary = Arc::new(primary.clone());
        let primary_region = primary.secret.arn.namespace.region.as_str().to_string();
        let primary_arn = primary.secret.arn.to_string();
        let target = arn.clone();
        self.mutate_at(&target, move |current| {
            let ours = |c: &SecretState| match cross_account {
                false => c.secret.meta.primary_region.as_deref() == Some(primary_region.as_str()),
                true => c.secret.meta.cross_account_primary.as_deref() == Some(primary_arn.as_str()),
            };
            let replaces = current.as_ref().map(|c| c.secret.pk).filter(|pk| Some(*pk) == replacing);
            let current = current.filter(|c| Some(c.secret.pk) != replaces);
            match &current {
                Some(c) if !ours(c) => {
                    return Err(ApiError::new(
                        rekey_model::ErrorCode::ResourceExistsException,
                        name_taken(&c.secret.arn.name, &c.secret.arn.namespace.region),
                    ));
                }
                // A cross-account replica is created by its own account.
                None if cross_account => return Err(ApiError::secret_not_found()),
                _ => {}
            }
            let mut meta = primary.secret.meta.clone();
            meta.replicas = None;
            meta.cross_account_replica = None;
            if cross_account {
                meta.cross_account_primary = Some(primary_arn);
            } else {
                meta.primary_region = Some(primary_region);
            }
            meta.kms_key_id = kms_key_id.clone();
            let secret = SecretRecord {
                pk: current.as_ref().map_or(0, |c| c.secret.pk),
                arn,
                created: primary.secret.created,
                last_changed: primary.secret.last_changed,
                last_accessed: current.as_ref().and_then(|c| c.secret.last_accessed),
                deleted: primary.secret.deleted,
                purge_at: None,
                rotate_at: None,
                meta,
            };
            let mut write = SecretWrite {
                secret,
                put_versions: Vec::new(),
                delete_versions: Vec::new(),
                labels: primary.labels.clone(),
                rotation: None,
                end_rotations: None,
                replaces,
                audit: Vec::new(),
            };
            for v in &primary.versions {
                let held = current.as_ref().and_then(|c| c.version(&v.version_id));
                match (held, sealed.remove(&v.version_id)) {
                    (Some(h), _) if h.has_value || !v.has_value => {}
                    (_, Some(value)) => {
                        let record = rekey_model::secret::VersionRecord { kms_key_id: kms_key_id.clone(), ..v.clone() };
                        write.put_versions.push((record, Some(value)));
                    }
                    (None, None) if !v.has_value => write.put_versions.push((v.clone(), None)),
                    // A value that came after this sync read the primary.
                    _ => return Ok((Change::None, false)),
                }
            }
            if let Some(c) = &current {
                write.delete_versions = c
                    .versions
                    .iter()
                    .filter(|v| primary.version(&v.version_id).is_none())
                    .map(|v| v.version_id.clone())
                    .collect();
            }
            Ok((Change::write(write), true))
        })
        .await
    }

    /// The caller may overwrite `existing` (another region's secret of the
    /// same name) with a replica: as PutSecretValue and as DeleteSecret
    /// with ForceDeleteWithoutRecovery there, under its own resource policy.
    fn authorize_overwrite(&self, ctx: &RequestContext, existing: &SecretState) -> ApiResult<()> {
        let arn = existing.secret.arn.to_string();
        let target = Target::Secret { arn: arn.clone(), shown: &arn, state: Some(existing) };
        self.authorize_action(ctx, "secretsmanager:PutSecretValue", &target)?;
        let mut forced = ctx.clone();
        forced.request_keys =
            std::mem::take(&mut forced.request_keys).with("secretsmanager:ForceDeleteWithoutRecovery", "true");
        self.authorize_action(&forced, "secretsmanager:DeleteSecret", &target)
    }

    /// ReplicateSecretToRegions.
    pub async fn replicate_secret_to_regions(
        &self,
        ctx: &RequestContext,
        input: ReplicateSecretToRegionsRequest,
    ) -> ApiResult<ReplicateSecretToRegionsResponse> {
        let primary = self.resolve_live(ctx, &input.secret_id).await?.state;
        if primary.secret.meta.is_replica() {
            return Err(replica_is_read_only());
        }
        let own = primary.secret.arn.namespace.region.as_str();
        let mut added = Vec::new();
        for r in &input.add_replica_regions {
            let region = r.region.clone().unwrap_or_default();
            if region == own || region.is_empty() {
                return Err(ApiError::invalid_parameter("Invalid replica region."));
            }
            let target = replica_arn(&primary.secret.arn, &region);
            let existing = self.store.load(&target.namespace, &target.name).await?;
            let clash = existing.as_ref().is_some_and(|e| e.secret.meta.primary_region.as_deref() != Some(own));
            let state = match (clash, input.force_overwrite_replica_secret.unwrap_or(false), &existing) {
                (true, true, Some(existing)) => {
                    // Overwriting is writing a value there and deleting
                    // what is there without recovery: the caller must be
                    // allowed both on that secret. The replica replaces it
                    // in one transaction.
                    self.authorize_overwrite(ctx, existing)?;
                    let replacing = Some(existing.secret.pk);
                    self.sync_replica(&primary, &target, r.kms_key_id.clone(), replacing).await?;
                    status(&region, r.kms_key_id.clone(), StatusType::InProgress, "Replication in progress")
                }
                (true, ..) => status(
                    &region,
                    r.kms_key_id.clone(),
                    StatusType::Failed,
                    &name_taken(&target.name, &target.namespace.region),
                ),
                (false, ..) => status(&region, r.kms_key_id.clone(), StatusType::InProgress, "Replication in progress"),
            };
            added.push(state);
        }
        let arn = primary.secret.arn.clone();
        let now = self.clock.now();
        let answered = arn.to_string();
        // The audit record has the answer as of the change; the caller,
        // as of after the replicas were written.
        self.mutate_secret(ctx.call.as_ref(), &arn, None, move |mut state, _| {
            let replicas = state.secret.meta.replicas.get_or_insert_with(Vec::new);
            for a in added {
                replicas.retain(|r| r.region != a.region);
                replicas.push(a);
            }
            state.secret.last_changed = now;
            let response = ReplicateSecretToRegionsResponse {
                arn: Some(answered),
                replication_status: state.secret.meta.replicas.clone(),
            };
            Ok((Change::write(SecretWrite::of(&state)), response))
        })
        .await?;
        let after = self.store.load(&arn.namespace, &arn.name).await?.ok_or_else(ApiError::secret_not_found)?;
        Ok(ReplicateSecretToRegionsResponse {
            arn: Some(arn.to_string()),
            replication_status: after.secret.meta.replicas.clone(),
        })
    }

    /// RemoveRegionsFromReplication: the replicas go at once.
    pub async fn remove_regions_from_replication(
        &self,
        ctx: &RequestContext,
        input: RemoveRegionsFromReplicationRequest,
    ) -> ApiResult<RemoveRegionsFromReplicationResponse> {
        let primary = self.resolve_live(ctx, &input.secret_id).await?.state;
        if primary.secret.meta.is_replica() {
            return Err(replica_is_read_only());
        }
        let arn = primary.secret.arn.clone();
        let remove = input.remove_replica_regions.clone();
        let answered = arn.to_string();
        let response = self
            .mutate_secret(ctx.call.as_ref(), &arn, None, move |mut state, _| {
                let replicas = state.secret.meta.replicas.get_or_insert_with(Vec::new);
                replicas.retain(|r| !r.region.as_ref().is_some_and(|x| remove.contains(x)));
                let remaining = replicas.clone();
                if remaining.is_empty() {
                    state.secret.meta.replicas = None;
                }
                let response =
                    RemoveRegionsFromReplicationResponse { arn: Some(answered), replication_status: Some(remaining) };
                Ok((Change::write(SecretWrite::of(&state)), response))
            })
            .await?;
        let own = arn.namespace.region.as_str().to_string();
        for region in &input.remove_replica_regions {
            let target = replica_arn(&arn, region);
            let own = own.clone();
            self.mutate_at(&target, move |state| match state {
                Some(s) if s.secret.meta.primary_region.as_deref() == Some(own.as_str()) => {
                    Ok((Change::purge(s.secret.pk), ()))
                }
                _ => Ok((Change::None, ())),
            })
            .await?;
        }
        Ok(response)
    }

    /// StopReplicationToReplica: called on a replica, makes it a standalone
    /// secret.
    pub async fn stop_replication_to_replica(
        &self,
        ctx: &RequestContext,
        input: StopReplicationToReplicaRequest,
    ) -> ApiResult<StopReplicationToReplicaResponse> {
        let replica = self.resolve_live(ctx, &input.secret_id).await?.state;
        let Some(primary_region) = replica.secret.meta.primary_region.clone() else {
            return Err(ApiError::invalid_request("This secret is not a replica."));
        };
        let arn = replica.secret.arn.clone();
        let now = self.clock.now();
        self.mutate_at(&arn, move |state| {
            let mut s = state.ok_or_else(ApiError::secret_not_found)?;
            s.secret.meta.primary_region = None;
            s.secret.last_changed = now;
            Ok((Change::write(SecretWrite::of(&s)), ()))
        })
        .await?;
        let primary = replica_arn(&arn, &primary_region);
        let region = arn.namespace.region.as_str().to_string();
        self.mutate_at(&primary, move |state| match state {
            Some(mut s) => {
                if let Some(replicas) = &mut s.secret.meta.replicas {
                    replicas.retain(|r| r.region.as_deref() != Some(region.as_str()));
                    if replicas.is_empty() {
                        s.secret.meta.replicas = None;
                    }
                }
                Ok((Change::write(SecretWrite::of(&s)), ()))
            }
            None => Ok((Change::None, ())),
        })
        .await?;
        Ok(StopReplicationToReplicaResponse { arn: Some(arn.to_string()) })
    }
}

impl<S: Store> Service<S> {
    /// AssociateCrossAccountReplica: links a primary to the secret another
    /// account created for it (with CrossAccountPrimaryArn) in the same
    /// region, and brings that replica up to date. Calling it again repairs.
    pub async fn associate_cross_account_replica(
        &self,
        ctx: &RequestContext,
        input: AssociateCrossAccountReplicaRequest,
    ) -> ApiResult<AssociateCrossAccountReplicaResponse> {
        let primary = self.resolve_live(ctx, &input.secret_id).await?.state;
        if primary.secret.meta.is_replica() {
            return Err(replica_is_read_only());
        }
        let target = Arn::parse(&input.cross_account_replica_arn)
            .filter(|t| t.namespace.region == primary.secret.arn.namespace.region)
            .filter(|t| t.namespace.account != primary.secret.arn.namespace.account)
            .ok_or_else(|| {
                ApiError::invalid_parameter(
                    "CrossAccountReplicaARN must be a secret of another account in this region.",
                )
            })?;
        let replica = self.store.load(&target.namespace, &target.name).await?.filter(|r| r.secret.arn == target);
        let primary_arn = primary.secret.arn.to_string();
        if replica.is_none_or(|r| r.secret.meta.cross_account_primary.as_deref() != Some(primary_arn.as_str())) {
            return Err(ApiError::not_found(
                "The cross-account replica does not exist or was not created with this secret as its CrossAccountPrimaryArn.",
            ));
        }
        if let Some(link) = primary.secret.meta.linked_cross_account_replica()
            && link.arn != target.to_string()
        {
            return Err(ApiError::invalid_request("This secret already has a cross-account replica."));
        }
        let arn = primary.secret.arn.clone();
        let link = target.to_string();
        let now = self.clock.now();
        let response = AssociateCrossAccountReplicaResponse {
            arn: Some(arn.to_string()),
            cross_account_replica_arn: Some(target.to_string()),
            replication_status: Some(StatusType::InSync),
        };
        self.mutate_secret(ctx.call.as_ref(), &arn, None, move |mut state, _| {
            state.secret.meta.cross_account_replica =
                Some(rekey_model::secret::CrossAccountReplica { arn: link, status: StatusType::InSync });
            state.secret.last_changed = now;
            Ok((Change::write(SecretWrite::of(&state)), response))
        })
        .await
    }

    /// DisassociateCrossAccountReplica: the replica stops following the
    /// primary and becomes a secret of its own (status Detached).
    pub async fn disassociate_cross_account_replica(
        &self,
        ctx: &RequestContext,
        input: DisassociateCrossAccountReplicaRequest,
    ) -> ApiResult<DisassociateCrossAccountReplicaResponse> {
        let primary = self.resolve_live(ctx, &input.secret_id).await?.state;
        let linked = primary
            .secret
            .meta
            .cross_account_replica
            .as_ref()
            .is_some_and(|l| l.arn == input.cross_account_replica_arn);
        if !linked {
            return Err(ApiError::not_found("This secret has no such cross-account replica."));
        }
        let arn = primary.secret.arn.clone();
        let now = self.clock.now();
        let response = DisassociateCrossAccountReplicaResponse {
            arn: Some(arn.to_string()),
            cross_account_replica_arn: Some(input.cross_account_replica_arn.clone()),
        };
        let response = self
            .mutate_secret(ctx.call.as_ref(), &arn, None, move |mut state, _| {
                if let Some(l) = &mut state.secret.meta.cross_account_replica {
                    l.status = StatusType::Detached;
                }
                state.secret.last_changed = now;
                Ok((Change::write(SecretWrite::of(&state)), response))
            })
            .await?;
        if let Some(target) = Arn::parse(&input.cross_account_replica_arn) {
            let expected = target.clone();
            self.mutate_at(&target, move |state| match state {
                Some(mut s) if s.secret.arn == expected => {
                    s.secret.meta.cross_account_primary = None;
                    s.secret.last_changed = now;
                    Ok((Change::write(SecretWrite::of(&s)), ()))
                }
                _ => Ok((Change::None, ())),
            })
            .await?;
        }
        Ok(response)
    }
}
