//! The crates keep to their jobs, checked on the dependency graph
//! `cargo tree` prints, so that a new `use` that would pull the wrong half
//! in fails here rather than quietly growing a crate:
//! - the CLI carries the model and SigV4, never the server's half: no
//!   operations, store, database drivers or rotation runtime;
//! - the operations run no rotations: no rotation runtime, no process or
//!   network clients, no database drivers, no HTTP server;
//! - the console is an API client: no operations, store or runtime.

use std::collections::BTreeSet;
use std::process::Command;

/// The crates `package` depends on (normal and build dependencies).
fn dependencies(package: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "--offline", "-p", package, "-e", "normal,build", "--prefix", "none", "--no-dedupe"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree: {}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8(out.stdout).expect("UTF-8");
    let crates: BTreeSet<String> = tree.lines().filter_map(|l| l.split_whitespace().next()).map(String::from).collect();
    assert!(crates.contains("rekey-model"), "the tree of {package} is read: {crates:?}");
    crates
}

#[test]
fn the_cli_depends_on_neither_the_service_nor_the_store() {
    let crates = dependencies("rekey-cli");
    assert!(crates.contains("rekey-sigv4"), "{crates:?}");
    for forbidden in ["rekey-service", "rekey-rotation", "rekey-store", "rekey-server", "rusqlite", "sqlx", "axum"] {
        assert!(!crates.contains(forbidden), "rekey-cli depends on {forbidden}");
    }
}

#[test]
fn the_operations_depend_on_no_rotation_runtime_or_network_client() {
    let crates = dependencies("rekey-service");
    assert!(crates.contains("rekey-store"), "{crates:?}");
    for forbidden in ["rekey-rotation", "rekey-server", "sqlx", "reqwest", "hyper", "axum"] {
        assert!(!crates.contains(forbidden), "rekey-service depends on {forbidden}");
    }
}

#[test]
fn the_console_is_an_api_client_and_nothing_more() {
    // It reaches secrets only through the API handler it is given: no
    // operations, store or rotation runtime to call around authorization.
    let crates = dependencies("rekey-console");
    assert!(crates.contains("rekey-sigv4"), "{crates:?}");
    for forbidden in ["rekey-service", "rekey-rotation", "rekey-store", "rekey-server", "rusqlite", "sqlx"] {
        assert!(!crates.contains(forbidden), "rekey-console depends on {forbidden}");
    }
}
