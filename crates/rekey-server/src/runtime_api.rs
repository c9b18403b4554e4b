//! The Lambda Runtime API (2018-06-01) for `runtime` rotation functions:
//! workers built on a Lambda runtime interface client point
//! `AWS_LAMBDA_RUNTIME_API` at the function's address, long-poll `next` for
//! rotation steps and post each outcome back.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rekey_service::rotation::runtime::RuntimeQueue;
use std::sync::Arc;

async fn next(State(queue): State<Arc<RuntimeQueue>>) -> Response {
    let inv = queue.next().await;
    let headers = [
        ("content-type", "application/json".to_string()),
        ("lambda-runtime-aws-request-id", inv.request_id),
        ("lambda-runtime-deadline-ms", inv.deadline_ms.to_string()),
        ("lambda-runtime-invoked-function-arn", inv.function_arn),
        ("lambda-runtime-trace-id", format!("Root=1-{}", uuid::Uuid::new_v4().simple())),
    ];
    (StatusCode::OK, headers, inv.event).into_response()
}

fn accepted(known: bool) -> Response {
    if known {
        (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
    } else {
        let body = r#"{"errorMessage":"unknown request id","errorType":"InvalidRequestID"}"#;
        (StatusCode::BAD_REQUEST, body).into_response()
    }
}

async fn response(State(queue): State<Arc<RuntimeQueue>>, Path(id): Path<String>) -> Response {
    accepted(queue.complete(&id, Ok(())))
}

async fn error(State(queue): State<Arc<RuntimeQueue>>, Path(id): Path<String>, body: Bytes) -> Response {
    accepted(queue.complete(&id, Err(String::from_utf8_lossy(&body).into_owned())))
}

async fn init_error(State(queue): State<Arc<RuntimeQueue>>, headers: HeaderMap, body: Bytes) -> Response {
    let kind = headers.get("lambda-runtime-function-error-type").and_then(|v| v.to_str().ok()).unwrap_or("unknown");
    tracing::warn!(function = queue.function_arn(), kind, body = %String::from_utf8_lossy(&body), "runtime worker failed to start");
    (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
}

/// The Runtime API of one function.
pub fn router(queue: Arc<RuntimeQueue>) -> Router {
    Router::new()
        .route("/2018-06-01/runtime/invocation/next", get(next))
        .route("/2018-06-01/runtime/invocation/{id}/response", post(response))
        .route("/2018-06-01/runtime/invocation/{id}/error", post(error))
        .route("/2018-06-01/runtime/init/error", post(init_error))
        .with_state(queue)
}
