//! Authorization of each request: the caller's identity policies and the
//! secret's resource policy, evaluated by [`rekey_model::authz`] with the
//! condition keys AWS gives Secrets Manager, and AWS's AccessDenied text.
//!
//! Which resource an operation is checked against:
//! - operations on a secret: the secret (its ARN; a secret that does not
//!   exist is checked as the ARN its id would have, so a caller without
//!   permission learns nothing about which secrets exist);
//! - CreateSecret: the ARN the new secret gets;
//! - ListSecrets, GetRandomPassword, BatchGetSecretValue: `*` (and
//!   BatchGetSecretValue checks GetSecretValue on each secret it returns);
//! - RotateSecret also needs `lambda:InvokeFunction` on the function.

use crate::Service;
use crate::context::{Principal, RequestContext};
use rekey_model::authz::{self, Context, Decision, PolicyKind, Values};
use rekey_model::calendar::format_utc;
use rekey_model::name::{AccountId, SecretRef};
use rekey_model::policy::PolicyDocument;
use rekey_model::secret::SecretState;
use rekey_model::{ApiError, ApiResult, ErrorCode};
use rekey_store::Store;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, LazyLock, Mutex};

/// What a caller's identity policies grant.
#[derive(Debug, Clone)]
pub enum Grant {
    /// `--dev` and rekey's own work: nothing is evaluated.
    Unrestricted,
    /// An account's root: every action, subject to resource policies
    /// (an explicit deny, and the allow another account's secret needs).
    Root,
    /// A user: what these identity policies allow.
    Policies(Arc<[PolicyDocument]>),
}

/// An identity policy allowing everything (an account root's).
static ALLOW_ALL: LazyLock<PolicyDocument> = LazyLock::new(|| {
    PolicyDocument::parse_identity(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
    )
    .expect("a valid policy")
});

/// Parsed resource policies by their text, so a secret's policy is
/// parsed once, not on every request (the text is kept and compared: a
/// hash collision costs a parse, never a wrong policy).
#[derive(Default)]
pub(crate) struct PolicyCache {
    parsed: Mutex<HashMap<u64, CachedPolicy>>,
    hasher: RandomState,
}

/// A policy's text and its parsed document.
type CachedPolicy = (Arc<str>, Arc<PolicyDocument>);

/// Distinct policies kept before the cache starts over.
const POLICY_CACHE_SIZE: usize = 10_000;

impl PolicyCache {
    /// The parsed policy (`None` for text that does not parse; stored
    /// policies were validated when they were put).
    fn get(&self, text: &str) -> Option<Arc<PolicyDocument>> {
        let hash = self.hasher.hash_one(text);
        if let Some((t, doc)) = self.parsed.lock().expect("policy cache").get(&hash)
            && &**t == text
        {
            return Some(doc.clone());
        }
        let doc = Arc::new(PolicyDocument::parse(text).ok()?);
        let mut parsed = self.parsed.lock().expect("policy cache");
        if parsed.len() >= POLICY_CACHE_SIZE {
            parsed.clear();
        }
        parsed.insert(hash, (Arc::from(text), doc.clone()));
        Some(doc)
    }
}

/// What a request is checked against.
pub(crate) enum Target<'a> {
    /// `*`: operations on no particular secret.
    Any,
    /// A secret, as the caller named it.
    Secret {
        /// The ARN policies match (the secret's, or the one its id would have).
        arn: String,
        /// The id as given, for the error message.
        shown: &'a str,
        /// The secret, when it exists (tags, resource policy).
        state: Option<&'a SecretState>,
    },
    /// Another resource by ARN (a user).
    Arn(&'a str),
    /// A rotation function. Functions are the operator's (registered in
    /// the configuration) and have no resource policy here, so wherever
    /// they run only the caller's identity policies decide.
    Function(&'a str),
}

impl<'a> Target<'a> {
    /// The secret `id` names, found (`state`) or not.
    pub(crate) fn secret(ctx: &RequestContext, id: &'a str, r: &SecretRef, state: Option<&'a SecretState>) -> Self {
        let arn = match (state, r) {
            (Some(s), _) => s.secret.arn.text(),
            (None, SecretRef::Name(name)) => {
                format!("arn:aws:secretsmanager:{}:{}:secret:{name}", ctx.namespace.region, ctx.namespace.account)
            }
            (None, _) => id.to_string(),
        };
        Target::Secret { arn, shown: id, state }
    }
}

/// The condition keys an operation's parameters give: the
/// `secretsmanager:` request keys and `aws:RequestTag/…`, `aws:TagKeys`.
pub(crate) fn request_keys(body: &Value) -> Context {
    let mut keys = Context::new();
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    const SCALARS: [(&str, &str); 13] = [
        ("SecretId", "secretsmanager:SecretId"),
        ("Name", "secretsmanager:Name"),
        ("Description", "secretsmanager:Description"),
        ("KmsKeyId", "secretsmanager:KmsKeyId"),
        ("VersionId", "secretsmanager:VersionId"),
        ("VersionStage", "secretsmanager:VersionStage"),
        ("RotationLambdaARN", "secretsmanager:RotationLambdaARN"),
        ("RotateImmediately", "secretsmanager:RotateImmediately"),
        ("BlockPublicPolicy", "secretsmanager:BlockPublicPolicy"),
        ("ForceDeleteWithoutRecovery", "secretsmanager:ForceDeleteWithoutRecovery"),
        ("RecoveryWindowInDays", "secretsmanager:RecoveryWindowInDays"),
        ("ForceOverwriteReplicaSecret", "secretsmanager:ForceOverwriteReplicaSecret"),
        ("ClientRequestToken", "secretsmanager:ClientRequestToken"),
    ];
    let Some(fields) = body.as_object() else { return keys };
    // One pass over the (few) parameters given, not a lookup per key.
    let mut regions = Vec::new();
    for (field, value) in fields {
        if let Some((_, key)) = SCALARS.iter().find(|(f, _)| f == field) {
            if let Some(v) = text(value) {
                keys = keys.with(*key, v);
            }
            continue;
        }
        match field.as_str() {
            "RotationRules" => keys = keys.with("secretsmanager:ModifyRotationRules", "true"),
            "AddReplicaRegions" | "RemoveReplicaRegions" => regions.extend(
                value
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|r| r.get("Region").and_then(Value::as_str).or(r.as_str()).map(str::to_string)),
            ),
            "Tags" => {
                let mut names = Vec::new();
                for tag in value.as_array().into_iter().flatten() {
                    if let (Some(k), Some(v)) =
                        (tag.get("Key").and_then(Value::as_str), tag.get("Value").and_then(Value::as_str))
                    {
                        keys = keys.with(format!("aws:RequestTag/{k}"), v);
                        names.push(k.to_string());
                    }
                }
                keys = keys.with_all("aws:TagKeys", names);
            }
            "TagKeys" => {
                let names = value.as_array().into_iter().flatten().filter_map(Value::as_str).map(str::to_string);
                keys = keys.with_all("aws:TagKeys", names);
            }
            _ => {}
        }
    }
    if !regions.is_empty() {
        keys = keys.with_all("secretsmanager:AddReplicaRegions", regions);
    }
    keys
}

impl<S: Store> Service<S> {
    /// Checks that the caller may do `ctx.action` on `target`.
    pub(crate) fn authorize(&self, ctx: &RequestContext, target: &Target<'_>) -> ApiResult<()> {
        self.authorize_action(ctx, ctx.action, target)
    }

    /// Checks that the caller may do `action` on `target`.
    pub(crate) fn authorize_action(&self, ctx: &RequestContext, action: &str, target: &Target<'_>) -> ApiResult<()> {
        if matches!(ctx.principal.grant, Grant::Unrestricted) {
            return Ok(());
        }
        let (resource, shown, state) = match target {
            Target::Any => ("*", None, None),
            Target::Secret { arn, shown, state } => (arn.as_str(), Some(*shown), *state),
            Target::Arn(arn) | Target::Function(arn) => (*arn, Some(*arn), None),
        };
        let principal_account = ctx.principal.account.as_str();
        let resource_account = match target {
            Target::Function(_) => principal_account,
            // A secret's account is known; only an ARN is read for it.
            Target::Secret { state: Some(s), .. } => s.secret.arn.namespace.account.as_str(),
            _ => resource_account(resource).unwrap_or(principal_account),
        };
        let policy = state.and_then(|s| s.secret.meta.resource_policy.as_deref()).and_then(|t| self.policies.get(t));
        let identity: &[PolicyDocument] = match &ctx.principal.grant {
            // A root in its own account, with no resource policy to deny
            // it, needs no evaluation.
            Grant::Root if policy.is_none() && resource_account == principal_account => return Ok(()),
            Grant::Root => std::slice::from_ref(&*ALLOW_ALL),
            Grant::Policies(docs) => docs,
            Grant::Unrestricted => return Ok(()),
        };
        let keys = self.condition_keys(ctx, state);
        let req = authz::Request {
            action,
            resource,
            principal_arn: &ctx.principal.arn,
            principal_account,
            resource_account,
            context: &keys,
        };
        match authz::evaluate_explained(&req, identity, policy.as_deref()) {
            (Decision::Allow, _) => Ok(()),
            (decision, kind) => Err(access_denied(&ctx.principal.arn, action, shown, decision, kind)),
        }
    }

    /// Whether `policy`, as the secret's resource policy, would explicitly
    /// deny the caller `secretsmanager:PutResourcePolicy` (so they could
    /// never change it again): ValidateResourcePolicy's lock-out check.
    pub(crate) fn locks_out(
        &self,
        ctx: &RequestContext,
        policy: &PolicyDocument,
        secret: Option<&SecretState>,
    ) -> bool {
        let resource = secret.map_or_else(|| "*".to_string(), |s| s.secret.arn.text());
        let keys = self.condition_keys(ctx, secret);
        let account = ctx.principal.account.as_str();
        let req = authz::Request {
            action: "secretsmanager:PutResourcePolicy",
            resource: &resource,
            principal_arn: &ctx.principal.arn,
            principal_account: account,
            resource_account: secret.map_or(account, |s| s.secret.arn.namespace.account.as_str()),
            context: &keys,
        };
        authz::evaluate::<PolicyDocument>(&req, &[], Some(policy)) == Decision::ExplicitDeny
    }

    /// The request's condition keys: the caller's, the network's, the
    /// parameters' and the secret's, each computed when a policy asks.
    fn condition_keys<'a>(&self, ctx: &'a RequestContext, state: Option<&'a SecretState>) -> RequestKeys<'a> {
        let now = ctx.received.unwrap_or_else(|| self.clock.now());
        RequestKeys { ctx, state, now_ms: now.millis() }
    }
}

/// The condition keys of one request (see [`authz::Keys`]).
struct RequestKeys<'a> {
    ctx: &'a RequestContext,
    state: Option<&'a SecretState>,
    now_ms: i64,
}

/// `key` without `prefix`, compared case-insensitively (tag keys keep their case).
fn strip_prefix_ci<'k>(key: &'k str, prefix: &str) -> Option<&'k str> {
    let head = key.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &key[prefix.len()..])
}

impl authz::Keys for RequestKeys<'_> {
    fn time(&self, key: &str) -> Option<i64> {
        let whole_seconds = self.now_ms.div_euclid(1000) * 1000;
        (key.eq_ignore_ascii_case("aws:CurrentTime") || key.eq_ignore_ascii_case("aws:EpochTime"))
            .then_some(whole_seconds)
    }

    fn ip(&self, key: &str) -> Option<std::net::IpAddr> {
        self.ctx.source_ip.filter(|_| key.eq_ignore_ascii_case("aws:SourceIp"))
    }

    fn values(&self, key: &str) -> Option<Values<'_>> {
        let one = |v| Some(Values::One(Cow::Borrowed(v)));
        let owned = |v: String| Some(Values::One(Cow::Owned(v)));
        let is = |name: &str| key.eq_ignore_ascii_case(name);
        if strip_prefix_ci(key, "aws:").is_some() {
            if let Some(v) = principal_values(&self.ctx.principal, key) {
                return Some(v);
            }
            if is("aws:SecureTransport") {
                return one(if self.ctx.secure_transport { "true" } else { "false" });
            }
            if is("aws:SourceIp") {
                return self.ctx.source_ip.and_then(|ip| owned(ip.to_string()));
            }
            if is("aws:CurrentTime") {
                return owned(format_utc(self.now_ms));
            }
            if is("aws:EpochTime") {
                return owned((self.now_ms / 1000).to_string());
            }
            if is("aws:RequestedRegion") {
                return one(self.ctx.namespace.region.as_str());
            }
        }
        if let Some(values) = self.ctx.request_keys.get(key) {
            return Some(Values::Many(values.as_slice()));
        }
        let meta = &self.state?.secret.meta;
        let tag =
            strip_prefix_ci(key, "aws:ResourceTag/").or_else(|| strip_prefix_ci(key, "secretsmanager:ResourceTag/"));
        if let Some(name) = tag {
            let tag = meta.tags.iter().flatten().find(|t| t.key.as_deref() == Some(name))?;
            return one(tag.value.as_deref()?);
        }
        if is("secretsmanager:resource/AllowRotationLambdaArn") {
            return one(meta.rotation.lambda_arn.as_deref()?);
        }
        if is("secretsmanager:SecretPrimaryRegion") {
            let state = self.state?;
            return match meta.primary_region.as_deref() {
                Some(region) => one(region),
                None => one(state.secret.arn.namespace.region.as_str()),
            };
        }
        None
    }
}

/// The condition keys of a caller alone (`aws:username`,
/// `aws:PrincipalArn`…): the same on every request it makes, so its
/// identity policies are bound to them once, when its key is loaded.
pub(crate) struct PrincipalKeys<'a>(pub &'a Principal);

impl authz::Keys for PrincipalKeys<'_> {
    fn values(&self, key: &str) -> Option<Values<'_>> {
        principal_values(self.0, key)
    }
}

/// The value of a caller's own condition key (`None` for any other key,
/// and for `aws:username` of an account's root).
fn principal_values<'p>(p: &'p Principal, key: &str) -> Option<Values<'p>> {
    let one = |v| Some(Values::One(Cow::Borrowed(v)));
    let is = |name: &str| key.eq_ignore_ascii_case(name);
    if is("aws:PrincipalArn") {
        one(&p.arn)
    } else if is("aws:PrincipalAccount") {
        one(p.account.as_str())
    } else if is("aws:PrincipalType") {
        one(if p.user.is_some() { "User" } else { "Account" })
    } else if is("aws:username") {
        p.user.as_ref().and_then(|(name, _)| one(name.as_str()))
    } else if is("aws:userid") {
        one(p.user.as_ref().map_or_else(|| p.account.as_str(), |(_, id)| id.as_str()))
    } else {
        None
    }
}

/// The account in an ARN (`arn:partition:service:region:account:…`), when it is one.
fn resource_account(arn: &str) -> Option<&str> {
    // Off the hot path: an existing secret's account is read from it.
    arn.split(':').nth(4).filter(|a| AccountId::is_valid(a))
}

/// AWS's AccessDeniedException.
fn access_denied(principal: &str, action: &str, shown: Option<&str>, decision: Decision, kind: PolicyKind) -> ApiError {
    let on = shown.map(|r| format!(" on resource: {r}")).unwrap_or_default();
    let why = match (decision, kind) {
        (Decision::ExplicitDeny, PolicyKind::Identity) => {
            "with an explicit deny in an identity-based policy".to_string()
        }
        (Decision::ExplicitDeny, PolicyKind::Resource) => {
            "with an explicit deny in a resource-based policy".to_string()
        }
        (_, kind) => format!("because no {} policy allows the {action} action", kind.as_str()),
    };
    ApiError::new(
        ErrorCode::AccessDeniedException,
        format!("User: {principal} is not authorized to perform: {action}{on} {why}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_keys_come_from_the_parameters() {
        let keys = request_keys(&json!({
            "SecretId": "app/db", "VersionStage": "AWSCURRENT", "RotateImmediately": false,
            "RecoveryWindowInDays": 7, "RotationRules": {"AutomaticallyAfterDays": 1},
            "Tags": [{"Key": "team", "Value": "blue"}], "AddReplicaRegions": [{"Region": "eu-west-1"}]
        }));
        let expected = Context::new()
            .with("secretsmanager:SecretId", "app/db")
            .with("secretsmanager:VersionStage", "AWSCURRENT")
            .with("secretsmanager:RotateImmediately", "false")
            .with("secretsmanager:RecoveryWindowInDays", "7")
            .with("secretsmanager:ModifyRotationRules", "true")
            .with("aws:RequestTag/team", "blue")
            .with_all("aws:TagKeys", ["team".to_string()])
            .with_all("secretsmanager:AddReplicaRegions", ["eu-west-1".to_string()]);
        assert_eq!(keys, expected);
    }

    #[test]
    fn the_resource_account_is_the_fifth_field_of_an_arn() {
        assert_eq!(
            resource_account("arn:aws:secretsmanager:us-east-1:111111111111:secret:app/db-AbCdEf"),
            Some("111111111111")
        );
        assert_eq!(resource_account("arn:aws:iam::222222222222:user/alice"), Some("222222222222"), "no region");
        assert_eq!(resource_account("arn:aws:iam::333333333333"), Some("333333333333"), "the last field");
        assert_eq!(resource_account("arn:aws:s3:::bucket"), None, "no account");
        assert_eq!(resource_account("arn:aws:x:r:12345:y"), None, "not an account id");
        assert_eq!(resource_account("*"), None);
    }

    #[test]
    fn denial_messages_have_aws_shape() {
        let p = "arn:aws:iam::111111111111:user/alice";
        let get = "secretsmanager:GetSecretValue";
        let m = |d, k, shown| access_denied(p, get, shown, d, k).message;
        assert_eq!(
            m(Decision::ImplicitDeny, PolicyKind::Identity, Some("app/db")),
            "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: secretsmanager:GetSecretValue on resource: app/db because no identity-based policy allows the secretsmanager:GetSecretValue action"
        );
        assert!(
            m(Decision::ExplicitDeny, PolicyKind::Resource, Some("x"))
                .ends_with("on resource: x with an explicit deny in a resource-based policy")
        );
        assert!(m(Decision::ImplicitDeny, PolicyKind::Resource, None).ends_with("perform: secretsmanager:GetSecretValue because no resource-based policy allows the secretsmanager:GetSecretValue action"));
    }
}
