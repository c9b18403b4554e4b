//! One signed call: the JSON body POSTed with `X-Amz-Target`, SigV4
//! signed, retried on throttling, 5xx answers and broken connections
//! (three attempts, as the aws CLI's standard retry mode), and the
//! answer or the service's error returned.

use crate::error::CliError;
use rekey_sigv4::{self as sigv4, Credentials};
use serde_json::Value;
use std::time::Duration;

/// Where and how to call.
pub struct Endpoint {
    /// `https://secretsmanager.us-east-1.amazonaws.com` or `--endpoint-url`.
    pub url: String,
    /// The signing region.
    pub region: String,
    /// The credentials (`None` with `--no-sign-request`).
    pub credentials: Option<Credentials>,
    /// An extra CA to trust.
    pub ca_bundle: Option<std::path::PathBuf>,
    /// `--no-verify-ssl`.
    pub no_verify_ssl: bool,
    /// `--cli-connect-timeout` (`None`: wait forever).
    pub connect_timeout: Option<Duration>,
    /// `--cli-read-timeout` (`None`: wait forever).
    pub read_timeout: Option<Duration>,
    /// `--debug`.
    pub debug: bool,
}

/// Members whose values `--debug` never prints.
const SENSITIVE: [&str; 3] = ["SecretString", "SecretBinary", "RandomPassword"];

/// `body` with sensitive members (at any depth) replaced by `<redacted>`.
pub fn redacted(body: &Value) -> Value {
    match body {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let v =
                        if SENSITIVE.contains(&k.as_str()) { Value::String("<redacted>".into()) } else { redacted(v) };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redacted).collect()),
        v => v.clone(),
    }
}

fn debug(on: bool, msg: impl FnOnce() -> String) {
    if on {
        eprintln!("{} - rekey.transport - DEBUG - {}", now_text(), msg());
    }
}

fn now_text() -> String {
    let ms = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_millis();
    crate::model::iso8601(ms as f64 / 1000.0)
}

/// A client reused across the pages of one command.
pub struct Client {
    endpoint: Endpoint,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
    host: String,
    target_prefix: &'static str,
}

impl Client {
    /// Builds the HTTP client for `endpoint`.
    pub fn new(endpoint: Endpoint) -> Result<Client, CliError> {
        let url = reqwest::Url::parse(&endpoint.url).ok().filter(|u| matches!(u.scheme(), "http" | "https")).ok_or_else(|| {
            CliError::Validation(format!("Bad value for --endpoint-url \"{}\": scheme is missing.  Must be of the form http://<hostname>/ or https://<hostname>/", endpoint.url))
        })?;
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            _ => return Err(CliError::Other(format!("Bad value for --endpoint-url \"{}\"", endpoint.url))),
        };
        let mut builder = reqwest::Client::builder().user_agent(concat!("rekey-cli/", env!("CARGO_PKG_VERSION")));
        if let Some(t) = endpoint.connect_timeout {
            builder = builder.connect_timeout(t);
        }
        if let Some(t) = endpoint.read_timeout {
            builder = builder.read_timeout(t);
        }
        if endpoint.no_verify_ssl {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        if let Some(ca) = &endpoint.ca_bundle {
            let pem = std::fs::read(ca).map_err(|e| CliError::Config {
                code: "Configuration",
                message: format!("Unable to read the CA bundle {}: {e}", ca.display()),
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| CliError::Config {
                code: "Configuration",
                message: format!("Invalid CA bundle {}: {e}", ca.display()),
            })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let http = builder.build().map_err(|e| CliError::Other(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::Other(e.to_string()))?;
        Ok(Client { endpoint, http, runtime, host, target_prefix: "secretsmanager." })
    }

    /// The same client for another service's operations: `X-Amz-Target`
    /// becomes `<prefix><operation>` (`rekey.` for `rekey admin`).
    pub fn with_target_prefix(mut self, prefix: &'static str) -> Client {
        self.target_prefix = prefix;
        self
    }

    /// Calls `operation` with `body`: the answer's JSON, or the error.
    pub fn call(&self, operation: &'static str, body: &Value) -> Result<Value, CliError> {
        let bytes = serde_json::to_vec(body).map_err(|e| CliError::Other(e.to_string()))?;
        debug(self.endpoint.debug, || format!("Calling {operation} with body: {}", redacted(body)));
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.attempt(operation, &bytes) {
                Err(Retry::Yes(e)) if attempt < 3 => {
                    debug(self.endpoint.debug, || format!("Retrying {operation} (attempt {attempt}): {e}"));
                    std::thread::sleep(Duration::from_millis(100 * (1 << attempt)));
                }
                Err(Retry::Yes(e) | Retry::No(e)) => return Err(e),
                Ok(v) => return Ok(v),
            }
        }
    }

    fn attempt(&self, operation: &'static str, bytes: &[u8]) -> Result<Value, Retry> {
        let target = format!("{}{operation}", self.target_prefix);
        let base = vec![
            ("content-type".to_string(), "application/x-amz-json-1.1".to_string()),
            ("host".to_string(), self.host.clone()),
            ("x-amz-target".to_string(), target),
        ];
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        let headers = match &self.endpoint.credentials {
            Some(creds) => sigv4::sign(
                sigv4::Request { method: "POST", path: "/", headers: base, body: bytes },
                creds,
                &self.endpoint.region,
                "secretsmanager",
                now.as_millis() as i64,
            ),
            None => base,
        };
        debug(self.endpoint.debug, || {
            let shown: Vec<String> = headers
                .iter()
                .map(|(k, v)| match k.as_str() {
                    "authorization" => format!(
                        "{k}: {}",
                        v.split("Signature=").next().unwrap_or_default().to_string() + "Signature=<redacted>"
                    ),
                    "x-amz-security-token" => format!("{k}: <redacted>"),
                    _ => format!("{k}: {v}"),
                })
                .collect();
            format!("Sending POST {} with headers: {{{}}}", self.endpoint.url, shown.join(", "))
        });
        let mut request = self.http.post(&self.endpoint.url).body(bytes.to_vec());
        for (k, v) in headers.iter().filter(|(k, _)| k != "host") {
            request = request.header(k, v);
        }
        let (status, text) = self
            .runtime
            .block_on(async {
                let response = request.send().await?;
                let status = response.status();
                Ok::<_, reqwest::Error>((status, response.text().await?))
            })
            .map_err(|e| {
                let connect = e.is_connect() || e.is_timeout();
                let err = CliError::Other(if e.is_connect() {
                    format!("Could not connect to the endpoint URL: \"{}\"", self.endpoint.url)
                } else if e.is_timeout() {
                    format!("Read timeout on endpoint URL: \"{}\"", self.endpoint.url)
                } else {
                    format!(
                        "Connection was closed before we received a valid response from endpoint URL: \"{}\".",
                        self.endpoint.url
                    )
                });
                if connect { Retry::Yes(err) } else { Retry::No(err) }
            })?;
        let value: Value = if text.trim().is_empty() {
            Value::Object(Default::default())
        } else {
            serde_json::from_str(&text).map_err(|_| {
                Retry::No(CliError::Other(format!(
                    "An error occurred ({}) when calling the {operation} operation: {}",
                    status.as_u16(),
                    text.trim()
                )))
            })?
        };
        debug(self.endpoint.debug, || format!("Response {} for {operation}: {}", status.as_u16(), redacted(&value)));
        if status.is_success() {
            return Ok(value);
        }
        let code = value["__type"].as_str().map(|t| t.rsplit('#').next().unwrap_or(t).to_string());
        let code = code.unwrap_or_else(|| status.as_u16().to_string());
        let message = value["message"].as_str().or(value["Message"].as_str()).unwrap_or_default().to_string();
        let retry = status.is_server_error() || code.contains("Throttl");
        let err = CliError::Service { operation, code, message };
        Err(if retry { Retry::Yes(err) } else { Retry::No(err) })
    }
}

enum Retry {
    Yes(CliError),
    No(CliError),
}
