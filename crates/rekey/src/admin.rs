//! `rekey admin …`: operator commands against a running server.

use clap::{Args, Subcommand};
use rekey_service::sigv4::{self, Credentials};

/// `rekey admin` subcommands.
#[derive(Subcommand)]
pub enum AdminCommand {
    /// Rotation history: every rotation job with its steps, attempts and errors.
    Rotations(RotationsArgs),
    /// Show or move the clock of a `--dev` server (schedules fire on it).
    Clock(ClockArgs),
}

/// Options of `rekey admin clock`.
#[derive(Args)]
pub struct ClockArgs {
    /// Move forward by this much: `90s`, `45m`, `12h`, `30d`.
    #[arg(long, conflicts_with = "set")]
    advance: Option<String>,
    /// Move forward to this UTC instant: `2027-01-01` or `2027-01-01T08:00:00Z`.
    #[arg(long)]
    set: Option<String>,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

/// Seconds of `90s`, `45m`, `12h`, `30d` (or a bare number of seconds).
fn parse_span(s: &str) -> Result<i64, String> {
    let (n, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c),
        _ => (s, 's'),
    };
    let n: i64 = n.parse().map_err(|_| format!("--advance {s}: expected e.g. 90s, 45m, 12h or 30d"))?;
    let unit = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(format!("--advance {s}: the unit is s, m, h or d")),
    };
    Ok(n * unit)
}

/// Options of `rekey admin rotations`.
#[derive(Args)]
pub struct RotationsArgs {
    /// Only this secret (name or ARN); default: every secret of the region.
    #[arg(long)]
    secret_id: Option<String>,
    /// At most this many rotations, newest first.
    #[arg(long, default_value_t = 100)]
    max_results: usize,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

/// Where the server is and who is asking.
#[derive(Args)]
pub struct EndpointArgs {
    /// The server.
    #[arg(long, env = "AWS_ENDPOINT_URL", default_value = "http://127.0.0.1:4584")]
    endpoint_url: String,
    /// The region (namespace) to look in.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    region: String,
}

/// Runs an admin command.
pub fn run(cmd: AdminCommand) -> Result<(), String> {
    match cmd {
        AdminCommand::Rotations(a) => {
            let mut body = serde_json::json!({ "MaxResults": a.max_results });
            if let Some(id) = a.secret_id {
                body["SecretId"] = id.into();
            }
            let out = call(&a.endpoint, "ListRotations", &body)?;
            println!("{}", serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
            Ok(())
        }
        AdminCommand::Clock(a) => {
            let mut body = serde_json::json!({});
            if let Some(span) = &a.advance {
                body["AdvanceSeconds"] = parse_span(span)?.into();
            }
            if let Some(t) = &a.set {
                let ms = rekey_model::calendar::parse_utc(t)
                    .ok_or_else(|| format!("--set {t}: expected 2027-01-01T08:00:00Z"))?;
                body["Set"] = (ms as f64 / 1000.0).into();
            }
            let mut out = call(&a.endpoint, "Clock", &body)?;
            let now = out["Now"].as_f64().unwrap_or_default();
            out["Utc"] = rekey_model::calendar::format_utc((now * 1000.0) as i64).into();
            println!("{}", serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?);
            Ok(())
        }
    }
}

/// POSTs a signed `rekey.<op>` request and returns the JSON answer.
fn call(endpoint: &EndpointArgs, op: &str, body: &serde_json::Value) -> Result<serde_json::Value, String> {
    let url = reqwest::Url::parse(&endpoint.endpoint_url).map_err(|e| format!("--endpoint-url: {e}"))?;
    let host = match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => return Err("--endpoint-url has no host".into()),
    };
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let credentials = Credentials {
        access_key_id: env("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "rekey-admin".into()),
        secret_access_key: zeroize::Zeroizing::new(env("AWS_SECRET_ACCESS_KEY").unwrap_or_default()),
        session_token: env("AWS_SESSION_TOKEN"),
    };
    let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_err(|e| e.to_string())?;
    let target = format!("{}{op}", rekey_service::admin::ADMIN_TARGET_PREFIX);
    let headers = sigv4::sign(
        sigv4::Request {
            method: "POST",
            path: "/",
            headers: vec![
                ("content-type".into(), "application/x-amz-json-1.1".into()),
                ("host".into(), host),
                ("x-amz-target".into(), target),
            ],
            body: &bytes,
        },
        &credentials,
        &endpoint.region,
        "secretsmanager",
        now.as_millis() as i64,
    );
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let client = reqwest::Client::new();
        let mut request = client.post(url).body(bytes);
        for (k, v) in headers.iter().filter(|(k, _)| k != "host") {
            request = request.header(k, v);
        }
        let response = request.send().await.map_err(|e| format!("cannot reach {}: {e}", endpoint.endpoint_url))?;
        let status = response.status();
        let text = response.text().await.map_err(|e| e.to_string())?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|_| format!("unexpected answer (HTTP {status}): {text}"))?;
        if !status.is_success() {
            let kind = value["__type"].as_str().unwrap_or("error");
            let message = value["Message"].as_str().unwrap_or_default();
            return Err(format!("{kind}: {message}"));
        }
        Ok(value)
    })
}
