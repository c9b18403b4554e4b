//! The seal: envelope encryption of secret values (docs/security.md).
//!
//! - Every version's value is encrypted with its own random 256-bit data key
//!   (AES-256-GCM); the associated data is the secret ARN and version id, so
//!   a ciphertext moved to another row fails to open.
//! - Data keys are wrapped by a key-encryption key (KEK) chosen by the
//!   secret's account and KmsKeyId (at most [`KEKS_PER_ACCOUNT`] per
//!   account); KEKs live in the store, wrapped by the master key. A value
//!   names its KEK, so values sealed before KEKs were per account (ids
//!   `kms:<KmsKeyId>`) still open.
//! - The master key is a 0600 file outside the database. A check record in
//!   the keyring proves that the key in hand is the one the store was made with.

use crate::audit::AuditKey;
pub use crate::master_key::MasterKey;
use crate::{Keyring, Sealed, StoreError};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rekey_model::name::{AccountId, Arn};
use rekey_model::secret::{SealedValue, SecretValue};
use rekey_model::staging::VersionId;
use rekey_model::{ApiError, ErrorCode};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use zeroize::Zeroizing;

/// The KmsKeyId of secrets that name none.
pub const DEFAULT_KMS_KEY_ID: &str = "alias/aws/secretsmanager";

const NONCE_LEN: usize = 12;
const CHECK_ID: &str = "rekey:master-key-check";
const CHECK_PLAINTEXT: &[u8] = b"rekey master key check v1";
/// The keyring entry of the audit chain's key.
const AUDIT_KEY_ID: &str = "rekey:audit-chain";

/// Why the seal could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum SealError {
    /// The key file could not be read or written.
    #[error("master key file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
    /// The key's source does not hold a 256-bit hex key.
    #[error("the master key from {0} is not 64 hex characters")]
    Malformed(String),
    /// The key command failed.
    #[error("the master key command failed: {0}")]
    Command(String),
    /// The key does not open this store.
    #[error("the master key does not match this store (wrong key file?); refusing to start")]
    WrongKey,
    /// The other nodes seal under a new key this node does not have.
    #[error(
        "a master key rotation is under way and the other nodes seal under its new key: put that key in {0} (copy the file from the node that started the rotation) and start again"
    )]
    Rotating(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn encrypt(cipher: &Aes256Gcm, msg: &[u8], aad: &[u8]) -> Vec<u8> {
    let nonce: [u8; NONCE_LEN] = rand::random();
    let mut out = nonce.to_vec();
    // AES-GCM encryption cannot fail for inputs below 64 GiB.
    out.extend(cipher.encrypt(Nonce::from_slice(&nonce), Payload { msg, aad }).expect("AES-GCM encrypt"));
    out
}

fn decrypt(cipher: &Aes256Gcm, data: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if data.len() < NONCE_LEN {
        return None;
    }
    let (nonce, ct) = data.split_at(NONCE_LEN);
    cipher.decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad }).ok().map(Zeroizing::new)
}

/// The audit chain's key: random, made on first use, kept in the keyring
/// wrapped by the master key.
async fn audit_key<S: Keyring>(store: &S, seal: &Seal) -> Result<AuditKey, SealError> {
    let aad = kek_aad(AUDIT_KEY_ID);
    let wrapped = match store.load_kek(AUDIT_KEY_ID).await? {
        Some(w) => w,
        None => {
            let fresh: Zeroizing<[u8; 32]> = Zeroizing::new(rand::random());
            let wrapped = seal.seal_master(fresh.as_slice(), &aad);
            store.insert_kek(AUDIT_KEY_ID, wrapped, AUDIT_KEY_ID, 1).await?.ok_or(SealError::WrongKey)?
        }
    };
    let key = seal.open_master(&wrapped, &aad).ok_or(SealError::WrongKey)?;
    let bytes: [u8; 32] = key.as_slice().try_into().map_err(|_| SealError::WrongKey)?;
    Ok(AuditKey::new(bytes))
}

fn cipher(key: &[u8]) -> Aes256Gcm {
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key))
}

fn value_aad(arn: &Arn, version: &VersionId) -> Vec<u8> {
    format!("rekey-value\0{arn}\0{version}").into_bytes()
}

fn kek_aad(id: &str) -> Vec<u8> {
    format!("rekey-kek\0{id}").into_bytes()
}

fn credential_aad(access_key_id: &str) -> Vec<u8> {
    format!("rekey-access-key\0{access_key_id}").into_bytes()
}

fn output_aad(context: &str) -> Vec<u8> {
    format!("rekey-function-output\0{context}").into_bytes()
}

/// Distinct KmsKeyIds (so KEKs) one account may use.
pub const KEKS_PER_ACCOUNT: usize = 100;

fn decryption_failure() -> ApiError {
    ApiError::new(
        ErrorCode::DecryptionFailure,
        "Secrets Manager can't decrypt the protected secret text using the provided KMS key.",
    )
}

/// Encrypts and decrypts secret values. Cheap to share (`Arc`).
pub struct Seal {
    master: RwLock<Masters>,
    keks: RwLock<HashMap<String, Arc<Aes256Gcm>>>,
    audit: AuditKey,
}

/// The master key in use, and during a rotation the other one: the key
/// it replaces, or on a shared store the new key before the nodes seal
/// under it. Both others only open.
struct Masters {
    current: Aes256Gcm,
    previous: Option<Aes256Gcm>,
    next: Option<Aes256Gcm>,
}

/// Whether `store` was ever unlocked (it holds the master key's check):
/// such a store must be opened with its key, never given a new one.
pub async fn is_keyed<S: Keyring>(store: &S) -> Result<bool, StoreError> {
    Ok(store.load_kek(CHECK_ID).await?.is_some())
}

impl Seal {
    /// Opens the seal of `store` with `key`: on a new store, records the key
    /// check; on an existing one, refuses a key that does not match.
    pub async fn unlock<S: Keyring>(store: &S, key: MasterKey) -> Result<Seal, SealError> {
        Seal::unlock_rotating(store, key, None).await
    }

    /// Like [`unlock`](Self::unlock), in the middle of a master-key rotation
    /// that stopped before it finished: `next` is the new key, `key` the
    /// old; the store may hold blobs under either, and opens with both
    /// until [`finish_rotation`](Self::finish_rotation) has re-sealed them.
    pub async fn unlock_rotating<S: Keyring>(
        store: &S,
        key: MasterKey,
        next: Option<MasterKey>,
    ) -> Result<Seal, SealError> {
        let masters = match next {
            Some(next) => Masters { current: cipher(next.bytes()), previous: Some(cipher(key.bytes())), next: None },
            None => Masters { current: cipher(key.bytes()), previous: None, next: None },
        };
        let seal =
            Seal { master: RwLock::new(masters), keks: RwLock::new(HashMap::new()), audit: AuditKey::new([0; 32]) };
        let check_aad = kek_aad(CHECK_ID);
        match store.load_kek(CHECK_ID).await? {
            Some(check) => {
                let opened = seal.open_master(&check, &check_aad).ok_or(SealError::WrongKey)?;
                if opened.as_slice() != CHECK_PLAINTEXT {
                    return Err(SealError::WrongKey);
                }
            }
            None => {
                let check = seal.seal_master(CHECK_PLAINTEXT, &check_aad);
                let stored = store.insert_kek(CHECK_ID, check, CHECK_ID, 1).await?.ok_or(SealError::WrongKey)?;
                seal.open_master(&stored, &check_aad).ok_or(SealError::WrongKey)?;
            }
        }
        let audit = audit_key(store, &seal).await?;
        Ok(Seal { audit, ..seal })
    }

    /// Encrypts under the current master key.
    fn seal_master(&self, msg: &[u8], aad: &[u8]) -> Vec<u8> {
        encrypt(&self.master.read().expect("master key lock").current, msg, aad)
    }

    /// Decrypts under the current master key, or during a rotation the
    /// previous one.
    fn open_master(&self, blob: &[u8], aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let masters = self.master.read().expect("master key lock");
        decrypt(&masters.current, blob, aad)
            .or_else(|| masters.previous.as_ref().and_then(|p| decrypt(p, blob, aad)))
            .or_else(|| masters.next.as_ref().and_then(|n| decrypt(n, blob, aad)))
    }

    /// The key check sealed under `key` (a shared store's rotation hands
    /// it to the nodes, which prove with it that they found the new key).
    pub fn key_check(key: &MasterKey) -> Vec<u8> {
        encrypt(&cipher(key.bytes()), CHECK_PLAINTEXT, &kek_aad(CHECK_ID))
    }

    /// Whether the store's key check opens under `key`.
    pub async fn opens_store<S: Keyring>(store: &S, key: &MasterKey) -> Result<bool, StoreError> {
        Ok(store.load_kek(CHECK_ID).await?.is_some_and(|check| Seal::opens_check(key, &check)))
    }

    /// Whether `check` is the key check sealed under `key`.
    pub fn opens_check(key: &MasterKey, check: &[u8]) -> bool {
        decrypt(&cipher(key.bytes()), check, &kek_aad(CHECK_ID)).is_some_and(|c| c.as_slice() == CHECK_PLAINTEXT)
    }

    /// Whether the store's key check opens under the key this seal seals
    /// with (false on a node left behind by a rotation it missed).
    pub async fn current_opens_store<S: Keyring>(&self, store: &S) -> Result<bool, StoreError> {
        let Some(check) = store.load_kek(CHECK_ID).await? else { return Ok(false) };
        let masters = self.master.read().expect("master key lock");
        Ok(decrypt(&masters.current, &check, &kek_aad(CHECK_ID)).is_some_and(|c| c.as_slice() == CHECK_PLAINTEXT))
    }

    /// Refuses to seal something lasting (a KEK, a long-term access key)
    /// on a node whose keys no longer open the store: one that missed a
    /// master-key rotation on a shared store while it was unseen. What it
    /// sealed would open on no other node.
    pub async fn ensure_store_key<S: Keyring>(&self, store: &S) -> Result<(), ApiError> {
        let check = store.load_kek(CHECK_ID).await?;
        if check.is_some_and(|c| self.open_master(&c, &kek_aad(CHECK_ID)).is_some()) {
            return Ok(());
        }
        tracing::error!(
            "this node's master key no longer opens the store (a rotation ended without it): refusing to seal under it"
        );
        Err(ApiError::internal("An error occurred on the server side."))
    }

    /// Whether `key` is the one this seal seals with.
    pub fn seals_with(&self, key: &MasterKey) -> bool {
        let probe = encrypt(&cipher(key.bytes()), b"probe", b"rekey-probe");
        decrypt(&self.master.read().expect("master key lock").current, &probe, b"rekey-probe").is_some()
    }

    /// Holds `key`, the new key of a shared store's rotation, to open with
    /// (other nodes may already seal under it); still seals under the
    /// current one.
    pub fn hold_next(&self, key: &MasterKey) {
        self.master.write().expect("master key lock").next = Some(cipher(key.bytes()));
    }

    /// Whether a new key is held but not sealed under yet.
    pub fn holds_next(&self) -> bool {
        self.master.read().expect("master key lock").next.is_some()
    }

    /// Seals under the new key held from now on; the old one still opens
    /// until [`finish_rotation`](Self::finish_rotation) or
    /// [`forget_previous`](Self::forget_previous). False when none is held.
    pub fn seal_under_next(&self) -> bool {
        let mut masters = self.master.write().expect("master key lock");
        let Some(next) = masters.next.take() else { return false };
        let old = std::mem::replace(&mut masters.current, next);
        masters.previous = Some(old);
        true
    }

    /// Forgets every key but the one sealed with (a shared store's
    /// rotation ended: what the old key sealed is re-sealed).
    pub fn forget_previous(&self) {
        let mut masters = self.master.write().expect("master key lock");
        masters.previous = None;
        masters.next = None;
    }

    /// Seals and opens with `key` alone from now on (a node that missed
    /// a rotation, reloading the key it finds).
    pub fn replace_key(&self, key: &MasterKey) {
        *self.master.write().expect("master key lock") =
            Masters { current: cipher(key.bytes()), previous: None, next: None };
    }

    /// Rotates the master key to `new` while the store is in use: from
    /// now on everything is sealed under `new`; every blob sealed under
    /// the old key (keyring entries, access key secrets, function outputs
    /// and logs) is re-sealed under `new` in one transaction; the old key
    /// then opens nothing. Values are untouched (their keys are wrapped by
    /// KEKs, which are re-wrapped). Returns how many blobs were re-sealed.
    pub async fn rotate_master<S: Keyring>(&self, store: &S, new: MasterKey) -> Result<usize, SealError> {
        {
            let mut masters = self.master.write().expect("master key lock");
            let old = std::mem::replace(&mut masters.current, cipher(new.bytes()));
            masters.previous = Some(old);
        }
        self.finish_rotation(store).await
    }

    /// Re-seals what is still under the previous master key, pass after
    /// pass until two passes in a row find nothing (a write sealed under
    /// the old key just before the switch may commit after a pass), then
    /// forgets the previous key. Nothing to do outside a rotation.
    pub async fn finish_rotation<S: Keyring>(&self, store: &S) -> Result<usize, SealError> {
        let (mut total, mut quiet) = (0, 0);
        while quiet < 2 {
            let (current, previous) = {
                let masters = self.master.read().expect("master key lock");
                (masters.current.clone(), masters.previous.clone())
            };
            let Some(previous) = previous else { return Ok(total) };
            let resealed = store
                .reseal_all(Box::new(move |item, blob| {
                    let aad = match item {
                        Sealed::Key(id) => kek_aad(id),
                        Sealed::Credential(id) => credential_aad(id),
                        Sealed::Output(context) => output_aad(&context),
                    };
                    if decrypt(&current, blob, &aad).is_some() {
                        return None;
                    }
                    let clear = decrypt(&previous, blob, &aad)?;
                    Some(encrypt(&current, &clear, &aad))
                }))
                .await?;
            total += resealed;
            quiet = if resealed == 0 { quiet + 1 } else { 0 };
            if quiet < 2 {
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
        self.forget_previous();
        Ok(total)
    }

    /// Whether a rotation is under way (blobs may be under either key).
    pub fn rotating(&self) -> bool {
        self.master.read().expect("master key lock").previous.is_some()
    }

    /// The audit chain's key (see [`crate::audit`]).
    pub fn audit_key(&self) -> &AuditKey {
        &self.audit
    }

    /// Seals the secret of access key `access_key_id` under the master key.
    pub fn seal_credential(&self, access_key_id: &str, secret: &str) -> Vec<u8> {
        self.seal_master(secret.as_bytes(), &credential_aad(access_key_id))
    }

    /// Opens what [`seal_credential`](Self::seal_credential) sealed.
    pub fn open_credential(&self, access_key_id: &str, sealed: &[u8]) -> Option<Zeroizing<String>> {
        let clear = self.open_master(sealed, &credential_aad(access_key_id))?;
        String::from_utf8(clear.to_vec()).ok().map(Zeroizing::new)
    }

    /// Seals what a rotation function printed (it may hold secrets) under
    /// the master key, bound to `context` (its job and step).
    pub fn seal_output(&self, context: &str, text: &str) -> Vec<u8> {
        self.seal_master(text.as_bytes(), &output_aad(context))
    }

    /// Opens what [`seal_output`](Self::seal_output) sealed.
    pub fn open_output(&self, context: &str, sealed: &[u8]) -> Option<Zeroizing<String>> {
        let clear = self.open_master(sealed, &output_aad(context))?;
        String::from_utf8(clear.to_vec()).ok().map(Zeroizing::new)
    }

    /// The KEK of `account` for a KmsKeyId, created on first use. Each
    /// account has its own (a KmsKeyId names a key of the caller's account,
    /// as at AWS), and at most [`KEKS_PER_ACCOUNT`]: a KmsKeyId is free
    /// text here, and a tenant must not grow the keyring without end.
    async fn kek<S: Keyring>(
        &self,
        store: &S,
        account: &AccountId,
        kms_key_id: &str,
    ) -> Result<(String, Arc<Aes256Gcm>), ApiError> {
        let family = format!("kms:{account}:");
        let id = format!("{family}{kms_key_id}");
        if let Some(k) = self.keks.read().expect("kek cache lock").get(&id) {
            return Ok((id, k.clone()));
        }
        let wrapped = match store.load_kek(&id).await? {
            Some(w) => w,
            None => {
                self.ensure_store_key(store).await?;
                let fresh: Zeroizing<[u8; 32]> = Zeroizing::new(rand::random());
                let wrapped = self.seal_master(fresh.as_slice(), &kek_aad(&id));
                store.insert_kek(&id, wrapped, &family, KEKS_PER_ACCOUNT).await?.ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::LimitExceededException,
                        format!("An account can use at most {KEKS_PER_ACCOUNT} different KmsKeyId values."),
                    )
                })?
            }
        };
        self.unwrap_kek(id, &wrapped)
    }

    /// The KEK a sealed value names (never created: a value's KEK exists).
    async fn kek_of<S: Keyring>(&self, store: &S, id: &str) -> Result<Arc<Aes256Gcm>, ApiError> {
        if let Some(k) = self.keks.read().expect("kek cache lock").get(id) {
            return Ok(k.clone());
        }
        let wrapped = store.load_kek(id).await?.ok_or_else(decryption_failure)?;
        Ok(self.unwrap_kek(id.to_string(), &wrapped)?.1)
    }

    fn unwrap_kek(&self, id: String, wrapped: &[u8]) -> Result<(String, Arc<Aes256Gcm>), ApiError> {
        let key = self.open_master(wrapped, &kek_aad(&id)).ok_or_else(decryption_failure)?;
        let kek = Arc::new(cipher(&key));
        self.keks.write().expect("kek cache lock").insert(id.clone(), kek.clone());
        Ok((id, kek))
    }

    /// Encrypts `value` for version `version` of secret `arn` under the KEK
    /// of `kms_key_id` (`None` = the default key).
    pub async fn seal<S: Keyring>(
        &self,
        store: &S,
        kms_key_id: Option<&str>,
        arn: &Arn,
        version: &VersionId,
        value: &SecretValue,
    ) -> Result<SealedValue, ApiError> {
        let account = &arn.namespace.account;
        let (kek_id, kek) = self.kek(store, account, kms_key_id.unwrap_or(DEFAULT_KMS_KEY_ID)).await?;
        let data_key: Zeroizing<[u8; 32]> = Zeroizing::new(rand::random());
        let aad = value_aad(arn, version);
        let ciphertext = encrypt(&cipher(data_key.as_slice()), &value.encode(), &aad);
        let wrapped_key = encrypt(&kek, data_key.as_slice(), &aad);
        Ok(SealedValue { kek_id, wrapped_key, ciphertext })
    }

    /// Decrypts a sealed value of version `version` of secret `arn`.
    pub async fn open<S: Keyring>(
        &self,
        store: &S,
        sealed: &SealedValue,
        arn: &Arn,
        version: &VersionId,
    ) -> Result<SecretValue, ApiError> {
        let kek = self.kek_of(store, &sealed.kek_id).await?;
        self.open_with(&kek, sealed, arn, version).ok_or_else(decryption_failure)
    }

    /// Decrypts with a KEK already in the cache (no store access): the
    /// synchronous path used inside transactions.
    pub fn open_cached(&self, sealed: &SealedValue, arn: &Arn, version: &VersionId) -> Option<SecretValue> {
        let kek = self.keks.read().expect("kek cache lock").get(&sealed.kek_id)?.clone();
        self.open_with(&kek, sealed, arn, version)
    }

    fn open_with(&self, kek: &Aes256Gcm, sealed: &SealedValue, arn: &Arn, version: &VersionId) -> Option<SecretValue> {
        let aad = value_aad(arn, version);
        let data_key = decrypt(kek, &sealed.wrapped_key, &aad)?;
        let plain = decrypt(&cipher(&data_key), &sealed.ciphertext, &aad)?;
        SecretValue::decode(&plain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::master_key::{next_key_file, open_key_file, rotate_key_file};
    use crate::sqlite::SqliteStore;

    /// A rotated key file opens everything sealed before (values through
    /// their re-wrapped KEKs, credentials, outputs, the audit key); the old
    /// key opens nothing; a rotation that stopped half-way is finished by
    /// the next start.
    #[tokio::test]
    async fn the_master_key_rotates_in_place() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("rekey.db")).unwrap();
        let path = dir.path().join("master.key");
        let old = MasterKey::create(&path).unwrap();
        let old_bytes = old.bytes().to_vec();
        let seal = Seal::unlock(&store, old).await.unwrap();
        let arn = Arn::parse("arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf").unwrap();
        let version = VersionId::new("00000000-0000-4000-8000-000000000001".to_string());
        let value = SecretValue::String(String::from("s3cret").into());
        let sealed = seal.seal(&store, None, &arn, &version, &value).await.unwrap();
        let credential = seal.seal_credential("AKIAEXAMPLE", "key-secret");
        let audit = seal.audit_key().mac(&[], 1, b"record");

        let resealed = rotate_key_file(&seal, &store, &path).await.unwrap();
        assert!(resealed >= 3, "the check, the audit key and a KEK at least: {resealed}");
        assert!(!next_key_file(&path).exists());
        assert_ne!(MasterKey::load(&path).unwrap().bytes(), old_bytes.as_slice());
        assert!(!seal.rotating());

        // The credential row is not in this store: seal it again the way
        // the store would have re-sealed it, through a fresh seal.
        drop(seal);
        let seal = open_key_file(&store, &path).await.unwrap();
        assert!(
            matches!(seal.open(&store, &sealed, &arn, &version).await.unwrap(), SecretValue::String(s) if s.expose() == "s3cret")
        );
        assert_eq!(seal.audit_key().mac(&[], 1, b"record"), audit, "the same audit key");
        assert!(seal.open_credential("AKIAEXAMPLE", &credential).is_none(), "not stored, so not re-sealed");
        let old = MasterKey::from_hex(&hex::encode(&old_bytes), "test").unwrap();
        assert!(matches!(Seal::unlock(&store, old).await, Err(SealError::WrongKey)), "the old key opens nothing");

        // Stopped after the new key was written and the switch made, before
        // the rename: the next start opens with both and finishes.
        let current = std::fs::read_to_string(&path).unwrap();
        let seal = open_key_file(&store, &path).await.unwrap();
        let next = MasterKey::generate();
        std::fs::write(next_key_file(&path), hex::encode(next.bytes())).unwrap();
        {
            let mut masters = seal.master.write().unwrap();
            let before = std::mem::replace(&mut masters.current, cipher(next.bytes()));
            masters.previous = Some(before);
        }
        drop(seal);
        let seal = open_key_file(&store, &path).await.unwrap();
        assert!(!next_key_file(&path).exists());
        assert_ne!(std::fs::read_to_string(&path).unwrap(), current);
        assert!(seal.open(&store, &sealed, &arn, &version).await.is_ok());
        let current = MasterKey::from_hex(&current, "test").unwrap();
        assert!(matches!(Seal::unlock(&store, current).await, Err(SealError::WrongKey)));

        // Stopped while the new key file was being written: it is cut
        // short, nothing was sealed under it; it goes, the store opens.
        std::fs::write(next_key_file(&path), "0123").unwrap();
        drop(seal);
        let seal = open_key_file(&store, &path).await.unwrap();
        assert!(!next_key_file(&path).exists());
        assert!(seal.open(&store, &sealed, &arn, &version).await.is_ok());
    }
}
