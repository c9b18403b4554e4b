//! Secret values, versions and staging labels: GetSecretValue,
//! PutSecretValue, ListSecretVersionIds, UpdateSecretVersionStage, and the
//! version-writing rule that CreateSecret and UpdateSecret share.

use crate::Service;
use crate::context::RequestContext;
use base64::Engine as _;
use rekey_model::api::*;
use rekey_model::lifecycle::{replan, restarts_on_manual_change};
use rekey_model::name::Arn;
use rekey_model::rotation::JobStatus;
use rekey_model::secret::{SealedValue, SecretState, SecretValue, VersionRecord};
use rekey_model::staging::{StagingLabel, VersionId};
use rekey_model::{ApiError, ApiResult, Blob, ErrorCode, SensitiveString, Timestamp};
use rekey_store::seal::Seal;
use rekey_store::{Change, SecretWrite, Store};
use std::sync::Arc;

/// Versions kept per secret before deprecated ones are purged.
pub(crate) const MAX_VERSIONS: usize = 100;
/// A deprecated version younger than this is never purged.
const VERSION_MIN_AGE_MS: i64 = 24 * 3600 * 1000;

/// A value a write request asks for, with the token that names its version.
pub(crate) struct RequestedValue {
    /// The ClientRequestToken: the new version's id.
    pub token: VersionId,
    /// The value in the clear.
    pub value: SecretValue,
}

/// The value of a write request (CreateSecret, PutSecretValue,
/// UpdateSecret), checked in AWS's order (docs/behaviour.md §1.5): a value
/// without a ClientRequestToken first, then both SecretString and
/// SecretBinary. `None` when the request carries no value.
pub(crate) fn requested_value(
    token: Option<String>,
    string: Option<SensitiveString>,
    binary: Option<Blob>,
) -> ApiResult<Option<RequestedValue>> {
    if token.is_none() && (string.is_some() || binary.is_some()) {
        return Err(ApiError::missing_client_request_token(ErrorCode::InvalidRequestException));
    }
    let value = match (string, binary) {
        (Some(_), Some(_)) => return Err(ApiError::both_values()),
        (Some(s), None) => SecretValue::String(s),
        (None, Some(b)) => SecretValue::Binary(b),
        (None, None) => return Ok(None),
    };
    Ok(token.map(|t| RequestedValue { token: VersionId::new(t), value }))
}

/// A requested value sealed for its version: what [`write_version`] writes.
pub(crate) struct NewVersion {
    /// The version id.
    pub token: VersionId,
    /// The value in the clear (for the idempotency comparison).
    pub value: SecretValue,
    /// The value as stored.
    pub sealed: SealedValue,
}

/// What writing a value into a secret amounts to.
pub(crate) enum VersionWrite {
    /// Same token, same value: an idempotent replay; nothing changes.
    Replay,
    /// A new version (or a value filled into the value-less pending version).
    Written,
}

/// Writes `value` (already sealed as `sealed`) as version `token` of
/// `state`, moving labels per docs/behaviour.md §4.2 and §5.1, and purging
/// deprecated versions beyond the quota. Pure: changes `state` and `write`.
pub(crate) fn write_version(
    seal: &Seal,
    state: &mut SecretState,
    write: &mut SecretWrite,
    new: NewVersion,
    preloaded: Option<Arc<SealedValue>>,
    stages: Option<&[StagingLabel]>,
    now: Timestamp,
) -> ApiResult<VersionWrite> {
    let NewVersion { token, value, sealed } = new;
    let token = &token;
    let kms_key_id = state.secret.meta.kms_key_id.clone();
    let record = match state.version(token) {
        Some(existing) if existing.has_value => {
            // Opening needs the KEK in cache; the caller sealed the new value
            // under the secret's key just before, so it is there unless the
            // key changed in between, which then counts as a different value.
            let same =
                preloaded.and_then(|p| seal.open_cached(&p, &state.secret.arn, token)).is_some_and(|v| v == value);
            return if same {
                Ok(VersionWrite::Replay)
            } else {
                Err(ApiError::token_in_use(token.as_str(), &state.secret.arn))
            };
        }
        Some(placeholder) => VersionRecord { has_value: true, kms_key_id, ..placeholder.clone() },
        None => {
            VersionRecord { version_id: token.clone(), created: now, last_accessed: None, has_value: true, kms_key_id }
        }
    };
    let first = state.labels.holder(StagingLabel::CURRENT).is_none();
    let placement = state.labels.place_new_version(token, stages, first)?;
    if placement.abandoned_pending.is_some() {
        // A manual new current value abandons the rotation in progress (docs/behaviour.md §4.4).
        write.end_rotations = Some(JobStatus::Abandoned);
    }
    if state.labels.holder(StagingLabel::CURRENT) == Some(token) && restarts_on_manual_change(&state.secret) {
        // A new current value counts as a rotation for schedules in days.
        replan(&mut state.secret, now, Some(now), now);
    }
    if state.version(token).is_none() {
        state.versions.push(record.clone());
    }
    // Keep at most MAX_VERSIONS: drop the oldest deprecated versions that are
    // at least a day old; if that is not enough, refuse the write.
    let mut excess = state.versions.len().saturating_sub(MAX_VERSIONS);
    if excess > 0 {
        let doomed: Vec<VersionId> = state
            .versions
            .iter()
            .filter(|v| &v.version_id != token && !state.labels.is_labelled(&v.version_id))
            .filter(|v| v.created.millis() + VERSION_MIN_AGE_MS <= now.millis())
            .take(excess)
            .map(|v| v.version_id.clone())
            .collect();
        excess -= doomed.len();
        if excess > 0 {
            return Err(ApiError::new(
                ErrorCode::LimitExceededException,
                format!("You can't create more than {MAX_VERSIONS} versions of a secret within 24 hours."),
            ));
        }
        state.versions.retain(|v| !doomed.contains(&v.version_id));
        write.delete_versions.extend(doomed);
    }
    write.put_versions.push((record, Some(sealed)));
    write.labels = state.labels.clone();
    state.secret.last_changed = now;
    write.secret = state.secret.clone();
    Ok(VersionWrite::Written)
}

fn stage_names(labels: Vec<StagingLabel>) -> Vec<String> {
    labels.into_iter().map(|l| l.as_str().to_string()).collect()
}

/// `KmsKeyIds` of a version: AWS names the default key `DefaultEncryptionKey`
/// (stored KmsKeyIds are normalized: the default key is `None`).
fn kms_key_ids(v: &VersionRecord) -> Vec<String> {
    vec![v.kms_key_id.clone().unwrap_or_else(|| "DefaultEncryptionKey".to_string())]
}

/// A page position in a short list, as an opaque NextToken.
fn page_token(index: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("v1:{index}"))
}

fn parse_page_token(token: &str) -> ApiResult<usize> {
    let invalid = ApiError::invalid_next_token;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix("v1:").and_then(|n| n.parse().ok()).ok_or_else(invalid)
}

impl<S: Store> Service<S> {
    /// Seals a requested value for its version of `arn` under `kms_key_id`.
    pub(crate) async fn seal_version(
        &self,
        kms_key_id: Option<&str>,
        arn: &Arn,
        requested: RequestedValue,
    ) -> ApiResult<NewVersion> {
        let RequestedValue { token, value } = requested;
        let sealed = self.seal.seal(self.store.as_ref(), kms_key_id, arn, &token, &value).await?;
        Ok(NewVersion { token, value, sealed })
    }

    /// GetSecretValue.
    pub async fn get_secret_value(
        &self,
        ctx: &RequestContext,
        input: GetSecretValueRequest,
    ) -> ApiResult<GetSecretValueResponse> {
        let resolved = self.resolve_live(ctx, &input.secret_id).await?;
        let state = &resolved.state;
        let version_id = match (&input.version_id, &input.version_stage) {
            (Some(id), stage) => {
                let id = VersionId::new(id.clone());
                if !state.version(&id).is_some_and(|v| v.has_value) {
                    return Err(ApiError::version_not_found(id.as_str()));
                }
                if let Some(stage) = stage
                    && state.labels.holder(stage) != Some(&id)
                {
                    return Err(ApiError::invalid_request(
                        "You provided a VersionStage that is not associated to the provided VersionId.",
                    ));
                }
                id
            }
            (None, stage) => {
                let stage = stage.as_deref().unwrap_or(StagingLabel::CURRENT);
                match state.labels.holder(stage) {
                    Some(id) if state.version(id).is_some_and(|v| v.has_value) => id.clone(),
                    _ => return Err(ApiError::label_not_found(stage)),
                }
            }
        };
        let not_found = || match &input.version_id {
            Some(id) => ApiError::version_not_found(id),
            None => ApiError::label_not_found(input.version_stage.as_deref().unwrap_or(StagingLabel::CURRENT)),
        };
        let sealed = self.store.read_value(state.secret.pk, &version_id).await?.ok_or_else(not_found)?;
        let value = self.seal.open(self.store.as_ref(), &sealed, resolved.arn(), &version_id).await?;
        let version = state.version(&version_id).ok_or_else(not_found)?;
        let today = self.clock.now().day_start();
        if state.secret.last_accessed.is_none_or(|d| d < today) || version.last_accessed.is_none_or(|d| d < today) {
            self.store.record_access(state, &version_id, today);
        }
        let (secret_string, secret_binary) = match value {
            SecretValue::String(s) => (Some(s), None),
            SecretValue::Binary(b) => (None, Some(b)),
        };
        Ok(GetSecretValueResponse {
            arn: Some(resolved.arn().text()),
            name: Some(resolved.arn().name.to_string()),
            version_id: Some(version_id.to_string()),
            secret_string,
            secret_binary,
            version_stages: Some(stage_names(state.labels.on(&version_id))),
            created_date: Some(version.created),
        })
    }

    /// PutSecretValue.
    pub async fn put_secret_value(
        &self,
        ctx: &RequestContext,
        input: PutSecretValueRequest,
    ) -> ApiResult<PutSecretValueResponse> {
        rekey_model::name::SecretRef::parse(&input.secret_id)?;
        if input.client_request_token.is_none() {
            return Err(ApiError::missing_client_request_token(ErrorCode::InvalidRequestException));
        }
        let requested = requested_value(input.client_request_token, input.secret_string, input.secret_binary)?
            .ok_or_else(|| ApiError::invalid_request("You must provide either SecretString or SecretBinary."))?;
        let stages: Option<Vec<StagingLabel>> =
            input.version_stages.map(|v| v.into_iter().map(StagingLabel::new).collect());
        let resolved = self.resolve_live(ctx, &input.secret_id).await?;
        let arn = resolved.arn().clone();
        let token = requested.token.clone();
        let new = self.seal_version(resolved.state.secret.meta.kms_key_id.as_deref(), &arn, requested).await?;
        let seal = self.seal.clone();
        let now = self.clock.now();
        let answered = arn.clone();
        self.mutate_live_secret(ctx.call.as_ref(), &arn, Some(token.clone()), move |mut state, preloaded| {
            let mut write = SecretWrite::of(&state);
            let change = match write_version(&seal, &mut state, &mut write, new, preloaded, stages.as_deref(), now)? {
                VersionWrite::Replay => Change::None,
                VersionWrite::Written => Change::write(write),
            };
            let response = PutSecretValueResponse {
                arn: Some(answered.to_string()),
                name: Some(answered.name.to_string()),
                version_stages: Some(stage_names(state.labels.on(&token))),
                version_id: Some(token.to_string()),
            };
            Ok((change, response))
        })
        .await
    }

    /// ListSecretVersionIds.
    pub async fn list_secret_version_ids(
        &self,
        ctx: &RequestContext,
        input: ListSecretVersionIdsRequest,
    ) -> ApiResult<ListSecretVersionIdsResponse> {
        let resolved = self.resolve(ctx, &input.secret_id).await?;
        let state = &resolved.state;
        let include_deprecated = input.include_deprecated.unwrap_or(false);
        let listed: Vec<&VersionRecord> = state
            .versions
            .iter()
            .filter(|v| v.has_value && (include_deprecated || state.labels.is_labelled(&v.version_id)))
            .collect();
        let start = input.next_token.as_deref().map(parse_page_token).transpose()?.unwrap_or(0);
        let page = input.max_results.unwrap_or(100) as usize;
        let end = (start + page).min(listed.len());
        let versions = listed
            .get(start.min(end)..end)
            .unwrap_or_default()
            .iter()
            .map(|v| {
                let stages = state.labels.on(&v.version_id);
                SecretVersionsListEntry {
                    version_id: Some(v.version_id.to_string()),
                    version_stages: (!stages.is_empty()).then(|| stage_names(stages)),
                    last_accessed_date: v.last_accessed,
                    created_date: Some(v.created),
                    kms_key_ids: Some(kms_key_ids(v)),
                }
            })
            .collect();
        Ok(ListSecretVersionIdsResponse {
            arn: Some(resolved.arn().text()),
            name: Some(resolved.arn().name.to_string()),
            versions: Some(versions),
            next_token: (end < listed.len()).then(|| page_token(end)),
        })
    }

    /// UpdateSecretVersionStage.
    pub async fn update_secret_version_stage(
        &self,
        ctx: &RequestContext,
        input: UpdateSecretVersionStageRequest,
    ) -> ApiResult<UpdateSecretVersionStageResponse> {
        let resolved = self.resolve_live(ctx, &input.secret_id).await?;
        let arn = resolved.arn().clone();
        let now = self.clock.now();
        let response =
            UpdateSecretVersionStageResponse { arn: Some(arn.to_string()), name: Some(arn.name.to_string()) };
        self.mutate_live_secret(ctx.call.as_ref(), &arn, None, move |mut state, _| {
            let label = StagingLabel::new(input.version_stage);
            let remove_from = input.remove_from_version_id.map(VersionId::new);
            let move_to = input.move_to_version_id.map(VersionId::new);
            let versions = state.versions.clone();
            state.labels.update_stage(&label, remove_from.as_ref(), move_to.as_ref(), |v| {
                versions.iter().any(|r| &r.version_id == v)
            })?;
            state.secret.last_changed = now;
            Ok((Change::write(SecretWrite::of(&state)), response))
        })
        .await
    }
}
