//! `rekey secretsmanager …`: the `aws secretsmanager` commands, generated
//! from the vendored service model, with the aws CLI's options,
//! configuration, output formats, `--query`, pagination, skeletons and
//! exit codes (version 2's where versions differ; see the README).
//!
//! The flow: [`args`] splits the command line and types each option by
//! its shape, [`config`] resolves profile, region, endpoint and
//! credentials, [`transport`] signs and sends, [`paginate`] pages,
//! [`model::shape_response`] shapes the answer as botocore does, and
//! [`output`] formats it after [`jmespath`] queries it.

pub mod args;
pub mod config;
pub mod error;
pub mod help;
mod interrupt;
pub mod jmespath;
pub mod model;
pub mod output;
pub mod paginate;
pub mod paramfile;
pub mod prompt;
pub mod shorthand;
pub mod skeleton;
pub mod transport;
pub mod validate;

use args::{BinaryFormat, Globals};
use error::{CliError, ErrorFormat, usage};
use model::{Operation, Timestamps};
use serde_json::{Map, Value};
use std::io::{IsTerminal, Write};

/// Runs `rekey secretsmanager <args>`; returns the exit code.
pub fn run(args: &[String]) -> i32 {
    interrupt::exit_130_on_ctrl_c();
    // How errors are shown, once the command line and profile say.
    let mut error_format = None;
    match main(args, &mut error_format) {
        Ok(code) => code,
        Err(e) => {
            // An error before the format is known: the default profile's, else enhanced.
            let format = error_format.unwrap_or_else(|| {
                let profile = config::Profile::load(None).ok();
                profile.and_then(|p| p.get("cli_error_format").map(ErrorFormat::parse)).unwrap_or_default()
            });
            let text = e.report(format, |f, info| match f {
                "yaml" => output::yaml(info),
                "text" => output::text(info),
                "table" => output::table("error", info, output::Style::Plain, terminal_width()).unwrap_or_default(),
                _ => output::json(info),
            });
            let _ = std::io::stderr().lock().write_all(text.as_bytes());
            e.exit_code()
        }
    }
}

fn main(args: &[String], error_format: &mut Option<ErrorFormat>) -> Result<i32, CliError> {
    let mut cl = args::split(args)?;
    if cl.globals.version {
        println!(
            "rekey/{} aws-cli/2-compatible {}/{}",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            std::env::consts::ARCH
        );
        return Ok(0);
    }
    let profile = config::Profile::load(cl.globals.profile.as_deref())?;
    *error_format = Some(ErrorFormat::parse(
        cl.globals.error_format.as_deref().or(profile.get("cli_error_format")).unwrap_or("enhanced"),
    ));
    if cl.globals.auto_prompt.unwrap_or_else(|| profile.get("cli_auto_prompt") == Some("on")) {
        cl = prompt::run(cl)?;
    }
    let Some(command) = cl.command.clone() else {
        if cl.help {
            page(&cl.globals, &profile, &help::service())?;
            return Ok(0);
        }
        return Err(usage("the following arguments are required: operation"));
    };
    let op = Operation::by_command(&command).ok_or_else(|| {
        let commands: Vec<String> = Operation::all().map(|o| o.command()).chain(["help".to_string()]).collect();
        error::invalid_choice("operation", &command, commands.iter().map(String::as_str))
    })?;
    if cl.help {
        page(&cl.globals, &profile, &help::operation(op))?;
        return Ok(0);
    }
    let binary = match cl.globals.binary_format.as_deref().or(profile.get("cli_binary_format")) {
        Some("raw-in-base64-out") => BinaryFormat::RawInBase64Out,
        _ => BinaryFormat::Base64,
    };
    let mut opts = args::operation_args(op, &cl.options, binary)?;
    if cl.globals.no_paginate {
        let paging: Vec<&str> = args::PAGING_OPTIONS.into_iter().filter(|o| opts.gave(o)).collect();
        if !paging.is_empty() {
            return Err(CliError::Validation(format!(
                "Cannot specify --no-paginate along with pagination arguments: {}",
                paging.join(", ")
            )));
        }
    }
    if opts.skeleton.as_deref() == Some("input") {
        let input = op.model["input"]["shape"].as_str().unwrap_or_default();
        print!("{}", output::json(&skeleton::generate(op.input(), input, false)));
        return Ok(0);
    }
    if opts.skeleton.as_deref() == Some("yaml-input") {
        print!("{}", skeleton::yaml_input(op.input()));
        return Ok(0);
    }
    let params = request_params(op, &mut opts)?;
    let format = cl
        .globals
        .output
        .clone()
        .or_else(|| std::env::var("AWS_DEFAULT_OUTPUT").ok().filter(|v| !v.is_empty()))
        .or_else(|| profile.get("output").map(str::to_string))
        .unwrap_or_else(|| "json".into());
    let query = match &cl.globals.query {
        Some(q) => Some(jmespath::compile(q).map_err(|e| usage(format!("Bad value for --query {q}: {}", e.0)))?),
        None => None,
    };
    let timestamps = match profile.get("cli_timestamp_format") {
        Some("wire" | "none") => Timestamps::Wire,
        _ => Timestamps::Iso8601,
    };
    let printer = Printer { op, format, query, globals: &cl.globals, profile: &profile };
    if opts.skeleton.as_deref() == Some("output") {
        let output = op.model["output"]["shape"].as_str().unwrap_or_default();
        let sample = skeleton::generate(op.output(), output, true);
        // v2 sends a paginated operation's sample through the paginator,
        // which validates it as parameters (and fails on the sample's own values).
        if op.paginator().is_some() {
            validate::validate(&sample, op.output())?;
        }
        return printer.print(&sample).map(|()| 0);
    }
    let client = client(&cl.globals, &profile)?;
    // Paging by hand (MaxResults or NextToken given) turns auto-paging off, as in v2.
    let by_hand = |p: &model::Paginator| params.contains_key(p.limit_key) || params.contains_key(p.input_token);
    let paginator = op.paginator().filter(|p| !cl.globals.no_paginate && !by_hand(p));
    let Some(p) = paginator else {
        let answer = client.call(op.name, &Value::Object(params))?;
        printer.print(&model::shape_response(op.output(), &answer, timestamps))?;
        return Ok(0);
    };
    let start = match &opts.starting_token {
        Some(t) => paginate::decode(t)?,
        None => paginate::Resume::default(),
    };
    let pages = paginate::fetch(p, &params, start, opts.page_size, opts.max_items, |req| {
        let answer = client.call(op.name, &Value::Object(req.clone()))?;
        Ok(model::shape_response(op.output(), &answer, timestamps))
    })?;
    if printer.format == "text" {
        // The text formatter writes page by page (query included), then the resume token.
        let mut text = String::new();
        for (i, page) in pages.pages.iter().enumerate() {
            let mut page = page.clone();
            if i > 0
                && let Some(obj) = page.as_object_mut()
            {
                obj.retain(|k, _| k == p.result_key);
            }
            text.push_str(&output::text(&printer.query(&page)?));
        }
        if let Some(t) = &pages.resume {
            text.push_str(&output::text(&serde_json::json!({"NextToken": {"NextToken": t}})));
        }
        return printer.write(&text).map(|()| 0);
    }
    if printer.format == "yaml-stream" {
        // Page by page as each arrives, with the service's own token, queried one by one.
        let mut text = String::new();
        for (page, token) in pages.pages.iter().zip(&pages.tokens) {
            let mut page = page.clone();
            if let (Some(t), Some(obj)) = (token, page.as_object_mut()) {
                obj.insert(p.output_token.into(), Value::String(t.clone()));
            }
            let page = printer.query(&page)?;
            if !page.as_object().is_some_and(Map::is_empty) {
                text.push_str(&output::yaml(&Value::Array(vec![page])));
            }
        }
        return printer.write(&text).map(|()| 0);
    }
    printer.print(&paginate::full_result(p, &pages))?;
    Ok(0)
}

/// The request body: `--cli-input-json`/`yaml` overlaid by the command
/// line, idempotency tokens filled, required members checked.
fn request_params(op: Operation, opts: &mut args::OperationArgs) -> Result<Map<String, Value>, CliError> {
    // The command line's members in model order, then what
    // --cli-input-json/yaml adds (as botocore orders them, which decides
    // the order validation reports problems in).
    let mut params = Map::new();
    for (member, _) in op.members() {
        if let Some(v) = opts.params.remove(member) {
            params.insert(member.to_string(), v);
        }
    }
    if let Some(text) = &opts.input_json {
        let input: Value = if opts.input_is_yaml {
            yaml_input(text)?
        } else {
            serde_json::from_str(text).map_err(|_| {
                CliError::Validation("Error parsing parameter 'cli-input-json': Invalid JSON received.".into())
            })?
        };
        let Value::Object(input) = input else {
            return Err(CliError::Validation(
                "Invalid type for parameter cli-input-json, value must be an object".into(),
            ));
        };
        for (k, v) in input {
            params.entry(k).or_insert(v);
        }
    }
    for (member, spec) in op.members() {
        if spec["idempotencyToken"].as_bool() == Some(true) && !params.contains_key(member) {
            params.insert(member.to_string(), Value::String(uuid::Uuid::new_v4().to_string()));
        }
    }
    let missing: Vec<String> = op
        .members()
        .filter(|(m, _)| op.required(m) && !params.contains_key(*m))
        .map(|(m, _)| format!("--{}", model::xform_name(m)))
        .collect();
    if !missing.is_empty() {
        return Err(usage(format!("the following arguments are required: {}", missing.join(", "))));
    }
    let params = Value::Object(params);
    validate::validate(&params, op.input())?;
    let Value::Object(params) = params else { unreachable!("built as an object") };
    Ok(params)
}

/// `--cli-input-yaml`, read as JSON values under YAML 1.2's core schema
/// (as v2's safe loader reads it: `1.5` is a float, `yes` a string).
fn yaml_input(text: &str) -> Result<Value, CliError> {
    let core_schema = serde_saphyr::options! { strict_booleans: true };
    serde_saphyr::from_str_with_options::<Value>(text, core_schema)
        .map_err(|_| CliError::Validation("Error parsing parameter 'cli-input-yaml': Invalid YAML received.".into()))
}

fn client(globals: &Globals, profile: &config::Profile) -> Result<transport::Client, CliError> {
    let region = profile.region(globals.region.as_deref())?;
    let url = profile.endpoint(globals.endpoint_url.as_deref(), &region);
    let credentials = if globals.no_sign_request { None } else { Some(profile.credentials()?) };
    let seconds = |s: Option<u64>| match s {
        Some(0) => None,
        Some(n) => Some(std::time::Duration::from_secs(n)),
        None => Some(std::time::Duration::from_secs(60)),
    };
    transport::Client::new(transport::Endpoint {
        url,
        region,
        credentials,
        ca_bundle: profile.ca_bundle(globals.ca_bundle.as_deref()),
        no_verify_ssl: globals.no_verify_ssl,
        connect_timeout: seconds(globals.connect_timeout),
        read_timeout: seconds(globals.read_timeout),
        debug: globals.debug,
    })
}

/// Formats and writes answers.
struct Printer<'a> {
    op: Operation,
    format: String,
    query: Option<jmespath::Ast>,
    globals: &'a Globals,
    profile: &'a config::Profile,
}

impl Printer<'_> {
    fn query(&self, v: &Value) -> Result<Value, CliError> {
        match &self.query {
            Some(q) => jmespath::search(q, v).map_err(|e| CliError::Other(e.0)),
            None => Ok(v.clone()),
        }
    }

    fn print(&self, v: &Value) -> Result<(), CliError> {
        // An empty answer prints nothing (before any query, as the aws CLI checks).
        let v = self.query(v)?;
        let text = match self.format.as_str() {
            "text" => output::text(&v),
            "table" => {
                let color = match self.globals.color.as_deref() {
                    Some("on") => true,
                    Some("off") => false,
                    _ => std::io::stdout().is_terminal(),
                };
                let style = if color { output::Style::Color } else { output::Style::Plain };
                output::table(self.op.name, &v, style, terminal_width()).map_err(CliError::Other)?
            }
            "yaml" => output::yaml(&v),
            "yaml-stream" => {
                let doc = output::yaml(&v);
                if doc.is_empty() { doc } else { output::yaml(&Value::Array(vec![v])) }
            }
            "off" => String::new(),
            "json" if v.as_object().is_some_and(Map::is_empty) => String::new(),
            "json" => output::json(&v),
            // As v2, a format only the profile named fails once the answer is in.
            other => return Err(CliError::Other(format!("Unknown output type: {other}"))),
        };
        self.write(&text)
    }

    fn write(&self, text: &str) -> Result<(), CliError> {
        page(self.globals, self.profile, text)
    }
}

/// Writes `text` to stdout, through the pager when stdout is a terminal
/// (`cli_pager`, `AWS_PAGER`, `PAGER`, else `less -R`; empty: none).
fn page(globals: &Globals, profile: &config::Profile, text: &str) -> Result<(), CliError> {
    let pager = std::env::var("AWS_PAGER")
        .ok()
        .or_else(|| profile.get("cli_pager").map(str::to_string))
        .or_else(|| std::env::var("PAGER").ok())
        .unwrap_or_else(|| "less -R".into());
    let stdout = std::io::stdout();
    if !globals.no_pager && !pager.trim().is_empty() && stdout.is_terminal() && !text.is_empty() {
        let child = std::process::Command::new("sh")
            .arg("-c")
            .arg(&pager)
            .env("LESS", std::env::var("LESS").unwrap_or_else(|_| "FRX".into()))
            .stdin(std::process::Stdio::piped())
            .spawn();
        if let Ok(mut child) = child {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(text.as_bytes());
            }
            let _ = child.wait();
            return Ok(());
        }
    }
    let mut out = stdout.lock();
    // A closed pipe (`| head`) is not an error.
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    Ok(())
}

/// The terminal's width (80 when stdout is not a terminal), as `table.py` asks it.
fn terminal_width() -> usize {
    #[cfg(unix)]
    {
        let mut ws = libc::winsize { ws_row: 0, ws_col: 0, ws_xpixel: 0, ws_ypixel: 0 };
        // SAFETY: TIOCGWINSZ writes one winsize struct to the pointer given.
        let ok = unsafe { libc::ioctl(libc::STDOUT_FILENO, libc::TIOCGWINSZ, &mut ws) } == 0;
        if ok && ws.ws_col > 0 {
            return ws.ws_col as usize;
        }
    }
    80
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn yaml_input_reads_what_people_write() {
        let text = "SecretId: app  # a comment\nSecretString: |\n  line one\n  line two\nDescription: >\n  folded\n  text\nRotationRules: {AutomaticallyAfterDays: 1.5, Duration: 2h}\nTags:\n- Key: on\n  Value: yes\nForce: true\nStages: [AWSCURRENT, '007']\n";
        assert_eq!(
            yaml_input(text).unwrap(),
            json!({"SecretId": "app", "SecretString": "line one\nline two\n", "Description": "folded text\n",
                "RotationRules": {"AutomaticallyAfterDays": 1.5, "Duration": "2h"},
                "Tags": [{"Key": "on", "Value": "yes"}], "Force": true, "Stages": ["AWSCURRENT", "007"]})
        );
        assert!(yaml_input("SecretId: [unclosed\n").is_err());
        // What --generate-cli-skeleton yaml-input writes reads back.
        let op = Operation::by_command("rotate-secret").unwrap();
        assert!(yaml_input(&skeleton::yaml_input(op.input())).is_ok());
    }
}
