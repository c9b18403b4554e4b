//! ListSecrets (docs/behaviour.md §6.7, §10): the caller's secrets in the
//! requested order, filtered, in keyset pages. The NextToken carries the
//! sort and the position of the last secret seen, so a page costs the same
//! wherever it starts; a page may come back short (even empty) with a
//! NextToken when filters skip many secrets, as AWS allows.

use crate::Service;
use crate::context::RequestContext;
use crate::secrets::{primary_region, version_stages};
use base64::Engine as _;
use rekey_model::api::*;
use rekey_model::listing::{Searchable, SecretFilter, matches_all};
use rekey_model::secret::SecretState;
use rekey_model::{ApiError, ApiResult};
use rekey_store::{ListCursor, ListOrder, ListQuery, Store};
use serde::{Deserialize, Serialize};

/// Secrets examined at most per call, whatever the filters skip.
const SCAN_LIMIT: usize = 5000;

/// What a NextToken holds.
#[derive(Serialize, Deserialize)]
struct Position {
    order: ListOrder,
    descending: bool,
    after: ListCursor,
}

fn encode_token(p: &Position) -> String {
    let json = serde_json::to_vec(p).expect("a position encodes");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json)
}

fn decode_token(token: &str, order: ListOrder, descending: bool) -> ApiResult<ListCursor> {
    let bytes =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).map_err(|_| ApiError::invalid_next_token())?;
    let p: Position = serde_json::from_slice(&bytes).map_err(|_| ApiError::invalid_next_token())?;
    // A token continues the listing it came from, not another order.
    if p.order != order || p.descending != descending {
        return Err(ApiError::invalid_next_token());
    }
    Ok(p.after)
}

fn searchable<'a>(s: &'a SecretState, primary: &'a Option<String>) -> Searchable<'a> {
    let meta = &s.secret.meta;
    Searchable {
        name: s.secret.arn.name.as_str(),
        description: meta.description.as_deref(),
        tags: meta.tags.as_deref().unwrap_or_default(),
        owning_service: meta.owning_service.as_deref(),
        primary_region: primary.as_deref(),
    }
}

fn entry(state: &SecretState) -> SecretListEntry {
    let stages = version_stages(state);
    let s = state.secret.clone();
    let primary_region = primary_region(&s);
    let rotation = s.meta.rotation;
    SecretListEntry {
        arn: Some(s.arn.to_string()),
        name: Some(s.arn.name.to_string()),
        description: s.meta.description,
        kms_key_id: s.meta.kms_key_id,
        rotation_enabled: rotation.enabled,
        rotation_lambda_arn: rotation.lambda_arn,
        rotation_rules: rotation.rules.map(rekey_model::schedule::as_described),
        last_rotated_date: rotation.last_rotated,
        next_rotation_date: rotation.next_rotation.filter(|_| rotation.enabled == Some(true)),
        last_changed_date: Some(s.last_changed),
        last_accessed_date: s.last_accessed,
        deleted_date: s.deleted,
        tags: s.meta.tags,
        secret_versions_to_stages: (!stages.is_empty()).then_some(stages),
        owning_service: s.meta.owning_service,
        created_date: Some(s.created),
        primary_region,
        r#type: s.meta.secret_type,
        ..SecretListEntry::default()
    }
}

impl<S: Store> Service<S> {
    /// ListSecrets.
    pub async fn list_secrets(
        &self,
        ctx: &RequestContext,
        input: ListSecretsRequest,
    ) -> ApiResult<ListSecretsResponse> {
        let order = match input.sort_by {
            None | Some(SortByType::CreatedDate) => ListOrder::Created,
            Some(SortByType::LastAccessedDate) => ListOrder::LastAccessed,
            Some(SortByType::LastChangedDate) => ListOrder::LastChanged,
            Some(SortByType::Name) => ListOrder::Name,
        };
        let descending = input.sort_order == Some(SortOrderType::Desc);
        let filters = SecretFilter::from_api(input.filters.as_deref().unwrap_or_default())?;
        let page = input.max_results.map_or(100, |n| n.clamp(1, 100) as usize);
        let mut after = input.next_token.as_deref().map(|t| decode_token(t, order, descending)).transpose()?;
        let mut list = Vec::new();
        let mut scanned = 0;
        let more = 'scan: loop {
            let batch = self
                .store
                .list(ListQuery {
                    namespace: ctx.namespace.clone(),
                    order,
                    descending,
                    include_deleted: input.include_planned_deletion.unwrap_or(false),
                    after: after.clone(),
                    // One more than a page, to know whether another follows.
                    limit: page + 1,
                })
                .await?;
            let exhausted = batch.len() <= page;
            for (i, state) in batch.iter().enumerate() {
                after = Some(order.cursor(&state.secret));
                let primary = primary_region(&state.secret);
                if matches_all(&filters, &searchable(state, &primary)) {
                    list.push(entry(state));
                    if list.len() == page {
                        break 'scan i + 1 < batch.len() || !exhausted;
                    }
                }
            }
            scanned += batch.len();
            if exhausted {
                break false;
            }
            if scanned >= SCAN_LIMIT {
                break true;
            }
        };
        let next_token = match (more, after) {
            (true, Some(after)) => Some(encode_token(&Position { order, descending, after })),
            _ => None,
        };
        Ok(ListSecretsResponse { secret_list: Some(list), next_token })
    }
}
