//! The SQLite schema and its migrations (applied in order on open; the
//! number applied is kept in `PRAGMA user_version`).

use rusqlite::Connection;

/// Each entry migrates from version `index` to `index + 1`. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: secrets, versions, labels, keyring.
    r#"
    -- AUTOINCREMENT: a purged secret's key is never reused, so nothing
    -- cached under it can be mistaken for a newer secret's.
    CREATE TABLE secrets (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        account          TEXT    NOT NULL,
        region           TEXT    NOT NULL,
        name             TEXT    NOT NULL,
        suffix           TEXT    NOT NULL,
        created_ms       INTEGER NOT NULL,
        last_changed_ms  INTEGER NOT NULL,
        last_accessed_ms INTEGER,
        deleted_ms       INTEGER,
        purge_at_ms      INTEGER,
        meta             TEXT    NOT NULL,
        UNIQUE (account, region, name)
    );
    CREATE INDEX secrets_purge ON secrets (purge_at_ms) WHERE purge_at_ms IS NOT NULL;

    -- Sealed values, append-only: a batch of writes fills the same few
    -- pages instead of splitting pages all over the versions b-tree.
    CREATE TABLE sealed_values (
        id          INTEGER PRIMARY KEY,
        kek_id      TEXT NOT NULL,
        wrapped_key BLOB NOT NULL,
        ciphertext  BLOB NOT NULL
    );

    -- Keyed by (secret, version) so that a secret's versions sit together
    -- and a write touches one b-tree, not a table and an index. `seq` keeps
    -- creation order. A version without a value is the value-less
    -- AWSPENDING version created by RotateSecret.
    CREATE TABLE versions (
        secret_pk        INTEGER NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
        version_id       TEXT    NOT NULL,
        seq              INTEGER NOT NULL,
        created_ms       INTEGER NOT NULL,
        last_accessed_ms INTEGER,
        kms_key_id       TEXT,
        value_id         INTEGER REFERENCES sealed_values (id),
        PRIMARY KEY (secret_pk, version_id)
    ) WITHOUT ROWID;

    -- One row per (secret, label): a label is on at most one version by
    -- construction, and it can only point at a version of its own secret.
    CREATE TABLE labels (
        secret_pk  INTEGER NOT NULL,
        label      TEXT    NOT NULL,
        version_id TEXT    NOT NULL,
        PRIMARY KEY (secret_pk, label),
        FOREIGN KEY (secret_pk, version_id) REFERENCES versions (secret_pk, version_id) ON DELETE CASCADE
    ) WITHOUT ROWID;

    -- Key-encryption keys (wrapped by the master key) and the key check.
    CREATE TABLE keyring (
        id      TEXT PRIMARY KEY,
        wrapped BLOB NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 2: rotation jobs (the job's document, with its status and secret as
    // columns for the queries that need them).
    r#"
    CREATE TABLE rotations (
        id         TEXT    PRIMARY KEY,
        secret_pk  INTEGER NOT NULL REFERENCES secrets (id) ON DELETE CASCADE,
        status     TEXT    NOT NULL,
        created_ms INTEGER NOT NULL,
        body       TEXT    NOT NULL
    );
    CREATE INDEX rotations_active ON rotations (status) WHERE status = 'active';
    CREATE INDEX rotations_secret ON rotations (secret_pk, created_ms);
    "#,
    // 3: ListSecrets in creation order (the default) without a scan.
    // Creation time never changes, so this index costs writes nothing after
    // the insert; (account, region, name) is the unique index.
    r#"
    CREATE INDEX secrets_created ON secrets (account, region, created_ms, id);
    "#,
    // 4: when the scheduler starts each secret's next rotation; the
    // scheduler reads the due end of this index.
    r#"
    ALTER TABLE secrets ADD COLUMN rotate_at_ms INTEGER;
    CREATE INDEX secrets_rotate_at ON secrets (rotate_at_ms) WHERE rotate_at_ms IS NOT NULL;
    "#,
    // 5: access keys (secrets sealed by the master key).
    r#"
    CREATE TABLE access_keys (
        id         TEXT    PRIMARY KEY,
        account    TEXT    NOT NULL,
        user_name  TEXT,
        secret     BLOB    NOT NULL,
        created_ms INTEGER NOT NULL,
        active     INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 6: accounts, users and their identity policies. Accounts that own
    // access keys from before this migration are recorded too.
    r#"
    CREATE TABLE accounts (
        id         TEXT    PRIMARY KEY,
        created_ms INTEGER NOT NULL
    ) WITHOUT ROWID;
    INSERT INTO accounts (id, created_ms)
        SELECT account, min(created_ms) FROM access_keys GROUP BY account;
    CREATE TABLE users (
        account    TEXT    NOT NULL,
        name       TEXT    NOT NULL,
        user_id    TEXT    NOT NULL,
        created_ms INTEGER NOT NULL,
        PRIMARY KEY (account, name)
    ) WITHOUT ROWID;
    INSERT INTO users (account, name, user_id, created_ms)
        SELECT account, user_name, 'AIDA' || substr(upper(hex(randomblob(9))), 1, 17), min(created_ms)
        FROM access_keys WHERE user_name IS NOT NULL GROUP BY account, user_name;
    CREATE TABLE user_policies (
        account     TEXT NOT NULL,
        user_name   TEXT NOT NULL,
        policy_name TEXT NOT NULL,
        document    TEXT NOT NULL,
        PRIMARY KEY (account, user_name, policy_name)
    ) WITHOUT ROWID;
    CREATE INDEX access_keys_owner ON access_keys (account, user_name);
    "#,
    // 7: temporary credentials: a session token's hash and an expiry.
    r#"
    ALTER TABLE access_keys ADD COLUMN session_sha256 BLOB;
    ALTER TABLE access_keys ADD COLUMN expires_ms INTEGER;
    CREATE INDEX access_keys_expiry ON access_keys (expires_ms) WHERE expires_ms IS NOT NULL;
    "#,
    // 8: what temporary credentials come from (the key a session was made
    // from, revoked with it) and, for a role's credentials, its name and
    // policy.
    r#"
    ALTER TABLE access_keys ADD COLUMN parent TEXT;
    ALTER TABLE access_keys ADD COLUMN role_name TEXT;
    ALTER TABLE access_keys ADD COLUMN role_policy TEXT;
    CREATE INDEX access_keys_parent ON access_keys (parent) WHERE parent IS NOT NULL;
    "#,
    // 9: exec rotation functions used to call back with a permanent key of
    // a `rekey-rotation` user rekey made in each account, allowed to read
    // and write every secret of it. They now get credentials scoped to one
    // job, for one step: those keys (and the policy rekey gave the user)
    // go. Only the ones rekey made: the user must carry rekey's own policy,
    // word for word.
    r#"
    DELETE FROM access_keys
    WHERE user_name = 'rekey-rotation' AND expires_ms IS NULL AND EXISTS (
        SELECT 1 FROM user_policies p
        WHERE p.account = access_keys.account AND p.user_name = 'rekey-rotation' AND p.policy_name = 'rotation'
          AND p.document = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["secretsmanager:DescribeSecret","secretsmanager:GetSecretValue","secretsmanager:PutSecretValue","secretsmanager:UpdateSecretVersionStage","secretsmanager:GetRandomPassword"],"Resource":"*"}]}'
    );
    DELETE FROM user_policies
    WHERE user_name = 'rekey-rotation' AND policy_name = 'rotation'
      AND document = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["secretsmanager:DescribeSecret","secretsmanager:GetSecretValue","secretsmanager:PutSecretValue","secretsmanager:UpdateSecretVersionStage","secretsmanager:GetRandomPassword"],"Resource":"*"}]}';
    "#,
    // 10: rotation job leases (who drives an active job, until when).
    r#"
    ALTER TABLE rotations ADD COLUMN lease_owner TEXT;
    ALTER TABLE rotations ADD COLUMN lease_until_ms INTEGER;
    "#,
    // 11: the audit trail (see `crate::audit`): records numbered in commit
    // order, each with the MAC that chains it to the one before; indexed
    // for LookupEvents' filters within an account, newest first.
    r#"
    CREATE TABLE audit (
        seq         INTEGER PRIMARY KEY,
        time_ms     INTEGER NOT NULL,
        account     TEXT    NOT NULL,
        event_name  TEXT    NOT NULL,
        secret_name TEXT,
        principal   TEXT,
        access_key  TEXT,
        read_only   INTEGER NOT NULL,
        record      TEXT    NOT NULL,
        mac         BLOB    NOT NULL
    );
    CREATE INDEX audit_account ON audit (account, seq);
    CREATE INDEX audit_event ON audit (account, event_name, seq);
    CREATE INDEX audit_secret ON audit (account, secret_name, seq);
    CREATE INDEX audit_principal ON audit (account, principal, seq);
    CREATE INDEX audit_access_key ON audit (account, access_key, seq);
    -- How far each sink has delivered the trail.
    CREATE TABLE audit_sinks (
        name      TEXT PRIMARY KEY,
        delivered INTEGER NOT NULL
    );
    "#,
    // 12: function logs (sealed), read per secret newest first, dropped by age.
    r#"
    CREATE TABLE function_logs (
        id           INTEGER PRIMARY KEY,
        job_id       TEXT    NOT NULL,
        secret_arn   TEXT    NOT NULL,
        attempt      INTEGER NOT NULL,
        step         TEXT    NOT NULL,
        function_arn TEXT    NOT NULL,
        started_ms   INTEGER NOT NULL,
        sealed       BLOB    NOT NULL
    );
    CREATE INDEX function_logs_secret ON function_logs (secret_arn, id);
    CREATE INDEX function_logs_started ON function_logs (started_ms);
    "#,
    // 13: where the audit chain starts once old records are dropped.
    r#"
    CREATE TABLE audit_anchor (
        id         INTEGER PRIMARY KEY CHECK (id = 1),
        seq        INTEGER NOT NULL,
        mac        BLOB    NOT NULL,
        anchor_mac BLOB    NOT NULL
    );
    "#,
    // 14: batches of reads' records (see `audit`): a row holding many,
    // found through the keys its records have.
    r#"
    ALTER TABLE audit ADD COLUMN batch INTEGER;
    ALTER TABLE audit ADD COLUMN time_last_ms INTEGER;
    CREATE INDEX audit_batches ON audit (account, seq) WHERE batch IS NOT NULL;
    CREATE TABLE audit_batch_keys (
        account TEXT    NOT NULL,
        key     TEXT    NOT NULL,
        seq     INTEGER NOT NULL,
        PRIMARY KEY (account, key, seq)
    ) WITHOUT ROWID;
    CREATE INDEX audit_batch_keys_seq ON audit_batch_keys (seq);
    "#,
    // 15: small named values rekey keeps about itself (the `--dev` clock's
    // offset, see `clock`).
    r#"
    CREATE TABLE settings (
        name  TEXT PRIMARY KEY,
        value INTEGER NOT NULL
    ) WITHOUT ROWID;
    "#,
    // 16: the filters' indexes hold single records only (batch rows are
    // found through `audit_batch_keys`): a batch row costs two index
    // entries, not six.
    r#"
    DROP INDEX audit_account;
    DROP INDEX audit_event;
    DROP INDEX audit_secret;
    DROP INDEX audit_principal;
    DROP INDEX audit_access_key;
    CREATE INDEX audit_account ON audit (account, seq) WHERE batch IS NULL;
    CREATE INDEX audit_event ON audit (account, event_name, seq) WHERE batch IS NULL;
    CREATE INDEX audit_secret ON audit (account, secret_name, seq) WHERE batch IS NULL;
    CREATE INDEX audit_principal ON audit (account, principal, seq) WHERE batch IS NULL;
    CREATE INDEX audit_access_key ON audit (account, access_key, seq) WHERE batch IS NULL;
    "#,
];

/// Brings the schema up to date.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: usize = conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Migration 9 removes the permanent keys rekey used to make for exec
    /// functions, and nothing of a tenant's own user of the same name.
    #[test]
    fn the_old_rotation_keys_are_retired() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..8] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 8).unwrap();
        let policy = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["secretsmanager:DescribeSecret","secretsmanager:GetSecretValue","secretsmanager:PutSecretValue","secretsmanager:UpdateSecretVersionStage","secretsmanager:GetRandomPassword"],"Resource":"*"}]}"#;
        for (account, document) in [("111111111111", policy), ("222222222222", r#"{"Statement":[]}"#)] {
            conn.execute(
                "INSERT INTO user_policies VALUES (?1, 'rekey-rotation', 'rotation', ?2)",
                rusqlite::params![account, document],
            )
            .unwrap();
            conn.execute(
                "INSERT INTO access_keys (id, account, user_name, secret, created_ms, active) VALUES (?1, ?2, 'rekey-rotation', x'00', 0, 1)",
                rusqlite::params![format!("AKIA{account}"), account],
            )
            .unwrap();
        }
        migrate(&mut conn).unwrap();
        let keys: Vec<String> = conn
            .prepare("SELECT account FROM access_keys")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(keys, ["222222222222"], "only rekey's own key went");
        let policies: i64 = conn.query_row("SELECT count(*) FROM user_policies", [], |r| r.get(0)).unwrap();
        assert_eq!(policies, 1);
    }
}
