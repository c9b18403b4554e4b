// @generated from spec/secretsmanager-service-2.json by xtask/src/codegen.rs.
// Do not edit: run `cargo run -p xtask -- codegen`.

use super::*;
use crate::api::wire::{Blob, SensitiveString, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;


/// Model structure `AssociateCrossAccountReplicaRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssociateCrossAccountReplicaRequest {
    #[serde(rename = "CrossAccountReplicaARN")]
    pub cross_account_replica_arn: String,
    #[serde(rename = "ReplicaRestriction", default, skip_serializing_if = "Option::is_none")]
    pub replica_restriction: Option<ReplicaRestrictionType>,
    #[serde(rename = "ReplicationRoleARN", default, skip_serializing_if = "Option::is_none")]
    pub replication_role_arn: Option<String>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `BatchGetSecretValueRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchGetSecretValueRequest {
    #[serde(rename = "Filters", default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<Filter>>,
    #[serde(rename = "MaxResults", default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(rename = "SecretIdList", default, skip_serializing_if = "Option::is_none")]
    pub secret_id_list: Option<Vec<String>>,
}

/// Model structure `CancelRotateSecretRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CancelRotateSecretRequest {
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `CreateSecretRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateSecretRequest {
    #[serde(rename = "AddReplicaRegions", default, skip_serializing_if = "Option::is_none")]
    pub add_replica_regions: Option<Vec<ReplicaRegionType>>,
    #[serde(rename = "ClientRequestToken", default, skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    #[serde(rename = "CrossAccountPrimaryARN", default, skip_serializing_if = "Option::is_none")]
    pub cross_account_primary_arn: Option<String>,
    #[serde(rename = "Description", default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "ForceOverwriteReplicaSecret", default, skip_serializing_if = "Option::is_none")]
    pub force_overwrite_replica_secret: Option<bool>,
    #[serde(rename = "KmsKeyId", default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "SecretBinary", default, skip_serializing_if = "Option::is_none")]
    pub secret_binary: Option<Blob>,
    #[serde(rename = "SecretString", default, skip_serializing_if = "Option::is_none")]
    pub secret_string: Option<SensitiveString>,
    #[serde(rename = "Tags", default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
}

/// Model structure `DeleteResourcePolicyRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeleteResourcePolicyRequest {
    #[serde(rename = "PolicyName", default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `DeleteSecretRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeleteSecretRequest {
    #[serde(rename = "ForceDeleteWithoutRecovery", default, skip_serializing_if = "Option::is_none")]
    pub force_delete_without_recovery: Option<bool>,
    #[serde(rename = "RecoveryWindowInDays", default, skip_serializing_if = "Option::is_none")]
    pub recovery_window_in_days: Option<i64>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `DescribeSecretRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DescribeSecretRequest {
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `DisassociateCrossAccountReplicaRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DisassociateCrossAccountReplicaRequest {
    #[serde(rename = "CrossAccountReplicaARN")]
    pub cross_account_replica_arn: String,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `GetRandomPasswordRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetRandomPasswordRequest {
    #[serde(rename = "ExcludeCharacters", default, skip_serializing_if = "Option::is_none")]
    pub exclude_characters: Option<String>,
    #[serde(rename = "ExcludeLowercase", default, skip_serializing_if = "Option::is_none")]
    pub exclude_lowercase: Option<bool>,
    #[serde(rename = "ExcludeNumbers", default, skip_serializing_if = "Option::is_none")]
    pub exclude_numbers: Option<bool>,
    #[serde(rename = "ExcludePunctuation", default, skip_serializing_if = "Option::is_none")]
    pub exclude_punctuation: Option<bool>,
    #[serde(rename = "ExcludeUppercase", default, skip_serializing_if = "Option::is_none")]
    pub exclude_uppercase: Option<bool>,
    #[serde(rename = "IncludeSpace", default, skip_serializing_if = "Option::is_none")]
    pub include_space: Option<bool>,
    #[serde(rename = "PasswordLength", default, skip_serializing_if = "Option::is_none")]
    pub password_length: Option<i64>,
    #[serde(rename = "RequireEachIncludedType", default, skip_serializing_if = "Option::is_none")]
    pub require_each_included_type: Option<bool>,
}

/// Model structure `GetResourcePolicyRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetResourcePolicyRequest {
    #[serde(rename = "PolicyName", default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `GetSecretValueRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetSecretValueRequest {
    #[serde(rename = "SecretId")]
    pub secret_id: String,
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(rename = "VersionStage", default, skip_serializing_if = "Option::is_none")]
    pub version_stage: Option<String>,
}

/// Model structure `ListResourcePoliciesRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListResourcePoliciesRequest {
    #[serde(rename = "MaxResults", default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `ListSecretVersionIdsRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListSecretVersionIdsRequest {
    #[serde(rename = "IncludeDeprecated", default, skip_serializing_if = "Option::is_none")]
    pub include_deprecated: Option<bool>,
    #[serde(rename = "MaxResults", default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `ListSecretsRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListSecretsRequest {
    #[serde(rename = "Filters", default, skip_serializing_if = "Option::is_none")]
    pub filters: Option<Vec<Filter>>,
    #[serde(rename = "IncludePlannedDeletion", default, skip_serializing_if = "Option::is_none")]
    pub include_planned_deletion: Option<bool>,
    #[serde(rename = "MaxResults", default, skip_serializing_if = "Option::is_none")]
    pub max_results: Option<i32>,
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(rename = "SortBy", default, skip_serializing_if = "Option::is_none")]
    pub sort_by: Option<SortByType>,
    #[serde(rename = "SortOrder", default, skip_serializing_if = "Option::is_none")]
    pub sort_order: Option<SortOrderType>,
}

/// Model structure `PutResourcePolicyRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PutResourcePolicyRequest {
    #[serde(rename = "BlockPublicPolicy", default, skip_serializing_if = "Option::is_none")]
    pub block_public_policy: Option<bool>,
    #[serde(rename = "PolicyName", default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    #[serde(rename = "ResourcePolicy")]
    pub resource_policy: String,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `PutSecretValueRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PutSecretValueRequest {
    #[serde(rename = "ClientRequestToken", default, skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    #[serde(rename = "RotationToken", default, skip_serializing_if = "Option::is_none")]
    pub rotation_token: Option<SensitiveString>,
    #[serde(rename = "SecretBinary", default, skip_serializing_if = "Option::is_none")]
    pub secret_binary: Option<Blob>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
    #[serde(rename = "SecretString", default, skip_serializing_if = "Option::is_none")]
    pub secret_string: Option<SensitiveString>,
    #[serde(rename = "VersionStages", default, skip_serializing_if = "Option::is_none")]
    pub version_stages: Option<Vec<String>>,
}

/// Model structure `RemoveRegionsFromReplicationRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RemoveRegionsFromReplicationRequest {
    #[serde(rename = "RemoveReplicaRegions")]
    pub remove_replica_regions: Vec<String>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `ReplicateSecretToRegionsRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplicateSecretToRegionsRequest {
    #[serde(rename = "AddReplicaRegions")]
    pub add_replica_regions: Vec<ReplicaRegionType>,
    #[serde(rename = "ForceOverwriteReplicaSecret", default, skip_serializing_if = "Option::is_none")]
    pub force_overwrite_replica_secret: Option<bool>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `RestoreSecretRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestoreSecretRequest {
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `RotateSecretRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RotateSecretRequest {
    #[serde(rename = "ClientRequestToken", default, skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    #[serde(rename = "ExternalSecretRotationMetadata", default, skip_serializing_if = "Option::is_none")]
    pub external_secret_rotation_metadata: Option<Vec<ExternalSecretRotationMetadataItem>>,
    #[serde(rename = "ExternalSecretRotationRoleArn", default, skip_serializing_if = "Option::is_none")]
    pub external_secret_rotation_role_arn: Option<String>,
    #[serde(rename = "RotateImmediately", default, skip_serializing_if = "Option::is_none")]
    pub rotate_immediately: Option<bool>,
    #[serde(rename = "RotationLambdaARN", default, skip_serializing_if = "Option::is_none")]
    pub rotation_lambda_arn: Option<String>,
    #[serde(rename = "RotationRules", default, skip_serializing_if = "Option::is_none")]
    pub rotation_rules: Option<RotationRulesType>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `StopReplicationToReplicaRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopReplicationToReplicaRequest {
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `TagResourceRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TagResourceRequest {
    #[serde(rename = "SecretId")]
    pub secret_id: String,
    #[serde(rename = "Tags")]
    pub tags: Vec<Tag>,
}

/// Model structure `UntagResourceRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UntagResourceRequest {
    #[serde(rename = "SecretId")]
    pub secret_id: String,
    #[serde(rename = "TagKeys")]
    pub tag_keys: Vec<String>,
}

/// Model structure `UpdateSecretRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateSecretRequest {
    #[serde(rename = "ClientRequestToken", default, skip_serializing_if = "Option::is_none")]
    pub client_request_token: Option<String>,
    #[serde(rename = "Description", default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "KmsKeyId", default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(rename = "SecretBinary", default, skip_serializing_if = "Option::is_none")]
    pub secret_binary: Option<Blob>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
    #[serde(rename = "SecretString", default, skip_serializing_if = "Option::is_none")]
    pub secret_string: Option<SensitiveString>,
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
}

/// Model structure `UpdateSecretVersionStageRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateSecretVersionStageRequest {
    #[serde(rename = "MoveToVersionId", default, skip_serializing_if = "Option::is_none")]
    pub move_to_version_id: Option<String>,
    #[serde(rename = "RemoveFromVersionId", default, skip_serializing_if = "Option::is_none")]
    pub remove_from_version_id: Option<String>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
    #[serde(rename = "VersionStage")]
    pub version_stage: String,
}

/// Model structure `ValidateResourcePolicyRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidateResourcePolicyRequest {
    #[serde(rename = "ResourcePolicy")]
    pub resource_policy: String,
    #[serde(rename = "SecretId", default, skip_serializing_if = "Option::is_none")]
    pub secret_id: Option<String>,
}
