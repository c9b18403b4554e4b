//! Resource policy documents (docs/behaviour.md §12): parsed into a typed
//! document that the authorization layer evaluates, validated against the
//! IAM policy grammar, and checked for public access (BlockPublicPolicy).

use crate::authz::{Condition, Layout, Pattern};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Why a document is not a valid policy (for ValidateResourcePolicy; the
/// Put operation answers AWS's one-line MalformedPolicyDocument text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PolicyError(pub String);

fn bad(msg: impl Into<String>) -> PolicyError {
    PolicyError(msg.into())
}

/// Identity policies (attached to a user; no `Principal`) or resource
/// policies (attached to a secret; a `Principal` in every statement).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyKind {
    /// The caller's identity policies.
    Identity,
    /// The secret's resource policy.
    Resource,
}

impl PolicyKind {
    /// As AWS's messages name it: `identity-based` or `resource-based`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyKind::Identity => "identity-based",
            PolicyKind::Resource => "resource-based",
        }
    }
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Grants.
    Allow,
    /// Denies, whatever else allows.
    Deny,
}

/// Who a statement is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// `"*"`: anyone.
    Anyone,
    /// By kind (`AWS`, `Service`, `Federated`, `CanonicalUser`): names.
    Listed(BTreeMap<String, Vec<String>>),
}

impl Principals {
    /// Whether this names everyone (`"*"` or `{"AWS": "*"}`).
    pub fn is_anyone(&self) -> bool {
        match self {
            Principals::Anyone => true,
            Principals::Listed(m) => m.get("AWS").is_some_and(|v| v.iter().any(|p| p == "*")),
        }
    }
}

/// A list field given either way: `Action` or `NotAction`, and so on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matcher {
    /// `Action` / `Resource`: these.
    Only(Vec<Pattern>),
    /// `NotAction` / `NotResource`: all but these.
    AllBut(Vec<Pattern>),
}

impl Matcher {
    /// The patterns, whichever way they were given.
    pub fn patterns(&self) -> &[Pattern] {
        match self {
            Matcher::Only(p) | Matcher::AllBut(p) => p,
        }
    }
}

/// `Condition`: each operator on each key (ANDed), in the document's order.
pub type Conditions = Vec<Condition>;

/// One statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// `Sid`.
    pub sid: Option<String>,
    /// `Effect`.
    pub effect: Effect,
    /// `Principal` (or `NotPrincipal`, with `not_principal` set).
    pub principal: Principals,
    /// Whether it was `NotPrincipal`.
    pub not_principal: bool,
    /// `Action` / `NotAction`.
    pub action: Matcher,
    /// `Resource` / `NotResource` (`None`: the secret the policy is on).
    pub resource: Option<Matcher>,
    /// `Condition`.
    pub condition: Conditions,
}

/// A parsed policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    /// `Version`.
    pub version: Option<String>,
    /// `Id`.
    pub id: Option<String>,
    /// The statements.
    pub statements: Vec<Statement>,
    /// The statements as evaluation reads them.
    pub(crate) layout: Layout,
}

fn strings(field: &str, v: &Value) -> Result<Vec<String>, PolicyError> {
    let one = |v: &Value| v.as_str().map(str::to_string).ok_or_else(|| bad(format!("{field} must hold strings")));
    match v {
        Value::Array(items) if !items.is_empty() => items.iter().map(one).collect(),
        Value::Array(_) => Err(bad(format!("{field} must not be empty"))),
        v => Ok(vec![one(v)?]),
    }
}

fn principals(v: &Value) -> Result<Principals, PolicyError> {
    match v {
        Value::String(s) if s == "*" => Ok(Principals::Anyone),
        Value::Object(m) if !m.is_empty() => {
            let mut out = BTreeMap::new();
            for (kind, names) in m {
                if !matches!(kind.as_str(), "AWS" | "Service" | "Federated" | "CanonicalUser") {
                    return Err(bad(format!("unsupported principal type {kind}")));
                }
                out.insert(kind.clone(), strings(&format!("Principal.{kind}"), names)?);
            }
            Ok(Principals::Listed(out))
        }
        _ => Err(bad("Principal must be \"*\" or an object such as {\"AWS\": \"arn:aws:iam::123456789012:root\"}")),
    }
}

/// Exactly one of `name` and `Not<name>`.
fn either<'a>(s: &'a Map<String, Value>, name: &str) -> Result<Option<(bool, &'a Value)>, PolicyError> {
    let not = format!("Not{name}");
    match (s.get(name), s.get(&not)) {
        (Some(_), Some(_)) => Err(bad(format!("a statement cannot have both {name} and {not}"))),
        (Some(v), None) => Ok(Some((false, v))),
        (None, Some(v)) => Ok(Some((true, v))),
        (None, None) => Ok(None),
    }
}

fn matcher(s: &Map<String, Value>, name: &str) -> Result<Option<Matcher>, PolicyError> {
    let patterns = |field: &str, v| Ok::<_, PolicyError>(strings(field, v)?.into_iter().map(Pattern::new).collect());
    Ok(match either(s, name)? {
        Some((false, v)) => Some(Matcher::Only(patterns(name, v)?)),
        Some((true, v)) => Some(Matcher::AllBut(patterns(&format!("Not{name}"), v)?)),
        None => None,
    })
}

fn statement(v: &Value, kind: PolicyKind) -> Result<Statement, PolicyError> {
    let s = v.as_object().ok_or_else(|| bad("each Statement must be an object"))?;
    const KEYS: [&str; 9] =
        ["Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource", "Condition"];
    if let Some(k) = s.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(bad(format!("unknown statement element {k}")));
    }
    let effect = match s.get("Effect").and_then(Value::as_str) {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        Some(other) => return Err(bad(format!("Effect must be Allow or Deny, not {other}"))),
        None => return Err(bad("a statement needs an Effect")),
    };
    let (not_principal, principal) = match (either(s, "Principal")?, kind) {
        (Some((not, v)), PolicyKind::Resource) => (not, principals(v)?),
        (None, PolicyKind::Resource) => return Err(bad("a resource policy statement needs a Principal")),
        // An identity policy is about its holder.
        (None, PolicyKind::Identity) => (false, Principals::Anyone),
        (Some(_), PolicyKind::Identity) => return Err(bad("an identity policy cannot have a Principal")),
    };
    let action = matcher(s, "Action")?.ok_or_else(|| bad("a statement needs an Action"))?;
    let resource = matcher(s, "Resource")?;
    let mut condition = Conditions::new();
    if let Some(c) = s.get("Condition") {
        let ops = c.as_object().ok_or_else(|| bad("Condition must be an object"))?;
        for (op, keys) in ops {
            let keys = keys.as_object().ok_or_else(|| bad(format!("Condition {op} must be an object")))?;
            for (key, values) in keys {
                condition.push(Condition::new(op, key, strings(&format!("Condition {op} {key}"), values)?));
            }
        }
    }
    let sid = match s.get("Sid") {
        Some(Value::String(sid)) => Some(sid.clone()),
        Some(_) => return Err(bad("Sid must be a string")),
        None => None,
    };
    Ok(Statement { sid, effect, principal, not_principal, action, resource, condition })
}

impl PolicyDocument {
    /// Parses and validates a resource policy.
    pub fn parse(text: &str) -> Result<PolicyDocument, PolicyError> {
        PolicyDocument::parse_as(text, PolicyKind::Resource)
    }

    /// Parses and validates an identity policy (no `Principal`).
    pub fn parse_identity(text: &str) -> Result<PolicyDocument, PolicyError> {
        PolicyDocument::parse_as(text, PolicyKind::Identity)
    }

    fn parse_as(text: &str, kind: PolicyKind) -> Result<PolicyDocument, PolicyError> {
        let v: Value = serde_json::from_str(text).map_err(|e| bad(format!("the policy is not valid JSON: {e}")))?;
        let doc = v.as_object().ok_or_else(|| bad("the policy must be a JSON object"))?;
        if let Some(k) = doc.keys().find(|k| !matches!(k.as_str(), "Version" | "Id" | "Statement")) {
            return Err(bad(format!("unknown policy element {k}")));
        }
        let version = match doc.get("Version") {
            None => None,
            Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => Some(v.clone()),
            Some(v) => return Err(bad(format!("Version must be 2012-10-17 or 2008-10-17, not {v}"))),
        };
        let id = doc.get("Id").and_then(Value::as_str).map(str::to_string);
        let statements = match doc.get("Statement") {
            Some(Value::Array(items)) if !items.is_empty() => {
                items.iter().map(|s| statement(s, kind)).collect::<Result<_, _>>()?
            }
            Some(v @ Value::Object(_)) => vec![statement(v, kind)?],
            _ => return Err(bad("the policy needs a Statement")),
        };
        let layout = Layout::new(&statements);
        Ok(PolicyDocument { version, id, statements, layout })
    }

    /// This policy as one caller's requests evaluate it: the variables
    /// `keys` knows (a principal's `${aws:username}`, `${aws:PrincipalAccount}`…)
    /// substituted once instead of on every request. The statements, as
    /// written, stay as they are.
    pub fn bind(&self, keys: &dyn crate::authz::Keys) -> PolicyDocument {
        PolicyDocument { layout: self.layout.bind(keys), ..self.clone() }
    }

    /// Whether the policy grants public access: an Allow to anyone (or to
    /// everyone but some, with NotPrincipal) that no condition narrows.
    pub fn grants_public_access(&self) -> bool {
        self.statements.iter().any(|s| {
            s.effect == Effect::Allow && (s.not_principal || s.principal.is_anyone()) && s.condition.is_empty()
        })
    }
}

/// A problem ValidateResourcePolicy reports: its check and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// `SYNTAX`, `BROAD_ACCESS`, `UNKNOWN_ACTION`, `UNKNOWN_CONDITION_OPERATOR`,
    /// `RESOURCE_MISMATCH` or (from the service) `LOCKOUT`.
    pub check: &'static str,
    /// What is wrong, naming the statement.
    pub message: String,
}

impl PolicyDocument {
    /// What ValidateResourcePolicy reports of a parsed resource policy:
    /// broad access, actions that name no Secrets Manager action
    /// (`actions` are the operation names), unknown condition operators,
    /// and resources that can name no secret.
    pub fn findings(&self, actions: &[&str]) -> Vec<Finding> {
        let mut out = Vec::new();
        if self.grants_public_access() {
            out.push(Finding {
                check: "BROAD_ACCESS",
                message: "The policy allows access to any principal without a condition that narrows it.".into(),
            });
        }
        for (i, s) in self.statements.iter().enumerate() {
            let which = s.sid.as_ref().map_or_else(|| format!("Statement {}", i + 1), |sid| format!("Statement {sid}"));
            for pattern in s.action.patterns() {
                let pattern = pattern.as_str();
                let known = pattern == "*"
                    || pattern.split_once(':').is_some_and(|(service, action)| {
                        service.eq_ignore_ascii_case("secretsmanager")
                            && actions.iter().any(|a| crate::authz::wildcard_match(action, a, true))
                    });
                if !known {
                    out.push(Finding {
                        check: "UNKNOWN_ACTION",
                        message: format!("{which}: {pattern} matches no Secrets Manager action."),
                    });
                }
            }
            let mut unknown: Vec<&str> =
                s.condition.iter().filter(|c| !c.known()).map(|c| c.operator.as_str()).collect();
            unknown.dedup();
            for op in unknown {
                out.push(Finding {
                    check: "UNKNOWN_CONDITION_OPERATOR",
                    message: format!("{which}: {op} is not a condition operator."),
                });
            }
            let resources = match &s.resource {
                Some(Matcher::Only(p)) => p.as_slice(),
                _ => &[],
            };
            for r in resources.iter().map(Pattern::as_str) {
                let can_match = r == "*" || {
                    let parts: Vec<&str> = r.splitn(6, ':').collect();
                    parts.len() == 6
                        && parts[0] == "arn"
                        && crate::authz::wildcard_match(parts[2], "secretsmanager", false)
                        // The resource type (`secret` in `secret:name`), or a wildcard.
                        && crate::authz::wildcard_match(parts[5].split(':').next().unwrap_or(""), "secret", false)
                };
                if !can_match {
                    out.push(Finding {
                        check: "RESOURCE_MISMATCH",
                        message: format!("{which}: the resource {r} names no secret."),
                    });
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shapes() {
        let doc = PolicyDocument::parse(
            r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root","arn:aws:iam::123456789012:role/r"]},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}"#,
        )
        .unwrap();
        assert_eq!(doc.statements.len(), 1);
        let s = &doc.statements[0];
        assert_eq!(s.effect, Effect::Allow);
        assert_eq!(s.action, Matcher::Only(vec!["secretsmanager:GetSecretValue".into()]));
        assert_eq!(s.action.patterns()[0].as_str(), "secretsmanager:GetSecretValue");
        assert!(!doc.grants_public_access());
        let deny = PolicyDocument::parse(
            r#"{"Statement":[{"Sid":"x","Effect":"Deny","NotPrincipal":{"Service":"lambda.amazonaws.com"},"NotAction":["secretsmanager:Describe*"],"Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}}]}"#,
        )
        .unwrap();
        assert!(deny.statements[0].not_principal);
        let c = &deny.statements[0].condition[0];
        assert_eq!(
            (c.operator.as_str(), c.key.as_str(), c.values.as_slice()),
            ("StringEquals", "aws:PrincipalOrgID", &["o-1".to_string()][..])
        );
    }

    #[test]
    fn public_access_is_an_unconditioned_allow_to_anyone() {
        let public = |p: &str| {
            PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":[{p}]}}"#))
                .unwrap()
                .grants_public_access()
        };
        assert!(public(r#"{"Effect":"Allow","Principal":"*","Action":"secretsmanager:*"}"#));
        assert!(public(r#"{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*"}"#));
        assert!(!public(r#"{"Effect":"Deny","Principal":"*","Action":"*"}"#));
        assert!(!public(
            r#"{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":"123456789012"}}}"#
        ));
    }

    #[test]
    fn findings_name_what_is_wrong() {
        let actions = ["GetSecretValue", "DescribeSecret", "PutResourcePolicy"];
        let findings = |statements: &str| {
            PolicyDocument::parse(&format!(r#"{{"Version":"2012-10-17","Statement":{statements}}}"#))
                .unwrap()
                .findings(&actions)
                .into_iter()
                .map(|f| (f.check, f.message))
                .collect::<Vec<_>>()
        };
        let ok = r#"[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["secretsmanager:Get*","secretsmanager:DescribeSecret"],"Resource":["*","arn:aws:secretsmanager:*:123456789012:secret:app/*"],"Condition":{"ForAnyValue:StringLikeIfExists":{"aws:TagKeys":"x"}}}]"#;
        assert_eq!(findings(ok), []);
        let bad = r#"[{"Sid":"one","Effect":"Allow","Principal":"*","Action":["secretsmanager:GetSecretValues","s3:GetObject","*"],"Resource":"arn:aws:s3:::bucket/*"},{"Effect":"Deny","Principal":"*","Action":"secretsmanager:*","Condition":{"StringSortOf":{"a":"b"}}}]"#;
        assert_eq!(
            findings(bad),
            [
                (
                    "BROAD_ACCESS",
                    "The policy allows access to any principal without a condition that narrows it.".into()
                ),
                (
                    "UNKNOWN_ACTION",
                    "Statement one: secretsmanager:GetSecretValues matches no Secrets Manager action.".into()
                ),
                ("UNKNOWN_ACTION", "Statement one: s3:GetObject matches no Secrets Manager action.".into()),
                ("RESOURCE_MISMATCH", "Statement one: the resource arn:aws:s3:::bucket/* names no secret.".into()),
                ("UNKNOWN_CONDITION_OPERATOR", "Statement 2: StringSortOf is not a condition operator.".into()),
            ]
        );
    }

    #[test]
    fn grammar_errors() {
        for (text, wanted) in [
            ("not json", "not valid JSON"),
            ("[]", "JSON object"),
            (r#"{"Version":"2019-10-19","Statement":[]}"#, "Version must be"),
            (r#"{"Version":"2012-10-17"}"#, "needs a Statement"),
            (r#"{"Statement":[{"Principal":"*","Action":"*"}]}"#, "needs an Effect"),
            (r#"{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"*"}]}"#, "Allow or Deny"),
            (r#"{"Statement":[{"Effect":"Allow","Action":"*"}]}"#, "needs a Principal"),
            (r#"{"Statement":[{"Effect":"Allow","Principal":"*"}]}"#, "needs an Action"),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","NotAction":"x"}]}"#,
                "both Action and NotAction",
            ),
            (r#"{"Statement":[{"Effect":"Allow","Principal":{"Group":"x"},"Action":"*"}]}"#, "unsupported principal"),
            (
                r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Extra":1}]}"#,
                "unknown statement element",
            ),
            (r#"{"Statement":[{"Effect":"Allow","Principal":"*","Action":[]}]}"#, "must not be empty"),
        ] {
            let e = PolicyDocument::parse(text).unwrap_err();
            assert!(e.0.contains(wanted), "{text}: {e}");
        }
    }
}
