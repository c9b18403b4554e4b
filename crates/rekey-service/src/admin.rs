//! rekey's own operations beside the AWS API (`X-Amz-Target: rekey.<Op>`),
//! for `rekey admin`: the rotation history, which DescribeSecret, being
//! AWS-shaped, cannot show; the `--dev` clock; and the principals —
//! accounts, users, their access keys and identity policies.
//!
//! Principal operations are authorized as IAM's namesakes (`iam:CreateUser`
//! on the user's ARN…): an account's root may manage its own users, a user
//! what its policies allow, and the administrator account's root any
//! account (and only it creates accounts).

use crate::Service;
use crate::access::{Grant, Target};
use crate::audit::{Call, LOOKUP_EVENTS, LookupRequest};
use crate::context::RequestContext;
use crate::dispatch::parse_body;
use rekey_model::identity::{UserName, user_arn};
use rekey_model::lifecycle;
use rekey_model::name::{AccountId, Arn};
use rekey_model::rotation::{JobId, RotationJob, StepLog};
use rekey_model::{ApiError, ApiResult, ErrorCode};
use rekey_store::{FunctionLogRecord, History, MasterPhase, Store, master_rotation};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The most scheduled rotations one move of the clock stops at; beyond,
/// it jumps, and the rest start late, as after downtime.
const MAX_CLOCK_STOPS: usize = 10_000;

/// 9999-12-31T23:59:59Z, the furthest the `--dev` clock moves.
const LAST_INSTANT_MS: i64 = 253_402_300_799_000;

/// How long `RotateMasterKey` on a shared store waits for the rotation to
/// end before it answers with how far it went.
const SHARED_ROTATION_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// The target prefix of rekey's own operations.
pub const ADMIN_TARGET_PREFIX: &str = "rekey.";

/// rekey's own operations.
pub const ADMIN_OPERATIONS: &[&str] = &[
    "ListRotations",
    "ListFunctionLogs",
    "Clock",
    "LookupEvents",
    "VerifyTrail",
    "Backup",
    "RotateMasterKey",
    "GetMasterKeyRotation",
    "GetSessionToken",
    "EndSession",
    "GetCallerIdentity",
    "CreateSignInLink",
    "RedeemSignInLink",
    "CreateAccount",
    "ListAccounts",
    "CreateUser",
    "ListUsers",
    "CreateAccessKey",
    "ListAccessKeys",
    "DeleteAccessKey",
    "PutUserPolicy",
    "DeleteUserPolicy",
    "ListUserPolicies",
];

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ClockRequest {
    /// Move forward by this many seconds.
    advance_seconds: Option<i64>,
    /// Move forward to this instant (epoch seconds).
    set: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListRotationsRequest {
    secret_id: Option<String>,
    /// Several secrets at once (the console's list): the latest
    /// `MaxResults` jobs of each (default 1) the caller may describe;
    /// the others are left out.
    secret_ids: Option<Vec<String>>,
    max_results: Option<usize>,
}

/// Secrets one ListRotations may name.
const MAX_SECRET_IDS: usize = 100;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListFunctionLogsRequest {
    secret_id: Option<String>,
    job_id: Option<String>,
    max_results: Option<usize>,
}

/// The parameters of the principal operations (each uses some).
#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase", default)]
struct PrincipalRequest {
    /// The account acted on (default: the caller's).
    account_id: Option<String>,
    user_name: Option<String>,
    access_key_id: Option<String>,
    policy_name: Option<String>,
    policy_document: Option<String>,
}

fn request<T: DeserializeOwned>(op: &str, body: &[u8]) -> ApiResult<T> {
    serde_json::from_value(parse_body(body)?)
        .map_err(|e| ApiError::invalid_parameter(format!("Invalid {op} request: {e}")))
}

fn encode(v: Value) -> ApiResult<Vec<u8>> {
    serde_json::to_vec(&v).map_err(|e| ApiError::internal(format!("response encoding failed: {e}")))
}

fn required<'a>(v: &'a Option<String>, field: &str) -> ApiResult<&'a str> {
    v.as_deref().ok_or_else(|| ApiError::invalid_parameter(format!("{field} is required.")))
}

fn user_name(v: &Option<String>) -> ApiResult<UserName> {
    let name = required(v, "UserName")?;
    UserName::parse(name).ok_or_else(|| {
        ApiError::invalid_parameter(format!(
            "The user name {name} is not valid: 1 to 64 characters of letters, digits and +=,.@_-"
        ))
    })
}

impl PrincipalRequest {
    fn account(&self, ctx: &RequestContext) -> ApiResult<AccountId> {
        match &self.account_id {
            None => Ok(ctx.principal.account.clone()),
            Some(a) => AccountId::parse(a)
                .ok_or_else(|| ApiError::invalid_parameter(format!("The account id {a} is not 12 digits."))),
        }
    }
}

/// Temporary credentials as the answer shows them (once).
fn credentials_view(creds: &crate::identity::TemporaryCredentials) -> Value {
    json!({"Credentials": {
        "AccessKeyId": creds.access_key_id,
        "SecretAccessKey": creds.secret_access_key.as_str(),
        "SessionToken": creds.session_token.as_str(),
        "Expiration": creds.expires,
    }})
}

/// Temporary credentials cannot administer (as STS session credentials
/// cannot call IAM at AWS): a leaked session token must not mint keys.
fn refuse_sessions(ctx: &RequestContext, op: &str) -> ApiResult<()> {
    if ctx.principal.session {
        return Err(ApiError::new(
            ErrorCode::AccessDeniedException,
            format!("Cannot call {op} with session credentials"),
        ));
    }
    Ok(())
}

impl<S: Store> Service<S> {
    /// Moves the (movable) clock forward to `target` (ms), stopping at
    /// each scheduled rotation on the way until the scheduler has started
    /// it, so that however the clock is moved, big jumps or many small
    /// steps, a rotation starts at its planned instant, inside its window.
    /// The new offset is kept before the move is acknowledged.
    async fn move_clock(&self, target: i64) -> ApiResult<()> {
        for _ in 0..MAX_CLOCK_STOPS {
            let now = self.clock.now();
            match self.store.next_rotation_due(now).await? {
                Some(due) if due.millis() <= target => {
                    self.clock.advance(due.millis() - now.millis());
                    self.runner.clock_moved().await;
                }
                _ => break,
            }
        }
        let now = self.clock.now().millis();
        self.clock.advance(target - now);
        if let Some(offset) = self.clock.offset_ms() {
            self.store.save_dev_clock_offset(offset).await?;
        }
        self.runner.clock_moved().await;
        self.wake_rotations();
        Ok(())
    }

    /// Whether the caller may read the value of the secret `arn` (and so
    /// what its rotation functions printed).
    async fn may_read_value(&self, ctx: &RequestContext, arn: &Arn) -> ApiResult<bool> {
        let state = self.store.load(&arn.namespace, &arn.name).await?;
        let state = state.as_deref().filter(|s| &s.secret.arn == arn);
        let shown = arn.to_string();
        let target = Target::Secret { arn: shown.clone(), shown: &shown, state };
        Ok(self.authorize_action(ctx, "secretsmanager:GetSecretValue", &target).is_ok())
    }

    /// A rotation job as ListRotations shows it: each failed step's
    /// function output opened for a caller who may read the secret's
    /// value, left out (and said so) for others.
    fn job_view(&self, job: &RotationJob, may_read: bool) -> Value {
        let mut view = serde_json::to_value(job).unwrap_or(Value::Null);
        // The event's RotationToken is the model's sensitive kind: the
        // function's, not a reader's of the history.
        if let Some(fields) = view.as_object_mut() {
            fields.remove("rotation_token");
            if let Some(remedy) = lifecycle::remedy(job) {
                fields.insert("remedy".into(), Value::String(remedy));
            }
        }
        let Some(steps) = view.get_mut("steps").and_then(Value::as_array_mut) else { return view };
        for (record, step) in job.steps.iter().zip(steps) {
            let (Some(sealed), Some(step)) = (&record.output, step.as_object_mut()) else { continue };
            step.remove("output");
            let opened = may_read.then(|| self.seal.open_output(&record.output_context(&job.id), &sealed.0)).flatten();
            match opened {
                // Moved out, not copied (the answer holds it anyway).
                Some(mut text) => step.insert("output".into(), Value::String(std::mem::take(&mut *text))),
                None => step.insert(
                    "output_hidden".into(),
                    Value::String(
                        "the function's output is shown to callers allowed secretsmanager:GetSecretValue on the secret"
                            .into(),
                    ),
                ),
            };
        }
        view
    }

    /// One step's function log, opened (the caller may read the secret).
    fn function_log_view(&self, record: &FunctionLogRecord) -> Value {
        let opened = self.seal.open_output(&record.seal_context(), &record.sealed.0);
        let log: Option<StepLog> = opened.as_deref().and_then(|text| serde_json::from_str(text).ok());
        let mut view = json!({
            "JobId": record.job.as_str(),
            "Attempt": record.attempt,
            "Step": record.step.as_str(),
            "FunctionArn": record.function_arn,
            "Started": record.started.millis() as f64 / 1000.0,
        });
        match log {
            Some(log) => {
                view["Events"] = serde_json::to_value(&log.events).unwrap_or_default();
                view["DroppedEvents"] = log.dropped_events.into();
            }
            // Not this step's: moved here from another row, or damaged.
            None => view["Error"] = "this log does not open under its step: it was moved or damaged".into(),
        }
        view
    }

    /// Whether the caller is the administrator (the admin account's root,
    /// or anyone in `--dev`).
    /// Starts a master-key rotation on a shared store and waits a little
    /// for it: nodes sharing the key file take the new key at once; the
    /// others once the operator copied `<file>.next` beside their key file.
    async fn rotate_shared_master_key(&self, file: &std::path::Path) -> ApiResult<Value> {
        let failed = |e: rekey_store::seal::SealError| {
            tracing::error!(error = %e, "master key rotation failed");
            ApiError::internal("The master key rotation failed; see the server's log.")
        };
        let Some(rotation) = master_rotation::begin(&self.seal, self.store.as_ref(), file).await.map_err(failed)?
        else {
            return Err(ApiError::invalid_request("A master key rotation is already under way."));
        };
        let deadline = std::time::Instant::now() + SHARED_ROTATION_WAIT;
        loop {
            let view = self.master_key_rotation_view().await?;
            if view["RotationId"] != rotation.id.as_str() || std::time::Instant::now() >= deadline {
                return Ok(view);
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// The master-key rotation under way on a shared store: its phase,
    /// and what each serving node has of the new key (`Phase: Done` when
    /// none is under way).
    async fn master_key_rotation_view(&self) -> ApiResult<Value> {
        let status = master_rotation::status(self.store.as_ref()).await.map_err(|e| {
            tracing::error!(error = %e, "cannot read the master key rotation");
            ApiError::internal("An error occurred on the server side.")
        })?;
        let Some((rotation, nodes)) = status else { return Ok(json!({ "Phase": "Done" })) };
        let nodes: Vec<Value> =
            nodes.iter().map(|(node, key)| json!({ "Node": node, "NewKey": key.as_str() })).collect();
        let phase = match rotation.phase {
            MasterPhase::Staged => "Staged",
            MasterPhase::Sealing => "Sealing",
        };
        Ok(json!({ "RotationId": rotation.id, "Phase": phase, "Nodes": nodes }))
    }

    /// Refuses anyone but the administrator, saying they may not `what`.
    fn require_administrator(&self, ctx: &RequestContext, what: &str) -> ApiResult<()> {
        if self.is_administrator(ctx) {
            return Ok(());
        }
        Err(ApiError::new(
            ErrorCode::AccessDeniedException,
            format!("User: {} is not authorized to {what}", ctx.principal.arn),
        ))
    }

    fn is_administrator(&self, ctx: &RequestContext) -> bool {
        match ctx.principal.grant {
            Grant::Unrestricted => true,
            Grant::Root => self.admin_account.as_ref() == Some(&ctx.principal.account),
            Grant::Policies(_) => false,
        }
    }

    /// Authorizes a principal operation, IAM's `action`, on `resource` of `account`.
    fn authorize_principal_op(
        &self,
        ctx: &RequestContext,
        action: &str,
        account: &AccountId,
        resource: &str,
    ) -> ApiResult<()> {
        if self.is_administrator(ctx) {
            return Ok(());
        }
        if account != &ctx.principal.account {
            return Err(ApiError::new(
                ErrorCode::AccessDeniedException,
                format!(
                    "User: {} is not authorized to perform: {action} on resource: {resource}: only the administrator manages other accounts",
                    ctx.principal.arn
                ),
            ));
        }
        self.authorize_action(ctx, action, &Target::Arn(resource))
    }

    async fn principal_op(&self, ctx: &RequestContext, op: &str, body: &[u8]) -> ApiResult<Vec<u8>> {
        // Session credentials may look (the console's admin pages), never
        // change: a leaked session token mints nothing.
        if !op.starts_with("List") {
            refuse_sessions(ctx, op)?;
        }
        let req: PrincipalRequest = request(op, body)?;
        let account = req.account(ctx)?;
        let root = user_arn(&account, None);
        match op {
            "CreateAccount" | "ListAccounts" => {
                if !self.is_administrator(ctx) {
                    return Err(ApiError::new(
                        ErrorCode::AccessDeniedException,
                        format!(
                            "User: {} is not authorized to perform: rekey:{op}: only the administrator account's root is",
                            ctx.principal.arn
                        ),
                    ));
                }
                if op == "ListAccounts" {
                    let accounts = self.accounts().await?;
                    let list: Vec<Value> = accounts
                        .iter()
                        .map(|(id, created)| json!({"AccountId": id.as_str(), "CreateDate": created}))
                        .collect();
                    return encode(json!({ "Accounts": list }));
                }
                let id = req.account_id.as_ref().map(|_| account);
                let (account, key, secret) = self.create_account(id, ctx.call.as_deref()).await?;
                encode(json!({"AccountId": account.as_str(), "AccessKey": {
                    "AccessKeyId": key, "SecretAccessKey": secret.as_str(), "Status": "Active"
                }}))
            }
            "CreateUser" => {
                let name = user_name(&req.user_name)?;
                self.authorize_principal_op(ctx, "iam:CreateUser", &account, &user_arn(&account, Some(&name)))?;
                let user = self.create_user(account, name, ctx.call.as_deref()).await?;
                encode(json!({"User": {
                    "UserName": user.name.as_str(), "UserId": user.user_id, "Arn": user.arn(), "CreateDate": user.created
                }}))
            }
            "ListUsers" => {
                self.authorize_principal_op(ctx, "iam:ListUsers", &account, &root)?;
                let users: Vec<Value> = self
                    .users(&account)
                    .await?
                    .iter()
                    .map(|u| json!({"UserName": u.name.as_str(), "UserId": u.user_id, "Arn": u.arn(), "CreateDate": u.created}))
                    .collect();
                encode(json!({ "Users": users }))
            }
            "CreateAccessKey" => {
                // As IAM: no UserName means the caller's own user; only a
                // root (or the administrator, in any account) makes a root's key.
                let user = match (&req.user_name, &ctx.principal.user) {
                    (Some(_), _) => Some(user_name(&req.user_name)?),
                    (None, Some((own, _))) if account == ctx.principal.account => Some(own.clone()),
                    (None, _) => None,
                };
                let caller_is_root = matches!(ctx.principal.grant, Grant::Root | Grant::Unrestricted);
                if user.is_none() && !caller_is_root {
                    return Err(ApiError::new(
                        ErrorCode::AccessDeniedException,
                        format!(
                            "User: {} is not authorized to perform: iam:CreateAccessKey on resource: {root}: only an account's root creates its root's keys",
                            ctx.principal.arn
                        ),
                    ));
                }
                self.authorize_principal_op(ctx, "iam:CreateAccessKey", &account, &user_arn(&account, user.as_ref()))?;
                let (key, secret) = self.create_access_key(account, user.clone(), ctx.call.as_deref()).await?;
                encode(json!({"AccessKey": {
                    "UserName": user.as_ref().map(UserName::as_str), "AccessKeyId": key,
                    "SecretAccessKey": secret.as_str(), "Status": "Active"
                }}))
            }
            "ListAccessKeys" => {
                let user = req.user_name.as_ref().map(|_| user_name(&req.user_name)).transpose()?;
                self.authorize_principal_op(ctx, "iam:ListAccessKeys", &account, &user_arn(&account, user.as_ref()))?;
                let keys: Vec<Value> = self
                    .access_keys(&account, user.as_ref())
                    .await?
                    .iter()
                    .map(|k| {
                        json!({
                            "UserName": k.user.as_ref().map(UserName::as_str), "AccessKeyId": k.access_key_id,
                            "Status": if k.active { "Active" } else { "Inactive" }, "CreateDate": k.created
                        })
                    })
                    .collect();
                encode(json!({ "AccessKeyMetadata": keys }))
            }
            "DeleteAccessKey" => {
                let id = required(&req.access_key_id, "AccessKeyId")?;
                self.authorize_principal_op(ctx, "iam:DeleteAccessKey", &account, &root)?;
                self.delete_access_key(&account, id, ctx.call.as_deref()).await?;
                encode(json!({}))
            }
            "PutUserPolicy" | "DeleteUserPolicy" | "ListUserPolicies" => {
                let name = user_name(&req.user_name)?;
                let arn = user_arn(&account, Some(&name));
                self.authorize_principal_op(ctx, &format!("iam:{op}"), &account, &arn)?;
                match op {
                    "PutUserPolicy" => {
                        let policy = required(&req.policy_name, "PolicyName")?;
                        let document = required(&req.policy_document, "PolicyDocument")?;
                        self.put_user_policy(&account, &name, policy, document, ctx.call.as_deref()).await?;
                        encode(json!({}))
                    }
                    "DeleteUserPolicy" => {
                        self.delete_user_policy(
                            &account,
                            &name,
                            required(&req.policy_name, "PolicyName")?,
                            ctx.call.as_deref(),
                        )
                        .await?;
                        encode(json!({}))
                    }
                    _ => {
                        let policies: Vec<Value> = self
                            .user_policies(&account, &name)
                            .await?
                            .iter()
                            .map(|p| json!({"PolicyName": p.name, "PolicyDocument": p.document}))
                            .collect();
                        encode(json!({ "UserName": name.as_str(), "Policies": policies }))
                    }
                }
            }
            _ => Err(ApiError::unknown_operation()),
        }
    }

    /// Runs the admin operation `op` (the target without its prefix); the
    /// call is in the audit trail before it returns.
    pub async fn admin_dispatch(&self, ctx: RequestContext, op: &str, body: &[u8]) -> ApiResult<Vec<u8>> {
        let call = Arc::new(Call::new(self.admin_record(&ctx, op, body), None));
        // A principal change carries the record in its transaction.
        let mut ctx = ctx;
        ctx.call = Some(call.clone());
        let outcome = self.admin_run(ctx, op, body).await;
        self.end_call(&call, outcome.map(|out| (out, None))).await
    }

    async fn admin_run(&self, mut ctx: RequestContext, op: &str, body: &[u8]) -> ApiResult<Vec<u8>> {
        // Reading rotation history is describing the secret; reading what
        // its functions printed is reading its value (they saw it).
        ctx.action = match op {
            "ListFunctionLogs" => "secretsmanager:GetSecretValue",
            _ => "secretsmanager:DescribeSecret",
        };
        let ctx = &ctx;
        match op {
            "ListRotations" => {
                let req: ListRotationsRequest = request(op, body)?;
                let jobs = match (&req.secret_id, &req.secret_ids) {
                    (Some(_), Some(_)) => {
                        return Err(ApiError::invalid_parameter("Give SecretId or SecretIds, not both."));
                    }
                    (None, Some(ids)) => {
                        if ids.len() > MAX_SECRET_IDS {
                            return Err(ApiError::invalid_parameter(format!(
                                "SecretIds names at most {MAX_SECRET_IDS} secrets."
                            )));
                        }
                        let each = req.max_results.unwrap_or(1).clamp(1, 100);
                        let mut jobs = Vec::new();
                        for id in ids {
                            // What the caller may not describe (or that is
                            // gone) is left out, as ListSecrets leaves it.
                            let Ok(secret) = self.resolve(ctx, id).await else { continue };
                            jobs.extend(
                                self.store.rotation_history(History::Secret(secret.state.secret.pk), each).await?,
                            );
                        }
                        jobs
                    }
                    (Some(id), None) => {
                        let of = History::Secret(self.resolve(ctx, id).await?.state.secret.pk);
                        self.store.rotation_history(of, req.max_results.unwrap_or(100).clamp(1, 1000)).await?
                    }
                    (None, None) => {
                        self.authorize(ctx, &Target::Any)?;
                        let of = History::Namespace(ctx.namespace.clone());
                        self.store.rotation_history(of, req.max_results.unwrap_or(100).clamp(1, 1000)).await?
                    }
                };
                let mut shown = Vec::with_capacity(jobs.len());
                let mut readable: HashMap<String, bool> = HashMap::new();
                for job in &jobs {
                    let key = job.arn.to_string();
                    let may_read = match readable.get(&key) {
                        Some(&r) => r,
                        None => {
                            let r = self.may_read_value(ctx, &job.arn).await?;
                            readable.insert(key, r);
                            r
                        }
                    };
                    shown.push(self.job_view(job, may_read));
                }
                encode(json!({ "Rotations": shown }))
            }
            "ListFunctionLogs" => {
                let req: ListFunctionLogsRequest = request(op, body)?;
                let secret = self.resolve(ctx, required(&req.secret_id, "SecretId")?).await?;
                let job = req.job_id.map(JobId::new);
                let limit = req.max_results.unwrap_or(20).clamp(1, 100);
                let arn = secret.state.secret.arn.to_string();
                let logs = self.store.function_logs(&arn, job.as_ref(), limit).await?;
                let shown: Vec<Value> = logs.iter().map(|record| self.function_log_view(record)).collect();
                encode(json!({ "ARN": arn, "FunctionLogs": shown }))
            }
            "RotateMasterKey" => {
                refuse_sessions(ctx, op)?;
                self.require_administrator(ctx, "rotate the master key")?;
                let Some(file) = &self.master_key_file else {
                    return Err(ApiError::invalid_request(
                        "This server's master key does not come from a file (REKEY_MASTER_KEY or --master-key-command): change it where it is kept, with the server stopped.",
                    ));
                };
                let Ok(_one) = self.key_rotation.try_lock() else {
                    return Err(ApiError::invalid_request("A master key rotation is already under way."));
                };
                if self.store.shared() {
                    return encode(self.rotate_shared_master_key(file).await?);
                }
                let started = std::time::Instant::now();
                let resealed = rekey_store::master_key::rotate_key_file(&self.seal, self.store.as_ref(), file)
                    .await
                    .map_err(|e| {
                        tracing::error!(error = %e, "master key rotation failed");
                        ApiError::internal("The master key rotation failed; see the server's log.")
                    })?;
                tracing::info!(resealed, millis = started.elapsed().as_millis() as u64, "rotated the master key");
                encode(json!({ "Resealed": resealed }))
            }
            "GetMasterKeyRotation" => {
                refuse_sessions(ctx, op)?;
                self.require_administrator(ctx, "see the master key rotation")?;
                encode(self.master_key_rotation_view().await?)
            }
            "Clock" => {
                refuse_sessions(ctx, op)?;
                self.require_administrator(ctx, "move the clock")?;
                let req: ClockRequest = request(op, body)?;
                let now = self.clock.now().millis();
                let forward = match (req.advance_seconds, req.set) {
                    (Some(s), None) => s.checked_mul(1000),
                    (None, Some(t)) if t.is_finite() && t.abs() < 1e15 => Some((t * 1000.0) as i64 - now),
                    (None, Some(_)) => None,
                    (None, None) => Some(0),
                    (Some(_), Some(_)) => {
                        return Err(ApiError::invalid_parameter("Give AdvanceSeconds or Set, not both."));
                    }
                };
                // Time ends at the last second of year 9999 (the latest
                // instant dates are written for), and never wraps.
                let forward = forward.filter(|f| now.checked_add(*f).is_some_and(|t| t <= LAST_INSTANT_MS));
                let Some(forward) = forward else {
                    return Err(ApiError::invalid_parameter("The clock cannot move past 9999-12-31T23:59:59Z."));
                };
                if forward < 0 {
                    return Err(ApiError::invalid_parameter("The clock only moves forward."));
                }
                if forward > 0 && !self.clock.advance(0) {
                    return Err(ApiError::invalid_request(
                        "The clock can only be moved on a server started with --dev.",
                    ));
                }
                if forward > 0 {
                    self.move_clock(now + forward).await?;
                }
                let now = self.clock.now();
                serde_json::to_vec(&serde_json::json!({ "Now": now }))
                    .map_err(|e| ApiError::internal(format!("response encoding failed: {e}")))
            }
            "LookupEvents" => {
                let req: LookupRequest = request(op, body)?;
                let account = match &req.account_id {
                    None => ctx.principal.account.clone(),
                    Some(a) => AccountId::parse(a)
                        .ok_or_else(|| ApiError::invalid_parameter(format!("The account id {a} is not 12 digits.")))?,
                };
                if account != ctx.principal.account && !self.is_administrator(ctx) {
                    return Err(ApiError::new(
                        ErrorCode::AccessDeniedException,
                        format!("User: {} is not authorized to read the trail of account {account}", ctx.principal.arn),
                    ));
                }
                self.authorize_action(ctx, LOOKUP_EVENTS, &Target::Any)?;
                encode(self.lookup_events(account, req).await?)
            }
            "Backup" => {
                self.require_administrator(ctx, "back up the store")?;
                #[derive(Deserialize)]
                #[serde(rename_all = "PascalCase", deny_unknown_fields)]
                struct BackupRequest {
                    name: String,
                }
                let req: BackupRequest = request(op, body)?;
                // Not while the master key rotates: the copy could hold
                // blobs under either key, and neither alone would open it.
                let rotating =
                    ApiError::invalid_request("The master key is being rotated; take the backup once it is done.");
                let Ok(_no_rotation) = self.key_rotation.try_lock() else { return Err(rotating) };
                if self.store.master_rotation().await?.is_some() {
                    return Err(rotating);
                }
                // A file name in the backup directory, never a path: a
                // backup holds text a tenant chose (names, descriptions),
                // and must not land where another program reads files.
                let plain = |c: char| c.is_ascii_alphanumeric() || "._-".contains(c);
                if req.name.is_empty()
                    || req.name.len() > 128
                    || req.name.starts_with('.')
                    || !req.name.chars().all(plain)
                {
                    return Err(ApiError::invalid_parameter(
                        "Name must be a file name of 1 to 128 letters, digits, '.', '_' and '-', not starting with '.'.",
                    ));
                }
                let Some(dir) = &self.backup_dir else {
                    return Err(ApiError::invalid_request("This server takes no backups."));
                };
                let failed = |e: String| ApiError::invalid_request(format!("The backup {} failed: {e}", req.name));
                {
                    use std::os::unix::fs::DirBuilderExt;
                    std::fs::DirBuilder::new()
                        .recursive(true)
                        .mode(0o700)
                        .create(dir)
                        .map_err(|e| failed(e.to_string()))?;
                }
                let path = dir.join(&req.name);
                let bytes = self.store.snapshot(&path).await.map_err(|e| failed(e.to_string()))?;
                encode(json!({ "Path": path.display().to_string(), "Bytes": bytes }))
            }
            "VerifyTrail" => {
                self.require_administrator(ctx, "verify the trail")?;
                encode(self.verify_trail().await?)
            }
            "CreateSignInLink" => {
                refuse_sessions(ctx, op)?;
                self.require_administrator(ctx, "create sign-in links")?;
                #[derive(Deserialize)]
                #[serde(rename_all = "PascalCase", deny_unknown_fields)]
                struct LinkRequest {
                    account_id: Option<String>,
                    user_name: Option<String>,
                    duration_seconds: Option<i64>,
                }
                let req: LinkRequest = request(op, body)?;
                let account = PrincipalRequest { account_id: req.account_id, ..Default::default() }.account(ctx)?;
                let user = req.user_name.as_ref().map(|_| user_name(&req.user_name)).transpose()?;
                let creds = self.create_sign_in_link(account, user, req.duration_seconds, ctx.call.as_deref()).await?;
                encode(credentials_view(&creds))
            }
            "RedeemSignInLink" => {
                let creds = self.redeem_sign_in_link(&ctx.principal, ctx.call.as_deref()).await?;
                encode(credentials_view(&creds))
            }
            "GetCallerIdentity" => {
                // As STS answers it: anyone may ask who they are.
                let p = &ctx.principal;
                let user_id = p.user.as_ref().map_or_else(|| p.account.to_string(), |(_, id)| id.clone());
                encode(json!({ "Account": p.account.as_str(), "Arn": p.arn, "UserId": user_id }))
            }
            "EndSession" => {
                // Temporary credentials end themselves (the console's
                // sign-out): deleted, so that no copy signs again.
                if !ctx.principal.session {
                    return Err(ApiError::invalid_request(
                        "EndSession ends temporary credentials; delete a permanent key with DeleteAccessKey.",
                    ));
                }
                self.revoke_session(&ctx.principal.access_key_id).await?;
                encode(json!({}))
            }
            "GetSessionToken" => {
                #[derive(Deserialize)]
                #[serde(rename_all = "PascalCase")]
                struct SessionRequest {
                    duration_seconds: Option<i64>,
                }
                let req: SessionRequest = request(op, body)?;
                let creds = self.get_session_token(&ctx.principal, req.duration_seconds, ctx.call.as_deref()).await?;
                encode(credentials_view(&creds))
            }
            _ => self.principal_op(ctx, op, body).await,
        }
    }
}
