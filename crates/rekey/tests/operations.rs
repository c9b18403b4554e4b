//! Every operation of the service model, called successfully over HTTP:
//! nothing answers "not implemented". The list of operations comes from the
//! vendored model, so an operation added to it without a call here fails.

mod common;

use common::{Server, token};
use serde_json::{Value, json};
use std::collections::BTreeSet;

const FUNCTION: &str = "arn:aws:lambda:us-east-1:000000000000:function:pw";

struct Calls<'a> {
    server: &'a Server,
    covered: BTreeSet<String>,
}

impl Calls<'_> {
    /// Calls `op` as `account` in `region`; it must succeed.
    fn call_as(&mut self, op: &str, body: Value, account: &str, region: &str) -> Value {
        let (status, out) = self.server.raw_as(op, &body.to_string(), account, region);
        assert_eq!(status, 200, "{op} {body}: {out}");
        self.covered.insert(op.to_string());
        out
    }

    fn call(&mut self, op: &str, body: Value) -> Value {
        self.call_as(op, body, "000000000000", "us-east-1")
    }
}

fn model_operations() -> BTreeSet<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/secretsmanager-service-2.json");
    let model: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    model["operations"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn every_model_operation_answers() {
    let server =
        Server::start_with_config(&format!("[[function]]\narn = \"{FUNCTION}\"\ntype = \"builtin:password\"\n"));
    let mut c = Calls { server: &server, covered: BTreeSet::new() };

    c.call("GetRandomPassword", json!({"PasswordLength": 16}));
    let arn =
        c.call("CreateSecret", json!({"Name": "ops", "SecretString": "v1", "ClientRequestToken": token(1)}))["ARN"]
            .as_str()
            .unwrap()
            .to_string();
    c.call("GetSecretValue", json!({"SecretId": "ops"}));
    c.call("PutSecretValue", json!({"SecretId": "ops", "SecretString": "v2", "ClientRequestToken": token(2)}));
    c.call("UpdateSecret", json!({"SecretId": "ops", "Description": "all of them"}));
    c.call("DescribeSecret", json!({"SecretId": "ops"}));
    c.call("ListSecrets", json!({}));
    c.call("BatchGetSecretValue", json!({"SecretIdList": ["ops"]}));
    c.call("ListSecretVersionIds", json!({"SecretId": "ops"}));
    c.call("UpdateSecretVersionStage", json!({"SecretId": "ops", "VersionStage": "MINE", "MoveToVersionId": token(2)}));
    c.call("TagResource", json!({"SecretId": "ops", "Tags": [{"Key": "k", "Value": "v"}]}));
    c.call("UntagResource", json!({"SecretId": "ops", "TagKeys": ["k"]}));
    let policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::000000000000:root"}, "Action": "secretsmanager:*", "Resource": "*"}]})
    .to_string();
    c.call("ValidateResourcePolicy", json!({"ResourcePolicy": policy}));
    c.call("PutResourcePolicy", json!({"SecretId": "ops", "ResourcePolicy": policy}));
    c.call("GetResourcePolicy", json!({"SecretId": "ops"}));
    c.call("ListResourcePolicies", json!({"SecretId": "ops"}));
    c.call("DeleteResourcePolicy", json!({"SecretId": "ops"}));
    c.call("RotateSecret", json!({"SecretId": "ops", "RotationLambdaARN": FUNCTION, "ClientRequestToken": token(3)}));
    c.call("CancelRotateSecret", json!({"SecretId": "ops"}));

    c.call("ReplicateSecretToRegions", json!({"SecretId": "ops", "AddReplicaRegions": [{"Region": "us-west-2"}]}));
    c.call_as("StopReplicationToReplica", json!({"SecretId": "ops"}), "000000000000", "us-west-2");
    c.call("ReplicateSecretToRegions", json!({"SecretId": "ops", "AddReplicaRegions": [{"Region": "eu-west-1"}]}));
    c.call("RemoveRegionsFromReplication", json!({"SecretId": "ops", "RemoveReplicaRegions": ["eu-west-1"]}));

    // A replica in another account: it follows the primary once associated.
    let replica = c.call_as(
        "CreateSecret",
        json!({"Name": "ops-copy", "CrossAccountPrimaryARN": arn}),
        "111111111111",
        "us-east-1",
    )["ARN"]
        .as_str()
        .unwrap()
        .to_string();
    let linked = c.call("AssociateCrossAccountReplica", json!({"SecretId": "ops", "CrossAccountReplicaARN": replica}));
    assert_eq!(linked["ReplicationStatus"], "InSync");
    let copy = c.call_as("GetSecretValue", json!({"SecretId": "ops-copy"}), "111111111111", "us-east-1");
    assert_eq!(copy["SecretString"], "v2");
    c.call("DisassociateCrossAccountReplica", json!({"SecretId": "ops", "CrossAccountReplicaARN": replica}));

    c.call("DeleteSecret", json!({"SecretId": "ops", "RecoveryWindowInDays": 7}));
    c.call("RestoreSecret", json!({"SecretId": "ops"}));

    let missing: Vec<String> = model_operations().difference(&c.covered).cloned().collect();
    assert!(missing.is_empty(), "operations never called: {missing:?}");
    assert_eq!(c.covered.len(), 26);
}
