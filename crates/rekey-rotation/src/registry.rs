//! The rotation-function registry: which function runs behind a
//! `RotationLambdaARN`. It comes from the `[[function]]` tables of the
//! server configuration file, each built by the kind its `type` names
//! ([`KINDS`]); an ARN that is not registered cannot be invoked, as a
//! Lambda function that does not exist cannot on AWS, and one registered
//! serves only the accounts it is configured for.

use super::builtin::{self, PasswordRotator};
use super::database;
use super::functions::{ExecutorKind, Function, FunctionConfig, PASSWORD, RuntimeEndpoint, Setup};
use super::{exec, http, lambda, noop, runtime};
use rekey_model::name::AccountId;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// Every kind of function, by tag.
pub const KINDS: &[ExecutorKind] = &[
    lambda::KIND,
    http::KIND,
    exec::KIND,
    runtime::KIND,
    builtin::KIND,
    database::POSTGRES_SINGLE_USER,
    database::POSTGRES_ALTERNATING_USERS,
    database::MYSQL_SINGLE_USER,
    database::MYSQL_ALTERNATING_USERS,
    noop::KIND,
];

/// Which accounts a function serves.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Accounts {
    /// Every account (`accounts = ["*"]`).
    Any,
    /// These.
    Only(Vec<AccountId>),
}

impl Accounts {
    /// From a function's configuration: its `accounts`, or the account its ARN names.
    fn of(config: &FunctionConfig) -> Result<Accounts, String> {
        if config.accounts.iter().any(|a| a == "*") {
            return Ok(Accounts::Any);
        }
        let listed: Option<Vec<AccountId>> = config.accounts.iter().map(|a| AccountId::parse(a)).collect();
        match listed {
            None => {
                Err(format!("function {}: `accounts` holds something other than 12-digit ids or \"*\"", config.arn))
            }
            Some(listed) if !listed.is_empty() => Ok(Accounts::Only(listed)),
            // It acts only on the secret it rotates, as that secret's account.
            Some(_) if config.arn == PASSWORD && config.kind == PASSWORD => Ok(Accounts::Any),
            Some(_) => match config.arn.split(':').nth(4).and_then(AccountId::parse) {
                Some(own) => Ok(Accounts::Only(vec![own])),
                None => Err(format!(
                    "function {}: its ARN names no account, so it serves none; list them in `accounts` (\"*\" for every account)",
                    config.arn
                )),
            },
        }
    }

    fn serves(&self, account: &AccountId) -> bool {
        match self {
            Accounts::Any => true,
            Accounts::Only(list) => list.contains(account),
        }
    }
}

/// Every registered function, by ARN, with the accounts it serves.
#[derive(Default)]
pub struct FunctionRegistry {
    functions: HashMap<String, (Arc<Function>, Accounts)>,
    runtimes: Vec<RuntimeEndpoint>,
}

impl FunctionRegistry {
    /// Builds the registry from configuration; fails on a duplicate ARN, an
    /// unknown `type`, or an executor that cannot be set up.
    pub fn new(configs: Vec<FunctionConfig>) -> Result<Self, String> {
        let mut registry = FunctionRegistry::default();
        for c in configs {
            let accounts = Accounts::of(&c)?;
            let Some(kind) = KINDS.iter().find(|k| k.tag == c.kind) else {
                let known: Vec<&str> = KINDS.iter().map(|k| k.tag).collect();
                return Err(format!("function {}: unknown type \"{}\" (one of {})", c.arn, c.kind, known.join(", ")));
            };
            let setup = Setup {
                arn: &c.arn,
                timeout: Duration::from_secs(c.timeout_seconds.max(1)),
                runtimes: &mut registry.runtimes,
            };
            let function = (kind.build)(setup, serde_json::Value::Object(c.options))
                .map_err(|e| format!("function {}: {e}", c.arn))?;
            if registry.functions.insert(c.arn.clone(), (Arc::new(function), accounts)).is_some() {
                return Err(format!("function {} is configured twice", c.arn));
            }
        }
        // `builtin:password` needs nothing outside rekey, so every account
        // has it without configuration (a `[[function]]` entry may still
        // set its options or narrow its accounts).
        registry
            .functions
            .entry(PASSWORD.to_string())
            .or_insert_with(|| (Arc::new(Function::Password(PasswordRotator::default())), Accounts::Any));
        Ok(registry)
    }

    /// The function registered for `arn`, if it serves `account` (else
    /// none: to a tenant, another's function does not exist).
    pub fn get(&self, arn: &str, account: &AccountId) -> Option<Arc<Function>> {
        self.functions.get(arn).filter(|(_, accounts)| accounts.serves(account)).map(|(f, _)| f.clone())
    }

    /// The Lambda Runtime API endpoints to serve.
    pub fn runtimes(&self) -> &[RuntimeEndpoint] {
        &self.runtimes
    }
}
