// @generated from spec/secretsmanager-service-2.json by xtask/src/codegen.rs.
// Do not edit: run `cargo run -p xtask -- codegen`.

use super::*;
use crate::api::wire::{Blob, SensitiveString, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;


/// Model structure `APIErrorType`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct APIErrorType {
    #[serde(rename = "ErrorCode", default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(rename = "SecretId", default, skip_serializing_if = "Option::is_none")]
    pub secret_id: Option<String>,
}

/// Model structure `CrossAccountPrimaryType`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CrossAccountPrimaryType {
    #[serde(rename = "PrimarySecretARN", default, skip_serializing_if = "Option::is_none")]
    pub primary_secret_arn: Option<String>,
    #[serde(rename = "ReplicationStatus", default, skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<StatusType>,
    #[serde(rename = "StatusMessage", default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

/// Model structure `CrossAccountReplicaEntry`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CrossAccountReplicaEntry {
    #[serde(rename = "ReplicaSecretARN", default, skip_serializing_if = "Option::is_none")]
    pub replica_secret_arn: Option<String>,
    #[serde(rename = "ReplicationRoleARN", default, skip_serializing_if = "Option::is_none")]
    pub replication_role_arn: Option<String>,
    #[serde(rename = "ReplicationStatus", default, skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<StatusType>,
    #[serde(rename = "StatusMessage", default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

/// Model structure `ExternalSecretRotationMetadataItem`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExternalSecretRotationMetadataItem {
    #[serde(rename = "Key", default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(rename = "Value", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Model structure `Filter`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    #[serde(rename = "Key", default, skip_serializing_if = "Option::is_none")]
    pub key: Option<FilterNameStringType>,
    #[serde(rename = "Values", default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<String>>,
}

/// Model enum `FilterNameStringType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FilterNameStringType {
    #[serde(rename = "description")]
    Description,
    #[serde(rename = "name")]
    Name,
    #[serde(rename = "tag-key")]
    TagKey,
    #[serde(rename = "tag-value")]
    TagValue,
    #[serde(rename = "primary-region")]
    PrimaryRegion,
    #[serde(rename = "owning-service")]
    OwningService,
    #[serde(rename = "all")]
    All,
}

impl FilterNameStringType {
    /// The value as it travels on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            FilterNameStringType::Description => "description",
            FilterNameStringType::Name => "name",
            FilterNameStringType::TagKey => "tag-key",
            FilterNameStringType::TagValue => "tag-value",
            FilterNameStringType::PrimaryRegion => "primary-region",
            FilterNameStringType::OwningService => "owning-service",
            FilterNameStringType::All => "all",
        }
    }
}

/// Model structure `ReplicaRegionType`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplicaRegionType {
    #[serde(rename = "KmsKeyId", default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(rename = "Region", default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// Model enum `ReplicaRestrictionType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReplicaRestrictionType {
    #[serde(rename = "SameOrg")]
    SameOrg,
    #[serde(rename = "NoRestriction")]
    NoRestriction,
}

impl ReplicaRestrictionType {
    /// The value as it travels on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplicaRestrictionType::SameOrg => "SameOrg",
            ReplicaRestrictionType::NoRestriction => "NoRestriction",
        }
    }
}

/// Model structure `ReplicationStatusType`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplicationStatusType {
    #[serde(rename = "KmsKeyId", default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(rename = "LastAccessedDate", default, skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<Timestamp>,
    #[serde(rename = "Region", default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(rename = "Status", default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusType>,
    #[serde(rename = "StatusMessage", default, skip_serializing_if = "Option::is_none")]
    pub status_message: Option<String>,
}

/// Model structure `ResourcePolicySummary`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourcePolicySummary {
    #[serde(rename = "PolicyName", default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
}

/// Model structure `RotationRulesType`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RotationRulesType {
    #[serde(rename = "AutomaticallyAfterDays", default, skip_serializing_if = "Option::is_none")]
    pub automatically_after_days: Option<i64>,
    #[serde(rename = "Duration", default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
    #[serde(rename = "ScheduleExpression", default, skip_serializing_if = "Option::is_none")]
    pub schedule_expression: Option<String>,
}

/// Model structure `SecretListEntry`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecretListEntry {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "CreatedDate", default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<Timestamp>,
    #[serde(rename = "DeletedDate", default, skip_serializing_if = "Option::is_none")]
    pub deleted_date: Option<Timestamp>,
    #[serde(rename = "Description", default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "ExternalSecretRotationMetadata", default, skip_serializing_if = "Option::is_none")]
    pub external_secret_rotation_metadata: Option<Vec<ExternalSecretRotationMetadataItem>>,
    #[serde(rename = "ExternalSecretRotationRoleArn", default, skip_serializing_if = "Option::is_none")]
    pub external_secret_rotation_role_arn: Option<String>,
    #[serde(rename = "KmsKeyId", default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(rename = "LastAccessedDate", default, skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<Timestamp>,
    #[serde(rename = "LastChangedDate", default, skip_serializing_if = "Option::is_none")]
    pub last_changed_date: Option<Timestamp>,
    #[serde(rename = "LastRotatedDate", default, skip_serializing_if = "Option::is_none")]
    pub last_rotated_date: Option<Timestamp>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "NextRotationDate", default, skip_serializing_if = "Option::is_none")]
    pub next_rotation_date: Option<Timestamp>,
    #[serde(rename = "OwningService", default, skip_serializing_if = "Option::is_none")]
    pub owning_service: Option<String>,
    #[serde(rename = "PrimaryRegion", default, skip_serializing_if = "Option::is_none")]
    pub primary_region: Option<String>,
    #[serde(rename = "RotationEnabled", default, skip_serializing_if = "Option::is_none")]
    pub rotation_enabled: Option<bool>,
    #[serde(rename = "RotationLambdaARN", default, skip_serializing_if = "Option::is_none")]
    pub rotation_lambda_arn: Option<String>,
    #[serde(rename = "RotationRules", default, skip_serializing_if = "Option::is_none")]
    pub rotation_rules: Option<RotationRulesType>,
    #[serde(rename = "SecretVersionsToStages", default, skip_serializing_if = "Option::is_none")]
    pub secret_versions_to_stages: Option<BTreeMap<String, Vec<String>>>,
    #[serde(rename = "Tags", default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
}

/// Model structure `SecretValueEntry`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecretValueEntry {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "CreatedDate", default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<Timestamp>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "SecretBinary", default, skip_serializing_if = "Option::is_none")]
    pub secret_binary: Option<Blob>,
    #[serde(rename = "SecretString", default, skip_serializing_if = "Option::is_none")]
    pub secret_string: Option<SensitiveString>,
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(rename = "VersionStages", default, skip_serializing_if = "Option::is_none")]
    pub version_stages: Option<Vec<String>>,
}

/// Model structure `SecretVersionsListEntry`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SecretVersionsListEntry {
    #[serde(rename = "CreatedDate", default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<Timestamp>,
    #[serde(rename = "KmsKeyIds", default, skip_serializing_if = "Option::is_none")]
    pub kms_key_ids: Option<Vec<String>>,
    #[serde(rename = "LastAccessedDate", default, skip_serializing_if = "Option::is_none")]
    pub last_accessed_date: Option<Timestamp>,
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(rename = "VersionStages", default, skip_serializing_if = "Option::is_none")]
    pub version_stages: Option<Vec<String>>,
}

/// Model enum `SortByType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortByType {
    #[serde(rename = "created-date")]
    CreatedDate,
    #[serde(rename = "last-accessed-date")]
    LastAccessedDate,
    #[serde(rename = "last-changed-date")]
    LastChangedDate,
    #[serde(rename = "name")]
    Name,
}

impl SortByType {
    /// The value as it travels on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            SortByType::CreatedDate => "created-date",
            SortByType::LastAccessedDate => "last-accessed-date",
            SortByType::LastChangedDate => "last-changed-date",
            SortByType::Name => "name",
        }
    }
}

/// Model enum `SortOrderType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SortOrderType {
    #[serde(rename = "asc")]
    Asc,
    #[serde(rename = "desc")]
    Desc,
}

impl SortOrderType {
    /// The value as it travels on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrderType::Asc => "asc",
            SortOrderType::Desc => "desc",
        }
    }
}

/// Model enum `StatusType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StatusType {
    #[serde(rename = "InSync")]
    InSync,
    #[serde(rename = "Failed")]
    Failed,
    #[serde(rename = "InProgress")]
    InProgress,
    #[serde(rename = "Pending")]
    Pending,
    #[serde(rename = "Detached")]
    Detached,
}

impl StatusType {
    /// The value as it travels on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            StatusType::InSync => "InSync",
            StatusType::Failed => "Failed",
            StatusType::InProgress => "InProgress",
            StatusType::Pending => "Pending",
            StatusType::Detached => "Detached",
        }
    }
}

/// Model structure `Tag`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key", default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(rename = "Value", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

/// Model structure `ValidationErrorsEntry`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationErrorsEntry {
    #[serde(rename = "CheckName", default, skip_serializing_if = "Option::is_none")]
    pub check_name: Option<String>,
    #[serde(rename = "ErrorMessage", default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}
