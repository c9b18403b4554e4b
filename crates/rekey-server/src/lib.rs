//! rekey's HTTP front end.
//!
//! One route does the API (`POST /`, awsJson1.1); `GET /health` answers
//! liveness probes. The server turns each request into a
//! [`RequestContext`](rekey_service::RequestContext) and hands the body to
//! [`Service::dispatch`](rekey_service::Service::dispatch).

#![warn(missing_docs)]

pub mod context;
pub mod protocol;
pub mod runtime_api;
pub mod sigv4;
pub mod tls;

pub use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use context::Authenticator;
use rekey_service::Service;
use rekey_store::Store;
use std::future::Future;
use std::sync::Arc;
use tls::{Peer, TlsListener};
use tokio::net::TcpListener;

/// Largest request body accepted (a 65,536-byte binary secret is ~88 KB in base64).
const MAX_BODY: usize = 512 * 1024;

struct AppState<S: Store> {
    service: Service<S>,
    auth: Authenticator,
    /// Whether requests arrive over TLS (`aws:SecureTransport`).
    tls: bool,
}

async fn api<S: Store>(
    State(app): State<Arc<AppState<S>>>,
    ConnectInfo(Peer(peer)): ConnectInfo<Peer>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let incoming = sigv4::Incoming {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query(),
        headers: &headers,
        body: &body,
    };
    let now = app.service.now();
    let mut ctx = match app.auth.context(&app.service, &incoming, now.millis(), request_id.clone()).await {
        Ok(ctx) => ctx,
        Err(e) => return protocol::error(&e, &request_id),
    };
    ctx.source_ip = Some(peer.ip());
    ctx.secure_transport = app.tls;
    ctx.received = Some(now);
    if let Some(admin) = protocol::admin_operation(&headers) {
        return match app.service.admin_dispatch(ctx, admin, &body).await {
            Ok(out) => protocol::ok(out, &request_id),
            Err(e) => protocol::error(&e, &request_id),
        };
    }
    let op = match protocol::operation(&headers) {
        Ok(op) => op,
        Err(e) => return protocol::error(&e, &request_id),
    };
    match app.service.dispatch(ctx, op, &body).await {
        Ok(out) => protocol::ok(out, &request_id),
        Err(e) => {
            tracing::debug!(operation = op.name(), error = e.code.as_str(), "request failed");
            protocol::error(&e, &request_id)
        }
    }
}

/// The HTTP application; `tls` says whether it is served over TLS.
pub fn router<S: Store>(service: Service<S>, auth: Authenticator, tls: bool) -> Router {
    let state = Arc::new(AppState { service, auth, tls });
    Router::new()
        .route("/", post(api::<S>))
        .route("/health", get(|| async { "ok" }))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

/// Serves the API on `listener` (over TLS with `tls`) until `shutdown` completes.
pub async fn serve<S: Store>(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    service: Service<S>,
    auth: Authenticator,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(service, auth, tls.is_some()).into_make_service_with_connect_info::<Peer>();
    match tls {
        Some(config) => axum::serve(TlsListener::new(listener, config)?, app).with_graceful_shutdown(shutdown).await,
        None => axum::serve(listener, app).with_graceful_shutdown(shutdown).await,
    }
}

/// Serves any router (the Lambda Runtime API of a function) on `listener`.
pub async fn serve_router(listener: TcpListener, app: Router) -> std::io::Result<()> {
    axum::serve(listener, app).await
}
