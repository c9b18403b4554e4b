//! Who is calling, and where: the request context every operation gets.
//!
//! The server builds it from the authenticated request (in `--dev` from the
//! access key id alone); operations never look at HTTP.

use crate::access::{Grant, PrincipalKeys};
use crate::audit::Call;
use rekey_model::Timestamp;
use rekey_model::audit;
use rekey_model::authz;
use rekey_model::identity::{UserName, user_arn};
use rekey_model::name::{AccountId, Namespace};
use rekey_model::policy::PolicyDocument;
use rekey_model::request_id::RequestId;
use std::net::IpAddr;
use std::sync::{Arc, OnceLock};

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The caller's account.
    pub account: AccountId,
    /// The caller's ARN (`arn:aws:iam::<account>:root` for the account itself).
    pub arn: String,
    /// The access key the request was signed with.
    pub access_key_id: String,
    /// The user and its unique id; `None` for an account's root.
    pub user: Option<(UserName, String)>,
    /// What the caller's identity policies allow.
    pub grant: Grant,
    /// Whether the caller signed with temporary credentials (which, as
    /// STS session credentials at AWS, cannot administer principals).
    pub session: bool,
    /// The caller as audit records name it, built on first use.
    pub recorded: OnceLock<Arc<audit::Caller>>,
}

impl Principal {
    /// An account's root, allowed everything its account may do.
    pub fn root(account: AccountId, access_key_id: String) -> Self {
        Principal {
            arn: user_arn(&account, None),
            account,
            access_key_id,
            user: None,
            grant: Grant::Root,
            session: false,
            recorded: OnceLock::new(),
        }
    }

    /// The caller as audit records name it (shared by its calls' records).
    pub fn recorded(&self) -> Arc<audit::Caller> {
        self.recorded
            .get_or_init(|| {
                Arc::new(audit::Caller {
                    account: self.account.to_string(),
                    arn: self.arn.clone(),
                    access_key_id: self.access_key_id.clone(),
                    user: self.user.as_ref().map(|(name, id)| (name.as_str().to_string(), id.clone())),
                })
            })
            .clone()
    }

    /// This caller, allowed what its identity `policies` allow. They are
    /// bound to its own condition keys (`${aws:username}`… substituted
    /// once, not on every request).
    pub fn with_policies(mut self, policies: &[PolicyDocument]) -> Self {
        let bound = policies.iter().map(|d| d.bind(&PrincipalKeys(&self))).collect();
        self.grant = Grant::Policies(bound);
        self
    }

    /// A caller that is not authorized at all: `--dev`, and rekey's own work.
    pub fn unrestricted(account: AccountId, access_key_id: String) -> Self {
        Principal { grant: Grant::Unrestricted, ..Principal::root(account, access_key_id) }
    }
}

/// The context of one API request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The caller's account and the request's region: where names resolve.
    pub namespace: Namespace,
    /// The caller (shared: a signed request's comes ready-made with its key).
    pub principal: Arc<Principal>,
    /// The `x-amzn-RequestId` of the response.
    pub request_id: RequestId,
    /// The caller's address (`aws:SourceIp`).
    pub source_ip: Option<IpAddr>,
    /// The caller's `User-Agent` (for the audit record).
    pub user_agent: Option<Arc<str>>,
    /// Whether the request came over TLS (`aws:SecureTransport`).
    pub secure_transport: bool,
    /// When the request arrived, by the service's clock (`aws:CurrentTime`);
    /// `None` for rekey's own work, which reads the clock when a policy asks.
    pub received: Option<Timestamp>,
    /// The action being authorized, e.g. `secretsmanager:GetSecretValue`
    /// (set by [`dispatch`](crate::Service::dispatch)).
    pub action: &'static str,
    /// The condition keys the request's parameters give (`secretsmanager:VersionStage`,
    /// `aws:RequestTag/…`), filled in only when policies will be evaluated.
    pub request_keys: authz::Context,
    /// The audit record of the API call being served (set by dispatch;
    /// none for rekey's own work).
    pub call: Option<Arc<Call>>,
}

impl RequestContext {
    /// A context for `principal` in `namespace`, before dispatch names the action.
    pub fn new(namespace: Namespace, principal: impl Into<Arc<Principal>>, request_id: RequestId) -> Self {
        RequestContext {
            namespace,
            principal: principal.into(),
            request_id,
            source_ip: None,
            user_agent: None,
            secure_transport: false,
            received: None,
            action: "",
            request_keys: authz::Context::new(),
            call: None,
        }
    }

    /// The same context authorizing another action (BatchGetSecretValue
    /// checks GetSecretValue on each secret).
    pub fn with_action(&self, action: &'static str) -> Self {
        RequestContext { action, ..self.clone() }
    }
}
