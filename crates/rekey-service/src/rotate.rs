//! RotateSecret and CancelRotateSecret (docs/behaviour.md §7): the synchronous
//! part. RotateSecret validates in AWS's order, saves the configuration,
//! creates the pending version and records the rotation job, all in one
//! transaction, then wakes the engine (in `rekey-rotation`, through
//! [`RotationRunner`](crate::RotationRunner)), which runs the steps.

use crate::Service;
use crate::access::Target;
use crate::context::RequestContext;
use crate::values::RequestedValue;
use rekey_model::Timestamp;
use rekey_model::api::*;
use rekey_model::audit::{AuditEvent, events};
use rekey_model::lifecycle::{self, current_since, replan};
use rekey_model::name::SecretRef;
use rekey_model::rotation::{ROTATOR_TAG, RotationMode};
use rekey_model::schedule::Schedule;
use rekey_model::secret::{SealedValue, SecretState, SecretValue};
use rekey_model::staging::{StagingLabel, VersionId};
use rekey_model::{ApiError, ApiResult, ErrorCode};
use rekey_store::{Change, SecretWrite, Store};

/// Starts a rotation of `state` in its transaction (see
/// [`lifecycle::begin`]): the write of its pending version, holding `value`
/// for a configuration test, and its job. (The scheduler starts its
/// rotations with it too.)
pub fn begin_rotation(
    state: &mut SecretState,
    token: VersionId,
    function: String,
    mode: RotationMode,
    value: Option<SealedValue>,
    now: Timestamp,
) -> ApiResult<SecretWrite> {
    let (version, job) = lifecycle::begin(state, token, function, mode, value.is_some(), now)?;
    let mut write = SecretWrite::of(state);
    let started = match mode {
        RotationMode::Rotate => events::ROTATION_STARTED,
        RotationMode::Test => events::TEST_ROTATION_STARTED,
    };
    write.audit.push(AuditEvent::service(started, &state.secret.arn, now));
    write.put_versions.push((version, value));
    write.rotation = Some(job);
    Ok(write)
}

impl<S: Store> Service<S> {
    /// RotateSecret.
    pub async fn rotate_secret(
        &self,
        ctx: &RequestContext,
        input: RotateSecretRequest,
    ) -> ApiResult<RotateSecretResponse> {
        let Some(token) = input.client_request_token.clone() else {
            return Err(ApiError::missing_client_request_token(ErrorCode::InvalidParameterException));
        };
        let token = VersionId::new(token);
        let resolved = self.resolve_live(ctx, &input.secret_id).await?;
        let arn = resolved.arn().clone();
        // Both a frequency and an expression, then the schedule's own rules
        // (docs/behaviour.md §7.1 #4, #5).
        if let Some(rules) = &input.rotation_rules
            && let Some(schedule) = Schedule::from_rules(rules)?
        {
            schedule.check_recurs()?;
        }
        let stored = &resolved.state.secret.meta.rotation;
        // Without an ARN, a secret tagged `rekey:rotator` names its built-in
        // rotator (as AWS managed rotation needs only rules).
        let tagged = || {
            let tags = resolved.state.secret.meta.tags.iter().flatten();
            tags.filter(|t| t.key.as_deref() == Some(ROTATOR_TAG)).find_map(|t| t.value.clone())
        };
        let function =
            input.rotation_lambda_arn.clone().or_else(|| stored.lambda_arn.clone()).or_else(tagged).ok_or_else(
                || ApiError::invalid_request("No Lambda rotation function ARN is associated with this secret."),
            )?;
        if !self.runner.has_function(&function, &arn.namespace.account) {
            return Err(ApiError::new(
                ErrorCode::AccessDeniedException,
                "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.",
            ));
        }
        self.authorize_invoke(ctx, &function)?;
        let master_arn = self.authorized_master(ctx, &resolved.state).await?;
        let mode = if input.rotate_immediately.unwrap_or(true) { RotationMode::Rotate } else { RotationMode::Test };
        // A configuration test runs on a copy of the current value.
        let copy = match mode {
            RotationMode::Test => self.copy_current(&resolved.state, &token).await?,
            RotationMode::Rotate => None,
        };
        let now = self.clock.now();
        let response = RotateSecretResponse {
            arn: Some(arn.to_string()),
            name: Some(arn.name.to_string()),
            version_id: Some(token.to_string()),
        };
        let response = self
            .mutate_live_secret(ctx.call.as_ref(), &arn, None, move |mut state, _| {
                if state.version(&token).is_some() {
                    return Ok((Change::None, response));
                }
                if state.labels.rotation_in_progress() {
                    return Err(ApiError::invalid_request(
                        "A previous rotation isn't complete. That rotation will be reattempted.",
                    ));
                }
                let rotation = &mut state.secret.meta.rotation;
                rotation.enabled = Some(true);
                rotation.lambda_arn = Some(function.clone());
                rotation.master_arn = master_arn;
                if let Some(rules) = input.rotation_rules {
                    rotation.rules = Some(rules);
                }
                match mode {
                    // The rotation starting now uses up its window.
                    RotationMode::Rotate => replan(&mut state.secret, now, Some(now), now),
                    RotationMode::Test => {
                        let last_change = current_since(&state);
                        replan(&mut state.secret, now, None, last_change)
                    }
                }
                state.secret.last_changed = now;
                let write = begin_rotation(&mut state, token, function, mode, copy, now)?;
                Ok((Change::write(write), response))
            })
            .await?;
        // (A replay wakes the engine too, which finds nothing new.)
        self.wake_rotations();
        Ok(response)
    }

    /// The current value sealed again as version `token` (for a
    /// configuration test); `None` when the secret has no current value.
    async fn copy_current(&self, state: &SecretState, token: &VersionId) -> ApiResult<Option<SealedValue>> {
        let Some(current) = state.labels.holder(StagingLabel::CURRENT) else {
            return Ok(None);
        };
        let arn = &state.secret.arn;
        let Some(sealed) = self.store.read_value(state.secret.pk, current).await? else {
            return Ok(None);
        };
        let value = self.seal.open(self.store.as_ref(), &sealed, arn, current).await?;
        let kms = state.secret.meta.kms_key_id.as_deref();
        let new = self.seal_version(kms, arn, RequestedValue { token: token.clone(), value }).await?;
        Ok(Some(new.sealed))
    }

    /// The master secret the current value names (a database secret's
    /// `masterarn`), which the caller must be allowed to read
    /// (`secretsmanager:GetSecretValue`), as at AWS the rotation
    /// function's role must be: the rotation reads it on the caller's
    /// behalf, and may read no other. Its ARN when it exists; `None` when
    /// the value names none (or one that does not exist, which a rotation
    /// then cannot read either).
    async fn authorized_master(&self, ctx: &RequestContext, state: &SecretState) -> ApiResult<Option<String>> {
        #[derive(serde::Deserialize)]
        struct Master {
            masterarn: Option<String>,
        }
        let Some(current) = state.labels.holder(StagingLabel::CURRENT) else { return Ok(None) };
        let Some(sealed) = self.store.read_value(state.secret.pk, current).await? else { return Ok(None) };
        let value = self.seal.open(self.store.as_ref(), &sealed, &state.secret.arn, current).await?;
        // Only `masterarn` is read out of the value (the rest is skipped, not copied).
        let SecretValue::String(text) = &value else { return Ok(None) };
        let Ok(Master { masterarn: Some(master) }) = serde_json::from_str::<Master>(text.expose()) else {
            return Ok(None);
        };
        let Ok(r) = SecretRef::parse(&master) else { return Ok(None) };
        let found = self.resolve_ref(&ctx.with_action("secretsmanager:GetSecretValue"), &master, &r).await?;
        Ok(found.map(|m| m.arn().to_string()))
    }

    /// The caller must be allowed `lambda:InvokeFunction` on the rotation
    /// function (as AWS requires of whoever configures or starts rotation).
    fn authorize_invoke(&self, ctx: &RequestContext, function_arn: &str) -> ApiResult<()> {
        self.authorize_action(ctx, "lambda:InvokeFunction", &Target::Function(function_arn))
    }

    /// CancelRotateSecret.
    pub async fn cancel_rotate_secret(
        &self,
        ctx: &RequestContext,
        input: CancelRotateSecretRequest,
    ) -> ApiResult<CancelRotateSecretResponse> {
        let resolved = self.resolve_live(ctx, &input.secret_id).await?;
        let arn = resolved.arn().clone();
        let now = self.clock.now();
        let answered = arn.clone();
        self.mutate_live_secret(ctx.call.as_ref(), &arn, None, move |mut state, _| {
            if state.secret.meta.rotation.enabled.is_none() {
                return Err(ApiError::invalid_request(format!(
                    "Secret {} does not have rotation configured.",
                    state.secret.arn
                )));
            }
            // The rotation stops where it is: AWSPENDING stays (docs/behaviour.md §6.11).
            let pending = state
                .labels
                .rotation_in_progress()
                .then(|| state.labels.holder(StagingLabel::PENDING).cloned())
                .flatten();
            state.secret.meta.rotation.enabled = Some(false);
            replan(&mut state.secret, now, None, now);
            state.secret.last_changed = now;
            let mut write = SecretWrite::of(&state);
            write.end_rotations = Some(rekey_model::rotation::JobStatus::Cancelled);
            let response = CancelRotateSecretResponse {
                arn: Some(answered.to_string()),
                name: Some(answered.name.to_string()),
                version_id: pending.map(|v| v.to_string()),
            };
            Ok((Change::write(write), response))
        })
        .await
    }
}
