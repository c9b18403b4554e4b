//! rekey's own operations beside the AWS API (`X-Amz-Target: rekey.<Op>`),
//! for `rekey admin`: the rotation history, which DescribeSecret, being
//! AWS-shaped, cannot show.

use crate::Service;
use crate::context::RequestContext;
use crate::dispatch::parse_body;
use rekey_model::{ApiError, ApiResult};
use rekey_store::{History, Store};
use serde::Deserialize;

/// The target prefix of rekey's own operations.
pub const ADMIN_TARGET_PREFIX: &str = "rekey.";

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ListRotationsRequest {
    secret_id: Option<String>,
    max_results: Option<usize>,
}

impl<S: Store> Service<S> {
    /// Runs the admin operation `op` (the target without its prefix).
    pub async fn admin_dispatch(&self, ctx: &RequestContext, op: &str, body: &[u8]) -> ApiResult<Vec<u8>> {
        match op {
            "ListRotations" => {
                let req: ListRotationsRequest = serde_json::from_value(parse_body(body)?)
                    .map_err(|e| ApiError::invalid_parameter(format!("Invalid ListRotations request: {e}")))?;
                let of = match &req.secret_id {
                    Some(id) => History::Secret(self.resolve(ctx, id).await?.state.secret.pk),
                    None => History::Namespace(ctx.namespace.clone()),
                };
                let jobs = self.store.rotation_history(of, req.max_results.unwrap_or(100).clamp(1, 1000)).await?;
                serde_json::to_vec(&serde_json::json!({ "Rotations": jobs }))
                    .map_err(|e| ApiError::internal(format!("response encoding failed: {e}")))
            }
            _ => Err(ApiError::unknown_operation()),
        }
    }
}
