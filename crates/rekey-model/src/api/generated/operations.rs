// @generated from spec/secretsmanager-service-2.json by xtask/src/codegen.rs.
// Do not edit: run `cargo run -p xtask -- codegen`.

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

    /// The IAM action that authorizes it (`secretsmanager:<name>`).
    pub fn action(self) -> &'static str {
        match self {
            Operation::AssociateCrossAccountReplica => "secretsmanager:AssociateCrossAccountReplica",
            Operation::BatchGetSecretValue => "secretsmanager:BatchGetSecretValue",
            Operation::CancelRotateSecret => "secretsmanager:CancelRotateSecret",
            Operation::CreateSecret => "secretsmanager:CreateSecret",
            Operation::DeleteResourcePolicy => "secretsmanager:DeleteResourcePolicy",
            Operation::DeleteSecret => "secretsmanager:DeleteSecret",
            Operation::DescribeSecret => "secretsmanager:DescribeSecret",
            Operation::DisassociateCrossAccountReplica => "secretsmanager:DisassociateCrossAccountReplica",
            Operation::GetRandomPassword => "secretsmanager:GetRandomPassword",
            Operation::GetResourcePolicy => "secretsmanager:GetResourcePolicy",
            Operation::GetSecretValue => "secretsmanager:GetSecretValue",
            Operation::ListResourcePolicies => "secretsmanager:ListResourcePolicies",
            Operation::ListSecretVersionIds => "secretsmanager:ListSecretVersionIds",
            Operation::ListSecrets => "secretsmanager:ListSecrets",
            Operation::PutResourcePolicy => "secretsmanager:PutResourcePolicy",
            Operation::PutSecretValue => "secretsmanager:PutSecretValue",
            Operation::RemoveRegionsFromReplication => "secretsmanager:RemoveRegionsFromReplication",
            Operation::ReplicateSecretToRegions => "secretsmanager:ReplicateSecretToRegions",
            Operation::RestoreSecret => "secretsmanager:RestoreSecret",
            Operation::RotateSecret => "secretsmanager:RotateSecret",
            Operation::StopReplicationToReplica => "secretsmanager:StopReplicationToReplica",
            Operation::TagResource => "secretsmanager:TagResource",
            Operation::UntagResource => "secretsmanager:UntagResource",
            Operation::UpdateSecret => "secretsmanager:UpdateSecret",
            Operation::UpdateSecretVersionStage => "secretsmanager:UpdateSecretVersionStage",
            Operation::ValidateResourcePolicy => "secretsmanager:ValidateResourcePolicy",
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

/// Calls `$m!` with every operation as `(Variant, method, body | empty)`:
/// the table a dispatch is written from (see `rekey_service::dispatch`).
#[macro_export]
macro_rules! for_each_operation {
    ($m:ident) => {
        $m! {
            (AssociateCrossAccountReplica, associate_cross_account_replica, body),
            (BatchGetSecretValue, batch_get_secret_value, body),
            (CancelRotateSecret, cancel_rotate_secret, body),
            (CreateSecret, create_secret, body),
            (DeleteResourcePolicy, delete_resource_policy, body),
            (DeleteSecret, delete_secret, body),
            (DescribeSecret, describe_secret, body),
            (DisassociateCrossAccountReplica, disassociate_cross_account_replica, body),
            (GetRandomPassword, get_random_password, body),
            (GetResourcePolicy, get_resource_policy, body),
            (GetSecretValue, get_secret_value, body),
            (ListResourcePolicies, list_resource_policies, body),
            (ListSecretVersionIds, list_secret_version_ids, body),
            (ListSecrets, list_secrets, body),
            (PutResourcePolicy, put_resource_policy, body),
            (PutSecretValue, put_secret_value, body),
            (RemoveRegionsFromReplication, remove_regions_from_replication, body),
            (ReplicateSecretToRegions, replicate_secret_to_regions, body),
            (RestoreSecret, restore_secret, body),
            (RotateSecret, rotate_secret, body),
            (StopReplicationToReplica, stop_replication_to_replica, body),
            (TagResource, tag_resource, empty),
            (UntagResource, untag_resource, empty),
            (UpdateSecret, update_secret, body),
            (UpdateSecretVersionStage, update_secret_version_stage, body),
            (ValidateResourcePolicy, validate_resource_policy, body),
        }
    };
}
