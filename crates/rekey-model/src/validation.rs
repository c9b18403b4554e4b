//! Model constraints checked on the raw request JSON before an operation
//! runs, reported as AWS's framework does (docs/behaviour.md §1.4):
//! `1 validation error detected: Value 'x' at 'secretId' failed to satisfy
//! constraint: Member must have length less than or equal to 2048`.
//!
//! Driven by the vendored service model, so every constraint of every
//! member of every operation is enforced without hand-written checks.

use crate::api::Operation;
use crate::error::{ApiError, ErrorCode};
use base64::Engine as _;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::sync::OnceLock;

struct Shapes {
    shapes: &'static Map<String, Value>,
    patterns: HashMap<String, regex_lite::Regex>,
}

fn shapes() -> &'static Shapes {
    static SHAPES: OnceLock<Shapes> = OnceLock::new();
    SHAPES.get_or_init(|| {
        let shapes = crate::spec::service_model()["shapes"].as_object().expect("model has shapes");
        let mut patterns = HashMap::new();
        for s in shapes.values() {
            if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                // AWS matches the whole value (Java `matches`).
                let re = regex_lite::Regex::new(&format!("^(?:{p})$")).expect("model pattern compiles");
                patterns.insert(p.to_string(), re);
            }
        }
        Shapes { shapes, patterns }
    })
}

/// Checks `body` against the input shape of `op`. Type mismatches are a
/// `SerializationException`; constraint violations a `ValidationException`
/// listing every violation.
pub fn validate_input(op: Operation, body: &Value) -> Result<(), ApiError> {
    let mut v = Validator { errors: Vec::new() };
    v.check(op.input_shape(), body, "", false)?;
    match v.errors.len() {
        0 => Ok(()),
        1 => {
            Err(ApiError::new(ErrorCode::ValidationException, format!("1 validation error detected: {}", v.errors[0])))
        }
        n => Err(ApiError::new(
            ErrorCode::ValidationException,
            format!("{n} validation errors detected: {}", v.errors.join("; ")),
        )),
    }
}

struct Validator {
    errors: Vec<String>,
}

fn lower_camel(member: &str) -> String {
    let mut cs = member.chars();
    match cs.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + cs.as_str(),
        None => String::new(),
    }
}

/// Renders a value as the Java front end does in its messages.
fn render(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => format!("[{}]", items.iter().map(render).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

fn serialization(what: &str, path: &str) -> ApiError {
    ApiError::new(ErrorCode::SerializationException, format!("Unexpected value type for '{path}': expected {what}"))
}

impl Validator {
    fn fail(&mut self, value: Option<&Value>, sensitive: bool, path: &str, constraint: String) {
        let shown = match value {
            None => "Value null".to_string(),
            Some(_) if sensitive => "Value".to_string(),
            Some(v) => format!("Value '{}'", render(v)),
        };
        self.errors.push(format!("{shown} at '{path}' failed to satisfy constraint: {constraint}"));
    }

    fn length(&mut self, len: usize, shape: &Map<String, Value>, v: &Value, sensitive: bool, path: &str) {
        if let Some(min) = shape.get("min").and_then(Value::as_u64)
            && (len as u64) < min
        {
            self.fail(Some(v), sensitive, path, format!("Member must have length greater than or equal to {min}"));
        }
        if let Some(max) = shape.get("max").and_then(Value::as_u64)
            && (len as u64) > max
        {
            self.fail(Some(v), sensitive, path, format!("Member must have length less than or equal to {max}"));
        }
    }

    fn check(&mut self, name: &str, v: &Value, path: &str, sensitive_parent: bool) -> Result<(), ApiError> {
        let all = shapes();
        let shape = all.shapes[name].as_object().expect("shape is an object");
        let sensitive = sensitive_parent || shape.get("sensitive").and_then(Value::as_bool).unwrap_or(false);
        match shape["type"].as_str().unwrap_or_default() {
            "structure" => {
                let Some(obj) = v.as_object() else {
                    return Err(serialization("an object", path));
                };
                let required: Vec<&str> = shape
                    .get("required")
                    .and_then(Value::as_array)
                    .map(|r| r.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default();
                for (member, def) in shape["members"].as_object().into_iter().flatten() {
                    let child =
                        if path.is_empty() { lower_camel(member) } else { format!("{path}.{}", lower_camel(member)) };
                    match obj.get(member) {
                        None | Some(Value::Null) => {
                            if required.contains(&member.as_str()) {
                                self.fail(None, false, &child, "Member must not be null".into());
                            }
                        }
                        Some(value) => self.check(def["shape"].as_str().unwrap_or_default(), value, &child, false)?,
                    }
                }
            }
            "string" => {
                let Some(s) = v.as_str() else {
                    return Err(serialization("a string", path));
                };
                self.length(s.chars().count(), shape, v, sensitive, path);
                if let Some(values) = shape.get("enum").and_then(Value::as_array)
                    && !values.iter().any(|e| e.as_str() == Some(s))
                {
                    let set: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
                    self.fail(
                        Some(v),
                        sensitive,
                        path,
                        format!("Member must satisfy enum value set: [{}]", set.join(", ")),
                    );
                }
                if let Some(p) = shape.get("pattern").and_then(Value::as_str)
                    && !all.patterns[p].is_match(s)
                {
                    self.fail(Some(v), sensitive, path, format!("Member must satisfy regular expression pattern: {p}"));
                }
            }
            "blob" => {
                let Some(s) = v.as_str() else {
                    return Err(serialization("a base64 string", path));
                };
                let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(s) else {
                    return Err(ApiError::new(
                        ErrorCode::SerializationException,
                        format!("Invalid base64 value for '{path}'"),
                    ));
                };
                self.length(bytes.len(), shape, v, true, path);
            }
            "long" | "integer" => {
                let Some(n) = v.as_i64() else {
                    return Err(serialization("a number", path));
                };
                if let Some(min) = shape.get("min").and_then(Value::as_i64)
                    && n < min
                {
                    self.fail(
                        Some(v),
                        sensitive,
                        path,
                        format!("Member must have value greater than or equal to {min}"),
                    );
                }
                if let Some(max) = shape.get("max").and_then(Value::as_i64)
                    && n > max
                {
                    self.fail(Some(v), sensitive, path, format!("Member must have value less than or equal to {max}"));
                }
            }
            "boolean" if !v.is_boolean() => return Err(serialization("a boolean", path)),
            "timestamp" if !v.is_number() => return Err(serialization("a timestamp", path)),
            "list" => {
                let Some(items) = v.as_array() else {
                    return Err(serialization("a list", path));
                };
                self.length(items.len(), shape, v, sensitive, path);
                let member = shape["member"]["shape"].as_str().unwrap_or_default();
                for (i, item) in items.iter().enumerate() {
                    self.check(member, item, &format!("{path}.{}.member", i + 1), sensitive)?;
                }
            }
            "map" => {
                let Some(entries) = v.as_object() else {
                    return Err(serialization("a map", path));
                };
                let value_shape = shape["value"]["shape"].as_str().unwrap_or_default();
                for (k, item) in entries {
                    self.check(value_shape, item, &format!("{path}.{k}"), sensitive)?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn msg(op: Operation, body: Value) -> String {
        validate_input(op, &body).unwrap_err().message
    }

    #[test]
    fn required_members() {
        assert_eq!(
            msg(Operation::GetSecretValue, json!({})),
            "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"
        );
    }

    #[test]
    fn lengths_ranges_and_sensitive_values() {
        let long = "x".repeat(2049);
        assert_eq!(
            msg(Operation::GetSecretValue, json!({"SecretId": long})),
            format!(
                "1 validation error detected: Value '{long}' at 'secretId' failed to satisfy constraint: Member must have length less than or equal to 2048"
            )
        );
        assert_eq!(
            msg(Operation::GetRandomPassword, json!({"PasswordLength": 4097})),
            "1 validation error detected: Value '4097' at 'passwordLength' failed to satisfy constraint: Member must have value less than or equal to 4096"
        );
        let m = msg(Operation::PutSecretValue, json!({"SecretId": "a", "SecretString": "x".repeat(65537)}));
        assert_eq!(
            m,
            "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536"
        );
    }

    #[test]
    fn list_paths_patterns_and_enums() {
        let m = msg(
            Operation::ListSecrets,
            json!({"Filters": [{"Key": "name", "Values": ["ok"]}, {"Key": "bogus", "Values": ["a#"]}]}),
        );
        assert_eq!(
            m,
            "2 validation errors detected: Value 'bogus' at 'filters.2.member.key' failed to satisfy constraint: Member must satisfy enum value set: [description, name, tag-key, tag-value, primary-region, owning-service, all]; \
             Value 'a#' at 'filters.2.member.values.1.member' failed to satisfy constraint: Member must satisfy regular expression pattern: ^\\!?[a-zA-Z0-9 :_@\\/\\+\\=\\.\\-\\!]*$"
        );
    }

    #[test]
    fn wrong_types_are_serialization_errors() {
        let e = validate_input(Operation::DeleteSecret, &json!({"SecretId": "a", "RecoveryWindowInDays": "x"}))
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::SerializationException);
        assert!(validate_input(Operation::GetSecretValue, &json!({"SecretId": "a", "Unknown": 1})).is_ok());
    }
}
