//! GetRandomPassword.

use crate::{RequestContext, Service};
use rekey_model::api::{GetRandomPasswordRequest, GetRandomPasswordResponse};
use rekey_model::password::PasswordRules;
use rekey_model::{ApiResult, SensitiveString};
use rekey_store::Store;

impl<S: Store> Service<S> {
    /// GetRandomPassword.
    pub async fn get_random_password(
        &self,
        _ctx: &RequestContext,
        input: GetRandomPasswordRequest,
    ) -> ApiResult<GetRandomPasswordResponse> {
        let d = PasswordRules::default();
        let rules = PasswordRules {
            length: input.password_length.map(|n| n as usize).unwrap_or(d.length),
            exclude_characters: input.exclude_characters.unwrap_or_default(),
            exclude_numbers: input.exclude_numbers.unwrap_or(d.exclude_numbers),
            exclude_punctuation: input.exclude_punctuation.unwrap_or(d.exclude_punctuation),
            exclude_uppercase: input.exclude_uppercase.unwrap_or(d.exclude_uppercase),
            exclude_lowercase: input.exclude_lowercase.unwrap_or(d.exclude_lowercase),
            include_space: input.include_space.unwrap_or(d.include_space),
            require_each_included_type: input.require_each_included_type.unwrap_or(d.require_each_included_type),
        };
        let password = rules.generate()?;
        Ok(GetRandomPasswordResponse { random_password: Some(SensitiveString::new(password.to_string())) })
    }
}
