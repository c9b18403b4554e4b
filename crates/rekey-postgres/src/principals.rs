//! Accounts, users, policies and access keys on PostgreSQL. A change is
//! appended to the audit trail in its own transaction when it changed
//! something.

use crate::{Db, PgStore};
use rekey_model::Timestamp;
use rekey_model::audit::AuditEvent;
use rekey_model::identity::{AccessKeyRecord, UserName, UserPolicy, UserRecord};
use rekey_model::name::AccountId;
use rekey_store::stored::{KeyRow, account_of, user_name_of};
use rekey_store::{PrincipalStore, StoreError};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};
use std::sync::atomic::Ordering;

const KEY_COLUMNS: &str =
    "id, account, user_name, secret, created_ms, active, session_sha256, expires_ms, parent, role_name, role_policy";

fn key_row(r: &PgRow) -> Result<AccessKeyRecord, StoreError> {
    KeyRow {
        id: r.try_get(0).db()?,
        account: r.try_get(1).db()?,
        user: r.try_get(2).db()?,
        sealed_secret: r.try_get(3).db()?,
        created: r.try_get(4).db()?,
        active: r.try_get(5).db()?,
        token: r.try_get(6).db()?,
        expires: r.try_get(7).db()?,
        parent: r.try_get(8).db()?,
        role_name: r.try_get(9).db()?,
        role_policy: r.try_get(10).db()?,
    }
    .into_record()
}

fn user_record((a, name, user_id, created): (String, String, String, i64)) -> Result<UserRecord, StoreError> {
    Ok(UserRecord {
        account: account_of(a)?,
        name: user_name_of(name)?,
        user_id,
        created: Timestamp::from_millis(created),
    })
}

impl PgStore {
    /// Runs a principal change `f` and, when it `changed` something, appends
    /// its `records`, in one transaction.
    async fn recorded<T: Send>(
        &self,
        records: &[AuditEvent],
        f: impl AsyncFnOnce(&mut PgConnection) -> Result<(T, bool), StoreError>,
    ) -> Result<T, StoreError> {
        let mut tx = crate::begin(&self.pool, None).await?;
        let (out, changed) = f(&mut tx).await?;
        if !changed {
            tx.commit().await.db()?;
            return Ok(out);
        }
        self.notifier.principals(&mut tx).await.db()?;
        self.head.commit_with(tx, self.audit_key.get(), records).await?;
        Ok(out)
    }
}

async fn insert_key(c: &mut PgConnection, k: &AccessKeyRecord) -> Result<(), StoreError> {
    let session = k.session.as_ref();
    let role = session.and_then(|s| s.role.as_ref());
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO access_keys ({KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    )))
    .bind(&k.access_key_id)
    .bind(k.account.as_str())
    .bind(k.user.as_ref().map(UserName::as_str))
    .bind(&k.sealed_secret)
    .bind(k.created.millis())
    .bind(k.active)
    .bind(session.map(|s| s.token_sha256.as_slice()))
    .bind(session.map(|s| s.expires.millis()))
    .bind(session.and_then(|s| s.parent.as_deref()))
    .bind(role.map(|r| r.name.as_str()))
    .bind(role.map(|r| r.policy.as_str()))
    .execute(c)
    .await
    .db()?;
    Ok(())
}

impl PrincipalStore for PgStore {
    fn principals_generation(&self) -> u64 {
        if self.caching() {
            self.principals.load(Ordering::SeqCst)
        } else {
            // Without word of the others' changes, nothing cached holds.
            self.principals.fetch_add(1, Ordering::SeqCst) + 1
        }
    }

    async fn insert_account(&self, id: &AccountId, created: Timestamp) -> Result<bool, StoreError> {
        let n = sqlx::query("INSERT INTO accounts (id, created_ms) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING")
            .bind(id.as_str())
            .bind(created.millis())
            .execute(&self.pool)
            .await
            .db()?;
        Ok(n.rows_affected() == 1)
    }

    async fn accounts(&self) -> Result<Vec<(AccountId, Timestamp)>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as("SELECT id, created_ms FROM accounts ORDER BY created_ms, id")
            .fetch_all(&self.pool)
            .await
            .db()?;
        rows.into_iter().map(|(id, created)| Ok((account_of(id)?, Timestamp::from_millis(created)))).collect()
    }

    async fn insert_user(&self, user: UserRecord, records: Vec<AuditEvent>) -> Result<bool, StoreError> {
        self.recorded(&records, async |c: &mut PgConnection| {
            let n = sqlx::query(
                "INSERT INTO users (account, name, user_id, created_ms) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (account, name) DO NOTHING",
            )
            .bind(user.account.as_str())
            .bind(user.name.as_str())
            .bind(&user.user_id)
            .bind(user.created.millis())
            .execute(c)
            .await
            .db()?;
            let inserted = n.rows_affected() == 1;
            Ok((inserted, inserted))
        })
        .await
    }

    async fn user(&self, account: &AccountId, name: &UserName) -> Result<Option<UserRecord>, StoreError> {
        let row: Option<(String, String, String, i64)> =
            sqlx::query_as("SELECT account, name, user_id, created_ms FROM users WHERE account = $1 AND name = $2")
                .bind(account.as_str())
                .bind(name.as_str())
                .fetch_optional(&self.pool)
                .await
                .db()?;
        row.map(user_record).transpose()
    }

    async fn users(&self, account: &AccountId) -> Result<Vec<UserRecord>, StoreError> {
        let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
            "SELECT account, name, user_id, created_ms FROM users WHERE account = $1 ORDER BY name COLLATE \"C\"",
        )
        .bind(account.as_str())
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.into_iter().map(user_record).collect()
    }

    async fn put_user_policy(
        &self,
        account: &AccountId,
        user: &UserName,
        policy: UserPolicy,
        records: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        self.recorded(&records, async |c: &mut PgConnection| {
            sqlx::query(
                "INSERT INTO user_policies (account, user_name, policy_name, document) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (account, user_name, policy_name) DO UPDATE SET document = excluded.document",
            )
            .bind(account.as_str())
            .bind(user.as_str())
            .bind(&policy.name)
            .bind(&policy.document)
            .execute(c)
            .await
            .db()?;
            Ok(((), true))
        })
        .await
    }

    async fn delete_user_policy(
        &self,
        account: &AccountId,
        user: &UserName,
        name: &str,
        records: Vec<AuditEvent>,
    ) -> Result<bool, StoreError> {
        self.recorded(&records, async |c: &mut PgConnection| {
            let n = sqlx::query("DELETE FROM user_policies WHERE account = $1 AND user_name = $2 AND policy_name = $3")
                .bind(account.as_str())
                .bind(user.as_str())
                .bind(name)
                .execute(c)
                .await
                .db()?;
            let deleted = n.rows_affected() == 1;
            Ok((deleted, deleted))
        })
        .await
    }

    async fn user_policies(&self, account: &AccountId, user: &UserName) -> Result<Vec<UserPolicy>, StoreError> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT policy_name, document FROM user_policies WHERE account = $1 AND user_name = $2
             ORDER BY policy_name COLLATE \"C\"",
        )
        .bind(account.as_str())
        .bind(user.as_str())
        .fetch_all(&self.pool)
        .await
        .db()?;
        Ok(rows.into_iter().map(|(name, document)| UserPolicy { name, document }).collect())
    }

    async fn load_access_key(&self, id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {KEY_COLUMNS} FROM access_keys WHERE id = $1")))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .db()?;
        row.as_ref().map(key_row).transpose()
    }

    async fn access_keys(
        &self,
        account: &AccountId,
        user: Option<&UserName>,
    ) -> Result<Vec<AccessKeyRecord>, StoreError> {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT {KEY_COLUMNS} FROM access_keys WHERE account = $1 AND ($2::text IS NULL OR user_name = $2)
             ORDER BY created_ms, id COLLATE \"C\""
        )))
        .bind(account.as_str())
        .bind(user.map(UserName::as_str))
        .fetch_all(&self.pool)
        .await
        .db()?;
        rows.iter().map(key_row).collect()
    }

    async fn insert_access_key(&self, k: AccessKeyRecord, records: Vec<AuditEvent>) -> Result<(), StoreError> {
        self.recorded(&records, async |c: &mut PgConnection| insert_key(c, &k).await.map(|_| ((), true))).await
    }

    async fn insert_first_access_key(&self, k: AccessKeyRecord) -> Result<bool, StoreError> {
        self.recorded(&[], async |c: &mut PgConnection| {
            // Other inserts wait (reads go on) until this one commits.
            sqlx::query("LOCK TABLE access_keys IN EXCLUSIVE MODE").execute(&mut *c).await.db()?;
            let any: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM access_keys)").fetch_one(&mut *c).await.db()?;
            if any {
                return Ok((false, false));
            }
            insert_key(c, &k).await.map(|_| (true, true))
        })
        .await
    }

    async fn delete_expired_access_keys(&self, now: Timestamp) -> Result<usize, StoreError> {
        let n = sqlx::query("DELETE FROM access_keys WHERE expires_ms < $1")
            .bind(now.millis())
            .execute(&self.pool)
            .await
            .db()?;
        Ok(n.rows_affected() as usize)
    }

    async fn delete_access_key(&self, id: &str, records: Vec<AuditEvent>) -> Result<bool, StoreError> {
        self.recorded(&records, async |c: &mut PgConnection| {
            let n = sqlx::query("DELETE FROM access_keys WHERE id = $1").bind(id).execute(&mut *c).await.db()?;
            sqlx::query("DELETE FROM access_keys WHERE parent = $1").bind(id).execute(&mut *c).await.db()?;
            let deleted = n.rows_affected() == 1;
            Ok((deleted, deleted))
        })
        .await
    }

    async fn count_access_keys(&self) -> Result<usize, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM access_keys").fetch_one(&self.pool).await.db()?;
        Ok(n as usize)
    }
}
