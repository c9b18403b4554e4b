//! Why a request's signature is refused: one variant per check, each
//! with the error code and the message AWS answers with.

use rekey_model::{ApiError, ErrorCode};

/// A refused signature. Its `Display` is AWS's message; [`SigV4Error::code`]
/// its error code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// Neither an `Authorization` header nor a presigned query.
    #[error("Missing Authentication Token")]
    MissingAuthentication,
    /// An `Authorization` header of another scheme, or with no date
    /// header to go with it (AWS says the same of both).
    #[error(
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization={authorization}"
    )]
    NoDate {
        /// The header as sent.
        authorization: String,
    },
    /// An `Authorization` header without some of its three parts.
    #[error("{}Authorization={authorization}", missing.iter().map(|m| format!("Authorization header requires '{m}' parameter. ")).collect::<String>())]
    IncompleteAuthorization {
        /// `Credential`, `Signature`, `SignedHeaders`: those missing, in that order.
        missing: Vec<&'static str>,
        /// The header as sent.
        authorization: String,
    },
    /// A presigned query without some of its parameters.
    #[error("AWS query-string parameters must include {}. Re-examine the query-string parameters.", missing.join(", "))]
    IncompleteQuery {
        /// The `X-Amz-*` parameters missing.
        missing: Vec<&'static str>,
    },
    /// A credential that is not `key/date/region/service/terminator`.
    #[error(
        "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '{credential}'"
    )]
    MalformedCredential {
        /// The credential as sent.
        credential: String,
    },
    /// A signing date that is not `YYYYMMDD'T'HHMMSS'Z'`.
    #[error("Date must be in ISO-8601 'basic format'. Got '{stamp}'. See http://en.wikipedia.org/wiki/ISO_8601")]
    MalformedDate {
        /// The date as sent.
        stamp: String,
    },
    /// Signed more than the allowed skew ago.
    #[error("Signature expired: {stamp} is now earlier than {limit} ({now} - 15 min.)")]
    Expired {
        /// The signing date.
        stamp: String,
        /// The earliest date accepted.
        limit: String,
        /// The server's time.
        now: String,
    },
    /// Signed more than the allowed skew ahead.
    #[error("Signature not yet current: {stamp} is still later than {limit} ({now} + 15 min.)")]
    NotYetCurrent {
        /// The signing date.
        stamp: String,
        /// The latest date accepted.
        limit: String,
        /// The server's time.
        now: String,
    },
    /// A presigned request past its `X-Amz-Expires`.
    #[error("Request has expired")]
    PresignedExpired,
    /// A credential scope for another day than the signing date's.
    #[error(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{scope_date}' != '{stamp_date}', from '{stamp}'."
    )]
    ScopeDate {
        /// The scope's date.
        scope_date: String,
        /// The signing date's day.
        stamp_date: String,
        /// The signing date.
        stamp: String,
    },
    /// A credential scoped to another service.
    #[error("Credential should be scoped to correct service: '{service}'. ")]
    ScopeService {
        /// The service this verifier serves.
        service: &'static str,
    },
    /// A credential scope not ending in `aws4_request`.
    #[error("Credential should be scoped with a valid terminator: 'aws4_request', not '{terminator}'. ")]
    ScopeTerminator {
        /// The terminator as sent.
        terminator: String,
    },
    /// A credential scoped to no valid region.
    #[error("Credential should be scoped to a valid region. ")]
    ScopeRegion,
    /// The host is not among the signed headers.
    #[error("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")]
    HostNotSigned,
    /// A header that says what the request does is not signed.
    #[error("'{header}' must be a 'SignedHeader' in the AWS Authorization.")]
    HeaderNotSigned {
        /// The header, as AWS names it.
        header: &'static str,
    },
    /// `X-Amz-Content-SHA256` declares an unsigned or streamed payload.
    #[error(
        "Unsigned or streaming payloads are not accepted: the payload must be signed (x-amz-content-sha256 is the SHA-256 of the body)."
    )]
    UnsignedPayload,
    /// The body is not what `X-Amz-Content-SHA256` declares.
    #[error("The provided 'x-amz-content-sha256' header does not match what was computed.")]
    PayloadMismatch,
    /// The signature is not the one the key makes.
    #[error(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
    )]
    SignatureMismatch,
    /// An access key that does not exist or is not active, or a session
    /// token that is missing, unexpected or wrong.
    #[error("The security token included in the request is invalid.")]
    InvalidToken,
    /// The session token of temporary credentials has expired.
    #[error("The security token included in the request is expired")]
    ExpiredToken,
}

impl SigV4Error {
    /// AWS's error code for it.
    pub fn code(&self) -> ErrorCode {
        use SigV4Error::*;
        match self {
            MissingAuthentication => ErrorCode::MissingAuthenticationTokenException,
            NoDate { .. }
            | IncompleteAuthorization { .. }
            | IncompleteQuery { .. }
            | MalformedCredential { .. }
            | MalformedDate { .. } => ErrorCode::IncompleteSignatureException,
            Expired { .. }
            | NotYetCurrent { .. }
            | PresignedExpired
            | ScopeDate { .. }
            | ScopeService { .. }
            | ScopeTerminator { .. }
            | ScopeRegion
            | HostNotSigned
            | HeaderNotSigned { .. }
            | UnsignedPayload
            | PayloadMismatch
            | SignatureMismatch => ErrorCode::InvalidSignatureException,
            InvalidToken => ErrorCode::UnrecognizedClientException,
            ExpiredToken => ErrorCode::ExpiredTokenException,
        }
    }
}

impl From<SigV4Error> for ApiError {
    fn from(e: SigV4Error) -> Self {
        ApiError::new(e.code(), e.to_string())
    }
}
