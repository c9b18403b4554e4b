//! Calls to a real server signed as a given principal, for the security
//! tests: operations with their ClientRequestToken filled in as the SDKs
//! do, rekey's own operations, users with one policy, refusals.

use super::{Keys, Server, wait_for};
use serde_json::{Value, json};
use std::time::Duration;

pub const ADMIN_ACCOUNT: &str = "000000000000";

pub const VICTIM_ACCOUNT: &str = "222222222222";

pub const PASSWORD_FN: &str = "arn:aws:lambda:us-east-1:000000000000:function:pw";

/// `body` with a fresh ClientRequestToken where the operation takes one
/// and none is given (as the SDKs do).
pub fn with_token(op: &str, mut body: Value) -> Value {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1000);
    let takes_one = ["CreateSecret", "PutSecretValue", "RotateSecret", "UpdateSecret"];
    if takes_one.iter().any(|o| op.ends_with(o)) && body.get("ClientRequestToken").is_none() {
        body["ClientRequestToken"] = super::token(NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)).into();
    }
    body
}

pub fn sm(server: &Server, keys: &Keys, op: &str, body: Value) -> Value {
    let body = with_token(op, body);
    let (status, out) = server.signed(keys, &format!("secretsmanager.{op}"), &body);
    assert_eq!(status, 200, "{op} {body}: {out}");
    out
}

pub fn admin(server: &Server, keys: &Keys, op: &str, body: Value) -> Value {
    let (status, out) = server.signed(keys, &format!("rekey.{op}"), &body);
    assert_eq!(status, 200, "rekey.{op} {body}: {out}");
    out
}

/// The error (`__type`, message) of a call that must fail.
pub fn refused(server: &Server, keys: &Keys, target: &str, body: Value) -> (String, String) {
    let body = with_token(target, body);
    let (status, out) = server.signed(keys, target, &body);
    assert_ne!(status, 200, "{target} {body} should be refused: {out}");
    (out["__type"].as_str().unwrap_or_default().to_string(), out["Message"].as_str().unwrap_or_default().to_string())
}

/// A user of the admin account with one identity policy, and its keys.
pub fn user(server: &Server, root: &Keys, name: &str, policy: Value) -> Keys {
    admin(server, root, "CreateUser", json!({"UserName": name}));
    admin(
        server,
        root,
        "PutUserPolicy",
        json!({"UserName": name, "PolicyName": "p", "PolicyDocument": policy.to_string()}),
    );
    Keys::from_json(&admin(server, root, "CreateAccessKey", json!({"UserName": name}))["AccessKey"])
}

/// Waits for the newest rotation of `id` to end, as `keys` sees it.
pub fn finished(server: &Server, keys: &Keys, id: &str) -> Value {
    wait_for(Duration::from_secs(60), "the rotation to end", || {
        let h = admin(server, keys, "ListRotations", json!({"SecretId": id}));
        let job = h["Rotations"].as_array()?.first()?.clone();
        (job["status"] != "active").then_some(job)
    })
}

pub fn policy(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

/// Every record of the caller's trail, newest first, page after page of
/// LookupEvents (each as it answers: `EventId`, `CloudTrailEvent`…).
pub fn all_events(server: &Server, keys: &Keys) -> Vec<Value> {
    let mut events = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut body = json!({"MaxResults": 1000});
        if let Some(t) = &token {
            body["NextToken"] = t.clone().into();
        }
        let page = admin(server, keys, "LookupEvents", body);
        events.extend(page["Events"].as_array().expect("events").iter().cloned());
        match page["NextToken"].as_str() {
            Some(t) => token = Some(t.into()),
            None => return events,
        }
    }
}
