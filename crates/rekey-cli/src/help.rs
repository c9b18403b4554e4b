//! `rekey secretsmanager help` and `<command> help`, from the model's
//! documentation (HTML reduced to text).

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

/// The model's HTML documentation as plain text, wrapped at 76 columns.
pub fn plain(html: &str, indent: usize) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                tag.clear();
            }
            '>' => {
                in_tag = false;
                if matches!(tag.trim_start_matches('/').split(' ').next(), Some("p" | "li" | "ul" | "br")) {
                    text.push('\n');
                }
            }
            c if in_tag => tag.push(c),
            c => text.push(c),
        }
    }
    let text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").replace("&quot;", "\"");
    let pad = " ".repeat(indent);
    let mut out = String::new();
    for para in text.split('\n').map(str::trim).filter(|p| !p.is_empty()) {
        let mut line = String::new();
        for word in para.split_whitespace() {
            if !line.is_empty() && line.len() + word.len() + 1 > 76 - indent {
                out.push_str(&format!("{pad}{line}\n"));
                line.clear();
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        out.push_str(&format!("{pad}{line}\n\n"));
    }
    out
}

/// `rekey secretsmanager help`.
pub fn service() -> String {
    let mut out = String::from("SECRETSMANAGER()\n\nNAME\n       secretsmanager -\n\nDESCRIPTION\n");
    out.push_str(&plain(model::service()["documentation"].as_str().unwrap_or_default(), 7));
    out.push_str("AVAILABLE COMMANDS\n");
    let mut names: Vec<String> = Operation::all().map(|o| o.command()).collect();
    names.sort();
    for n in names {
        out.push_str(&format!("       o {n}\n\n"));
    }
    out
}

/// A short type description of a member for the synopsis and prompt.
pub fn type_hint(shape: &Value) -> String {
    match type_of(shape) {
        "list" => format!("list of {}", type_hint(model::target(&shape["member"]))),
        "structure" => "structure".into(),
        "map" => "map".into(),
        t => t.to_string(),
    }
}

/// `rekey secretsmanager <command> help`.
pub fn operation(op: Operation) -> String {
    let cmd = op.command();
    let mut out = format!("{}()\n\nNAME\n       {cmd} -\n\nDESCRIPTION\n", cmd.to_uppercase());
    out.push_str(&plain(op.model["documentation"].as_str().unwrap_or_default(), 7));
    out.push_str(&format!("SYNOPSIS\n            {cmd}\n"));
    for (member, spec) in op.members() {
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
    if op.paginator().is_some() {
        out.push_str(
            "          [--starting-token <value>]\n          [--page-size <value>]\n          [--max-items <value>]\n",
        );
    }
    out.push_str("          [--cli-input-json | --cli-input-yaml]\n          [--generate-cli-skeleton <value>]\n          [--debug]\n          [--endpoint-url <value>]\n          [--no-verify-ssl]\n          [--no-paginate]\n          [--output <value>]\n          [--query <value>]\n          [--profile <value>]\n          [--region <value>]\n          [--version <value>]\n          [--color <value>]\n          [--no-sign-request]\n          [--ca-bundle <value>]\n          [--cli-read-timeout <value>]\n          [--cli-connect-timeout <value>]\n          [--cli-binary-format <value>]\n          [--no-cli-pager]\n          [--cli-auto-prompt]\n          [--no-cli-auto-prompt]\n\nOPTIONS\n");
    for (member, spec) in op.members() {
        let shape = model::target(spec);
        out.push_str(&format!("       --{} ({})\n", xform_name(member), type_hint(shape)));
        let doc = spec["documentation"].as_str().or(shape["documentation"].as_str()).unwrap_or_default();
        out.push_str(&plain(doc, 10));
    }
    out
}
