//! `--output text`: `awscli/text.py`, tab-separated, one line per
//! object, identifiers in capitals for nested lists.

use super::python_str;
use serde_json::{Map, Value};

/// The value as the aws CLI's text formatter writes it.
pub fn text(v: &Value) -> String {
    let mut out = String::new();
    format_text(&mut out, v, None, None);
    out
}

fn is_scalar(v: &Value) -> bool {
    !matches!(v, Value::Object(_) | Value::Array(_))
}

fn format_text(out: &mut String, item: &Value, identifier: Option<&str>, scalar_keys: Option<&[String]>) {
    match item {
        Value::Object(map) => format_dict(out, scalar_keys, map, identifier),
        Value::Array(list) => format_list(out, list, identifier),
        scalar => {
            out.push_str(&python_str(scalar));
            out.push('\n');
        }
    }
}

fn format_list(out: &mut String, items: &[Value], identifier: Option<&str>) {
    if items.is_empty() {
        return;
    }
    if items.iter().any(Value::is_object) {
        let keys = all_scalar_keys(items);
        for element in items {
            format_text(out, element, identifier, Some(&keys));
        }
    } else if items.iter().any(Value::is_array) {
        let (scalars, others): (Vec<&Value>, Vec<&Value>) = items.iter().partition(|v| is_scalar(v));
        if !scalars.is_empty() {
            format_scalar_list(out, &scalars, identifier);
        }
        for other in others {
            format_text(out, other, identifier, None);
        }
    } else {
        format_scalar_list(out, &items.iter().collect::<Vec<_>>(), identifier);
    }
}

fn format_scalar_list(out: &mut String, items: &[&Value], identifier: Option<&str>) {
    match identifier {
        Some(id) => {
            for item in items {
                out.push_str(&format!("{}\t{}\n", id.to_uppercase(), python_str(item)));
            }
        }
        None => {
            out.push_str(&items.iter().map(|v| python_str(v)).collect::<Vec<_>>().join("\t"));
            out.push('\n');
        }
    }
}

fn format_dict(out: &mut String, scalar_keys: Option<&[String]>, item: &Map<String, Value>, identifier: Option<&str>) {
    let (mut scalars, non_scalars) = partition_dict(item, scalar_keys);
    if !scalars.is_empty() {
        if let Some(id) = identifier {
            scalars.insert(0, id.to_uppercase());
        }
        out.push_str(&scalars.join("\t"));
        out.push('\n');
    }
    for (key, value) in non_scalars {
        format_text(out, value, Some(key), None);
    }
}

fn all_scalar_keys(items: &[Value]) -> Vec<String> {
    let mut keys: Vec<String> = items
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|m| m.iter().filter(|(_, v)| is_scalar(v)).map(|(k, _)| k.clone()))
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Python sorts keys by code point, as Rust sorts `String`s.
fn partition_dict<'a>(
    item: &'a Map<String, Value>,
    scalar_keys: Option<&[String]>,
) -> (Vec<String>, Vec<(&'a str, &'a Value)>) {
    let mut scalars = Vec::new();
    let mut others = Vec::new();
    match scalar_keys {
        None => {
            let mut entries: Vec<(&String, &Value)> = item.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            for (k, v) in entries {
                if is_scalar(v) {
                    scalars.push(python_str(v));
                } else {
                    others.push((k.as_str(), v));
                }
            }
        }
        Some(keys) => {
            for k in keys {
                scalars.push(item.get(k).map_or_else(String::new, python_str));
            }
            let mut rest: Vec<&String> = item.keys().filter(|k| !keys.contains(k)).collect();
            rest.sort();
            for k in rest {
                others.push((k.as_str(), &item[k]));
            }
        }
    }
    (scalars, others)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn as_awscli_text() {
        let v = json!({"SecretList": [{"Name": "a", "ARN": "x", "Tags": [{"Key": "k", "Value": "v"}]}, {"Name": "b", "ARN": "y"}]});
        assert_eq!(text(&v), "SECRETLIST\tx\ta\nTAGS\tk\tv\nSECRETLIST\ty\tb\n");
        assert_eq!(
            text(&json!({"VersionStages": ["AWSCURRENT", "AWSPREVIOUS"]})),
            "VERSIONSTAGES\tAWSCURRENT\nVERSIONSTAGES\tAWSPREVIOUS\n"
        );
        assert_eq!(text(&json!(["a", "b"])), "a\tb\n");
        assert_eq!(text(&json!({"B": true, "N": 3})), "True\t3\n");
    }
}
