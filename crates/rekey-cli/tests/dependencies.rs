//! The CLI carries the model and SigV4, never the server's half: no
//! operations, store, database drivers or rotation runtime. Checked on
//! the dependency graph `cargo tree` prints, so a new `use` that would
//! pull them in fails here rather than quietly growing the CLI.

use std::process::Command;

#[test]
fn the_cli_depends_on_neither_the_service_nor_the_store() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["tree", "--offline", "-p", "rekey-cli", "-e", "normal,build", "--prefix", "none", "--no-dedupe"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(out.status.success(), "cargo tree: {}", String::from_utf8_lossy(&out.stderr));
    let tree = String::from_utf8(out.stdout).expect("UTF-8");
    let crates: std::collections::BTreeSet<&str> = tree.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(crates.contains("rekey-model") && crates.contains("rekey-sigv4"), "the tree is read: {crates:?}");
    for forbidden in ["rekey-service", "rekey-store", "rekey-server", "rusqlite", "sqlx", "axum"] {
        assert!(!crates.contains(forbidden), "rekey-cli depends on {forbidden}");
    }
}
