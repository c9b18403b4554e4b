// @generated from spec/secretsmanager-service-2.json by xtask/src/codegen.rs.
// Do not edit: run `cargo run -p xtask -- codegen`.

use super::*;
use crate::api::wire::{Blob, SensitiveString, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;


/// Model structure `AssociateCrossAccountReplicaResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AssociateCrossAccountReplicaResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "CrossAccountReplicaARN", default, skip_serializing_if = "Option::is_none")]
    pub cross_account_replica_arn: Option<String>,
    #[serde(rename = "ReplicationStatus", default, skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<StatusType>,
}

/// Model structure `BatchGetSecretValueResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchGetSecretValueResponse {
    #[serde(rename = "Errors", default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<APIErrorType>>,
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(rename = "SecretValues", default, skip_serializing_if = "Option::is_none")]
    pub secret_values: Option<Vec<SecretValueEntry>>,
}

/// Model structure `CancelRotateSecretResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CancelRotateSecretResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// Model structure `CreateSecretResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CreateSecretResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "ReplicationStatus", default, skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<Vec<ReplicationStatusType>>,
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// Model structure `DeleteResourcePolicyResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeleteResourcePolicyResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "PolicyName", default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
}

/// Model structure `DeleteSecretResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeleteSecretResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "DeletionDate", default, skip_serializing_if = "Option::is_none")]
    pub deletion_date: Option<Timestamp>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Model structure `DescribeSecretResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DescribeSecretResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "CreatedDate", default, skip_serializing_if = "Option::is_none")]
    pub created_date: Option<Timestamp>,
    #[serde(rename = "CrossAccountPrimary", default, skip_serializing_if = "Option::is_none")]
    pub cross_account_primary: Option<CrossAccountPrimaryType>,
    #[serde(rename = "CrossAccountReplicas", default, skip_serializing_if = "Option::is_none")]
    pub cross_account_replicas: Option<Vec<CrossAccountReplicaEntry>>,
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
    #[serde(rename = "ReplicationStatus", default, skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<Vec<ReplicationStatusType>>,
    #[serde(rename = "RotationEnabled", default, skip_serializing_if = "Option::is_none")]
    pub rotation_enabled: Option<bool>,
    #[serde(rename = "RotationLambdaARN", default, skip_serializing_if = "Option::is_none")]
    pub rotation_lambda_arn: Option<String>,
    #[serde(rename = "RotationRules", default, skip_serializing_if = "Option::is_none")]
    pub rotation_rules: Option<RotationRulesType>,
    #[serde(rename = "Tags", default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<Tag>>,
    #[serde(rename = "Type", default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    #[serde(rename = "VersionIdsToStages", default, skip_serializing_if = "Option::is_none")]
    pub version_ids_to_stages: Option<BTreeMap<String, Vec<String>>>,
}

/// Model structure `DisassociateCrossAccountReplicaResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DisassociateCrossAccountReplicaResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "CrossAccountReplicaARN", default, skip_serializing_if = "Option::is_none")]
    pub cross_account_replica_arn: Option<String>,
}

/// Model structure `GetRandomPasswordResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetRandomPasswordResponse {
    #[serde(rename = "RandomPassword", default, skip_serializing_if = "Option::is_none")]
    pub random_password: Option<SensitiveString>,
}

/// Model structure `GetResourcePolicyResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetResourcePolicyResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "PolicyName", default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    #[serde(rename = "ResourcePolicy", default, skip_serializing_if = "Option::is_none")]
    pub resource_policy: Option<String>,
}

/// Model structure `GetSecretValueResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetSecretValueResponse {
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

/// Model structure `ListResourcePoliciesResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListResourcePoliciesResponse {
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(rename = "ResourcePolicies")]
    pub resource_policies: Vec<ResourcePolicySummary>,
}

/// Model structure `ListSecretVersionIdsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListSecretVersionIdsResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(rename = "Versions", default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<Vec<SecretVersionsListEntry>>,
}

/// Model structure `ListSecretsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListSecretsResponse {
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(rename = "SecretList", default, skip_serializing_if = "Option::is_none")]
    pub secret_list: Option<Vec<SecretListEntry>>,
}

/// Model structure `PutResourcePolicyResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PutResourcePolicyResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "PolicyName", default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
}

/// Model structure `PutSecretValueResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PutSecretValueResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(rename = "VersionStages", default, skip_serializing_if = "Option::is_none")]
    pub version_stages: Option<Vec<String>>,
}

/// Model structure `RemoveRegionsFromReplicationResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RemoveRegionsFromReplicationResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "ReplicationStatus", default, skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<Vec<ReplicationStatusType>>,
}

/// Model structure `ReplicateSecretToRegionsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplicateSecretToRegionsResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "ReplicationStatus", default, skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<Vec<ReplicationStatusType>>,
}

/// Model structure `RestoreSecretResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestoreSecretResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Model structure `RotateSecretResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RotateSecretResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// Model structure `StopReplicationToReplicaResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopReplicationToReplicaResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
}

/// Model structure `UpdateSecretResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateSecretResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(rename = "VersionId", default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
}

/// Model structure `UpdateSecretVersionStageResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateSecretVersionStageResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Model structure `ValidateResourcePolicyResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidateResourcePolicyResponse {
    #[serde(rename = "PolicyValidationPassed", default, skip_serializing_if = "Option::is_none")]
    pub policy_validation_passed: Option<bool>,
    #[serde(rename = "ValidationErrors", default, skip_serializing_if = "Option::is_none")]
    pub validation_errors: Option<Vec<ValidationErrorsEntry>>,
}
