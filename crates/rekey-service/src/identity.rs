//! Access keys: creating them (their secret sealed by the master key) and
//! looking them up to verify signatures.

use crate::Service;
use rekey_model::identity::{AccessKeyRecord, new_access_key_id, new_secret_access_key};
use rekey_model::name::AccountId;
use rekey_model::{ApiError, ApiResult};
use rekey_store::Store;
use zeroize::Zeroizing;

impl<S: Store> Service<S> {
    /// Creates an access key for `account` (its root when `user` is
    /// `None`); returns the key id and the secret, which is shown once and
    /// never stored in the clear.
    pub async fn create_access_key(
        &self,
        account: AccountId,
        user: Option<String>,
    ) -> ApiResult<(String, Zeroizing<String>)> {
        let id = new_access_key_id();
        let secret = new_secret_access_key();
        let record = AccessKeyRecord {
            access_key_id: id.clone(),
            account,
            user,
            sealed_secret: self.seal.seal_credential(&id, &secret),
            created: self.clock.now(),
            active: true,
        };
        self.store.insert_access_key(record).await?;
        Ok((id, secret))
    }

    /// An active access key and its secret.
    pub async fn access_key(&self, id: &str) -> ApiResult<Option<(AccessKeyRecord, Zeroizing<String>)>> {
        let Some(record) = self.store.load_access_key(id).await?.filter(|k| k.active) else {
            return Ok(None);
        };
        let secret = self
            .seal
            .open_credential(id, &record.sealed_secret)
            .ok_or_else(|| ApiError::internal("An access key could not be opened with this master key."))?;
        Ok(Some((record, secret)))
    }

    /// The access key of a user rekey itself acts as in `account` (e.g.
    /// the rotation functions' caller): the stored one, or a new one.
    pub(crate) async fn service_access_key(
        &self,
        account: &AccountId,
        user: &str,
    ) -> ApiResult<(String, Zeroizing<String>)> {
        if let Some(record) = self.store.find_access_key(account, user).await? {
            let secret = self
                .seal
                .open_credential(&record.access_key_id, &record.sealed_secret)
                .ok_or_else(|| ApiError::internal("An access key could not be opened with this master key."))?;
            return Ok((record.access_key_id, secret));
        }
        self.create_access_key(account.clone(), Some(user.to_string())).await
    }

    /// Whether any access key exists (none on a store never served without `--dev`).
    pub async fn has_access_keys(&self) -> ApiResult<bool> {
        Ok(self.store.count_access_keys().await? > 0)
    }
}
