//! Generates `crates/rekey-model/src/api/generated/` from the vendored
//! service model: one file per kind of shape. `operations.rs` (the
//! Operation enum, and `for_each_operation!`, the table the service's
//! dispatch is written from), `requests.rs` and `responses.rs` (each
//! operation's input and output), `types.rs` (enums and the structures
//! they share) and `errors.rs` (`ErrorCode`: the model's errors, then the
//! protocol's).

use serde_json::{Map, Value};
use std::fmt::Write;
use std::path::PathBuf;

/// botocore's `xform_name`, from the model crate's own file (this crate
/// cannot depend on the crate whose sources it generates).
#[path = "../../crates/rekey-model/src/api/xform.rs"]
mod xform;

/// The workspace root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The model with every object's keys sorted: the generated code is the
/// same whether or not serde_json keeps insertion order (the workspace
/// build turns `preserve_order` on for the CLI; a build of one crate
/// alone may not).
fn model() -> Value {
    let text = std::fs::read_to_string(root().join("spec/secretsmanager-service-2.json")).expect("the vendored model");
    sorted(serde_json::from_str(&text).expect("the vendored model is JSON"))
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
    let out = xform::xform_name(name, '_');
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
const FILES: [&str; 6] = ["operations.rs", "requests.rs", "responses.rs", "types.rs", "errors.rs", "constraints.rs"];

fn header(file: &str) -> String {
    let uses = match file {
        "operations.rs" | "errors.rs" => "",
        "constraints.rs" => "use crate::validation::{Constraints, Member};\n\n",
        _ => {
            "use super::*;\n\
              use crate::api::wire::{Blob, SensitiveString, Timestamp};\n\
              use serde::{Deserialize, Serialize};\n\
              use std::collections::BTreeMap;\n\n"
        }
    };
    format!(
        "// @generated from spec/secretsmanager-service-2.json by xtask/src/codegen.rs.\n\
         // Do not edit: run `cargo run -p xtask -- codegen`.\n\n{uses}"
    )
}

/// Which file a shape goes to.
fn file_of(name: &str, ops: &Map<String, Value>) -> &'static str {
    let is = |io: &str| ops.values().any(|op| op[io]["shape"].as_str() == Some(name));
    if is("input") {
        "requests.rs"
    } else if is("output") {
        "responses.rs"
    } else {
        "types.rs"
    }
}

/// Each generated file's name and content.
fn generate(model: &Value) -> Vec<(&'static str, String)> {
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
    dispatch_table(out, shapes, ops);
    error_codes(&mut files[4].1, shapes);
    constraints(&mut files[5].1, shapes);

    for (name, s) in shapes {
        let s = s.as_object().unwrap();
        if s.get("exception").and_then(Value::as_bool).unwrap_or(false) {
            continue; // errors are codes (`ErrorCode`), their bodies are the protocol's
        }
        let file = file_of(name, ops);
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
                writeln!(out, "\n/// Model structure `{name}`.").unwrap();
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

/// Errors outside the model: the protocol's and the front door's, with
/// what each means and its HTTP status (AWS's, as observed).
const PROTOCOL_ERRORS: &[(&str, &str, u16)] = &[
    ("ValidationException", "A model constraint was violated (framework error).", 400),
    ("AccessDeniedException", "The caller may not perform the operation.", 400),
    ("UnknownOperationException", "The `X-Amz-Target` names no operation.", 400),
    ("SerializationException", "The request body is not valid JSON of the right shape.", 400),
    ("ThrottlingException", "The request was refused for its rate.", 400),
    ("UnrecognizedClientException", "The access key is not known.", 400),
    ("InvalidSignatureException", "The request signature does not match.", 400),
    ("IncompleteSignatureException", "The Authorization header is incomplete.", 400),
    ("MissingAuthenticationTokenException", "The request carries no authentication.", 400),
    ("ExpiredTokenException", "The session token of temporary credentials has expired.", 400),
    ("RequestEntityTooLargeException", "The request body is larger than the server takes.", 413),
    ("RequestTimeoutException", "The request body did not arrive in time.", 408),
];

/// The model's errors whose HTTP status is not 400 (the model says none).
const MODEL_ERROR_STATUS: &[(&str, u16)] = &[("InternalServiceError", 500)];

/// The first sentence of a model documentation string, without its markup.
fn first_sentence(doc: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in doc.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.find(". ") {
        Some(end) => text[..=end].to_string(),
        None => text,
    }
}

/// `ErrorCode`: every error the service answers with, by `__type`.
fn error_codes(out: &mut String, shapes: &Map<String, Value>) {
    let mut codes: Vec<(String, String, u16)> = shapes
        .iter()
        .filter(|(_, s)| s["exception"].as_bool() == Some(true))
        .map(|(name, s)| {
            let status = MODEL_ERROR_STATUS.iter().find(|(n, _)| n == name).map_or(400, |(_, st)| *st);
            (name.clone(), first_sentence(s["documentation"].as_str().unwrap_or_default()), status)
        })
        .collect();
    codes.extend(PROTOCOL_ERRORS.iter().map(|(n, d, s)| (n.to_string(), d.to_string(), *s)));
    out.push_str("/// The `__type` of an error response: the model's errors, then those of\n/// the protocol and of the front door.\n");
    out.push_str("#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]\npub enum ErrorCode {\n");
    for (name, doc, _) in &codes {
        writeln!(out, "    /// {doc}\n    {name},").unwrap();
    }
    out.push_str("}\n\nimpl ErrorCode {\n    /// Every code.\n    pub const ALL: &'static [ErrorCode] = &[\n");
    for (name, _, _) in &codes {
        writeln!(out, "        ErrorCode::{name},").unwrap();
    }
    out.push_str("    ];\n\n    /// The error type name as sent in `__type`.\n    pub fn as_str(self) -> &'static str {\n        match self {\n");
    for (name, _, _) in &codes {
        writeln!(out, "            ErrorCode::{name} => \"{name}\",").unwrap();
    }
    out.push_str("        }\n    }\n\n    /// The HTTP status AWS answers with.\n    pub fn http_status(self) -> u16 {\n        match self {\n");
    for (name, _, status) in &codes {
        writeln!(out, "            ErrorCode::{name} => {status},").unwrap();
    }
    out.push_str("        }\n    }\n}\n");
}

/// `for_each_operation!`: hands a macro every operation as
/// `(Variant, method, output)`, the method its `snake_case` name and the
/// output `body` or `empty` (an operation whose model output is empty
/// answers `{}`), so that a dispatch can be written once for all.
fn dispatch_table(out: &mut String, shapes: &Map<String, Value>, ops: &Map<String, Value>) {
    out.push_str("\n/// Calls `$m!` with every operation as `(Variant, method, body | empty)`:\n");
    out.push_str("/// the table a dispatch is written from (see `rekey_service::dispatch`).\n");
    out.push_str("#[macro_export]\nmacro_rules! for_each_operation {\n    ($m:ident) => {\n        $m! {\n");
    for (name, op) in ops {
        let empty = op["output"]["shape"]
            .as_str()
            .is_none_or(|s| shape(shapes, s).get("members").and_then(Value::as_object).is_none_or(Map::is_empty));
        let output = if empty { "empty" } else { "body" };
        writeln!(out, "            ({name}, {}, {output}),", snake(name)).unwrap();
    }
    out.push_str("        }\n    };\n}\n");
}

/// `constraints()`: each shape's constraints as validation checks them,
/// so that no request walks the model's JSON.
fn constraints(out: &mut String, shapes: &Map<String, Value>) {
    let num = |s: &Map<String, Value>, k: &str| match s.get(k).and_then(Value::as_i64) {
        Some(n) => format!("Some({n})"),
        None => "None".into(),
    };
    let text = |v: &str| format!("{v:?}");
    out.push_str("/// The constraints of the model shape `name`.\npub fn constraints(name: &str) -> Option<&'static Constraints> {\n    Some(match name {\n");
    for (name, s) in shapes {
        let s = s.as_object().unwrap();
        let sensitive = s.get("sensitive").and_then(Value::as_bool).unwrap_or(false);
        let (min, max) = (num(s, "min"), num(s, "max"));
        let c = match s["type"].as_str().unwrap() {
            "structure" => {
                let required: Vec<&str> = s
                    .get("required")
                    .map(|r| r.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect())
                    .unwrap_or_default();
                let members: Vec<String> = s["members"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(m, def)| {
                        let mut path = m.clone();
                        path[..1].make_ascii_lowercase();
                        format!(
                            "Member {{ name: {}, path: {}, shape: {}, required: {} }}",
                            text(m),
                            text(&path),
                            text(def["shape"].as_str().unwrap()),
                            required.contains(&m.as_str())
                        )
                    })
                    .collect();
                format!("Constraints::Structure {{ members: &[{}] }}", members.join(", "))
            }
            "string" => {
                let values: Vec<String> = s
                    .get("enum")
                    .map(|e| e.as_array().unwrap().iter().map(|v| text(v.as_str().unwrap())).collect())
                    .unwrap_or_default();
                let pattern =
                    s.get("pattern").and_then(Value::as_str).map_or("None".into(), |p| format!("Some({})", text(p)));
                format!(
                    "Constraints::String {{ min: {min}, max: {max}, values: &[{}], pattern: {pattern}, sensitive: {sensitive} }}",
                    values.join(", ")
                )
            }
            "blob" => format!("Constraints::Blob {{ min: {min}, max: {max}, sensitive: {sensitive} }}"),
            "long" | "integer" => format!("Constraints::Number {{ min: {min}, max: {max}, sensitive: {sensitive} }}"),
            "boolean" => "Constraints::Boolean".into(),
            "timestamp" => "Constraints::Timestamp".into(),
            "list" => format!(
                "Constraints::List {{ min: {min}, max: {max}, member: {}, sensitive: {sensitive} }}",
                text(s["member"]["shape"].as_str().unwrap())
            ),
            "map" => format!(
                "Constraints::Map {{ value: {}, sensitive: {sensitive} }}",
                text(s["value"]["shape"].as_str().unwrap())
            ),
            other => panic!("unhandled shape type {other}"),
        };
        writeln!(out, "        {} => &{c},", text(name)).unwrap();
    }
    out.push_str("        _ => return None,\n    })\n}\n");
    let mut patterns: Vec<&str> = shapes.values().filter_map(|s| s["pattern"].as_str()).collect();
    patterns.sort();
    patterns.dedup();
    out.push_str("\n/// Every pattern of the model, once.\npub const PATTERNS: &[&str] = &[\n");
    for p in patterns {
        writeln!(out, "    {},", text(p)).unwrap();
    }
    out.push_str("];\n");
}

/// Where the generated files go.
fn generated_dir() -> PathBuf {
    root().join("crates/rekey-model/src/api/generated")
}

/// Writes the generated files; their paths.
pub fn write() -> std::io::Result<Vec<String>> {
    let mut written = Vec::new();
    for (file, content) in generate(&model()) {
        let path = generated_dir().join(file);
        std::fs::write(&path, content)?;
        written.push(path.display().to_string());
    }
    Ok(written)
}

/// The generated files whose committed content is not what the model
/// generates.
pub fn stale() -> Vec<&'static str> {
    generate(&model())
        .into_iter()
        .filter(|(file, content)| std::fs::read_to_string(generated_dir().join(file)).ok().as_ref() != Some(content))
        .map(|(file, _)| file)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_files_are_what_the_model_generates() {
        let stale = stale();
        assert!(stale.is_empty(), "stale: {} (run `cargo run -p xtask -- codegen`)", stale.join(", "));
    }

    #[test]
    fn every_operation_member_and_error_has_a_type() {
        // Independent of the generator: walk the model and look for each
        // operation, structure, member and error in the committed source.
        let m = model();
        let src: String =
            FILES.iter().map(|f| std::fs::read_to_string(generated_dir().join(f)).unwrap_or_default()).collect();
        let shapes = m["shapes"].as_object().unwrap();
        for (op, def) in m["operations"].as_object().unwrap() {
            assert!(src.contains(&format!("Operation::{op} => \"{op}\"")), "operation {op}");
            assert!(src.contains(&format!("({op}, ")), "dispatch of {op}");
            for io in ["input", "output"] {
                let Some(shape) = def[io]["shape"].as_str() else {
                    continue;
                };
                assert!(src.contains(&format!("pub struct {shape} {{")), "{op} {io} {shape}");
            }
        }
        for (name, s) in shapes {
            if s["exception"] == true {
                assert!(src.contains(&format!("ErrorCode::{name} => \"{name}\"")), "error {name}");
            } else if s["type"] == "structure" {
                let start = src.find(&format!("pub struct {name} {{")).unwrap_or_else(|| panic!("struct {name}"));
                let body = &src[start..start + src[start..].find("\n}\n").unwrap()];
                for member in s["members"].as_object().unwrap().keys() {
                    assert!(body.contains(&format!("rename = \"{member}\"")), "{name}.{member}");
                }
            }
        }
        assert_eq!(m["operations"].as_object().unwrap().len(), 26);
    }
}
