// @generated from spec/secretsmanager-service-2.json by crates/rekey-model/tests/codegen.rs.
// Do not edit: run `REKEY_REGENERATE=1 cargo test -p rekey-model --test codegen`.

use super::wire::{Blob, SensitiveString, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Every operation of the Secrets Manager service model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    AssociateCrossAccountReplica,
    BatchGetSecretValue,
    CancelRotateSecret,
    CreateSecret,
    DeleteResourcePolicy,
    DeleteSecret,
    DescribeSecret,
    DisassociateCrossAccountReplica,
    GetRandomPassword,
    GetResourcePolicy,
    GetSecretValue,
    ListResourcePolicies,
    ListSecretVersionIds,
    ListSecrets,
    PutResourcePolicy,
    PutSecretValue,
    RemoveRegionsFromReplication,
    ReplicateSecretToRegions,
    RestoreSecret,
    RotateSecret,
    StopReplicationToReplica,
    TagResource,
    UntagResource,
    UpdateSecret,
    UpdateSecretVersionStage,
    ValidateResourcePolicy,
}

impl Operation {
    /// All operations, in model order.
    pub const ALL: &'static [Operation] = &[
        Operation::AssociateCrossAccountReplica,
        Operation::BatchGetSecretValue,
        Operation::CancelRotateSecret,
        Operation::CreateSecret,
        Operation::DeleteResourcePolicy,
        Operation::DeleteSecret,
        Operation::DescribeSecret,
        Operation::DisassociateCrossAccountReplica,
        Operation::GetRandomPassword,
        Operation::GetResourcePolicy,
        Operation::GetSecretValue,
        Operation::ListResourcePolicies,
        Operation::ListSecretVersionIds,
        Operation::ListSecrets,
        Operation::PutResourcePolicy,
        Operation::PutSecretValue,
        Operation::RemoveRegionsFromReplication,
        Operation::ReplicateSecretToRegions,
        Operation::RestoreSecret,
        Operation::RotateSecret,
        Operation::StopReplicationToReplica,
        Operation::TagResource,
        Operation::UntagResource,
        Operation::UpdateSecret,
        Operation::UpdateSecretVersionStage,
        Operation::ValidateResourcePolicy,
    ];

    /// The operation name as it appears in `X-Amz-Target`.
    pub fn name(self) -> &'static str {
        match self {
            Operation::AssociateCrossAccountReplica => "AssociateCrossAccountReplica",
            Operation::BatchGetSecretValue => "BatchGetSecretValue",
            Operation::CancelRotateSecret => "CancelRotateSecret",
            Operation::CreateSecret => "CreateSecret",
            Operation::DeleteResourcePolicy => "DeleteResourcePolicy",
            Operation::DeleteSecret => "DeleteSecret",
            Operation::DescribeSecret => "DescribeSecret",
            Operation::DisassociateCrossAccountReplica => "DisassociateCrossAccountReplica",
            Operation::GetRandomPassword => "GetRandomPassword",
            Operation::GetResourcePolicy => "GetResourcePolicy",
            Operation::GetSecretValue => "GetSecretValue",
            Operation::ListResourcePolicies => "ListResourcePolicies",
            Operation::ListSecretVersionIds => "ListSecretVersionIds",
            Operation::ListSecrets => "ListSecrets",
            Operation::PutResourcePolicy => "PutResourcePolicy",
            Operation::PutSecretValue => "PutSecretValue",
            Operation::RemoveRegionsFromReplication => "RemoveRegionsFromReplication",
            Operation::ReplicateSecretToRegions => "ReplicateSecretToRegions",
            Operation::RestoreSecret => "RestoreSecret",
            Operation::RotateSecret => "RotateSecret",
            Operation::StopReplicationToReplica => "StopReplicationToReplica",
            Operation::TagResource => "TagResource",
            Operation::UntagResource => "UntagResource",
            Operation::UpdateSecret => "UpdateSecret",
            Operation::UpdateSecretVersionStage => "UpdateSecretVersionStage",
            Operation::ValidateResourcePolicy => "ValidateResourcePolicy",
        }
    }

    /// Looks an operation up by its name.
    pub fn from_name(name: &str) -> Option<Operation> {
        match name {
            "AssociateCrossAccountReplica" => Some(Operation::AssociateCrossAccountReplica),
            "BatchGetSecretValue" => Some(Operation::BatchGetSecretValue),
            "CancelRotateSecret" => Some(Operation::CancelRotateSecret),
            "CreateSecret" => Some(Operation::CreateSecret),
            "DeleteResourcePolicy" => Some(Operation::DeleteResourcePolicy),
            "DeleteSecret" => Some(Operation::DeleteSecret),
            "DescribeSecret" => Some(Operation::DescribeSecret),
            "DisassociateCrossAccountReplica" => Some(Operation::DisassociateCrossAccountReplica),
            "GetRandomPassword" => Some(Operation::GetRandomPassword),
            "GetResourcePolicy" => Some(Operation::GetResourcePolicy),
            "GetSecretValue" => Some(Operation::GetSecretValue),
            "ListResourcePolicies" => Some(Operation::ListResourcePolicies),
            "ListSecretVersionIds" => Some(Operation::ListSecretVersionIds),
            "ListSecrets" => Some(Operation::ListSecrets),
            "PutResourcePolicy" => Some(Operation::PutResourcePolicy),
            "PutSecretValue" => Some(Operation::PutSecretValue),
            "RemoveRegionsFromReplication" => Some(Operation::RemoveRegionsFromReplication),
            "ReplicateSecretToRegions" => Some(Operation::ReplicateSecretToRegions),
            "RestoreSecret" => Some(Operation::RestoreSecret),
            "RotateSecret" => Some(Operation::RotateSecret),
            "StopReplicationToReplica" => Some(Operation::StopReplicationToReplica),
            "TagResource" => Some(Operation::TagResource),
            "UntagResource" => Some(Operation::UntagResource),
            "UpdateSecret" => Some(Operation::UpdateSecret),
            "UpdateSecretVersionStage" => Some(Operation::UpdateSecretVersionStage),
            "ValidateResourcePolicy" => Some(Operation::ValidateResourcePolicy),
            _ => None,
        }
    }

    /// The model shape of the operation's input.
    pub fn input_shape(self) -> &'static str {
        match self {
            Operation::AssociateCrossAccountReplica => "AssociateCrossAccountReplicaRequest",
            Operation::BatchGetSecretValue => "BatchGetSecretValueRequest",
            Operation::CancelRotateSecret => "CancelRotateSecretRequest",
            Operation::CreateSecret => "CreateSecretRequest",
            Operation::DeleteResourcePolicy => "DeleteResourcePolicyRequest",
            Operation::DeleteSecret => "DeleteSecretRequest",
            Operation::DescribeSecret => "DescribeSecretRequest",
            Operation::DisassociateCrossAccountReplica => "DisassociateCrossAccountReplicaRequest",
            Operation::GetRandomPassword => "GetRandomPasswordRequest",
            Operation::GetResourcePolicy => "GetResourcePolicyRequest",
            Operation::GetSecretValue => "GetSecretValueRequest",
            Operation::ListResourcePolicies => "ListResourcePoliciesRequest",
            Operation::ListSecretVersionIds => "ListSecretVersionIdsRequest",
            Operation::ListSecrets => "ListSecretsRequest",
            Operation::PutResourcePolicy => "PutResourcePolicyRequest",
            Operation::PutSecretValue => "PutSecretValueRequest",
            Operation::RemoveRegionsFromReplication => "RemoveRegionsFromReplicationRequest",
            Operation::ReplicateSecretToRegions => "ReplicateSecretToRegionsRequest",
            Operation::RestoreSecret => "RestoreSecretRequest",
            Operation::RotateSecret => "RotateSecretRequest",
            Operation::StopReplicationToReplica => "StopReplicationToReplicaRequest",
            Operation::TagResource => "TagResourceRequest",
            Operation::UntagResource => "UntagResourceRequest",
            Operation::UpdateSecret => "UpdateSecretRequest",
            Operation::UpdateSecretVersionStage => "UpdateSecretVersionStageRequest",
            Operation::ValidateResourcePolicy => "ValidateResourcePolicyRequest",
        }
    }

    /// The model shape of the operation's output (`None`: an empty body).
    pub fn output_shape(self) -> Option<&'static str> {
        match self {
            Operation::AssociateCrossAccountReplica => Some("AssociateCrossAccountReplicaResponse"),
            Operation::BatchGetSecretValue => Some("BatchGetSecretValueResponse"),
            Operation::CancelRotateSecret => Some("CancelRotateSecretResponse"),
            Operation::CreateSecret => Some("CreateSecretResponse"),
            Operation::DeleteResourcePolicy => Some("DeleteResourcePolicyResponse"),
            Operation::DeleteSecret => Some("DeleteSecretResponse"),
            Operation::DescribeSecret => Some("DescribeSecretResponse"),
            Operation::DisassociateCrossAccountReplica => Some("DisassociateCrossAccountReplicaResponse"),
            Operation::GetRandomPassword => Some("GetRandomPasswordResponse"),
            Operation::GetResourcePolicy => Some("GetResourcePolicyResponse"),
            Operation::GetSecretValue => Some("GetSecretValueResponse"),
            Operation::ListResourcePolicies => Some("ListResourcePoliciesResponse"),
            Operation::ListSecretVersionIds => Some("ListSecretVersionIdsResponse"),
            Operation::ListSecrets => Some("ListSecretsResponse"),
            Operation::PutResourcePolicy => Some("PutResourcePolicyResponse"),
            Operation::PutSecretValue => Some("PutSecretValueResponse"),
            Operation::RemoveRegionsFromReplication => Some("RemoveRegionsFromReplicationResponse"),
            Operation::ReplicateSecretToRegions => Some("ReplicateSecretToRegionsResponse"),
            Operation::RestoreSecret => Some("RestoreSecretResponse"),
            Operation::RotateSecret => Some("RotateSecretResponse"),
            Operation::StopReplicationToReplica => Some("StopReplicationToReplicaResponse"),
            Operation::TagResource => None,
            Operation::UntagResource => None,
            Operation::UpdateSecret => Some("UpdateSecretResponse"),
            Operation::UpdateSecretVersionStage => Some("UpdateSecretVersionStageResponse"),
            Operation::ValidateResourcePolicy => Some("ValidateResourcePolicyResponse"),
        }
    }
}

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

/// Model structure `CancelRotateSecretRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CancelRotateSecretRequest {
    #[serde(rename = "SecretId")]
    pub secret_id: String,
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

/// Model error `DecryptionFailure`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DecryptionFailure {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Model structure `DeleteResourcePolicyRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeleteResourcePolicyRequest {
    #[serde(rename = "PolicyName", default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
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

/// Model structure `DescribeSecretRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DescribeSecretRequest {
    #[serde(rename = "SecretId")]
    pub secret_id: String,
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

/// Model structure `DisassociateCrossAccountReplicaRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DisassociateCrossAccountReplicaRequest {
    #[serde(rename = "CrossAccountReplicaARN")]
    pub cross_account_replica_arn: String,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `DisassociateCrossAccountReplicaResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DisassociateCrossAccountReplicaResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "CrossAccountReplicaARN", default, skip_serializing_if = "Option::is_none")]
    pub cross_account_replica_arn: Option<String>,
}

/// Model error `EncryptionFailure`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EncryptionFailure {
    #[serde(rename = "Message", default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
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

/// Model structure `GetRandomPasswordResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetRandomPasswordResponse {
    #[serde(rename = "RandomPassword", default, skip_serializing_if = "Option::is_none")]
    pub random_password: Option<SensitiveString>,
}

/// Model structure `GetResourcePolicyRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GetResourcePolicyRequest {
    #[serde(rename = "PolicyName", default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
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

/// Model structure `ListResourcePoliciesResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListResourcePoliciesResponse {
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(rename = "ResourcePolicies")]
    pub resource_policies: Vec<ResourcePolicySummary>,
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

/// Model structure `ListSecretsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListSecretsResponse {
    #[serde(rename = "NextToken", default, skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
    #[serde(rename = "SecretList", default, skip_serializing_if = "Option::is_none")]
    pub secret_list: Option<Vec<SecretListEntry>>,
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

/// Model structure `RemoveRegionsFromReplicationRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RemoveRegionsFromReplicationRequest {
    #[serde(rename = "RemoveReplicaRegions")]
    pub remove_replica_regions: Vec<String>,
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `RemoveRegionsFromReplicationResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RemoveRegionsFromReplicationResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "ReplicationStatus", default, skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<Vec<ReplicationStatusType>>,
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

/// Model structure `ReplicateSecretToRegionsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplicateSecretToRegionsResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "ReplicationStatus", default, skip_serializing_if = "Option::is_none")]
    pub replication_status: Option<Vec<ReplicationStatusType>>,
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

/// Model structure `ResourcePolicySummary`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResourcePolicySummary {
    #[serde(rename = "PolicyName", default, skip_serializing_if = "Option::is_none")]
    pub policy_name: Option<String>,
}

/// Model structure `RestoreSecretRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestoreSecretRequest {
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `RestoreSecretResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RestoreSecretResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
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

/// Model structure `StopReplicationToReplicaRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopReplicationToReplicaRequest {
    #[serde(rename = "SecretId")]
    pub secret_id: String,
}

/// Model structure `StopReplicationToReplicaResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StopReplicationToReplicaResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
}

/// Model structure `Tag`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    #[serde(rename = "Key", default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(rename = "Value", default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
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

/// Model structure `UpdateSecretVersionStageResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateSecretVersionStageResponse {
    #[serde(rename = "ARN", default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(rename = "Name", default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Model structure `ValidateResourcePolicyRequest`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidateResourcePolicyRequest {
    #[serde(rename = "ResourcePolicy")]
    pub resource_policy: String,
    #[serde(rename = "SecretId", default, skip_serializing_if = "Option::is_none")]
    pub secret_id: Option<String>,
}

/// Model structure `ValidateResourcePolicyResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidateResourcePolicyResponse {
    #[serde(rename = "PolicyValidationPassed", default, skip_serializing_if = "Option::is_none")]
    pub policy_validation_passed: Option<bool>,
    #[serde(rename = "ValidationErrors", default, skip_serializing_if = "Option::is_none")]
    pub validation_errors: Option<Vec<ValidationErrorsEntry>>,
}

/// Model structure `ValidationErrorsEntry`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidationErrorsEntry {
    #[serde(rename = "CheckName", default, skip_serializing_if = "Option::is_none")]
    pub check_name: Option<String>,
    #[serde(rename = "ErrorMessage", default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
}
