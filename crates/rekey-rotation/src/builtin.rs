//! `builtin:password`: rotation without any function to deploy (every
//! server has it, with no configuration). rekey runs the four steps
//! itself, through its own operations, as AWS's generic rotation template
//! does: createSecret draws a new password into the pending version (the
//! `password` key of a JSON SecretString that has one, another key if
//! configured, else the whole SecretString), testSecret reads it back,
//! finishSecret moves AWSCURRENT.

use super::functions::{ExecutorKind, Function, FunctionError, PASSWORD};
use crate::engine::RotationEngine;
use rekey_model::api::{
    GetSecretValueRequest, GetSecretValueResponse, Operation, PutSecretValueRequest, UpdateSecretVersionStageRequest,
};
use rekey_model::password::PasswordRules;
use rekey_model::rotation::{RotationJob, RotationStep};
use rekey_model::staging::StagingLabel;
use rekey_model::{ApiError, SensitiveString};
use rekey_service::RequestContext;
use rekey_store::Store;
use serde::Deserialize;
use zeroize::Zeroizing;

/// `type = "builtin:password"` and its GetRandomPassword options.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordRotator {
    /// Replace this key of a JSON object SecretString (default: its
    /// `password` key if it has one, else the whole SecretString).
    #[serde(default)]
    pub json_key: Option<String>,
    /// Password length (default 32).
    #[serde(default)]
    pub password_length: Option<usize>,
    /// Characters never to use.
    #[serde(default)]
    pub exclude_characters: Option<String>,
    /// Leave out 0–9.
    #[serde(default)]
    pub exclude_numbers: bool,
    /// Leave out punctuation.
    #[serde(default)]
    pub exclude_punctuation: bool,
    /// Leave out A–Z.
    #[serde(default)]
    pub exclude_uppercase: bool,
    /// Leave out a–z.
    #[serde(default)]
    pub exclude_lowercase: bool,
    /// Allow spaces.
    #[serde(default)]
    pub include_space: bool,
    /// At least one of each included class (default true).
    #[serde(default)]
    pub require_each_included_type: Option<bool>,
}

/// `type = "builtin:password"` (run by the engine, through rekey's own operations).
pub const KIND: ExecutorKind =
    ExecutorKind { tag: PASSWORD, build: |_, options| Ok(Function::Password(ExecutorKind::options(options)?)) };

impl PasswordRotator {
    fn rules(&self) -> PasswordRules {
        let d = PasswordRules::default();
        PasswordRules {
            length: self.password_length.unwrap_or(d.length),
            exclude_characters: self.exclude_characters.clone().unwrap_or_default(),
            exclude_numbers: self.exclude_numbers,
            exclude_punctuation: self.exclude_punctuation,
            exclude_uppercase: self.exclude_uppercase,
            exclude_lowercase: self.exclude_lowercase,
            include_space: self.include_space,
            require_each_included_type: self.require_each_included_type.unwrap_or(d.require_each_included_type),
        }
    }

    /// The key of `current` to replace, if any.
    fn key_of(&self, current: Option<&str>) -> Option<String> {
        if let Some(key) = &self.json_key {
            return Some(key.clone());
        }
        // A JSON document with a `password` (as AWS's database secrets have)
        // keeps its other keys.
        let mut doc: serde_json::Map<String, serde_json::Value> = serde_json::from_str(current?).ok()?;
        let has = doc.get("password").is_some_and(serde_json::Value::is_string);
        // The parsed copy holds secrets too.
        for v in doc.values_mut() {
            if let serde_json::Value::String(s) = v {
                zeroize::Zeroize::zeroize(s);
            }
        }
        has.then(|| "password".to_string())
    }

    /// The new SecretString: a password, or `current` with its key replaced.
    fn new_value(&self, current: Option<&str>) -> Result<Zeroizing<String>, String> {
        let password = self.rules().generate().map_err(|e| e.message)?;
        let Some(key) = self.key_of(current) else {
            return Ok(password);
        };
        let mut doc: serde_json::Map<String, serde_json::Value> = match current {
            Some(c) => {
                serde_json::from_str(c).map_err(|_| "the current SecretString is not a JSON object".to_string())?
            }
            None => serde_json::Map::new(),
        };
        doc.insert(key, serde_json::Value::String(password.to_string()));
        let text = Zeroizing::new(serde_json::to_string(&doc).expect("a JSON map encodes"));
        // The map's strings are copies of secrets too.
        for v in doc.values_mut() {
            if let serde_json::Value::String(s) = v {
                zeroize::Zeroize::zeroize(s);
            }
        }
        Ok(text)
    }
}

/// The actions of the built-ins' calls, authorized as the job's role
/// ([`crate::role`]) like any caller's.
const GET: &str = "secretsmanager:GetSecretValue";
const PUT: &str = "secretsmanager:PutSecretValue";
pub(super) const DESCRIBE: &str = "secretsmanager:DescribeSecret";

/// An operation's error as a step's failure.
pub(super) fn failed(e: ApiError) -> FunctionError {
    FunctionError::Function(format!("{}: {}", e.code.as_str(), e.message))
}

/// The built-ins' calls: the operations a rotation function would call,
/// each recorded in the audit trail as the job's role's call (as a Lambda
/// function's calls are), authorized like any caller's.
impl<S: Store> RotationEngine<S> {
    /// GetSecretValue.
    pub(super) async fn get_value(
        &self,
        ctx: &RequestContext,
        req: GetSecretValueRequest,
    ) -> Result<GetSecretValueResponse, ApiError> {
        let ctx = ctx.with_action(GET);
        let params = req.clone();
        self.service
            .own_call(&ctx, Operation::GetSecretValue, &params, |c| async move {
                self.service.get_secret_value(&c, req).await
            })
            .await
    }

    /// PutSecretValue (its value is not among the recorded parameters).
    pub(super) async fn put_value(&self, ctx: &RequestContext, req: PutSecretValueRequest) -> Result<(), ApiError> {
        let ctx = ctx.with_action(PUT);
        let params = PutSecretValueRequest { secret_string: None, secret_binary: None, ..req.clone() };
        self.service
            .own_call(&ctx, Operation::PutSecretValue, &params, |c| async move {
                self.service.put_secret_value(&c, req).await.map(|_| ())
            })
            .await
    }

    /// UpdateSecretVersionStage.
    async fn move_label(&self, ctx: &RequestContext, req: UpdateSecretVersionStageRequest) -> Result<(), ApiError> {
        let ctx = ctx.with_action("secretsmanager:UpdateSecretVersionStage");
        let params = req.clone();
        self.service
            .own_call(&ctx, Operation::UpdateSecretVersionStage, &params, |c| async move {
                self.service.update_secret_version_stage(&c, req).await.map(|_| ())
            })
            .await
    }
}

impl<S: Store> RotationEngine<S> {
    /// Runs one step of a `builtin:password` rotation.
    pub(crate) async fn builtin_password_step(
        &self,
        rotator: &PasswordRotator,
        ctx: &RequestContext,
        job: &RotationJob,
        step: RotationStep,
    ) -> Result<(), FunctionError> {
        let arn = job.arn.to_string();
        let token = job.token.as_str().to_string();
        let pending = || GetSecretValueRequest {
            secret_id: arn.clone(),
            version_id: Some(token.clone()),
            version_stage: Some(StagingLabel::PENDING.into()),
        };
        match step {
            RotationStep::Create => {
                if self.get_value(ctx, pending()).await.is_ok() {
                    return Ok(());
                }
                let current = self
                    .get_value(
                        ctx,
                        GetSecretValueRequest { secret_id: arn.clone(), version_id: None, version_stage: None },
                    )
                    .await;
                let current = match &current {
                    Ok(v) => v.secret_string.as_ref().map(|s| s.expose()),
                    Err(e) if e.code == rekey_model::ErrorCode::ResourceNotFoundException => None,
                    Err(e) => return Err(failed(e.clone())),
                };
                let value = rotator.new_value(current).map_err(FunctionError::Function)?;
                self.put_value(
                    ctx,
                    PutSecretValueRequest {
                        secret_id: arn,
                        client_request_token: Some(token),
                        secret_string: Some(SensitiveString::new(value.to_string())),
                        version_stages: Some(vec![StagingLabel::PENDING.into()]),
                        ..Default::default()
                    },
                )
                .await
                .map_err(failed)
            }
            RotationStep::Set => Ok(()),
            RotationStep::Test => self.get_value(ctx, pending()).await.map(|_| ()).map_err(failed),
            RotationStep::Finish => self.finish_step(ctx, job).await,
        }
    }

    /// finishSecret of the built-in rotators: AWSCURRENT moves to the
    /// job's version (nothing to do if it is there already).
    pub(super) async fn finish_step(&self, ctx: &RequestContext, job: &RotationJob) -> Result<(), FunctionError> {
        let arn = job.arn.to_string();
        let state = self.service.resolve(&ctx.with_action(DESCRIBE), &arn).await.map_err(failed)?.state;
        let current = state.labels.holder(StagingLabel::CURRENT).cloned();
        if current.as_ref() == Some(&job.token) {
            return Ok(());
        }
        self.move_label(
            ctx,
            UpdateSecretVersionStageRequest {
                secret_id: arn,
                version_stage: StagingLabel::CURRENT.into(),
                move_to_version_id: Some(job.token.as_str().to_string()),
                remove_from_version_id: current.map(|c| c.as_str().to_string()),
            },
        )
        .await
        .map_err(failed)
    }
}
