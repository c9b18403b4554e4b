//! The secret lifecycle: CreateSecret, UpdateSecret, DescribeSecret,
//! DeleteSecret, RestoreSecret.

use crate::Service;
use crate::access::Target;
use crate::context::RequestContext;
use crate::values::{VersionWrite, requested_value, write_version};
use rekey_model::api::*;
use rekey_model::audit::{AuditEvent, events};
use rekey_model::name::{Arn, ArnSuffix, SecretName, SecretRef};
use rekey_model::secret::{SecretMeta, SecretRecord, SecretState};
use rekey_model::staging::{Labels, StagingLabel};
use rekey_model::{ApiError, ApiResult, ErrorCode};
use rekey_store::seal::DEFAULT_KMS_KEY_ID;
use rekey_store::{Change, Mutation, MutationInput, SecretWrite, Store};
use std::collections::BTreeMap;

/// Tags per secret.
const MAX_TAGS: usize = 50;
/// Default and bounds of DeleteSecret's recovery window.
const DEFAULT_RECOVERY_DAYS: i64 = 30;

/// AWS's limits on a secret's tags: 50 at most, no `aws:` keys.
pub(crate) fn check_tags(tags: &[Tag]) -> ApiResult<()> {
    if tags.len() > MAX_TAGS {
        return Err(ApiError::new(
            ErrorCode::LimitExceededException,
            format!("You can't add more than {MAX_TAGS} tags to a secret."),
        ));
    }
    if let Some(t) = tags.iter().find(|t| t.key.as_deref().is_some_and(|k| k.to_ascii_lowercase().starts_with("aws:")))
    {
        return Err(ApiError::invalid_parameter(format!(
            "Tag key {} is invalid: the aws: prefix is reserved for AWS use.",
            t.key.as_deref().unwrap_or_default()
        )));
    }
    Ok(())
}

/// An empty string means "absent" for Description and KmsKeyId.
fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// KmsKeyId as stored: `None` for the default key, however it was spelled.
fn kms_key(s: Option<String>) -> Option<String> {
    non_empty(s).filter(|k| k != DEFAULT_KMS_KEY_ID && k != "aws/secretsmanager")
}

impl<S: Store> Service<S> {
    /// CreateSecret.
    pub async fn create_secret(
        &self,
        ctx: &RequestContext,
        input: CreateSecretRequest,
    ) -> ApiResult<CreateSecretResponse> {
        let name = SecretName::parse(&input.name)?;
        let requested = requested_value(input.client_request_token, input.secret_string, input.secret_binary)?;
        if let Some(primary) = &input.cross_account_primary_arn {
            let valid = Arn::parse(primary).is_some_and(|p| {
                p.namespace.region == ctx.namespace.region && p.namespace.account != ctx.namespace.account
            });
            if !valid {
                return Err(ApiError::invalid_parameter(
                    "CrossAccountPrimaryArn must be a secret of another account in this region.",
                ));
            }
        }
        if let Some(tags) = &input.tags {
            check_tags(tags)?;
        }
        let kms_key_id = kms_key(input.kms_key_id);
        let arn = Arn { namespace: ctx.namespace.clone(), name: name.clone(), suffix: ArnSuffix::random() };
        let arn_text = arn.to_string();
        self.authorize(ctx, &Target::Secret { arn: arn_text, shown: &input.name, state: None })?;
        let new = match requested {
            Some(r) => Some(self.seal_version(kms_key_id.as_deref(), &arn, r).await?),
            None => None,
        };
        let token = new.as_ref().map(|n| n.token.clone());
        let now = self.clock.now();
        let meta = SecretMeta {
            description: non_empty(input.description),
            kms_key_id,
            tags: input.tags,
            secret_type: non_empty(input.r#type),
            cross_account_primary: input.cross_account_primary_arn,
            ..SecretMeta::default()
        };
        let seal = self.seal.clone();
        let call = ctx.call.clone();
        let (arn, version, recorded) = self
            .store
            .mutate(Mutation {
                namespace: ctx.namespace.clone(),
                name,
                preload_value: token.clone(),
                decide: Box::new(move |input: MutationInput| {
                    if let Some(mut existing) = input.state {
                        if existing.secret.deleted.is_some() {
                            return Err(ApiError::invalid_request(
                                "You can't create this secret because a secret with this name is already scheduled for deletion.",
                            ));
                        }
                        // The same token and value again: an idempotent replay.
                        if let Some(new) = new.filter(|n| existing.version(&n.token).is_some()) {
                            let mut write = SecretWrite::of(&existing);
                            let t = new.token.clone();
                            return match write_version(&seal, &mut existing, &mut write, new, input.preloaded, None, now)? {
                                VersionWrite::Replay => Ok((Change::None, (existing.secret.arn, Some(t), false))),
                                VersionWrite::Written => Err(ApiError::token_in_use(t.as_str(), &existing.secret.arn)),
                            };
                        }
                        return Err(ApiError::new(
                            ErrorCode::ResourceExistsException,
                            format!("The operation failed because the secret {} already exists.", existing.secret.arn.name),
                        ));
                    }
                    let secret = SecretRecord {
                        pk: 0,
                        arn: arn.clone(),
                        created: now,
                        last_changed: now,
                        last_accessed: None,
                        deleted: None,
                        purge_at: None,
                        rotate_at: None,
                        meta,
                    };
                    let mut state = SecretState { secret, versions: Vec::new(), labels: Labels::default() };
                    let mut write = SecretWrite::of(&state);
                    if let Some(new) = new {
                        write_version(&seal, &mut state, &mut write, new, None, None, now)?;
                    }
                    let recorded = call.is_some_and(|call| {
                        let response = CreateSecretResponse {
                            arn: Some(arn.to_string()),
                            name: Some(arn.name.to_string()),
                            version_id: token.as_ref().map(|v| v.to_string()),
                            replication_status: None,
                        };
                        call.attach(&mut write.audit, &response)
                    });
                    Ok((Change::write(write), (arn, token, recorded)))
                }),
            })
            .await?;
        if let (true, Some(call)) = (recorded, &ctx.call) {
            call.stored();
        }
        let replication_status = match input.add_replica_regions {
            Some(regions) => {
                let replicate = ReplicateSecretToRegionsRequest {
                    secret_id: arn.to_string(),
                    add_replica_regions: regions,
                    force_overwrite_replica_secret: input.force_overwrite_replica_secret,
                };
                self.replicate_secret_to_regions(ctx, replicate).await?.replication_status
            }
            None => None,
        };
        Ok(CreateSecretResponse {
            arn: Some(arn.to_string()),
            name: Some(arn.name.to_string()),
            version_id: version.map(|v| v.to_string()),
            replication_status,
        })
    }

    /// UpdateSecret.
    pub async fn update_secret(
        &self,
        ctx: &RequestContext,
        input: UpdateSecretRequest,
    ) -> ApiResult<UpdateSecretResponse> {
        SecretRef::parse(&input.secret_id)?;
        let requested = requested_value(input.client_request_token, input.secret_string, input.secret_binary)?;
        let resolved = self.resolve_live(ctx, &input.secret_id).await?;
        let arn = resolved.arn().clone();
        let new_kms = input.kms_key_id.map(|k| kms_key(Some(k)));
        let kms = new_kms.clone().unwrap_or_else(|| resolved.state.secret.meta.kms_key_id.clone());
        let new = match requested {
            Some(r) => Some(self.seal_version(kms.as_deref(), &arn, r).await?),
            None => None,
        };
        let token = new.as_ref().map(|n| n.token.clone());
        // A new key re-encrypts the AWSCURRENT, AWSPENDING and AWSPREVIOUS
        // values (the others keep the key they were sealed under).
        let resealed = match &new_kms {
            Some(k) if *k != resolved.state.secret.meta.kms_key_id => {
                self.reseal_staged(&resolved.state, k.as_deref()).await?
            }
            _ => Vec::new(),
        };
        let seal = self.seal.clone();
        let now = self.clock.now();
        let description = input.description;
        let secret_type = input.r#type;
        let response = UpdateSecretResponse {
            arn: Some(arn.to_string()),
            name: Some(arn.name.to_string()),
            version_id: token.as_ref().map(|v| v.to_string()),
        };
        self.mutate_live_secret(ctx.call.as_ref(), &arn, token.clone(), move |mut state, preloaded| {
            if let Some(d) = description {
                state.secret.meta.description = non_empty(Some(d));
            }
            if let Some(k) = new_kms {
                state.secret.meta.kms_key_id = k;
            }
            if let Some(t) = secret_type {
                state.secret.meta.secret_type = non_empty(Some(t));
            }
            state.secret.last_changed = now;
            let mut write = SecretWrite::of(&state);
            for (version, sealed) in resealed {
                if state.version(&version.version_id).is_some_and(|v| v.has_value) {
                    write.put_versions.push((version, Some(sealed)));
                }
            }
            let change = match new {
                Some(new) => match write_version(&seal, &mut state, &mut write, new, preloaded, None, now)? {
                    VersionWrite::Replay => Change::None,
                    VersionWrite::Written => Change::write(write),
                },
                None => Change::write(write),
            };
            Ok((change, response))
        })
        .await
    }

    /// The values of the versions labelled AWSCURRENT, AWSPENDING or
    /// AWSPREVIOUS, sealed again under `kms_key_id`.
    async fn reseal_staged(
        &self,
        state: &SecretState,
        kms_key_id: Option<&str>,
    ) -> ApiResult<Vec<(rekey_model::secret::VersionRecord, rekey_model::secret::SealedValue)>> {
        let arn = &state.secret.arn;
        let mut out = Vec::new();
        for label in [StagingLabel::CURRENT, StagingLabel::PENDING, StagingLabel::PREVIOUS] {
            let Some(v) = state.labels.holder(label).and_then(|id| state.version(id)).filter(|v| v.has_value) else {
                continue;
            };
            if out.iter().any(|(r, _): &(rekey_model::secret::VersionRecord, _)| r.version_id == v.version_id) {
                continue;
            }
            let Some(sealed) = self.store.read_value(state.secret.pk, &v.version_id).await? else { continue };
            let value = self.seal.open(self.store.as_ref(), &sealed, arn, &v.version_id).await?;
            let requested = crate::values::RequestedValue { token: v.version_id.clone(), value };
            let new = self.seal_version(kms_key_id, arn, requested).await?;
            let record = rekey_model::secret::VersionRecord { kms_key_id: kms_key_id.map(str::to_string), ..v.clone() };
            out.push((record, new.sealed));
        }
        Ok(out)
    }

    /// DescribeSecret (also answers for secrets scheduled for deletion).
    pub async fn describe_secret(
        &self,
        ctx: &RequestContext,
        input: DescribeSecretRequest,
    ) -> ApiResult<DescribeSecretResponse> {
        let state = self.resolve(ctx, &input.secret_id).await?.state;
        let stages = version_stages(&state);
        let s = state.secret.clone();
        let primary_region = primary_region(&s);
        let rotation = s.meta.rotation;
        Ok(DescribeSecretResponse {
            arn: Some(s.arn.to_string()),
            name: Some(s.arn.name.to_string()),
            description: s.meta.description,
            kms_key_id: s.meta.kms_key_id,
            rotation_enabled: rotation.enabled,
            rotation_lambda_arn: rotation.lambda_arn,
            rotation_rules: rotation.rules.map(rekey_model::schedule::as_described),
            last_rotated_date: rotation.last_rotated,
            next_rotation_date: rotation.next_rotation.filter(|_| rotation.enabled == Some(true)),
            last_changed_date: Some(s.last_changed),
            last_accessed_date: s.last_accessed,
            deleted_date: s.deleted,
            tags: s.meta.tags,
            version_ids_to_stages: (!stages.is_empty()).then_some(stages),
            owning_service: s.meta.owning_service,
            created_date: Some(s.created),
            r#type: s.meta.secret_type,
            primary_region,
            replication_status: s.meta.replicas,
            ..DescribeSecretResponse::default()
        })
    }

    /// DeleteSecret: schedule deletion after a recovery window, or purge now.
    pub async fn delete_secret(
        &self,
        ctx: &RequestContext,
        input: DeleteSecretRequest,
    ) -> ApiResult<DeleteSecretResponse> {
        let r = SecretRef::parse(&input.secret_id)?;
        let force = input.force_delete_without_recovery.unwrap_or(false);
        // The window's range is checked before its clash with a forced
        // delete, as AWS does (docs/behaviour.md §13.3).
        let days = input.recovery_window_in_days.unwrap_or(DEFAULT_RECOVERY_DAYS);
        if !(7..=30).contains(&days) {
            return Err(ApiError::invalid_parameter(
                "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).",
            ));
        }
        if force && input.recovery_window_in_days.is_some() {
            return Err(ApiError::invalid_parameter(
                "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
            ));
        }
        let now = self.clock.now();
        let Some(resolved) = self.resolve_ref(ctx, &input.secret_id, &r).await? else {
            if force {
                // AWS answers a forced delete of a missing secret as if it existed.
                return Ok(DeleteSecretResponse {
                    arn: Some(missing_secret_arn(ctx, &r, &input.secret_id)),
                    name: Some(input.secret_id),
                    deletion_date: Some(now),
                });
            }
            return Err(ApiError::secret_not_found());
        };
        let arn = resolved.arn().clone();
        let answer = move |deletion_date| DeleteSecretResponse {
            arn: Some(arn.to_string()),
            name: Some(arn.name.to_string()),
            deletion_date: Some(deletion_date),
        };
        self.mutate_secret(ctx.call.as_ref(), resolved.arn(), None, move |mut state, _| {
            if state.secret.meta.linked_cross_account_replica().is_some() {
                return Err(ApiError::invalid_request(format!(
                    "You can't delete secret {} while it has an associated cross-account replica.",
                    state.secret.arn.name
                )));
            }
            if let Some(replicas) = &state.secret.meta.replicas {
                let regions: Vec<&str> = replicas.iter().filter_map(|r| r.region.as_deref()).collect();
                // AWS names the secret by its ARN here (docs/behaviour.md §13.6).
                return Err(ApiError::invalid_parameter(format!(
                    "You can't delete secret {} that still has replica regions [{}].",
                    state.secret.arn,
                    regions.join(", ")
                )));
            }
            if force {
                return Ok((Change::purge(state.secret.pk), answer(now)));
            }
            if state.secret.deleted.is_some() {
                return Err(ApiError::marked_for_deletion());
            }
            let purge_at = now.plus_days(days);
            state.secret.deleted = Some(now);
            state.secret.purge_at = Some(purge_at);
            state.secret.last_changed = now;
            let mut write = SecretWrite::of(&state);
            write.audit.push(AuditEvent::service(events::START_SECRET_VERSION_DELETE, &state.secret.arn, now));
            Ok((Change::write(write), answer(purge_at)))
        })
        .await
    }

    /// RestoreSecret: cancel a scheduled deletion (a no-op otherwise).
    pub async fn restore_secret(
        &self,
        ctx: &RequestContext,
        input: RestoreSecretRequest,
    ) -> ApiResult<RestoreSecretResponse> {
        let arn = self.resolve(ctx, &input.secret_id).await?.arn().clone();
        let now = self.clock.now();
        let response = RestoreSecretResponse { arn: Some(arn.to_string()), name: Some(arn.name.to_string()) };
        self.mutate_secret(ctx.call.as_ref(), &arn, None, move |mut state, _| {
            if state.secret.deleted.is_none() {
                return Ok((Change::None, response));
            }
            state.secret.deleted = None;
            state.secret.purge_at = None;
            state.secret.last_changed = now;
            let mut write = SecretWrite::of(&state);
            write.audit.push(AuditEvent::service(events::CANCEL_SECRET_VERSION_DELETE, &state.secret.arn, now));
            Ok((Change::write(write), response))
        })
        .await
    }
}

/// PrimaryRegion: on a replica, its primary's region; on a primary with
/// replicas, its own.
pub(crate) fn primary_region(s: &SecretRecord) -> Option<String> {
    s.meta
        .primary_region
        .clone()
        .or_else(|| s.meta.replicas.as_ref().map(|_| s.arn.namespace.region.as_str().to_string()))
}

/// Version id → its labels, for VersionIdsToStages / SecretVersionsToStages
/// (versions without labels are left out).
pub(crate) fn version_stages(state: &SecretState) -> BTreeMap<String, Vec<String>> {
    let mut stages: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (label, version) in state.labels.iter() {
        stages.entry(version.to_string()).or_default().push(label.to_string());
    }
    stages
}

/// The ARN reported for a forced delete of a secret that does not exist.
fn missing_secret_arn(ctx: &RequestContext, r: &SecretRef, id: &str) -> String {
    match r {
        SecretRef::FullArn(arn) => arn.to_string(),
        _ if id.starts_with("arn:") => id.to_string(),
        _ => format!(
            "arn:aws:secretsmanager:{}:{}:secret:{id}-{}",
            ctx.namespace.region,
            ctx.namespace.account,
            ArnSuffix::random().as_str()
        ),
    }
}
