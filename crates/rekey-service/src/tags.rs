//! TagResource and UntagResource (docs/behaviour.md §6.14): tags merge by key,
//! removing unknown keys is a no-op, and a secret whose last tag went
//! shows `"Tags": []` (one never tagged shows none).

use crate::Service;
use crate::context::RequestContext;
use crate::secrets::check_tags;
use rekey_model::ApiResult;
use rekey_model::api::*;
use rekey_store::{Change, SecretWrite, Store};

impl<S: Store> Service<S> {
    /// TagResource.
    pub async fn tag_resource(&self, ctx: &RequestContext, input: TagResourceRequest) -> ApiResult<()> {
        let resolved = self.resolve_live(ctx, &input.secret_id).await?;
        let now = self.clock.now();
        self.mutate_live_secret(ctx.call.as_ref(), resolved.arn(), None, move |mut state, _| {
            let mut tags = state.secret.meta.tags.take().unwrap_or_default();
            for new in input.tags {
                match tags.iter_mut().find(|t| t.key == new.key) {
                    Some(existing) => existing.value = new.value,
                    None => tags.push(new),
                }
            }
            check_tags(&tags)?;
            state.secret.meta.tags = Some(tags);
            state.secret.last_changed = now;
            Ok((Change::write(SecretWrite::of(&state)), ()))
        })
        .await
    }

    /// UntagResource.
    pub async fn untag_resource(&self, ctx: &RequestContext, input: UntagResourceRequest) -> ApiResult<()> {
        let resolved = self.resolve_live(ctx, &input.secret_id).await?;
        let now = self.clock.now();
        self.mutate_live_secret(ctx.call.as_ref(), resolved.arn(), None, move |mut state, _| {
            if let Some(tags) = &mut state.secret.meta.tags {
                tags.retain(|t| !t.key.as_ref().is_some_and(|k| input.tag_keys.contains(k)));
            }
            state.secret.last_changed = now;
            Ok((Change::write(SecretWrite::of(&state)), ()))
        })
        .await
    }
}
