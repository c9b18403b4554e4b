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

/// The `yaml-input` skeleton: YAML with each field's type after it as a
/// comment, as aws CLI version 2 prints it.
pub fn yaml_input(shape: &Value) -> String {
    let mut out = String::new();
    yaml_members(&mut out, shape, 0);
    out
}

fn yaml_members(out: &mut String, shape: &Value, indent: usize) {
    let required: Vec<&str> = shape["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    for (member, spec) in shape["members"].as_object().into_iter().flatten() {
        let target = model::target(spec);
        let note = if required.contains(&member.as_str()) { " [REQUIRED]" } else { "" };
        let pad = " ".repeat(indent);
        match type_of(target) {
            "structure" => {
                out.push_str(&format!("{pad}{member}:{note}\n"));
                yaml_members(out, target, indent + 2);
            }
            "list" => {
                let element = model::target(&target["member"]);
                match type_of(element) {
                    "structure" => {
                        out.push_str(&format!("{pad}{member}:{note}\n{pad}- "));
                        let mut inner = String::new();
                        yaml_members(&mut inner, element, indent + 2);
                        out.push_str(inner.trim_start());
                    }
                    t => out.push_str(&format!("{pad}{member}:{note}\n{pad}- '{}'  # {t}.\n", "")),
                }
            }
            "map" => out.push_str(&format!("{pad}{member}:{note}\n{pad}  KeyName: ''  # map value.\n")),
            t => {
                let value = match t {
                    "integer" | "long" => "0".to_string(),
                    "boolean" => "true".to_string(),
                    _ => target["enum"]
                        .as_array()
                        .map(|e| e.iter().filter_map(Value::as_str).collect::<Vec<_>>().join("|"))
                        .map_or_else(
                            || "''".to_string(),
                            |choices| format!("{}  # Valid values are: {choices}.", "''"),
                        ),
                };
                let comment = if value.contains('#') { String::new() } else { format!("  # {t}.{note}") };
                out.push_str(&format!("{pad}{member}: {value}{comment}\n"));
            }
        }
    }
}
