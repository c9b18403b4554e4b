//! rekey's HTTP front end.
//!
//! One route does the API (`POST /`, awsJson1.1); `GET /health` answers
//! liveness probes. The server turns each request into a
//! [`RequestContext`](rekey_service::RequestContext) and hands the body to
//! [`Service::dispatch`](rekey_service::Service::dispatch).

#![warn(missing_docs)]

pub mod connections;
pub mod context;
pub mod protocol;
pub mod runtime_api;
pub mod tls;

pub use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::http::header::CONTENT_LENGTH;
use axum::response::Response;
use axum::routing::{get, post};
pub use connections::Limits;
use context::Authenticator;
use rekey_model::request_id::RequestId;
use rekey_model::{ApiError, ApiResult, ErrorCode};
use rekey_service::Service;
use rekey_store::Store;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tls::Peer;
use tokio::net::TcpListener;

/// Largest request body accepted (a 65,536-byte binary secret is ~88 KB in base64).
pub const MAX_BODY: usize = 512 * 1024;

struct AppState<S: Store> {
    service: Service<S>,
    auth: Authenticator,
    /// Whether requests arrive over TLS (`aws:SecureTransport`).
    tls: bool,
    /// How long a body may take once its headers are accepted.
    body_timeout: Duration,
}

/// The body of a request whose headers were accepted: refused at once
/// when it declares more than [`MAX_BODY`], cut off when it sends more,
/// or when it does not arrive within `timeout`.
async fn read_body(headers: &HeaderMap, body: Body, timeout: Duration) -> Result<Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            ErrorCode::RequestEntityTooLargeException,
            format!("The request body is larger than {MAX_BODY} bytes."),
        )
    };
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(too_large()),
        Err(_) => Err(ApiError::new(
            ErrorCode::RequestTimeoutException,
            format!("The request body did not arrive within {} s.", timeout.as_secs()),
        )),
    }
}

async fn api<S: Store>(
    State(app): State<Arc<AppState<S>>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    request: Request,
) -> Response {
    let started = std::time::Instant::now();
    let request_id = RequestId::random();
    // Every line logged while it is served names the request.
    let span = tracing::info_span!("request", id = %request_id);
    let (operation, outcome) =
        tracing::Instrument::instrument(handle(&app, peer, request, request_id), span.clone()).await;
    let label = match &outcome {
        Ok(_) => "ok",
        Err(e) => e.code.as_str(),
    };
    // The access log, at debug: what was asked and how it ended, never
    // what it carried.
    span.in_scope(|| {
        tracing::debug!(operation, outcome = label, micros = started.elapsed().as_micros() as u64, "answered")
    });
    app.service.metrics().request(operation, label, started.elapsed());
    match outcome {
        Ok(out) => protocol::ok(out, request_id),
        Err(e) => protocol::error(&e, request_id),
    }
}

/// Serves one API request: the operation (for metrics: a name of the
/// model or of rekey's own, `-` when the request never named one) and
/// its outcome.
async fn handle<S: Store>(
    app: &AppState<S>,
    peer: std::net::SocketAddr,
    request: Request,
    request_id: RequestId,
) -> (&'static str, ApiResult<Vec<u8>>) {
    let (parts, body) = request.into_parts();
    let mut incoming = rekey_sigv4::verify::Incoming {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &parts.headers,
        body: &[],
    };
    let now = app.service.now();
    // The headers first: a stranger is refused before its body is read.
    let admitted = match app.auth.admit(&app.service, &incoming, now.millis(), request_id).await {
        Ok(admitted) => admitted,
        Err(e) => return ("-", Err(e)),
    };
    let body = match read_body(&parts.headers, body, app.body_timeout).await {
        Ok(body) => body,
        Err(e) => return ("-", Err(e)),
    };
    incoming.body = &body;
    let mut ctx = match admitted.finish(&incoming) {
        Ok(ctx) => ctx,
        Err(e) => return ("-", Err(e)),
    };
    ctx.source_ip = Some(peer.ip());
    ctx.user_agent = parts.headers.get(axum::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(Arc::from);
    ctx.secure_transport = app.tls;
    ctx.received = Some(now);
    if let Some(admin) = protocol::admin_operation(&parts.headers) {
        // The label is one of a fixed set: a caller cannot grow the metrics.
        let label = rekey_service::admin::ADMIN_OPERATIONS.iter().find(|o| **o == admin).copied().unwrap_or("-");
        return (label, app.service.admin_dispatch(ctx, admin, &body).await);
    }
    let op = match protocol::operation(&parts.headers) {
        Ok(op) => op,
        Err(e) => return ("-", Err(e)),
    };
    let outcome = app.service.dispatch(ctx, op, &body).await;
    if let Err(e) = &outcome {
        tracing::debug!(operation = op.name(), error = e.code.as_str(), "request failed");
    }
    (op.name(), outcome)
}

/// `GET /health/ready`: 200 once the store takes a durable commit, else
/// 503 with the reason (the seal is open whenever the server runs). A
/// failing audit sink is said, but leaves the server ready: requests go
/// on, their records wait in the store until the sink is back.
async fn ready<S: Store>(State(app): State<Arc<AppState<S>>>) -> Response {
    match app.service.ready().await {
        Ok(()) => match app.service.sink_trouble() {
            None => Response::new(Body::from("ready")),
            Some(why) => Response::new(Body::from(format!("ready; {why}"))),
        },
        Err(why) => {
            tracing::warn!(error = %why, "not ready");
            let mut r = Response::new(Body::from(format!("not ready: the store cannot commit ({why})")));
            *r.status_mut() = axum::http::StatusCode::SERVICE_UNAVAILABLE;
            r
        }
    }
}

/// `GET /metrics`: the Prometheus text format. Its labels name operations,
/// outcomes and executor kinds, never a tenant; the store's commits and
/// the audit sink's lag come with them.
async fn metrics<S: Store>(State(app): State<Arc<AppState<S>>>) -> Response {
    let mut r = Response::new(Body::from(app.service.metrics_text().await));
    r.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// The API handler as the console calls it: in process, each request
/// signed by the console with its user's credentials, authenticated and
/// served exactly as if the browser had sent it.
struct ConsoleApi<S: Store>(Arc<AppState<S>>);

impl<S: Store> rekey_console::api::Api for ConsoleApi<S> {
    fn call(
        &self,
        request: Request,
        peer: std::net::SocketAddr,
    ) -> std::pin::Pin<Box<dyn Future<Output = Response> + Send + '_>> {
        Box::pin(api::<S>(State(self.0.clone()), ConnectInfo(Peer(peer)), request))
    }

    fn client_addr(&self, extensions: &axum::http::Extensions) -> std::net::SocketAddr {
        extensions
            .get::<ConnectInfo<Peer>>()
            .map_or(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), |ConnectInfo(Peer(peer))| *peer)
    }
}

/// The HTTP application; `tls` says whether it is served over TLS.
pub fn router<S: Store>(service: Service<S>, auth: Authenticator, tls: bool, limits: Limits) -> Router {
    let console = rekey_console::Options {
        secure: tls,
        dev: matches!(auth, Authenticator::Dev(_)),
        default_region: match &auth {
            Authenticator::Dev(dev) => dev.default_region.as_str().to_string(),
            Authenticator::SigV4(_) => "us-east-1".to_string(),
        },
    };
    let state = Arc::new(AppState { service, auth, tls, body_timeout: limits.body_timeout });
    let console = rekey_console::router(Arc::new(ConsoleApi(state.clone())), console);
    Router::new()
        .route("/", post(api::<S>))
        .route("/health", get(|| async { "ok" }))
        .route("/health/live", get(|| async { "ok" }))
        .route("/health/ready", get(ready::<S>))
        .route("/metrics", get(metrics::<S>))
        .with_state(state)
        .merge(console)
}

/// Serves the API on `listener` (over TLS with `tls`) within `limits`
/// until `shutdown` completes.
pub async fn serve<S: Store>(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    service: Service<S>,
    auth: Authenticator,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(service, auth, tls.is_some(), limits);
    connections::serve(listener, tls, app, limits, shutdown).await
}

/// Serves any router (the Lambda Runtime API of a function) on `listener`.
pub async fn serve_router(listener: TcpListener, app: Router) -> std::io::Result<()> {
    connections::serve(listener, None, app, Limits::default(), std::future::pending()).await
}
