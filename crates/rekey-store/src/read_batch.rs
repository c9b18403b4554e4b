//! The content of a batch row of the audit trail: the records of
//! successful reads of one account, appended together (see
//! [`AuditStore::append_read`](crate::AuditStore::append_read)).
//!
//! What many records share (who called what, with which parameters, in
//! which region, from where, with which agent: a client mostly reads the
//! same secrets from one address) is said once; each record then holds
//! its time, counted from the row's first, the number of its shared part
//! and its request id, about 20 bytes. The record's id is derived from the
//! request id ([`audit::event_id_of`]); parameters are kept as the request
//! sent them when that is safe ([`Parameters::Body`]) and rendered when a
//! record is read.
//!
//! Content is binary, starting with [`VERSION`]. Rows written before
//! (JSON, starting with `{`) are still read.

use rekey_model::audit::{Body, CallRecord, Caller, EventId, Parameters};
use rekey_model::name::{AccountId, Region};
use rekey_model::request_id::RequestId;
use std::net::IpAddr;
use std::sync::Arc;

/// The first byte of a batch row's content in this format.
pub const VERSION: u8 = 2;

/// `records` (all in `account`'s trail) as a batch row's content.
pub fn pack(account: &AccountId, records: &[&CallRecord]) -> Vec<u8> {
    let mut out = Writer(Vec::with_capacity(256 + records.len() * 24));
    out.0.push(VERSION);
    out.str(account.as_str());
    let t0 = records.first().map_or(0, |r| r.time_ms);
    out.signed(t0);
    // Each record's shared part, by number; a row's records are few
    // and mostly the one before's, so a scan, newest first, costs less
    // than hashing.
    let mut shared: Vec<&CallRecord> = Vec::new();
    let mut parts = Vec::with_capacity(records.len());
    for r in records {
        let s = match shared.iter().rposition(|known| same_call(known, r)) {
            Some(s) => s,
            None => {
                shared.push(r);
                shared.len() - 1
            }
        };
        parts.push(s);
    }
    out.unsigned(shared.len() as u64);
    for r in &shared {
        let c = &*r.caller;
        out.str(&r.event_name);
        out.str(&c.account);
        out.str(&c.arn);
        out.str(&c.access_key_id);
        match &c.user {
            Some((name, id)) => {
                out.0.push(1);
                out.str(name);
                out.str(id);
            }
            None => out.0.push(0),
        }
        out.str(r.region.as_str());
        out.str(&r.user_agent);
        match r.source_ip {
            None => out.0.push(0),
            Some(IpAddr::V4(ip)) => {
                out.0.push(4);
                out.0.extend_from_slice(&ip.octets());
            }
            Some(IpAddr::V6(ip)) => {
                out.0.push(6);
                out.0.extend_from_slice(&ip.octets());
            }
        }
        match &r.request_parameters {
            None => out.0.push(0),
            Some(Parameters::Body(body)) => {
                out.0.push(1);
                out.bytes(body.as_bytes());
            }
            Some(Parameters::Redacted(value)) => {
                out.0.push(2);
                out.bytes(value.to_string().as_bytes());
            }
        }
    }
    out.unsigned(records.len() as u64);
    for (r, s) in records.iter().zip(parts) {
        out.signed(r.time_ms - t0);
        // The low bit: whether an event id of its own follows.
        out.unsigned(((s as u64) << 1) | u64::from(r.event_id.is_some()));
        out.0.extend_from_slice(r.request_id.as_bytes());
        if let Some(id) = r.event_id {
            out.0.extend_from_slice(id.as_bytes());
        }
    }
    out.0
}

/// Whether two records share all but their time and ids. Mostly they are
/// one caller's, whose strings are shared: compared by address first.
fn same_call(a: &CallRecord, b: &CallRecord) -> bool {
    a.event_name == b.event_name
        && (Arc::ptr_eq(&a.caller, &b.caller) || a.caller == b.caller)
        && a.region == b.region
        && (Arc::ptr_eq(&a.user_agent, &b.user_agent) || a.user_agent == b.user_agent)
        && a.source_ip == b.source_ip
        && a.request_parameters == b.request_parameters
}

/// The records a batch row's `content` holds.
pub fn unpack(content: &[u8]) -> Result<Vec<CallRecord>, String> {
    match content.first() {
        Some(&VERSION) => unpack_binary(&content[1..]),
        Some(b'{') => v1::unpack(content),
        _ => Err("not a batch of records".into()),
    }
}

fn unpack_binary(content: &[u8]) -> Result<Vec<CallRecord>, String> {
    let mut r = Reader(content);
    let account = r.str()?;
    let account = AccountId::parse(account).ok_or_else(|| format!("{account:?} is no account id"))?;
    let t0 = r.signed()?;
    let n = r.count()?;
    let mut shared = Vec::with_capacity(n);
    for _ in 0..n {
        let event_name = r.str()?.to_string();
        let caller = Caller {
            account: r.str()?.into(),
            arn: r.str()?.into(),
            access_key_id: r.str()?.into(),
            user: match r.u8()? {
                0 => None,
                _ => Some((r.str()?.into(), r.str()?.into())),
            },
        };
        let region = Region::new(r.str()?);
        let user_agent: Arc<str> = r.str()?.into();
        let source_ip = match r.u8()? {
            0 => None,
            4 => Some(IpAddr::from(<[u8; 4]>::try_from(r.take(4)?).expect("four bytes"))),
            6 => Some(IpAddr::from(<[u8; 16]>::try_from(r.take(16)?).expect("sixteen bytes"))),
            other => return Err(format!("an address of kind {other}")),
        };
        let request_parameters = match r.u8()? {
            0 => None,
            1 => Some(Parameters::Body(Body::new(r.bytes()?).ok_or("a body too long")?)),
            _ => Some(Parameters::Redacted(serde_json::from_slice(r.bytes()?).map_err(|e| e.to_string())?)),
        };
        shared.push(CallRecord {
            time_ms: 0,
            event_name: event_name.into(),
            caller: Arc::new(caller),
            region,
            account: account.clone(),
            source_ip,
            user_agent,
            request_id: RequestId::default(),
            event_id: None,
            request_parameters,
        });
    }
    let n = r.count()?;
    let mut records = Vec::with_capacity(n);
    for _ in 0..n {
        let t = r.signed()?;
        let tagged = r.unsigned()?;
        let part = shared.get((tagged >> 1) as usize).ok_or("a record names no shared part")?;
        let request_id = RequestId::from_bytes(r.take(16)?.try_into().expect("sixteen bytes"));
        let event_id = match tagged & 1 {
            1 => Some(EventId::from_slice(r.take(16)?).expect("sixteen bytes")),
            _ => None,
        };
        records.push(CallRecord { time_ms: t0 + t, request_id, event_id, ..part.clone() });
    }
    if !r.0.is_empty() {
        return Err("bytes after the last record".into());
    }
    Ok(records)
}

/// Appends the encoding's parts.
struct Writer(Vec<u8>);

impl Writer {
    /// LEB128.
    fn unsigned(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.0.push(v as u8 | 0x80);
            v >>= 7;
        }
        self.0.push(v as u8);
    }

    /// Zigzag, then LEB128: small magnitudes take a byte either way.
    fn signed(&mut self, v: i64) {
        self.unsigned(((v << 1) ^ (v >> 63)) as u64);
    }

    fn bytes(&mut self, b: &[u8]) {
        self.unsigned(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }
}

/// Reads the encoding's parts, refusing content that ends early.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err("the content ends early".into());
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn unsigned(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.u8()?;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err("a number too long".into())
    }

    fn signed(&mut self) -> Result<i64, String> {
        let v = self.unsigned()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    /// A count of things that follow, each at least a byte: never more
    /// than the bytes left (a corrupt count allocates nothing).
    fn count(&mut self) -> Result<usize, String> {
        let n = self.unsigned()?;
        usize::try_from(n).ok().filter(|&n| n <= self.0.len()).ok_or_else(|| "a count past the end".to_string())
    }

    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = self.count()?;
        self.take(n)
    }

    fn str(&mut self) -> Result<&'a str, String> {
        std::str::from_utf8(self.bytes()?).map_err(|e| e.to_string())
    }
}

/// The first format: JSON, each record's event id its own, ids in
/// base64 (read only).
mod v1 {
    use super::*;
    use serde::{Deserialize, Deserializer, de::Error};

    #[derive(Deserialize)]
    struct Unpacking {
        to: String,
        t0: i64,
        shared: Vec<SharedRead>,
        records: Vec<PackedRead>,
    }

    #[derive(Deserialize)]
    struct SharedRead {
        n: String,
        c: String,
        a: String,
        k: String,
        #[serde(default)]
        u: Option<(String, String)>,
        r: String,
        ua: String,
        #[serde(default)]
        ip: Option<IpAddr>,
        #[serde(default)]
        p: Option<serde_json::Value>,
    }

    #[derive(Deserialize)]
    struct PackedRead {
        t: i64,
        s: usize,
        /// A request id that is no UUID (rekey never issued one).
        #[serde(default)]
        q: Option<String>,
        #[serde(default, deserialize_with = "compact_id_option")]
        qu: Option<uuid::Uuid>,
        #[serde(deserialize_with = "compact_id")]
        e: EventId,
    }

    /// A UUID as its 16 bytes in base64.
    fn compact_id<'de, D: Deserializer<'de>>(d: D) -> Result<uuid::Uuid, D::Error> {
        use base64::Engine;
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let bytes =
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.as_bytes()).map_err(D::Error::custom)?;
        uuid::Uuid::from_slice(&bytes).map_err(D::Error::custom)
    }

    fn compact_id_option<'de, D: Deserializer<'de>>(d: D) -> Result<Option<uuid::Uuid>, D::Error> {
        #[derive(Deserialize)]
        struct Id(#[serde(deserialize_with = "compact_id")] uuid::Uuid);
        Ok(Option::<Id>::deserialize(d)?.map(|Id(id)| id))
    }

    pub(super) fn unpack(content: &[u8]) -> Result<Vec<CallRecord>, String> {
        let batch: Unpacking = serde_json::from_slice(content).map_err(|e| e.to_string())?;
        let account = AccountId::parse(&batch.to).ok_or_else(|| format!("{:?} is no account id", batch.to))?;
        let callers: Vec<(Arc<Caller>, Arc<str>)> = batch
            .shared
            .iter()
            .map(|s| {
                let caller =
                    Caller { account: s.c.clone(), arn: s.a.clone(), access_key_id: s.k.clone(), user: s.u.clone() };
                (Arc::new(caller), Arc::from(s.ua.as_str()))
            })
            .collect();
        batch
            .records
            .into_iter()
            .map(|p| {
                let s = batch.shared.get(p.s).ok_or("a record names no shared part")?;
                let (caller, user_agent) = callers[p.s].clone();
                let request_id =
                    p.qu.map(|id| RequestId::from_bytes(id.into_bytes()))
                        .or_else(|| p.q.as_deref().and_then(RequestId::parse))
                        .unwrap_or_default();
                Ok(CallRecord {
                    time_ms: batch.t0 + p.t,
                    event_name: s.n.clone().into(),
                    caller,
                    region: Region::new(s.r.as_str()),
                    account: account.clone(),
                    source_ip: s.ip,
                    user_agent,
                    request_id,
                    event_id: Some(p.e),
                    request_parameters: s.p.clone().map(Parameters::Redacted),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rekey_model::api::Operation;
    use rekey_model::audit;

    fn record(i: i64, caller: &Arc<Caller>, body: &[u8]) -> CallRecord {
        let parsed = serde_json::from_slice(body).unwrap();
        CallRecord {
            time_ms: 1_700_000_000_000 + i * 7,
            event_name: "GetSecretValue".into(),
            caller: caller.clone(),
            region: Region::new("us-east-1"),
            account: AccountId::parse("111122223333").unwrap(),
            source_ip: Some(if i % 2 == 0 { "10.0.0.1".parse().unwrap() } else { "::1".parse().unwrap() }),
            user_agent: "aws-cli/2".into(),
            request_id: RequestId::random(),
            event_id: (i == 3).then(audit::new_event_id),
            request_parameters: Some(Parameters::of(Operation::GetSecretValue, body, &parsed)),
        }
    }

    #[test]
    fn records_read_back_as_written() {
        let root = Arc::new(Caller {
            account: "111122223333".into(),
            arn: "arn:aws:iam::111122223333:root".into(),
            ..Default::default()
        });
        let user = Arc::new(Caller {
            account: "111122223333".into(),
            arn: "arn:aws:iam::111122223333:user/ann".into(),
            access_key_id: "AKIAANN".into(),
            user: Some(("ann".into(), "AIDAANN".into())),
        });
        let long = format!(r#"{{"SecretId":"{}"}}"#, "x".repeat(300));
        let records: Vec<CallRecord> = (0..10)
            .map(|i| match i % 3 {
                0 => record(i, &root, br#"{"SecretId":"a"}"#),
                1 => record(i, &user, br#"{"SecretId":"b","VersionStage":"AWSPREVIOUS"}"#),
                _ => record(i, &user, long.as_bytes()),
            })
            .collect();
        assert!(matches!(records[0].request_parameters, Some(Parameters::Body(_))));
        assert!(matches!(records[2].request_parameters, Some(Parameters::Redacted(_))), "too long to keep as sent");
        let refs: Vec<&CallRecord> = records.iter().collect();
        let account = AccountId::parse("111122223333").unwrap();
        let content = pack(&account, &refs);
        assert_eq!(content[0], VERSION);
        let back = unpack(&content).unwrap();
        assert_eq!(back, records);
        for (a, b) in back.iter().zip(&records) {
            assert_eq!(a.event(), b.event());
        }
        // What was said once is not repeated: about 20 bytes a record.
        let more: Vec<&CallRecord> = refs.iter().copied().cycle().take(100).collect();
        assert!(pack(&account, &more).len() < content.len() + 90 * 20);
        // Content cut short, or with bytes after it, is refused.
        assert!(unpack(&content[..content.len() - 1]).is_err());
        assert!(unpack(&[&content[..], b"x"].concat()).is_err());
    }

    #[test]
    fn rows_of_the_first_format_still_read() {
        let row = r#"{"to":"111122223333","t0":1700000000000,"shared":[{"n":"GetSecretValue","c":"111122223333","a":"arn:aws:iam::111122223333:root","k":"AKIA1","r":"us-east-1","ua":"cli","ip":"10.1.2.3","p":{"secretId":"s1"}}],"records":[{"t":5,"s":0,"qu":"AAECAwQFBgcICQoLDA0ODw","e":"EBESExQVFhcYGRobHB0eHw"}]}"#;
        let records = unpack(row.as_bytes()).unwrap();
        assert_eq!(records.len(), 1);
        let e = records[0].event();
        assert_eq!(e.request_id, "00010203-0405-0607-0809-0a0b0c0d0e0f");
        assert_eq!(e.event_id, "10111213-1415-1617-1819-1a1b1c1d1e1f");
        assert_eq!(e.event_time, "2023-11-14T22:13:20Z");
        assert_eq!(e.request_parameters, Some(serde_json::json!({ "secretId": "s1" })));
        assert_eq!(records[0].secret().as_deref(), Some("s1"));
    }
}
