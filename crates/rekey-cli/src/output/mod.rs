//! The output formats, byte for byte as the aws CLI's formatters write
//! them: `json`, `text`, `table`, `yaml` and `yaml-stream`.

mod json;
mod table;
mod text;
mod yaml;

pub use json::json;
pub use table::{Style, table};
pub use text::text;
pub use yaml::{parse_yaml, yaml};

use serde_json::Value;

/// Python's `str()` of a JSON scalar: `True`, `None`, `1.5`, the string itself.
pub fn python_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        Value::Number(n) => python_number(n),
        other => json(other),
    }
}

/// A number as Python prints it (`repr` of a float: `1e+16`, `1.5`, `2.0`).
pub fn python_number(n: &serde_json::Number) -> String {
    if n.is_f64() {
        let f = n.as_f64().unwrap_or_default();
        if f.fract() == 0.0 && f.abs() < 1e16 {
            return format!("{f:.1}");
        }
        let s = n.to_string();
        // ryu writes `1e16` and `1e-7`; Python writes `1e+16` and `1e-07`.
        if let Some((mantissa, exp)) = s.split_once('e') {
            let (sign, digits) = exp.strip_prefix('-').map_or(("+", exp), |d| ("-", d));
            return format!("{mantissa}e{sign}{digits:0>2}");
        }
        s
    } else {
        n.to_string()
    }
}
