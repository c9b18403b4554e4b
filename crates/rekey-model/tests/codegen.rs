//! Generates `src/api/generated/*.rs` from the vendored service model and
//! checks that the committed files are exactly what the model produces. This
//! is the proof that every operation and every member of the model has a
//! Rust type. One file per kind of shape: `operations.rs` (the Operation
//! enum), `requests.rs` and `responses.rs` (each operation's input and
//! output), `types.rs` (enums and the structures they share) and
//! `errors.rs` (the model's exception structures).
//!
//! Regenerate with `REKEY_REGENERATE=1 cargo test -p rekey-model --test codegen`.

use serde_json::{Map, Value};
use std::fmt::Write;
use std::path::PathBuf;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The model with every object's keys sorted: the generated code is the
/// same whether or not serde_json keeps insertion order (the workspace
/// build turns `preserve_order` on for the CLI; a build of this crate
/// alone does not).
fn model() -> Value {
    let path = root().join("../../spec/secretsmanager-service-2.json");
    sorted(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
}

fn sorted(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut entries: Vec<(String, Value)> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted).collect()),
        v => v,
    }
}

/// `VersionIdsToStages` -> `version_ids_to_stages`, `RotationLambdaARN` -> `rotation_lambda_arn`.
fn snake(name: &str) -> String {
    let out = rekey_model::api::xform_name(name, '_');
    match out.as_str() {
        "type" => "r#type".to_string(),
        _ => out,
    }
}

/// `tag-key` -> `TagKey`, `asc` -> `Asc`, `InSync` -> `InSync`.
fn variant(value: &str) -> String {
    value
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            let first = cs.next().unwrap().to_ascii_uppercase();
            std::iter::once(first).chain(cs).collect::<String>()
        })
        .collect()
}

fn shape<'a>(shapes: &'a Map<String, Value>, name: &str) -> &'a Map<String, Value> {
    shapes[name].as_object().unwrap()
}

/// The Rust type of a reference to shape `name`.
fn rust_type(shapes: &Map<String, Value>, name: &str) -> String {
    let s = shape(shapes, name);
    let sensitive = s.get("sensitive").and_then(Value::as_bool).unwrap_or(false);
    match s["type"].as_str().unwrap() {
        "string" if s.contains_key("enum") => name.to_string(),
        "string" if sensitive => "SensitiveString".into(),
        "string" => "String".into(),
        "blob" => "Blob".into(),
        "boolean" => "bool".into(),
        "long" => "i64".into(),
        "integer" => "i32".into(),
        "timestamp" => "Timestamp".into(),
        "structure" => name.to_string(),
        "list" => format!("Vec<{}>", rust_type(shapes, s["member"]["shape"].as_str().unwrap())),
        "map" => format!(
            "BTreeMap<{}, {}>",
            rust_type(shapes, s["key"]["shape"].as_str().unwrap()),
            rust_type(shapes, s["value"]["shape"].as_str().unwrap())
        ),
        other => panic!("unhandled shape type {other}"),
    }
}

fn has_enum_member(shapes: &Map<String, Value>, s: &Map<String, Value>, required: &[&str]) -> bool {
    s["members"].as_object().unwrap().iter().any(|(m, v)| {
        required.contains(&m.as_str()) && shape(shapes, v["shape"].as_str().unwrap()).contains_key("enum")
    })
}

/// The files generated, in order.
const FILES: [&str; 5] = ["operations.rs", "requests.rs", "responses.rs", "types.rs", "errors.rs"];

fn header(file: &str) -> String {
    let uses = match file {
        "operations.rs" => "",
        _ => {
            "use super::*;\n\
              use crate::api::wire::{Blob, SensitiveString, Timestamp};\n\
              use serde::{Deserialize, Serialize};\n\
              use std::collections::BTreeMap;\n\n"
        }
    };
    format!(
        "// @generated from spec/secretsmanager-service-2.json by crates/rekey-model/tests/codegen.rs.\n\
         // Do not edit: run `REKEY_REGENERATE=1 cargo test -p rekey-model --test codegen`.\n\n{uses}"
    )
}

/// Which file a shape goes to.
fn file_of(name: &str, s: &Map<String, Value>, ops: &Map<String, Value>) -> &'static str {
    let is = |io: &str| ops.values().any(|op| op[io]["shape"].as_str() == Some(name));
    if s.get("exception").and_then(Value::as_bool).unwrap_or(false) {
        "errors.rs"
    } else if is("input") {
        "requests.rs"
    } else if is("output") {
        "responses.rs"
    } else {
        "types.rs"
    }
}

/// Each generated file's name and content.
pub fn generate(model: &Value) -> Vec<(&'static str, String)> {
    let shapes = model["shapes"].as_object().unwrap();
    let ops = model["operations"].as_object().unwrap();
    let mut files: Vec<(&'static str, String)> = FILES.iter().map(|f| (*f, header(f))).collect();
    let out = &mut files[0].1;

    // Operations.
    out.push_str("/// Every operation of the Secrets Manager service model.\n");
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum Operation {\n");
    for name in ops.keys() {
        writeln!(out, "    {name},").unwrap();
    }
    out.push_str("}\n\nimpl Operation {\n    /// All operations, in model order.\n    pub const ALL: &'static [Operation] = &[\n");
    for name in ops.keys() {
        writeln!(out, "        Operation::{name},").unwrap();
    }
    out.push_str("    ];\n\n    /// The operation name as it appears in `X-Amz-Target`.\n    pub fn name(self) -> &'static str {\n        match self {\n");
    for name in ops.keys() {
        writeln!(out, "            Operation::{name} => \"{name}\",").unwrap();
    }
    out.push_str("        }\n    }\n\n    /// The IAM action that authorizes it (`secretsmanager:<name>`).\n    pub fn action(self) -> &'static str {\n        match self {\n");
    for name in ops.keys() {
        writeln!(out, "            Operation::{name} => \"secretsmanager:{name}\",").unwrap();
    }
    out.push_str("        }\n    }\n\n    /// Looks an operation up by its name.\n    pub fn from_name(name: &str) -> Option<Operation> {\n        match name {\n");
    for name in ops.keys() {
        writeln!(out, "            \"{name}\" => Some(Operation::{name}),").unwrap();
    }
    out.push_str("            _ => None,\n        }\n    }\n\n    /// The model shape of the operation's input.\n    pub fn input_shape(self) -> &'static str {\n        match self {\n");
    for (name, op) in ops {
        writeln!(out, "            Operation::{name} => \"{}\",", op["input"]["shape"].as_str().unwrap()).unwrap();
    }
    out.push_str("        }\n    }\n\n    /// The model shape of the operation's output (`None`: an empty body).\n    pub fn output_shape(self) -> Option<&'static str> {\n        match self {\n");
    for (name, op) in ops {
        match op["output"]["shape"].as_str() {
            Some(shape) => writeln!(out, "            Operation::{name} => Some(\"{shape}\"),").unwrap(),
            None => writeln!(out, "            Operation::{name} => None,").unwrap(),
        }
    }
    out.push_str("        }\n    }\n}\n");

    for (name, s) in shapes {
        let s = s.as_object().unwrap();
        let file = file_of(name, s, ops);
        let out = &mut files.iter_mut().find(|(f, _)| *f == file).unwrap().1;
        match s["type"].as_str().unwrap() {
            "string" if s.contains_key("enum") => {
                writeln!(out, "\n/// Model enum `{name}`.").unwrap();
                out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]\n");
                writeln!(out, "pub enum {name} {{").unwrap();
                let values: Vec<&str> = s["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
                for v in &values {
                    writeln!(out, "    #[serde(rename = \"{v}\")]\n    {},", variant(v)).unwrap();
                }
                out.push_str("}\n");
                writeln!(out, "\nimpl {name} {{\n    /// The value as it travels on the wire.\n    pub fn as_str(self) -> &'static str {{\n        match self {{").unwrap();
                for v in &values {
                    writeln!(out, "            {name}::{} => \"{v}\",", variant(v)).unwrap();
                }
                out.push_str("        }\n    }\n}\n");
            }
            "structure" => {
                let required: Vec<&str> = s
                    .get("required")
                    .map(|r| r.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect())
                    .unwrap_or_default();
                let exception = s.get("exception").and_then(Value::as_bool).unwrap_or(false);
                let kind = if exception { "error" } else { "structure" };
                writeln!(out, "\n/// Model {kind} `{name}`.").unwrap();
                let default = if has_enum_member(shapes, s, &required) { "" } else { "Default, " };
                writeln!(out, "#[derive(Debug, Clone, {default}PartialEq, Serialize, Deserialize)]").unwrap();
                writeln!(out, "pub struct {name} {{").unwrap();
                for (member, m) in s["members"].as_object().unwrap() {
                    let target = m["shape"].as_str().unwrap();
                    let ty = rust_type(shapes, target);
                    if required.contains(&member.as_str()) {
                        writeln!(out, "    #[serde(rename = \"{member}\")]\n    pub {}: {ty},", snake(member)).unwrap();
                    } else {
                        writeln!(
                            out,
                            "    #[serde(rename = \"{member}\", default, skip_serializing_if = \"Option::is_none\")]\n    pub {}: Option<{ty}>,",
                            snake(member)
                        )
                        .unwrap();
                    }
                }
                out.push_str("}\n");
            }
            _ => {}
        }
    }
    files
}

fn generated_dir() -> PathBuf {
    root().join("src/api/generated")
}

/// The committed generated sources, concatenated.
fn committed_sources() -> String {
    FILES.iter().map(|f| std::fs::read_to_string(generated_dir().join(f)).unwrap_or_default()).collect()
}

#[test]
fn generated_types_match_the_service_model() {
    for (file, generated) in generate(&model()) {
        let path = generated_dir().join(file);
        if std::env::var_os("REKEY_REGENERATE").is_some() {
            std::fs::write(&path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "src/api/generated/{file} is stale: run REKEY_REGENERATE=1 cargo test -p rekey-model --test codegen"
        );
    }
}

#[test]
fn every_operation_and_member_has_a_type() {
    // Independent of the generator: walk the model and look for each
    // operation, structure and member in the committed source.
    let m = model();
    let src = committed_sources();
    let shapes = m["shapes"].as_object().unwrap();
    for (op, def) in m["operations"].as_object().unwrap() {
        assert!(src.contains(&format!("Operation::{op} => \"{op}\"")), "operation {op}");
        for io in ["input", "output"] {
            let Some(shape) = def[io]["shape"].as_str() else {
                continue;
            };
            assert!(src.contains(&format!("pub struct {shape} {{")), "{op} {io} {shape}");
        }
    }
    for (name, s) in shapes {
        if s["type"] == "structure" {
            let start = src.find(&format!("pub struct {name} {{")).unwrap_or_else(|| panic!("struct {name}"));
            let body = &src[start..start + src[start..].find("\n}\n").unwrap()];
            for member in s["members"].as_object().unwrap().keys() {
                assert!(body.contains(&format!("rename = \"{member}\"")), "{name}.{member}");
            }
        }
    }
    assert_eq!(m["operations"].as_object().unwrap().len(), 26);
}
