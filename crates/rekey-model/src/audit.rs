//! Audit records in CloudTrail's format: one for every API call (an
//! `AwsApiCall`, successful or not) and one for each thing rekey does by
//! itself (an `AwsServiceEvent`: a rotation starting, succeeding,
//! failing…), with the member names and shapes CloudTrail writes for
//! Secrets Manager (docs/behaviour.md §13).
//!
//! Secrets never reach a record: [`redact`] drops every member whose model
//! shape is sensitive (`SecretString`, `SecretBinary`, `RotationToken`,
//! `RandomPassword`), wherever it is nested, so a new sensitive member in
//! the model is dropped without a change here.

use crate::Timestamp;
use crate::api::Operation;
use crate::api::constraints;
use crate::calendar;
use crate::name::{AccountId, Arn, Region, SecretRef};
use crate::request_id::RequestId;
use crate::validation::Constraints;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// The CloudTrail record version written.
pub const EVENT_VERSION: &str = "1.08";
/// `eventSource` of every record.
pub const EVENT_SOURCE: &str = "secretsmanager.amazonaws.com";
/// Who acts in a service event (`invokedBy`, `sourceIPAddress`, `userAgent`).
pub const SERVICE: &str = "secretsmanager.amazonaws.com";

/// API call or service event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum EventType {
    /// A request to the API.
    #[default]
    AwsApiCall,
    /// Something rekey did by itself.
    AwsServiceEvent,
}

/// Who made the call (CloudTrail's `userIdentity`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    /// `Root`, `IAMUser` or `AssumedRole`; absent for service events.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The account id (root), the user's unique id, or `role:session`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal_id: Option<String>,
    /// The caller's ARN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The caller's account.
    pub account_id: String,
    /// The access key the request was signed with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    /// An IAM user's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
    /// The service that acted (service events).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoked_by: Option<String>,
}

impl UserIdentity {
    /// The identity of a caller with ARN `arn` (its kind read from the
    /// ARN's resource: `root`, `user/…`, `role/…`).
    pub fn caller(account: &str, arn: &str, access_key_id: &str, user: Option<(&str, &str)>) -> Self {
        let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
        let (kind, principal_id) = if resource == "root" {
            ("Root", account.to_string())
        } else if let Some(role) = resource.strip_prefix("role/") {
            ("AssumedRole", format!("{role}:{access_key_id}"))
        } else {
            ("IAMUser", user.map_or_else(|| account.to_string(), |(_, id)| id.to_string()))
        };
        UserIdentity {
            kind: Some(kind.into()),
            principal_id: Some(principal_id),
            arn: Some(arn.into()),
            account_id: account.into(),
            access_key_id: Some(access_key_id.into()).filter(|k: &String| !k.is_empty()),
            user_name: user.map(|(name, _)| name.to_string()),
            invoked_by: None,
        }
    }

    /// The service acting in `account` by itself.
    pub fn service(account: &str) -> Self {
        UserIdentity { account_id: account.into(), invoked_by: Some(SERVICE.into()), ..Default::default() }
    }
}

/// A new random id, as CloudTrail's `eventID` and a request id are.
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A record's id, kept as its 16 bytes until a record is rendered.
pub type EventId = uuid::Uuid;

/// A new record id (random, as CloudTrail's).
pub fn new_event_id() -> EventId {
    uuid::Uuid::new_v4()
}

/// One CloudTrail record.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvent {
    /// [`EVENT_VERSION`].
    pub event_version: String,
    /// Who.
    pub user_identity: UserIdentity,
    /// When, `YYYY-MM-DDTHH:MM:SSZ`.
    pub event_time: String,
    /// [`EVENT_SOURCE`].
    pub event_source: String,
    /// The operation (`GetSecretValue`) or the service event (`RotationSucceeded`).
    pub event_name: String,
    /// The region of the request.
    pub aws_region: String,
    /// The caller's address, or [`SERVICE`].
    #[serde(rename = "sourceIPAddress")]
    pub source_ip_address: String,
    /// The caller's `User-Agent`, or [`SERVICE`].
    pub user_agent: String,
    /// The error's code, when the call failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The error's message, when the call failed (or the rotation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    /// The request, lowerCamelCase, secrets dropped ([`redact`]).
    pub request_parameters: Option<Value>,
    /// The response of a call that changes something, likewise; `null`
    /// for reads, failures and service events.
    pub response_elements: Option<Value>,
    /// What a service event is about (`SecretId`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub additional_event_data: Option<Value>,
    /// The request's `x-amzn-RequestId` (a service event's own id).
    #[serde(rename = "requestID")]
    pub request_id: String,
    /// This record's id.
    #[serde(rename = "eventID")]
    pub event_id: String,
    /// Whether the call only reads.
    pub read_only: bool,
    /// API call or service event.
    pub event_type: EventType,
    /// Always true: every Secrets Manager event is a management event.
    pub management_event: bool,
    /// The account whose trail holds the record.
    pub recipient_account_id: String,
    /// `Management`.
    pub event_category: String,
}

impl AuditEvent {
    /// A record of `event_name` at `millis`, by `identity`, in `region`,
    /// for `account`'s trail; the rest filled in by the caller.
    pub fn new(
        event_type: EventType,
        event_name: &str,
        millis: i64,
        identity: UserIdentity,
        region: &str,
        account: &str,
    ) -> Self {
        let service = event_type == EventType::AwsServiceEvent;
        AuditEvent {
            event_version: EVENT_VERSION.into(),
            user_identity: identity,
            event_time: calendar::format_utc(millis),
            event_source: EVENT_SOURCE.into(),
            event_name: event_name.into(),
            aws_region: region.into(),
            source_ip_address: if service { SERVICE.into() } else { String::new() },
            user_agent: if service { SERVICE.into() } else { String::new() },
            error_code: None,
            error_message: None,
            request_parameters: None,
            response_elements: None,
            additional_event_data: None,
            request_id: String::new(),
            event_id: new_id(),
            read_only: false,
            event_type,
            management_event: true,
            recipient_account_id: account.into(),
            event_category: "Management".into(),
        }
    }

    /// A service event about the secret `arn`, at `at`, in its account's trail.
    pub fn service(event_name: &str, arn: &Arn, at: Timestamp) -> Self {
        let (account, region) = (arn.namespace.account.as_str(), arn.namespace.region.as_str());
        let identity = UserIdentity::service(account);
        let mut e = AuditEvent::new(EventType::AwsServiceEvent, event_name, at.millis(), identity, region, account);
        e.additional_event_data = Some(serde_json::json!({ "SecretId": arn.to_string() }));
        e.request_id = e.event_id.clone();
        e
    }

    /// The secret the record is about, as named: the response's or the
    /// service event's ARN, else the id or name the request gave.
    pub fn secret(&self) -> Option<&str> {
        fn field<'a>(v: &'a Option<Value>, k: &str) -> Option<&'a str> {
            v.as_ref().and_then(|v| v.get(k)).and_then(Value::as_str)
        }
        field(&self.response_elements, "arn")
            .or_else(|| field(&self.additional_event_data, "SecretId"))
            .or_else(|| field(&self.request_parameters, "secretId"))
            .or_else(|| field(&self.request_parameters, "name"))
    }
}

/// The record of an API call as its request tells it (who, what, when,
/// from where, the redacted parameters): the part every call's record
/// shares, and all there is to a successful read's. Reads are most of a
/// trail, so theirs are kept in this form (no CloudTrail boilerplate, the
/// time as a number, ids as bytes, the parameters as the request sent
/// them), and [`CallRecord::event`] renders the CloudTrail record from it:
/// every record of a call, stored either way, is rendered by that one
/// function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// When the request arrived, milliseconds since the epoch.
    pub time_ms: i64,
    /// The operation.
    pub event_name: Cow<'static, str>,
    /// Who called (shared by the calls of one signing key).
    pub caller: Arc<Caller>,
    /// The region of the request.
    pub region: Region,
    /// The account whose trail holds the record.
    pub account: AccountId,
    /// The caller's address.
    pub source_ip: Option<std::net::IpAddr>,
    /// The caller's `User-Agent` (shared by the calls of one connection).
    pub user_agent: Arc<str>,
    /// The request's id.
    pub request_id: RequestId,
    /// The record's id, when it is not [`event_id_of`] the request's
    /// (records of reads stored before ids were derived).
    pub event_id: Option<EventId>,
    /// The request's parameters.
    pub request_parameters: Option<Parameters>,
}

/// Who made a call, as its records name the caller. The same for every
/// call signed with one key, so built once per key and shared by its
/// calls' records (a read's record then costs no copy of it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Caller {
    /// The caller's account.
    pub account: String,
    /// The caller's ARN.
    pub arn: String,
    /// The access key the request was signed with (empty: none).
    pub access_key_id: String,
    /// An IAM user's name and unique id.
    pub user: Option<(String, String)>,
}

impl CallRecord {
    /// The CloudTrail record (an `AwsApiCall`; `readOnly` as the call's
    /// operation is, which the caller sets for calls that are no read).
    pub fn event(&self) -> AuditEvent {
        let c = &*self.caller;
        let user = c.user.as_ref().map(|(name, id)| (name.as_str(), id.as_str()));
        let identity = UserIdentity::caller(&c.account, &c.arn, &c.access_key_id, user);
        let mut e = AuditEvent::new(
            EventType::AwsApiCall,
            &self.event_name,
            self.time_ms,
            identity,
            self.region.as_str(),
            self.account.as_str(),
        );
        e.event_id = self.event_id().to_string();
        e.source_ip_address = self.source_ip.map(|ip| ip.to_string()).unwrap_or_default();
        e.user_agent = self.user_agent.to_string();
        e.request_id = self.request_id.to_string();
        e.request_parameters = self.request_parameters.as_ref().map(|p| p.redacted(&self.event_name));
        e.read_only = true;
        e
    }

    /// The record's id.
    pub fn event_id(&self) -> EventId {
        self.event_id.unwrap_or_else(|| event_id_of(self.request_id))
    }

    /// The secret the request names (its id or name).
    pub fn secret(&self) -> Option<Cow<'_, str>> {
        self.request_parameters.as_ref()?.secret()
    }

    /// The account owning the secret the request names by ARN, when it is
    /// not the trail's: the record goes to that account's trail too (see
    /// [`trails`]).
    pub fn other_owner(&self) -> Option<AccountId> {
        // Most calls name a secret by name: no parsing for them.
        if !self.request_parameters.as_ref().is_some_and(Parameters::may_name_an_arn) {
            return None;
        }
        other_owner(self.secret().as_deref(), self.account.as_str())
    }

    /// The record in every trail it belongs to (see [`trails`]).
    pub fn trails(self) -> Vec<CallRecord> {
        let owner = self.other_owner();
        in_trails(self, owner, |r| &mut r.account)
    }
}

/// The id of an API call's record: its request's id scrambled (a fixed
/// bijection of its bits, then marked a random UUID), so that the two
/// differ as CloudTrail's do, a call's record has the same id in every
/// trail it is in, and a record need not keep an id of its own.
pub fn event_id_of(request: RequestId) -> EventId {
    let x = u128::from_be_bytes(*request.as_bytes());
    // An odd multiplier, then a xor-shift: each a bijection.
    let mut y = (x ^ 0x243f_6a88_85a3_08d3_1319_8a2e_0370_7344).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835);
    y ^= y >> 67;
    uuid::Builder::from_random_bytes(y.to_be_bytes()).into_uuid()
}

/// The longest request body a record keeps as sent ([`Parameters::Body`]).
pub const BODY_MAX: usize = 160;

/// A call's request parameters, as its record keeps them until it is
/// rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parameters {
    /// Redacted ([`redact`]), lowerCamelCase.
    Redacted(Value),
    /// The request's body as sent: a small object of the input's members
    /// only, scalars that redaction keeps whole ([`Parameters::of`]), so
    /// it holds nothing a record may not, and rendering it ([`redact`])
    /// drops nothing. Kept inline: a read's record costs no allocation
    /// and no redaction.
    Body(Body),
}

/// A small request body's bytes, inline (at most [`BODY_MAX`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Body {
    len: u8,
    bytes: [u8; BODY_MAX],
}

impl Body {
    /// `bytes`, if they fit.
    pub fn new(bytes: &[u8]) -> Option<Body> {
        let len = u8::try_from(bytes.len()).ok().filter(|&n| usize::from(n) <= BODY_MAX)?;
        let mut body = Body { len, bytes: [0; BODY_MAX] };
        body.bytes[..bytes.len()].copy_from_slice(bytes);
        Some(body)
    }

    /// The body's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Body").field(&String::from_utf8_lossy(self.as_bytes())).finish()
    }
}

impl Parameters {
    /// The parameters of a call of `op` whose body `raw` parsed as
    /// `parsed`: the body itself when that is safe to keep as sent (see
    /// [`Parameters::Body`]), else redacted.
    pub fn of(op: Operation, raw: &[u8], parsed: &Value) -> Parameters {
        // An empty body is an empty object.
        let raw: &[u8] = if raw.iter().all(u8::is_ascii_whitespace) { b"{}" } else { raw };
        static WHOLE: std::sync::OnceLock<Vec<Option<&'static [crate::validation::Member]>>> =
            std::sync::OnceLock::new();
        let whole = WHOLE.get_or_init(|| Operation::ALL.iter().map(|op| kept_whole(op.input_shape())).collect());
        let members = whole.get(op as usize).copied().flatten();
        let as_sent = members.is_some_and(|members| {
            parsed.as_object().is_some_and(|fields| {
                fields.iter().all(|(k, v)| !(v.is_object() || v.is_array()) && members.iter().any(|m| m.name == k))
            })
        });
        match Body::new(raw).filter(|_| as_sent) {
            Some(body) => Parameters::Body(body),
            None => Parameters::Redacted(redact(op.input_shape(), parsed)),
        }
    }

    /// The parameters as a record shows them; `event_name` names the
    /// operation whose input a body is.
    pub fn redacted(&self, event_name: &str) -> Value {
        match self {
            Parameters::Redacted(v) => v.clone(),
            Parameters::Body(body) => {
                let parsed = serde_json::from_slice(body.as_bytes()).unwrap_or(Value::Null);
                match Operation::from_name(event_name) {
                    Some(op) => redact(op.input_shape(), &parsed),
                    // A body is only kept for an operation's call.
                    None => Value::Null,
                }
            }
        }
    }

    /// The secret the parameters name (its id or name).
    pub fn secret(&self) -> Option<Cow<'_, str>> {
        match self {
            Parameters::Redacted(p) => {
                p.get("secretId").or_else(|| p.get("name")).and_then(Value::as_str).map(Cow::Borrowed)
            }
            Parameters::Body(body) => body_secret(body.as_bytes()).map(Cow::Owned),
        }
    }

    /// Whether the parameters may name a secret by ARN (without parsing a
    /// body).
    fn may_name_an_arn(&self) -> bool {
        match self {
            Parameters::Redacted(_) => true,
            Parameters::Body(body) => memchr::memmem::find(body.as_bytes(), b"arn:").is_some(),
        }
    }
}

/// The secret a request body names (`SecretId`, else `Name`) as the
/// service reads the body: a repeated member is its last value, as in
/// the parsed body the call ran on (a strict parse would refuse the
/// repetition and name no secret, leaving the record out of the owner's
/// trail and out of lookups by the secret).
fn body_secret(body: &[u8]) -> Option<String> {
    struct Named(Option<Value>, Option<Value>);
    impl<'de> Deserialize<'de> for Named {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Members;
            impl<'de> serde::de::Visitor<'de> for Members {
                type Value = Named;
                fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    f.write_str("a request body")
                }
                fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Named, A::Error> {
                    let mut named = Named(None, None);
                    while let Some(key) = map.next_key::<Cow<'de, str>>()? {
                        match &*key {
                            "SecretId" => named.0 = Some(map.next_value()?),
                            "Name" => named.1 = Some(map.next_value()?),
                            _ => {
                                map.next_value::<serde::de::IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(named)
                }
            }
            d.deserialize_map(Members)
        }
    }
    let Named(secret_id, name) = serde_json::from_slice(body).ok()?;
    match secret_id.or(name)? {
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// The members of input shape `shape` when a body of it can be kept as
/// sent: all of them scalars with nothing to redact.
fn kept_whole(shape: &str) -> Option<&'static [crate::validation::Member]> {
    let Some(Constraints::Structure { members }) = constraints(shape) else { return None };
    members
        .iter()
        .all(|m| match constraints(m.shape) {
            Some(Constraints::String { sensitive, .. } | Constraints::Number { sensitive, .. }) => !sensitive,
            Some(Constraints::Boolean | Constraints::Timestamp) => true,
            _ => false,
        })
        .then_some(*members)
}

/// The name a secret id names (a name, a full or a partial ARN), by which
/// records are found whichever way a call named the secret.
pub fn secret_name(id: &str) -> String {
    match SecretRef::parse(id) {
        Ok(SecretRef::Name(name)) | Ok(SecretRef::PartialArn { name, .. }) => name.as_str().into(),
        Ok(SecretRef::FullArn(arn)) => arn.name.as_str().into(),
        _ => id.into(),
    }
}

/// `record` in every trail it belongs to: the caller's, and, when the
/// secret it names (by ARN) is another account's, that account's too, as
/// CloudTrail delivers a cross-account call to both (same event id).
pub fn trails(record: AuditEvent) -> Vec<AuditEvent> {
    let owner = other_owner(record.secret(), &record.recipient_account_id).map(|o| o.to_string());
    in_trails(record, owner, |r| &mut r.recipient_account_id)
}

/// `record`, and a copy of it in `owner`'s trail (its account set through
/// `account`), if there is one.
fn in_trails<T: Clone, A>(record: T, owner: Option<A>, account: fn(&mut T) -> &mut A) -> Vec<T> {
    match owner {
        Some(owner) => {
            let mut theirs = record.clone();
            *account(&mut theirs) = owner;
            vec![record, theirs]
        }
        None => vec![record],
    }
}

/// The account owning `secret` (named by ARN), when not `recipient`.
fn other_owner(secret: Option<&str>, recipient: &str) -> Option<AccountId> {
    // Only an ARN names an owner (and most calls name a secret by name).
    let owner = match secret.filter(|s| s.starts_with("arn:")).map(SecretRef::parse) {
        Some(Ok(SecretRef::FullArn(arn))) => arn.namespace.account,
        Some(Ok(SecretRef::PartialArn { account, .. })) => account,
        _ => return None,
    };
    (owner != *recipient).then_some(owner)
}

/// Whether `op` only reads (CloudTrail's `readOnly`).
pub fn read_only(op: Operation) -> bool {
    let name = op.name();
    ["Describe", "Get", "List", "Validate", "BatchGet"].iter().any(|p| name.starts_with(p))
}

/// The service events rekey records.
pub mod events {
    /// A rotation began.
    pub const ROTATION_STARTED: &str = "RotationStarted";
    /// A rotation finished: AWSCURRENT is on the new version.
    pub const ROTATION_SUCCEEDED: &str = "RotationSucceeded";
    /// A rotation gave up after its last attempt.
    pub const ROTATION_FAILED: &str = "RotationFailed";
    /// AWSPENDING was taken off the pending version by a manual change.
    pub const ROTATION_ABANDONED: &str = "RotationAbandoned";
    /// A configuration test (RotateImmediately=false) began.
    pub const TEST_ROTATION_STARTED: &str = "TestRotationStarted";
    /// A configuration test passed.
    pub const TEST_ROTATION_SUCCEEDED: &str = "TestRotationSucceeded";
    /// A configuration test failed.
    pub const TEST_ROTATION_FAILED: &str = "TestRotationFailed";
    /// DeleteSecret scheduled the secret's versions for deletion.
    pub const START_SECRET_VERSION_DELETE: &str = "StartSecretVersionDelete";
    /// RestoreSecret took the secret's versions back.
    pub const CANCEL_SECRET_VERSION_DELETE: &str = "CancelSecretVersionDelete";
    /// A secret's versions were purged.
    pub const END_SECRET_VERSION_DELETE: &str = "EndSecretVersionDelete";
    /// A replica was brought up to date.
    pub const REPLICATION_SUCCEEDED: &str = "ReplicationSucceeded";
    /// A replica could not be brought up to date.
    pub const REPLICATION_FAILED: &str = "ReplicationFailed";
}

/// `value` of model shape `shape` as CloudTrail records it: member names
/// in lowerCamelCase (an all-capitals name in lower case: `ARN` is `arn`),
/// sensitive members dropped, timestamps as CloudTrail prints them.
pub fn redact(shape: &str, value: &Value) -> Value {
    match (constraints(shape), value) {
        (Some(Constraints::Structure { members }), Value::Object(fields)) => {
            let mut out = Map::new();
            for member in members.iter() {
                let Some(v) = fields.get(member.name) else { continue };
                if is_sensitive(member.shape) {
                    continue;
                }
                out.insert(camel(member.name), redact(member.shape, v));
            }
            Value::Object(out)
        }
        (Some(Constraints::List { member, .. }), Value::Array(items)) => {
            Value::Array(items.iter().map(|v| redact(member, v)).collect())
        }
        (Some(Constraints::Map { value: shape, .. }), Value::Object(fields)) => {
            Value::Object(fields.iter().map(|(k, v)| (k.clone(), redact(shape, v))).collect())
        }
        (Some(Constraints::Timestamp), v) => match v.as_f64() {
            Some(secs) => Value::String(cloudtrail_date((secs * 1000.0) as i64)),
            None => v.clone(),
        },
        (_, v) => v.clone(),
    }
}

fn is_sensitive(shape: &str) -> bool {
    matches!(
        constraints(shape),
        Some(
            Constraints::String { sensitive: true, .. }
                | Constraints::Blob { sensitive: true, .. }
                | Constraints::Number { sensitive: true, .. }
                | Constraints::List { sensitive: true, .. }
                | Constraints::Map { sensitive: true, .. }
        )
    )
}

/// `SecretId` → `secretId`, `ARN` → `arn`.
fn camel(name: &str) -> String {
    if name.chars().all(|c| c.is_ascii_uppercase()) {
        return name.to_ascii_lowercase();
    }
    let mut out = name.to_string();
    out[..1].make_ascii_lowercase();
    out
}

/// How CloudTrail prints a date inside request parameters and response
/// elements: `Jan 19, 2024, 2:39:19 PM` (UTC).
pub fn cloudtrail_date(millis: i64) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let secs = millis.div_euclid(1000);
    let d = calendar::date(secs.div_euclid(86_400));
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let (h12, half) = match h {
        0 => (12, "AM"),
        1..=11 => (h, "AM"),
        12 => (12, "PM"),
        _ => (h - 12, "PM"),
    };
    format!("{} {}, {}, {h12}:{m:02}:{s:02} {half}", MONTHS[(d.month - 1) as usize], d.day, d.year)
}

#[cfg(test)]
mod tests;
