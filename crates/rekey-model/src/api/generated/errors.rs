// @generated from spec/secretsmanager-service-2.json by xtask/src/codegen.rs.
// Do not edit: run `cargo run -p xtask -- codegen`.

/// The `__type` of an error response: the model's errors, then those of
/// the protocol and of the front door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Secrets Manager can't decrypt the protected secret text using the provided KMS key.
    DecryptionFailure,
    /// Secrets Manager can't encrypt the protected secret text using the provided KMS key.
    EncryptionFailure,
    /// An error occurred on the server side.
    InternalServiceError,
    /// The NextToken value is invalid.
    InvalidNextTokenException,
    /// The parameter name or value is invalid.
    InvalidParameterException,
    /// A parameter value is not valid for the current state of the resource.
    InvalidRequestException,
    /// The request failed because it would exceed one of the Secrets Manager quotas.
    LimitExceededException,
    /// The resource policy has syntax errors.
    MalformedPolicyDocumentException,
    /// The request failed because you did not complete all the prerequisite steps.
    PreconditionNotMetException,
    /// The BlockPublicPolicy parameter is set to true, and the resource policy did not prevent broad access to the secret.
    PublicPolicyException,
    /// A resource with the ID you requested already exists.
    ResourceExistsException,
    /// Secrets Manager can't find the resource that you asked for.
    ResourceNotFoundException,
    /// A model constraint was violated (framework error).
    ValidationException,
    /// The caller may not perform the operation.
    AccessDeniedException,
    /// The `X-Amz-Target` names no operation.
    UnknownOperationException,
    /// The request body is not valid JSON of the right shape.
    SerializationException,
    /// The request was refused for its rate.
    ThrottlingException,
    /// The access key is not known.
    UnrecognizedClientException,
    /// The request signature does not match.
    InvalidSignatureException,
    /// The Authorization header is incomplete.
    IncompleteSignatureException,
    /// The request carries no authentication.
    MissingAuthenticationTokenException,
    /// The session token of temporary credentials has expired.
    ExpiredTokenException,
    /// The request body is larger than the server takes.
    RequestEntityTooLargeException,
    /// The request body did not arrive in time.
    RequestTimeoutException,
}

impl ErrorCode {
    /// Every code.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::DecryptionFailure,
        ErrorCode::EncryptionFailure,
        ErrorCode::InternalServiceError,
        ErrorCode::InvalidNextTokenException,
        ErrorCode::InvalidParameterException,
        ErrorCode::InvalidRequestException,
        ErrorCode::LimitExceededException,
        ErrorCode::MalformedPolicyDocumentException,
        ErrorCode::PreconditionNotMetException,
        ErrorCode::PublicPolicyException,
        ErrorCode::ResourceExistsException,
        ErrorCode::ResourceNotFoundException,
        ErrorCode::ValidationException,
        ErrorCode::AccessDeniedException,
        ErrorCode::UnknownOperationException,
        ErrorCode::SerializationException,
        ErrorCode::ThrottlingException,
        ErrorCode::UnrecognizedClientException,
        ErrorCode::InvalidSignatureException,
        ErrorCode::IncompleteSignatureException,
        ErrorCode::MissingAuthenticationTokenException,
        ErrorCode::ExpiredTokenException,
        ErrorCode::RequestEntityTooLargeException,
        ErrorCode::RequestTimeoutException,
    ];

    /// The error type name as sent in `__type`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::DecryptionFailure => "DecryptionFailure",
            ErrorCode::EncryptionFailure => "EncryptionFailure",
            ErrorCode::InternalServiceError => "InternalServiceError",
            ErrorCode::InvalidNextTokenException => "InvalidNextTokenException",
            ErrorCode::InvalidParameterException => "InvalidParameterException",
            ErrorCode::InvalidRequestException => "InvalidRequestException",
            ErrorCode::LimitExceededException => "LimitExceededException",
            ErrorCode::MalformedPolicyDocumentException => "MalformedPolicyDocumentException",
            ErrorCode::PreconditionNotMetException => "PreconditionNotMetException",
            ErrorCode::PublicPolicyException => "PublicPolicyException",
            ErrorCode::ResourceExistsException => "ResourceExistsException",
            ErrorCode::ResourceNotFoundException => "ResourceNotFoundException",
            ErrorCode::ValidationException => "ValidationException",
            ErrorCode::AccessDeniedException => "AccessDeniedException",
            ErrorCode::UnknownOperationException => "UnknownOperationException",
            ErrorCode::SerializationException => "SerializationException",
            ErrorCode::ThrottlingException => "ThrottlingException",
            ErrorCode::UnrecognizedClientException => "UnrecognizedClientException",
            ErrorCode::InvalidSignatureException => "InvalidSignatureException",
            ErrorCode::IncompleteSignatureException => "IncompleteSignatureException",
            ErrorCode::MissingAuthenticationTokenException => "MissingAuthenticationTokenException",
            ErrorCode::ExpiredTokenException => "ExpiredTokenException",
            ErrorCode::RequestEntityTooLargeException => "RequestEntityTooLargeException",
            ErrorCode::RequestTimeoutException => "RequestTimeoutException",
        }
    }

    /// The HTTP status AWS answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::DecryptionFailure => 400,
            ErrorCode::EncryptionFailure => 400,
            ErrorCode::InternalServiceError => 500,
            ErrorCode::InvalidNextTokenException => 400,
            ErrorCode::InvalidParameterException => 400,
            ErrorCode::InvalidRequestException => 400,
            ErrorCode::LimitExceededException => 400,
            ErrorCode::MalformedPolicyDocumentException => 400,
            ErrorCode::PreconditionNotMetException => 400,
            ErrorCode::PublicPolicyException => 400,
            ErrorCode::ResourceExistsException => 400,
            ErrorCode::ResourceNotFoundException => 400,
            ErrorCode::ValidationException => 400,
            ErrorCode::AccessDeniedException => 400,
            ErrorCode::UnknownOperationException => 400,
            ErrorCode::SerializationException => 400,
            ErrorCode::ThrottlingException => 400,
            ErrorCode::UnrecognizedClientException => 400,
            ErrorCode::InvalidSignatureException => 400,
            ErrorCode::IncompleteSignatureException => 400,
            ErrorCode::MissingAuthenticationTokenException => 400,
            ErrorCode::ExpiredTokenException => 400,
            ErrorCode::RequestEntityTooLargeException => 413,
            ErrorCode::RequestTimeoutException => 408,
        }
    }
}
