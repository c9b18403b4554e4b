//! The benchmark baseline: the same HTTP stack as rekey (axum on hyper and
//! tokio), answering `POST /` with a fixed awsJson1.1 body and doing no work.
//! `bench/run` measures rekey against it.

use axum::Router;
use axum::body::Bytes;
use axum::http::header;
use axum::routing::post;

#[tokio::main]
async fn main() {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".into());
    let app = Router::new().route(
        "/",
        post(|_body: Bytes| async {
            ([(header::CONTENT_TYPE, "application/x-amz-json-1.1")], r#"{"ARN":"arn","Name":"bench"}"#)
        }),
    );
    let listener = tokio::net::TcpListener::bind(addr).await.expect("bind");
    println!("bare listening on http://{}", listener.local_addr().expect("addr"));
    axum::serve(listener, app).await.expect("serve");
}
