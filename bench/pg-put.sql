-- The statements one durable PutSecretValue sends PostgreSQL, for pgbench:
-- the ceiling of what the database can do for this work when its client
-- costs nothing (bench/cluster runs it on a store rekey filled, against
-- the secrets 1..:secrets).
--
-- The name's lock, the load (one statement), the secret's row, the new
-- version, the two labels that move, the notification, then the chain's
-- head (locked), the record and the head moved (one statement), commit.
\set id random(1, :secrets)
BEGIN;
SELECT pg_advisory_xact_lock(4611686018427387904 + :id);
SELECT s.id, s.meta,
       (SELECT coalesce(json_agg(json_build_array(v.version_id, v.created_ms, v.last_accessed_ms,
                                                  v.ciphertext IS NOT NULL, v.kms_key_id) ORDER BY v.seq), '[]')
        FROM versions v WHERE v.secret_pk = s.id)::text,
       (SELECT coalesce(json_agg(json_build_array(l.label, l.version_id)), '[]')
        FROM labels l WHERE l.secret_pk = s.id)::text
FROM secrets s WHERE s.id = :id;
UPDATE secrets SET last_changed_ms = last_changed_ms + 1 WHERE id = :id;
INSERT INTO versions (secret_pk, version_id, seq, created_ms, kek_id, wrapped_key, ciphertext)
VALUES (:id, gen_random_uuid()::text, (SELECT coalesce(max(seq), 0) + 1 FROM versions WHERE secret_pk = :id), 0,
        'kek', '\x000102030405060708090a0b0c0d0e0f', '\x000102030405060708090a0b0c0d0e0f');
INSERT INTO labels (secret_pk, label, version_id)
SELECT :id, 'AWSPREVIOUS', version_id FROM labels WHERE secret_pk = :id AND label = 'AWSCURRENT'
ON CONFLICT (secret_pk, label) DO UPDATE SET version_id = excluded.version_id;
INSERT INTO labels (secret_pk, label, version_id)
SELECT :id, 'AWSCURRENT', version_id FROM versions WHERE secret_pk = :id ORDER BY seq DESC LIMIT 1
ON CONFLICT (secret_pk, label) DO UPDATE SET version_id = excluded.version_id;
SELECT pg_notify('rekey_bench_ceiling', 'pgbench: a notice the size of a put''s');
SELECT seq, mac FROM audit_head WHERE id = 1 FOR UPDATE;
WITH added AS (
    INSERT INTO audit (seq, time_ms, account, event_name, secret_name, principal, access_key, read_only, record, mac)
    SELECT seq + 1, 0, '000000000000', 'PutSecretValue', 'bench', 'root', 'AKID', false,
           '\x7b7d', '\x000102030405060708090a0b0c0d0e0f000102030405060708090a0b0c0d0e0f'
    FROM audit_head WHERE id = 1)
UPDATE audit_head SET seq = seq + 1 WHERE id = 1;
COMMIT;
