//! `rekey admin migrate --from <data-dir> --to postgres://…`: a deployment
//! on the embedded store (secrets with several versions and labels, a
//! deleted one, rotations done and failed, reads' batched records, users
//! and keys) copied into PostgreSQL; a node on the copy, with the old
//! master key, serves every value, the trail verifies and still holds the
//! old records, and a second migration into the same store is refused.

mod common;

use common::cluster::PgSchema;
use common::signed::PASSWORD_FN;
use common::{Server, binary, token};
use std::process::Command;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deployment_moves_to_postgres_and_reads_back() {
    let Some(schema) = PgSchema::create() else { return };
    let config = format!("[[function]]\narn = \"{PASSWORD_FN}\"\ntype = \"builtin:password\"\naccounts = [\"*\"]\n");
    let tmp = tempfile::tempdir().unwrap();
    let data_dir = tmp.path().join("data");
    let source = Server::start_in_with(&data_dir, &["--config", &write(&tmp, &config)]);
    let c = source.client();
    let mut values = Vec::new();
    for i in 0..20 {
        let id = format!("app/{i:02}");
        c.create_secret().name(&id).secret_string(format!("{{\"password\":\"v0-{i}\"}}")).send().await.unwrap();
        for v in 1..=(i % 4) {
            c.put_secret_value()
                .secret_id(&id)
                .secret_string(format!("{{\"password\":\"v{v}-{i}\"}}"))
                .send()
                .await
                .unwrap();
        }
        values.push(id);
    }
    c.update_secret_version_stage()
        .secret_id("app/03")
        .version_stage("BLUE")
        .move_to_version_id(
            c.get_secret_value()
                .secret_id("app/03")
                .version_stage("AWSPREVIOUS")
                .send()
                .await
                .unwrap()
                .version_id()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    c.delete_secret().secret_id("app/19").send().await.unwrap();
    for id in ["app/00", "app/01"] {
        c.rotate_secret().secret_id(id).rotation_lambda_arn(PASSWORD_FN).send().await.unwrap();
    }
    // Reads, batched into rows of the trail.
    for id in &values[..18] {
        c.get_secret_value().secret_id(id).send().await.unwrap();
    }
    common::wait_for(Duration::from_secs(30), "the rotations to end", || {
        let h = source.rekey_json(&["admin", "rotations", "--secret-id", "app/01"]);
        (h["Rotations"][0]["status"] == "succeeded").then_some(())
    });
    // Every version's value, as the source serves it.
    let mut expected = Vec::new();
    for id in &values[..19] {
        let versions = c.list_secret_version_ids().secret_id(id).send().await.unwrap();
        for v in versions.versions() {
            let v = v.version_id().unwrap().to_string();
            let value = c.get_secret_value().secret_id(id).version_id(&v).send().await.unwrap();
            expected.push((id.clone(), v, value.secret_string().unwrap().to_string()));
        }
    }
    let stages_before = common::stages(&c, "app/03").await;
    let records_before = source.rekey_json(&["admin", "audit", "verify"]);
    source.stop();

    let migrate = |to: &str| {
        Command::new(binary())
            .args(["admin", "migrate", "--from"])
            .arg(&data_dir)
            .args(["--to", to])
            .output()
            .expect("run rekey admin migrate")
    };
    let out = migrate(&schema.url);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["Verified"], true, "{report}");
    assert_eq!(report["Copied"]["secrets"], 20, "{report}");
    // Nothing in the copy is in clear: the values are the sealed blobs.
    for (_, _, value) in &expected {
        let literal = value.replace('\'', "''");
        let found = schema.sql(&format!(
            "SELECT count(*) FROM versions WHERE position(convert_to('{literal}', 'UTF8') in ciphertext) > 0"
        ));
        assert_eq!(found, "0");
    }

    // A node on the copy, with the old master key.
    let key = data_dir.join("master.key");
    let node = Server::start_in_with(
        &tmp.path().join("node"),
        &["--store", &schema.url, "--master-key-file", key.to_str().unwrap(), "--config", &write(&tmp, &config)],
    );
    let n = node.client();
    for (id, v, value) in &expected {
        let got = n.get_secret_value().secret_id(id).version_id(v).send().await.unwrap();
        assert_eq!(got.secret_string(), Some(value.as_str()), "{id} {v}");
    }
    assert_eq!(common::stages(&n, "app/03").await, stages_before);
    let deleted = n.describe_secret().secret_id("app/19").send().await.unwrap();
    assert!(deleted.deleted_date().is_some(), "still scheduled for deletion");
    let h = node.rekey_json(&["admin", "rotations", "--secret-id", "app/00"]);
    assert_eq!(h["Rotations"][0]["status"], "succeeded", "{h}");
    let verified = node.rekey_json(&["admin", "audit", "verify"]);
    assert_eq!(verified["Intact"], true, "{verified}");
    assert!(
        verified["Records"].as_u64() > records_before["Records"].as_u64(),
        "the old records, and the new reads: {records_before} then {verified}"
    );
    // It goes on: a new secret and a rotation on the copy.
    n.create_secret().name("after").secret_string("new").client_request_token(token(5)).send().await.unwrap();
    n.rotate_secret().secret_id("app/02").rotation_lambda_arn(PASSWORD_FN).send().await.unwrap();
    common::wait_for(Duration::from_secs(30), "a rotation on the copy", || {
        let h = node.rekey_json(&["admin", "rotations", "--secret-id", "app/02"]);
        (h["Rotations"][0]["status"] == "succeeded").then_some(())
    });
    assert_eq!(node.rekey_json(&["admin", "audit", "verify"])["Intact"], true);

    // The store now holds a deployment: a second migration is refused.
    let again = migrate(&schema.url);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"), "{}", String::from_utf8_lossy(&again.stderr));
}

fn write(dir: &tempfile::TempDir, config: &str) -> String {
    let path = dir.path().join("node.toml");
    std::fs::write(&path, config).unwrap();
    path.display().to_string()
}
