//! Rotation end to end, what happens around the function: RotateSecret
//! through the SDK, `builtin:password`, failure at each step and retry, the
//! test-only path, concurrency, cancel, abandon, a server killed between
//! steps, and one stopped with SIGTERM. How each executor reaches a
//! function is in `rotation_executors.rs`.

mod common;

use common::rotation::*;
use common::{Server, error_of, python, stages, token, wait_for};
use serde_json::Value;
use std::time::Duration;

/// A newcomer's first rotation: `builtin:password` on a server with no
/// configuration at all. A JSON secret keeps its other keys (its
/// `password` is replaced); a plain one is replaced whole. A built-in
/// that needs configuration is not there without it.
#[tokio::test]
async fn builtin_password_needs_no_configuration() {
    let server = Server::start();
    let c = server.client();
    let old = create(&c, "first/db", r#"{"username":"app","password":"old"}"#).await;
    let rotate_with_builtin = |id: &'static str, n: u64| {
        let c = c.clone();
        async move {
            c.rotate_secret()
                .secret_id(id)
                .client_request_token(token(n))
                .rotation_lambda_arn("builtin:password")
                .send()
                .await
                .unwrap();
        }
    };
    rotate_with_builtin("first/db", 2).await;
    assert_rotated(&server, &c, "first/db", &old, &token(2)).await;
    let doc: Value = serde_json::from_str(&value(&c, "first/db", "AWSCURRENT").await.unwrap()).unwrap();
    assert_eq!(doc["username"], "app");
    assert_eq!(doc["password"].as_str().unwrap().len(), 32);
    let plain = create(&c, "first/token", "plain-old-value").await;
    rotate_with_builtin("first/token", 3).await;
    assert_rotated(&server, &c, "first/token", &plain, &token(3)).await;
    assert_eq!(value(&c, "first/token", "AWSCURRENT").await.unwrap().len(), 32);
    let e = error_of(
        c.rotate_secret()
            .secret_id("first/token")
            .rotation_lambda_arn("builtin:postgres-single-user")
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e.0, "AccessDeniedException");
}
#[tokio::test]
async fn builtin_password_rotates_a_json_key() {
    let config = format!("{}json_key = \"password\"\npassword_length = 40\n", password_config(FN));
    let server = Server::start_with_config(&config);
    let c = server.client();
    let old = create(&c, "app/db", r#"{"username":"app","password":"old"}"#).await;
    let out = c
        .rotate_secret()
        .secret_id("app/db")
        .client_request_token(token(2))
        .rotation_lambda_arn(FN)
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder().automatically_after_days(30).build(),
        )
        .send()
        .await
        .unwrap();
    assert!(out.arn().unwrap().contains(":secret:app/db-"));
    assert_rotated(&server, &c, "app/db", &old, &token(2)).await;
    let doc: Value = serde_json::from_str(&value(&c, "app/db", "AWSCURRENT").await.unwrap()).unwrap();
    assert_eq!(doc["username"], "app");
    assert_eq!(doc["password"].as_str().unwrap().len(), 40);
    let d = c.describe_secret().secret_id("app/db").send().await.unwrap();
    assert_eq!(d.rotation_lambda_arn(), Some(FN));
    assert_eq!(d.rotation_rules().unwrap().automatically_after_days(), Some(30));
    // 23:59:59 UTC, 30 days after today.
    let next = d.next_rotation_date().unwrap().secs();
    assert_eq!(next % 86_400, 86_399);
    let last = d.last_rotated_date().unwrap().secs();
    assert_eq!(next / 86_400, last / 86_400 + 30);
    // ListSecrets shows the same rotation fields.
    let listed = c.list_secrets().send().await.unwrap();
    let e = &listed.secret_list()[0];
    assert_eq!((e.rotation_enabled(), e.rotation_lambda_arn()), (Some(true), Some(FN)));
    assert_eq!(e.rotation_rules(), d.rotation_rules());
    assert_eq!((e.last_rotated_date(), e.next_rotation_date()), (d.last_rotated_date(), d.next_rotation_date()));
    let job = &history(&server, "app/db")[0];
    let steps: Vec<&str> = job["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["createSecret", "setSecret", "testSecret", "finishSecret"]);
    assert_eq!(job["attempts"], 1);

    // Rotating again without configuration uses the stored one.
    rotate(&c, "app/db", 3).await;
    let job = finished_job(&server, "app/db").await;
    assert_eq!((job["status"].as_str(), job["token"].as_str()), (Some("succeeded"), Some(token(3).as_str())));
    assert_eq!(history(&server, "app/db").len(), 2);
}
#[tokio::test]
async fn synchronous_errors_change_nothing() {
    let server = Server::start_with_config(&password_config(FN));
    let c = server.client();
    create(&c, "s", "v").await;

    let e = error_of(c.rotate_secret().secret_id("s").client_request_token(token(2)).send().await.unwrap_err());
    assert_eq!(
        e,
        ("InvalidRequestException".into(), "No Lambda rotation function ARN is associated with this secret.".into())
    );

    let missing = "arn:aws:lambda:us-east-1:000000000000:function:nope";
    let rules = aws_sdk_secretsmanager::types::RotationRulesType::builder().automatically_after_days(7).build();
    let e = error_of(
        c.rotate_secret()
            .secret_id("s")
            .client_request_token(token(2))
            .rotation_lambda_arn(missing)
            .rotation_rules(rules)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e.0, "AccessDeniedException");
    assert_eq!(
        e.1,
        "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com."
    );
    let d = c.describe_secret().secret_id("s").send().await.unwrap();
    assert_eq!((d.rotation_enabled(), d.rotation_lambda_arn(), d.rotation_rules()), (None, None, None));
    assert_eq!(stages(&c, "s").await.len(), 1);

    let both = aws_sdk_secretsmanager::types::RotationRulesType::builder()
        .automatically_after_days(7)
        .schedule_expression("rate(10 days)")
        .build();
    let e = error_of(
        c.rotate_secret()
            .secret_id("s")
            .client_request_token(token(2))
            .rotation_lambda_arn(FN)
            .rotation_rules(both)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(
        e,
        (
            "InvalidParameterException".into(),
            "You cannot specify both rotation frequency and schedule expression together.".into()
        )
    );

    let (status, body) = server.raw("RotateSecret", &format!(r#"{{"SecretId":"s","RotationLambdaARN":"{FN}"}}"#));
    assert_eq!(status, 400);
    assert_eq!(body["__type"], "InvalidParameterException");
    assert_eq!(body["Message"], "You must provide a ClientRequestToken value. We recommend a UUID-type value.");

    let e = error_of(c.rotate_secret().secret_id("nope").client_request_token(token(2)).send().await.unwrap_err());
    assert_eq!(e.0, "ResourceNotFoundException");
    let e = error_of(c.cancel_rotate_secret().secret_id("s").send().await.unwrap_err());
    assert_eq!(e.0, "InvalidRequestException");

    c.delete_secret().secret_id("s").send().await.unwrap();
    let e = error_of(
        c.rotate_secret()
            .secret_id("s")
            .client_request_token(token(2))
            .rotation_lambda_arn(FN)
            .send()
            .await
            .unwrap_err(),
    );
    assert_eq!(e.0, "InvalidRequestException");
    assert!(e.1.contains("marked for deletion"), "{e:?}");
    assert!(history(&server, "s").is_empty());
}
/// A function failing at each step: AWSCURRENT untouched and readable,
/// AWSPENDING left where the function left it, the failure in the history,
/// the next RotateSecret refused until AWSPENDING is removed.
#[tokio::test]
async fn failures_at_each_step() {
    let Some(py) = python() else { return };
    let (control, _host, server) = behind_http(&py);
    let c = server.client();
    let mut n = 10;
    for step in ["createSecret", "setSecret", "testSecret", "finishSecret"] {
        let id = format!("fail/{step}");
        let old = create(&c, &id, "original").await;
        control.set(&format!("fail-{step}"), "");
        let pending = token(n);
        c.rotate_secret().secret_id(&id).client_request_token(&pending).rotation_lambda_arn(FN).send().await.unwrap();
        let job = finished_job(&server, &id).await;
        assert_eq!(job["status"], "failed", "{job}");
        assert_eq!(job["attempts"], 2, "both attempts ran: {job}");
        assert_eq!(
            job["last_error"].as_str().unwrap(),
            format!(
                "Error when executing lambda {FN} during {step} step: the function answered HTTP 500 Internal Server Error (its output is in the function log)"
            )
        );
        assert_eq!(last_output(&job), format!("RuntimeError: injected failure in {step}"));
        let failed: Vec<&Value> = job["steps"].as_array().unwrap().iter().filter(|s| s["error"].is_string()).collect();
        assert_eq!(failed.len(), 2);
        assert!(failed.iter().all(|s| s["step"] == step));

        assert_eq!(value(&c, &id, "AWSCURRENT").await.as_deref(), Some(old.as_str()), "current untouched");
        let s = stages(&c, &id).await;
        assert_eq!(s[&token(1)], ["AWSCURRENT"]);
        assert_eq!(s[&pending], ["AWSPENDING"]);
        // Only after createSecret succeeded does the pending version hold a value.
        assert_eq!(value(&c, &id, "AWSPENDING").await.is_some(), step != "createSecret", "{step}");

        let e = error_of(c.rotate_secret().secret_id(&id).client_request_token(token(n + 1)).send().await.unwrap_err());
        assert_eq!(
            e,
            (
                "InvalidRequestException".into(),
                "A previous rotation isn't complete. That rotation will be reattempted.".into()
            )
        );
        c.update_secret_version_stage()
            .secret_id(&id)
            .version_stage("AWSPENDING")
            .remove_from_version_id(&pending)
            .send()
            .await
            .unwrap();
        control.clear(&format!("fail-{step}"));
        let next = rotate(&c, &id, n + 2).await;
        let job = finished_job(&server, &id).await;
        assert_eq!(job["status"], "succeeded", "{job}");
        assert_eq!(stages(&c, &id).await[&next], ["AWSCURRENT"]);
        n += 10;
    }
}
/// RotateImmediately=false: only testSecret, on a temporary AWSPENDING copy
/// of the current value, and no trace but the configuration.
#[tokio::test]
async fn no_rotate_immediately_only_tests() {
    let Some(py) = python() else { return };
    let (control, _host, server) = behind_http(&py);
    let c = server.client();
    create(&c, "test/only", "original").await;
    let before = stages(&c, "test/only").await;
    let out = c
        .rotate_secret()
        .secret_id("test/only")
        .client_request_token(token(2))
        .rotation_lambda_arn(FN)
        .rotation_rules(
            aws_sdk_secretsmanager::types::RotationRulesType::builder().automatically_after_days(10).build(),
        )
        .rotate_immediately(false)
        .send()
        .await
        .unwrap();
    assert_eq!(out.version_id(), Some(token(2).as_str()));
    let job = finished_job(&server, "test/only").await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert_eq!(job["mode"], "test");
    let steps: Vec<&str> = job["steps"].as_array().unwrap().iter().map(|s| s["step"].as_str().unwrap()).collect();
    assert_eq!(steps, ["testSecret"]);
    assert!(
        control.log().contains(&format!("testSecret {} pending-equals-current=True", token(2))),
        "{:?}",
        control.log()
    );

    assert_eq!(stages(&c, "test/only").await, before, "the temporary version is gone");
    let listed = c.list_secret_version_ids().secret_id("test/only").include_deprecated(true).send().await.unwrap();
    assert_eq!(listed.versions().len(), 1);
    assert_eq!(value(&c, "test/only", "AWSCURRENT").await.as_deref(), Some("original"));
    let d = c.describe_secret().secret_id("test/only").send().await.unwrap();
    assert_eq!(d.rotation_enabled(), Some(true));
    assert_eq!(d.rotation_lambda_arn(), Some(FN));
    assert_eq!(d.rotation_rules().unwrap().automatically_after_days(), Some(10));
    assert!(d.last_rotated_date().is_none());
    assert!(d.next_rotation_date().is_some());
}
/// 20 concurrent RotateSecret calls: one rotation, the rest refused; the
/// same token again (or concurrently) creates no second version.
#[tokio::test]
async fn concurrent_rotations_on_one_secret() {
    let Some(py) = python() else { return };
    let (control, _host, server) = behind_http(&py);
    control.set("slow-createSecret", "2");
    let c = server.client();
    create(&c, "busy", "original").await;
    c.rotate_secret().secret_id("busy").rotation_lambda_arn(FN).rotate_immediately(false).send().await.unwrap();
    finished_job(&server, "busy").await;

    let calls = (0..20).map(|i| {
        let c = c.clone();
        tokio::spawn(
            async move { c.rotate_secret().secret_id("busy").client_request_token(token(100 + i)).send().await },
        )
    });
    let mut won = Vec::new();
    let mut refused = 0;
    for (i, call) in calls.enumerate() {
        match call.await.unwrap() {
            Ok(out) => won.push((i, out.version_id().unwrap().to_string())),
            Err(e) => {
                assert_eq!(
                    error_of(e),
                    (
                        "InvalidRequestException".into(),
                        "A previous rotation isn't complete. That rotation will be reattempted.".into()
                    )
                );
                refused += 1;
            }
        }
    }
    assert_eq!((won.len(), refused), (1, 19), "{won:?}");
    let winner = won[0].1.clone();

    // Retries with the winner's token (some concurrent) answer the same and add nothing.
    let retries = (0..5).map(|_| {
        let c = c.clone();
        let t = winner.clone();
        tokio::spawn(async move { c.rotate_secret().secret_id("busy").client_request_token(t).send().await })
    });
    for r in retries {
        assert_eq!(r.await.unwrap().unwrap().version_id(), Some(winner.as_str()));
    }
    let job = finished_job(&server, "busy").await;
    assert_eq!(job["status"], "succeeded");
    assert_eq!(history(&server, "busy").len(), 2, "the configuration test and one rotation");
    let versions = c.list_secret_version_ids().secret_id("busy").include_deprecated(true).send().await.unwrap();
    assert_eq!(versions.versions().len(), 2);
    assert_eq!(stages(&c, "busy").await[&winner], ["AWSCURRENT"]);
}
/// CancelRotateSecret stops the rotation without cleaning up; a manual
/// PutSecretValue abandons one.
#[tokio::test]
async fn cancel_and_abandon() {
    let Some(py) = python() else { return };
    let (control, _host, server) = behind_http(&py);
    control.set("slow-setSecret", "2");
    let c = server.client();
    create(&c, "cancel/me", "original").await;
    let pending = rotate_with(&c, "cancel/me", 2).await;
    let out = c.cancel_rotate_secret().secret_id("cancel/me").send().await.unwrap();
    assert_eq!(out.version_id(), Some(pending.as_str()));
    let job = finished_job(&server, "cancel/me").await;
    assert_eq!(job["status"], "cancelled");
    let d = c.describe_secret().secret_id("cancel/me").send().await.unwrap();
    assert_eq!(d.rotation_enabled(), Some(false));
    assert_eq!(d.rotation_lambda_arn(), Some(FN), "configuration kept");
    assert!(d.next_rotation_date().is_none());
    // The in-flight step ends, and nothing runs after it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!control.log().iter().any(|l| l.starts_with("testSecret")), "{:?}", control.log());
    assert_eq!(stages(&c, "cancel/me").await[&pending], ["AWSPENDING"], "no cleanup");
    assert_eq!(value(&c, "cancel/me", "AWSCURRENT").await.as_deref(), Some("original"));

    create(&c, "abandon/me", "original").await;
    let pending = rotate_with(&c, "abandon/me", 3).await;
    c.put_secret_value()
        .secret_id("abandon/me")
        .secret_string("manual")
        .client_request_token(token(4))
        .send()
        .await
        .unwrap();
    let job = finished_job(&server, "abandon/me").await;
    assert_eq!(job["status"], "abandoned");
    let s = stages(&c, "abandon/me").await;
    assert!(!s.values().flatten().any(|l| l == "AWSPENDING"), "{s:?}");
    assert_eq!(value(&c, "abandon/me", "AWSCURRENT").await.as_deref(), Some("manual"));
    assert!(s.get(&pending).is_none_or(|l| l.is_empty()), "{s:?}");
}
/// A manual value change while createSecret runs abandons the rotation;
/// the value createSecret then writes as AWSPENDING is left over and loses
/// the label (it was a race that CI hit now and then).
#[tokio::test]
async fn a_pending_value_written_after_abandonment_is_not_left_pending() {
    let Some(py) = python() else { return };
    let (control, _host, server) = behind_http(&py);
    control.set("slow-createSecret", "2");
    let c = server.client();
    create(&c, "late/pending", "original").await;
    let pending = rotate_with(&c, "late/pending", 2).await;
    // createSecret has checked that its version is AWSPENDING and sleeps.
    let logged = |what: String| {
        wait_for(LONG, &what, || control.log().iter().any(|l| l.starts_with(&what)).then_some(()));
    };
    logged(format!("createSecret {pending} start"));
    c.put_secret_value()
        .secret_id("late/pending")
        .secret_string("manual")
        .client_request_token(token(3))
        .send()
        .await
        .unwrap();
    assert_eq!(finished_job(&server, "late/pending").await["status"], "abandoned");
    // Then createSecret writes its value as AWSPENDING, and returns.
    logged(format!("createSecret {pending} done"));
    let start = std::time::Instant::now();
    let s = loop {
        let s = stages(&c, "late/pending").await;
        if !s.values().flatten().any(|l| l == "AWSPENDING") || start.elapsed() > LONG {
            break s;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!s.values().flatten().any(|l| l == "AWSPENDING"), "{s:?}");
    assert!(s.get(&pending).is_none_or(|l| l.is_empty()), "{s:?}");
    assert_eq!(value(&c, "late/pending", "AWSCURRENT").await.as_deref(), Some("manual"));
    assert!(!control.log().iter().any(|l| l.starts_with("setSecret")), "nothing runs after: {:?}", control.log());
}

/// SIGKILL while a step runs; after a restart the rotation resumes at that
/// step and completes, and its history says the step was interrupted.
#[tokio::test]
async fn rotation_survives_a_crash_between_steps() {
    let Some(py) = python() else { return };
    let (control, _host, server) = behind_http(&py);
    control.set("slow-setSecret", "1");
    let c = server.client();
    let old = create(&c, "crash", "original").await;
    let pending = rotate_with(&c, "crash", 2).await;
    wait_for(LONG, "setSecret to start", || {
        control.log().iter().any(|l| l.starts_with("setSecret") && l.contains(" start")).then_some(())
    });
    let pending_value = value(&c, "crash", "AWSPENDING").await.unwrap();
    // SIGKILL while setSecret runs, and start again on the same store.
    let server = server.restart();
    control.set("endpoint", &server.url());
    let c = server.client();
    assert_rotated(&server, &c, "crash", &old, &pending).await;
    assert_eq!(value(&c, "crash", "AWSCURRENT").await.unwrap(), pending_value, "createSecret's value survived");
    let job = &history(&server, "crash")[0];
    assert_eq!(job["attempts"], 1, "resumed, not restarted: {job}");
    let steps = job["steps"].as_array().unwrap();
    let creates = steps.iter().filter(|s| s["step"] == "createSecret").count();
    assert_eq!(creates, 1, "{job}");
    let sets: Vec<&Value> = steps.iter().filter(|s| s["step"] == "setSecret").collect();
    assert_eq!(sets.len(), 2, "the interrupted run and the one after: {job}");
    assert_eq!(sets[0]["interrupted"], true, "{job}");
    assert_eq!(sets[0]["attempt"], 1, "{job}");
    assert!(sets[0]["error"].as_str().unwrap().starts_with("interrupted: "), "{job}");
    assert!(sets[1]["error"].is_null() && sets[1].get("interrupted").is_none(), "{job}");
    assert!(sets[0]["started"].as_f64() < sets[1]["started"].as_f64(), "{job}");
    assert!(job.get("running").is_none(), "nothing runs once it is done: {job}");
}
/// SIGTERM while a step runs: the server stops at once (the step is not
/// waited for), gives up the job's lease, and another node (another
/// `node_id`) takes the job over straight away, where it stood; without
/// the release it would wait for the lease to expire (30 s, renewed while
/// the step ran).
#[tokio::test]
async fn sigterm_releases_rotation_leases() {
    let Some(py) = python() else { return };
    let control = Control::new();
    let node =
        |name: &str| exec_config(&py, &control).replace("[rotation]\n", &format!("[rotation]\nnode_id = \"{name}\"\n"));
    let server = Server::start_with_config(&node("first"));
    let c = server.client();
    let old = create(&c, "sigterm/secret", "original").await;
    control.set("slow-setSecret", "30");
    c.rotate_secret()
        .secret_id("sigterm/secret")
        .client_request_token(token(2))
        .rotation_lambda_arn(FN)
        .send()
        .await
        .unwrap();
    wait_for(LONG, "setSecret to start", || {
        control.log().iter().any(|l| l.starts_with("setSecret") && l.contains(" start")).then_some(())
    });
    control.clear("slow-setSecret");
    let server = server.stop_and_start_with(&node("second"), Duration::from_secs(15));
    let c = server.client();
    let start = std::time::Instant::now();
    let job = finished_job(&server, "sigterm/secret").await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert!(start.elapsed() < Duration::from_secs(30), "taken over at once, not after the lease expired");
    assert_rotated(&server, &c, "sigterm/secret", &old, &token(2)).await;
}

/// A rotation that fails for good: the 101st version within 24 hours is
/// AWS's quota, so createSecret fails with LimitExceededException. The job
/// ends `failed`; as on AWS, AWSPENDING stays on the value-less version
/// RotateSecret made, DescribeSecret shows it there, and RotateSecret is
/// refused with AWS's words. The history says what failed and the way
/// out, the trail has the RotationFailed event, and taking AWSPENDING off
/// that version (a day later, when the quota allows) lets it rotate again.
#[tokio::test]
async fn a_rotation_that_fails_for_good_names_the_way_out() {
    let server = Server::start_with_config("[rotation]\nmax_attempts = 1\n");
    let c = server.client();
    let old = create(&c, "quota", "v0").await;
    for i in 1..100 {
        c.put_secret_value().secret_id("quota").secret_string(format!("v{i}")).send().await.unwrap();
    }
    let current = value(&c, "quota", "AWSCURRENT").await.unwrap();
    assert_ne!(current, old);
    let rotate = |n: u64| {
        c.rotate_secret()
            .secret_id("quota")
            .client_request_token(token(n))
            .rotation_lambda_arn("builtin:password")
            .send()
    };
    rotate(200).await.unwrap();
    let job = finished_job(&server, "quota").await;
    assert_eq!(job["status"], "failed", "{job}");
    let why = job["last_error"].as_str().unwrap();
    assert!(why.contains("You can't create more than 100 versions of a secret within 24 hours."), "{why}");
    let remedy = job["remedy"].as_str().unwrap_or_else(|| panic!("{job}"));
    let pending = token(200);
    assert!(remedy.contains(&format!("--version-stage AWSPENDING --remove-from-version-id {pending}")), "{remedy}");

    // As AWS shows it: AWSPENDING on the version without a value.
    let d = c.describe_secret().secret_id("quota").send().await.unwrap();
    assert_eq!(d.rotation_enabled(), Some(true));
    let stages = d.version_ids_to_stages().unwrap();
    assert_eq!(stages[&pending], ["AWSPENDING"], "{stages:?}");
    assert!(value(&c, "quota", "AWSPENDING").await.is_none(), "no value was written");
    let (code, message) = error_of(rotate(201).await.unwrap_err());
    assert_eq!(code, "InvalidRequestException");
    assert_eq!(message, "A previous rotation isn't complete. That rotation will be reattempted.");
    let failed = server.rekey_json(&["admin", "audit", "lookup", "--event-name", "RotationFailed"]);
    let record = &failed["Events"][0]["CloudTrailEvent"];
    let record: Value = serde_json::from_str(record.as_str().unwrap_or_else(|| panic!("{failed}"))).unwrap();
    assert!(record["errorMessage"].as_str().unwrap().contains("100 versions"), "{record}");

    // The way out the history names, then a day for the quota.
    c.update_secret_version_stage()
        .secret_id("quota")
        .version_stage("AWSPENDING")
        .remove_from_version_id(&pending)
        .send()
        .await
        .unwrap();
    server.rekey_json(&["admin", "clock", "--advance", "1d"]);
    rotate(202).await.unwrap();
    let job = finished_job(&server, "quota").await;
    assert_eq!(job["status"], "succeeded", "{job}");
    assert!(job.get("remedy").is_none(), "{job}");
    assert_ne!(value(&c, "quota", "AWSCURRENT").await.unwrap(), current);
}
