//! The vendored service model and paginators, as the CLI reads them:
//! operations become kebab-case commands and input members kebab-case
//! options (botocore's `xform_name`), and responses are shaped as
//! botocore's parser shapes them (members in model order, nulls and
//! unknown members dropped).

use serde_json::{Map, Value};
use std::sync::OnceLock;

pub use rekey_model::spec::{service_model as service, shape};

/// The shape a member or list element refers to.
pub fn target(member: &Value) -> &'static Value {
    member["shape"].as_str().map_or(&Value::Null, shape)
}

/// A shape's `type` (`structure`, `list`, `map`, `string`, `long`, …).
pub fn type_of(shape: &Value) -> &str {
    shape["type"].as_str().unwrap_or("string")
}

/// One operation of the service.
#[derive(Debug, Clone, Copy)]
pub struct Operation {
    /// `GetSecretValue`.
    pub name: &'static str,
    /// Its model entry.
    pub model: &'static Value,
}

impl Operation {
    /// Every operation, in the model's order.
    pub fn all() -> impl Iterator<Item = Operation> {
        let ops = service()["operations"].as_object().expect("model has operations");
        ops.iter().map(|(name, model)| Operation { name, model })
    }

    /// The operation whose command is `command` (`get-secret-value`).
    pub fn by_command(command: &str) -> Option<Operation> {
        Operation::all().find(|op| xform_name(op.name) == command)
    }

    /// The command name: `get-secret-value`.
    pub fn command(&self) -> String {
        xform_name(self.name)
    }

    /// The input structure (an empty one for operations without input).
    pub fn input(&self) -> &'static Value {
        self.model["input"]["shape"].as_str().map_or(&Value::Null, shape)
    }

    /// The output structure.
    pub fn output(&self) -> &'static Value {
        self.model["output"]["shape"].as_str().map_or(&Value::Null, shape)
    }

    /// The input members, in model order.
    pub fn members(&self) -> impl Iterator<Item = (&'static str, &'static Value)> {
        self.input()["members"].as_object().into_iter().flatten().map(|(k, v)| (k.as_str(), v))
    }

    /// Whether `member` is required.
    pub fn required(&self, member: &str) -> bool {
        self.input()["required"].as_array().is_some_and(|r| r.iter().any(|m| m == member))
    }

    /// The paginator, for operations the CLI pages through.
    pub fn paginator(&self) -> Option<Paginator> {
        paginator(self.name)
    }
}

/// How an operation pages: the token in and out, the page-size member
/// and the member whose lists are concatenated.
#[derive(Debug, Clone, Copy)]
pub struct Paginator {
    /// Request member carrying the token (`NextToken`).
    pub input_token: &'static str,
    /// Response member carrying the next token.
    pub output_token: &'static str,
    /// Request member limiting a page (`MaxResults`).
    pub limit_key: &'static str,
    /// Response member whose values accumulate (`SecretList`).
    pub result_key: &'static str,
}

const PAGINATORS: &str = include_str!("../../../spec/secretsmanager-paginators-1.json");

/// The operations the CLI pages through: those of the vendored paginators
/// file (as botocore reads it), and the two other operations the service
/// pages, as `aws` version 2 does.
fn paginator(op: &str) -> Option<Paginator> {
    static FILE: OnceLock<Value> = OnceLock::new();
    let file = FILE.get_or_init(|| serde_json::from_str(PAGINATORS).expect("vendored paginators are valid JSON"));
    let text = |v: &'static Value, k: &str| v[k].as_str();
    if let Some(p) = file["pagination"].get(op) {
        return Some(Paginator {
            input_token: text(p, "input_token")?,
            output_token: text(p, "output_token")?,
            limit_key: text(p, "limit_key")?,
            result_key: text(p, "result_key")?,
        });
    }
    let result_key = match op {
        "ListSecretVersionIds" => "Versions",
        "BatchGetSecretValue" => "SecretValues",
        _ => return None,
    };
    Some(Paginator { input_token: "NextToken", output_token: "NextToken", limit_key: "MaxResults", result_key })
}

/// botocore's `xform_name` with `-`: `GetSecretValue` → `get-secret-value`,
/// `RotationLambdaARN` → `rotation-lambda-arn`.
pub fn xform_name(name: &str) -> String {
    rekey_model::api::xform_name(name, '-')
}

/// What to do with response timestamps (`cli_timestamp_format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timestamps {
    /// ISO 8601 (version 2's default).
    Iso8601,
    /// As on the wire: epoch seconds.
    Wire,
}

/// Shapes a response body as botocore does for the output `shape`.
pub fn shape_response(shape: &Value, value: &Value, ts: Timestamps) -> Value {
    match (type_of(shape), value) {
        ("structure", Value::Object(obj)) => {
            let mut out = Map::new();
            for (name, member) in shape["members"].as_object().into_iter().flatten() {
                let wire = member["locationName"].as_str().unwrap_or(name);
                match obj.get(wire) {
                    None | Some(Value::Null) => {}
                    Some(v) => {
                        out.insert(name.clone(), shape_response(target(member), v, ts));
                    }
                }
            }
            Value::Object(out)
        }
        ("list", Value::Array(items)) => {
            let element = target(&shape["member"]);
            Value::Array(items.iter().map(|v| shape_response(element, v, ts)).collect())
        }
        ("map", Value::Object(obj)) => {
            let element = target(&shape["value"]);
            Value::Object(obj.iter().map(|(k, v)| (k.clone(), shape_response(element, v, ts))).collect())
        }
        ("timestamp", Value::Number(n)) if ts == Timestamps::Iso8601 => {
            n.as_f64().map_or_else(|| value.clone(), |secs| Value::String(iso8601(secs)))
        }
        _ => value.clone(),
    }
}

/// Python's `datetime.fromtimestamp(secs, UTC).isoformat()`:
/// `2026-11-27T18:03:42.851000+00:00`, without the fraction when it is zero.
pub fn iso8601(secs: f64) -> String {
    let whole = secs.floor();
    // Python rounds the fraction to microseconds, half to even.
    let mut micros = ((secs - whole) * 1e6).round_ties_even() as i64;
    let mut whole = whole as i64;
    if micros >= 1_000_000 {
        whole += 1;
        micros -= 1_000_000;
    }
    let days = whole.div_euclid(86_400);
    let rem = whole.rem_euclid(86_400);
    let d = rekey_model::calendar::date(days);
    let mut s =
        format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", d.year, d.month, d.day, rem / 3600, rem % 3600 / 60, rem % 60);
    if micros != 0 {
        s.push_str(&format!(".{micros:06}"));
    }
    s.push_str("+00:00");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_as_botocore_transforms_them() {
        for (name, want) in [
            ("GetSecretValue", "get-secret-value"),
            ("RotationLambdaARN", "rotation-lambda-arn"),
            ("ARN", "arn"),
            ("KmsKeyId", "kms-key-id"),
            ("ListSecretVersionIds", "list-secret-version-ids"),
            ("SecretIdList", "secret-id-list"),
            ("AutomaticallyAfterDays", "automatically-after-days"),
        ] {
            assert_eq!(xform_name(name), want);
        }
    }

    #[test]
    fn timestamps_as_python_prints_them() {
        assert_eq!(iso8601(1_729_509_676.851), "2024-10-21T11:21:16.851000+00:00");
        assert_eq!(iso8601(1_729_509_676.0), "2024-10-21T11:21:16+00:00");
    }

    #[test]
    fn paginators_from_the_file_and_version_2() {
        let result = |c: &str| Operation::by_command(c).and_then(|o| o.paginator()).map(|p| p.result_key);
        assert_eq!(result("list-secrets"), Some("SecretList"));
        assert_eq!(result("list-resource-policies"), Some("ResourcePolicies"));
        assert_eq!(result("list-secret-version-ids"), Some("Versions"));
        assert_eq!(result("batch-get-secret-value"), Some("SecretValues"));
        assert_eq!(result("describe-secret"), None);
    }

    #[test]
    fn every_operation_has_a_command() {
        assert_eq!(Operation::all().count(), 26);
        assert!(Operation::by_command("rotate-secret").is_some());
    }
}
