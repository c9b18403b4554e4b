//! The `rekey` binary.

mod admin;
mod allocator;
mod audit_sink;
mod backend;
mod config;
mod serve;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "rekey", version, about = "A self-hosted secrets manager that speaks the AWS Secrets Manager API")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(serve::ServeArgs),
    /// The `aws secretsmanager` commands (`rekey secretsmanager help`).
    #[command(disable_help_flag = true)]
    Secretsmanager {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Operator commands against a running server.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
}

/// Logs to stderr at `REKEY_LOG`'s level (default `info`), as lines for
/// people (coloured only at a terminal) or as JSON objects; each line
/// logged while serving a request carries its request id (the `request`
/// span's `id`, the `x-amzn-RequestId` the client got).
fn start_logging(format: serve::LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("REKEY_LOG").unwrap_or_else(|_| "info".into());
    let logger = tracing_subscriber::fmt().with_writer(std::io::stderr).with_env_filter(filter);
    match format {
        serve::LogFormat::Json => logger.json().with_current_span(false).with_span_list(true).init(),
        serve::LogFormat::Text => {
            // Colour only for a person at a terminal: a log file or journal gets plain text.
            let colour = std::io::IsTerminal::is_terminal(&std::io::stderr()) && std::env::var_os("NO_COLOR").is_none();
            logger.with_ansi(colour).init()
        }
    }
}

fn main() -> ExitCode {
    // `rekey secretsmanager …` starts straight away: no clap tree, no logging.
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("secretsmanager") {
        return ExitCode::from(rekey_cli::run(&args[2..]) as u8);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => {
            // The file may choose the log's format: read it first.
            let config = match args.config_file() {
                Some(path) => config::Config::load(path),
                None => Ok(config::Config::default()),
            };
            let format = config.as_ref().map_or(serve::LogFormat::Text, |c| args.log_format(&c.server));
            start_logging(format);
            config.and_then(|config| serve::run(args, config))
        }
        Command::Admin(cmd) => {
            start_logging(serve::LogFormat::Text);
            admin::run(cmd)
        }
        // Handled before clap parses; listed so `rekey help` shows it.
        Command::Secretsmanager { args } => return ExitCode::from(rekey_cli::run(&args) as u8),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rekey: {e}");
            ExitCode::FAILURE
        }
    }
}
