//! Built-in rotation of database users (`builtin:postgres-single-user`,
//! `builtin:postgres-alternating-users`, `builtin:mysql-single-user`,
//! `builtin:mysql-alternating-users`; MariaDB is served by the MySQL
//! ones), in process, on the secret layout AWS's database secrets use
//! (`engine`, `host`, `port`, `username`, `password`, `dbname`, `ssl`,
//! `masterarn`), so a secret can move between these rotators and AWS's
//! own rotation functions. Each exists only where the configuration
//! registers it, with the hosts it may connect to ([`HostAllowlist`]).
//!
//! The four steps, as AWS's rotation templates run them:
//! - createSecret: the current value with a new password (alternating:
//!   and the other of `<user>` / `<user>_clone`) as AWSPENDING;
//! - setSecret: single user — log in with the pending, else the current,
//!   else the previous credentials and set the pending password (setting
//!   it again is harmless, so a retried step converges); alternating —
//!   log in as the master (`masterarn`, read as the job's role, so only
//!   the master the caller of RotateSecret was allowed to read) and
//!   create the clone with the original's grants on first use, or set its
//!   password;
//! - testSecret: log in with the pending credentials and run a query;
//! - finishSecret: move AWSCURRENT to the new version.
//!
//! Passwords reach the database as quoted literals made by the server
//! itself (`format('%L')`, `QUOTE()`), never spliced by hand, and never
//! appear in logs or errors.

mod hosts;
mod mysql;
mod postgres;

use super::builtin::{DESCRIBE, failed};
use super::functions::{ExecutorKind, Function, FunctionError};
use crate::engine::RotationEngine;
pub use hosts::HostAllowlist;
use rekey_model::api::{GetSecretValueRequest, PutSecretValueRequest};
use rekey_model::password::PasswordRules;
use rekey_model::rotation::{RotationJob, RotationStep};
use rekey_model::staging::StagingLabel;
use rekey_model::{ErrorCode, SensitiveString};
use rekey_service::RequestContext;
use rekey_store::Store;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::time::Duration;
use zeroize::Zeroizing;

/// The database engines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// PostgreSQL (and compatible).
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
}

/// How credentials change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// The user changes its own password.
    SingleUser,
    /// A master alternates between `<user>` and `<user>_clone`, so the
    /// previous credentials keep working until the next rotation.
    AlternatingUsers,
}

/// A secret's own password length (a tag; overrides the rotator's).
pub const LENGTH_TAG: &str = "rekey:password-length";
/// A secret's own excluded characters (a tag; overrides the rotator's).
pub const EXCLUDE_TAG: &str = "rekey:exclude-characters";

/// Options of a database rotator (`[[function]]` keys; all optional).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseOptions {
    /// New password length (AWS's templates: 32).
    pub password_length: usize,
    /// Characters never used in a password (AWS's templates: `/@"'\`).
    pub exclude_characters: String,
    /// Seconds to wait for a connection.
    pub connect_timeout_seconds: u64,
    /// Seconds one statement may run.
    pub statement_timeout_seconds: u64,
    /// A CA certificate (PEM) to verify the database's TLS certificate with.
    pub ca_file: Option<std::path::PathBuf>,
    /// The database hosts it may connect to: names, addresses or CIDR
    /// networks (see [`HostAllowlist`]). Required: without it the rotator
    /// is not set up.
    pub allowed_hosts: Vec<String>,
}

impl Default for DatabaseOptions {
    fn default() -> Self {
        DatabaseOptions {
            password_length: 32,
            exclude_characters: "/@\"'\\".into(),
            connect_timeout_seconds: 5,
            statement_timeout_seconds: 10,
            ca_file: None,
            allowed_hosts: Vec::new(),
        }
    }
}

/// A configured database rotator.
#[derive(Debug, Clone)]
pub struct DatabaseRotator {
    /// The engine.
    pub engine: Engine,
    /// The strategy.
    pub strategy: Strategy,
    /// Its options.
    pub options: DatabaseOptions,
    /// Where it may connect (from `options.allowed_hosts`).
    pub hosts: HostAllowlist,
}

/// A `type = "builtin:<engine>-<strategy>"` kind.
macro_rules! database_kind {
    ($tag:literal, $engine:expr, $strategy:expr) => {
        ExecutorKind { tag: $tag, build: |_, options| DatabaseRotator::build($engine, $strategy, options) }
    };
}

/// `builtin:postgres-single-user`.
pub const POSTGRES_SINGLE_USER: ExecutorKind =
    database_kind!("builtin:postgres-single-user", Engine::Postgres, Strategy::SingleUser);
/// `builtin:postgres-alternating-users`.
pub const POSTGRES_ALTERNATING_USERS: ExecutorKind =
    database_kind!("builtin:postgres-alternating-users", Engine::Postgres, Strategy::AlternatingUsers);
/// `builtin:mysql-single-user`.
pub const MYSQL_SINGLE_USER: ExecutorKind =
    database_kind!("builtin:mysql-single-user", Engine::Mysql, Strategy::SingleUser);
/// `builtin:mysql-alternating-users`.
pub const MYSQL_ALTERNATING_USERS: ExecutorKind =
    database_kind!("builtin:mysql-alternating-users", Engine::Mysql, Strategy::AlternatingUsers);

impl DatabaseRotator {
    /// A rotator of `engine` by `strategy` with `options` (`[[function]]` keys).
    fn build(engine: Engine, strategy: Strategy, options: Value) -> Result<Function, String> {
        let options: DatabaseOptions = ExecutorKind::options(options)?;
        let hosts = HostAllowlist::parse(&options.allowed_hosts)?;
        Ok(Function::Database(DatabaseRotator { engine, strategy, options, hosts }))
    }

    /// The password rules: the rotator's, overridden by the secret's
    /// `rekey:password-length` / `rekey:exclude-characters` tags.
    fn rules(&self, tags: &[rekey_model::api::Tag]) -> Result<PasswordRules, FunctionError> {
        let tag = |key: &str| tags.iter().find(|t| t.key.as_deref() == Some(key)).and_then(|t| t.value.clone());
        let length = match tag(LENGTH_TAG) {
            Some(v) => v.parse().map_err(|_| invalid(format!("tag {LENGTH_TAG} must be a number, not {v:?}")))?,
            None => self.options.password_length,
        };
        Ok(PasswordRules {
            length,
            exclude_characters: tag(EXCLUDE_TAG).unwrap_or_else(|| self.options.exclude_characters.clone()),
            ..PasswordRules::default()
        })
    }
}

/// TLS to the database, from the secret's `ssl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tls {
    /// `ssl` absent: TLS if the server offers it.
    Prefer,
    /// `"ssl": false`: plain.
    Disable,
    /// `"ssl": "required"`: TLS, certificate not verified.
    Require,
    /// `"ssl": true`: TLS with the certificate verified (system roots or `ca_file`).
    Verify,
}

/// The connection details of one version of a database secret.
pub struct Login {
    /// Host name or address.
    pub host: String,
    /// Port (engine default when absent).
    pub port: Option<u16>,
    /// The user.
    pub username: String,
    /// The password.
    pub password: Zeroizing<String>,
    /// The database (`dbname`).
    pub dbname: Option<String>,
    /// TLS.
    pub tls: Tls,
}

impl std::fmt::Debug for Login {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Login").field("host", &self.host).field("username", &self.username).finish_non_exhaustive()
    }
}

/// A database secret's JSON, kept whole (other keys survive rotation).
struct DbSecret(Map<String, Value>);

impl Drop for DbSecret {
    fn drop(&mut self) {
        if let Some(Value::String(p)) = self.0.get_mut("password") {
            zeroize::Zeroize::zeroize(p);
        }
    }
}

fn invalid(msg: impl Into<String>) -> FunctionError {
    FunctionError::Function(msg.into())
}

impl DbSecret {
    fn parse(text: &str, engine: Engine) -> Result<DbSecret, FunctionError> {
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(text) else {
            return Err(invalid("the secret is not a JSON object with the database credentials"));
        };
        for key in ["host", "username", "password"] {
            if !map.get(key).is_some_and(Value::is_string) {
                return Err(invalid(format!("the secret has no \"{key}\"")));
            }
        }
        let engine_ok = |e: &str| match engine {
            Engine::Postgres => matches!(e, "postgres" | "postgresql" | "aurora-postgresql"),
            Engine::Mysql => matches!(e, "mysql" | "mariadb" | "aurora" | "aurora-mysql"),
        };
        if let Some(e) = map.get("engine").and_then(Value::as_str)
            && !engine_ok(e)
        {
            let want = if engine == Engine::Postgres { "postgres" } else { "mysql" };
            return Err(invalid(format!("Database engine must be set to '{want}' in order to use this rotator")));
        }
        Ok(DbSecret(map))
    }

    fn str(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(Value::as_str)
    }

    fn username(&self) -> &str {
        self.str("username").unwrap_or_default()
    }

    fn login(&self) -> Result<Login, FunctionError> {
        let port = match self.0.get("port") {
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
            Some(Value::String(s)) => s.parse().ok(),
            Some(_) => None,
        };
        let tls = match self.0.get("ssl") {
            None | Some(Value::Null) => Tls::Prefer,
            Some(Value::Bool(true)) => Tls::Verify,
            Some(Value::Bool(false)) => Tls::Disable,
            Some(Value::String(s)) => match s.to_ascii_lowercase().as_str() {
                "true" => Tls::Verify,
                "false" => Tls::Disable,
                "required" | "require" => Tls::Require,
                other => return Err(invalid(format!("\"ssl\" must be true, false or \"required\", not {other:?}"))),
            },
            Some(_) => return Err(invalid("\"ssl\" must be true, false or \"required\"")),
        };
        Ok(Login {
            host: self.str("host").unwrap_or_default().to_string(),
            port,
            username: self.username().to_string(),
            password: Zeroizing::new(self.str("password").unwrap_or_default().to_string()),
            dbname: self.str("dbname").map(str::to_string),
            tls,
        })
    }

    fn to_text(&self) -> Zeroizing<String> {
        Zeroizing::new(serde_json::to_string(&self.0).expect("a JSON map encodes"))
    }
}

/// Whether a single user's password may already be the pending one: only
/// if a setSecret of this rotation ran before (failed, or cut short, in
/// this attempt or an earlier one). Otherwise logging in with it first
/// could only fail, and write a failed login to the database's log, which
/// lockout and alerting tools watch.
fn pending_may_be_set(job: &RotationJob) -> bool {
    job.steps.iter().any(|s| s.step == RotationStep::Set)
}

/// The original of an alternating pair: `app` for `app` and `app_clone`.
pub fn original_user(user: &str) -> &str {
    user.strip_suffix("_clone").unwrap_or(user)
}

/// The other user of an alternating pair: `app` ↔ `app_clone`.
pub fn alternate_user(user: &str) -> String {
    match user.strip_suffix("_clone") {
        Some(original) => original.to_string(),
        None => format!("{user}_clone"),
    }
}

/// Why a database operation failed, as the rotation history shows it:
/// what the database server said, or, when none answered, only that the
/// connection failed. Whether a port was closed, filtered or spoke another
/// protocol is no business of a secret's writer (the detail goes to the
/// server's debug log). Nothing here can carry a password.
fn reason(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::Database(d) => d.message().to_string(),
        other => {
            tracing::debug!(error = %other, "database connection failed");
            "could not connect to the database".into()
        }
    }
}

/// A database operation's error.
fn db_error(what: &str, e: &sqlx::Error) -> FunctionError {
    FunctionError::Function(format!("{what}: {}", reason(e)))
}

/// The first of `logins` that connects, and which one it was; otherwise
/// AWS's "Unable to log into database…" error, with why each one failed.
async fn first_login<'a, C, F, Fut>(
    logins: &'a [(&'static str, Login)],
    connect: F,
) -> Result<(&'static str, C), FunctionError>
where
    F: Fn(&'a Login) -> Fut,
    Fut: std::future::Future<Output = Result<C, sqlx::Error>>,
{
    let mut tried = Vec::new();
    for (which, login) in logins {
        match connect(login).await {
            Ok(conn) => return Ok((which, conn)),
            Err(e) => tried.push(format!("{which}: {}", reason(&e))),
        }
    }
    Err(FunctionError::Function(format!(
        "Unable to log into database with previous, current, or pending secret ({})",
        tried.join("; ")
    )))
}

impl<S: Store> RotationEngine<S> {
    /// A version of a database secret (`what` names it in errors).
    async fn db_secret(
        &self,
        ctx: &RequestContext,
        arn: &str,
        version: Option<&str>,
        stage: &str,
        what: &str,
        engine: Engine,
    ) -> Result<DbSecret, FunctionError> {
        let text = self
            .db_value(ctx, arn, version, Some(stage))
            .await?
            .ok_or_else(|| invalid(format!("the secret has no {what} version")))?;
        DbSecret::parse(text.expose(), engine)
    }

    /// A version's SecretString, if the version exists.
    async fn db_value(
        &self,
        ctx: &RequestContext,
        arn: &str,
        version: Option<&str>,
        stage: Option<&str>,
    ) -> Result<Option<SensitiveString>, FunctionError> {
        let req = GetSecretValueRequest {
            secret_id: arn.to_string(),
            version_id: version.map(str::to_string),
            version_stage: stage.map(str::to_string),
        };
        match self.get_value(ctx, req).await {
            Ok(v) => Ok(v.secret_string),
            Err(e) if e.code == ErrorCode::ResourceNotFoundException => Ok(None),
            Err(e) => Err(failed(e)),
        }
    }

    /// Runs one step of a database rotation, within its time limit.
    pub(crate) async fn builtin_database_step(
        &self,
        rotator: &DatabaseRotator,
        ctx: &RequestContext,
        job: &RotationJob,
        step: RotationStep,
    ) -> Result<(), FunctionError> {
        let o = &rotator.options;
        // Each step makes at most a few connections and statements.
        let limit = Duration::from_secs((o.connect_timeout_seconds + o.statement_timeout_seconds) * 4 + 5);
        match tokio::time::timeout(limit, self.database_step(rotator, ctx, job, step)).await {
            Ok(r) => r,
            Err(_) => Err(FunctionError::Timeout(limit)),
        }
    }

    async fn database_step(
        &self,
        rotator: &DatabaseRotator,
        ctx: &RequestContext,
        job: &RotationJob,
        step: RotationStep,
    ) -> Result<(), FunctionError> {
        let arn = job.arn.to_string();
        let token = job.token.as_str();
        let engine = rotator.engine;
        let current = || self.db_secret(ctx, &arn, None, StagingLabel::CURRENT, "AWSCURRENT", engine);
        let pending = || self.db_secret(ctx, &arn, Some(token), StagingLabel::PENDING, "AWSPENDING", engine);
        match step {
            RotationStep::Create => {
                let current = current().await?;
                if self.db_value(ctx, &arn, Some(token), Some(StagingLabel::PENDING)).await?.is_some() {
                    return Ok(());
                }
                let mut pending = DbSecret(current.0.clone());
                if rotator.strategy == Strategy::AlternatingUsers {
                    pending.0.insert("username".into(), Value::String(alternate_user(current.username())));
                }
                let state = self.service.resolve(&ctx.with_action(DESCRIBE), &arn).await.map_err(failed)?.state;
                let tags = state.secret.meta.tags.as_deref().unwrap_or_default();
                let password = rotator.rules(tags)?.generate().map_err(|e| invalid(e.message))?;
                pending.0.insert("password".into(), Value::String(password.to_string()));
                self.put_value(
                    ctx,
                    PutSecretValueRequest {
                        secret_id: arn.clone(),
                        client_request_token: Some(token.to_string()),
                        secret_string: Some(SensitiveString::new(pending.to_text().to_string())),
                        version_stages: Some(vec![StagingLabel::PENDING.into()]),
                        ..Default::default()
                    },
                )
                .await
                .map_err(failed)
            }
            RotationStep::Set => {
                let (pending, current) = (pending().await?, current().await?);
                let target = pending.login()?;
                match rotator.strategy {
                    Strategy::SingleUser => {
                        let previous = self.db_value(ctx, &arn, None, Some(StagingLabel::PREVIOUS)).await?;
                        let mut logins = Vec::new();
                        if pending_may_be_set(job) {
                            logins.push(("pending", pending.login()?));
                        }
                        logins.push(("current", current.login()?));
                        if let Some(p) = previous.map(|t| DbSecret::parse(t.expose(), engine)).transpose()? {
                            logins.push(("previous", p.login()?));
                        }
                        for (_, login) in &logins {
                            rotator.hosts.check(&login.host)?;
                        }
                        match engine {
                            Engine::Postgres => postgres::set_own_password(&rotator.options, &logins, &target).await,
                            Engine::Mysql => mysql::set_own_password(&rotator.options, &logins, &target).await,
                        }
                    }
                    Strategy::AlternatingUsers => {
                        let master_arn = pending.str("masterarn").ok_or_else(|| {
                            invalid("the secret has no \"masterarn\" (the master credentials' secret)")
                        })?;
                        let master = self
                            .db_secret(ctx, master_arn, None, StagingLabel::CURRENT, "master AWSCURRENT", engine)
                            .await?;
                        // The original whose grants a new clone gets.
                        let original = original_user(current.username());
                        let mut master_login = master.login()?;
                        rotator.hosts.check(&master_login.host)?;
                        // The master connects to the user's database.
                        if master_login.dbname.is_none() {
                            master_login.dbname = target.dbname.clone();
                        }
                        match engine {
                            Engine::Postgres => {
                                postgres::set_user_password(&rotator.options, &master_login, &target, original).await
                            }
                            Engine::Mysql => {
                                mysql::set_user_password(&rotator.options, &master_login, &target, original).await
                            }
                        }
                    }
                }
            }
            RotationStep::Test => {
                let login = pending().await?.login()?;
                rotator.hosts.check(&login.host)?;
                match engine {
                    Engine::Postgres => postgres::test_login(&rotator.options, &login).await,
                    Engine::Mysql => mysql::test_login(&rotator.options, &login).await,
                }
            }
            RotationStep::Finish => self.finish_step(ctx, job).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The pending password is tried first only after a setSecret ran.
    #[test]
    fn the_pending_login_is_tried_only_after_a_set_secret_ran() {
        use rekey_model::rotation::{RotationMode, StepRecord};
        let arn =
            rekey_model::name::Arn::parse("arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf").unwrap();
        let token = rekey_model::staging::VersionId::random();
        let now = rekey_model::Timestamp::from_millis(0);
        let mut job = RotationJob::new(arn, token, "builtin:postgres-single-user".into(), RotationMode::Rotate, now);
        let ran = |step| StepRecord {
            attempt: 1,
            step,
            started: now,
            millis: 1,
            error: None,
            output: None,
            interrupted: false,
        };
        job.steps.push(ran(RotationStep::Create));
        assert!(!pending_may_be_set(&job), "the first setSecret");
        job.steps.push(StepRecord { error: Some("interrupted".into()), interrupted: true, ..ran(RotationStep::Set) });
        assert!(pending_may_be_set(&job), "a setSecret was cut short: it may have set it");
    }

    #[test]
    fn alternating_names() {
        assert_eq!(alternate_user("app"), "app_clone");
        assert_eq!(alternate_user("app_clone"), "app");
    }

    #[test]
    fn secrets_parse_as_aws_lays_them_out() {
        let s = DbSecret::parse(
            r#"{"engine":"postgres","host":"db","port":"5433","username":"u","password":"p","dbname":"d","ssl":"required","extra":1}"#,
            Engine::Postgres,
        )
        .unwrap();
        let l = s.login().unwrap();
        assert_eq!((l.host.as_str(), l.port, l.username.as_str(), l.tls), ("db", Some(5433), "u", Tls::Require));
        assert!(
            DbSecret::parse(r#"{"engine":"mysql","host":"h","username":"u","password":"p"}"#, Engine::Postgres)
                .is_err()
        );
        assert!(DbSecret::parse(r#"{"host":"h","username":"u"}"#, Engine::Mysql).is_err());
        let e = DbSecret::parse(r#"{"host":"h","username":"u","password":"p","ssl":"maybe"}"#, Engine::Mysql).unwrap();
        assert!(e.login().is_err());
    }
}
