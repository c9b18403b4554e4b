//! `--output json`: Python's `json.dumps(indent=4, ensure_ascii=False)`.

use serde_json::Value;

/// The value as the aws CLI prints it, with a final newline.
pub fn json(v: &Value) -> String {
    let mut out = String::new();
    write(&mut out, v, 0);
    out.push('\n');
    out
}

fn write(out: &mut String, v: &Value, depth: usize) {
    let pad = |out: &mut String, d: usize| out.extend(std::iter::repeat_n(' ', 4 * d));
    match v {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                pad(out, depth + 1);
                out.push_str(&serde_json::to_string(k).expect("a string serializes"));
                out.push_str(": ");
                write(out, v, depth + 1);
            }
            out.push('\n');
            pad(out, depth);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                pad(out, depth + 1);
                write(out, v, depth + 1);
            }
            out.push('\n');
            pad(out, depth);
            out.push(']');
        }
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
        Value::Number(n) => out.push_str(&super::python_number(n)),
        other => out.push_str(&serde_json::to_string(other).expect("a scalar serializes")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indented_as_python() {
        let v = json!({"Name": "a", "Tags": [], "M": {}, "L": [1, {"K": "é\n"}], "B": true, "N": null});
        assert_eq!(
            json(&v),
            "{\n    \"Name\": \"a\",\n    \"Tags\": [],\n    \"M\": {},\n    \"L\": [\n        1,\n        {\n            \"K\": \"é\\n\"\n        }\n    ],\n    \"B\": true,\n    \"N\": null\n}\n"
        );
    }
}
