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
    id_doc(json!([s]))
}

fn id_doc(statements: Value) -> PolicyDocument {
    PolicyDocument::parse_identity(&json!({"Version": "2012-10-17", "Statement": statements}).to_string()).unwrap()
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
    let got = evaluate(&req, ids, res);
    assert_eq!(bound_decision(&req, &case.context, ids, res), got, "bound to the request's keys");
    got
}

/// The decision on `req` with the policies bound (as a principal's are
/// when its key is loaded) to `keys`, which agree with the request's, and
/// to no keys at all: binding must never change a decision.
fn bound_decision<D: Borrow<PolicyDocument>>(
    req: &Request<'_>,
    keys: &Context,
    ids: &[D],
    res: Option<&PolicyDocument>,
) -> Decision {
    let bind = |keys: &Context| {
        let ids: Vec<PolicyDocument> = ids.iter().map(|d| d.borrow().bind(keys)).collect();
        evaluate(req, &ids, res.map(|r| r.bind(keys)).as_ref())
    };
    let (all, none) = (bind(keys), bind(&Context::new()));
    assert_eq!(all, none, "bound to all keys and to none");
    all
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
    let p = id_doc(json!([{"Effect": "Allow", "NotAction": "secretsmanager:Delete*", "Resource": "*"}]));
    assert_eq!(eval(&c, &[&p], None), A);
    assert_eq!(eval(&Case { action: "secretsmanager:DeleteSecret", ..Case::default() }, &[&p], None), I);
    let p =
        id_doc(json!([{"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:secretsmanager:*:*:secret:prod/*"}]));
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

/// A request holding its time and source address natively, as the
/// service's does: they must decide exactly as their text does.
struct Typed {
    text: Context,
    time_ms: i64,
    ip: std::net::IpAddr,
}

impl Keys for Typed {
    fn values(&self, key: &str) -> Option<Values<'_>> {
        self.text.values(key)
    }

    fn time(&self, key: &str) -> Option<i64> {
        key.eq_ignore_ascii_case("aws:CurrentTime").then_some(self.time_ms)
    }

    fn ip(&self, key: &str) -> Option<std::net::IpAddr> {
        key.eq_ignore_ascii_case("aws:SourceIp").then_some(self.ip)
    }
}

#[test]
fn times_and_addresses_held_natively_decide_as_their_text_does() {
    let time_ms = crate::calendar::parse_utc("2026-11-27T12:00:00").unwrap();
    let dates = [
        "2027-01-01T00:00:00Z",
        "2026-11-27T12:00:00Z",
        "2026-11-27T11:59:59Z",
        "2026-11-27T12:00:00.000Z",
        "1795000000",
        "not a date",
        "${aws:CurrentTime}",
    ];
    let networks = ["10.0.0.0/8", "10.1.2.3", "192.168.0.0/16", "0.0.0.0/0", "2001:db8::/32", "10.0.0.0/40", "junk"];
    let ops = ["", "Not"];
    let mut checked = 0;
    for ip in ["10.1.2.3", "2001:db8::7"] {
        let text = Context::new().with("aws:CurrentTime", "2026-11-27T12:00:00Z").with("aws:SourceIp", ip);
        let typed = Typed { text: text.clone(), time_ms, ip: ip.parse().unwrap() };
        for (op, values) in [
            ("DateEquals", &dates[..]),
            ("DateLessThan", &dates[..]),
            ("DateGreaterThanEquals", &dates[..]),
            ("IpAddress", &networks[..]),
        ] {
            for negation in ops {
                let op = match (op, negation) {
                    (op, "") => op.to_string(),
                    ("IpAddress", _) => "NotIpAddress".to_string(),
                    (op, _) => op.replacen("Date", "DateNot", 1),
                };
                let key = if op.contains("Ip") { "aws:SourceIp" } else { "aws:CurrentTime" };
                for v in values.iter().map(|v| json!(v)).chain([json!(values[..2])]) {
                    let policy = cond(&op, key, v.clone());
                    assert_eq!(decide(&text, &policy), decide(&typed, &policy), "{op} {key} {v} with {ip}");
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 100);
    // And the typed path answers at all: a time before a date, an address inside a network.
    let typed = Typed { text: Context::new(), time_ms, ip: "10.1.2.3".parse().unwrap() };
    assert_eq!(decide(&typed, &cond("DateLessThan", "aws:CurrentTime", json!("2027-01-01T00:00:00Z"))), A);
    assert_eq!(decide(&typed, &cond("IpAddress", "aws:SourceIp", json!("10.0.0.0/8"))), A);
    assert_eq!(decide(&typed, &cond("IpAddress", "aws:SourceIp", json!("10.0.0.0/16"))), I);
}

/// The decision on GetSecretValue of the test secret with `context`.
fn decide(context: &dyn Keys, policy: &PolicyDocument) -> Decision {
    let req = Request {
        action: GET,
        resource: SECRET,
        principal_arn: ME,
        principal_account: "111111111111",
        resource_account: "111111111111",
        context,
    };
    evaluate(&req, &[policy], None)
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

/// One row of the scenario table: identity statements, resource-policy
/// statements, the request, and what AWS's evaluation logic answers (with
/// the policy kind the answer rests on, for denials).
struct Row {
    identity: Option<Value>,
    resource: Option<Value>,
    action: &'static str,
    principal: &'static str,
    account: &'static str,
    context: Context,
    want: Decision,
    kind: Option<PolicyKind>,
}

fn row(identity: Option<Value>, resource: Option<Value>, want: Decision) -> Row {
    Row {
        identity,
        resource,
        action: GET,
        principal: ME,
        account: "111111111111",
        context: Context::new(),
        want,
        kind: None,
    }
}

impl Row {
    fn action(mut self, a: &'static str) -> Self {
        self.action = a;
        self
    }
    fn by(mut self, principal: &'static str, account: &'static str) -> Self {
        self.principal = principal;
        self.account = account;
        self
    }
    fn ctx(mut self, key: &'static str, value: &str) -> Self {
        self.context = self.context.with(key, value);
        self
    }
    fn ctx_all(mut self, key: &'static str, values: &[&str]) -> Self {
        self.context = self.context.with_all(key, values.iter().map(|v| v.to_string()));
        self
    }
    fn kind(mut self, k: PolicyKind) -> Self {
        self.kind = Some(k);
        self
    }
}

fn allow_st(action: &str, resource: &str) -> Value {
    json!({"Effect": "Allow", "Action": action, "Resource": resource})
}

fn when(mut st: Value, condition: Value) -> Value {
    st["Condition"] = condition;
    st
}

fn to(principal: Value, mut st: Value) -> Value {
    st["Principal"] = principal;
    st
}

fn check_rows(rows: Vec<Row>) -> usize {
    let n = rows.len();
    for (i, r) in rows.into_iter().enumerate() {
        let identity = r.identity.map(|s| id_doc(if s.is_array() { s } else { json!([s]) }));
        let resource = r.resource.map(|s| doc(if s.is_array() { s } else { json!([s]) }));
        let ids: Vec<&PolicyDocument> = identity.iter().collect();
        let req = Request {
            action: r.action,
            resource: SECRET,
            principal_arn: r.principal,
            principal_account: r.account,
            resource_account: "111111111111",
            context: &r.context,
        };
        let (got, kind) = evaluate_explained(&req, &ids, resource.as_ref());
        assert_eq!(got, r.want, "row {i}");
        assert_eq!(bound_decision(&req, &r.context, &ids, resource.as_ref()), got, "row {i}: bound");
        if let Some(k) = r.kind {
            assert_eq!(kind, k, "row {i}: kind");
        }
    }
    n
}

const CAROL: &str = "arn:aws:iam::222222222222:user/carol";
const OTHER: &str = "222222222222";

#[test]
fn scenarios_from_the_evaluation_logic() {
    use PolicyKind::{Identity as Id, Resource as Res};
    let all = || Some(allow_st("*", "*"));
    let get = || Some(allow_st(GET, "*"));
    let deny_get = || json!({"Effect": "Deny", "Action": GET, "Resource": "*"});
    let rp_allow = |p: &str| Some(to(json!({"AWS": p}), allow_st(GET, "*")));
    let rp_deny = |p: &str| Some(to(json!({"AWS": p}), deny_get()));
    let rows = vec![
        // Implicit deny, and which allow is missing.
        row(None, None, I).kind(Id),
        row(Some(allow_st("secretsmanager:Describe*", "*")), None, I).kind(Id),
        row(None, None, I).by(CAROL, OTHER).kind(Id),
        row(get(), None, I).by(CAROL, OTHER).kind(Res),
        row(None, rp_allow(OTHER), I).by(CAROL, OTHER).kind(Id),
        row(get(), rp_allow(OTHER), A).by(CAROL, OTHER),
        row(get(), rp_allow(CAROL), A).by(CAROL, OTHER),
        row(get(), rp_allow("arn:aws:iam::222222222222:root"), A).by(CAROL, OTHER),
        row(get(), rp_allow("arn:aws:iam::333333333333:root"), I).by(CAROL, OTHER).kind(Res),
        row(get(), rp_allow("*"), A).by(CAROL, OTHER),
        // Explicit deny, and where it is.
        row(Some(json!([allow_st("*", "*"), deny_get()])), None, D).kind(Id),
        row(all(), rp_deny(ME), D).kind(Res),
        row(all(), rp_deny("*"), D).kind(Res),
        row(all(), rp_deny("111111111111"), D).kind(Res),
        row(Some(json!([deny_get()])), rp_allow(ME), D).kind(Id),
        row(get(), rp_deny(OTHER), A),
        row(get(), rp_deny(CAROL), D).by(CAROL, OTHER).kind(Res),
        row(Some(json!([allow_st("*", "*"), {"Effect": "Deny", "NotAction": "secretsmanager:Get*", "Resource": "*"}])), None, A),
        row(Some(json!([allow_st("*", "*"), {"Effect": "Deny", "NotAction": "secretsmanager:Get*", "Resource": "*"}])), None, D)
            .action("secretsmanager:DeleteSecret")
            .kind(Id),
        row(Some(json!([allow_st("*", "*"), {"Effect": "Deny", "Action": "*", "NotResource": SECRET}])), None, A),
        // Same account: either policy is enough.
        row(None, rp_allow(ME), A),
        row(None, rp_allow("arn:aws:iam::111111111111:user/*"), A),
        row(None, rp_allow("arn:aws:iam::111111111111:role/*"), I),
        row(None, Some(to(json!({"AWS": [CAROL, ME]}), allow_st(GET, "*"))), A),
        row(None, Some(json!({"Effect": "Allow", "NotPrincipal": {"AWS": CAROL}, "Action": GET})), A),
        row(None, Some(json!({"Effect": "Allow", "NotPrincipal": {"AWS": ME}, "Action": GET})), I),
        row(None, Some(to(json!("*"), allow_st("secretsmanager:*", "*"))), A),
        row(None, Some(to(json!("*"), allow_st("secretsmanager:Put*", "*"))), I),
        row(None, Some(to(json!({"AWS": ME}), json!({"Effect": "Allow", "Action": GET}))), A),
        row(None, Some(to(json!({"AWS": ME}), allow_st(GET, "arn:aws:secretsmanager:*:*:secret:other-*"))), I),
        // Actions other than Secrets Manager's.
        row(Some(allow_st("lambda:InvokeFunction", "*")), None, A).action("lambda:InvokeFunction"),
        row(Some(allow_st("lambda:Invoke*", "*")), None, A).action("lambda:InvokeFunction"),
        row(Some(allow_st("secretsmanager:*", "*")), None, I).action("lambda:InvokeFunction"),
        row(Some(allow_st("iam:CreateUser", "*")), None, A).action("iam:CreateUser"),
        row(Some(allow_st("IAM:createuser", "*")), None, A).action("iam:CreateUser"),
        // Secrets Manager's documented condition keys.
        row(Some(when(allow_st("*", "*"), json!({"StringEquals": {"secretsmanager:ResourceTag/team": "blue"}}))), None, A)
            .ctx("secretsmanager:ResourceTag/team", "blue"),
        row(Some(when(allow_st("*", "*"), json!({"StringEquals": {"secretsmanager:ResourceTag/team": "blue"}}))), None, I)
            .ctx("secretsmanager:ResourceTag/team", "red"),
        row(Some(when(allow_st("*", "*"), json!({"StringEquals": {"aws:ResourceTag/team": "blue"}}))), None, I),
        row(Some(when(allow_st("*", "*"), json!({"StringEquals": {"secretsmanager:VersionStage": "AWSCURRENT"}}))), None, A)
            .ctx("secretsmanager:VersionStage", "AWSCURRENT"),
        row(Some(when(allow_st("*", "*"), json!({"StringEquals": {"secretsmanager:VersionStage": "AWSCURRENT"}}))), None, I)
            .ctx("secretsmanager:VersionStage", "AWSPREVIOUS"),
        row(
            Some(when(allow_st("*", "*"), json!({"ArnLike": {"secretsmanager:RotationLambdaARN": "arn:aws:lambda:*:111111111111:function:rot-*"}}))),
            None,
            A,
        )
        .ctx("secretsmanager:RotationLambdaARN", "arn:aws:lambda:us-east-1:111111111111:function:rot-db"),
        row(
            Some(when(allow_st("*", "*"), json!({"ArnLike": {"secretsmanager:RotationLambdaARN": "arn:aws:lambda:*:111111111111:function:rot-*"}}))),
            None,
            I,
        )
        .ctx("secretsmanager:RotationLambdaARN", "arn:aws:lambda:us-east-1:999999999999:function:rot-db"),
        row(
            Some(when(allow_st("*", "*"), json!({"ArnEquals": {"secretsmanager:RotationLambdaARN": "${secretsmanager:resource/AllowRotationLambdaArn}"}}))),
            None,
            A,
        )
        .ctx("secretsmanager:RotationLambdaARN", "arn:aws:lambda:us-east-1:111111111111:function:f")
        .ctx("secretsmanager:resource/AllowRotationLambdaArn", "arn:aws:lambda:us-east-1:111111111111:function:f"),
        row(Some(when(allow_st("*", "*"), json!({"Bool": {"secretsmanager:BlockPublicPolicy": "true"}}))), None, A)
            .ctx("secretsmanager:BlockPublicPolicy", "true"),
        row(Some(when(allow_st("*", "*"), json!({"Bool": {"secretsmanager:BlockPublicPolicy": "true"}}))), None, I),
        row(Some(when(allow_st("*", "*"), json!({"StringLike": {"secretsmanager:Name": "team-a/*"}}))), None, A)
            .ctx("secretsmanager:Name", "team-a/db"),
        row(Some(when(allow_st("*", "*"), json!({"Null": {"secretsmanager:KmsKeyId": "true"}}))), None, A),
        row(Some(when(allow_st("*", "*"), json!({"Null": {"secretsmanager:KmsKeyId": "true"}}))), None, I)
            .ctx("secretsmanager:KmsKeyId", "alias/k"),
        row(Some(when(allow_st("*", "*"), json!({"NumericGreaterThanEquals": {"secretsmanager:RecoveryWindowInDays": "14"}}))), None, I)
            .ctx("secretsmanager:RecoveryWindowInDays", "7"),
        row(Some(when(allow_st("*", "*"), json!({"StringEquals": {"secretsmanager:SecretPrimaryRegion": "us-east-1"}}))), None, A)
            .ctx("secretsmanager:SecretPrimaryRegion", "us-east-1"),
        row(Some(when(allow_st("*", "*"), json!({"ForAllValues:StringEquals": {"secretsmanager:AddReplicaRegions": ["eu-west-1", "eu-central-1"]}}))), None, A)
            .ctx_all("secretsmanager:AddReplicaRegions", &["eu-west-1"]),
        row(Some(when(allow_st("*", "*"), json!({"ForAllValues:StringEquals": {"secretsmanager:AddReplicaRegions": ["eu-west-1"]}}))), None, I)
            .ctx_all("secretsmanager:AddReplicaRegions", &["eu-west-1", "us-west-2"]),
        // Deny statements with conditions (the documented guard-rails).
        row(Some(json!([allow_st("*", "*"), when(deny_get(), json!({"Bool": {"aws:SecureTransport": "false"}}))])), None, D)
            .ctx("aws:SecureTransport", "false"),
        row(Some(json!([allow_st("*", "*"), when(deny_get(), json!({"Bool": {"aws:SecureTransport": "false"}}))])), None, A)
            .ctx("aws:SecureTransport", "true"),
        row(Some(json!([allow_st("*", "*"), when(deny_get(), json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))])), None, D)
            .ctx("aws:SourceIp", "192.0.2.1"),
        row(Some(json!([allow_st("*", "*"), when(deny_get(), json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}))])), None, A)
            .ctx("aws:SourceIp", "10.9.9.9"),
        row(Some(json!([allow_st("*", "*"), when(deny_get(), json!({"StringNotEquals": {"aws:PrincipalAccount": "111111111111"}}))])), None, A)
            .ctx("aws:PrincipalAccount", "111111111111"),
        row(None, Some(json!([to(json!("*"), allow_st(GET, "*")), to(json!("*"), when(deny_get(), json!({"StringNotEquals": {"aws:PrincipalAccount": "111111111111"}})))])), D)
            .by(CAROL, OTHER)
            .ctx("aws:PrincipalAccount", OTHER)
            .kind(Res),
        row(
            Some(json!([allow_st("*", "*"), when(json!({"Effect": "Deny", "Action": "secretsmanager:CreateSecret", "Resource": "*"}), json!({"Null": {"aws:RequestTag/owner": "true"}}))])),
            None,
            D,
        )
        .action("secretsmanager:CreateSecret")
        .kind(Id),
        row(
            Some(json!([allow_st("*", "*"), when(json!({"Effect": "Deny", "Action": "secretsmanager:CreateSecret", "Resource": "*"}), json!({"Null": {"aws:RequestTag/owner": "true"}}))])),
            None,
            A,
        )
        .action("secretsmanager:CreateSecret")
        .ctx("aws:RequestTag/owner", "alice"),
        // Several operators AND, several keys AND, several values OR.
        row(
            Some(when(allow_st("*", "*"), json!({"StringEquals": {"aws:username": "alice"}, "Bool": {"aws:SecureTransport": "true"}}))),
            None,
            A,
        )
        .ctx("aws:username", "alice")
        .ctx("aws:SecureTransport", "true"),
        row(
            Some(when(allow_st("*", "*"), json!({"StringEquals": {"aws:username": "alice"}, "Bool": {"aws:SecureTransport": "true"}}))),
            None,
            I,
        )
        .ctx("aws:username", "alice")
        .ctx("aws:SecureTransport", "false"),
        row(
            Some(when(allow_st("*", "*"), json!({"StringEquals": {"aws:username": "alice", "aws:PrincipalAccount": "111111111111"}}))),
            None,
            A,
        )
        .ctx("aws:username", "alice")
        .ctx("aws:PrincipalAccount", "111111111111"),
        row(
            Some(when(allow_st("*", "*"), json!({"StringEquals": {"aws:username": "alice", "aws:PrincipalAccount": "222222222222"}}))),
            None,
            I,
        )
        .ctx("aws:username", "alice")
        .ctx("aws:PrincipalAccount", "111111111111"),
        row(Some(when(allow_st("*", "*"), json!({"StringEquals": {"aws:username": ["bob", "carol", "alice"]}}))), None, A)
            .ctx("aws:username", "alice"),
        // IfExists on both sides of a missing key.
        row(Some(when(allow_st("*", "*"), json!({"StringLikeIfExists": {"secretsmanager:Name": "app/*"}}))), None, A),
        row(Some(when(allow_st("*", "*"), json!({"StringLikeIfExists": {"secretsmanager:Name": "app/*"}}))), None, I)
            .ctx("secretsmanager:Name", "prod/x"),
        row(Some(when(allow_st("*", "*"), json!({"StringLike": {"secretsmanager:Name": "app/*"}}))), None, I),
        row(Some(when(allow_st("*", "*"), json!({"DateLessThanIfExists": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}))), None, I)
            .ctx("aws:CurrentTime", "2026-11-27T00:00:00Z"),
        row(Some(when(allow_st("*", "*"), json!({"ArnLikeIfExists": {"aws:SourceArn": "arn:aws:lambda:*"}}))), None, A),
        row(Some(when(allow_st("*", "*"), json!({"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}))), None, A),
        row(Some(when(allow_st("*", "*"), json!({"IpAddressIfExists": {"aws:SourceIp": "10.0.0.0/8"}}))), None, I)
            .ctx("aws:SourceIp", "192.0.2.1"),
        // Set operators with several request values.
        row(Some(when(allow_st("*", "*"), json!({"ForAnyValue:StringLike": {"aws:TagKeys": ["env*"]}}))), None, A)
            .ctx_all("aws:TagKeys", &["team", "environment"]),
        row(Some(when(allow_st("*", "*"), json!({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["owner"]}}))), None, A)
            .ctx_all("aws:TagKeys", &["team", "env"]),
        row(Some(when(allow_st("*", "*"), json!({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["owner"]}}))), None, I)
            .ctx_all("aws:TagKeys", &["team", "owner"]),
        row(Some(when(allow_st("*", "*"), json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["owner"]}}))), None, I)
            .ctx_all("aws:TagKeys", &[]),
        row(Some(when(allow_st("*", "*"), json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["owner"]}}))), None, A)
            .ctx_all("aws:TagKeys", &[]),
        // Variables in resources and conditions.
        row(Some(allow_st(GET, "arn:aws:secretsmanager:${aws:RequestedRegion}:*:secret:*")), None, A)
            .ctx("aws:RequestedRegion", "us-east-1"),
        row(Some(allow_st(GET, "arn:aws:secretsmanager:${aws:RequestedRegion}:*:secret:*")), None, I)
            .ctx("aws:RequestedRegion", "eu-west-1"),
        row(Some(allow_st(GET, "arn:aws:secretsmanager:*:*:secret:${aws:username}*")), None, I).ctx("aws:username", "bob"),
        row(Some(allow_st(GET, "arn:aws:secretsmanager:*:*:secret:app/${aws:username}*")), None, I),
        row(Some(when(allow_st("*", "*"), json!({"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}}))), None, A)
            .ctx("aws:username", "alice")
            .ctx("aws:ResourceTag/owner", "alice"),
        row(Some(when(allow_st("*", "*"), json!({"StringEquals": {"aws:ResourceTag/owner": "${aws:username}"}}))), None, I)
            .ctx("aws:username", "alice")
            .ctx("aws:ResourceTag/owner", "bob"),
        row(Some(when(allow_st("*", "*"), json!({"StringLike": {"secretsmanager:Name": "${*}"}}))), None, A)
            .ctx("secretsmanager:Name", "*"),
        row(Some(when(allow_st("*", "*"), json!({"StringLike": {"secretsmanager:Name": "${*}"}}))), None, I)
            .ctx("secretsmanager:Name", "anything"),
        // Numeric and date edge cases.
        row(Some(when(allow_st("*", "*"), json!({"NumericLessThan": {"aws:EpochTime": "1800000000"}}))), None, A)
            .ctx("aws:EpochTime", "1795000000"),
        row(Some(when(allow_st("*", "*"), json!({"NumericEquals": {"secretsmanager:RecoveryWindowInDays": "7.0"}}))), None, A)
            .ctx("secretsmanager:RecoveryWindowInDays", "7"),
        row(Some(when(allow_st("*", "*"), json!({"DateGreaterThan": {"aws:CurrentTime": "2026-11-27T00:00:00.000Z"}}))), None, A)
            .ctx("aws:CurrentTime", "2026-11-27T00:00:01Z"),
        row(Some(when(allow_st("*", "*"), json!({"DateLessThan": {"aws:CurrentTime": "garbage"}}))), None, I)
            .ctx("aws:CurrentTime", "2026-11-27T00:00:01Z"),
        row(Some(when(allow_st("*", "*"), json!({"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}}))), None, A).ctx("aws:SourceIp", "203.0.113.9"),
        row(Some(when(allow_st("*", "*"), json!({"IpAddress": {"aws:SourceIp": "10.0.0.1"}}))), None, A).ctx("aws:SourceIp", "10.0.0.1"),
        row(Some(when(allow_st("*", "*"), json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/33"}}))), None, I).ctx("aws:SourceIp", "10.0.0.1"),
        row(Some(when(allow_st("*", "*"), json!({"StringEquals": {"aws:SourceIp": "10.0.0.1"}}))), None, A).ctx("aws:SourceIp", "10.0.0.1"),
        // An unknown operator never matches: its Allow does not apply, its Deny neither.
        row(Some(when(allow_st("*", "*"), json!({"StringSortOf": {"aws:username": "alice"}}))), None, I).ctx("aws:username", "alice"),
    ];
    let n = check_rows(rows);
    assert!(n >= 90, "{n} rows");
}
