//! rekey's domain model: pure types and rules, no I/O and no async.
//!
//! - [`api`] — the wire types generated from the service model;
//! - [`audit`] — audit records in CloudTrail's format;
//! - [`authz`] — policy evaluation;
//! - [`calendar`] — UTC date arithmetic;
//! - [`validation`] — model constraints on raw requests;
//! - [`identity`] — access keys and principals;
//! - [`lifecycle`] — the rotation lifecycle's pure transitions;
//! - [`listing`] — ListSecrets filters;
//! - [`name`] — account, region, secret names, ARNs and SecretId resolution;
//! - [`network`] — IP networks in CIDR notation;
//! - [`staging`] — versions, staging labels and how they move;
//! - [`secret`] — the stored shape of a secret and its versions;
//! - [`spec`] — the vendored service model, embedded once;
//! - [`mod@password`] — GetRandomPassword;
//! - [`policy`] — resource policy documents;
//! - [`rotation`] — rotation jobs, their steps and history;
//! - [`schedule`] — rotation rules and NextRotationDate;
//! - [`error`] — the API error.

#![warn(missing_docs)]

pub mod api;
pub mod audit;
pub mod authz;
pub mod calendar;
pub mod error;
pub mod histogram;
pub mod identity;
pub mod lifecycle;
pub mod listing;
pub mod name;
pub mod network;
pub mod password;
pub mod policy;
pub mod request_id;
pub mod rotation;
pub mod schedule;
pub mod secret;
pub mod spec;
pub mod staging;
pub mod validation;

pub use api::wire::{Blob, SensitiveString, Timestamp};
pub use error::{ApiError, ApiResult, ErrorCode};
