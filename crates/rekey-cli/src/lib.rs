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
use error::{CliError, usage};
use model::{Operation, Timestamps};
use serde_json::{Map, Value};
use std::io::{IsTerminal, Write};

/// The usage lines the aws CLI prints before a usage error.
const USAGE: &str = "usage: rekey secretsmanager [options] <subcommand> [parameters]\nTo see help text, you can run:\n\n  rekey secretsmanager help\n  rekey secretsmanager <subcommand> help\n\n";

/// Runs `rekey secretsmanager <args>`; returns the exit code.
pub fn run(args: &[String]) -> i32 {
    interrupt::exit_130_on_ctrl_c();
    match main(args) {
        Ok(code) => code,
        Err(e) => {
            let mut stderr = std::io::stderr().lock();
            let _ = match &e {
                CliError::Usage(_) => writeln!(stderr, "{USAGE}aws: [ERROR]: {e}"),
                _ => writeln!(stderr, "\naws: [ERROR]: {e}"),
            };
            e.exit_code()
        }
    }
}

fn main(args: &[String]) -> Result<i32, CliError> {
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
    let op = Operation::by_command(&command).ok_or_else(|| usage(invalid_choice()))?;
    if cl.help {
        page(&cl.globals, &profile, &help::operation(op))?;
        return Ok(0);
    }
    let binary = match cl.globals.binary_format.as_deref().or(profile.get("cli_binary_format")) {
        Some("raw-in-base64-out") => BinaryFormat::RawInBase64Out,
        _ => BinaryFormat::Base64,
    };
    let mut opts = args::operation_args(op, &cl.options, binary)?;
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
        return printer.print(&sample).map(|()| 0);
    }
    let client = client(&cl.globals, &profile)?;
    let paginator = op.paginator().filter(|_| !cl.globals.no_paginate);
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
            serde_json::from_str(text)
                .map_err(|e| usage(format!("Error parsing parameter 'cli-input-json': Invalid JSON received. {e}")))?
        };
        let Value::Object(input) = input else {
            return Err(usage("Invalid type for parameter cli-input-json, value must be an object"));
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

/// `--cli-input-yaml`: the block-style YAML subset the yaml-input
/// skeleton uses, read as JSON values.
fn yaml_input(text: &str) -> Result<Value, CliError> {
    output::parse_yaml(text).map_err(|e| usage(format!("Error parsing parameter 'cli-input-yaml': {e}")))
}

fn invalid_choice() -> String {
    let mut names: Vec<String> = Operation::all().map(|o| o.command()).collect();
    names.push("help".into());
    names.sort();
    let mut msg = "argument operation: Invalid choice, valid choices are:\n\n".to_string();
    for pair in names.chunks(2) {
        let cells: Vec<String> = pair.iter().map(|n| format!("{n:<40}")).collect();
        msg.push_str(&cells.join(" | "));
        msg.push('\n');
    }
    msg.trim_end_matches('\n').to_string()
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
                output::table(self.op.name, &v, style, terminal_width())
            }
            "yaml" => output::yaml(&v),
            "yaml-stream" => {
                let doc = output::yaml(&v);
                if doc.is_empty() { doc } else { output::yaml(&Value::Array(vec![v])) }
            }
            _ if v.as_object().is_some_and(Map::is_empty) => String::new(),
            _ => output::json(&v),
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
        #[repr(C)]
        struct WinSize {
            rows: u16,
            cols: u16,
            x: u16,
            y: u16,
        }
        unsafe extern "C" {
            fn ioctl(fd: i32, request: u64, ...) -> i32;
        }
        const TIOCGWINSZ: u64 = 0x5413;
        let mut ws = WinSize { rows: 0, cols: 0, x: 0, y: 0 };
        // SAFETY: TIOCGWINSZ writes one winsize struct to the pointer given.
        let ok = unsafe { ioctl(1, TIOCGWINSZ, &mut ws as *mut WinSize) } == 0;
        if ok && ws.cols > 0 {
            return ws.cols as usize;
        }
    }
    80
}
