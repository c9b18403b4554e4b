//! The cost of security per request, in process and without sockets: a
//! GetSecretValue through the whole router (context, dispatch, store,
//! encoding) as `--dev` sees it, signed by an account's root, and signed
//! by a user whose ten-statement identity policy (the one `bench/run`
//! uses) is evaluated. CPU time per request and each as a ratio of the
//! `--dev` figure, measured in the same run; `bench/run` measures the same
//! over HTTP.
//!
//!   cargo run --release -p rekey-server --example request_bench
//!   REQUEST_BENCH_ONLY=policy perf record target/release/examples/request_bench   # one path alone
//!   REQUEST_BENCH_N=2000 valgrind --tool=callgrind target/release/examples/request_bench

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use rekey_model::SensitiveString;
use rekey_model::api::CreateSecretRequest;
use rekey_model::identity::UserName;
use rekey_model::name::{AccountId, Namespace, Region};
use rekey_server::context::{Authenticator, DevIdentity, SignedIdentity};
use rekey_server::tls::Peer;
use rekey_service::{Principal, RequestContext, Service, SystemClock};
use rekey_sigv4::{Credentials, sign};
use rekey_store::seal::{MasterKey, Seal};
use rekey_store::sqlite::{Durability, SqliteStore};
use std::sync::Arc;
use std::time::Instant;
use tower::ServiceExt;
use zeroize::Zeroizing;

const POLICY: &str = include_str!("ten_statements.json");
const BODY: &str = r#"{"SecretId":"bench-0"}"#;
const HOST: &str = "127.0.0.1:4584";

/// A GetSecretValue signed with `key` and `secret`, as botocore sends it.
fn signed(key: &str, secret: &str, now_ms: i64) -> Vec<(String, String)> {
    let creds = Credentials {
        access_key_id: key.into(),
        secret_access_key: Zeroizing::new(secret.into()),
        session_token: None,
    };
    let headers = vec![
        ("content-type".into(), "application/x-amz-json-1.1".into()),
        ("host".into(), HOST.into()),
        ("x-amz-target".into(), "secretsmanager.GetSecretValue".into()),
        ("user-agent".into(), "aws-cli/1.46.3 Python/3.12 botocore/1.44.8".into()),
    ];
    let req = rekey_sigv4::Request { method: "POST", path: "/", headers, body: BODY.as_bytes() };
    sign(req, &creds, "us-east-1", "secretsmanager", now_ms)
}

/// Mean CPU-bound wall time of one request through `router`, in µs.
async fn per_request(router: &axum::Router, headers: &[(String, String)], n: u32) -> f64 {
    let one = || async {
        let mut req = Request::post("/");
        for (k, v) in headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let mut req = req.body(Body::from(BODY)).unwrap();
        req.extensions_mut().insert(ConnectInfo(Peer("127.0.0.1:50000".parse().unwrap())));
        let resp = router.clone().oneshot(req).await.unwrap();
        assert!(resp.status().is_success(), "{:?}", resp.status());
        axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap();
    };
    for _ in 0..n / 10 {
        one().await;
    }
    let start = Instant::now();
    for _ in 0..n {
        one().await;
    }
    start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(SqliteStore::open_with(&SqliteStore::file_in(dir.path()), Durability::Unsynced).unwrap());
    let seal = Arc::new(Seal::unlock(store.as_ref(), MasterKey::generate()).await.unwrap());
    let service = Service::new(store, seal, Arc::new(SystemClock));
    let account = AccountId::parse("000000000000").unwrap();
    let ctx = RequestContext::new(
        Namespace { account: account.clone(), region: Region::new("us-east-1") },
        Principal::root(account.clone(), "setup".into()),
        rekey_model::request_id::RequestId::random(),
    );
    let secret = CreateSecretRequest {
        name: "bench-0".into(),
        secret_string: Some(SensitiveString::new("x".repeat(64))),
        client_request_token: Some(uuid::Uuid::new_v4().to_string()),
        ..Default::default()
    };
    service.create_secret(&ctx, secret).await.unwrap();
    let (root_key, root_secret) = service.create_access_key(account.clone(), None, None).await.unwrap();
    let user = UserName::parse("bench").unwrap();
    service.create_user(account.clone(), user.clone(), None).await.unwrap();
    service.put_user_policy(&account, &user, "ten", POLICY, None).await.unwrap();
    let (user_key, user_secret) = service.create_access_key(account.clone(), Some(user), None).await.unwrap();

    let now = service.now().millis();
    let dev = Authenticator::Dev(DevIdentity { default_account: account, default_region: Region::new("us-east-1") });
    let limits = rekey_server::Limits::default();
    let dev = rekey_server::router(service.clone(), dev, false, limits);
    let signed_router = rekey_server::router(service, Authenticator::SigV4(SignedIdentity::new()), false, limits);
    let root = signed(&root_key, &root_secret, now);
    let user = signed(&user_key, &user_secret, now);

    // Fewer (`REQUEST_BENCH_N`) make it usable under valgrind.
    let n = std::env::var("REQUEST_BENCH_N").ok().and_then(|n| n.parse().ok()).unwrap_or(50_000);
    // `REQUEST_BENCH_ONLY=dev|root|policy` runs one path alone (to profile it).
    let only = std::env::var("REQUEST_BENCH_ONLY").unwrap_or_default();
    let paths = [
        ("--dev", &dev, &root),
        ("SigV4 (account root)", &signed_router, &root),
        ("SigV4 + 10-statement policy", &signed_router, &user),
    ];
    let runs = |label: &str| only.is_empty() || label.to_lowercase().contains(only.as_str());
    // Interleaved rounds, the best of each kept: the machine's noise only
    // ever adds time.
    let mut best = [f64::MAX; 3];
    for _ in 0..5 {
        for (i, (label, router, headers)) in paths.iter().enumerate() {
            if runs(label) {
                best[i] = best[i].min(per_request(router, headers, n).await);
            }
        }
    }
    println!("GetSecretValue in process, best of 5 rounds of {n}:");
    let dev = best[0];
    for (i, (label, ..)) in paths.iter().enumerate().filter(|(_, p)| runs(p.0)) {
        // Each signed path also as its cost over --dev, when that ran.
        let over_dev = (i > 0 && dev < f64::MAX).then(|| format!("  +{:.1}%", 100.0 * (best[i] - dev) / dev));
        println!("{label:<28} {:>8.2} µs{}", best[i], over_dev.unwrap_or_default());
    }
}
