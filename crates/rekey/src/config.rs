//! The server configuration file (`rekey serve --config rekey.toml`):
//! the server's options, rotation settings and the rotation-function
//! registry.
//!
//! ```toml
//! [server]                # any option of `rekey serve` (flags and
//! listen = "0.0.0.0:4584" # REKEY_* variables win over these)
//! data_dir = "/var/lib/rekey"
//! log_format = "json"
//!
//! [rotation]
//! max_attempts = 5        # whole-rotation attempts before it fails
//! retry_base_ms = 10000   # first retry delay, doubling
//!
//! [[function]]
//! arn = "arn:aws:lambda:us-east-1:000000000000:function:rotate-app"
//! type = "exec"           # or lambda, http, runtime, builtin:password
//! command = ["python3", "run_rotation.py"]
//! timeout_seconds = 60
//!
//! [retention]
//! function_log_days = 30  # what rotation functions printed
//! audit_days = 365        # the audit trail in the store (0: for ever)
//!
//! [audit.sink]            # stream the audit trail (see `audit_sink`)
//! path = "/var/log/rekey/audit.jsonl"   # or "-" for standard output
//! max_file_bytes = 67108864
//! max_file_age_seconds = 3600
//! ```

use rekey_rotation::RotationSettings;
use rekey_rotation::functions::FunctionConfig;
use serde::Deserialize;
use std::path::Path;

/// The whole file.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `[server]`: the options of `rekey serve`.
    #[serde(default)]
    pub server: crate::serve::ServeArgs,
    /// `[rotation]`.
    #[serde(default)]
    pub rotation: RotationSettings,
    /// `[[function]]` tables.
    #[serde(default, rename = "function")]
    pub functions: Vec<FunctionConfig>,
    /// `[audit]`.
    #[serde(default)]
    pub audit: AuditConfig,
    /// `[retention]`.
    #[serde(default)]
    pub retention: RetentionConfig,
}

/// `[retention]`: how long rekey keeps what it writes about itself.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Days a rotation step's function log is kept.
    pub function_log_days: u32,
    /// Days an audit record is kept in the store (0: for ever). A record
    /// the audit sink has yet to deliver is kept whatever its age.
    pub audit_days: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        RetentionConfig { function_log_days: 30, audit_days: 0 }
    }
}

impl RetentionConfig {
    /// As the service takes it.
    pub fn retention(&self) -> rekey_service::Retention {
        let day = std::time::Duration::from_secs(86_400);
        rekey_service::Retention {
            function_logs: day * self.function_log_days.max(1),
            audit: (self.audit_days > 0).then(|| day * self.audit_days),
        }
    }
}

/// `[audit]`: where the trail is streamed, besides the store.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditConfig {
    /// `[audit.sink]`.
    pub sink: Option<crate::audit_sink::SinkConfig>,
}

impl Config {
    /// Reads and parses the file at `path`.
    pub fn load(path: &Path) -> Result<Config, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        Config::parse(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekey_rotation::registry::FunctionRegistry;

    #[test]
    fn every_kind_parses() {
        let c = Config::parse(
            r#"
            [rotation]
            max_attempts = 2
            [[function]]
            arn = "arn:aws:lambda:us-east-1:000000000000:function:a"
            type = "exec"
            command = ["python3", "x.py"]
            env = { PASSWORD_LENGTH = "40" }
            [[function]]
            arn = "b"
            type = "http"
            url = "http://127.0.0.1:1/"
            timeout_seconds = 5
            [[function]]
            arn = "c"
            type = "lambda"
            endpoint = "http://127.0.0.1:2"
            [[function]]
            arn = "d"
            type = "runtime"
            listen = "127.0.0.1:0"
            [[function]]
            arn = "e"
            type = "builtin:password"
            json_key = "password"
            "#,
        )
        .unwrap();
        assert_eq!(c.rotation.max_attempts, 2);
        assert_eq!(c.rotation.retry_base_ms, RotationSettings::default().retry_base_ms);
        assert_eq!(c.functions.len(), 5);
        assert_eq!(c.functions[0].kind, "exec");
        assert_eq!(c.functions[0].options["command"], serde_json::json!(["python3", "x.py"]));
        assert_eq!(c.functions[1].timeout_seconds, 5);
        assert_eq!(c.functions[4].options["json_key"], "password");
    }

    /// The README's complete example is a valid file, every table used.
    #[test]
    fn the_readme_example_parses() {
        let readme = include_str!("../../../README.md");
        let example = readme.split("A complete configuration file").nth(1).expect("the example");
        let toml = example.split("```toml\n").nth(1).and_then(|t| t.split("```").next()).expect("its block");
        let c = Config::parse(toml).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.rotation.node_id.as_deref(), Some("rekey-1"));
        assert_eq!(c.retention.function_log_days, 30);
        assert!(c.audit.sink.is_some());
        assert_eq!(c.server.log_format(&crate::serve::ServeArgs::default()), crate::serve::LogFormat::Json);
        FunctionRegistry::new(c.functions).unwrap();
    }

    #[test]
    fn mistakes_are_refused() {
        let registry = |text: &str| {
            let text = format!("{text}accounts = [\"*\"]\n");
            FunctionRegistry::new(Config::parse(&text).unwrap().functions).map(|_| ())
        };
        let e = registry("[[function]]\narn = \"a\"\ntype = \"ftp\"\n").unwrap_err();
        assert!(e.starts_with("function a: unknown type \"ftp\" (one of lambda, http, exec, "), "{e}");
        let e = registry("[[function]]\narn = \"a\"\ntype = \"http\"\nurl = \"http://x/\"\nuri = \"y\"\n").unwrap_err();
        assert!(e.starts_with("function a: unknown field `uri`"), "{e}");
        let e = registry("[[function]]\narn = \"a\"\ntype = \"exec\"\ncommand = []\n").unwrap_err();
        assert_eq!(e, "function a: `command` is empty");
        let e = registry("[[function]]\narn = \"a\"\ntype = \"noop\"\nfail_at = \"nextSecret\"\n").unwrap_err();
        assert!(e.starts_with("function a: unknown variant `nextSecret`"), "{e}");
        assert!(Config::parse("[[function]]\narn = \"a\"\n").is_err(), "no type");
        assert!(Config::parse("[rotaton]\n").is_err());
    }
}
