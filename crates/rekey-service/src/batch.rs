//! BatchGetSecretValue (docs/behaviour.md §6.3): the AWSCURRENT values of up to
//! 20 secrets, named or found by ListSecrets filters; a secret that cannot
//! be read is reported in `Errors` and the call still succeeds.

use crate::Service;
use crate::access::Target;
use crate::context::RequestContext;
use rekey_model::api::*;
use rekey_model::audit::{self, Parameters};
use rekey_model::{ApiError, ApiResult};
use rekey_store::Store;

impl<S: Store> Service<S> {
    /// BatchGetSecretValue.
    pub async fn batch_get_secret_value(
        &self,
        ctx: &RequestContext,
        input: BatchGetSecretValueRequest,
    ) -> ApiResult<BatchGetSecretValueResponse> {
        if input.secret_id_list.is_some() == input.filters.is_some() {
            return Err(ApiError::invalid_parameter(
                "Either 'SecretIdList' or 'Filters' must be provided, but not both.",
            ));
        }
        if input.max_results.is_some() && input.filters.is_none() {
            return Err(ApiError::invalid_parameter(
                "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.",
            ));
        }
        let (ids, next_token) = match input.secret_id_list {
            Some(ids) => (ids, None),
            None => {
                // Finding secrets by filter is listing them.
                self.authorize_action(ctx, "secretsmanager:ListSecrets", &Target::Any)?;
                let page = self
                    .list_secrets(
                        ctx,
                        ListSecretsRequest {
                            filters: input.filters,
                            max_results: Some(input.max_results.unwrap_or(20)),
                            next_token: input.next_token,
                            ..Default::default()
                        },
                    )
                    .await?;
                let ids = page.secret_list.unwrap_or_default().into_iter().filter_map(|e| e.arn).collect();
                (ids, page.next_token)
            }
        };
        let mut values = Vec::with_capacity(ids.len());
        let mut errors = Vec::new();
        // Each secret is authorized as its own GetSecretValue; a denial is
        // that secret's error.
        let per_secret = ctx.with_action("secretsmanager:GetSecretValue");
        // Each secret retrieved is also a GetSecretValue in the trail (as at AWS).
        let mut retrieved = Vec::new();
        for id in ids {
            let request = GetSecretValueRequest { secret_id: id.clone(), version_id: None, version_stage: None };
            match self.get_secret_value(&per_secret, request).await {
                Ok(v) => {
                    let params = Some(Parameters::Redacted(serde_json::json!({ "secretId": id })));
                    let mut record = self.call_record(ctx, "GetSecretValue", params);
                    // One request, many records: each an id of its own.
                    record.event_id = Some(audit::new_event_id());
                    retrieved.extend(record.trails());
                    values.push(SecretValueEntry {
                        arn: v.arn,
                        name: v.name,
                        version_id: v.version_id,
                        secret_string: v.secret_string,
                        secret_binary: v.secret_binary,
                        version_stages: v.version_stages,
                        created_date: v.created_date,
                    })
                }
                Err(e) => errors.push(APIErrorType {
                    secret_id: Some(id),
                    error_code: Some(e.code.as_str().to_string()),
                    message: Some(e.message),
                }),
            }
        }
        if ctx.call.is_some() && !retrieved.is_empty() {
            self.record_reads(retrieved).await?;
        }
        Ok(BatchGetSecretValueResponse { secret_values: Some(values), errors: Some(errors), next_token })
    }
}
