//! rekey's developer tasks.
//!
//! - `cargo run -p xtask -- codegen` writes `crates/rekey-model/src/api/generated/`
//!   from `spec/secretsmanager-service-2.json`;
//! - `cargo run -p xtask -- codegen --check` fails when those files are
//!   stale (so does `cargo test`, through this crate's tests).

mod codegen;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["codegen"] => match codegen::write() {
            Ok(written) => {
                for file in written {
                    println!("wrote {file}");
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("codegen: {e}");
                ExitCode::FAILURE
            }
        },
        ["codegen", "--check"] => match codegen::stale() {
            stale if stale.is_empty() => ExitCode::SUCCESS,
            stale => {
                eprintln!("stale: {} (run `cargo run -p xtask -- codegen`)", stale.join(", "));
                ExitCode::FAILURE
            }
        },
        _ => {
            eprintln!("usage: cargo run -p xtask -- codegen [--check]");
            ExitCode::from(2)
        }
    }
}
