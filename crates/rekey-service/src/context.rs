//! Who is calling, and where: the request context every operation gets.
//!
//! The server builds it from the authenticated request (in `--dev` from the
//! access key id alone); operations never look at HTTP.

use rekey_model::name::{AccountId, Namespace};

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The caller's account.
    pub account: AccountId,
    /// The caller's ARN (`arn:aws:iam::<account>:root` for the account itself).
    pub arn: String,
    /// The access key the request was signed with.
    pub access_key_id: String,
}

/// The context of one API request.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// The caller's account and the request's region: where names resolve.
    pub namespace: Namespace,
    /// The caller.
    pub principal: Principal,
    /// The `x-amzn-RequestId` of the response.
    pub request_id: String,
}
