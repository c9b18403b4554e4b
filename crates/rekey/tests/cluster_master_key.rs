//! Rotating the master key while several PostgreSQL nodes serve: with a
//! shared key file under writes, with key files of their own (nodes keep
//! serving until they have the new key), when the node that started it is
//! killed, and for a node that missed it.

mod common;

use common::cluster::Cluster;
use common::signed::{admin, policy, sm, user};
use common::wait_for;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The old key, tried on the store: a node started with it is refused.
fn refused_with_key(cluster: &Cluster, key: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old.key");
    std::fs::write(&file, key).unwrap();
    let env = [("REKEY_STORE", cluster.url.as_str()), ("REKEY_MASTER_KEY_FILE", file.to_str().unwrap())];
    let (ok, stderr) = common::serve_failing(&dir.path().join("data"), &env);
    assert!(!ok && stderr.contains("does not match"), "the old key opens nothing: {stderr}");
}

/// The master key rotates while three nodes sharing the key file serve and
/// take writes: every acknowledged write reads back through every node,
/// access keys made before and during it still sign, the file holds the
/// new key, the old one opens nothing, and the trail verifies.
#[test]
fn the_master_key_rotates_while_every_node_serves() {
    let Some(cluster) = Cluster::start_signed(3) else { return };
    let root = cluster.admin();
    let nodes = &cluster.nodes;
    for i in 0..12 {
        let kms = format!("alias/k{}", i % 3);
        sm(
            &nodes[i % 3],
            &root,
            "CreateSecret",
            json!({"Name": format!("s{i}"), "SecretString": "v0", "KmsKeyId": kms}),
        );
    }
    let all = policy(json!([{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]));
    let before = user(&nodes[0], &root, "before", all.clone());
    let old_key = std::fs::read(&cluster.key_file).unwrap();
    let stop = std::sync::atomic::AtomicBool::new(false);
    let (rotated, acked) = std::thread::scope(|s| {
        let writer = s.spawn(|| {
            let mut acked = BTreeMap::new();
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                n += 1;
                let (id, v) = (format!("s{}", n % 12), format!("v{n}"));
                sm(&nodes[1 + n % 2], &root, "PutSecretValue", json!({"SecretId": id, "SecretString": v}));
                acked.insert(id, v);
            }
            acked
        });
        std::thread::sleep(Duration::from_millis(200));
        let rotated = admin(&nodes[0], &root, "RotateMasterKey", json!({}));
        std::thread::sleep(Duration::from_millis(200));
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        (rotated, writer.join().unwrap())
    });
    assert_eq!(rotated["Phase"], "Done", "{rotated}");
    assert_ne!(std::fs::read(&cluster.key_file).unwrap(), old_key, "the key file holds the new key");
    assert!(!cluster.key_file.with_extension("key.next").exists(), "the new key's file is moved over the old");
    assert!(acked.len() == 12, "writes went on through the rotation: {acked:?}");
    for node in nodes {
        for (id, v) in &acked {
            assert_eq!(sm(node, &before, "GetSecretValue", json!({"SecretId": id}))["SecretString"], *v);
        }
    }
    let after = user(&nodes[1], &root, "after", all);
    sm(&nodes[2], &after, "GetSecretValue", json!({"SecretId": "s1"}));
    refused_with_key(&cluster, &old_key);
    let verified = admin(&nodes[0], &root, "VerifyTrail", json!({}));
    assert_eq!(verified["Intact"], true, "{verified}");
}

/// Nodes with key files of their own: a rotation started on A waits for
/// B and C, which keep serving under the old key (B makes a new KMS key
/// and an access key meanwhile; C restarts with the old key) until their
/// new key files are put in place; then the rotation ends on its own, every
/// file holds the new key, and everything made under the old key opens.
#[test]
fn nodes_without_the_new_key_keep_serving_until_they_have_it() {
    let Some(mut cluster) = Cluster::start_signed_own_keys(3) else { return };
    let root = cluster.admin();
    sm(&cluster.nodes[1], &root, "CreateSecret", json!({"Name": "kept", "SecretString": "before"}));
    let old_key = std::fs::read(cluster.key_file_of(1)).unwrap();
    let staged = admin(&cluster.nodes[0], &root, "RotateMasterKey", json!({}));
    assert_eq!(staged["Phase"], "Staged", "{staged}");
    let keys: Vec<&str> = staged["Nodes"].as_array().unwrap().iter().map(|n| n["NewKey"].as_str().unwrap()).collect();
    assert_eq!(keys.iter().filter(|k| **k == "missing").count(), 2, "{staged}");
    assert_eq!(keys.iter().filter(|k| **k == "held").count(), 1, "{staged}");
    let (status, again) = cluster.nodes[1].signed(&root, "rekey.RotateMasterKey", &json!({}));
    assert_eq!(status, 400, "{again}");
    assert!(again["Message"].as_str().unwrap().contains("already under way"), "{again}");

    // The nodes without the new key serve on; C restarts with the old one.
    let c = cluster.nodes.remove(2);
    c.stop();
    cluster.add_node();
    let (a, b, c) = (&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]);
    sm(b, &root, "CreateSecret", json!({"Name": "meanwhile", "SecretString": "m", "KmsKeyId": "alias/new"}));
    let all = policy(json!([{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}]));
    let meanwhile = user(b, &root, "meanwhile", all);
    assert_eq!(sm(a, &meanwhile, "GetSecretValue", json!({"SecretId": "meanwhile"}))["SecretString"], "m");
    assert_eq!(sm(c, &meanwhile, "GetSecretValue", json!({"SecretId": "kept"}))["SecretString"], "before");
    let still = admin(b, &root, "GetMasterKeyRotation", json!({}));
    assert_eq!(still["Phase"], "Staged", "it waits for the nodes: {still}");

    // The operator copies the new key beside B's and C's key files.
    let next_of = |i: usize| cluster.key_file_of(i).with_extension("key.next");
    std::fs::copy(next_of(0), next_of(1)).unwrap();
    std::fs::copy(next_of(0), next_of(2)).unwrap();
    wait_for(Duration::from_secs(15), "the rotation to end", || {
        (admin(b, &root, "GetMasterKeyRotation", json!({}))["Phase"] == "Done").then_some(())
    });
    wait_for(Duration::from_secs(5), "every file to hold the new key", || {
        let keys = [0, 1, 2].map(|i| std::fs::read(cluster.key_file_of(i)).unwrap());
        let moved = (0..3).all(|i| !next_of(i).exists());
        (keys[0] != old_key && keys.iter().all(|k| *k == keys[0]) && moved).then_some(())
    });
    for node in &cluster.nodes {
        assert_eq!(sm(node, &meanwhile, "GetSecretValue", json!({"SecretId": "meanwhile"}))["SecretString"], "m");
        assert_eq!(sm(node, &root, "GetSecretValue", json!({"SecretId": "kept"}))["SecretString"], "before");
    }
    refused_with_key(&cluster, &old_key);
    // A node started now, with the new key only, serves.
    let copy = cluster.key_file_of(3);
    std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
    std::fs::copy(cluster.key_file_of(0), &copy).unwrap();
    let i = cluster.add_node();
    assert_eq!(
        sm(&cluster.nodes[i], &meanwhile, "GetSecretValue", json!({"SecretId": "meanwhile"}))["SecretString"],
        "m"
    );
}

/// A rotation whose starter is killed before the other node has the new
/// key is not lost: once the starter is taken as gone, the node holding
/// the new key drives it to its end; the killed node starts again with its
/// old key file and the new one beside it, and takes up the new key.
#[test]
fn a_rotation_outlives_the_node_that_started_it() {
    let Some(mut cluster) = Cluster::start_signed_own_keys(2) else { return };
    let root = cluster.admin();
    sm(&cluster.nodes[1], &root, "CreateSecret", json!({"Name": "kept", "SecretString": "before"}));
    let old_key = std::fs::read(cluster.key_file_of(1)).unwrap();
    let staged = admin(&cluster.nodes[0], &root, "RotateMasterKey", json!({}));
    assert_eq!(staged["Phase"], "Staged", "{staged}");
    cluster.nodes[0].sigkill();
    let killed = Instant::now();
    let next_of = [0, 1].map(|i| cluster.key_file_of(i).with_extension("key.next"));
    let next_of = |i: usize| next_of[i].clone();
    std::fs::copy(next_of(0), next_of(1)).unwrap();
    let b = &cluster.nodes[1];
    wait_for(Duration::from_secs(60), "the rotation to end", || {
        (admin(b, &root, "GetMasterKeyRotation", json!({}))["Phase"] == "Done").then_some(())
    });
    eprintln!("the rotation ended {:?} after its starter was killed", killed.elapsed());
    wait_for(Duration::from_secs(5), "B's file to hold the new key", || {
        (std::fs::read(cluster.key_file_of(1)).unwrap() != old_key && !next_of(1).exists()).then_some(())
    });
    assert!(next_of(0).exists(), "the killed node's new key file waits beside its old one");
    cluster.restart_node(0);
    assert_eq!(std::fs::read(cluster.key_file_of(0)).unwrap(), std::fs::read(cluster.key_file_of(1)).unwrap());
    assert!(!next_of(0).exists());
    assert_eq!(sm(&cluster.nodes[0], &root, "GetSecretValue", json!({"SecretId": "kept"}))["SecretString"], "before");
    refused_with_key(&cluster, &old_key);
}

/// A node paused past the point where the others count it gone misses a
/// rotation. Woken, it seals nothing lasting under its old key (a write
/// that would need a new KEK fails, so nothing is acknowledged that no
/// other node could open); once its new key file is in place it reloads
/// it and serves again.
#[test]
fn a_node_that_missed_a_rotation_seals_nothing_under_the_old_key() {
    let Some(cluster) = Cluster::start_signed_own_keys(2) else { return };
    let root = cluster.admin();
    let (a, b) = (&cluster.nodes[0], &cluster.nodes[1]);
    sm(b, &root, "CreateSecret", json!({"Name": "before", "SecretString": "v"}));
    unsafe { libc::kill(b.pid() as i32, libc::SIGSTOP) };
    let staged = admin(a, &root, "RotateMasterKey", json!({}));
    assert_eq!(staged["Phase"], "Staged", "B still counts: {staged}");
    wait_for(Duration::from_secs(60), "the rotation to end without B", || {
        (admin(a, &root, "GetMasterKeyRotation", json!({}))["Phase"] == "Done").then_some(())
    });
    unsafe { libc::kill(b.pid() as i32, libc::SIGCONT) };
    let fresh = json!({"Name": "fresh", "SecretString": "x", "KmsKeyId": "alias/fresh",
        "ClientRequestToken": "00000000-0000-4000-8000-00000000f5e5"});
    let (status, out) = b.signed(&root, "secretsmanager.CreateSecret", &fresh);
    assert_eq!(
        (status, out["__type"].as_str()),
        (500, Some("InternalServiceError")),
        "a KEK sealed under the old key would open nowhere else: {out}"
    );
    let (status, _) = a.signed(&root, "secretsmanager.DescribeSecret", &json!({"SecretId": "fresh"}));
    assert_eq!(status, 400, "nothing was written");
    // The operator gives B the new key.
    let next = cluster.key_file_of(1).with_extension("key.next");
    std::fs::copy(cluster.key_file_of(0), &next).unwrap();
    wait_for(Duration::from_secs(30), "B to reload the new key and serve", || {
        (b.signed(&root, "secretsmanager.CreateSecret", &fresh).0 == 200).then_some(())
    });
    assert_eq!(sm(a, &root, "GetSecretValue", json!({"SecretId": "fresh"}))["SecretString"], "x");
    assert_eq!(std::fs::read(cluster.key_file_of(1)).unwrap(), std::fs::read(cluster.key_file_of(0)).unwrap());
}
