//! The Lambda Runtime API (2018-06-01) for `runtime` rotation functions:
//! workers built on a Lambda runtime interface client point
//! `AWS_LAMBDA_RUNTIME_API` at the function's address, long-poll `next` for
//! rotation steps and post each outcome back.
//!
//! Whoever reaches it receives rotation events and may answer for the
//! function, so it listens on loopback unless the function has a `token`:
//! then every path starts with `/<token>` (workers are given
//! `AWS_LAMBDA_RUNTIME_API=<host:port>/<token>`), compared in constant
//! time, and anything else is answered 403.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rekey_service::rotation::runtime::RuntimeQueue;
use std::collections::HashMap;
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

/// The path's captures: the invocation's `id`, and the `token` prefix.
type Captures = Path<HashMap<String, String>>;

async fn response(State(queue): State<Arc<RuntimeQueue>>, Path(p): Captures) -> Response {
    accepted(queue.complete(p.get("id").map_or("", String::as_str), Ok(())))
}

async fn error(State(queue): State<Arc<RuntimeQueue>>, Path(p): Captures, body: Bytes) -> Response {
    let id = p.get("id").map_or("", String::as_str);
    accepted(queue.complete(id, Err(String::from_utf8_lossy(&body).into_owned())))
}

async fn init_error(State(queue): State<Arc<RuntimeQueue>>, headers: HeaderMap) -> Response {
    // What the worker printed is the function's output: never logged.
    let kind = headers.get("lambda-runtime-function-error-type").and_then(|v| v.to_str().ok()).unwrap_or("unknown");
    tracing::warn!(function = queue.function_arn(), kind, "runtime worker failed to start");
    (StatusCode::ACCEPTED, r#"{"status":"OK"}"#).into_response()
}

/// Lets through requests whose path starts with the token.
async fn check_token(State(token): State<Arc<str>>, Path(p): Captures, req: Request, next: Next) -> Response {
    let given = p.get("token").map_or(&b""[..], |t| t.as_bytes());
    let same = given.len() == token.len() && given.iter().zip(token.as_bytes()).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0;
    if !same {
        return (StatusCode::FORBIDDEN, r#"{"errorMessage":"forbidden","errorType":"Forbidden"}"#).into_response();
    }
    next.run(req).await
}

/// The Runtime API of one function; with a `token`, under `/<token>`.
pub fn router(queue: Arc<RuntimeQueue>, token: Option<&str>) -> Router {
    let prefix = if token.is_some() { "/{token}" } else { "" };
    let routes = Router::new()
        .route(&format!("{prefix}/2018-06-01/runtime/invocation/next"), get(next))
        .route(&format!("{prefix}/2018-06-01/runtime/invocation/{{id}}/response"), post(response))
        .route(&format!("{prefix}/2018-06-01/runtime/invocation/{{id}}/error"), post(error))
        .route(&format!("{prefix}/2018-06-01/runtime/init/error"), post(init_error))
        .with_state(queue);
    match token {
        Some(token) => routes.route_layer(axum::middleware::from_fn_with_state(Arc::<str>::from(token), check_token)),
        None => routes,
    }
}
