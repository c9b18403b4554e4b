//! The output formats, byte for byte as the aws CLI's formatters write
//! them: `json`, `text`, `table`, `yaml` and `yaml-stream`.

mod json;
mod table;
mod text;
mod wide;
mod yaml;

pub use json::json;
pub use table::{Style, table};
pub use text::text;
pub use yaml::yaml;

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
        // serde_json writes `1e16`, `1e+21` or `1e-7`; Python writes `1e+16`, `1e+21` and `1e-07`.
        if let Some((mantissa, exp)) = s.split_once('e') {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ("-", d),
                None => ("+", exp.trim_start_matches('+')),
            };
            return format!("{mantissa}e{sign}{digits:0>2}");
        }
        s
    } else {
        n.to_string()
    }
}
