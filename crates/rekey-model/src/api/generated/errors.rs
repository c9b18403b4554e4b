// @generated from spec/secretsmanager-service-2.json by crates/rekey-model/tests/codegen.rs.
// Do not edit: run `REKEY_REGENERATE=1 cargo test -p rekey-model --test codegen`.

use super::*;
use crate::api::wire::{Blob, SensitiveString, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;


/// Model error `DecryptionFailure`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecryptionFailure {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Model error `EncryptionFailure`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EncryptionFailure {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Model error `InternalServiceError`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InternalServiceError {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Model error `InvalidNextTokenException`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvalidNextTokenException {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Model error `InvalidParameterException`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvalidParameterException {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Model error `InvalidRequestException`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct InvalidRequestException {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Model error `LimitExceededException`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LimitExceededException {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Model error `MalformedPolicyDocumentException`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MalformedPolicyDocumentException {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Model error `PreconditionNotMetException`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PreconditionNotMetException {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Model error `PublicPolicyException`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PublicPolicyException {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Model error `ResourceExistsException`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceExistsException {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Model error `ResourceNotFoundException`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourceNotFoundException {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
