//! Durability and encryption at rest: acknowledged writes survive SIGKILLs,
//! no plaintext reaches the database files, and the master key guards the
//! store.

mod common;

use common::{Server, error_of, serve_failing, token};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

#[tokio::test]
async fn data_survives_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let server = Server::start_in(&dir);
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&dir).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o700, "a data dir the server creates is private");
    let c = server.client();
    c.create_secret().name("keep").secret_string("kept value").send().await.unwrap();
    c.put_secret_value().secret_id("keep").secret_string("second").send().await.unwrap();
    server.stop();
    let server = Server::start_in(&dir);
    let c = server.client();
    assert_eq!(c.get_secret_value().secret_id("keep").send().await.unwrap().secret_string(), Some("second"));
    let prev = c.get_secret_value().secret_id("keep").version_stage("AWSPREVIOUS").send().await.unwrap();
    assert_eq!(prev.secret_string(), Some("kept value"));
}

/// The successful PutSecretValue calls in the (default account's) audit
/// trail: clientRequestToken → secretId.
fn recorded_puts(server: &Server) -> BTreeMap<String, String> {
    let mut puts = BTreeMap::new();
    let mut next: Option<serde_json::Value> = None;
    loop {
        let mut body = serde_json::json!({
            "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "PutSecretValue"}],
            "MaxResults": 1000
        });
        if let Some(n) = next.take() {
            body["NextToken"] = n;
        }
        let headers = [
            ("host".to_string(), server.addr.clone()),
            ("content-type".to_string(), "application/x-amz-json-1.1".to_string()),
            ("x-amz-target".to_string(), "rekey.LookupEvents".to_string()),
        ];
        let (status, page) = server.send(&headers, body.to_string().as_bytes());
        assert_eq!(status, 200, "{page}");
        for e in page["Events"].as_array().unwrap() {
            let record: serde_json::Value = serde_json::from_str(e["CloudTrailEvent"].as_str().unwrap()).unwrap();
            if record.get("errorCode").is_none() {
                let p = &record["requestParameters"];
                puts.insert(p["clientRequestToken"].as_str().unwrap().into(), p["secretId"].as_str().unwrap().into());
            }
        }
        match page.get("NextToken") {
            Some(n) => next = Some(n.clone()),
            None => return puts,
        }
    }
}

/// 20 SIGKILLs, each in the middle of 16 concurrent writers: after every
/// restart, every write that was acknowledged is there, with its audit
/// record, and no record of a successful write is there without it.
#[tokio::test]
async fn every_acknowledged_put_survives_twenty_sigkills() {
    const ROUNDS: usize = 20;
    const WRITERS: usize = 16;
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start_in(dir.path());
    let mut total = 0;
    for round in 0..ROUNDS {
        // Each round its own secrets, below the 100-versions-a-day quota.
        for i in 0..WRITERS {
            server.client().create_secret().name(format!("r{round}s{i}")).secret_string("0").send().await.unwrap();
        }
        // Writers put values as fast as they can; each records what was acknowledged.
        let acked: Arc<Mutex<BTreeMap<usize, BTreeSet<String>>>> = Arc::default();
        let mut tasks = Vec::new();
        for i in 0..WRITERS {
            let c = server.client();
            let acked = acked.clone();
            tasks.push(tokio::spawn(async move {
                for n in 0..90u64 {
                    let t = token((round * 100 + i) as u64 * 1000 + n);
                    let put =
                        c.put_secret_value().secret_id(format!("r{round}s{i}")).secret_string(format!("value {n}"));
                    match put.client_request_token(&t).send().await {
                        Ok(_) => {
                            acked.lock().unwrap().entry(i).or_default().insert(t);
                        }
                        Err(_) => return,
                    }
                }
            }));
        }
        // Kill the server mid-stream.
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            if acked.lock().unwrap().values().map(|s| s.len()).sum::<usize>() >= 48 {
                break;
            }
        }
        server.kill();
        for t in tasks {
            t.await.unwrap();
        }
        let acked = acked.lock().unwrap().clone();
        total += acked.values().map(|s| s.len()).sum::<usize>();

        server = Server::start_in(dir.path());
        let c = server.client();
        let recorded = recorded_puts(&server);
        for (i, tokens) in acked {
            let id = format!("r{round}s{i}");
            let listed = c.list_secret_version_ids().secret_id(&id).include_deprecated(true).send().await.unwrap();
            let stored: BTreeSet<String> =
                listed.versions().iter().filter_map(|v| v.version_id().map(String::from)).collect();
            let lost: Vec<&String> = tokens.difference(&stored).collect();
            assert!(lost.is_empty(), "round {round}, {id}: acknowledged versions lost: {lost:?}");
            let unrecorded: Vec<&String> = tokens.iter().filter(|t| recorded.get(*t) != Some(&id)).collect();
            assert!(unrecorded.is_empty(), "round {round}, {id}: acknowledged puts without a record: {unrecorded:?}");
            let phantom: Vec<&String> =
                recorded.iter().filter(|(t, s)| **s == id && !stored.contains(*t)).map(|(t, _)| t).collect();
            assert!(phantom.is_empty(), "round {round}, {id}: records of puts that did not happen: {phantom:?}");
            // And AWSCURRENT is one of the stored versions, readable.
            c.get_secret_value().secret_id(&id).send().await.unwrap();
        }
    }
    assert!(total >= ROUNDS * 48, "{total} acknowledged writes");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn no_plaintext_in_database_files() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path());
    let c = server.client();
    let marker = "REKEY-PLAINTEXT-MARKER-7f3a9c1e5b";
    c.create_secret().name("marked").secret_string(format!("{marker} string")).send().await.unwrap();
    c.put_secret_value()
        .secret_id("marked")
        .secret_binary(aws_sdk_secretsmanager::primitives::Blob::new(format!("{marker} binary")))
        .send()
        .await
        .unwrap();
    c.update_secret().secret_id("marked").secret_string(format!("{{\"password\":\"{marker}\"}}")).send().await.unwrap();
    // Scan while running (WAL not yet checkpointed) and after a clean stop.
    let scan = |when: &str| {
        let mut scanned = 0;
        for entry in std::fs::read_dir(dir.path()).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().unwrap().to_string_lossy().starts_with("rekey.db") {
                let bytes = std::fs::read(&path).unwrap();
                assert!(!contains(&bytes, marker.as_bytes()), "{when}: plaintext found in {}", path.display());
                scanned += bytes.len();
            }
        }
        assert!(scanned > 0);
    };
    scan("running");
    server.stop();
    scan("stopped");
}

#[tokio::test]
async fn the_master_key_guards_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path());
    server.client().create_secret().name("guarded").secret_string("x").send().await.unwrap();
    server.stop();

    let key_path = dir.path().join("master.key");
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&key_path).unwrap().permissions());
    assert_eq!(mode & 0o777, 0o600, "the master key file is 0600");
    let key = std::fs::read(&key_path).unwrap();

    // Missing key for an existing store: refuse, and do not create a new one.
    std::fs::remove_file(&key_path).unwrap();
    let (ok, err) = serve_failing(dir.path(), &[]);
    assert!(!ok);
    assert!(err.contains("master key") && err.contains("missing"), "{err}");
    assert!(!key_path.exists(), "a new key must not be created for an existing store");

    // Wrong key: refuse, and leave the key file alone.
    let wrong = "ab".repeat(32);
    std::fs::write(&key_path, &wrong).unwrap();
    let (ok, err) = serve_failing(dir.path(), &[]);
    assert!(!ok);
    assert!(err.contains("does not match"), "{err}");
    assert_eq!(std::fs::read_to_string(&key_path).unwrap(), wrong);

    // The key given by environment works from anywhere.
    let elsewhere = tempfile::tempdir().unwrap();
    let env_key = elsewhere.path().join("k");
    std::fs::write(&env_key, &key).unwrap();
    std::fs::remove_file(&key_path).unwrap();
    let (ok, err) = serve_failing(dir.path(), &[("REKEY_MASTER_KEY_FILE", env_key.to_str().unwrap())]);
    assert!(ok, "{err}");

    // And the right key opens the store with its data.
    std::fs::write(&key_path, &key).unwrap();
    let server = Server::start_in(dir.path());
    let v = server.client().get_secret_value().secret_id("guarded").send().await.unwrap();
    assert_eq!(v.secret_string(), Some("x"));
    let (code, _) = error_of(server.client().get_secret_value().secret_id("nothing").send().await.unwrap_err());
    assert_eq!(code, "ResourceNotFoundException");
}

#[tokio::test]
async fn concurrent_writers_never_corrupt_labels() {
    let server = Server::start();
    let c = server.client();
    c.create_secret().name("busy").secret_string("0").client_request_token(token(0)).send().await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..4u64 {
        let c = server.client();
        tasks.push(tokio::spawn(async move {
            for n in 0..20u64 {
                let t = token(1000 * (w + 1) + n);
                c.put_secret_value()
                    .secret_id("busy")
                    .secret_string(format!("{w}-{n}"))
                    .client_request_token(&t)
                    .version_stages("AWSPENDING")
                    .send()
                    .await
                    .unwrap();
                // Promote it if nobody moved AWSCURRENT meanwhile; losers get
                // InvalidParameterException, which is the point.
                let d = c.describe_secret().secret_id("busy").send().await.unwrap();
                let current = d
                    .version_ids_to_stages()
                    .unwrap()
                    .iter()
                    .find(|(_, s)| s.iter().any(|l| l == "AWSCURRENT"))
                    .map(|(v, _)| v.clone())
                    .unwrap();
                let _ = c
                    .update_secret_version_stage()
                    .secret_id("busy")
                    .version_stage("AWSCURRENT")
                    .remove_from_version_id(current)
                    .move_to_version_id(&t)
                    .send()
                    .await;
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let d = c.describe_secret().secret_id("busy").send().await.unwrap();
    let map = d.version_ids_to_stages().unwrap();
    let holders = |label: &str| map.values().filter(|s| s.iter().any(|l| l == label)).count();
    assert_eq!(holders("AWSCURRENT"), 1);
    assert!(holders("AWSPREVIOUS") <= 1);
    assert!(holders("AWSPENDING") <= 1);
    let current = map.iter().find(|(_, s)| s.iter().any(|l| l == "AWSCURRENT")).unwrap().0;
    let previous = map.iter().find(|(_, s)| s.iter().any(|l| l == "AWSPREVIOUS")).map(|(v, _)| v);
    assert_ne!(Some(current), previous);
    let v = c.get_secret_value().secret_id("busy").send().await.unwrap();
    assert_eq!(v.version_id(), Some(current.as_str()));
}
