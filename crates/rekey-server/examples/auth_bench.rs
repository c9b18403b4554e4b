//! Micro-benchmark of the two per-request security stages, in process:
//! SigV4 verification of a botocore-shaped GetSecretValue, and evaluation
//! of a ten-statement identity policy (the one `bench/run` uses).
//!
//!   cargo run --release -p rekey-server --example auth_bench

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use rekey_model::authz::{self, Context};
use rekey_model::policy::PolicyDocument;
use rekey_sigv4::verify::{Incoming, SERVICE, SecretKeys, claim, verify};
use rekey_sigv4::{Credentials, Request, SigningMac, sign};
use std::sync::Arc;
use std::time::Instant;
use zeroize::Zeroizing;

const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// The key, with its signing MAC made once (as the server keeps it).
struct Keys(Arc<SigningMac>);

impl SecretKeys for Keys {
    fn secret_key(&self, _: &str) -> Option<&str> {
        Some(SECRET)
    }

    fn signing_mac(&self, _: &str, _: &str, _: &str) -> Option<Arc<SigningMac>> {
        Some(self.0.clone())
    }
}

/// The ten-statement identity policy `bench/run` gives its user.
const POLICY: &str = include_str!("ten_statements.json");

/// Iterations: `AUTH_BENCH_N`, or `default` (fewer make it usable under
/// valgrind, whose instruction counts do not move with the machine's noise).
fn iterations(default: u32) -> u32 {
    std::env::var("AUTH_BENCH_N").ok().and_then(|n| n.parse().ok()).unwrap_or(default)
}

/// Mean time of `f` over `n` calls, the best of five rounds: the machine's
/// noise only ever adds time.
fn time(label: &str, n: u32, mut f: impl FnMut()) {
    for _ in 0..n / 10 {
        f();
    }
    let best = (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..n {
                f();
            }
            start.elapsed().as_secs_f64() * 1e6 / f64::from(n)
        })
        .fold(f64::MAX, f64::min);
    println!("{label:<28} {best:>8.2} µs");
}

fn main() {
    let now = 1_795_792_574_000;
    let body = br#"{"SecretId":"bench-0"}"#;
    let creds = Credentials {
        access_key_id: KEY.into(),
        secret_access_key: Zeroizing::new(SECRET.into()),
        session_token: None,
    };
    let signed = sign(
        Request {
            method: "POST",
            path: "/",
            headers: vec![
                ("content-type".into(), "application/x-amz-json-1.1".into()),
                ("host".into(), "127.0.0.1:4584".into()),
                ("x-amz-target".into(), "secretsmanager.GetSecretValue".into()),
            ],
            body,
        },
        &creds,
        "us-east-1",
        "secretsmanager",
        now,
    );
    let mut headers = HeaderMap::new();
    for (k, v) in &signed {
        headers.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
    }
    headers.append("user-agent", HeaderValue::from_static("aws-cli/1.46.3 Python/3.12 botocore/1.44.8"));
    let req = Incoming { method: "POST", path: "/", query: None, headers: &headers, body };
    let (date, _) = rekey_sigv4::canonical::amz_dates(now);
    let keys = Keys(Arc::new(SigningMac::derive(SECRET, &date, "us-east-1", SERVICE)));
    verify(&req, now, &keys).expect("a valid signature");
    time("claim only", iterations(200_000), || {
        std::hint::black_box(claim(&req).unwrap());
    });
    // The floor under verification: the payload, the canonical request
    // and the two HMAC passes hash 1 + 6 + 3 + 1 blocks of this request,
    // timed here as one hash of as many.
    let blocks = [7u8; 11 * 64 - 9];
    time("SHA-256, 11 blocks", iterations(200_000), || {
        std::hint::black_box(rekey_sigv4::canonical::sha256_hex32(std::hint::black_box(&blocks)));
    });
    time("SigV4 verification", iterations(200_000), || {
        verify(&req, now, &keys).unwrap();
    });

    // Bound to the user's own keys, as the server binds a user's policies.
    let doc = PolicyDocument::parse_identity(POLICY).unwrap().bind(&Context::new().with("aws:username", "bench"));
    let keys = Context::new()
        .with("secretsmanager:SecretId", "bench-0")
        .with("aws:SourceIp", "127.0.0.1")
        .with("aws:SecureTransport", "false")
        .with("aws:CurrentTime", "2026-11-27T12:00:00Z")
        .with("aws:username", "bench");
    let request = authz::Request {
        action: "secretsmanager:GetSecretValue",
        resource: "arn:aws:secretsmanager:us-east-1:000000000000:secret:bench-0-AbCdEf",
        principal_arn: "arn:aws:iam::000000000000:user/bench",
        principal_account: "000000000000",
        resource_account: "000000000000",
        context: &keys,
    };
    assert_eq!(authz::evaluate(&request, &[&doc], None), authz::Decision::Allow);
    time("10-statement policy", iterations(200_000), || {
        authz::evaluate(&request, &[&doc], None);
    });
}
