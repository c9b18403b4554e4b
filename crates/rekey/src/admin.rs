//! `rekey admin …`: operator commands against a running server.

use clap::{Args, Subcommand};
use rekey_cli::transport::{Client, Endpoint};
use rekey_sigv4::Credentials;

/// `rekey admin` subcommands.
#[derive(Subcommand)]
pub enum AdminCommand {
    /// Rotation history: every rotation job with its steps, attempts and errors.
    Rotations(RotationsArgs),
    /// What a secret's rotation functions printed, per job and step,
    /// newest first (for callers allowed GetSecretValue on the secret).
    FunctionLogs {
        /// The secret (name or ARN).
        #[arg(long)]
        secret_id: String,
        /// Only this rotation job (an id `rekey admin rotations` shows).
        #[arg(long)]
        job: Option<String>,
        /// At most this many step logs (1 to 100).
        #[arg(long, default_value_t = 20)]
        max_results: usize,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Show or move the clock of a `--dev` server (schedules fire on it).
    Clock(ClockArgs),
    /// The audit trail: CloudTrail records of every call and rotation.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Write a consistent copy of the store while the server takes writes
    /// (administrator only). It is as encrypted as the store; the master
    /// key is not in it: keep that apart.
    Backup {
        /// The new file's name, in the server's `<data-dir>/backups/` (copy it off the host).
        #[arg(long)]
        name: String,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Replace the server's master key file with a new key while it serves
    /// (administrator only): everything sealed under the old key is
    /// re-sealed under the new one, and the old key opens nothing after.
    /// Backups taken before still need the old key. On PostgreSQL, every
    /// node serving needs the new key first: nodes sharing the key file
    /// find it at once; on the others, copy `<key file>.next` beside their
    /// key file. They keep serving until they have it; the answer (and
    /// `master-key-rotation`) shows which nodes the rotation waits for.
    RotateMasterKey {
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Show the master key rotation under way on a PostgreSQL store: its
    /// phase, and which nodes have its new key (administrator only).
    MasterKeyRotation {
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Put a backup in place as the store of an empty data directory (run
    /// with the server stopped; start it with the master key of the backup).
    Restore {
        /// The backup file.
        #[arg(long)]
        from: std::path::PathBuf,
        /// The data directory to restore into (it must hold no store).
        #[arg(long)]
        data_dir: std::path::PathBuf,
    },
    /// Copy a deployment from a data directory's embedded store into a new
    /// PostgreSQL store (`rekey serve --store`), audit trail included,
    /// without decrypting anything, and check the copy. Stop the server
    /// using the data directory first; keep its master key for the nodes.
    Migrate {
        /// The data directory to copy.
        #[arg(long)]
        from: std::path::PathBuf,
        /// The PostgreSQL store to copy into (postgres://user@host/db); it
        /// must hold no deployment yet.
        #[arg(long, value_name = "URL")]
        to: String,
    },
    /// Create an account and an access key for its root (administrator only).
    CreateAccount {
        /// The 12-digit id (default: a random one).
        #[arg(long)]
        account_id: Option<String>,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// List the accounts (administrator only).
    ListAccounts {
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Create a user.
    CreateUser {
        #[command(flatten)]
        user: UserArgs,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// List the users of an account.
    ListUsers {
        #[command(flatten)]
        account: AccountArgs,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Create an access key for a user (or, without --user-name, the account's root).
    CreateAccessKey {
        #[command(flatten)]
        account: AccountArgs,
        /// The user (default: the account's root).
        #[arg(long)]
        user_name: Option<String>,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// List access keys (of a user, or of the whole account).
    ListAccessKeys {
        #[command(flatten)]
        account: AccountArgs,
        /// Only this user's keys.
        #[arg(long)]
        user_name: Option<String>,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Revoke (delete) an access key.
    DeleteAccessKey {
        #[command(flatten)]
        account: AccountArgs,
        /// The key to revoke.
        #[arg(long)]
        access_key_id: String,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Attach a named identity policy to a user (replacing one of that name).
    #[command(visible_alias = "attach-user-policy")]
    PutUserPolicy {
        #[command(flatten)]
        user: UserArgs,
        /// The policy's name.
        #[arg(long)]
        policy_name: String,
        /// The policy JSON, or `file://path`.
        #[arg(long)]
        policy_document: String,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Detach a named identity policy from a user.
    #[command(visible_alias = "detach-user-policy")]
    DeleteUserPolicy {
        #[command(flatten)]
        user: UserArgs,
        /// The policy's name.
        #[arg(long)]
        policy_name: String,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// Temporary credentials for the caller (like `aws sts get-session-token`):
    /// a key, its secret and a session token, valid for --duration-seconds.
    GetSessionToken {
        /// 900 to 129600 seconds (default 43200, 12 hours).
        #[arg(long)]
        duration_seconds: Option<i64>,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// A one-time link that signs a user (or an account's root) in to the
    /// web console: it works once, within 15 minutes (administrator only).
    SignInLink {
        #[command(flatten)]
        account: AccountArgs,
        /// The user (default: the account's root).
        #[arg(long)]
        user_name: Option<String>,
        /// How long the console session lasts: 900 to 129600 seconds (default 3600).
        #[arg(long)]
        duration_seconds: Option<i64>,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
    /// List a user's identity policies with their documents.
    ListUserPolicies {
        #[command(flatten)]
        user: UserArgs,
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
}

/// `rekey admin audit` subcommands.
#[derive(Subcommand)]
pub enum AuditCommand {
    /// Records, newest first, filtered as CloudTrail's LookupEvents filters
    /// (needs `rekey:LookupEvents`; another account's trail, the administrator).
    Lookup(Box<LookupArgs>),
    /// Walk the whole trail's chain and name the first record edited,
    /// removed or moved (administrator only; exits 1 if one is).
    Verify {
        #[command(flatten)]
        endpoint: EndpointArgs,
    },
}

/// Options of `rekey admin audit lookup`.
#[derive(Args)]
pub struct LookupArgs {
    /// Only this event (`GetSecretValue`, `RotationFailed`…).
    #[arg(long)]
    event_name: Option<String>,
    /// Only records about this secret (a name or an ARN).
    #[arg(long)]
    secret_id: Option<String>,
    /// Only records of this user (a name or a principal's ARN).
    #[arg(long)]
    username: Option<String>,
    /// Only records of calls signed with this access key.
    #[arg(long)]
    access_key_id: Option<String>,
    /// Only read-only calls (`true`) or only the others (`false`).
    #[arg(long)]
    read_only: Option<bool>,
    /// Records at or after this UTC instant (`2027-01-01T08:00:00Z`).
    #[arg(long)]
    start_time: Option<String>,
    /// Records before this UTC instant.
    #[arg(long)]
    end_time: Option<String>,
    /// At most this many records.
    #[arg(long, default_value_t = 50)]
    max_results: usize,
    /// Where the previous page stopped.
    #[arg(long)]
    next_token: Option<String>,
    #[command(flatten)]
    account: AccountArgs,
    #[command(flatten)]
    endpoint: EndpointArgs,
}

impl LookupArgs {
    fn body(&self) -> Result<serde_json::Value, String> {
        let mut body = self.account.body();
        let attributes: Vec<serde_json::Value> = [
            ("EventName", self.event_name.clone()),
            ("ResourceName", self.secret_id.clone()),
            ("Username", self.username.clone()),
            ("AccessKeyId", self.access_key_id.clone()),
            ("ReadOnly", self.read_only.map(|r| r.to_string())),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| serde_json::json!({"AttributeKey": k, "AttributeValue": v})))
        .collect();
        body["LookupAttributes"] = attributes.into();
        body["MaxResults"] = self.max_results.into();
        for (key, flag, value) in
            [("StartTime", "--start-time", &self.start_time), ("EndTime", "--end-time", &self.end_time)]
        {
            if let Some(t) = value {
                let ms = rekey_model::calendar::parse_utc(t)
                    .ok_or_else(|| format!("{flag} {t}: expected 2027-01-01T08:00:00Z"))?;
                body[key] = (ms as f64 / 1000.0).into();
            }
        }
        if let Some(t) = &self.next_token {
            body["NextToken"] = t.clone().into();
        }
        Ok(body)
    }
}

/// The account acted on.
#[derive(Args)]
pub struct AccountArgs {
    /// The account (default: the caller's; others need the administrator).
    #[arg(long)]
    account_id: Option<String>,
}

/// A user of an account.
#[derive(Args)]
pub struct UserArgs {
    #[command(flatten)]
    account: AccountArgs,
    /// The user's name.
    #[arg(long)]
    user_name: String,
}

impl AccountArgs {
    fn body(&self) -> serde_json::Value {
        let mut body = serde_json::json!({});
        if let Some(a) = &self.account_id {
            body["AccountId"] = a.clone().into();
        }
        body
    }
}

impl AccountArgs {
    fn with_user(&self, user: Option<String>) -> serde_json::Value {
        let mut body = self.body();
        if let Some(u) = user {
            body["UserName"] = u.into();
        }
        body
    }
}

impl UserArgs {
    fn body(&self) -> serde_json::Value {
        self.account.with_user(Some(self.user_name.clone()))
    }
}

/// A parameter given inline or as `file://path`.
fn inline_or_file(value: &str) -> Result<String, String> {
    match value.strip_prefix("file://") {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}")),
        None => Ok(value.to_string()),
    }
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
    /// Sign with this profile of the shared credentials file
    /// (`AWS_SHARED_CREDENTIALS_FILE`, default `~/.aws/credentials`);
    /// without it, `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    #[arg(long, env = "AWS_PROFILE")]
    profile: Option<String>,
    /// Trust this PEM certificate for an HTTPS endpoint (e.g. a `--dev-tls` server's).
    #[arg(long, env = "AWS_CA_BUNDLE")]
    ca_bundle: Option<std::path::PathBuf>,
}

/// The credentials of `profile`, read as `rekey secretsmanager` and the
/// aws CLI read them (shared credentials file, then config file).
fn profile_credentials(profile: &str) -> Result<Credentials, String> {
    let loaded = rekey_cli::config::Profile::load(Some(profile)).map_err(|e| e.to_string())?;
    loaded.credentials().map_err(|e| format!("profile {profile}: {e}"))
}

/// Runs an admin command.
pub fn run(cmd: AdminCommand) -> Result<(), String> {
    match cmd {
        AdminCommand::Rotations(a) => {
            let mut body = serde_json::json!({ "MaxResults": a.max_results });
            if let Some(id) = a.secret_id {
                body["SecretId"] = id.into();
            }
            print(&call(&a.endpoint, "ListRotations", &body)?)
        }
        AdminCommand::FunctionLogs { secret_id, job, max_results, endpoint } => {
            let mut body = serde_json::json!({ "SecretId": secret_id, "MaxResults": max_results });
            if let Some(job) = job {
                body["JobId"] = job.into();
            }
            print(&call(&endpoint, "ListFunctionLogs", &body)?)
        }
        AdminCommand::RotateMasterKey { endpoint } => {
            print(&call(&endpoint, "RotateMasterKey", &serde_json::json!({}))?)
        }
        AdminCommand::MasterKeyRotation { endpoint } => {
            print(&call(&endpoint, "GetMasterKeyRotation", &serde_json::json!({}))?)
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
            print(&out)
        }
        AdminCommand::Audit(AuditCommand::Lookup(a)) => print(&call(&a.endpoint, "LookupEvents", &a.body()?)?),
        AdminCommand::Audit(AuditCommand::Verify { endpoint }) => {
            let verdict = call(&endpoint, "VerifyTrail", &serde_json::json!({}))?;
            print(&verdict)?;
            match verdict["Intact"].as_bool() {
                Some(true) => Ok(()),
                _ => Err(format!(
                    "the audit trail is broken at record {}: {}",
                    verdict["Sequence"],
                    verdict["Reason"].as_str().unwrap_or("unknown")
                )),
            }
        }
        AdminCommand::Backup { name, endpoint } => {
            print(&call(&endpoint, "Backup", &serde_json::json!({"Name": name}))?)
        }
        AdminCommand::Restore { from, data_dir } => {
            rekey_store::sqlite::SqliteStore::restore(&from, &data_dir).map_err(|e| e.to_string())?;
            print(&serde_json::json!({"Restored": from, "DataDir": data_dir}))
        }
        AdminCommand::Migrate { from, to } => {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            let copied = runtime.block_on(async {
                let target = rekey_postgres::PgStore::connect(&to)
                    .await
                    .map_err(|e| format!("cannot open the PostgreSQL store: {e}"))?;
                let copied = rekey_postgres::import::from_sqlite(&from, &target).await.map_err(|e| e.to_string());
                // Not a node serving the store.
                target.leave().await;
                copied
            })?;
            let tables: serde_json::Map<String, serde_json::Value> =
                copied.tables.iter().map(|(t, n)| (t.to_string(), (*n).into())).collect();
            print(&serde_json::json!({"From": from, "Copied": tables, "Verified": true}))
        }
        AdminCommand::CreateAccount { account_id, endpoint } => {
            let mut body = serde_json::json!({});
            if let Some(a) = account_id {
                body["AccountId"] = a.into();
            }
            print(&call(&endpoint, "CreateAccount", &body)?)
        }
        AdminCommand::ListAccounts { endpoint } => print(&call(&endpoint, "ListAccounts", &serde_json::json!({}))?),
        AdminCommand::CreateUser { user, endpoint } => print(&call(&endpoint, "CreateUser", &user.body())?),
        AdminCommand::ListUsers { account, endpoint } => print(&call(&endpoint, "ListUsers", &account.body())?),
        AdminCommand::CreateAccessKey { account, user_name, endpoint } => {
            print(&call(&endpoint, "CreateAccessKey", &account.with_user(user_name))?)
        }
        AdminCommand::ListAccessKeys { account, user_name, endpoint } => {
            print(&call(&endpoint, "ListAccessKeys", &account.with_user(user_name))?)
        }
        AdminCommand::DeleteAccessKey { account, access_key_id, endpoint } => {
            let mut body = account.body();
            body["AccessKeyId"] = access_key_id.into();
            print(&call(&endpoint, "DeleteAccessKey", &body)?)
        }
        AdminCommand::PutUserPolicy { user, policy_name, policy_document, endpoint } => {
            let mut body = user.body();
            body["PolicyName"] = policy_name.into();
            body["PolicyDocument"] = inline_or_file(&policy_document)?.into();
            print(&call(&endpoint, "PutUserPolicy", &body)?)
        }
        AdminCommand::DeleteUserPolicy { user, policy_name, endpoint } => {
            let mut body = user.body();
            body["PolicyName"] = policy_name.into();
            print(&call(&endpoint, "DeleteUserPolicy", &body)?)
        }
        AdminCommand::GetSessionToken { duration_seconds, endpoint } => {
            let mut body = serde_json::json!({});
            if let Some(d) = duration_seconds {
                body["DurationSeconds"] = d.into();
            }
            print(&call(&endpoint, "GetSessionToken", &body)?)
        }
        AdminCommand::SignInLink { account, user_name, duration_seconds, endpoint } => {
            let mut body = account.with_user(user_name);
            if let Some(d) = duration_seconds {
                body["DurationSeconds"] = d.into();
            }
            let answer = call(&endpoint, "CreateSignInLink", &body)?;
            let c = &answer["Credentials"];
            let text = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            let path = rekey_console::link::path(
                &text("AccessKeyId"),
                &text("SecretAccessKey"),
                &text("SessionToken"),
                &endpoint.region,
            );
            let link = format!("{}{}", endpoint.endpoint_url.trim_end_matches('/'), path.as_str());
            print(&serde_json::json!({ "SignInLink": link, "SessionExpiration": c["Expiration"] }))
        }
        AdminCommand::ListUserPolicies { user, endpoint } => print(&call(&endpoint, "ListUserPolicies", &user.body())?),
    }
}

fn print(v: &serde_json::Value) -> Result<(), String> {
    println!("{}", serde_json::to_string_pretty(v).map_err(|e| e.to_string())?);
    Ok(())
}

/// POSTs a signed `rekey.<op>` request (through the CLI's transport)
/// and returns the JSON answer.
fn call(endpoint: &EndpointArgs, op: &'static str, body: &serde_json::Value) -> Result<serde_json::Value, String> {
    let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    let credentials = match &endpoint.profile {
        Some(profile) => profile_credentials(profile)?,
        None => Credentials {
            access_key_id: env("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "rekey-admin".into()),
            secret_access_key: zeroize::Zeroizing::new(env("AWS_SECRET_ACCESS_KEY").unwrap_or_default()),
            session_token: env("AWS_SESSION_TOKEN"),
        },
    };
    let client = Client::new(Endpoint {
        url: endpoint.endpoint_url.clone(),
        region: endpoint.region.clone(),
        credentials: Some(credentials),
        ca_bundle: endpoint.ca_bundle.clone(),
        no_verify_ssl: false,
        connect_timeout: None,
        read_timeout: None,
        debug: false,
    })
    .map_err(|e| e.to_string())?
    .with_target_prefix(rekey_service::admin::ADMIN_TARGET_PREFIX);
    client.call(op, body).map_err(|e| e.to_string())
}
