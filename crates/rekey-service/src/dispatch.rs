//! From a raw awsJson1.1 request body to a response body: parse, validate
//! against the model, decode into the typed input, run, encode the output.

use crate::Service;
use crate::access::{Grant, Target, request_keys};
use crate::context::RequestContext;
use rekey_model::api::Operation;
use rekey_model::validation::validate_input;
use rekey_model::{ApiError, ApiResult, ErrorCode};
use rekey_store::Store;
use serde_json::Value;

fn serialization(e: serde_json::Error) -> ApiError {
    ApiError::new(ErrorCode::SerializationException, format!("Unable to parse request body: {e}"))
}

fn encode<T: serde::Serialize>(out: &T) -> ApiResult<Vec<u8>> {
    serde_json::to_vec(out).map_err(|e| ApiError::internal(format!("response encoding failed: {e}")))
}

/// Parses the body of a request (an empty body is `{}`).
pub fn parse_body(body: &[u8]) -> ApiResult<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Object(Default::default()));
    }
    let v: Value = serde_json::from_slice(body).map_err(serialization)?;
    if !v.is_object() {
        return Err(ApiError::new(ErrorCode::SerializationException, "Request body must be a JSON object."));
    }
    Ok(v)
}

impl<S: Store> Service<S> {
    /// Runs operation `op` on a raw JSON body and returns the JSON answer.
    pub async fn dispatch(&self, mut ctx: RequestContext, op: Operation, body: &[u8]) -> ApiResult<Vec<u8>> {
        let body = parse_body(body)?;
        validate_input(op, &body)?;
        ctx.action = op.action();
        if !matches!(ctx.principal.grant, Grant::Unrestricted) {
            ctx.request_keys = request_keys(&body);
        }
        let ctx = &ctx;
        // Operations on no particular secret are authorized on `*`; the
        // others when their secret is resolved.
        let on_any = match op {
            Operation::ListSecrets | Operation::GetRandomPassword | Operation::BatchGetSecretValue => true,
            Operation::ValidateResourcePolicy => body.get("SecretId").is_none(),
            _ => false,
        };
        if on_any {
            self.authorize(ctx, &Target::Any)?;
        }
        macro_rules! run {
            ($method:ident) => {{
                let input = serde_json::from_value(body).map_err(serialization)?;
                encode(&self.$method(ctx, input).await?)
            }};
        }
        // Operations whose model output is empty answer `{}`.
        macro_rules! run_empty {
            ($method:ident) => {{
                let input = serde_json::from_value(body).map_err(serialization)?;
                self.$method(ctx, input).await?;
                Ok(b"{}".to_vec())
            }};
        }
        match op {
            Operation::CreateSecret => run!(create_secret),
            Operation::GetSecretValue => run!(get_secret_value),
            Operation::PutSecretValue => run!(put_secret_value),
            Operation::UpdateSecret => run!(update_secret),
            Operation::DescribeSecret => run!(describe_secret),
            Operation::ListSecrets => run!(list_secrets),
            Operation::BatchGetSecretValue => run!(batch_get_secret_value),
            Operation::ListSecretVersionIds => run!(list_secret_version_ids),
            Operation::UpdateSecretVersionStage => run!(update_secret_version_stage),
            Operation::DeleteSecret => run!(delete_secret),
            Operation::RestoreSecret => run!(restore_secret),
            Operation::RotateSecret => run!(rotate_secret),
            Operation::CancelRotateSecret => run!(cancel_rotate_secret),
            Operation::TagResource => run_empty!(tag_resource),
            Operation::UntagResource => run_empty!(untag_resource),
            Operation::PutResourcePolicy => run!(put_resource_policy),
            Operation::GetResourcePolicy => run!(get_resource_policy),
            Operation::DeleteResourcePolicy => run!(delete_resource_policy),
            Operation::ListResourcePolicies => run!(list_resource_policies),
            Operation::ValidateResourcePolicy => run!(validate_resource_policy),
            Operation::ReplicateSecretToRegions => run!(replicate_secret_to_regions),
            Operation::RemoveRegionsFromReplication => run!(remove_regions_from_replication),
            Operation::StopReplicationToReplica => run!(stop_replication_to_replica),
            Operation::AssociateCrossAccountReplica => run!(associate_cross_account_replica),
            Operation::DisassociateCrossAccountReplica => run!(disassociate_cross_account_replica),
            Operation::GetRandomPassword => {
                let input = serde_json::from_value(body).map_err(serialization)?;
                encode(&self.get_random_password(input).await?)
            }
        }
    }
}
