//! The accept loop: how many connections the server holds, how long a
//! client may take, TLS handshakes, and graceful shutdown.
//!
//! A client that connects and says nothing, trickles its headers, or
//! keeps an idle connection open holds a task, a socket and a file
//! descriptor. So:
//! - at most [`Limits::max_connections`] are open at once; beyond that the
//!   server stops accepting (new clients wait in the kernel's backlog)
//!   until one closes, instead of running out of descriptors;
//! - a request's headers must arrive within [`Limits::header_timeout`],
//!   which is also how long an idle keep-alive connection is kept (HTTP/1
//!   waits for the next request's headers);
//! - a TLS handshake must finish within the same time;
//! - the body is the handler's: it is read only after the headers
//!   authenticate, within [`Limits::body_timeout`].

use crate::tls::Peer;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// How much a client may hold, and for how long.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once.
    pub max_connections: usize,
    /// Time to send a request's headers (and to finish a TLS handshake);
    /// also how long an idle keep-alive connection stays open.
    pub header_timeout: Duration,
    /// Time to send a request's body once its headers are accepted.
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_connections: 4096, header_timeout: Duration::from_secs(20), body_timeout: Duration::from_secs(30) }
    }
}

/// How long open requests may take to finish after shutdown begins.
const DRAIN: Duration = Duration::from_secs(10);

/// Serves `app` on `listener` (over TLS with `tls`) within `limits` until
/// `shutdown` completes; requests in flight then get [`DRAIN`] to finish.
pub async fn serve(
    listener: TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: back off.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let (app, http, acceptor, watcher) = (app.clone(), http.clone(), acceptor.clone(), graceful.watcher());
        tokio::spawn(async move {
            let _slot = slot;
            match acceptor {
                None => run(&http, tcp, app, peer, watcher).await,
                Some(acceptor) => match tokio::time::timeout(limits.header_timeout, acceptor.accept(tcp)).await {
                    Ok(Ok(stream)) => run(&http, stream, app, peer, watcher).await,
                    Ok(Err(e)) => tracing::debug!(%peer, error = %e, "TLS handshake failed"),
                    Err(_) => tracing::debug!(%peer, "TLS handshake timed out"),
                },
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(DRAIN, graceful.shutdown()).await.is_err() {
        tracing::warn!("requests still open after {} s of shutdown; closing them", DRAIN.as_secs());
    }
    Ok(())
}

/// Serves one connection until it closes (or shutdown asks it to).
async fn run<IO>(
    http: &http1::Builder,
    io: IO,
    app: Router,
    peer: std::net::SocketAddr,
    watcher: hyper_util::server::graceful::Watcher,
) where
    IO: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(Peer(peer)));
        app.clone().oneshot(req.map(axum::body::Body::new))
    });
    let conn = http.serve_connection(TokioIo::new(io), service);
    if let Err(e) = watcher.watch(conn).await {
        tracing::debug!(%peer, error = %e, "connection ended");
    }
}
