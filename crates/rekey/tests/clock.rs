//! The `--dev` clock: it survives a restart (and never starts behind what
//! the store already wrote), and however it is moved, a scheduled rotation
//! starts inside its window.

mod common;

use aws_sdk_secretsmanager::types::RotationRulesType;
use common::{Server, wait_for};
use serde_json::Value;
use std::time::Duration;

/// The server's time, in seconds.
fn clock(server: &Server, args: &[&str]) -> f64 {
    let mut all = vec!["admin", "clock"];
    all.extend_from_slice(args);
    server.rekey_json(&all)["Now"].as_f64().unwrap()
}

/// Every version's creation time, in seconds.
async fn created(c: &aws_sdk_secretsmanager::Client, id: &str) -> Vec<i64> {
    let out = c.list_secret_version_ids().secret_id(id).include_deprecated(true).send().await.unwrap();
    out.versions().iter().map(|v| v.created_date().unwrap().secs()).collect()
}

/// Moved three days ahead, then killed: the restarted server's clock is
/// still three days ahead, so nothing it wrote lies in the future. And
/// should its offset be lost, it still never starts behind its newest write.
#[tokio::test]
async fn the_dev_clock_resumes_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_in(dir.path());
    let c = server.client();
    c.create_secret().name("s").secret_string("one").send().await.unwrap();
    let before = clock(&server, &[]);
    let moved = clock(&server, &["--advance", "3d"]);
    assert!(moved >= before + 3.0 * 86_400.0, "{before} -> {moved}");
    c.put_secret_value().secret_id("s").secret_string("two").send().await.unwrap();

    server.kill();
    let server = Server::start_in(dir.path());
    let after = clock(&server, &[]);
    assert!(after >= moved, "back to {after} from {moved}");
    let c = server.client();
    c.put_secret_value().secret_id("s").secret_string("three").send().await.unwrap();
    let times = created(&c, "s").await;
    let newest = *times.iter().max().unwrap();
    assert!(newest as f64 >= moved.floor(), "{times:?}");

    // The offset lost (an older store, say): the clock starts no earlier
    // than the newest write.
    server.kill();
    let db = rusqlite::Connection::open(dir.path().join("rekey.db")).unwrap();
    assert_eq!(db.execute("UPDATE settings SET value = 0", []).unwrap(), 1);
    drop(db);
    let server = Server::start_in(dir.path());
    let again = clock(&server, &[]);
    assert!(again >= newest as f64, "{again} before the newest write {newest}");
    drop(server);
}

/// A daily two-hour window, and the clock moved across it in 48 steps of
/// five minutes, as fast as a script can, then over the next day's in one
/// jump: the scheduler is asked at each move, and the clock stops where a
/// rotation is planned, so each starts inside its window, not after it as
/// a catch-up.
#[tokio::test]
async fn small_clock_moves_start_the_rotation_inside_its_window() {
    let server = Server::start();
    let c = server.client();
    c.create_secret().name("windowed").secret_string("v").send().await.unwrap();
    let rules = RotationRulesType::builder().schedule_expression("cron(0 8 * * ? *)").duration("2h").build();
    c.rotate_secret()
        .secret_id("windowed")
        .rotation_lambda_arn("builtin:password")
        .rotation_rules(rules)
        .send()
        .await
        .unwrap();
    let jobs = |n: usize| {
        let server = &server;
        move || {
            let jobs = server.rekey_json(&["admin", "rotations", "--secret-id", "windowed"])["Rotations"].clone();
            (jobs.as_array().unwrap().len() == n && jobs[0]["status"] == "succeeded").then_some(jobs)
        }
    };
    wait_for(Duration::from_secs(30), "the first rotation", jobs(1));
    let d = c.describe_secret().secret_id("windowed").send().await.unwrap();
    // The window ends a second after NextRotationDate.
    let window_end = d.next_rotation_date().unwrap().secs() + 1;
    let window_start = window_end - 7200;

    // An hour before the window, unless the day is already past that (the
    // clock only moves forward): then from now, still before the window.
    let start = window_start - 3600;
    if start as f64 > clock(&server, &[]) {
        clock(&server, &["--set", &rekey_model::calendar::format_utc(start * 1000)]);
    }
    for _ in 0..48 {
        clock(&server, &["--advance", "5m"]);
    }
    let jobs2: Value = wait_for(Duration::from_secs(30), "the scheduled rotation", jobs(2));
    let started = jobs2[0]["created"].as_f64().unwrap() as i64;
    assert!((window_start..window_end).contains(&started), "started at {started}, window {window_start}..{window_end}");

    // One jump of a day, from after today's window to after tomorrow's:
    // the clock stops where tomorrow's rotation is planned.
    clock(&server, &["--advance", "1d"]);
    let jobs3: Value = wait_for(Duration::from_secs(30), "the next day's rotation", jobs(3));
    let started = jobs3[0]["created"].as_f64().unwrap() as i64;
    let (start, end) = (window_start + 86_400, window_end + 86_400);
    assert!((start..end).contains(&started), "started at {started}, window {start}..{end}");
}
