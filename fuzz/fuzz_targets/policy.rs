//! Policy documents as tenants write them (resource policies, user
//! policies), parsed and evaluated against a request, input split at
//! `\u{1}` into (policy, action, resource). Never a panic; and a document
//! bound to the caller's own keys decides as the unbound one does.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rekey_model::authz::{Context, Request, evaluate};
use rekey_model::policy::PolicyDocument;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.split('\u{1}');
    let policy = parts.next().unwrap_or_default();
    let action = parts.next().unwrap_or("secretsmanager:GetSecretValue");
    let resource = parts.next().unwrap_or("arn:aws:secretsmanager:us-east-1:111111111111:secret:app/db-AbCdEf");
    let principal = Context::new()
        .with("aws:username", "alice")
        .with("aws:PrincipalArn", "arn:aws:iam::111111111111:user/alice")
        .with("aws:PrincipalAccount", "111111111111");
    let keys = principal.clone().with("secretsmanager:VersionStage", "AWSCURRENT").with("aws:SourceIp", "10.1.2.3");
    let req = Request {
        action,
        resource,
        principal_arn: "arn:aws:iam::111111111111:user/alice",
        principal_account: "111111111111",
        resource_account: "111111111111",
        context: &keys,
    };
    for doc in [PolicyDocument::parse(policy), PolicyDocument::parse_identity(policy)].into_iter().flatten() {
        let unbound = evaluate(&req, &[&doc], Some(&doc));
        let bound = doc.bind(&principal);
        assert_eq!(evaluate(&req, &[&bound], Some(&doc)), unbound, "binding changed the decision");
        let _ = doc.grants_public_access();
        let _ = doc.findings(&["secretsmanager:GetSecretValue", "secretsmanager:PutResourcePolicy"]);
    }
});
