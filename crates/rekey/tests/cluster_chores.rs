//! What several PostgreSQL nodes share besides requests: the first
//! start's administrator key, backups of the store, and the audit sink's
//! delivery.

mod common;

use common::cluster::Cluster;
use common::signed::{admin, policy, sm, user};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

/// Nodes started at the same moment on an empty store make one
/// administrator key between them: one node's data directory holds it, and
/// it signs through every node.
#[test]
fn nodes_starting_at_once_make_one_administrator_key() {
    let Some(cluster) = Cluster::start_signed_at_once(3) else { return };
    let holders: Vec<usize> = (0..3).filter(|&i| cluster.nodes[i].admin_credentials().exists()).collect();
    assert_eq!(holders.len(), 1, "one node holds the key: {holders:?}");
    assert_eq!(cluster.sql("SELECT count(*) FROM access_keys"), "1");
    let root = common::Keys::admin(&cluster.nodes[holders[0]]);
    for node in &cluster.nodes {
        sm(node, &root, "ListSecrets", json!({}));
    }
}

/// A backup of the PostgreSQL store, taken through one node while another
/// takes writes, is an embedded-store file (0600, no value in clear) that
/// restores into a data directory: a server there with the same master
/// key serves every value acknowledged before the backup began, the keys
/// made on the cluster sign, and the trail verifies.
#[test]
fn a_backup_of_the_postgresql_store_restores_into_a_data_directory() {
    use std::os::unix::fs::PermissionsExt;
    let Some(cluster) = Cluster::start_signed(2) else { return };
    let root = cluster.admin();
    let (a, b) = (&cluster.nodes[0], &cluster.nodes[1]);
    let mut kept = BTreeMap::new();
    for i in 0..40 {
        let (id, v) = (format!("kept-{i}"), format!("clear-value-{i}"));
        sm(
            &cluster.nodes[i % 2],
            &root,
            "CreateSecret",
            json!({"Name": id, "SecretString": v, "KmsKeyId": format!("alias/k{}", i % 3)}),
        );
        kept.insert(id, v);
    }
    sm(
        a,
        &root,
        "PutSecretValue",
        json!({"SecretId": "kept-0", "SecretString": "clear-value-0b", "VersionStages": ["AWSPENDING"]}),
    );
    sm(a, &root, "DeleteSecret", json!({"SecretId": "kept-1"}));
    let all = policy(json!([{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]));
    let alice = user(b, &root, "alice", all);
    let stop = std::sync::atomic::AtomicBool::new(false);
    sm(b, &root, "CreateSecret", json!({"Name": "busy", "SecretString": "b0"}));
    let taken = std::thread::scope(|s| {
        s.spawn(|| {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                sm(b, &root, "PutSecretValue", json!({"SecretId": "busy", "SecretString": format!("b{n}")}));
            }
        });
        std::thread::sleep(Duration::from_millis(100));
        let taken = admin(a, &root, "Backup", json!({"Name": "pg.db"}));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        taken
    });
    let file = a.data_dir.join("backups").join("pg.db");
    assert!(taken.to_string().contains("pg.db"), "{taken}");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    let bytes = std::fs::read(&file).unwrap();
    assert!(!bytes.windows(12).any(|w| w == b"clear-value-"), "no value in clear");

    let restored = tempfile::tempdir().unwrap();
    let data = restored.path().join("data");
    let out = std::process::Command::new(common::binary())
        .args(["admin", "restore", "--from", file.to_str().unwrap(), "--data-dir", data.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "restore: {}", String::from_utf8_lossy(&out.stderr));
    let key = cluster.key_file.display().to_string();
    let single = common::Server::start_signed_in(&data, &["--master-key-file", &key]);
    for (id, v) in &kept {
        if id == "kept-1" {
            let (status, out) = single.signed(&root, "secretsmanager.GetSecretValue", &json!({"SecretId": id}));
            assert_eq!(status, 400, "deleted in the copy too: {out}");
            continue;
        }
        assert_eq!(sm(&single, &alice, "GetSecretValue", json!({"SecretId": id}))["SecretString"], *v);
    }
    let pending = sm(&single, &root, "GetSecretValue", json!({"SecretId": "kept-0", "VersionStage": "AWSPENDING"}));
    assert_eq!(pending["SecretString"], "clear-value-0b");
    sm(&single, &root, "PutSecretValue", json!({"SecretId": "kept-2", "SecretString": "after"}));
    let verified = admin(&single, &root, "VerifyTrail", json!({}));
    assert_eq!(verified["Intact"], true, "{verified}");
}

/// Two nodes, each with an audit sink to a file of its own: one node
/// delivers at a time, so every record reaches exactly one file, once;
/// when that node is killed, the other goes on from where it stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_node_at_a_time_delivers_the_trail() {
    let files = tempfile::tempdir().unwrap();
    let dir = files.path().to_path_buf();
    let node = move |i: usize| {
        format!(
            "[rotation]\nnode_id = \"node{i}\"\n[audit.sink]\npath = {:?}\n",
            dir.join(format!("trail{i}.jsonl")).display().to_string()
        )
    };
    let Some(mut cluster) = Cluster::start_configured(2, node) else { return };
    let delivered = || -> Vec<Vec<String>> {
        (0..2)
            .map(|i| {
                let text = std::fs::read_to_string(files.path().join(format!("trail{i}.jsonl"))).unwrap_or_default();
                text.lines()
                    .flat_map(|l| {
                        let v: serde_json::Value = serde_json::from_str(l).unwrap();
                        v["Records"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|r| r["eventID"].as_str().unwrap().to_string())
                            .collect::<Vec<_>>()
                    })
                    .collect()
            })
            .collect()
    };
    let total =
        |cluster: &Cluster| -> usize { cluster.sql("SELECT count(*) FROM audit WHERE batch IS NULL").parse().unwrap() };
    for (i, n) in cluster.nodes.iter().enumerate() {
        let c = n.client();
        for k in 0..10 {
            c.create_secret().name(format!("s{i}-{k}")).secret_string("x").send().await.unwrap();
        }
    }
    let want = total(&cluster);
    let start = Instant::now();
    let seen = loop {
        let seen = delivered();
        if seen.iter().map(Vec::len).sum::<usize>() >= want {
            break seen;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "not all delivered: {seen:?}");
        std::thread::sleep(Duration::from_millis(100));
    };
    let all: Vec<&String> = seen.iter().flatten().collect();
    let distinct: HashSet<&String> = all.iter().copied().collect();
    assert_eq!(all.len(), distinct.len(), "a record delivered twice");
    let holder = (0..2).find(|&i| !seen[i].is_empty()).unwrap();
    assert!(seen[1 - holder].is_empty(), "both nodes delivered: {seen:?}");

    // The delivering node dies; the other takes over within the hold.
    cluster.nodes[holder].sigkill();
    let other = cluster.nodes[1 - holder].client();
    for k in 0..5 {
        other.create_secret().name(format!("after-{k}")).secret_string("x").send().await.unwrap();
    }
    let want = total(&cluster);
    let start = Instant::now();
    loop {
        let seen = delivered();
        // A line written just before the kill, its progress not yet
        // recorded, is delivered again (consumers dedupe by eventID).
        if seen.iter().flatten().collect::<HashSet<_>>().len() >= want {
            assert!(!seen[1 - holder].is_empty(), "the survivor delivered");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(40), "the survivor did not take over: {seen:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
}
