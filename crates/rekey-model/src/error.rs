//! The API error: an AWS error type plus its message, with constructors for
//! every message the service sends more than once (so the exact AWS wording
//! lives in one place).

use crate::name::Arn;
use std::fmt;

pub use crate::api::ErrorCode;

/// An error answered to an API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The error type.
    pub code: ErrorCode,
    /// The human-readable message (AWS's wording where known).
    pub message: String,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for ApiError {}

/// Result of an API operation.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with a free-form message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into() }
    }
    /// `InvalidParameterException` with `message`.
    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidParameterException, message)
    }
    /// `InvalidRequestException` with `message`.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidRequestException, message)
    }
    /// `ResourceNotFoundException` with `message`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::ResourceNotFoundException, message)
    }
    /// `InternalServiceError` with `message`.
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InternalServiceError, message)
    }

    /// The secret does not exist.
    pub fn secret_not_found() -> Self {
        Self::not_found("Secrets Manager can't find the specified secret.")
    }
    /// No version carries `label`.
    pub fn label_not_found(label: &str) -> Self {
        Self::not_found(format!("Secrets Manager can't find the specified secret value for staging label: {label}"))
    }
    /// No version has `version_id` (or it has no value).
    pub fn version_not_found(version_id: &str) -> Self {
        Self::not_found(format!("Secrets Manager can't find the specified secret value for VersionId: {version_id}"))
    }
    /// The secret is scheduled for deletion.
    pub fn marked_for_deletion() -> Self {
        Self::invalid_request("You can't perform this operation on the secret because it was marked for deletion.")
    }
    /// A write without a ClientRequestToken (raw requests only; SDKs fill it).
    pub fn missing_client_request_token(code: ErrorCode) -> Self {
        Self::new(code, "You must provide a ClientRequestToken value. We recommend a UUID-type value.")
    }
    /// A NextToken this server did not issue (or issued for another request).
    pub fn invalid_next_token() -> Self {
        Self::new(ErrorCode::InvalidNextTokenException, "The NextToken value is invalid.")
    }
    /// A name or SecretId with characters outside the allowed set.
    pub fn invalid_name() -> Self {
        Self::new(
            ErrorCode::ValidationException,
            "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
        )
    }
    /// The token already names a version with another value.
    pub fn token_in_use(token: &str, arn: &Arn) -> Self {
        Self::new(
            ErrorCode::ResourceExistsException,
            format!(
                "You can't use ClientRequestToken {token} because that value is already in use for a version of secret {arn}."
            ),
        )
    }
    /// Both SecretString and SecretBinary were given.
    pub fn both_values() -> Self {
        Self::invalid_parameter(
            "You can't specify both a binary secret value and a string secret value in the same secret.",
        )
    }
    /// The unknown-operation framework error.
    pub fn unknown_operation() -> Self {
        Self::new(ErrorCode::UnknownOperationException, "")
    }
}
