//! The Lambda Runtime API (2018-06-01) for `runtime` rotation functions:
//! workers built on a Lambda runtime interface client point
//! `AWS_LAMBDA_RUNTIME_API` at the function's address, long-poll `next` for
//! rotation steps and post each outcome back.
//!
//! Whoever reaches it receives rotation events and may answer for the
//! function, so it listens on loopback unless the function has a `token`:
//! then every path starts with `/<token>` (workers are given
//! `AWS_LAMBDA_RUNTIME_API=<host:port>/<token>`), compared in constant
//! time, and anything else is answered 403. Workers rekey runs itself
//! (`rekey_rotation::workers`) each have a token of their own, and only they
//! may use `/credentials` (their token as `Authorization`): the
//! credentials of the step each holds. A function with such workers and
//! no `token` has no open paths at all.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rekey_rotation::runtime::{NextRefused, RuntimeQueue};
use std::collections::HashMap;
use std::sync::Arc;

/// The token of a worker rekey runs, when one made the request.
#[derive(Clone)]
struct WorkerToken(String);

async fn next(State(queue): State<Arc<RuntimeQueue>>, worker: Option<axum::Extension<WorkerToken>>) -> Response {
    let worker = worker.map(|w| w.0.0);
    let inv = match queue.next(worker.as_deref()).await {
        Ok(inv) => inv,
        Err(NextRefused::UnknownWorker) => return forbidden(),
        Err(NextRefused::Busy) => {
            let body =
                r#"{"errorMessage":"the previous invocation has no answer yet","errorType":"InvalidStateTransition"}"#;
            return (StatusCode::BAD_REQUEST, body).into_response();
        }
    };
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

fn forbidden() -> Response {
    (StatusCode::FORBIDDEN, r#"{"errorMessage":"forbidden","errorType":"Forbidden"}"#).into_response()
}

/// Who may use the prefixed paths: the configured token's holders and
/// the workers rekey runs.
#[derive(Clone)]
struct Gate {
    token: Option<Arc<str>>,
    queue: Arc<RuntimeQueue>,
}

/// Lets through requests whose path starts with a token it knows; marks
/// a worker's requests with its token.
async fn check_token(State(gate): State<Gate>, Path(p): Captures, mut req: Request, next: Next) -> Response {
    let given = p.get("token").map_or("", String::as_str);
    if gate.token.as_deref().is_some_and(|t| rekey_model::identity::secrets_equal(t.as_bytes(), given.as_bytes())) {
        return next.run(req).await;
    }
    if !given.is_empty() && gate.queue.is_worker(given) {
        req.extensions_mut().insert(WorkerToken(given.to_string()));
        return next.run(req).await;
    }
    forbidden()
}

/// The container credentials endpoint of the workers rekey runs: the
/// step the asking worker holds, as the AWS SDKs read it.
async fn credentials(State(queue): State<Arc<RuntimeQueue>>, headers: HeaderMap) -> Response {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if token.is_empty() || !queue.is_worker(token) {
        return forbidden();
    }
    let Some(held) = queue.credentials(token) else {
        let body = r#"{"code":"NoStep","message":"this worker holds no rotation step"}"#;
        return (StatusCode::NOT_FOUND, body).into_response();
    };
    #[derive(serde::Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Body<'a> {
        access_key_id: &'a str,
        secret_access_key: &'a str,
        token: &'a str,
        expiration: String,
    }
    let caller = &held.caller;
    let body = Body {
        access_key_id: &caller.access_key_id,
        secret_access_key: &caller.secret_access_key,
        token: caller.session_token.as_deref().map_or("", |t| t.as_str()),
        expiration: rekey_model::calendar::format_utc(held.expires_ms),
    };
    // Written once, into a buffer wiped when hyper is done with it.
    let bytes = zeroize::Zeroizing::new(serde_json::to_vec(&body).expect("strings encode"));
    (StatusCode::OK, [("content-type", "application/json")], axum::body::Body::from(Bytes::from_owner(bytes)))
        .into_response()
}

/// The Runtime API of one function: under `/<token>` for the configured
/// `token` and for each worker rekey runs; without a prefix too when the
/// function has neither (a loopback-only API, as before tokens).
pub fn router(queue: Arc<RuntimeQueue>, token: Option<&str>, supervised: bool) -> Router {
    let routes = |prefix: &str| {
        Router::new()
            .route(&format!("{prefix}/2018-06-01/runtime/invocation/next"), get(next))
            .route(&format!("{prefix}/2018-06-01/runtime/invocation/{{id}}/response"), post(response))
            .route(&format!("{prefix}/2018-06-01/runtime/invocation/{{id}}/error"), post(error))
            .route(&format!("{prefix}/2018-06-01/runtime/init/error"), post(init_error))
            .with_state(queue.clone())
    };
    let gate = Gate { token: token.map(Arc::<str>::from), queue: queue.clone() };
    let mut app = routes("/{token}")
        .route_layer(axum::middleware::from_fn_with_state(gate, check_token))
        .route("/credentials", get(credentials).with_state(queue.clone()));
    if token.is_none() && !supervised {
        app = app.merge(routes(""));
    }
    app
}
