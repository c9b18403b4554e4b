//! Rows of the principals: accounts, users, their identity policies and
//! access keys.

use crate::StoreError;
use crate::stored::{KeyRow, account_of as account, user_name_of as user_name};
use rekey_model::Timestamp;
use rekey_model::identity::{AccessKeyRecord, UserName, UserPolicy, UserRecord};
use rekey_model::name::AccountId;
use rusqlite::{Connection, OptionalExtension, Row, params};

/// Records an account; `false` if it existed.
pub fn insert_account(conn: &Connection, id: &AccountId, created: Timestamp) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached("INSERT INTO accounts (id, created_ms) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING")?
        .execute(params![id.as_str(), created.millis()])?;
    Ok(n == 1)
}

/// Every account, oldest first.
pub fn accounts(conn: &Connection) -> Result<Vec<(AccountId, Timestamp)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, created_ms FROM accounts ORDER BY created_ms, id")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    rows.map(|r| {
        let (id, created) = r?;
        Ok((account(id)?, Timestamp::from_millis(created)))
    })
    .collect()
}

/// Records a user; `false` if one of that name exists in the account.
pub fn insert_user(conn: &Connection, u: &UserRecord) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached(
            "INSERT INTO users (account, name, user_id, created_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (account, name) DO NOTHING",
        )?
        .execute(params![u.account.as_str(), u.name.as_str(), u.user_id, u.created.millis()])?;
    Ok(n == 1)
}

fn user_row(r: &Row<'_>) -> rusqlite::Result<(String, String, String, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn user_record((a, name, user_id, created): (String, String, String, i64)) -> Result<UserRecord, StoreError> {
    Ok(UserRecord { account: account(a)?, name: user_name(name)?, user_id, created: Timestamp::from_millis(created) })
}

/// A user of an account.
pub fn user(conn: &Connection, a: &AccountId, name: &UserName) -> Result<Option<UserRecord>, StoreError> {
    conn.prepare_cached("SELECT account, name, user_id, created_ms FROM users WHERE account = ?1 AND name = ?2")?
        .query_row(params![a.as_str(), name.as_str()], user_row)
        .optional()?
        .map(user_record)
        .transpose()
}

/// The users of an account, by name.
pub fn users(conn: &Connection, a: &AccountId) -> Result<Vec<UserRecord>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT account, name, user_id, created_ms FROM users WHERE account = ?1 ORDER BY name")?;
    let rows = stmt.query_map([a.as_str()], user_row)?;
    rows.map(|r| user_record(r?)).collect()
}

/// Attaches (or replaces) a named policy of a user.
pub fn put_user_policy(conn: &Connection, a: &AccountId, user: &UserName, p: &UserPolicy) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO user_policies (account, user_name, policy_name, document) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (account, user_name, policy_name) DO UPDATE SET document = excluded.document",
    )?
    .execute(params![a.as_str(), user.as_str(), p.name, p.document])?;
    Ok(())
}

/// Detaches a named policy; `false` if the user had none of that name.
pub fn delete_user_policy(conn: &Connection, a: &AccountId, user: &UserName, name: &str) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached("DELETE FROM user_policies WHERE account = ?1 AND user_name = ?2 AND policy_name = ?3")?
        .execute(params![a.as_str(), user.as_str(), name])?;
    Ok(n == 1)
}

/// A user's policies, by name.
pub fn user_policies(conn: &Connection, a: &AccountId, user: &UserName) -> Result<Vec<UserPolicy>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT policy_name, document FROM user_policies WHERE account = ?1 AND user_name = ?2 ORDER BY policy_name",
    )?;
    let rows = stmt
        .query_map(params![a.as_str(), user.as_str()], |r| Ok(UserPolicy { name: r.get(0)?, document: r.get(1)? }))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const KEY_COLUMNS: &str =
    "id, account, user_name, secret, created_ms, active, session_sha256, expires_ms, parent, role_name, role_policy";

fn key_row(r: &Row<'_>) -> rusqlite::Result<KeyRow> {
    Ok(KeyRow {
        id: r.get(0)?,
        account: r.get(1)?,
        user: r.get(2)?,
        sealed_secret: r.get(3)?,
        created: r.get(4)?,
        active: r.get(5)?,
        token: r.get(6)?,
        expires: r.get(7)?,
        parent: r.get(8)?,
        role_name: r.get(9)?,
        role_policy: r.get(10)?,
    })
}

/// An access key.
pub fn load_access_key(conn: &Connection, id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
    conn.prepare_cached(&format!("SELECT {KEY_COLUMNS} FROM access_keys WHERE id = ?1"))?
        .query_row([id], key_row)
        .optional()?
        .map(KeyRow::into_record)
        .transpose()
}

/// The keys of an account's user, or of the whole account when `user` is
/// `None`, oldest first.
pub fn access_keys(
    conn: &Connection,
    a: &AccountId,
    user: Option<&UserName>,
) -> Result<Vec<AccessKeyRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {KEY_COLUMNS} FROM access_keys WHERE account = ?1 AND (?2 IS NULL OR user_name = ?2)
         ORDER BY created_ms, id"
    ))?;
    let rows = stmt.query_map(params![a.as_str(), user.map(UserName::as_str)], key_row)?;
    rows.map(|r| KeyRow::into_record(r?)).collect()
}

/// Stores a new access key.
pub fn insert_access_key(conn: &Connection, k: &AccessKeyRecord) -> Result<(), StoreError> {
    let session = k.session.as_ref();
    let role = session.and_then(|s| s.role.as_ref());
    conn.prepare_cached(&format!(
        "INSERT INTO access_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    ))?
    .execute(params![
        k.access_key_id,
        k.account.as_str(),
        k.user.as_ref().map(UserName::as_str),
        k.sealed_secret,
        k.created.millis(),
        k.active,
        session.map(|s| s.token_sha256.as_slice()),
        session.map(|s| s.expires.millis()),
        session.and_then(|s| s.parent.as_deref()),
        role.map(|r| r.name.as_str()),
        role.map(|r| r.policy.as_str()),
    ])?;
    Ok(())
}

/// Deletes temporary keys that expired before `now`; how many.
pub fn delete_expired_access_keys(conn: &Connection, now: Timestamp) -> Result<usize, StoreError> {
    Ok(conn.prepare_cached("DELETE FROM access_keys WHERE expires_ms < ?1")?.execute([now.millis()])?)
}

/// Deletes an access key and the temporary credentials made from it;
/// `false` if there was no such key.
pub fn delete_access_key(conn: &Connection, id: &str) -> Result<bool, StoreError> {
    let deleted = conn.prepare_cached("DELETE FROM access_keys WHERE id = ?1")?.execute([id])? == 1;
    conn.prepare_cached("DELETE FROM access_keys WHERE parent = ?1")?.execute([id])?;
    Ok(deleted)
}

/// How many access keys exist.
pub fn count_access_keys(conn: &Connection) -> Result<usize, StoreError> {
    Ok(conn.prepare_cached("SELECT count(*) FROM access_keys")?.query_row([], |r| r.get::<_, i64>(0))? as usize)
}
