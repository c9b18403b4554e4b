//! Several nodes on one PostgreSQL store, with clients spread across them:
//! a value written through one node is read through the others; writes
//! through all three at once leave every label whole and every
//! acknowledged version there; ListSecrets pages stay consistent while
//! other nodes create and delete secrets; a key revoked through one node is
//! refused by the others; and acknowledged writes survive a killed node.
//! Rotations, the master key and the shared chores have files of their own
//! (`cluster_rotation.rs`, `cluster_master_key.rs`, `cluster_chores.rs`).

mod common;

use aws_sdk_secretsmanager::Client;
use common::cluster::Cluster;
use common::signed::{admin, policy, sm, user};
use common::{error_of, token};
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
