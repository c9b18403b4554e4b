//! Domain records as every backend stores them: a rotation job as its
//! JSON document (with the status beside it as a column), and the state a
//! write leaves, which a backend's cache takes without reading it back.

use crate::{Reseal, Sealed, SecretWrite, StoreError};
use rekey_model::Timestamp;
use rekey_model::identity::{AccessKeyRecord, RoleSession, Session, UserName};
use rekey_model::name::AccountId;
use rekey_model::rotation::{JobStatus, RotationJob};
use rekey_model::secret::{SecretMeta, SecretRecord, SecretState, VersionRecord};

/// A job's stored document.
pub fn job_body(job: &RotationJob) -> Result<String, StoreError> {
    serde_json::to_string(job).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A job from its row; the status column wins over the document's (ending
/// a secret's jobs updates the column alone).
pub fn job_of(status: &str, body: &str) -> Result<RotationJob, StoreError> {
    let mut job: RotationJob =
        serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("rotation job: {e}")))?;
    job.status = JobStatus::parse(status).ok_or_else(|| StoreError::Corrupt(format!("rotation status {status}")))?;
    Ok(job)
}

/// `job` as a save stores it over the document `stored`: a step's record,
/// once stored, keeps its sealed output as stored (a master-key rotation
/// may have sealed it anew while the runner held the job, in memory, as
/// it was).
pub fn keep_stored_outputs(job: &RotationJob, stored: Option<&str>) -> Result<RotationJob, StoreError> {
    let mut job = job.clone();
    if let Some(stored) = stored.filter(|b| b.contains("\"output\"")) {
        let stored: RotationJob =
            serde_json::from_str(stored).map_err(|e| StoreError::Corrupt(format!("rotation job: {e}")))?;
        for (mine, kept) in job.steps.iter_mut().zip(stored.steps) {
            mine.output = kept.output;
        }
    }
    Ok(job)
}

/// The document of job `id` with its steps' outputs re-sealed by
/// `reseal`, or `None` when none changed (see `Keyring::reseal_all`).
pub fn reseal_job(id: &str, body: &str, reseal: &mut Reseal) -> Result<Option<String>, StoreError> {
    let mut job: RotationJob =
        serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("rotation job {id}: {e}")))?;
    let mut changed = false;
    for step in &mut job.steps {
        let context = step.output_context(&job.id);
        if let Some(output) = &mut step.output
            && let Some(new) = reseal(Sealed::Output(context), &output.0)
        {
            output.0 = new;
            changed = true;
        }
    }
    if changed { job_body(&job).map(Some) } else { Ok(None) }
}

/// A secret's stored metadata document.
pub fn meta_body(meta: &SecretMeta) -> Result<String, StoreError> {
    serde_json::to_string(meta).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A secret's metadata from its stored document.
pub fn meta_of(pk: i64, body: &str) -> Result<SecretMeta, StoreError> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt(format!("secret {pk}: meta: {e}")))
}

/// The state after `w` was applied to `old`, with the store key `pk`.
pub fn next_state(old: Option<&SecretState>, w: &SecretWrite, pk: i64) -> SecretState {
    let mut versions: Vec<VersionRecord> = old
        .map(|o| o.versions.iter().filter(|v| !w.delete_versions.contains(&v.version_id)).cloned().collect())
        .unwrap_or_default();
    for (v, _) in &w.put_versions {
        match versions.iter_mut().find(|x| x.version_id == v.version_id) {
            Some(existing) => *existing = v.clone(),
            None => versions.push(v.clone()),
        }
    }
    SecretState { secret: SecretRecord { pk, ..w.secret.clone() }, versions, labels: w.labels.clone() }
}

/// An account id as stored.
pub fn account_of(text: String) -> Result<AccountId, StoreError> {
    AccountId::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("account {text}")))
}

/// A user name as stored.
pub fn user_name_of(text: String) -> Result<UserName, StoreError> {
    UserName::parse(&text).ok_or_else(|| StoreError::Corrupt(format!("user name {text}")))
}

/// An access key as its row holds it.
#[allow(missing_docs)]
pub struct KeyRow {
    pub id: String,
    pub account: String,
    pub user: Option<String>,
    pub sealed_secret: Vec<u8>,
    pub created: i64,
    pub active: bool,
    pub token: Option<Vec<u8>>,
    pub expires: Option<i64>,
    pub parent: Option<String>,
    pub role_name: Option<String>,
    pub role_policy: Option<String>,
}

impl KeyRow {
    /// The record the row holds.
    pub fn into_record(self) -> Result<AccessKeyRecord, StoreError> {
        let row = self;
        let KeyRow {
            id,
            account: a,
            user,
            sealed_secret,
            created,
            active,
            token,
            expires,
            parent,
            role_name,
            role_policy,
        } = row;
        let role = match (role_name, role_policy) {
            (Some(name), Some(policy)) => Some(RoleSession { name, policy }),
            (None, None) => None,
            _ => return Err(StoreError::Corrupt(format!("access key {id}: half a role"))),
        };
        let session = match (token, expires) {
            (Some(token_sha256), Some(expires)) => {
                Some(Session { token_sha256, expires: Timestamp::from_millis(expires), parent, role })
            }
            (None, None) if parent.is_none() && role.is_none() => None,
            _ => return Err(StoreError::Corrupt(format!("access key {id}: half a session"))),
        };
        Ok(AccessKeyRecord {
            access_key_id: id,
            account: account_of(a)?,
            user: user.map(user_name_of).transpose()?,
            sealed_secret,
            created: Timestamp::from_millis(created),
            active,
            session,
        })
    }
}
