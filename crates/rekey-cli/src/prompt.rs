//! `--cli-auto-prompt`: an interactive prompt that offers the commands,
//! then the chosen command's options with their types and documentation,
//! completes a unique prefix, and runs the command built.
//!
//! It reads lines from the terminal: a command (or a unique prefix of
//! one; empty lists them), then `--option value` lines (or a prefix of an
//! option to see the matching ones with their documentation), then an
//! empty line to run.

use crate::args::{self, CommandLine};
use crate::error::{CliError, usage};
use crate::help;
use crate::model::{self, Operation, xform_name};
use std::io::{BufRead, Write};

fn read_line(prompt: &str) -> Result<Option<String>, CliError> {
    let mut err = std::io::stderr().lock();
    let _ = write!(err, "{prompt}");
    let _ = err.flush();
    let mut line = String::new();
    let n = std::io::stdin().lock().read_line(&mut line).map_err(|e| CliError::Other(e.to_string()))?;
    Ok((n > 0).then(|| line.trim_end_matches(['\n', '\r']).to_string()))
}

/// Completes `prefix` among `choices`: the one it names, or the matches.
fn complete<'a>(prefix: &str, choices: &'a [String]) -> Result<&'a String, Vec<&'a String>> {
    if let Some(exact) = choices.iter().find(|c| *c == prefix) {
        return Ok(exact);
    }
    let matches: Vec<&String> = choices.iter().filter(|c| c.starts_with(prefix)).collect();
    match matches.as_slice() {
        [one] => Ok(one),
        _ => Err(matches),
    }
}

/// Prompts for what `cl` lacks and returns the completed command line.
pub fn run(mut cl: CommandLine) -> Result<CommandLine, CliError> {
    let mut commands: Vec<String> = Operation::all().map(|o| o.command()).collect();
    commands.sort();
    let op = loop {
        if let Some(c) = &cl.command
            && let Some(op) = Operation::by_command(c)
        {
            break op;
        }
        let Some(line) = read_line("> rekey secretsmanager ")? else {
            return Err(usage("auto-prompt: no command given"));
        };
        match complete(line.trim(), &commands) {
            Ok(c) => cl.command = Some(c.clone()),
            Err(matches) => {
                for m in matches {
                    eprintln!("  {m}");
                }
            }
        }
    };
    let options: Vec<String> = op
        .members()
        .flat_map(|(m, spec)| {
            let name = format!("--{}", xform_name(m));
            let boolean = model::type_of(model::target(spec)) == "boolean";
            let negated = boolean.then(|| format!("--no-{}", xform_name(m)));
            std::iter::once(name).chain(negated)
        })
        .collect();
    eprintln!("{}: {}", op.command(), first_sentence(op.model["documentation"].as_str().unwrap_or_default()));
    let describe = |opt: &str| {
        let member =
            op.members().find(|(m, _)| opt.trim_start_matches("--no-").trim_start_matches("--") == xform_name(m));
        if let Some((m, spec)) = member {
            let shape = model::target(spec);
            let required = if op.required(m) { " [required]" } else { "" };
            let doc = spec["documentation"].as_str().or(shape["documentation"].as_str()).unwrap_or_default();
            eprintln!("  {opt} ({}){required}: {}", help::type_hint(shape), first_sentence(doc));
        }
    };
    loop {
        let missing: Vec<String> = op
            .members()
            .filter(|(m, _)| op.required(m) && !cl.options.iter().any(|(o, _)| *o == format!("--{}", xform_name(m))))
            .map(|(m, _)| format!("--{}", xform_name(m)))
            .collect();
        let hint = if missing.is_empty() {
            "(empty line runs)".to_string()
        } else {
            format!("(needs {})", missing.join(", "))
        };
        let Some(line) = read_line(&format!("> {} {hint} ", op.command()))? else { break };
        let line = line.trim();
        if line.is_empty() {
            if missing.is_empty() {
                break;
            }
            continue;
        }
        let (name, value) = match line.split_once([' ', '=']) {
            Some((n, v)) => (n, Some(v.trim().to_string())),
            None => (line, None),
        };
        match complete(name, &options) {
            Ok(opt) => match value {
                Some(v) => {
                    let mut split = args::split(&[op.command(), opt.clone(), v])?;
                    cl.options.append(&mut split.options);
                }
                None if opt.starts_with("--no-") || is_boolean(op, opt) => cl.options.push((opt.clone(), Vec::new())),
                None => describe(opt),
            },
            Err(matches) if matches.is_empty() => eprintln!("  no option starts with {name}"),
            Err(matches) => matches.iter().for_each(|m| describe(m)),
        }
    }
    cl.globals.auto_prompt = Some(false);
    Ok(cl)
}

fn is_boolean(op: Operation, opt: &str) -> bool {
    op.members()
        .any(|(m, spec)| format!("--{}", xform_name(m)) == opt && model::type_of(model::target(spec)) == "boolean")
}

fn first_sentence(html: &str) -> String {
    help::overview(html)
}
