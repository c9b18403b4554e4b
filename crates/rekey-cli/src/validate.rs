//! botocore's client-side parameter validation (`ParamValidator`): the
//! request is checked against the input shape before it is sent —
//! required members at any depth, unknown members, types, and the
//! model's minimum lengths and values — and every problem is reported at
//! once, in botocore's words.

use crate::error::CliError;
use crate::model::{self, type_of};
use serde_json::Value;

/// Checks `params` against `shape` (an operation's input).
pub fn validate(params: &Value, shape: &Value) -> Result<(), CliError> {
    let mut errors = Vec::new();
    check(params, shape, "", &mut errors);
    if errors.is_empty() {
        return Ok(());
    }
    Err(CliError::Validation(format!("Parameter validation failed:\n{}", errors.join("\n"))))
}

fn display_name(name: &str) -> &str {
    if name.is_empty() { "input" } else { name.strip_prefix('.').unwrap_or(name) }
}

/// Python's `repr` of a parsed JSON value, as botocore prints a parameter
/// inside a list or dict, and `str` at the top.
fn python(v: &Value, top: bool) -> String {
    match v {
        Value::String(s) if top => s.clone(),
        Value::String(s) => format!("'{s}'"),
        Value::Array(a) => format!("[{}]", a.iter().map(|v| python(v, false)).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => {
            format!(
                "{{{}}}",
                m.iter().map(|(k, v)| format!("'{k}': {}", python(v, false))).collect::<Vec<_>>().join(", ")
            )
        }
        other => crate::output::python_str(other),
    }
}

fn python_type(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "<class 'str'>",
        Value::Bool(_) => "<class 'bool'>",
        Value::Number(n) if n.is_f64() => "<class 'float'>",
        Value::Number(_) => "<class 'int'>",
        Value::Array(_) => "<class 'list'>",
        Value::Object(_) => "<class 'dict'>",
        Value::Null => "<class 'NoneType'>",
    }
}

fn invalid_type(errors: &mut Vec<String>, name: &str, v: &Value, valid: &str) {
    errors.push(format!(
        "Invalid type for parameter {}, value: {}, type: {}, valid types: {valid}",
        display_name(name),
        python(v, true),
        python_type(v)
    ));
}

/// As [`invalid_type`], for a member whose shape is sensitive: its value
/// is not repeated (where v2 would print it).
fn invalid_secret_type(errors: &mut Vec<String>, name: &str, v: &Value, valid: &str) {
    errors.push(format!(
        "Invalid type for parameter {}, value: {REDACTED}, type: {}, valid types: {valid}",
        display_name(name),
        python_type(v)
    ));
}

/// What stands for a secret value in an error.
pub const REDACTED: &str = "<redacted>";

/// Whether the model marks a shape's values as secret (SecretString,
/// SecretBinary, RandomPassword…): rekey never repeats them in errors.
pub fn is_sensitive(shape: &Value) -> bool {
    shape["sensitive"].as_bool() == Some(true)
}

fn min_of(shape: &Value) -> Option<i64> {
    shape["min"].as_i64()
}

/// `len(param)` as Python counts a string: characters.
fn length(v: &Value) -> usize {
    match v {
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.len(),
        Value::Object(m) => m.len(),
        _ => 0,
    }
}

fn check_length(v: &Value, shape: &Value, name: &str, errors: &mut Vec<String>) {
    if let Some(min) = min_of(shape)
        && (length(v) as i64) < min
    {
        errors.push(format!(
            "Invalid length for parameter {}, value: {}, valid min length: {min}",
            display_name(name),
            length(v)
        ));
    }
}

fn check(v: &Value, shape: &Value, name: &str, errors: &mut Vec<String>) {
    match type_of(shape) {
        "structure" => {
            let Value::Object(params) = v else {
                return invalid_type(errors, name, v, "<class 'dict'>");
            };
            for required in shape["required"].as_array().into_iter().flatten().filter_map(Value::as_str) {
                if !params.contains_key(required) {
                    errors.push(format!("Missing required parameter in {}: \"{required}\"", display_name(name)));
                }
            }
            let members = shape["members"].as_object();
            let valid: Vec<&str> = members.into_iter().flatten().map(|(k, _)| k.as_str()).collect();
            for key in params.keys() {
                if !valid.contains(&key.as_str()) {
                    errors.push(format!(
                        "Unknown parameter in {}: \"{key}\", must be one of: {}",
                        display_name(name),
                        valid.join(", ")
                    ));
                }
            }
            for (key, value) in params {
                if let Some(member) = members.and_then(|m| m.get(key)) {
                    check(value, model::target(member), &format!("{name}.{key}"), errors);
                }
            }
        }
        "list" => {
            let Value::Array(items) = v else {
                return invalid_type(errors, name, v, "<class 'list'>, <class 'tuple'>");
            };
            check_length(v, shape, name, errors);
            let element = model::target(&shape["member"]);
            for (i, item) in items.iter().enumerate() {
                check(item, element, &format!("{name}[{i}]"), errors);
            }
        }
        "map" => {
            let Value::Object(m) = v else {
                return invalid_type(errors, name, v, "<class 'dict'>");
            };
            let (key_shape, value_shape) = (model::target(&shape["key"]), model::target(&shape["value"]));
            for (k, value) in m {
                check(&Value::String(k.clone()), key_shape, &format!("{name} (key: {k})"), errors);
                check(value, value_shape, &format!("{name}.{k}"), errors);
            }
        }
        "string" => match v {
            Value::String(_) => check_length(v, shape, name, errors),
            _ if is_sensitive(shape) && !v.is_null() => invalid_secret_type(errors, name, v, "<class 'str'>"),
            _ => invalid_type(errors, name, v, "<class 'str'>"),
        },
        // Python's bool is an int, so booleans pass an integer check.
        "integer" | "long" => match v {
            Value::Number(n) if n.is_i64() || n.is_u64() => {
                if let (Some(min), Some(x)) = (min_of(shape), n.as_i64())
                    && x < min
                {
                    errors.push(format!(
                        "Invalid value for parameter {}, value: {x}, valid min value: {min}",
                        display_name(name)
                    ));
                }
            }
            Value::Bool(_) => {}
            _ => invalid_type(errors, name, v, "<class 'int'>"),
        },
        "boolean" if !v.is_boolean() => invalid_type(errors, name, v, "<class 'bool'>"),
        "blob" if !v.is_string() => {
            let valid = "<class 'bytes'>, <class 'bytearray'>, file-like object";
            if is_sensitive(shape) && !v.is_null() {
                invalid_secret_type(errors, name, v, valid)
            } else {
                invalid_type(errors, name, v, valid)
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Operation;
    use serde_json::json;

    #[test]
    fn reports_as_botocore() {
        let op = Operation::by_command("rotate-secret").unwrap();
        let err = validate(
            &json!({"SecretId": "", "RotationRules": {"AutomaticallyAfterDays": 0, "Bogus": 1}, "RotateImmediately": "yes"}),
            op.input(),
        )
        .unwrap_err();
        let CliError::Validation(err) = err else { panic!("{err}") };
        assert_eq!(
            err,
            "Parameter validation failed:\nInvalid length for parameter SecretId, value: 0, valid min length: 1\nUnknown parameter in RotationRules: \"Bogus\", must be one of: AutomaticallyAfterDays, Duration, ScheduleExpression\nInvalid value for parameter RotationRules.AutomaticallyAfterDays, value: 0, valid min value: 1\nInvalid type for parameter RotateImmediately, value: yes, type: <class 'str'>, valid types: <class 'bool'>"
        );
        assert!(validate(&json!({"SecretId": "a"}), op.input()).is_ok());
        let missing = validate(&json!({}), op.input()).unwrap_err();
        assert_eq!(
            missing.to_string(),
            "An error occurred (ParamValidation): Parameter validation failed:\nMissing required parameter in input: \"SecretId\""
        );
    }
}
