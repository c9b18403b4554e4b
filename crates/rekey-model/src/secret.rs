//! The stored shape of a secret and its versions, as the service reads and
//! writes them through the store. Values never appear here in the clear:
//! the store holds [`SealedValue`]s only.

use crate::api::wire::{Blob, SensitiveString, Timestamp};
use crate::api::{RotationRulesType, Tag};
use crate::name::Arn;
use crate::staging::{Labels, VersionId};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// A secret value in the clear. Zeroized on drop (both variants are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretValue {
    /// `SecretString`.
    String(SensitiveString),
    /// `SecretBinary`.
    Binary(Blob),
}

const TAG_STRING: u8 = 1;
const TAG_BINARY: u8 = 2;

impl SecretValue {
    /// The bytes that get encrypted: a kind tag then the value, so that a
    /// string and a binary with the same bytes stay different values.
    pub fn encode(&self) -> Zeroizing<Vec<u8>> {
        let (tag, bytes) = match self {
            SecretValue::String(s) => (TAG_STRING, s.expose().as_bytes()),
            SecretValue::Binary(b) => (TAG_BINARY, b.expose()),
        };
        let mut out = Zeroizing::new(Vec::with_capacity(bytes.len() + 1));
        out.push(tag);
        out.extend_from_slice(bytes);
        out
    }

    /// Inverse of [`encode`](Self::encode).
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        match bytes.split_first()? {
            (&TAG_STRING, rest) => {
                std::str::from_utf8(rest).ok().map(|s| SecretValue::String(SensitiveString::new(s.to_string())))
            }
            (&TAG_BINARY, rest) => Some(SecretValue::Binary(Blob::new(rest.to_vec()))),
            _ => None,
        }
    }

    /// Size in bytes, for the 65,536-byte quota.
    pub fn len(&self) -> usize {
        match self {
            SecretValue::String(s) => s.expose().len(),
            SecretValue::Binary(b) => b.expose().len(),
        }
    }

    /// Whether the value is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A value as the store keeps it: encrypted under a data key that is itself
/// wrapped by a key-encryption key (see `rekey_store::seal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedValue {
    /// The key-encryption key that wraps the data key.
    pub kek_id: String,
    /// Nonce and AES-GCM ciphertext of the data key.
    pub wrapped_key: Vec<u8>,
    /// Nonce and AES-GCM ciphertext of the encoded value.
    pub ciphertext: Vec<u8>,
}

/// Rotation configuration and dates of a secret.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RotationConfig {
    /// Absent until rotation was first configured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// The rotation function.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lambda_arn: Option<String>,
    /// The schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<RotationRulesType>,
    /// Last successful rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_rotated: Option<Timestamp>,
    /// End of the next rotation window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_rotation: Option<Timestamp>,
    /// The master secret (the value's `masterarn`) whoever last called
    /// RotateSecret was allowed to read: the one rotations may read (see
    /// `rekey_model::rotation::RotationJob::master_arn`). rekey's own; not
    /// part of AWS's answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_arn: Option<String>,
}

/// Metadata of a secret that has no index of its own (kept as one document).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecretMeta {
    /// Description; an empty one is stored as absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The KmsKeyId the caller chose; absent means `aws/secretsmanager`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// Absent if the secret never had tags; `[]` once all were removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    /// Rotation configuration.
    #[serde(default)]
    pub rotation: RotationConfig,
    /// The resource policy document, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
    /// The service that manages the secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owning_service: Option<String>,
    /// Partner type of a managed external secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_type: Option<String>,
    /// On a primary: its replicas and their status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Vec<crate::api::ReplicationStatusType>>,
    /// On a replica: the primary's region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_region: Option<String>,
    /// On a cross-account replica: the primary's ARN (CrossAccountPrimaryArn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_account_primary: Option<String>,
    /// On a primary: its cross-account replica and that link's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cross_account_replica: Option<CrossAccountReplica>,
}

/// A primary's link to its replica in another account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrossAccountReplica {
    /// The replica's ARN.
    pub arn: String,
    /// InSync while linked, Detached once disassociated.
    pub status: crate::api::StatusType,
}

impl SecretMeta {
    /// Whether the secret is a replica (read-only, kept in sync by its primary).
    pub fn is_replica(&self) -> bool {
        self.primary_region.is_some() || self.cross_account_primary.is_some()
    }

    /// Whether the secret is a primary with replicas to keep in sync.
    pub fn has_replicas(&self) -> bool {
        self.replicas.is_some() || self.linked_cross_account_replica().is_some()
    }

    /// The cross-account replica the secret still replicates to.
    pub fn linked_cross_account_replica(&self) -> Option<&CrossAccountReplica> {
        self.cross_account_replica.as_ref().filter(|r| r.status != crate::api::StatusType::Detached)
    }
}

/// A secret's row.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretRecord {
    /// Store key; 0 for a secret not yet inserted.
    pub pk: i64,
    /// The ARN (namespace, name and suffix).
    pub arn: Arn,
    /// When it was created.
    pub created: Timestamp,
    /// Last modification of any kind.
    pub last_changed: Timestamp,
    /// Day of the last GetSecretValue (midnight UTC).
    pub last_accessed: Option<Timestamp>,
    /// When DeleteSecret scheduled the deletion.
    pub deleted: Option<Timestamp>,
    /// When the scheduled deletion becomes a purge.
    pub purge_at: Option<Timestamp>,
    /// When the scheduler starts the next scheduled rotation.
    pub rotate_at: Option<Timestamp>,
    /// Everything else.
    pub meta: SecretMeta,
}

/// A version's row (without its value).
#[derive(Debug, Clone, PartialEq)]
pub struct VersionRecord {
    /// The version id.
    pub version_id: VersionId,
    /// When it was created.
    pub created: Timestamp,
    /// Day of the last GetSecretValue of this version.
    pub last_accessed: Option<Timestamp>,
    /// False for the value-less AWSPENDING version RotateSecret creates.
    pub has_value: bool,
    /// The KmsKeyId its value was sealed under (`None` = default key).
    pub kms_key_id: Option<String>,
}

/// A secret with its versions (oldest first) and labels, as loaded in one
/// consistent read.
#[derive(Debug, Clone, PartialEq)]
pub struct SecretState {
    /// The secret.
    pub secret: SecretRecord,
    /// Its versions, oldest first.
    pub versions: Vec<VersionRecord>,
    /// Its staging labels.
    pub labels: Labels,
}

impl SecretState {
    /// The version with this id.
    pub fn version(&self, id: &VersionId) -> Option<&VersionRecord> {
        self.versions.iter().find(|v| &v.version_id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_and_binary_values_stay_apart() {
        let s = SecretValue::String(SensitiveString::new("abc".into()));
        let b = SecretValue::Binary(Blob::new(b"abc".to_vec()));
        assert_ne!(s.encode().as_slice(), b.encode().as_slice());
        assert_eq!(SecretValue::decode(&s.encode()), Some(s));
        assert_eq!(SecretValue::decode(&b.encode()), Some(b));
    }
}
