//! Configuration as the aws CLI reads it: `~/.aws/config` and
//! `~/.aws/credentials` (or `AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`),
//! the selected profile, and the `AWS_*` environment variables, with
//! command-line options first.

use crate::error::CliError;
use rekey_sigv4::Credentials;
use std::collections::HashMap;
use std::path::PathBuf;

/// One INI file: section name → key → value.
type Ini = HashMap<String, HashMap<String, String>>;

/// Parses the aws CLI's INI dialect (`#`/`;` comments, `key = value`;
/// indented `key = value` lines under `parent =` are kept as `parent.key`).
fn parse_ini(text: &str) -> Ini {
    let mut out = Ini::new();
    let mut section: Option<String> = None;
    let mut parent: Option<String> = None;
    for raw in text.lines() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.trim().to_string());
            out.entry(name.trim().to_string()).or_default();
            parent = None;
        } else if raw.starts_with([' ', '\t']) {
            if let (Some(s), Some(p), Some((k, v))) = (&section, &parent, line.split_once('=')) {
                out.entry(s.clone()).or_default().insert(format!("{p}.{}", k.trim()), v.trim().to_string());
            }
        } else if let (Some(s), Some((k, v))) = (&section, line.split_once('=')) {
            out.entry(s.clone()).or_default().insert(k.trim().to_string(), v.trim().to_string());
            parent = v.trim().is_empty().then(|| k.trim().to_string());
        }
    }
    out
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn home_file(var: &str, default: &str) -> PathBuf {
    match std::env::var_os(var) {
        Some(p) => expand_home(&PathBuf::from(p)),
        None => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(default),
    }
}

fn expand_home(p: &std::path::Path) -> PathBuf {
    match p.to_str().and_then(|s| s.strip_prefix("~/")) {
        Some(rest) => PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(rest),
        None => p.to_path_buf(),
    }
}

fn read_ini(path: &std::path::Path) -> Ini {
    // A missing file is no configuration, as for the aws CLI.
    let text = zeroize::Zeroizing::new(std::fs::read_to_string(path).unwrap_or_default());
    parse_ini(&text)
}

/// The loaded configuration of one profile.
pub struct Profile {
    /// The profile's name.
    pub name: String,
    /// Whether it was chosen with `--profile` (which sets the
    /// `AWS_ACCESS_KEY_ID` variables aside, as botocore does).
    explicit: bool,
    config: HashMap<String, String>,
    credentials: HashMap<String, String>,
    /// The `[services NAME]` section the profile's `services` names.
    services: HashMap<String, String>,
}

impl Profile {
    /// Loads `profile` (`--profile`), else `AWS_PROFILE`, else `default`.
    pub fn load(profile: Option<&str>) -> Result<Profile, CliError> {
        let explicit = profile.is_some();
        let name = profile.map(str::to_string).or_else(|| env("AWS_PROFILE")).unwrap_or_else(|| "default".into());
        let mut config_file = read_ini(&home_file("AWS_CONFIG_FILE", ".aws/config"));
        let mut credentials_file = read_ini(&home_file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"));
        let section = if name == "default" { "default".to_string() } else { format!("profile {name}") };
        let config = config_file.remove(&section).or_else(|| {
            // `[default]` may also be written `[profile default]`.
            (name == "default").then(|| config_file.remove("profile default")).flatten()
        });
        let credentials = credentials_file.remove(&name);
        if config.is_none() && credentials.is_none() && (explicit || name != "default") {
            return Err(CliError::Other(format!("The config profile ({name}) could not be found")));
        }
        let config = config.unwrap_or_default();
        let services =
            config.get("services").and_then(|s| config_file.remove(&format!("services {s}"))).unwrap_or_default();
        Ok(Profile { name, explicit, config, credentials: credentials.unwrap_or_default(), services })
    }

    /// A value of the profile's `config` section.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.config.get(key).map(String::as_str).filter(|v| !v.is_empty())
    }

    /// The region: `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the
    /// profile; one botocore would not accept as a host label is refused.
    pub fn region(&self, flag: Option<&str>) -> Result<String, CliError> {
        let region = flag
            .map(str::to_string)
            .or_else(|| env("AWS_REGION"))
            .or_else(|| env("AWS_DEFAULT_REGION"))
            .or_else(|| self.get("region").map(str::to_string))
            .ok_or_else(|| CliError::Config {
                code: "NoRegion",
                message: "You must specify a region. You can also configure your region by running \"aws configure\"."
                    .into(),
            })?;
        // botocore: ^[a-zA-Z0-9](?:[a-zA-Z0-9\-]{0,61}[a-zA-Z0-9])?$
        let b = region.as_bytes();
        let label = !b.is_empty()
            && b.len() <= 63
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-');
        if !label {
            return Err(CliError::Other(format!("Provided region_name '{region}' doesn't match a supported format.")));
        }
        Ok(region)
    }

    /// The endpoint: `--endpoint-url`, `AWS_ENDPOINT_URL_SECRETS_MANAGER`,
    /// the `secrets_manager` block of the profile's `[services …]`
    /// section, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`, else AWS itself.
    pub fn endpoint(&self, flag: Option<&str>, region: &str) -> String {
        let configured = || {
            if env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
                return None;
            }
            env("AWS_ENDPOINT_URL_SECRETS_MANAGER")
                .or_else(|| self.services.get("secrets_manager.endpoint_url").filter(|v| !v.is_empty()).cloned())
                .or_else(|| env("AWS_ENDPOINT_URL"))
                .or_else(|| self.get("endpoint_url").map(str::to_string))
        };
        flag.map(str::to_string)
            .or_else(configured)
            .unwrap_or_else(|| format!("https://secretsmanager.{region}.amazonaws.com"))
    }

    /// The credentials: the `AWS_ACCESS_KEY_ID` variables (unless a profile
    /// was named with `--profile`), then the credentials file, then the
    /// config file.
    pub fn credentials(&self) -> Result<Credentials, CliError> {
        if !self.explicit
            && let (Some(id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY"))
        {
            return Ok(Credentials {
                access_key_id: id,
                secret_access_key: zeroize::Zeroizing::new(secret),
                session_token: env("AWS_SESSION_TOKEN"),
            });
        }
        for section in [&self.credentials, &self.config] {
            if let (Some(id), Some(secret)) = (section.get("aws_access_key_id"), section.get("aws_secret_access_key")) {
                return Ok(Credentials {
                    access_key_id: id.clone(),
                    secret_access_key: zeroize::Zeroizing::new(secret.clone()),
                    session_token: section.get("aws_session_token").cloned(),
                });
            }
        }
        Err(CliError::Config {
            code: "NoCredentials",
            message: "Unable to locate credentials. You can configure credentials by running \"aws login\".".into(),
        })
    }

    /// The CA bundle: `--ca-bundle`, `AWS_CA_BUNDLE`, the profile's `ca_bundle`.
    pub fn ca_bundle(&self, flag: Option<&str>) -> Option<PathBuf> {
        flag.map(str::to_string)
            .or_else(|| env("AWS_CA_BUNDLE"))
            .or_else(|| self.get("ca_bundle").map(str::to_string))
            .map(|p| expand_home(&PathBuf::from(p)))
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        for v in self.credentials.values_mut().chain(self.config.values_mut()).chain(self.services.values_mut()) {
            v.zeroize();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ini_sections_and_values() {
        let ini = parse_ini(
            "# comment\n[default]\nregion = us-east-1\noutput=json\n\n[profile dev]\nregion = eu-west-1\ns3 =\n  max_concurrent_requests = 2\n",
        );
        assert_eq!(ini["default"]["region"], "us-east-1");
        assert_eq!(ini["default"]["output"], "json");
        assert_eq!(ini["profile dev"]["region"], "eu-west-1");
        assert_eq!(ini["profile dev"]["s3.max_concurrent_requests"], "2");
    }
}
