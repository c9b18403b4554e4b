//! rekey's own operations beside the AWS API (`X-Amz-Target: rekey.<Op>`),
//! for `rekey admin`: the rotation history, which DescribeSecret, being
//! AWS-shaped, cannot show, and the `--dev` clock.

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
            "Clock" => {
                let req: ClockRequest = serde_json::from_value(parse_body(body)?)
                    .map_err(|e| ApiError::invalid_parameter(format!("Invalid Clock request: {e}")))?;
                let now = self.clock.now().millis();
                let forward = match (req.advance_seconds, req.set) {
                    (Some(s), None) => s.saturating_mul(1000),
                    (None, Some(t)) => (t * 1000.0) as i64 - now,
                    (None, None) => 0,
                    (Some(_), Some(_)) => {
                        return Err(ApiError::invalid_parameter("Give AdvanceSeconds or Set, not both."));
                    }
                };
                if forward < 0 {
                    return Err(ApiError::invalid_parameter("The clock only moves forward."));
                }
                if forward > 0 && !self.clock.advance(forward) {
                    return Err(ApiError::invalid_request(
                        "The clock can only be moved on a server started with --dev.",
                    ));
                }
                self.wake_rotations();
                let now = self.clock.now();
                serde_json::to_vec(&serde_json::json!({ "Now": now }))
                    .map_err(|e| ApiError::internal(format!("response encoding failed: {e}")))
            }
            _ => Err(ApiError::unknown_operation()),
        }
    }
}
