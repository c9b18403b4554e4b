//! Several nodes on one PostgreSQL store, with clients spread across them:
//! a value written through one node is read through the others; writes
//! through all three at once leave every label whole and every
//! acknowledged version there; ListSecrets pages stay consistent while
//! other nodes create and delete secrets; and the audit trail stays one
//! verifiable chain.

mod common;

use aws_sdk_secretsmanager::Client;
use common::cluster::Cluster;
use common::rotation::{Control, FN, exec_config, finished_job};
use common::signed::{admin, policy, sm, user};
use common::{error_of, python, stages, token, wait_for};
use serde_json::json;
use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

async fn value(c: &Client, id: &str) -> String {
    c.get_secret_value().secret_id(id).send().await.unwrap().secret_string().unwrap().to_string()
}

/// Every write through node A is read through nodes B and C: at once when
/// B's cache has heard of it (PostgreSQL's notification arrives within a
/// millisecond or so), and within a bound in any case; a node whose cache
/// never heard would return the old value forever, and fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_written_through_one_node_is_read_through_another() {
    let Some(cluster) = Cluster::start(3) else { return };
    let [a, b, c] = [0, 1, 2].map(|i| cluster.nodes[i].client());
    a.create_secret().name("shared").secret_string("v0").send().await.unwrap();
    // B and C cache the secret.
    assert_eq!(value(&b, "shared").await, "v0");
    assert_eq!(value(&c, "shared").await, "v0");
    let (mut stale, mut longest) = (0, Duration::ZERO);
    for i in 1..=50 {
        let v = format!("v{i}");
        a.put_secret_value().secret_id("shared").secret_string(&v).send().await.unwrap();
        let written = Instant::now();
        for reader in [&b, &c] {
            let mut first = true;
            loop {
                if value(reader, "shared").await == v {
                    break;
                }
                if first {
                    stale += 1;
                    first = false;
                }
                assert!(written.elapsed() < Duration::from_secs(2), "{v} not read through another node after 2 s");
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            longest = longest.max(written.elapsed());
        }
    }
    eprintln!("100 reads after a write elsewhere: {stale} stale at first; all fresh within {longest:?}");
    // A secret deleted through C is gone through A and B.
    c.delete_secret().secret_id("shared").force_delete_without_recovery(true).send().await.unwrap();
    for reader in [&a, &b] {
        let start = Instant::now();
        while reader.get_secret_value().secret_id("shared").send().await.is_ok() {
            assert!(start.elapsed() < Duration::from_secs(2), "a purged secret still read elsewhere");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
}

/// PutSecretValue and UpdateSecretVersionStage through all three nodes at
/// once on one secret: every acknowledged version is there, each label is
/// on one version, AWSCURRENT is on the last version put and AWSPREVIOUS
/// on a version that held AWSCURRENT; the trail verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_through_three_nodes_keep_labels_whole() {
    let Some(cluster) = Cluster::start(3) else { return };
    let clients: Vec<Client> = cluster.nodes.iter().map(|n| n.client()).collect();
    let first = clients[0]
        .create_secret()
        .name("contended")
        .secret_string("v0")
        .client_request_token(token(0))
        .send()
        .await
        .unwrap();
    let first = first.version_id().unwrap().to_string();
    const PUTS: u64 = 20;
    let mut tasks = tokio::task::JoinSet::new();
    for (n, c) in clients.iter().enumerate() {
        let c = c.clone();
        tasks.spawn(async move {
            let (mut acked, mut refused) = (Vec::new(), 0);
            for i in 0..PUTS {
                let t = token(1_000 * (n as u64 + 1) + i);
                c.put_secret_value()
                    .secret_id("contended")
                    .secret_string(&t)
                    .client_request_token(&t)
                    .send()
                    .await
                    .unwrap();
                acked.push(t.clone());
                // And a custom label moved onto it from where this node
                // last saw it: a move decided on a stale holder is refused
                // (the label moved meanwhile), and tried again.
                loop {
                    let described = c.describe_secret().secret_id("contended").send().await.unwrap();
                    let holder = described.version_ids_to_stages().and_then(|stages| {
                        stages.iter().find(|(_, labels)| labels.iter().any(|l| l == "MINE")).map(|(v, _)| v.clone())
                    });
                    let mut req = c
                        .update_secret_version_stage()
                        .secret_id("contended")
                        .version_stage("MINE")
                        .move_to_version_id(&t);
                    if let Some(holder) = holder {
                        req = req.remove_from_version_id(holder);
                    }
                    match req.send().await {
                        Ok(_) => break,
                        Err(e) => {
                            let (code, message) = error_of(e);
                            assert_eq!(code, "InvalidParameterException", "{message}");
                            refused += 1;
                        }
                    }
                }
            }
            (acked, refused)
        });
    }
    let (mut acked, mut refused): (HashSet<String>, usize) = (HashSet::new(), 0);
    while let Some(done) = tasks.join_next().await {
        let (mine, stale) = done.unwrap();
        acked.extend(mine);
        refused += stale;
    }
    eprintln!("{refused} label moves decided on a holder that had moved were refused");
    assert_eq!(acked.len(), 3 * PUTS as usize);

    for c in &clients {
        let described = c.describe_secret().secret_id("contended").send().await.unwrap();
        let stages = described.version_ids_to_stages().expect("versions");
        let mut holders: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (version, labels) in stages {
            for label in labels {
                holders.entry(label.clone()).or_default().push(version.clone());
            }
        }
        for (label, versions) in &holders {
            assert_eq!(versions.len(), 1, "{label} on {versions:?}");
        }
        let current = &holders["AWSCURRENT"][0];
        assert!(acked.contains(current), "AWSCURRENT on an acknowledged put");
        let previous = &holders["AWSPREVIOUS"][0];
        assert!(acked.contains(previous) || *previous == first, "AWSPREVIOUS on a version put");
        assert_ne!(current, previous);
        assert!(acked.contains(&holders["MINE"][0]));
    }
    // Every acknowledged version is stored (none lost to a concurrent
    // write), each with the value it was put with.
    let listed =
        clients[1].list_secret_version_ids().secret_id("contended").include_deprecated(true).send().await.unwrap();
    let stored: HashSet<String> = listed.versions().iter().filter_map(|v| v.version_id().map(str::to_string)).collect();
    assert!(acked.is_subset(&stored), "missing: {:?}", acked.difference(&stored).collect::<Vec<_>>());
    for v in acked.iter().take(5) {
        let got = clients[2].get_secret_value().secret_id("contended").version_id(v).send().await.unwrap();
        assert_eq!(got.secret_string(), Some(v.as_str()));
    }
    // One chain, every change in it.
    let verified = cluster.nodes[0].rekey_json(&["admin", "audit", "verify"]);
    assert_eq!(verified["Intact"], true, "{verified}");
    let puts: i64 = cluster.sql("SELECT count(*) FROM audit WHERE event_name = 'PutSecretValue'").parse().unwrap();
    assert_eq!(puts, 3 * PUTS as i64, "one record per put");
}

/// ListSecrets paged through node A while nodes B and C create and delete
/// secrets: every untouched secret exactly once, nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn list_pages_stay_consistent_while_other_nodes_change_secrets() {
    let Some(cluster) = Cluster::start(3) else { return };
    let clients: Vec<Client> = cluster.nodes.iter().map(|n| n.client()).collect();
    const N: usize = 600;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..N {
        let c = clients[i % 3].clone();
        set.spawn(
            async move { c.create_secret().name(format!("stable-{i:04}")).secret_string("x").send().await.unwrap() },
        );
        if set.len() >= 32 {
            set.join_next().await.unwrap().unwrap();
        }
    }
    while set.join_next().await.is_some() {}
    for i in 0..100 {
        clients[1].create_secret().name(format!("churn-{i:03}")).secret_string("x").send().await.unwrap();
    }
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // B deletes churn-000 to 049, C the rest, each creating as it goes.
    let churn = |c: Client, node: usize| {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                c.create_secret().name(format!("new-{node}-{i:05}")).secret_string("x").send().await.unwrap();
                if i < 50 {
                    c.delete_secret()
                        .secret_id(format!("churn-{:03}", (node - 1) * 50 + i))
                        .force_delete_without_recovery(true)
                        .send()
                        .await
                        .unwrap();
                }
                i += 1;
            }
            i
        })
    };
    let (b, c) = (churn(clients[1].clone(), 1), churn(clients[2].clone(), 2));
    let mut seen = std::collections::HashMap::<String, usize>::new();
    let mut pages = clients[0].list_secrets().max_results(20).into_paginator().send();
    while let Some(page) = pages.next().await {
        for e in page.unwrap().secret_list() {
            *seen.entry(e.name().unwrap().to_string()).or_default() += 1;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let created = b.await.unwrap() + c.await.unwrap();
    assert!(created > 0, "changes ran during the listing");
    assert!(seen.values().all(|&n| n == 1), "a secret listed twice");
    assert_eq!(seen.keys().filter(|k| k.starts_with("stable-")).count(), N, "every untouched secret listed");
}

/// A key deleted, or a user's policy narrowed, through one node stops
/// working on the others at once, though they had it cached (they hear of
/// every principal change; a leaked key revoked on one node must not go
/// on working elsewhere for the cache's minute).
#[test]
fn a_key_revoked_through_one_node_is_refused_by_the_others() {
    let Some(cluster) = Cluster::start_signed(3) else { return };
    let (a, b, c) = (&cluster.nodes[0], &cluster.nodes[1], &cluster.nodes[2]);
    let root = cluster.admin();
    let alice =
        user(a, &root, "alice", policy(json!([{"Effect": "Allow", "Action": "secretsmanager:*", "Resource": "*"}])));
    sm(a, &alice, "CreateSecret", json!({"Name": "hers", "SecretString": "x"}));
    // B and C know alice's key and grant.
    for node in [b, c] {
        sm(node, &alice, "GetSecretValue", json!({"SecretId": "hers"}));
    }
    // Her policy narrowed through A: B refuses at once.
    admin(
        a,
        &root,
        "PutUserPolicy",
        json!({"UserName": "alice", "PolicyName": "p", "PolicyDocument": policy(json!([{"Effect": "Allow", "Action": "secretsmanager:ListSecrets", "Resource": "*"}])).to_string()}),
    );
    let start = Instant::now();
    loop {
        let (status, out) = b.signed(&alice, "secretsmanager.GetSecretValue", &json!({"SecretId": "hers"}));
        if status != 200 {
            assert_eq!(out["__type"], "AccessDeniedException", "{out}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(1), "B still grants what A took away");
        std::thread::sleep(Duration::from_millis(2));
    }
    // Her key deleted through A: C refuses it at once.
    sm(c, &alice, "ListSecrets", json!({}));
    admin(a, &root, "DeleteAccessKey", json!({"AccessKeyId": alice.id, "UserName": "alice"}));
    let start = Instant::now();
    loop {
        let (status, out) = c.signed(&alice, "secretsmanager.ListSecrets", &json!({}));
        if status != 200 {
            assert_eq!(out["__type"], "UnrecognizedClientException", "{out}");
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(1), "C still accepts a key deleted through A");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// SIGKILL of a node while its rotations are in setSecret: the other nodes
/// take the jobs over once their leases lapse (2 s here), and each
/// rotation completes exactly once: every step's function ran to its end
/// once (the killed run of setSecret never did), and the history says
/// that run was cut short. Nodes that keep running renew their leases
/// while their steps run (3 s, longer than the lease), so no job is
/// taken from a live node.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_nodes_rotations_complete_elsewhere_exactly_once() {
    let Some(py) = python() else { return };
    let control = Control::new();
    let config = exec_config(&py, &control);
    let node = move |i: usize| {
        config.replace("[rotation]\n", &format!("[rotation]\nnode_id = \"node{i}\"\nlease_seconds = 2\n"))
    };
    let Some(mut cluster) = Cluster::start_configured(3, node) else { return };
    let a = cluster.nodes[0].client();
    const N: u64 = 6;
    for i in 0..N {
        a.create_secret()
            .name(format!("kill/{i}"))
            .secret_string("old")
            .client_request_token(token(1))
            .send()
            .await
            .unwrap();
    }
    control.set("slow-setSecret", "3");
    for i in 0..N {
        let id = format!("kill/{i}");
        a.rotate_secret()
            .secret_id(&id)
            .client_request_token(token(100 + i))
            .rotation_lambda_arn(FN)
            .send()
            .await
            .unwrap();
    }
    let started = |t: &str| control.log().iter().filter(|l| l.starts_with(&format!("setSecret {t} start"))).count();
    wait_for(Duration::from_secs(60), "every setSecret to start", || {
        (0..N).all(|i| started(&token(100 + i)) == 1).then_some(())
    });
    cluster.nodes[0].sigkill();
    let killed = Instant::now();
    control.clear("slow-setSecret");
    let b = cluster.nodes[1].client();
    for i in 0..N {
        let id = format!("kill/{i}");
        loop {
            if stages(&b, &id).await.get(&token(100 + i)).is_some_and(|l| l.iter().any(|l| l == "AWSCURRENT")) {
                break;
            }
            assert!(killed.elapsed() < Duration::from_secs(60), "{id} not rotated a minute after the kill");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let took = killed.elapsed();
    let log = control.log();
    let count = |line: String| log.iter().filter(|l| **l == line).count();
    let mut taken_over = 0;
    for i in 0..N {
        let t = token(100 + i);
        for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
            assert_eq!(count(format!("{step} {t} done")), 1, "{step} of kill/{i} ran to its end once: {log:?}");
        }
        let job = &finished_job(&cluster.nodes[1], &format!("kill/{i}")).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        let cut = job["steps"].as_array().unwrap().iter().filter(|s| s["interrupted"] == true).count();
        let runs = log.iter().filter(|l| l.starts_with(&format!("setSecret {t} start"))).count();
        assert_eq!(cut + 1, runs, "each run of setSecret is in the history: {job}");
        taken_over += cut;
    }
    assert!(taken_over > 0, "the killed node held some of the jobs");
    eprintln!("{taken_over} of {N} rotations taken over from the killed node; all done {took:?} after the kill");
}

/// SIGKILL of a node while clients write through it and through another:
/// every write acknowledged by either is there, read through a third.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_a_killed_node() {
    let Some(mut cluster) = Cluster::start(3) else { return };
    let writer = |c: Client, node: usize, stop: std::sync::Arc<std::sync::atomic::AtomicBool>| {
        tokio::spawn(async move {
            let mut acked = Vec::new();
            for i in 0.. {
                if stop.load(std::sync::atomic::Ordering::Relaxed) {
                    break;
                }
                let name = format!("stream/{node}/{i}");
                match c.create_secret().name(&name).secret_string(&name).send().await {
                    Ok(_) => acked.push(name),
                    Err(_) => break,
                }
            }
            acked
        })
    };
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let doomed = writer(cluster.nodes[0].client(), 0, stop.clone());
    let survivor = writer(cluster.nodes[1].client(), 1, stop.clone());
    tokio::time::sleep(Duration::from_millis(700)).await;
    cluster.nodes[0].sigkill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let (doomed, survivor) = (doomed.await.unwrap(), survivor.await.unwrap());
    assert!(!doomed.is_empty() && !survivor.is_empty(), "both wrote before the kill");
    let c = cluster.nodes[2].client();
    for name in doomed.iter().chain(&survivor) {
        let got = c.get_secret_value().secret_id(name).send().await.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(got.secret_string(), Some(name.as_str()));
    }
    eprintln!("{} writes acknowledged by the killed node, {} by the other: all there", doomed.len(), survivor.len());
}

/// 1,000 scheduled rotations fall due at the same instant on three nodes,
/// each running its scheduler and engine: each secret is rotated exactly
/// once (one job, one new version, one RotationSucceeded record), and the
/// work is shared.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_schedules_due_at_once_rotate_once_each() {
    const PW: &str = "arn:aws:lambda:us-east-1:000000000000:function:pw";
    let node = |i: usize| {
        format!("[rotation]\nnode_id = \"node{i}\"\n[[function]]\narn = \"{PW}\"\ntype = \"builtin:password\"\n")
    };
    let Some(cluster) = Cluster::start_configured(3, node) else { return };
    let clients: Vec<Client> = cluster.nodes.iter().map(|n| n.client()).collect();
    const N: usize = 1_000;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..N {
        let c = clients[i % 3].clone();
        set.spawn(async move {
            let id = format!("due/{i:04}");
            c.create_secret().name(&id).secret_string("{\"password\":\"initial\"}").send().await.unwrap();
            c.rotate_secret()
                .secret_id(&id)
                .rotation_lambda_arn(PW)
                .rotation_rules(
                    aws_sdk_secretsmanager::types::RotationRulesType::builder().automatically_after_days(1).build(),
                )
                .rotate_immediately(false)
                .send()
                .await
                .unwrap();
        });
        if set.len() >= 32 {
            set.join_next().await.unwrap().unwrap();
        }
    }
    while set.join_next().await.is_some() {}
    // RotateImmediately=false tests the configuration (testSecret) only.
    const ROTATE: &str = "body LIKE '%\"mode\":\"rotate\"%'";
    assert_eq!(cluster.sql(&format!("SELECT count(*) FROM rotations WHERE {ROTATE}")), "0", "nothing rotated yet");
    // All due at one instant, two seconds from now.
    let due = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64 + 2_000;
    cluster.sql(&format!("UPDATE secrets SET rotate_at_ms = {due}"));
    let start = Instant::now();
    loop {
        let done: usize = cluster
            .sql(&format!("SELECT count(*) FROM rotations WHERE status = 'succeeded' AND {ROTATE}"))
            .parse()
            .unwrap();
        if done >= N {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(120), "{done} of {N} rotated after two minutes");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let took = start.elapsed().saturating_sub(Duration::from_secs(2));
    assert_eq!(
        cluster.sql(&format!("SELECT count(*) FROM rotations WHERE {ROTATE}")),
        N.to_string(),
        "one job per secret"
    );
    assert_eq!(
        cluster.sql("SELECT count(*) FROM (SELECT secret_pk FROM versions GROUP BY secret_pk HAVING count(*) <> 2) x"),
        "0",
        "one new version per secret"
    );
    assert_eq!(
        cluster.sql("SELECT count(*) FROM audit WHERE event_name = 'RotationSucceeded'"),
        N.to_string(),
        "one success recorded per secret"
    );
    // Who ran them: each node's count of rotations it saw succeed.
    let per_node: Vec<u64> = cluster
        .nodes
        .iter()
        .map(|n| {
            let (_, metrics) = n.get("/metrics");
            metrics
                .lines()
                .filter(|l| l.starts_with("rekey_rotations_total{") && l.contains("outcome=\"succeeded\""))
                .filter_map(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
                .sum()
        })
        .collect();
    assert_eq!(per_node.iter().sum::<u64>(), N as u64, "each rotation ran on one node: {per_node:?}");
    eprintln!("{N} due rotations done {took:?} after they fell due, by node: {per_node:?}");
    // Each window is used up once: the next ones are tomorrow's (a day's
    // window runs from midnight UTC, so tomorrow's may begin in less than
    // twelve hours).
    let next: i64 = cluster.sql("SELECT min(rotate_at_ms) FROM secrets").parse().unwrap();
    let tomorrow = (due / 86_400_000 + 1) * 86_400_000;
    assert!(next >= tomorrow, "the next window is tomorrow's: {next} < {tomorrow}");
    let verified = cluster.nodes[2].rekey_json(&["admin", "audit", "verify"]);
    assert_eq!(verified["Intact"], true, "{verified}");
}

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
