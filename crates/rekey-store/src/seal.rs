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
use crate::{Keyring, StoreError};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rekey_model::name::{AccountId, Arn};
use rekey_model::secret::{SealedValue, SecretValue};
use rekey_model::staging::VersionId;
use rekey_model::{ApiError, ErrorCode};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
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
    /// The key file does not hold a 256-bit hex key.
    #[error("master key file {0} does not hold a 64-character hex key")]
    Malformed(String),
    /// The key does not open this store.
    #[error("the master key does not match this store (wrong key file?); refusing to start")]
    WrongKey,
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The 256-bit master key. Zeroized on drop; never logged.
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl MasterKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        MasterKey(Zeroizing::new(rand::random()))
    }

    /// Reads a key file (64 hex characters, surrounding whitespace ignored).
    pub fn load(path: &Path) -> Result<Self, SealError> {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .map_err(|source| SealError::Io { path: path.display().to_string(), source })?,
        );
        let hex = text.trim();
        let mut key = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(hex, &mut *key).map_err(|_| SealError::Malformed(path.display().to_string()))?;
        Ok(MasterKey(key))
    }

    /// Creates a new key file with mode 0600; fails if the file exists, so a
    /// key is never overwritten.
    pub fn create(path: &Path) -> Result<Self, SealError> {
        use std::os::unix::fs::OpenOptionsExt;
        let io = |source| SealError::Io { path: path.display().to_string(), source };
        let key = Self::generate();
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io)?;
        let mut hex = Zeroizing::new([0u8; 64]);
        hex::encode_to_slice(&key.0[..], &mut *hex).expect("64 bytes hold 32 in hex");
        file.write_all(&*hex).and_then(|_| file.write_all(b"\n")).and_then(|_| file.sync_all()).map_err(io)?;
        Ok(key)
    }
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
async fn audit_key<S: Keyring>(store: &S, master: &Aes256Gcm) -> Result<AuditKey, SealError> {
    let aad = kek_aad(AUDIT_KEY_ID);
    let wrapped = match store.load_kek(AUDIT_KEY_ID).await? {
        Some(w) => w,
        None => {
            let fresh: Zeroizing<[u8; 32]> = Zeroizing::new(rand::random());
            let wrapped = encrypt(master, fresh.as_slice(), &aad);
            store.insert_kek(AUDIT_KEY_ID, wrapped, AUDIT_KEY_ID, 1).await?.ok_or(SealError::WrongKey)?
        }
    };
    let key = decrypt(master, &wrapped, &aad).ok_or(SealError::WrongKey)?;
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
    master: Aes256Gcm,
    keks: RwLock<HashMap<String, Arc<Aes256Gcm>>>,
    audit: AuditKey,
}

impl Seal {
    /// Opens the seal of `store` with `key`: on a new store, records the key
    /// check; on an existing one, refuses a key that does not match.
    pub async fn unlock<S: Keyring>(store: &S, key: MasterKey) -> Result<Seal, SealError> {
        let master = cipher(key.0.as_slice());
        match store.load_kek(CHECK_ID).await? {
            Some(check) => {
                let opened = decrypt(&master, &check, &kek_aad(CHECK_ID)).ok_or(SealError::WrongKey)?;
                if opened.as_slice() != CHECK_PLAINTEXT {
                    return Err(SealError::WrongKey);
                }
            }
            None => {
                let check = encrypt(&master, CHECK_PLAINTEXT, &kek_aad(CHECK_ID));
                let stored = store.insert_kek(CHECK_ID, check, CHECK_ID, 1).await?.ok_or(SealError::WrongKey)?;
                decrypt(&master, &stored, &kek_aad(CHECK_ID)).ok_or(SealError::WrongKey)?;
            }
        }
        let audit = audit_key(store, &master).await?;
        Ok(Seal { master, keks: RwLock::new(HashMap::new()), audit })
    }

    /// The audit chain's key (see [`crate::audit`]).
    pub fn audit_key(&self) -> &AuditKey {
        &self.audit
    }

    /// Seals the secret of access key `access_key_id` under the master key.
    pub fn seal_credential(&self, access_key_id: &str, secret: &str) -> Vec<u8> {
        encrypt(&self.master, secret.as_bytes(), &credential_aad(access_key_id))
    }

    /// Opens what [`seal_credential`](Self::seal_credential) sealed.
    pub fn open_credential(&self, access_key_id: &str, sealed: &[u8]) -> Option<Zeroizing<String>> {
        let clear = decrypt(&self.master, sealed, &credential_aad(access_key_id))?;
        String::from_utf8(clear.to_vec()).ok().map(Zeroizing::new)
    }

    /// Seals what a rotation function printed (it may hold secrets) under
    /// the master key, bound to `context` (its job and step).
    pub fn seal_output(&self, context: &str, text: &str) -> Vec<u8> {
        encrypt(&self.master, text.as_bytes(), &output_aad(context))
    }

    /// Opens what [`seal_output`](Self::seal_output) sealed.
    pub fn open_output(&self, context: &str, sealed: &[u8]) -> Option<Zeroizing<String>> {
        let clear = decrypt(&self.master, sealed, &output_aad(context))?;
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
                let fresh: Zeroizing<[u8; 32]> = Zeroizing::new(rand::random());
                let wrapped = encrypt(&self.master, fresh.as_slice(), &kek_aad(&id));
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
        let key = decrypt(&self.master, wrapped, &kek_aad(&id)).ok_or_else(decryption_failure)?;
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

    #[test]
    fn a_key_file_reads_back_and_anything_else_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let key = MasterKey::create(&path).unwrap();
        assert_eq!(*MasterKey::load(&path).unwrap().0, *key.0);
        assert!(MasterKey::create(&path).is_err(), "never overwritten");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        // 64 bytes that are not 64 hex digits: a multi-byte character, an
        // odd digit, a short key. Refused, never a panic.
        for text in [format!("aé{}", "a".repeat(61)), format!("{}g", "a".repeat(63)), "ab".repeat(31)] {
            std::fs::write(dir.path().join("bad"), &text).unwrap();
            assert!(matches!(MasterKey::load(&dir.path().join("bad")), Err(SealError::Malformed(_))), "{text}");
        }
    }
}
