//! The `rekey` binary.

mod admin;
mod config;
mod serve;

// glibc's allocator spends a tenth of a loaded server's time in
// malloc/free contention; mimalloc's thread-local heaps do not.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    /// Operator commands against a running server.
    #[command(subcommand)]
    Admin(admin::AdminCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("REKEY_LOG").unwrap_or_else(|_| "info".into()))
        .init();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Admin(cmd) => admin::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rekey: {e}");
            ExitCode::FAILURE
        }
    }
}
