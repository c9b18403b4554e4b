//! Recording API calls in the audit trail (`rekey_store::audit`).
//!
//! [`dispatch`](crate::Service::dispatch) opens a [`Call`] for every
//! request it serves: the record as far as the request tells it (who,
//! what, from where, the redacted parameters). A call that changes a
//! secret hands its record to the change's transaction
//! ([`Service::mutate_secret`] takes the call), with the response the
//! decision produced, so the change and its record commit together or
//! not at all. Whatever the transaction did not take (failures, idempotent
//! replays) is appended durably when the call ends, before the answer goes
//! out: an answer whose record cannot be stored is not given. A successful
//! read's record is queued for the next commit and the answer does not
//! wait for the disk (reads change nothing; a crash within that commit's
//! few milliseconds can lose the records of the reads it held). Until the
//! call ends its record is the [`CallRecord`] the request gave: all a
//! successful read's record is (stored as such, in batches), and the part
//! every other record starts from.

use crate::Service;
use crate::context::RequestContext;
use rekey_model::Timestamp;
use rekey_model::api::Operation;
use rekey_model::audit::{self, AuditEvent, CallRecord, Parameters};
use rekey_model::identity::{UserName, user_arn};
use rekey_model::name::{AccountId, Namespace, SecretRef};
use rekey_model::request_id::RequestId;
use rekey_model::{ApiError, ApiResult};
use rekey_store::Store;
use rekey_store::audit::{AuditQuery, AuditVerdict};
use serde_json::{Value, json};
use std::sync::Mutex;

/// The record of the call being served, until a transaction or the end
/// of the call stores it.
#[derive(Debug)]
pub struct Call {
    state: Mutex<CallState>,
    output_shape: Option<&'static str>,
}

#[derive(Debug)]
struct CallState {
    /// Taken when the call ends.
    record: Option<Pending>,
    /// A committed change carries the record.
    stored: bool,
}

/// A call's record while it runs.
#[derive(Debug)]
// Every request has one, most of them `Api`: kept inline, not boxed.
#[allow(clippy::large_enum_variant)]
enum Pending {
    /// An API call's, as the request gave it.
    Api { call: CallRecord, read_only: bool },
    /// A whole record (rekey's admin operations).
    Event(Box<AuditEvent>),
}

impl Pending {
    fn event(&self) -> AuditEvent {
        match self {
            Pending::Api { call, read_only } => {
                let mut e = call.event();
                e.read_only = *read_only;
                e
            }
            Pending::Event(e) => (**e).clone(),
        }
    }
}

impl Call {
    /// A call recorded by `record`, its response of model shape `output_shape`.
    pub(crate) fn new(record: AuditEvent, output_shape: Option<&'static str>) -> Self {
        Call {
            state: Mutex::new(CallState { record: Some(Pending::Event(Box::new(record))), stored: false }),
            output_shape,
        }
    }

    /// An API call as the request gave it; whether the operation only reads.
    fn api(call: CallRecord, read_only: bool, output_shape: Option<&'static str>) -> Self {
        Call {
            state: Mutex::new(CallState { record: Some(Pending::Api { call, read_only }), stored: false }),
            output_shape,
        }
    }

    /// The record for a transaction whose decision answered `response`,
    /// unless one already carries it (a call that changes several
    /// secrets is recorded once, with the first).
    fn record_for<R: serde::Serialize>(&self, response: &R) -> Option<AuditEvent> {
        let state = self.state.lock().expect("call lock");
        if state.stored {
            return None;
        }
        let mut record = state.record.as_ref()?.event();
        record.response_elements = self.response_elements(serde_json::to_value(response).ok());
        Some(record)
    }

    /// Puts the record, answered by `response`, into a change's records
    /// (unless a change already carries it); whether it did.
    pub(crate) fn attach<R: serde::Serialize>(&self, records: &mut Vec<AuditEvent>, response: &R) -> bool {
        match self.record_for(response) {
            Some(record) => {
                // The call comes before what it set off (RotateSecret, then RotationStarted).
                records.splice(0..0, audit::trails(record));
                true
            }
            None => false,
        }
    }

    /// The records a principal change made by the call carries (none when
    /// there is no call, or a change already carries them); mark them
    /// [`stored`](Self::stored) once the change committed.
    pub(crate) fn records_of(call: Option<&Call>) -> Vec<AuditEvent> {
        call.and_then(|c| c.record_for(&Value::Null)).map(audit::trails).unwrap_or_default()
    }

    /// A transaction carrying the record committed.
    pub(crate) fn stored(&self) {
        self.state.lock().expect("call lock").stored = true;
    }

    fn response_elements(&self, response: Option<Value>) -> Option<Value> {
        let shape = self.output_shape?;
        response.filter(|v| !v.is_null()).map(|v| audit::redact(shape, &v))
    }
}

impl<S: Store> Service<S> {
    /// Opens the record of operation `op` called in `ctx` with `params`
    /// (if its body parsed).
    pub(crate) fn begin_call(&self, ctx: &RequestContext, op: Operation, params: Option<Parameters>) -> Call {
        let read_only = audit::read_only(op);
        let output_shape = if read_only { None } else { op.output_shape() };
        Call::api(self.call_record(ctx, op.name(), params), read_only, output_shape)
    }

    /// The record of an API call named `event_name` by `ctx`'s caller,
    /// now, with request parameters `params` (already redacted).
    pub(crate) fn call_record(
        &self,
        ctx: &RequestContext,
        event_name: impl Into<std::borrow::Cow<'static, str>>,
        params: Option<Parameters>,
    ) -> CallRecord {
        CallRecord {
            time_ms: ctx.received.unwrap_or_else(|| self.clock.now()).millis(),
            event_name: event_name.into(),
            caller: ctx.principal.recorded(),
            region: ctx.namespace.region.clone(),
            account: ctx.namespace.account.clone(),
            source_ip: ctx.source_ip,
            user_agent: ctx.user_agent.clone().unwrap_or_default(),
            request_id: ctx.request_id,
            event_id: None,
            request_parameters: params,
        }
    }

    /// Ends a call: stores its record unless its change did, with the
    /// outcome. An outcome whose record cannot be stored becomes an error.
    pub(crate) async fn end_call<T>(&self, call: &Call, outcome: ApiResult<(T, Option<Value>)>) -> ApiResult<T> {
        let pending = {
            let mut state = call.state.lock().expect("call lock");
            // The call is over: its record is taken, not copied.
            state.record.take().filter(|_| !std::mem::replace(&mut state.stored, true))
        };
        match pending {
            // A successful read changed nothing: its record goes with the
            // next commit, and the answer does not wait for the disk.
            Some(Pending::Api { call: record, read_only: true }) if outcome.is_ok() => {
                let theirs = match record.other_owner() {
                    Some(owner) if self.exists(record.secret().as_deref()).await => {
                        Some(CallRecord { account: owner, ..record.clone() })
                    }
                    _ => None,
                };
                if let Err(e) = self.record_reads(std::iter::once(record).chain(theirs)).await {
                    tracing::error!(error = %e, "an audit record could not be stored; the call fails");
                    return Err(ApiError::internal("An error occurred on the server side."));
                }
            }
            Some(pending) => {
                let mut record = pending.event();
                match &outcome {
                    Ok((_, response)) => record.response_elements = call.response_elements(response.clone()),
                    Err(e) => {
                        record.error_code = Some(e.code.as_str().to_string());
                        record.error_message = Some(e.message.clone());
                    }
                }
                if let Err(e) = self.store.append_audit(self.trails(record).await).await {
                    tracing::error!(error = %e, "an audit record could not be stored; the call fails");
                    return Err(ApiError::internal("An error occurred on the server side."));
                }
            }
            None => {}
        }
        outcome.map(|(out, _)| out)
    }
}

impl<S: Store> Service<S> {
    /// Runs one operation `op` of rekey's own work as `ctx`'s principal (a
    /// rotation job's role), recorded as an API call of its own, as a
    /// rotation function's calls are: `params` are its request's
    /// parameters (redacted as any request's), `run` runs it with the
    /// context that carries the call.
    pub async fn own_call<T, F>(
        &self,
        ctx: &RequestContext,
        op: Operation,
        params: &impl serde::Serialize,
        run: impl FnOnce(RequestContext) -> F,
    ) -> ApiResult<T>
    where
        F: std::future::Future<Output = ApiResult<T>>,
    {
        let params =
            serde_json::to_value(params).ok().map(|p| Parameters::Redacted(audit::redact(op.input_shape(), &p)));
        // A call of its own: a request id of its own.
        let mut ctx = ctx.clone();
        ctx.request_id = RequestId::random();
        let call = std::sync::Arc::new(self.begin_call(&ctx, op, params));
        ctx.call = Some(call.clone());
        // A change's record carries its response (see `mutate_secret`).
        let outcome = run(ctx).await.map(|out| (out, None));
        self.end_call(&call, outcome).await
    }

    /// Stores successful reads' records: queued for the next batch, or,
    /// when too many wait, appended now and waited for (the reads then
    /// go at the writer's pace; see `AuditStore::append_read`).
    pub(crate) async fn record_reads(
        &self,
        records: impl IntoIterator<Item = CallRecord>,
    ) -> Result<(), rekey_store::StoreError> {
        let back: Vec<Box<CallRecord>> = records.into_iter().filter_map(|r| self.store.append_read(r).err()).collect();
        if back.is_empty() {
            return Ok(());
        }
        self.store.append_audit(back.iter().map(|r| r.event()).collect()).await
    }

    /// The trails a record goes to: the caller's, and the owner's of a
    /// secret of another account it names, if that secret exists (a
    /// caller naming made-up ARNs writes nothing into others' trails).
    async fn trails(&self, record: AuditEvent) -> Vec<AuditEvent> {
        let mut trails = audit::trails(record);
        if trails.len() > 1 && !self.exists(trails[1].secret()).await {
            trails.truncate(1);
        }
        trails
    }

    /// Whether the secret another account's trail would be told about,
    /// named by ARN, exists.
    async fn exists(&self, named: Option<&str>) -> bool {
        let named = named.and_then(|s| SecretRef::parse(s).ok());
        let key = match &named {
            Some(SecretRef::FullArn(arn)) => Some((arn.namespace.clone(), &arn.name)),
            Some(SecretRef::PartialArn { account, region, name }) => {
                Some((Namespace { account: account.clone(), region: region.clone() }, name))
            }
            _ => None,
        };
        match (key, &named) {
            (Some((ns, name)), Some(r)) => {
                self.store.load(&ns, name).await.ok().flatten().is_some_and(|s| r.matches(&s.secret.arn))
            }
            _ => false,
        }
    }
}

/// LookupEvents (`rekey.LookupEvents`), CloudTrail's request shape.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "PascalCase", default, deny_unknown_fields)]
pub(crate) struct LookupRequest {
    /// Whose trail (default: the caller's; another needs the administrator).
    pub(crate) account_id: Option<String>,
    lookup_attributes: Vec<LookupAttribute>,
    /// Epoch seconds.
    start_time: Option<f64>,
    /// Epoch seconds.
    end_time: Option<f64>,
    max_results: Option<usize>,
    next_token: Option<String>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "PascalCase", deny_unknown_fields)]
struct LookupAttribute {
    attribute_key: String,
    attribute_value: String,
}

/// The action that reads an account's trail.
pub const LOOKUP_EVENTS: &str = "rekey:LookupEvents";

impl<S: Store> Service<S> {
    /// Reads a page of `account`'s trail (already authorized), as
    /// CloudTrail's LookupEvents answers.
    pub(crate) async fn lookup_events(&self, account: AccountId, req: LookupRequest) -> ApiResult<Value> {
        let seconds = |t: Option<f64>| t.filter(|t| t.is_finite()).map(|t| Timestamp::from_millis((t * 1000.0) as i64));
        let after = match req.next_token.as_deref() {
            None => None,
            Some(t) => Some(
                t.parse::<rekey_store::audit::AuditCursor>()
                    .map_err(|_| ApiError::invalid_parameter("Invalid NextToken."))?,
            ),
        };
        let mut query = AuditQuery {
            start: seconds(req.start_time),
            end: seconds(req.end_time),
            max_results: req.max_results.unwrap_or(50).clamp(1, 1000),
            after,
            ..AuditQuery::newest(account.clone())
        };
        for LookupAttribute { attribute_key: key, attribute_value: value } in req.lookup_attributes {
            match key.as_str() {
                "EventName" => query.event_name = Some(value),
                "ResourceName" => query.secret_name = Some(value),
                "AccessKeyId" => query.principal = Some(value),
                "Username" => {
                    // A user name, or a principal's ARN.
                    query.principal = Some(match value.starts_with("arn:") {
                        true => value,
                        false => match UserName::parse(&value) {
                            Some(user) => user_arn(&account, Some(&user)),
                            None => value,
                        },
                    })
                }
                "ReadOnly" => {
                    query.read_only =
                        Some(value.parse::<bool>().map_err(|_| {
                            ApiError::invalid_parameter("The ReadOnly attribute is \"true\" or \"false\".")
                        })?)
                }
                other => {
                    return Err(ApiError::invalid_parameter(format!(
                        "Unknown AttributeKey {other}: expected EventName, ResourceName, Username, AccessKeyId or ReadOnly."
                    )));
                }
            }
        }
        let page = self.store.lookup_audit(query).await?;
        let events: Vec<Value> = page
            .events
            .iter()
            .map(|e| {
                let time = rekey_model::calendar::parse_utc(&e.event_time).unwrap_or_default();
                let resources: Vec<Value> = e
                    .secret()
                    .map(|s| json!({"ResourceType": "AWS::SecretsManager::Secret", "ResourceName": s}))
                    .into_iter()
                    .collect();
                json!({
                    "EventId": e.event_id,
                    "EventName": e.event_name,
                    "ReadOnly": e.read_only.to_string(),
                    "AccessKeyId": e.user_identity.access_key_id,
                    "EventTime": time as f64 / 1000.0,
                    "EventSource": e.event_source,
                    "Username": e.user_identity.user_name.clone().or_else(|| e.user_identity.arn.clone()),
                    "Resources": resources,
                    "CloudTrailEvent": serde_json::to_string(e).unwrap_or_default(),
                })
            })
            .collect();
        let mut out = json!({ "Events": events });
        if let Some(next) = page.next {
            out["NextToken"] = next.to_string().into();
        }
        Ok(out)
    }

    /// Walks the whole trail's chain (every account's records).
    pub(crate) async fn verify_trail(&self) -> ApiResult<Value> {
        Ok(match self.store.verify_audit().await? {
            AuditVerdict::Intact { records } => json!({ "Intact": true, "Records": records }),
            AuditVerdict::Broken { seq, event_id, why } => {
                json!({ "Intact": false, "Sequence": seq, "EventId": event_id, "Reason": why })
            }
        })
    }

    /// The record of admin operation `op` (`rekey.<op>`): its parameters
    /// as sent, no response (it may hold a new key's secret).
    pub(crate) fn admin_record(&self, ctx: &RequestContext, op: &str, body: &[u8]) -> AuditEvent {
        let mut record = self.call_record(ctx, op.to_string(), None).event();
        record.event_source = ADMIN_EVENT_SOURCE.into();
        record.read_only = op.starts_with("List") || op.starts_with("Lookup") || op.starts_with("Verify");
        record.request_parameters = serde_json::from_slice::<Value>(body).ok().filter(Value::is_object);
        record
    }
}

/// `eventSource` of rekey's own operations (`rekey admin`).
pub const ADMIN_EVENT_SOURCE: &str = "rekey.admin";

/// How a sink that streams the trail is doing, as it tells it (for
/// `/metrics` and `/health/ready`).
#[derive(Debug, Default)]
pub struct SinkStatus {
    delivered: std::sync::atomic::AtomicI64,
    failing_since_ms: std::sync::atomic::AtomicI64,
}

impl SinkStatus {
    /// The sink delivered up to record `seq`, and works.
    pub fn delivered(&self, seq: i64) {
        use std::sync::atomic::Ordering;
        self.delivered.store(seq, Ordering::Relaxed);
        self.failing_since_ms.store(0, Ordering::Relaxed);
    }

    /// The sink cannot write (since `now_ms` if it worked until now).
    pub fn failing(&self, now_ms: i64) {
        use std::sync::atomic::Ordering;
        let _ = self.failing_since_ms.compare_exchange(0, now_ms, Ordering::Relaxed, Ordering::Relaxed);
    }

    /// The last record delivered.
    pub fn delivered_seq(&self) -> i64 {
        self.delivered.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Since when it fails (milliseconds since the epoch), if it does.
    pub fn failing_since(&self) -> Option<i64> {
        Some(self.failing_since_ms.load(std::sync::atomic::Ordering::Relaxed)).filter(|&ms| ms != 0)
    }
}
