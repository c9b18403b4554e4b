//! Resource-policy operations (docs/behaviour.md §12): Put, Get, Delete,
//! Validate and ListResourcePolicies. A secret has at most one policy,
//! named `default`; its text is kept as given and parsed with
//! [`PolicyDocument`] (which the authorization layer evaluates).

use crate::Service;
use crate::access::Target;
use crate::context::RequestContext;
use rekey_model::api::Operation;
use rekey_model::api::*;
use rekey_model::policy::{Finding, PolicyDocument};
use rekey_model::{ApiError, ApiResult, ErrorCode};
use rekey_store::{Change, SecretWrite, Store};

/// The one policy name AWS accepts.
const DEFAULT_POLICY: &str = "default";

/// The policy name of a request: absent means `default`, and `default` is
/// the only one there is.
fn policy_name(name: Option<String>) -> ApiResult<String> {
    match name.as_deref() {
        None | Some(DEFAULT_POLICY) => Ok(DEFAULT_POLICY.to_string()),
        Some(other) => Err(ApiError::invalid_parameter(format!(
            "The policy name {other} is not supported: a secret has one resource policy, named default."
        ))),
    }
}

fn malformed() -> ApiError {
    ApiError::new(ErrorCode::MalformedPolicyDocumentException, "This policy has invalid syntax.")
}

impl<S: Store> Service<S> {
    /// PutResourcePolicy.
    pub async fn put_resource_policy(
        &self,
        ctx: &RequestContext,
        input: PutResourcePolicyRequest,
    ) -> ApiResult<PutResourcePolicyResponse> {
        let name = policy_name(input.policy_name)?;
        let resolved = self.resolve_live(ctx, &input.secret_id).await?;
        let doc = PolicyDocument::parse(&input.resource_policy).map_err(|_| malformed())?;
        if input.block_public_policy == Some(true) && doc.grants_public_access() {
            return Err(ApiError::new(
                ErrorCode::PublicPolicyException,
                "The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.",
            ));
        }
        let arn = resolved.arn().clone();
        let now = self.clock.now();
        let text = input.resource_policy;
        let response = PutResourcePolicyResponse {
            arn: Some(arn.to_string()),
            name: Some(arn.name.to_string()),
            policy_name: Some(name),
        };
        self.mutate_live_secret(ctx.call.as_ref(), &arn, None, move |mut state, _| {
            state.secret.meta.resource_policy = Some(text);
            state.secret.last_changed = now;
            Ok((Change::write(SecretWrite::of(&state)), response))
        })
        .await
    }

    /// GetResourcePolicy: `ResourcePolicy` is left out when none is attached.
    pub async fn get_resource_policy(
        &self,
        ctx: &RequestContext,
        input: GetResourcePolicyRequest,
    ) -> ApiResult<GetResourcePolicyResponse> {
        let name = policy_name(input.policy_name)?;
        let state = self.resolve_live(ctx, &input.secret_id).await?.state;
        let arn = &state.secret.arn;
        Ok(GetResourcePolicyResponse {
            arn: Some(arn.to_string()),
            name: Some(arn.name.to_string()),
            resource_policy: state.secret.meta.resource_policy.clone(),
            policy_name: Some(name),
        })
    }

    /// DeleteResourcePolicy (a no-op when none is attached).
    pub async fn delete_resource_policy(
        &self,
        ctx: &RequestContext,
        input: DeleteResourcePolicyRequest,
    ) -> ApiResult<DeleteResourcePolicyResponse> {
        let name = policy_name(input.policy_name)?;
        let resolved = self.resolve_live(ctx, &input.secret_id).await?;
        let arn = resolved.arn().clone();
        let now = self.clock.now();
        let response = DeleteResourcePolicyResponse {
            arn: Some(arn.to_string()),
            name: Some(arn.name.to_string()),
            policy_name: Some(name),
        };
        self.mutate_live_secret(ctx.call.as_ref(), &arn, None, move |mut state, _| {
            if state.secret.meta.resource_policy.take().is_none() {
                return Ok((Change::None, response));
            }
            state.secret.last_changed = now;
            Ok((Change::write(SecretWrite::of(&state)), response))
        })
        .await
    }

    /// ListResourcePolicies: `default`, if a policy is attached.
    pub async fn list_resource_policies(
        &self,
        ctx: &RequestContext,
        input: ListResourcePoliciesRequest,
    ) -> ApiResult<ListResourcePoliciesResponse> {
        let state = self.resolve_live(ctx, &input.secret_id).await?.state;
        // One page holds every policy a secret can have: no token is ever issued.
        if input.next_token.is_some() {
            return Err(ApiError::invalid_next_token());
        }
        let resource_policies = match state.secret.meta.resource_policy {
            Some(_) => vec![ResourcePolicySummary { policy_name: Some(DEFAULT_POLICY.into()) }],
            None => Vec::new(),
        };
        Ok(ListResourcePoliciesResponse { resource_policies, next_token: None })
    }

    /// ValidateResourcePolicy: the grammar; then broad access, actions,
    /// condition operators and resources; then whether the policy would
    /// lock the caller out of changing it.
    pub async fn validate_resource_policy(
        &self,
        ctx: &RequestContext,
        input: ValidateResourcePolicyRequest,
    ) -> ApiResult<ValidateResourcePolicyResponse> {
        // AWS requires PutResourcePolicy too, on the same resource.
        const PUT: &str = "secretsmanager:PutResourcePolicy";
        let secret = match &input.secret_id {
            Some(id) => {
                let state = self.resolve_live(ctx, id).await?.state;
                let target = Target::Secret { arn: state.secret.arn.text(), shown: id, state: Some(&state) };
                self.authorize_action(ctx, PUT, &target)?;
                Some(state)
            }
            None => {
                self.authorize_action(ctx, PUT, &Target::Any)?;
                None
            }
        };
        let entry =
            |f: Finding| ValidationErrorsEntry { check_name: Some(f.check.into()), error_message: Some(f.message) };
        let errors: Vec<ValidationErrorsEntry> = match PolicyDocument::parse(&input.resource_policy) {
            Err(e) => vec![entry(Finding { check: "SYNTAX", message: e.0 })],
            Ok(doc) => {
                let actions: Vec<&str> = Operation::ALL.iter().map(|op| op.name()).collect();
                let mut findings = doc.findings(&actions);
                if self.locks_out(ctx, &doc, secret.as_deref()) {
                    findings.push(Finding {
                        check: "LOCKOUT",
                        message: format!(
                            "The policy denies {} secretsmanager:PutResourcePolicy: you could not change it afterwards.",
                            ctx.principal.arn
                        ),
                    });
                }
                findings.into_iter().map(entry).collect()
            }
        };
        Ok(ValidateResourcePolicyResponse {
            policy_validation_passed: Some(errors.is_empty()),
            validation_errors: Some(errors),
        })
    }
}
