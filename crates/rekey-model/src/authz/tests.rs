use super::*;
use serde_json::{Value, json};

const ME: &str = "arn:aws:iam::111111111111:user/alice";
const SECRET: &str = "arn:aws:secretsmanager:us-east-1:111111111111:secret:app/db-AbCdEf";
const GET: &str = "secretsmanager:GetSecretValue";

fn doc(statements: Value) -> PolicyDocument {
    PolicyDocument::parse(&json!({"Version": "2012-10-17", "Statement": statements}).to_string()).unwrap()
}

fn identity(effect: &str, action: Value, resource: Value, condition: Option<Value>) -> PolicyDocument {
    let mut s = json!({"Effect": effect, "Action": action, "Resource": resource});
    if let Some(c) = condition {
        s["Condition"] = c;
    }
    // Identity policies have no Principal; the parser wants one for
    // resource policies, so give the grammar what it needs and strip it.
    s["Principal"] = json!("*");
    let mut d = doc(json!([s]));
    for st in &mut d.statements {
        st.principal = Principals::Anyone;
    }
    d
}

fn allow(action: Value, resource: Value) -> PolicyDocument {
    identity("Allow", action, resource, None)
}

fn cond(op: &str, key: &str, values: Value) -> PolicyDocument {
    identity("Allow", json!(GET), json!("*"), Some(json!({op: {key: values}})))
}

struct Case<'a> {
    action: &'a str,
    resource: &'a str,
    principal: &'a str,
    account: &'a str,
    context: Context,
}

impl Default for Case<'_> {
    fn default() -> Self {
        Case { action: GET, resource: SECRET, principal: ME, account: "111111111111", context: Context::new() }
    }
}

fn eval(case: &Case<'_>, ids: &[&PolicyDocument], res: Option<&PolicyDocument>) -> Decision {
    let req = Request {
        action: case.action,
        resource: case.resource,
        principal_arn: case.principal,
        principal_account: case.account,
        resource_account: "111111111111",
        context: &case.context,
    };
    evaluate(&req, ids, res)
}

use Decision::{Allow as A, ExplicitDeny as D, ImplicitDeny as I};

#[test]
fn actions_resources_and_wildcards() {
    let c = Case::default();
    let table: Vec<(PolicyDocument, Decision)> = vec![
        (allow(json!(GET), json!(SECRET)), A),
        (allow(json!("secretsmanager:*"), json!("*")), A),
        (allow(json!("*"), json!("*")), A),
        (allow(json!("secretsmanager:get*"), json!("*")), A),
        (allow(json!("SecretsManager:GetSecretValue"), json!("*")), A),
        (allow(json!("secretsmanager:Get?ecretValue"), json!("*")), A),
        (allow(json!("secretsmanager:Describe*"), json!("*")), I),
        (allow(json!(["secretsmanager:Describe*", GET]), json!("*")), A),
        (allow(json!(GET), json!("arn:aws:secretsmanager:us-east-1:111111111111:secret:app/*")), A),
        (allow(json!(GET), json!("arn:aws:secretsmanager:*:111111111111:secret:app/db-??????")), A),
        (allow(json!(GET), json!("arn:aws:secretsmanager:us-east-1:111111111111:secret:App/*")), I),
        (allow(json!(GET), json!("arn:aws:secretsmanager:us-east-1:222222222222:secret:*")), I),
        (allow(json!("kms:Decrypt"), json!("*")), I),
    ];
    for (i, (p, want)) in table.iter().enumerate() {
        assert_eq!(eval(&c, &[p], None), *want, "case {i}");
    }
    assert_eq!(eval(&c, &[], None), I, "nothing allows");
}

#[test]
fn not_action_and_not_resource() {
    let c = Case::default();
    let mut p =
        doc(json!([{"Effect": "Allow", "NotAction": "secretsmanager:Delete*", "Resource": "*", "Principal": "*"}]));
    p.statements[0].principal = Principals::Anyone;
    assert_eq!(eval(&c, &[&p], None), A);
    assert_eq!(eval(&Case { action: "secretsmanager:DeleteSecret", ..Case::default() }, &[&p], None), I);
    let mut p = doc(
        json!([{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:secretsmanager:*:*:secret:prod/*", "Principal": "*"}]),
    );
    p.statements[0].principal = Principals::Anyone;
    assert_eq!(eval(&c, &[&p], None), A);
    let prod = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/x-AbCdEf";
    assert_eq!(eval(&Case { resource: prod, ..Case::default() }, &[&p], None), I);
}

#[test]
fn deny_beats_allow_wherever_it_is() {
    let c = Case::default();
    let all = allow(json!("*"), json!("*"));
    let deny = identity("Deny", json!(GET), json!("*"), None);
    assert_eq!(eval(&c, &[&all, &deny], None), D);
    let resource_deny = doc(json!([{"Effect": "Deny", "Principal": {"AWS": ME}, "Action": GET, "Resource": "*"}]));
    assert_eq!(eval(&c, &[&all], Some(&resource_deny)), D, "a resource policy denying the principal wins");
    let other_deny =
        doc(json!([{"Effect": "Deny", "Principal": {"AWS": "arn:aws:iam::111111111111:user/bob"}, "Action": GET}]));
    assert_eq!(eval(&c, &[&all], Some(&other_deny)), A, "a deny for someone else");
    let deny_not_me = doc(json!([{"Effect": "Deny", "NotPrincipal": {"AWS": ME}, "Action": "*"}]));
    assert_eq!(eval(&c, &[&all], Some(&deny_not_me)), A);
    assert_eq!(
        eval(&Case { principal: "arn:aws:iam::111111111111:user/bob", ..Case::default() }, &[&all], Some(&deny_not_me)),
        D
    );
    let deny_other_action = identity("Deny", json!("secretsmanager:DeleteSecret"), json!("*"), None);
    assert_eq!(eval(&c, &[&all, &deny_other_action], None), A);
}

#[test]
fn resource_policies_and_accounts() {
    let same = Case::default();
    let by_arn = doc(json!([{"Effect": "Allow", "Principal": {"AWS": ME}, "Action": GET, "Resource": "*"}]));
    assert_eq!(eval(&same, &[], Some(&by_arn)), A, "resource policy alone, same account");
    let by_account = doc(json!([{"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": GET}]));
    assert_eq!(eval(&same, &[], Some(&by_account)), A);
    let by_root =
        doc(json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:root"}, "Action": GET}]));
    assert_eq!(eval(&same, &[], Some(&by_root)), A);
    let by_wildcard =
        doc(json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/a*"}, "Action": GET}]));
    assert_eq!(eval(&same, &[], Some(&by_wildcard)), A);
    let other_user =
        doc(json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111111111111:user/bob"}, "Action": GET}]));
    assert_eq!(eval(&same, &[], Some(&other_user)), I);
    let service = doc(json!([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": GET}]));
    assert_eq!(eval(&same, &[], Some(&service)), I);
    let anyone = doc(json!([{"Effect": "Allow", "Principal": "*", "Action": GET}]));
    assert_eq!(eval(&same, &[], Some(&anyone)), A);

    let carol = "arn:aws:iam::222222222222:user/carol";
    let cross = Case { principal: carol, account: "222222222222", ..Case::default() };
    let grants_carol = doc(json!([{"Effect": "Allow", "Principal": {"AWS": "222222222222"}, "Action": GET}]));
    let carol_identity = allow(json!(GET), json!("*"));
    assert_eq!(eval(&cross, &[&carol_identity], None), I, "cross-account: identity alone is not enough");
    assert_eq!(eval(&cross, &[], Some(&grants_carol)), I, "cross-account: resource alone is not enough");
    assert_eq!(eval(&cross, &[&carol_identity], Some(&grants_carol)), A, "cross-account: both");
    assert_eq!(eval(&cross, &[&carol_identity], Some(&by_account)), I, "granted to another account");
}

#[test]
fn string_and_arn_operators() {
    let ctx =
        Context::new().with("aws:username", "alice").with("secretsmanager:Name", "app/db").with("aws:PrincipalArn", ME);
    let c = Case { context: ctx, ..Case::default() };
    let table: Vec<(&str, &str, Value, Decision)> = vec![
        ("StringEquals", "aws:username", json!("alice"), A),
        ("StringEquals", "aws:username", json!("Alice"), I),
        ("StringEquals", "aws:username", json!(["bob", "alice"]), A),
        ("StringEquals", "AWS:UserName", json!("alice"), A),
        ("StringNotEquals", "aws:username", json!("bob"), A),
        ("StringNotEquals", "aws:username", json!(["bob", "alice"]), I),
        ("StringEqualsIgnoreCase", "aws:username", json!("ALICE"), A),
        ("StringNotEqualsIgnoreCase", "aws:username", json!("ALICE"), I),
        ("StringLike", "secretsmanager:Name", json!("app/*"), A),
        ("StringLike", "secretsmanager:Name", json!("prod/*"), I),
        ("StringNotLike", "secretsmanager:Name", json!("prod/*"), A),
        ("StringLike", "secretsmanager:Name", json!("app/d?"), A),
        ("ArnEquals", "aws:PrincipalArn", json!(ME), A),
        ("ArnLike", "aws:PrincipalArn", json!("arn:aws:iam::*:user/al*"), A),
        ("ArnLike", "aws:PrincipalArn", json!("arn:aws:iam::*:role/*"), I),
        ("ArnNotLike", "aws:PrincipalArn", json!("arn:aws:iam::*:role/*"), A),
        ("StringEquals", "aws:RequestTag/team", json!("core"), I),
        ("StringNotEquals", "aws:RequestTag/team", json!("core"), A),
    ];
    for (i, (op, key, v, want)) in table.into_iter().enumerate() {
        assert_eq!(eval(&c, &[&cond(op, key, v.clone())], None), want, "case {i}: {op} {key} {v}");
    }
}

#[test]
fn numeric_date_bool_ip_and_null() {
    let ctx = Context::new()
        .with("secretsmanager:RecoveryWindowInDays", "7")
        .with("aws:CurrentTime", "2026-11-27T12:00:00Z")
        .with("aws:SecureTransport", "true")
        .with("aws:SourceIp", "10.1.2.3");
    let c = Case { context: ctx, ..Case::default() };
    let table: Vec<(&str, &str, Value, Decision)> = vec![
        ("NumericEquals", "secretsmanager:RecoveryWindowInDays", json!("7"), A),
        ("NumericNotEquals", "secretsmanager:RecoveryWindowInDays", json!("7"), I),
        ("NumericLessThan", "secretsmanager:RecoveryWindowInDays", json!("10"), A),
        ("NumericLessThanEquals", "secretsmanager:RecoveryWindowInDays", json!("7"), A),
        ("NumericGreaterThan", "secretsmanager:RecoveryWindowInDays", json!("7"), I),
        ("NumericGreaterThanEquals", "secretsmanager:RecoveryWindowInDays", json!("7"), A),
        ("NumericEquals", "secretsmanager:RecoveryWindowInDays", json!("seven"), I),
        ("DateLessThan", "aws:CurrentTime", json!("2027-01-01T00:00:00Z"), A),
        ("DateGreaterThan", "aws:CurrentTime", json!("2027-01-01T00:00:00Z"), I),
        ("DateEquals", "aws:CurrentTime", json!("2026-11-27T12:00:00Z"), A),
        ("DateNotEquals", "aws:CurrentTime", json!("2026-11-27T12:00:00Z"), I),
        ("DateGreaterThanEquals", "aws:CurrentTime", json!("1795000000"), A),
        ("DateLessThanEquals", "aws:CurrentTime", json!("2026-11-27T11:59:59Z"), I),
        ("Bool", "aws:SecureTransport", json!("true"), A),
        ("Bool", "aws:SecureTransport", json!("false"), I),
        ("IpAddress", "aws:SourceIp", json!("10.0.0.0/8"), A),
        ("IpAddress", "aws:SourceIp", json!(["192.168.0.0/16", "10.1.2.3/32"]), A),
        ("IpAddress", "aws:SourceIp", json!("192.168.0.0/16"), I),
        ("NotIpAddress", "aws:SourceIp", json!("192.168.0.0/16"), A),
        ("NotIpAddress", "aws:SourceIp", json!("10.0.0.0/8"), I),
        ("Null", "aws:SourceIp", json!("false"), A),
        ("Null", "aws:SourceIp", json!("true"), I),
        ("Null", "aws:RequestTag/team", json!("true"), A),
        ("BoolIfExists", "aws:MultiFactorAuthPresent", json!("true"), A),
        ("StringEqualsIfExists", "secretsmanager:VersionStage", json!("AWSCURRENT"), A),
        ("NumericLessThanIfExists", "secretsmanager:RecoveryWindowInDays", json!("5"), I),
        ("Bool", "aws:MultiFactorAuthPresent", json!("true"), I),
    ];
    for (i, (op, key, v, want)) in table.into_iter().enumerate() {
        assert_eq!(eval(&c, &[&cond(op, key, v.clone())], None), want, "case {i}: {op} {key} {v}");
    }
}

#[test]
fn set_operators() {
    let keys = |ks: &[&str]| Context::new().with_all("aws:TagKeys", ks.iter().map(|s| s.to_string()));
    let table: Vec<(&str, &[&str], Value, Decision)> = vec![
        ("ForAllValues:StringEquals", &["team", "env"], json!(["team", "env", "owner"]), A),
        ("ForAllValues:StringEquals", &["team", "secret"], json!(["team", "env"]), I),
        ("ForAnyValue:StringEquals", &["team", "secret"], json!(["team"]), A),
        ("ForAnyValue:StringEquals", &["x", "y"], json!(["team"]), I),
        ("ForAnyValue:StringLike", &["cost-center"], json!(["cost-*"]), A),
        ("ForAllValues:StringLike", &["cost-a", "cost-b"], json!(["cost-*"]), A),
    ];
    for (i, (op, present, v, want)) in table.into_iter().enumerate() {
        let c = Case { context: keys(present), ..Case::default() };
        assert_eq!(eval(&c, &[&cond(op, "aws:TagKeys", v.clone())], None), want, "case {i}: {op} {present:?} {v}");
    }
    // A missing key: ForAllValues passes, ForAnyValue fails.
    let none = Case::default();
    assert_eq!(eval(&none, &[&cond("ForAllValues:StringEquals", "aws:TagKeys", json!(["team"]))], None), A);
    assert_eq!(eval(&none, &[&cond("ForAnyValue:StringEquals", "aws:TagKeys", json!(["team"]))], None), I);
}

#[test]
fn policy_variables() {
    let ctx = Context::new().with("aws:username", "alice").with("aws:PrincipalAccount", "111111111111");
    let c = Case {
        resource: "arn:aws:secretsmanager:us-east-1:111111111111:secret:alice/key-AbCdEf",
        context: ctx,
        ..Case::default()
    };
    let own = allow(json!(GET), json!("arn:aws:secretsmanager:*:${aws:PrincipalAccount}:secret:${aws:username}/*"));
    assert_eq!(eval(&c, &[&own], None), A);
    let bob =
        Case { resource: "arn:aws:secretsmanager:us-east-1:111111111111:secret:bob/key-AbCdEf", ..c.clone_case() };
    assert_eq!(eval(&bob, &[&own], None), I);
    // A variable without a value matches nothing.
    let unknown = allow(json!(GET), json!("arn:aws:secretsmanager:*:*:secret:${aws:userid}/*"));
    assert_eq!(eval(&c, &[&unknown], None), I);
    // ${*} is a literal star, not a wildcard.
    let literal = allow(json!(GET), json!("arn:aws:secretsmanager:*:*:secret:${*}"));
    assert_eq!(eval(&c, &[&literal], None), I);
    assert_eq!(eval(&c, &[&cond("StringEquals", "secretsmanager:Name", json!("${aws:username}/key"))], None), I);
    let named = Case {
        context: Context::new().with("aws:username", "alice").with("secretsmanager:Name", "alice/key"),
        ..Case::default()
    };
    assert_eq!(eval(&named, &[&cond("StringEquals", "secretsmanager:Name", json!("${aws:username}/key"))], None), A);
}

impl Case<'_> {
    fn clone_case(&self) -> Case<'_> {
        Case {
            action: self.action,
            resource: self.resource,
            principal: self.principal,
            account: self.account,
            context: self.context.clone(),
        }
    }
}

#[test]
fn wildcards() {
    assert!(wildcard_match("a*c", "abbbc", false));
    assert!(wildcard_match("*", "", false));
    assert!(!wildcard_match("a?c", "ac", false));
    assert!(wildcard_match("*b*", "abc", false));
    assert!(!wildcard_match("ABC", "abc", false));
    assert!(wildcard_match("ABC", "abc", true));
}
