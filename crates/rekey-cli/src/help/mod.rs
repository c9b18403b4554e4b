//! `rekey secretsmanager help` and `<command> help`: the pages the aws CLI
//! v2 shows, generated from the service model as v2 generates them (the
//! description, the synopsis, every option with its documentation,
//! constraints and nested members, the shorthand and JSON syntax, the
//! global options and the output), laid out as plain text. The words are
//! v2's; the layout is not man's (no justification, hyphenation or bold).

mod doc;
mod examples;

use crate::model::{self, Operation, type_of, xform_name};
use serde_json::Value;

/// The first sentence of a member's documentation, as v2's
/// `get_shape_doc_overview` makes it for skeletons: the text of the
/// HTML (all of it, tags included, where it is not well-formed XML), up
/// to the first `.` or `:`, then `.`, on one line.
pub fn overview(html: &str) -> String {
    let text = xml_text(html).unwrap_or_else(|| html.to_string());
    let end = text.find(['.', ':']).unwrap_or(text.len());
    let mut first = text[..end].to_string();
    if !first.is_empty() {
        first.push('.');
    }
    first.replace(['\n', '\u{2028}'], " ")
}

/// The text nodes of `<doc>{html}</doc>`, or `None` where expat would
/// refuse it (unbalanced tags, a stray `&` or `<`).
fn xml_text(html: &str) -> Option<String> {
    let mut text = String::new();
    let mut open: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        text.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('&') {
            let end = rest.find(';')?;
            let entity = &rest[1..end];
            let c = match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                _ => {
                    let code = match entity.strip_prefix("#x") {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => entity.strip_prefix('#')?.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            text.push(c);
            rest = &rest[end + 1..];
            continue;
        }
        let end = rest.find('>')?;
        let tag = &rest[1..end];
        rest = &rest[end + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            if open.pop()? != name.trim() {
                return None;
            }
        } else if !tag.ends_with('/') && !tag.starts_with(['!', '?']) {
            let name = tag.split(|c: char| c.is_whitespace()).next().unwrap_or_default();
            if name.is_empty() {
                return None;
            }
            open.push(name);
        }
    }
    text.push_str(rest);
    open.is_empty().then_some(text)
}

/// `rekey secretsmanager help`.
pub fn service() -> String {
    let mut out = page_header("SECRETSMANAGER");
    out.push_str("NAME\n       secretsmanager -\n\nDESCRIPTION\n");
    doc::render(&mut out, &doc::blocks(model::service()["documentation"].as_str().unwrap_or_default()), 7);
    out.push_str("AVAILABLE COMMANDS\n");
    let mut names: Vec<String> = Operation::all().map(|o| o.command()).collect();
    names.push("help".into());
    names.sort();
    for n in names {
        out.push_str(&format!("       o {n}\n\n"));
    }
    out.push_str(&page_footer("SECRETSMANAGER"));
    out
}

/// A short type description of a member for the prompt.
pub fn type_hint(shape: &Value) -> String {
    match type_of(shape) {
        "list" => format!("list of {}", type_hint(model::target(&shape["member"]))),
        "structure" => "structure".into(),
        "map" => "map".into(),
        t => t.to_string(),
    }
}

fn page_header(title: &str) -> String {
    let t = format!("{title}()");
    format!("{t}{}{t}\n\n\n\n", " ".repeat(79usize.saturating_sub(2 * t.len())))
}

fn page_footer(title: &str) -> String {
    format!("{}{title}()\n", " ".repeat(79usize.saturating_sub(title.len() + 2)))
}

/// The global options: name, type, documentation, choices.
const GLOBALS: [(&str, &str, &str, &[&str]); 19] = [
    ("debug", "boolean", "Turn on debug logging.", &[]),
    ("endpoint-url", "string", "Override command's default URL with the given URL.", &[]),
    (
        "no-verify-ssl",
        "boolean",
        "By default, the AWS CLI uses SSL when communicating with AWS services. For each SSL connection, the AWS CLI will verify SSL certificates. This option overrides the default behavior of verifying SSL certificates.",
        &[],
    ),
    (
        "no-paginate",
        "boolean",
        "Disable automatic pagination. If automatic pagination is disabled, the AWS CLI will only make one call, for the first page of results.",
        &[],
    ),
    (
        "output",
        "string",
        "The formatting style for command output.",
        &["json", "text", "table", "yaml", "yaml-stream", "off"],
    ),
    ("query", "string", "A JMESPath query to use in filtering the response data.", &[]),
    ("profile", "string", "Use a specific profile from your credential file.", &[]),
    ("region", "string", "The region to use. Overrides config/env settings.", &[]),
    ("version", "string", "Display the version of this tool.", &[]),
    ("color", "string", "Turn on/off color output.", &["on", "off", "auto"]),
    (
        "no-sign-request",
        "boolean",
        "Do not sign requests. Credentials will not be loaded if this argument is provided.",
        &[],
    ),
    (
        "ca-bundle",
        "string",
        "The CA certificate bundle to use when verifying SSL certificates. Overrides config/env settings.",
        &[],
    ),
    (
        "cli-read-timeout",
        "int",
        "The maximum socket read time in seconds. If the value is set to 0, the socket read will be blocking and not timeout. The default value is 60 seconds.",
        &[],
    ),
    (
        "cli-connect-timeout",
        "int",
        "The maximum socket connect time in seconds. If the value is set to 0, the socket connect will be blocking and not timeout. The default value is 60 seconds.",
        &[],
    ),
    (
        "cli-binary-format",
        "string",
        "The formatting style to be used for binary blobs. The default format is base64. The base64 format expects binary blobs to be provided as a base64 encoded string. The raw-in-base64-out format preserves compatibility with AWS CLI V1 behavior and binary values must be passed literally. When providing contents from a file that map to a binary blob fileb:// will always be treated as binary and use the file contents directly regardless of the cli-binary-format setting. When using file:// the file contents will need to properly formatted for the configured cli-binary-format.",
        &["base64", "raw-in-base64-out"],
    ),
    ("no-cli-pager", "boolean", "Disable cli pager for output.", &[]),
    ("cli-auto-prompt", "boolean", "Automatically prompt for CLI input parameters.", &[]),
    ("no-cli-auto-prompt", "boolean", "Disable automatically prompt for CLI input parameters.", &[]),
    (
        "cli-error-format",
        "string",
        "The formatting style for error output. By default, errors are displayed in enhanced format.",
        &["legacy", "json", "yaml", "text", "table", "enhanced"],
    ),
];

const CLI_INPUT: &str = "--cli-input-json | --cli-input-yaml (string) Reads arguments from the JSON string provided. The JSON string follows the format provided by --generate-cli-skeleton. If other arguments are provided on the command line, those values will override the JSON-provided values. It is not possible to pass arbitrary binary values using a JSON-provided value as the string will be taken literally. This may not be specified along with --cli-input-yaml.";
const SKELETON: &str = "--generate-cli-skeleton (string) Prints a JSON skeleton to standard output without sending an API request. If provided with no value or the value input, prints a sample input JSON that can be used as an argument for --cli-input-json. Similarly, if provided yaml-input it will print a sample input YAML that can be used with --cli-input-yaml. If provided with the value output, it validates the command inputs and returns a sample output JSON for that command. The generated JSON skeleton is not stable between versions of the AWS CLI and there are no backwards compatibility guarantees in the JSON skeleton generated.";
const PAGINATION_NOTE: &str = "For usage examples, see Pagination in the AWS Command Line Interface User Guide .";
const PAGING: [(&str, &str, &str); 3] = [
    (
        "starting-token",
        "string",
        "A token to specify where to start paginating. This is the NextToken from a previously truncated response.",
    ),
    (
        "page-size",
        "integer",
        "The size of each page to get in the AWS service call. This does not affect the number of items returned in the command's output. Setting a smaller page size results in more calls to the AWS service, retrieving fewer items in each call. This can help prevent the AWS service calls from timing out.",
    ),
    (
        "max-items",
        "integer",
        "The total number of items to return in the command's output. If the total number of items available is more than the value specified, a NextToken is provided in the command's output. To resume pagination, provide the NextToken value in the starting-token argument of a subsequent command. Do not use the NextToken response element directly outside of the AWS CLI.",
    ),
];

/// The members an operation's help lists: a paginated operation's
/// token and limit are the paging options' business.
fn documented(op: Operation) -> Vec<(&'static str, &'static Value)> {
    let paging = op.paginator().map(|p| [p.input_token, p.limit_key]);
    op.members().filter(|(m, _)| !paging.is_some_and(|k| k.contains(m))).collect()
}

/// `rekey secretsmanager <command> help`.
pub fn operation(op: Operation) -> String {
    let cmd = op.command();
    let title = cmd.to_uppercase();
    let mut out = page_header(&title);
    out.push_str(&format!("NAME\n       {cmd} -\n\nDESCRIPTION\n"));
    doc::render(&mut out, &doc::blocks(op.model["documentation"].as_str().unwrap_or_default()), 7);
    out.push_str("       See also: AWS API Documentation\n\n");
    if let Some(p) = op.paginator() {
        let text = format!(
            "{cmd} is a paginated operation. Multiple API calls may be issued in order to retrieve the entire data set of results. You can disable pagination by providing the --no-paginate argument. When using --output text and the --query argument on a paginated response, the --query argument must extract data from the results of the following query expressions: {}",
            p.result_key
        );
        doc::wrap(&mut out, &text, 7, 7);
        out.push('\n');
    }
    out.push_str(&format!("SYNOPSIS\n            {cmd}\n"));
    for (member, spec) in documented(op) {
        let shape = model::target(spec);
        let name = xform_name(member);
        let flag =
            if type_of(shape) == "boolean" { format!("--{name} | --no-{name}") } else { format!("--{name} <value>") };
        if op.required(member) {
            out.push_str(&format!("          {flag}\n"));
        } else {
            out.push_str(&format!("          [{flag}]\n"));
        }
    }
    out.push_str("          [--cli-input-json | --cli-input-yaml]\n");
    if op.paginator().is_some() {
        out.push_str(
            "          [--starting-token <value>]\n          [--page-size <value>]\n          [--max-items <value>]\n",
        );
    }
    out.push_str("          [--generate-cli-skeleton <value>]\n");
    for (name, kind, _, _) in &GLOBALS {
        if *kind == "boolean" {
            out.push_str(&format!("          [--{name}]\n"));
        } else {
            out.push_str(&format!("          [--{name} <value>]\n"));
        }
    }
    out.push_str("\nOPTIONS\n");
    for (member, spec) in documented(op) {
        let shape = model::target(spec);
        let name = xform_name(member);
        let kind = type_of(shape);
        let flag = if kind == "boolean" { format!("--{name} | --no-{name}") } else { format!("--{name}") };
        let required = if op.required(member) { " [required]" } else { "" };
        out.push_str(&format!("       {flag} ({kind}){required}\n"));
        member_body(&mut out, spec, shape, 10);
        syntax(&mut out, shape);
    }
    doc::wrap(&mut out, CLI_INPUT, 7, 7);
    out.push('\n');
    if op.paginator().is_some() {
        for (name, kind, text) in PAGING {
            out.push_str(&format!("       --{name} ({kind})\n"));
            doc::wrap(&mut out, text, 10, 10);
            out.push('\n');
            doc::wrap(&mut out, PAGINATION_NOTE, 10, 10);
            out.push('\n');
            if name == "page-size" {
                // The limit's own range.
                let limit = op.paginator().map(|p| p.limit_key).unwrap_or_default();
                if let Some((_, spec)) = op.members().find(|(m, _)| *m == limit) {
                    constraints(&mut out, model::target(spec), 10);
                }
            }
        }
    }
    doc::wrap(&mut out, SKELETON, 7, 7);
    out.push_str("\nGLOBAL OPTIONS\n");
    for (name, kind, text, choices) in &GLOBALS {
        out.push_str(&format!("       --{name} ({kind})\n\n"));
        doc::wrap(&mut out, text, 7, 7);
        out.push('\n');
        for c in *choices {
            out.push_str(&format!("       o {c}\n\n"));
        }
    }
    if let Some(examples) = examples::section(&cmd) {
        out.push_str(&examples);
    }
    out.push_str("OUTPUT\n");
    let output = op.output();
    let members = output["members"].as_object().into_iter().flatten();
    let mut any = false;
    for (member, spec) in members {
        any = true;
        nested(&mut out, member, spec, 7);
    }
    if !any {
        out.push_str("       None\n\n");
    }
    out.push_str(&page_footer(&title));
    out
}

/// A member's documentation, constraints and nested members.
fn member_body(out: &mut String, spec: &Value, shape: &Value, indent: usize) {
    let html = spec["documentation"].as_str().or(shape["documentation"].as_str()).unwrap_or_default();
    doc::render(out, &doc::blocks(html), indent);
    constraints(out, shape, indent);
    match type_of(shape) {
        "structure" => {
            for (member, spec) in shape["members"].as_object().into_iter().flatten() {
                nested(out, member, spec, indent);
            }
        }
        "list" => {
            let element_spec = &shape["member"];
            let element = model::target(element_spec);
            out.push_str(&format!("{}({})\n", " ".repeat(indent), type_of(element)));
            member_body(out, element_spec, element, indent + 4);
        }
        "map" => {
            for (label, part) in [("key", &shape["key"]), ("value", &shape["value"])] {
                let target = model::target(part);
                out.push_str(&format!("{}{label} -> ({})\n", " ".repeat(indent), type_of(target)));
                member_body(out, part, target, indent + 4);
            }
        }
        _ => {}
    }
}

/// `Name -> (type)` and its body, for members of structures and outputs.
fn nested(out: &mut String, member: &str, spec: &Value, indent: usize) {
    let shape = model::target(spec);
    out.push_str(&format!("{}{member} -> ({})\n", " ".repeat(indent), type_of(shape)));
    member_body(out, spec, shape, indent + if indent == 7 { 3 } else { 4 });
}

/// `Constraints:` (lengths, ranges, pattern) or `Possible values:` (an enum).
fn constraints(out: &mut String, shape: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    let mut items = Vec::new();
    for key in ["min", "max"] {
        if let Some(n) = shape[key].as_i64() {
            items.push(format!("{key}: {n}"));
        }
    }
    if let Some(p) = shape["pattern"].as_str() {
        items.push(format!("pattern: {p}"));
    }
    if !items.is_empty() {
        out.push_str(&format!("{pad}Constraints:\n\n"));
        for item in items {
            out.push_str(&format!("{pad}o {item}\n\n"));
        }
    }
    if let Some(values) = shape["enum"].as_array() {
        out.push_str(&format!("{pad}Possible values:\n\n"));
        for v in values.iter().filter_map(Value::as_str) {
            out.push_str(&format!("{pad}o {v}\n\n"));
        }
    }
}

/// The `Shorthand Syntax` and `JSON Syntax` blocks of a structure, a list
/// or a map, and a scalar list's `Syntax`.
fn syntax(out: &mut String, shape: &Value) {
    match type_of(shape) {
        "structure" | "map" => {}
        "list" => {
            let element = model::target(&shape["member"]);
            if !matches!(type_of(element), "structure" | "map") {
                out.push_str(&format!(
                    "       Syntax:\n\n          \"{}\" \"{}\" ...\n\n",
                    type_of(element),
                    type_of(element)
                ));
                return;
            }
        }
        _ => return,
    }
    if let Some(short) = shorthand(shape) {
        out.push_str(&format!("       Shorthand Syntax:\n\n          {short}\n\n"));
    }
    out.push_str("       JSON Syntax:\n\n");
    let mut json = String::new();
    json_syntax(&mut json, shape, 10);
    out.push_str(&json);
    out.push_str("\n\n");
}

/// The shorthand a structure (or a list of flat structures) takes, if any.
fn shorthand(shape: &Value) -> Option<String> {
    let flat = |s: &Value| -> Option<String> {
        let members = s["members"].as_object()?;
        let parts: Option<Vec<String>> = members
            .iter()
            .map(|(m, spec)| {
                let t = model::target(spec);
                match type_of(t) {
                    "list" => {
                        let e = model::target(&t["member"]);
                        (!matches!(type_of(e), "structure" | "list" | "map"))
                            .then(|| format!("{m}={},{}", type_of(e), type_of(e)))
                    }
                    "structure" | "map" => None,
                    k => Some(format!("{m}={k}")),
                }
            })
            .collect();
        parts.map(|p| p.join(","))
    };
    match type_of(shape) {
        "structure" => flat(shape),
        "list" => flat(model::target(&shape["member"])).map(|s| format!("{s} ...")),
        "map" => Some("KeyName1=string,KeyName2=string".into()),
        _ => None,
    }
}

/// The JSON skeleton of a shape, with types for values.
fn json_syntax(out: &mut String, shape: &Value, indent: usize) {
    let pad = " ".repeat(indent);
    match type_of(shape) {
        "structure" => {
            out.push_str("{\n");
            let members: Vec<_> = shape["members"].as_object().into_iter().flatten().collect();
            for (i, (m, spec)) in members.iter().enumerate() {
                out.push_str(&format!("{pad}  \"{m}\": "));
                json_syntax(out, model::target(spec), indent + 2);
                out.push_str(if i + 1 < members.len() { ",\n" } else { "\n" });
            }
            out.push_str(&format!("{pad}}}"));
        }
        "list" => {
            let element = model::target(&shape["member"]);
            if !matches!(type_of(element), "structure" | "list" | "map") {
                out.push('[');
                json_syntax(out, element, indent);
                out.push_str(", ...]");
                return;
            }
            out.push_str("[\n");
            out.push_str(&format!("{pad}  "));
            json_syntax(out, element, indent + 2);
            out.push_str(&format!("\n{pad}  ...\n{pad}]"));
        }
        "map" => {
            out.push_str(&format!("{{\"string\": \"string\"\n{pad}  ...}}"));
        }
        "string" => match shape["enum"].as_array() {
            Some(values) => {
                let quoted: Vec<String> = values.iter().filter_map(Value::as_str).map(|v| format!("\"{v}\"")).collect();
                out.push_str(&quoted.join("|"));
            }
            None => out.push_str("\"string\""),
        },
        "blob" => out.push_str("blob"),
        "timestamp" => out.push_str("timestamp"),
        other => out.push_str(other),
    }
}
