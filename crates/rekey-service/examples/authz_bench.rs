//! Benchmark: GetSecretValue through `Service::dispatch` on a real SQLite
//! store, as `--dev` (nothing authorized), as an account's root (no policy
//! to evaluate) and as a user with `bench/run`'s ten-statement policy: the
//! service-side cost of authorization, without HTTP or SigV4.
//!
//!   cargo run --release -p rekey-service --example authz_bench

use rekey_model::api::Operation;
use rekey_model::identity::UserName;
use rekey_model::name::{AccountId, Namespace, Region};
use rekey_model::policy::PolicyDocument;
use rekey_service::{Principal, RequestContext, Service, SystemClock};
use rekey_store::seal::{MasterKey, Seal};
use rekey_store::sqlite::SqliteStore;
use std::sync::Arc;
use std::time::Instant;

const POLICY: &str = include_str!("../../rekey-server/examples/ten_statements.json");

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Arc::new(SqliteStore::open(&dir.path().join("bench.db")).expect("open"));
    let seal = Arc::new(Seal::unlock(store.as_ref(), MasterKey::generate()).await.expect("seal"));
    let service = Service::new(store, seal, Arc::new(SystemClock));
    let account = AccountId::parse("000000000000").unwrap();
    let ns = Namespace { account: account.clone(), region: Region::new("us-east-1") };
    let dev = RequestContext::new(
        ns.clone(),
        Principal::unrestricted(account.clone(), "AKID".into()),
        rekey_model::request_id::RequestId::random(),
    );
    let create =
        br#"{"Name":"bench-0","SecretString":"x","ClientRequestToken":"00000000-0000-4000-8000-000000000000"}"#;
    service.dispatch(dev.clone(), Operation::CreateSecret, create).await.expect("create");
    let root = RequestContext::new(
        ns.clone(),
        Principal::root(account.clone(), "AKID".into()),
        rekey_model::request_id::RequestId::random(),
    );
    let user = RequestContext {
        principal: Arc::new(
            Principal {
                arn: "arn:aws:iam::000000000000:user/bench".into(),
                user: Some((UserName::parse("bench").unwrap(), "AIDABENCH".into())),
                ..Principal::root(account, "AKID".into())
            }
            .with_policies(&[PolicyDocument::parse_identity(POLICY).unwrap()]),
        ),
        source_ip: Some([127, 0, 0, 1].into()),
        ..root.clone()
    };
    // A second secret with a resource policy (which requests must evaluate).
    let create =
        br#"{"Name":"bench-1","SecretString":"x","ClientRequestToken":"00000000-0000-4000-8000-000000000001"}"#;
    service.dispatch(dev.clone(), Operation::CreateSecret, create).await.expect("create");
    let policy = serde_json::json!({"SecretId": "bench-1", "ResourcePolicy": serde_json::json!({"Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::999999999999:root"}, "Action": "*", "Resource": "*"},
                      {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]}).to_string()});
    service.dispatch(dev.clone(), Operation::PutResourcePolicy, policy.to_string().as_bytes()).await.expect("policy");
    let body = br#"{"SecretId":"bench-0"}"#;
    let mut base = None;
    // `authz_bench user` runs the user alone (for a profiler).
    let only = std::env::args().nth(1);
    let with_policy = br#"{"SecretId":"bench-1"}"#;
    for (label, ctx, body) in [
        ("--dev", &dev, &body[..]),
        ("account root", &root, &body[..]),
        ("user, 10 statements", &user, &body[..]),
        ("root, resource policy", &root, &with_policy[..]),
    ] {
        if only.as_deref().is_some_and(|o| !label.starts_with(o)) {
            continue;
        }
        let n = 200_000u32;
        for _ in 0..n / 10 {
            service.dispatch(ctx.clone(), Operation::GetSecretValue, body).await.expect("get");
        }
        let start = Instant::now();
        for _ in 0..n {
            service.dispatch(ctx.clone(), Operation::GetSecretValue, body).await.expect("get");
        }
        let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
        let b = *base.get_or_insert(us);
        println!("{label:<22} {us:>7.2} µs  (+{:.2} µs)", us - b);
    }
}
