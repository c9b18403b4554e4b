//! As whom a rotation acts: the `rekey-rotation` role of the secret's
//! account, never rekey itself, and allowed only what one job needs —
//! its own secret, the master secret whoever called RotateSecret was
//! allowed to read (the value's `masterarn`), and random passwords.
//!
//! Built-in rotators run their steps in process as this role; external
//! functions that call back (`exec`) get temporary credentials of it for
//! one step, deleted when the step ends and expiring soon after in any
//! case. So a rotation function, or a tenant who controls a secret's
//! value, cannot make rekey read or change anything else: another
//! account's secret is reachable only where its resource policy allows
//! this account, as for any of the account's principals.

use super::functions::Caller;
use crate::engine::RotationEngine;
use rekey_model::ApiResult;
use rekey_model::identity::{RoleSession, role_arn};
use rekey_model::policy::PolicyDocument;
use rekey_model::rotation::RotationJob;
use rekey_service::{Grant, Principal, RequestContext};
use rekey_store::Store;
use serde_json::json;
use std::time::Duration;

/// The role's name.
pub const ROLE: &str = "rekey-rotation";

/// How long a step's credentials outlive its timeout, should rekey stop
/// before revoking them.
const CREDENTIAL_GRACE: Duration = Duration::from_secs(60);

/// What a job's functions may do with the secret they rotate: what
/// AWS's rotation templates ask of their execution role.
const ON_THE_SECRET: [&str; 5] = [
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecretVersionStage",
    "secretsmanager:ListSecretVersionIds",
];

/// The role's identity policy for `job`. Secret names cannot hold `*`,
/// `?` or `$`, so an ARN is matched literally.
pub fn job_policy(job: &RotationJob) -> String {
    let mut statements = vec![
        json!({"Effect": "Allow", "Action": ON_THE_SECRET, "Resource": job.arn.to_string()}),
        json!({"Effect": "Allow", "Action": "secretsmanager:GetRandomPassword", "Resource": "*"}),
    ];
    if let Some(master) = &job.master_arn {
        statements.push(json!({
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
            "Resource": master,
        }));
    }
    json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

impl<S: Store> RotationEngine<S> {
    /// The context a job's built-in steps run in: the role of the secret's
    /// account, scoped to the job, in the secret's region.
    pub(crate) fn job_context(&self, job: &RotationJob) -> RequestContext {
        let account = job.arn.namespace.account.clone();
        let policy = PolicyDocument::parse_identity(&job_policy(job)).expect("the job policy is valid");
        let principal = Principal {
            arn: role_arn(&account, ROLE),
            account: account.clone(),
            access_key_id: String::new(),
            user: None,
            grant: Grant::Root,
            session: true,
            recorded: Default::default(),
        }
        .with_policies(&[policy]);
        let mut ctx =
            RequestContext::new(job.arn.namespace.clone(), principal, rekey_model::request_id::RequestId::random());
        // Its calls' records say what made them (a built-in rotator's are
        // made in process, from no address).
        ctx.user_agent = Some(format!("rekey-rotation ({})", job.function_arn).into());
        ctx
    }

    /// As whom one step of an external function calls back: temporary
    /// credentials of the role, scoped to `job`, for a step that may take
    /// `timeout` (hand them back with [`step_over`](Self::step_over));
    /// in `--dev` (no `authenticated` callers) the account id, which
    /// selects the account there.
    pub(crate) async fn step_caller(
        &self,
        job: &RotationJob,
        authenticated: bool,
        timeout: Duration,
    ) -> ApiResult<Caller> {
        let region = job.arn.namespace.region.to_string();
        if !authenticated {
            let account = job.arn.namespace.account.to_string();
            return Ok(Caller {
                region,
                access_key_id: account,
                secret_access_key: zeroize::Zeroizing::new(ROLE.into()),
                session_token: None,
            });
        }
        let role = RoleSession { name: ROLE.into(), policy: job_policy(job) };
        let account = job.arn.namespace.account.clone();
        let creds =
            self.service.mint_session(account, None, None, Some(role), timeout + CREDENTIAL_GRACE, None).await?;
        Ok(Caller {
            region,
            access_key_id: creds.access_key_id,
            secret_access_key: creds.secret_access_key,
            session_token: Some(creds.session_token),
        })
    }

    /// The step is over: its temporary credentials are revoked.
    pub(crate) async fn step_over(&self, caller: &Caller) {
        if caller.session_token.is_none() {
            return;
        }
        if let Err(e) = self.service.revoke_session(&caller.access_key_id).await {
            // They expire on their own shortly after.
            tracing::warn!(error = %e.message, "could not revoke a rotation step's credentials");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekey_model::Timestamp;
    use rekey_model::name::SecretRef;
    use rekey_model::rotation::RotationMode;
    use rekey_model::staging::VersionId;

    #[test]
    fn the_policy_names_the_secret_and_its_authorized_master_only() {
        let SecretRef::FullArn(arn) =
            SecretRef::parse("arn:aws:secretsmanager:us-east-1:111111111111:secret:app/db-AbCdEf").unwrap()
        else {
            panic!("a full ARN")
        };
        let mut job =
            RotationJob::new(arn, VersionId::new("t"), "f".into(), RotationMode::Rotate, Timestamp::from_millis(0));
        let doc: serde_json::Value = serde_json::from_str(&job_policy(&job)).unwrap();
        assert_eq!(doc["Statement"].as_array().unwrap().len(), 2);
        assert_eq!(
            doc["Statement"][0]["Resource"],
            "arn:aws:secretsmanager:us-east-1:111111111111:secret:app/db-AbCdEf"
        );
        job.master_arn = Some("arn:aws:secretsmanager:us-east-1:111111111111:secret:master-XyZ123".into());
        let doc: serde_json::Value = serde_json::from_str(&job_policy(&job)).unwrap();
        assert_eq!(
            doc["Statement"][2]["Resource"],
            "arn:aws:secretsmanager:us-east-1:111111111111:secret:master-XyZ123"
        );
        assert!(PolicyDocument::parse_identity(&job_policy(&job)).is_ok());
    }
}
