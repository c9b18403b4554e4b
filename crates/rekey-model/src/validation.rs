//! Model constraints checked on the raw request JSON before an operation
//! runs, reported as AWS's framework does (docs/behaviour.md §1.4):
//! `1 validation error detected: Value 'x' at 'secretId' failed to satisfy
//! constraint: Member must have length less than or equal to 2048`.
//!
//! Driven by the constraint table generated from the vendored service
//! model (`api::constraints`), so every constraint of every member of
//! every operation is enforced without hand-written checks, and no
//! request walks the model's JSON.

use crate::api::{Operation, PATTERNS, constraints};
use crate::error::{ApiError, ErrorCode};
use base64::Engine as _;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A model shape's constraints, as validation checks them (the table is
/// generated from the model: `api::constraints`).
#[derive(Debug)]
pub enum Constraints {
    /// An object of members.
    Structure {
        /// Its members, in model order.
        members: &'static [Member],
    },
    /// A string: length in characters, an enum, a pattern.
    String {
        /// Shortest length.
        min: Option<i64>,
        /// Longest length.
        max: Option<i64>,
        /// The values allowed (none: any).
        values: &'static [&'static str],
        /// The pattern the whole value must match.
        pattern: Option<&'static str>,
        /// Reported without its value.
        sensitive: bool,
    },
    /// Base64 bytes: length in bytes (never shown).
    Blob {
        /// Fewest bytes.
        min: Option<i64>,
        /// Most bytes.
        max: Option<i64>,
        /// A secret (never recorded, see `audit`).
        sensitive: bool,
    },
    /// A `long` or an `integer`.
    Number {
        /// Smallest value.
        min: Option<i64>,
        /// Largest value.
        max: Option<i64>,
        /// Reported without its value.
        sensitive: bool,
    },
    /// `true` or `false`.
    Boolean,
    /// Epoch seconds.
    Timestamp,
    /// A list: its length, and each element's shape.
    List {
        /// Fewest elements.
        min: Option<i64>,
        /// Most elements.
        max: Option<i64>,
        /// The elements' shape.
        member: &'static str,
        /// Reported without its value.
        sensitive: bool,
    },
    /// A map: each value's shape.
    Map {
        /// The values' shape.
        value: &'static str,
        /// Reported without its value.
        sensitive: bool,
    },
}

/// A member of a structure.
#[derive(Debug)]
pub struct Member {
    /// Its name in JSON (`SecretId`).
    pub name: &'static str,
    /// Its name in messages (`secretId`).
    pub path: &'static str,
    /// Its shape.
    pub shape: &'static str,
    /// Whether it must be present.
    pub required: bool,
}

/// A model pattern, compiled (all of them, once); AWS matches the whole
/// value (Java `matches`).
fn pattern(p: &str) -> &'static regex_lite::Regex {
    static COMPILED: OnceLock<HashMap<&'static str, regex_lite::Regex>> = OnceLock::new();
    let compiled = COMPILED.get_or_init(|| {
        PATTERNS
            .iter()
            .map(|p| (*p, regex_lite::Regex::new(&format!("^(?:{p})$")).expect("model pattern compiles")))
            .collect()
    });
    &compiled[p]
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

    fn length(&mut self, len: usize, (min, max): (Option<i64>, Option<i64>), v: &Value, sensitive: bool, path: &str) {
        if let Some(min) = min
            && (len as i64) < min
        {
            self.fail(Some(v), sensitive, path, format!("Member must have length greater than or equal to {min}"));
        }
        if let Some(max) = max
            && (len as i64) > max
        {
            self.fail(Some(v), sensitive, path, format!("Member must have length less than or equal to {max}"));
        }
    }

    fn check(&mut self, name: &str, v: &Value, path: &str, sensitive_parent: bool) -> Result<(), ApiError> {
        let Some(shape) = constraints(name) else { return Ok(()) };
        match *shape {
            Constraints::Structure { members } => {
                let Some(obj) = v.as_object() else {
                    return Err(serialization("an object", path));
                };
                for member in members {
                    let child =
                        if path.is_empty() { member.path.to_string() } else { format!("{path}.{}", member.path) };
                    match obj.get(member.name) {
                        None | Some(Value::Null) => {
                            if member.required {
                                self.fail(None, false, &child, "Member must not be null".into());
                            }
                        }
                        Some(value) => self.check(member.shape, value, &child, false)?,
                    }
                }
            }
            Constraints::String { min, max, values, pattern: p, sensitive } => {
                let sensitive = sensitive_parent || sensitive;
                let Some(s) = v.as_str() else {
                    return Err(serialization("a string", path));
                };
                self.length(s.chars().count(), (min, max), v, sensitive, path);
                if !values.is_empty() && !values.contains(&s) {
                    let set = values.join(", ");
                    self.fail(Some(v), sensitive, path, format!("Member must satisfy enum value set: [{set}]"));
                }
                if let Some(p) = p
                    && !pattern(p).is_match(s)
                {
                    self.fail(Some(v), sensitive, path, format!("Member must satisfy regular expression pattern: {p}"));
                }
            }
            Constraints::Blob { min, max, .. } => {
                let Some(s) = v.as_str() else {
                    return Err(serialization("a base64 string", path));
                };
                let Ok(bytes) = base64::engine::general_purpose::STANDARD.decode(s) else {
                    return Err(ApiError::new(
                        ErrorCode::SerializationException,
                        format!("Invalid base64 value for '{path}'"),
                    ));
                };
                self.length(bytes.len(), (min, max), v, true, path);
            }
            Constraints::Number { min, max, sensitive } => {
                let sensitive = sensitive_parent || sensitive;
                let Some(n) = v.as_i64() else {
                    return Err(serialization("a number", path));
                };
                if let Some(min) = min
                    && n < min
                {
                    self.fail(
                        Some(v),
                        sensitive,
                        path,
                        format!("Member must have value greater than or equal to {min}"),
                    );
                }
                if let Some(max) = max
                    && n > max
                {
                    self.fail(Some(v), sensitive, path, format!("Member must have value less than or equal to {max}"));
                }
            }
            Constraints::Boolean if !v.is_boolean() => return Err(serialization("a boolean", path)),
            Constraints::Timestamp if !v.is_number() => return Err(serialization("a timestamp", path)),
            Constraints::List { min, max, member, sensitive } => {
                let sensitive = sensitive_parent || sensitive;
                let Some(items) = v.as_array() else {
                    return Err(serialization("a list", path));
                };
                self.length(items.len(), (min, max), v, sensitive, path);
                for (i, item) in items.iter().enumerate() {
                    self.check(member, item, &format!("{path}.{}.member", i + 1), sensitive)?;
                }
            }
            Constraints::Map { value, sensitive } => {
                let sensitive = sensitive_parent || sensitive;
                let Some(entries) = v.as_object() else {
                    return Err(serialization("a map", path));
                };
                for (k, item) in entries {
                    self.check(value, item, &format!("{path}.{k}"), sensitive)?;
                }
            }
            Constraints::Boolean | Constraints::Timestamp => {}
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
