//! What can go wrong, how the aws CLI version 2 reports each kind on
//! stderr, and the exit code each has.

use serde_json::{Map, Value};

/// The usage lines v2 prints with a command line it cannot parse.
pub const USAGE: &str = "usage: aws [options] <command> <subcommand> [<subcommand> ...] [parameters]\nTo see help text, you can run:\n\n  aws help\n  aws <command> help\n  aws <command> <subcommand> help\n";

/// A failed command.
#[derive(Debug)]
pub enum CliError {
    /// The command line does not parse (argparse's errors): ParamValidation,
    /// exit 252, the usage lines appended.
    Usage(String),
    /// Arguments no option takes: exit 252, the usage lines first; never structured.
    UnknownOptions(Vec<String>),
    /// Parameters rejected before anything is sent: ParamValidation, 252.
    Validation(String),
    /// Configuration (exit 253): `NoRegion`, `NoCredentials`, `Configuration`.
    Config {
        /// The error code shown (`NoRegion`).
        code: &'static str,
        /// Its message.
        message: String,
    },
    /// The service answered with an error: 254.
    Service {
        /// The operation called (`RotateSecret`).
        operation: &'static str,
        /// The error type (`ResourceNotFoundException`).
        code: String,
        /// Its message.
        message: String,
    },
    /// Anything else (a profile that does not exist, connection failures,
    /// unreadable answers, values Python could not convert): 255.
    Other(String),
}

/// `--cli-error-format` (or `cli_error_format`): how errors are shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorFormat {
    /// `An error occurred (Code): message`, then any extra fields.
    #[default]
    Enhanced,
    /// The message alone (a service error: as enhanced).
    Legacy,
    /// `{"Code": …, "Message": …}` through an output formatter.
    Structured(&'static str),
}

impl ErrorFormat {
    /// The choices `--cli-error-format` takes.
    pub const CHOICES: [&'static str; 6] = ["legacy", "json", "yaml", "text", "table", "enhanced"];

    /// A configured value; anything unknown is enhanced, as v2 falls back.
    pub fn parse(value: &str) -> ErrorFormat {
        match value.to_ascii_lowercase().as_str() {
            "legacy" => ErrorFormat::Legacy,
            "json" => ErrorFormat::Structured("json"),
            "yaml" => ErrorFormat::Structured("yaml"),
            "text" => ErrorFormat::Structured("text"),
            "table" => ErrorFormat::Structured("table"),
            _ => ErrorFormat::Enhanced,
        }
    }
}

impl CliError {
    /// The process exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Usage(_) | CliError::UnknownOptions(_) | CliError::Validation(_) => 252,
            CliError::Config { .. } => 253,
            CliError::Service { .. } => 254,
            CliError::Other(_) => 255,
        }
    }

    /// The code and message structured formats show, if this kind has them.
    fn info(&self) -> Option<Map<String, Value>> {
        let pair = |first: (&str, &str), second: (&str, &str)| {
            let mut m = Map::new();
            m.insert(first.0.into(), first.1.into());
            m.insert(second.0.into(), second.1.into());
            m
        };
        match self {
            CliError::Usage(m) => Some(pair(("Code", "ParamValidation"), ("Message", &format!("{m}\n\n{USAGE}")))),
            CliError::Validation(m) => Some(pair(("Code", "ParamValidation"), ("Message", m))),
            CliError::Config { code, message } => Some(pair(("Code", code), ("Message", message))),
            // A service error's fields come in the order the answer holds them.
            CliError::Service { code, message, .. } => Some(pair(("Message", message), ("Code", code))),
            CliError::UnknownOptions(_) | CliError::Other(_) => None,
        }
    }

    /// What v2 writes to stderr for this error in `format`; `structured`
    /// renders an error object in an output format (`json`, `table`…).
    pub fn report(&self, format: ErrorFormat, structured: impl Fn(&'static str, &Value) -> String) -> String {
        let line = |message: &str| format!("\naws: [ERROR]: {}\n", message.trim());
        if let CliError::UnknownOptions(args) = self {
            return format!("\n{USAGE}\n{}", line(&format!("Unknown options: {}", args.join(", "))));
        }
        let Some(info) = self.info() else { return line(&self.to_string()) };
        match format {
            ErrorFormat::Structured(f) => structured(f, &Value::Object(info)),
            ErrorFormat::Legacy if !matches!(self, CliError::Service { .. }) => {
                line(info["Message"].as_str().unwrap_or_default())
            }
            _ => line(&self.to_string()),
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CliError::Usage(m) => write!(f, "An error occurred (ParamValidation): {m}\n\n{USAGE}"),
            CliError::Validation(m) => write!(f, "An error occurred (ParamValidation): {m}"),
            CliError::UnknownOptions(args) => write!(f, "Unknown options: {}", args.join(", ")),
            CliError::Config { code, message } => write!(f, "An error occurred ({code}): {message}"),
            CliError::Other(m) => f.write_str(m),
            CliError::Service { operation, code, message } => {
                write!(f, "An error occurred ({code}) when calling the {operation} operation: {message}")
            }
        }
    }
}

/// A usage error.
pub fn usage(msg: impl Into<String>) -> CliError {
    CliError::Usage(msg.into())
}

/// argparse's "invalid choice" error, with difflib's close matches as v2
/// suggests them.
pub fn invalid_choice<'a>(argument: &str, value: &str, choices: impl IntoIterator<Item = &'a str>) -> CliError {
    let mut msg = format!("argument {argument}: Found invalid choice '{value}'\n");
    let close = close_matches(value, choices, 3, 0.8);
    if !close.is_empty() {
        msg.push_str("\nMaybe you meant:\n");
        for word in close {
            msg.push_str(&format!("\n  * {word}"));
        }
    }
    CliError::Usage(msg)
}

/// Python's `difflib.get_close_matches`: the best `n` of `choices` whose
/// similarity ratio to `word` reaches `cutoff`, best first (ties: the
/// greater string first, as `heapq.nlargest` orders them).
pub fn close_matches<'a>(
    word: &str,
    choices: impl IntoIterator<Item = &'a str>,
    n: usize,
    cutoff: f64,
) -> Vec<&'a str> {
    let w: Vec<char> = word.chars().collect();
    let mut scored: Vec<(f64, &str)> = choices
        .into_iter()
        .filter_map(|c| {
            let x: Vec<char> = c.chars().collect();
            let total = x.len() + w.len();
            let ratio = if total == 0 { 1.0 } else { 2.0 * matching_characters(&x, &w) as f64 / total as f64 };
            (ratio >= cutoff).then_some((ratio, c))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(a.1)));
    scored.into_iter().take(n).map(|(_, c)| c).collect()
}

/// The characters `SequenceMatcher` finds matching: the longest common
/// block (leftmost in `a`, then in `b`), then recursively either side.
fn matching_characters(a: &[char], b: &[char]) -> usize {
    let (mut best_i, mut best_j, mut best) = (0, 0, 0);
    let mut lengths = vec![0usize; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        let mut next = vec![0usize; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            if ca == cb {
                let k = lengths[j] + 1;
                next[j + 1] = k;
                if k > best {
                    (best_i, best_j, best) = (i + 1 - k, j + 1 - k, k);
                }
            }
        }
        lengths = next;
    }
    if best == 0 {
        return 0;
    }
    best + matching_characters(&a[..best_i], &b[..best_j])
        + matching_characters(&a[best_i + best..], &b[best_j + best..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn close_matches_as_difflib() {
        let commands = ["describe-secret", "delete-secret", "create-secret", "list-secrets"];
        assert_eq!(close_matches("describe-secrets", commands, 3, 0.8), ["describe-secret"]);
        assert_eq!(close_matches("list-secret", commands, 3, 0.8), ["list-secrets"]);
        assert!(close_matches("zzz", commands, 3, 0.8).is_empty());
        // difflib: ratio("abcd", "bcde") = 0.75.
        assert_eq!(close_matches("abcd", ["bcde"], 3, 0.7), ["bcde"]);
        assert!(close_matches("abcd", ["bcde"], 3, 0.8).is_empty());
    }

    #[test]
    fn reports_as_v2() {
        let e = CliError::Validation("Parameter validation failed:\nInvalid length".into());
        let none = |_: &'static str, _: &Value| String::new();
        assert_eq!(
            e.report(ErrorFormat::Enhanced, none),
            "\naws: [ERROR]: An error occurred (ParamValidation): Parameter validation failed:\nInvalid length\n"
        );
        assert_eq!(
            e.report(ErrorFormat::Legacy, none),
            "\naws: [ERROR]: Parameter validation failed:\nInvalid length\n"
        );
        let u = CliError::UnknownOptions(vec!["--bogus".into()]);
        assert!(u.report(ErrorFormat::Enhanced, none).ends_with("help\n\n\naws: [ERROR]: Unknown options: --bogus\n"));
    }
}
