//! Rotations on several PostgreSQL nodes: a killed node's rotations finish
//! on the others, each step's function run once; and 1,000 schedules due
//! at one instant across three nodes rotate once each.

mod common;

use aws_sdk_secretsmanager::Client;
use common::cluster::Cluster;
use common::rotation::{Control, FN, exec_config, finished_job};
use common::{python, stages, token, wait_for};
use std::time::{Duration, Instant};

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
