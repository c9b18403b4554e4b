//! From a raw awsJson1.1 request body to a response body: parse, validate
//! against the model, decode into the typed input, run, encode the output.

use crate::Service;
use crate::access::{Grant, Target, request_keys};
use crate::context::RequestContext;
use rekey_model::api::Operation;
use rekey_model::audit::Parameters;
use rekey_model::validation::validate_input;
use rekey_model::{ApiError, ApiResult, ErrorCode};
use rekey_store::Store;
use serde_json::Value;
use std::sync::Arc;

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
    /// Runs operation `op` on a raw JSON body and returns the JSON answer;
    /// the call, whatever its outcome, is in the audit trail before it
    /// returns (see [`audit`](crate::audit)).
    pub async fn dispatch(&self, mut ctx: RequestContext, op: Operation, raw: &[u8]) -> ApiResult<Vec<u8>> {
        let body = parse_body(raw);
        let params = body.as_ref().ok().map(|b| Parameters::of(op, raw, b));
        let call = Arc::new(self.begin_call(&ctx, op, params));
        ctx.call = Some(call.clone());
        let outcome = match body {
            Ok(body) => self.run(ctx, op, body).await,
            Err(e) => Err(e),
        };
        self.end_call(&call, outcome).await
    }

    /// Runs `op` on its parsed body: the answer, and the response as JSON
    /// for the audit record of a call that changes something.
    async fn run(&self, mut ctx: RequestContext, op: Operation, body: Value) -> ApiResult<(Vec<u8>, Option<Value>)> {
        validate_input(op, &body)?;
        let recorded = !rekey_model::audit::read_only(op);
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
        // One arm per operation of the model (`for_each_operation!`): decode
        // the input, run the method of the same name, encode its output
        // (`{}` for operations whose model output is empty).
        macro_rules! dispatch {
            ($(($op:ident, $method:ident, $output:ident)),* $(,)?) => {
                match op {
                    $(Operation::$op => {
                        let input = serde_json::from_value(body).map_err(serialization)?;
                        let output = self.$method(ctx, input).await?;
                        dispatch!(@encode $output, output)
                    })*
                }
            };
            (@encode body, $out:ident) => {
                Ok((encode(&$out)?, recorded.then(|| serde_json::to_value(&$out).ok()).flatten()))
            };
            (@encode empty, $out:ident) => {{
                let () = $out;
                Ok((b"{}".to_vec(), None))
            }};
        }
        rekey_model::for_each_operation!(dispatch)
    }
}
