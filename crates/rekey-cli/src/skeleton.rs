//! `--generate-cli-skeleton`: botocore's `ArgumentGenerator` — an input
//! skeleton with empty values, or (for `output`) a sample answer whose
//! strings are their member names.

use crate::model::{self, type_of};
use serde_json::{Map, Value};

/// A skeleton of `shape`; `member_names` fills strings with their names.
pub fn generate(shape: &Value, shape_name: &str, member_names: bool) -> Value {
    let mut stack = Vec::new();
    node(shape, shape_name, "", member_names, &mut stack)
}

fn node(shape: &Value, shape_name: &str, name: &str, member_names: bool, stack: &mut Vec<String>) -> Value {
    stack.push(shape_name.to_string());
    let v = match type_of(shape) {
        "structure" => {
            if stack.iter().filter(|s| *s == shape_name).count() > 1 {
                Value::Object(Map::new())
            } else {
                let mut m = Map::new();
                for (member, spec) in shape["members"].as_object().into_iter().flatten() {
                    let target = spec["shape"].as_str().unwrap_or_default();
                    m.insert(member.clone(), node(model::shape(target), target, member, member_names, stack));
                }
                Value::Object(m)
            }
        }
        "list" => {
            let target = shape["member"]["shape"].as_str().unwrap_or_default();
            let name = if member_names { target } else { "" };
            Value::Array(vec![node(model::shape(target), target, name, member_names, stack)])
        }
        "map" => {
            let target = shape["value"]["shape"].as_str().unwrap_or_default();
            let mut m = Map::new();
            m.insert("KeyName".into(), node(model::shape(target), target, "", member_names, stack));
            Value::Object(m)
        }
        "string" if member_names => Value::String(name.to_string()),
        // botocore picks an enum value at random; the first is as good.
        "string" => shape["enum"].get(0).cloned().unwrap_or_else(|| Value::String(String::new())),
        "integer" | "long" => Value::from(0),
        "float" | "double" => serde_json::json!(0.0),
        "boolean" => Value::Bool(true),
        "timestamp" => Value::String("1970-01-01T00:00:00".into()),
        _ => Value::Null,
    };
    stack.pop();
    v
}

/// The `yaml-input` skeleton, as v2's `YAMLArgumentGenerator` dumps it
/// with ruamel.yaml: values as in the JSON skeleton (a blob as `!!binary
/// ''`), each member followed by a comment with `[REQUIRED]`, its
/// documentation's first sentence and its enum values. (ruamel puts two
/// spaces before the first comment of a mapping, one before the others.)
pub fn yaml_input(shape: &Value) -> String {
    let mut out = String::new();
    yaml_members(&mut out, shape, 0, "");
    out
}

/// Writes `shape`'s members at `indent`; the first line starts with
/// `first_prefix` (`- ` for a list item) in place of its indentation.
fn yaml_members(out: &mut String, shape: &Value, indent: usize, first_prefix: &str) {
    let required: Vec<&str> = shape["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let members = shape["members"].as_object().into_iter().flatten();
    for (i, (member, spec)) in members.enumerate() {
        let target = model::target(spec);
        let mut comment = Vec::new();
        if required.contains(&member.as_str()) {
            comment.push("[REQUIRED]".to_string());
        }
        let doc = spec["documentation"].as_str().or(target["documentation"].as_str()).unwrap_or_default();
        comment.push(crate::help::overview(doc));
        let enums: Vec<&str> = target["enum"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        if !enums.is_empty() {
            comment.push(format!("Valid values are: {}.", enums.join(", ")));
        }
        let comment = comment.join(" ");
        let value = match type_of(target) {
            "structure" | "list" | "map" => String::new(),
            "integer" | "long" => " 0".into(),
            "float" | "double" => " 0.0".into(),
            "boolean" => " true".into(),
            "blob" => " !!binary ''".into(),
            "timestamp" => " '1970-01-01T00:00:00'".into(),
            _ => enums.first().map_or_else(|| " ''".into(), |e| format!(" {e}")),
        };
        let lead = if i == 0 && !first_prefix.is_empty() {
            format!("{}{first_prefix}", " ".repeat(indent - first_prefix.len()))
        } else {
            " ".repeat(indent)
        };
        out.push_str(&format!("{lead}{member}:{value}"));
        if !comment.trim().is_empty() {
            out.push_str(if i == 0 { "  # " } else { " # " });
            out.push_str(&comment);
        }
        out.push('\n');
        match type_of(target) {
            "structure" => yaml_members(out, target, indent + 2, ""),
            "list" => {
                let element = model::target(&target["member"]);
                match type_of(element) {
                    "structure" => yaml_members(out, element, indent + 2, "- "),
                    "integer" | "long" => out.push_str(&format!("{}- 0\n", " ".repeat(indent))),
                    _ => out.push_str(&format!("{}- ''\n", " ".repeat(indent))),
                }
            }
            "map" => out.push_str(&format!("{}  KeyName: ''\n", " ".repeat(indent))),
            _ => {}
        }
    }
}
