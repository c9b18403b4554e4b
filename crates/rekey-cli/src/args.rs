//! The command line: the aws CLI's global options, then one operation's
//! options, generated from its input shape (kebab-case names, typed by
//! shape: `--x VALUE`, `--x/--no-x` for booleans, several values for
//! lists, shorthand or JSON for structures, `file://` and `fileb://`).

use crate::error::{CliError, ErrorFormat, usage};
use crate::model::{self, Operation, type_of, xform_name};
use crate::paramfile;
use crate::shorthand;
use serde_json::{Map, Value};

/// The global options (`aws` version 2's, all of which `rekey` honours).
#[derive(Debug, Default, Clone)]
pub struct Globals {
    /// `--debug`: log the request and response (redacted) to stderr.
    pub debug: bool,
    /// `--endpoint-url`.
    pub endpoint_url: Option<String>,
    /// `--no-verify-ssl`.
    pub no_verify_ssl: bool,
    /// `--no-paginate`: one page only.
    pub no_paginate: bool,
    /// `--output`.
    pub output: Option<String>,
    /// `--query`.
    pub query: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--region`.
    pub region: Option<String>,
    /// `--version`.
    pub version: bool,
    /// `--color on|off|auto`.
    pub color: Option<String>,
    /// `--no-sign-request`.
    pub no_sign_request: bool,
    /// `--ca-bundle`.
    pub ca_bundle: Option<String>,
    /// `--cli-read-timeout` (seconds; 0 blocks forever).
    pub read_timeout: Option<u64>,
    /// `--cli-connect-timeout` (seconds; 0 blocks forever).
    pub connect_timeout: Option<u64>,
    /// `--cli-binary-format base64|raw-in-base64-out`.
    pub binary_format: Option<String>,
    /// `--no-cli-pager`.
    pub no_pager: bool,
    /// `--cli-auto-prompt` (`Some(true)`) or `--no-cli-auto-prompt`.
    pub auto_prompt: Option<bool>,
    /// `--cli-error-format`.
    pub error_format: Option<String>,
}

/// A parsed command line.
#[derive(Debug, Default)]
pub struct CommandLine {
    /// The global options.
    pub globals: Globals,
    /// The command (`rotate-secret`), if one was given.
    pub command: Option<String>,
    /// `help` after the command (or alone).
    pub help: bool,
    /// Each operation option as given: option name → raw values.
    pub options: Vec<(String, Vec<String>)>,
}

/// Options that take no value.
const GLOBAL_FLAGS: [&str; 8] = [
    "--debug",
    "--no-verify-ssl",
    "--no-paginate",
    "--version",
    "--no-sign-request",
    "--no-cli-pager",
    "--cli-auto-prompt",
    "--no-cli-auto-prompt",
];
/// Options that take one value.
const GLOBAL_VALUES: [&str; 11] = [
    "--endpoint-url",
    "--output",
    "--query",
    "--profile",
    "--region",
    "--color",
    "--ca-bundle",
    "--cli-read-timeout",
    "--cli-connect-timeout",
    "--cli-binary-format",
    "--cli-error-format",
];

fn looks_like_option(s: &str) -> bool {
    s.starts_with("--") && s.len() > 2
}

/// Splits `args` (what follows `secretsmanager`) into global options, the
/// command and its raw options. Global options may come anywhere.
pub fn split(args: &[String]) -> Result<CommandLine, CliError> {
    let mut cl = CommandLine::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if !looks_like_option(arg) {
            match (&cl.command, arg.as_str()) {
                (_, "help") => cl.help = true,
                (None, _) => cl.command = Some(arg.clone()),
                (Some(_), _) => return Err(CliError::UnknownOptions(vec![arg.clone()])),
            }
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (arg.clone(), None),
        };
        if GLOBAL_FLAGS.contains(&name.as_str()) {
            let g = &mut cl.globals;
            match name.as_str() {
                "--debug" => g.debug = true,
                "--no-verify-ssl" => g.no_verify_ssl = true,
                "--no-paginate" => g.no_paginate = true,
                "--version" => g.version = true,
                "--no-sign-request" => g.no_sign_request = true,
                "--no-cli-pager" => g.no_pager = true,
                "--cli-auto-prompt" => g.auto_prompt = Some(true),
                _ => g.auto_prompt = Some(false),
            }
            continue;
        }
        if GLOBAL_VALUES.contains(&name.as_str()) {
            let value = match inline {
                Some(v) => v,
                None if i < args.len() => {
                    i += 1;
                    args[i - 1].clone()
                }
                None => return Err(usage(format!("argument {name}: expected one argument"))),
            };
            set_global(&mut cl.globals, &name, value)?;
            continue;
        }
        // An operation option: one value, or several until the next option.
        let mut values: Vec<String> = inline.into_iter().collect();
        if values.is_empty() {
            while i < args.len() && !looks_like_option(&args[i]) && !(args[i] == "help" && i + 1 == args.len()) {
                values.push(args[i].clone());
                i += 1;
            }
        }
        cl.options.push((name, values));
    }
    Ok(cl)
}

fn set_global(g: &mut Globals, name: &str, value: String) -> Result<(), CliError> {
    let seconds = |v: &str| v.parse::<u64>().map_err(|_| usage(format!("argument {name}: invalid int value: '{v}'")));
    match name {
        "--endpoint-url" => g.endpoint_url = Some(value),
        "--output" => g.output = Some(choice(name, value, &OUTPUT_FORMATS)?),
        "--query" => g.query = Some(value),
        "--profile" => g.profile = Some(value),
        "--region" => g.region = Some(value),
        "--color" => g.color = Some(choice(name, value, &["on", "off", "auto"])?),
        "--ca-bundle" => g.ca_bundle = Some(value),
        "--cli-read-timeout" => g.read_timeout = Some(seconds(&value)?),
        "--cli-connect-timeout" => g.connect_timeout = Some(seconds(&value)?),
        "--cli-binary-format" => g.binary_format = Some(choice(name, value, &["base64", "raw-in-base64-out"])?),
        "--cli-error-format" => g.error_format = Some(choice(name, value, &ErrorFormat::CHOICES)?),
        _ => unreachable!("every global value option is handled"),
    }
    Ok(())
}

/// The output formats (`off` prints nothing).
pub const OUTPUT_FORMATS: [&str; 6] = ["json", "text", "table", "yaml", "yaml-stream", "off"];

/// `value` if it is one of `choices`, else argparse's invalid choice error.
fn choice(name: &str, value: String, choices: &[&str]) -> Result<String, CliError> {
    if choices.contains(&value.as_str()) {
        Ok(value)
    } else {
        Err(crate::error::invalid_choice(name, &value, choices.iter().copied()))
    }
}

/// How `--cli-binary-format` says blobs are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryFormat {
    /// Values are base64 (version 2's default).
    Base64,
    /// Values are raw bytes, base64-encoded for the wire.
    RawInBase64Out,
}

/// The CLI-only options every operation takes, besides its members.
pub const INPUT_OPTIONS: [&str; 3] = ["--cli-input-json", "--cli-input-yaml", "--generate-cli-skeleton"];
/// The paging options of a paginated operation.
pub const PAGING_OPTIONS: [&str; 3] = ["--starting-token", "--page-size", "--max-items"];

/// The operation's options, typed: what goes in the request body, and
/// the CLI-only options.
#[derive(Debug, Default)]
pub struct OperationArgs {
    /// Request members set on the command line.
    pub params: Map<String, Value>,
    /// `--cli-input-json` / `--cli-input-yaml` text.
    pub input_json: Option<String>,
    /// Whether the input text is YAML.
    pub input_is_yaml: bool,
    /// `--generate-cli-skeleton [input|yaml-input|output]`.
    pub skeleton: Option<String>,
    /// `--starting-token`.
    pub starting_token: Option<String>,
    /// `--page-size`.
    pub page_size: Option<i64>,
    /// `--max-items`.
    pub max_items: Option<i64>,
}

impl OperationArgs {
    /// Whether a paging option was given.
    pub fn gave(&self, option: &str) -> bool {
        match option {
            "--starting-token" => self.starting_token.is_some(),
            "--page-size" => self.page_size.is_some(),
            "--max-items" => self.max_items.is_some(),
            _ => false,
        }
    }
}

/// Types each raw option by the operation's input shape.
pub fn operation_args(
    op: Operation,
    options: &[(String, Vec<String>)],
    binary: BinaryFormat,
) -> Result<OperationArgs, CliError> {
    let mut out = OperationArgs::default();
    let mut unknown = Vec::new();
    let one = |name: &str, values: &[String]| -> Result<String, CliError> {
        match values {
            [v] => Ok(v.clone()),
            [] => Err(usage(format!("argument {name}: expected one argument"))),
            [_, extra @ ..] => Err(CliError::UnknownOptions(extra.to_vec())),
        }
    };
    let int = |name: &str, v: String| {
        v.parse::<i64>().map_err(|_| usage(format!("argument {name}: invalid int value: '{v}'")))
    };
    for (given, values) in options {
        let name = &canonical(op, given)?;
        match name.as_str() {
            "--cli-input-json" | "--cli-input-yaml" => {
                if out.input_json.is_some() {
                    return Err(CliError::Validation("Only one --cli-input- parameter may be specified.".into()));
                }
                let raw = one(name, values)?;
                out.input_json = Some(paramfile::text(name, &raw)?.unwrap_or(raw));
                out.input_is_yaml = name == "--cli-input-yaml";
                continue;
            }
            "--generate-cli-skeleton" => {
                let kind = match values.as_slice() {
                    [] => "input".to_string(),
                    [v] => choice(name, v.clone(), &["input", "output", "yaml-input"])?,
                    [_, extra @ ..] => return Err(CliError::UnknownOptions(extra.to_vec())),
                };
                out.skeleton = Some(kind);
                continue;
            }
            "--starting-token" | "--page-size" | "--max-items" if op.paginator().is_some() => {
                let v = one(name, values)?;
                match name.as_str() {
                    "--starting-token" => out.starting_token = Some(v),
                    "--page-size" => out.page_size = Some(int(name, v)?),
                    _ => out.max_items = Some(int(name, v)?),
                }
                continue;
            }
            _ => {}
        }
        let Some((member, shape, negated)) = find_member(op, name) else {
            unknown.push(name.clone());
            unknown.extend(values.iter().cloned());
            continue;
        };
        let value = if type_of(shape) == "boolean" {
            if !values.is_empty() {
                unknown.extend(values.iter().cloned());
                continue;
            }
            Value::Bool(!negated)
        } else {
            if values.is_empty() {
                return Err(usage(format!("argument {name}: expected one argument")));
            }
            value_of(name, shape, values, binary)?
        };
        out.params.insert(member.to_string(), value);
    }
    if !unknown.is_empty() {
        return Err(CliError::UnknownOptions(unknown));
    }
    Ok(out)
}

/// Every option of `op`, in the order argparse is given them: the
/// members (a boolean as `--x` and `--no-x`), then the CLI's own.
fn option_names(op: Operation) -> Vec<String> {
    let mut names = Vec::new();
    for (member, m) in op.members() {
        let kebab = xform_name(member);
        names.push(format!("--{kebab}"));
        if type_of(model::target(m)) == "boolean" {
            names.push(format!("--no-{kebab}"));
        }
    }
    names.extend(["--cli-input-json", "--cli-input-yaml"].map(String::from));
    if op.paginator().is_some() {
        names.extend(PAGING_OPTIONS.map(String::from));
    }
    names.push("--generate-cli-skeleton".into());
    names
}

/// The option `given` stands for: itself, or the one option it is an
/// abbreviation of (argparse's `allow_abbrev`); ambiguous is an error.
fn canonical(op: Operation, given: &str) -> Result<String, CliError> {
    let names = option_names(op);
    if names.iter().any(|n| n == given) {
        return Ok(given.to_string());
    }
    let matches: Vec<&String> = names.iter().filter(|n| n.starts_with(given)).collect();
    match matches.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Ok(given.to_string()),
        many => Err(usage(format!(
            "ambiguous option: {given} could match {}",
            many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// The member an option names (`--rotate-immediately` or, for a
/// boolean, `--no-rotate-immediately`).
fn find_member(op: Operation, option: &str) -> Option<(&'static str, &'static Value, bool)> {
    let name = option.strip_prefix("--")?;
    for (member, m) in op.members() {
        let shape = model::target(m);
        let kebab = xform_name(member);
        if kebab == name {
            return Some((member, shape, false));
        }
        if type_of(shape) == "boolean" && name.strip_prefix("no-") == Some(kebab.as_str()) {
            return Some((member, shape, true));
        }
    }
    None
}

/// One option's value, typed by its shape.
fn value_of(name: &str, shape: &Value, values: &[String], binary: BinaryFormat) -> Result<Value, CliError> {
    let bad = |msg: String| CliError::Validation(format!("Error parsing parameter '{name}': {msg}"));
    // What Python could not convert (`int('abc')`) fails as v2's does: exit 255.
    let convert = CliError::Other;
    let kind = type_of(shape);
    if kind != "list" && values.len() > 1 {
        return Err(CliError::UnknownOptions(values[1..].to_vec()));
    }
    match kind {
        "blob" => {
            let raw = &values[0];
            let bytes = match paramfile::bytes(name, raw)? {
                Some(b) => return Ok(Value::String(base64_encode(&b))),
                None => paramfile::text(name, raw)?.unwrap_or_else(|| raw.clone()),
            };
            Ok(Value::String(match binary {
                BinaryFormat::RawInBase64Out => base64_encode(bytes.as_bytes()),
                BinaryFormat::Base64 => {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD.decode(bytes.trim()).map_err(|_| {
                        CliError::Other(format!(
                            "Invalid base64: \"{}\"",
                            if crate::validate::is_sensitive(shape) {
                                crate::validate::REDACTED.to_string()
                            } else if bytes.len() > 20 {
                                format!("{}...", &bytes[..bytes.floor_char_boundary(20)])
                            } else {
                                bytes.clone()
                            }
                        ))
                    })?;
                    bytes.trim().to_string()
                }
            }))
        }
        "structure" | "map" => {
            let raw = paramfile::resolve(name, &values[0])?;
            // JSON is taken as written (botocore then checks its types);
            // shorthand's strings are converted by the model.
            if raw.trim_start().starts_with('{') {
                return serde_json::from_str::<Value>(&raw)
                    .map_err(|e| bad(format!("Invalid JSON: {e}\nJSON received: {raw}")));
            }
            shorthand::typed(shape, shorthand::parse(&raw).map_err(|e| bad(e.0))?).map_err(convert)
        }
        "list" => {
            let element = model::target(&shape["member"]);
            let first = paramfile::resolve(name, &values[0])?;
            if values.len() == 1 && first.trim_start().starts_with('[') {
                return serde_json::from_str::<Value>(&first)
                    .map_err(|e| bad(format!("Invalid JSON: {e}\nJSON received: {first}")));
            }
            let mut items = Vec::new();
            for raw in values {
                let raw = paramfile::resolve(name, raw)?;
                let item = match type_of(element) {
                    "structure" | "map" if raw.trim_start().starts_with('{') => serde_json::from_str::<Value>(&raw)
                        .map_err(|e| bad(format!("Invalid JSON: {e}\nJSON received: {raw}")))?,
                    "structure" | "map" => {
                        shorthand::typed(element, shorthand::parse(&raw).map_err(|e| bad(e.0))?).map_err(convert)?
                    }
                    _ => shorthand::typed(element, Value::String(raw)).map_err(convert)?,
                };
                items.push(item);
            }
            Ok(Value::Array(items))
        }
        "string" if values[0].starts_with("fileb://") => {
            // Bytes where text belongs: botocore's type error, shown as Python shows bytes.
            let bytes = paramfile::bytes(name, &values[0])?.unwrap_or_default();
            let member = model_member_name(name);
            let shown = if crate::validate::is_sensitive(shape) {
                crate::validate::REDACTED.to_string()
            } else {
                python_bytes(&bytes)
            };
            Err(CliError::Validation(format!(
                "Parameter validation failed:\nInvalid type for parameter {member}, value: {shown}, type: <class 'bytes'>, valid types: <class 'str'>"
            )))
        }
        _ => {
            let raw = paramfile::resolve(name, &values[0])?;
            shorthand::typed(shape, Value::String(raw)).map_err(convert)
        }
    }
}

/// The member an option stands for (`--secret-string` → `SecretString`).
fn model_member_name(option: &str) -> String {
    option
        .trim_start_matches("--")
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
        })
        .collect()
}

/// Python's `repr` of bytes: `b'abc'`, `b'\x00\n'`.
fn python_bytes(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') { '"' } else { '\'' };
    let mut out = format!("b{quote}");
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b if b as char == quote => {
                out.push('\\');
                out.push(quote);
            }
            0x20..=0x7e => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote);
    out
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn strings(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn globals_anywhere_and_options_typed() {
        let cl = split(&strings(&[
            "--region",
            "eu-west-1",
            "rotate-secret",
            "--secret-id",
            "app",
            "--output=text",
            "--rotation-rules",
            "AutomaticallyAfterDays=7",
            "--no-rotate-immediately",
        ]))
        .unwrap();
        assert_eq!(cl.globals.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            split(&strings(&["--no-cli-auto-prompt", "list-secrets"])).unwrap().globals.auto_prompt,
            Some(false)
        );
        assert_eq!(cl.globals.output.as_deref(), Some("text"));
        assert_eq!(cl.command.as_deref(), Some("rotate-secret"));
        let op = Operation::by_command("rotate-secret").unwrap();
        let args = operation_args(op, &cl.options, BinaryFormat::Base64).unwrap();
        assert_eq!(
            Value::Object(args.params),
            json!({"SecretId": "app", "RotationRules": {"AutomaticallyAfterDays": 7}, "RotateImmediately": false})
        );
    }

    #[test]
    fn lists_take_several_values_or_json() {
        let op = Operation::by_command("tag-resource").unwrap();
        let cl = split(&strings(&["tag-resource", "--secret-id", "a", "--tags", "Key=k1,Value=v1", "Key=k2,Value=v2"]))
            .unwrap();
        let args = operation_args(op, &cl.options, BinaryFormat::Base64).unwrap();
        assert_eq!(args.params["Tags"], json!([{"Key": "k1", "Value": "v1"}, {"Key": "k2", "Value": "v2"}]));
        let cl = split(&strings(&["tag-resource", "--tags", r#"[{"Key":"k","Value":"v"}]"#])).unwrap();
        let args = operation_args(op, &cl.options, BinaryFormat::Base64).unwrap();
        assert_eq!(args.params["Tags"], json!([{"Key": "k", "Value": "v"}]));
    }

    #[test]
    fn unknown_options_are_usage_errors() {
        let op = Operation::by_command("describe-secret").unwrap();
        let cl = split(&strings(&["describe-secret", "--secret-id", "a", "--bogus", "x"])).unwrap();
        let err = operation_args(op, &cl.options, BinaryFormat::Base64).unwrap_err();
        assert_eq!(err.to_string(), "Unknown options: --bogus, x");
        assert_eq!(err.exit_code(), 252);
    }

    #[test]
    fn blobs_by_binary_format() {
        let op = Operation::by_command("put-secret-value").unwrap();
        let cl = split(&strings(&["put-secret-value", "--secret-binary", "hello"])).unwrap();
        let raw = operation_args(op, &cl.options, BinaryFormat::RawInBase64Out).unwrap();
        assert_eq!(raw.params["SecretBinary"], json!("aGVsbG8="));
        let cl = split(&strings(&["put-secret-value", "--secret-binary", "aGVsbG8="])).unwrap();
        let b64 = operation_args(op, &cl.options, BinaryFormat::Base64).unwrap();
        assert_eq!(b64.params["SecretBinary"], json!("aGVsbG8="));
    }
}
