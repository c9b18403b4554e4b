//! Building the request context from a request.
//!
//! The region comes from the SigV4 credential scope, the account from the
//! access key. In `--dev` any credentials are accepted, and an access key
//! id of exactly 12 digits selects that account (as LocalStack does).
//!
//! Authentication runs in two halves around the body: [`Authenticator::admit`]
//! checks everything the headers carry (the signature's claim, the key,
//! the session, and the signature itself when the payload hash is
//! declared), so a stranger is refused before its body is read;
//! [`Admitted::finish`] checks the signature over the body.

use hashlink::LruCache;
use rekey_model::ApiError;
use rekey_model::name::{AccountId, Namespace, Region};
use rekey_model::request_id::RequestId;
use rekey_service::Service;
use rekey_service::{Principal, RequestContext, SigningKey, session_token_hash};
use rekey_sigv4::SigV4Error;
use rekey_sigv4::SigningMac;
use rekey_sigv4::canonical::sha256_hex32;
use rekey_sigv4::verify::{
    Claim, Incoming, SERVICE, SecretKeys, check_claim, check_signature, claim, credential_scope, declared_payload_hash,
    session_token,
};
use rekey_store::Store;
use std::sync::{Arc, Mutex};

/// Who the server assumes callers are when it cannot tell.
#[derive(Debug, Clone)]
pub struct DevIdentity {
    /// Account of callers whose key is not a 12-digit account id.
    pub default_account: AccountId,
    /// Region of requests without a credential scope.
    pub default_region: Region,
}

impl DevIdentity {
    /// The context of a request in `--dev` mode (refused only when its
    /// credential scope names no valid region: a region is part of every
    /// ARN).
    pub fn context(&self, req: &Incoming<'_>, request_id: RequestId) -> Result<RequestContext, ApiError> {
        let (key, region) = match credential_scope(req) {
            Some((key, region)) => (key.into_owned(), Region::parse(&region).ok_or(SigV4Error::ScopeRegion)?),
            None => ("dev".to_string(), self.default_region.clone()),
        };
        let account = AccountId::parse(&key).unwrap_or_else(|| self.default_account.clone());
        let namespace = Namespace { account: account.clone(), region };
        Ok(RequestContext::new(namespace, Principal::unrestricted(account, key), request_id))
    }
}

/// How requests are authenticated.
pub enum Authenticator {
    /// `--dev`: anyone, as the credential scope says.
    Dev(DevIdentity),
    /// Every request signed with SigV4 by a known access key.
    SigV4(SignedIdentity),
}

/// SigV4 authentication against the store's access keys.
pub struct SignedIdentity {
    keys: Mutex<KeyCache>,
}

impl Default for SignedIdentity {
    fn default() -> Self {
        SignedIdentity { keys: Mutex::new(KeyCache::new(KNOWN_KEYS, UNKNOWN_KEYS)) }
    }
}

/// Access keys kept, and made-up ids remembered as unknown.
const KNOWN_KEYS: usize = 10_000;
const UNKNOWN_KEYS: usize = 1_000;

/// Recently used keys with their grants, and recently asked-for ids that
/// name none, each least recently used first out. Apart, so that a
/// stranger's stream of made-up ids churns only the second and never
/// pushes out the keys in use. A change applies at once, made through this
/// node or another sharing its store: the service's identity epoch moves
/// (with the store's `principals_generation` for the others' changes).
struct KeyCache {
    known: LruCache<String, CachedKey>,
    unknown: LruCache<String, CachedKey>,
}

impl KeyCache {
    fn new(known: usize, unknown: usize) -> Self {
        KeyCache { known: LruCache::new(known.max(1)), unknown: LruCache::new(unknown.max(1)) }
    }

    /// The cached answer for `id` (a key, or `Some(None)` for none), if
    /// still good at `epoch` and `now_ms`, and the key was not revoked
    /// since it was cached (`revoked` tells, from the revocation count the
    /// entry was made at; the entry then catches up to `revocations`).
    fn get(
        &mut self,
        id: &str,
        epoch: u64,
        revocations: u64,
        now_ms: i64,
        revoked: impl FnOnce(u64) -> Option<bool>,
    ) -> Option<Option<Arc<KnownKey>>> {
        let c = match self.known.get_mut(id) {
            Some(c) => c,
            None => self.unknown.get_mut(id)?,
        };
        if c.epoch != epoch || !(0..KEY_TTL_MS).contains(&(now_ms - c.at_ms)) {
            return None;
        }
        if c.revocations != revocations {
            if c.key.is_some() && revoked(c.revocations) != Some(false) {
                return None;
            }
            c.revocations = revocations;
        }
        Some(c.key.clone())
    }

    fn put(&mut self, id: &str, epoch: u64, revocations: u64, now_ms: i64, key: Option<Arc<KnownKey>>) {
        let entry = CachedKey { at_ms: now_ms, epoch, revocations, key };
        match entry.key {
            Some(_) => {
                self.unknown.remove(id);
                self.known.insert(id.to_string(), entry);
            }
            None => {
                self.known.remove(id);
                self.unknown.insert(id.to_string(), entry);
            }
        }
    }
}

/// A looked-up key (or its absence), when (server time), and at which
/// identity epoch and revocation count.
struct CachedKey {
    at_ms: i64,
    epoch: u64,
    revocations: u64,
    key: Option<Arc<KnownKey>>,
}

/// How long a looked-up key (or its absence) is trusted.
const KEY_TTL_MS: i64 = 60_000;

/// An access key, with the signing MACs it recently signed with: kept
/// with the key, so one lookup per request finds both.
struct KnownKey {
    key: SigningKey,
    /// (date, region, MAC), the most recent last. Most clients sign every
    /// request for one day and region; a few more cover midnight and
    /// clients that use several regions.
    macs: Mutex<Vec<(String, String, Arc<SigningMac>)>>,
}

/// How many (day, region) MACs a key keeps.
const MACS_PER_KEY: usize = 4;

impl SecretKeys for KnownKey {
    fn secret_key(&self, access_key_id: &str) -> Option<&str> {
        (self.key.record.access_key_id == access_key_id).then_some(self.key.secret.as_str())
    }

    fn signing_mac(&self, access_key_id: &str, date: &str, region: &str) -> Option<Arc<SigningMac>> {
        let secret = self.secret_key(access_key_id)?;
        let mut macs = self.macs.lock().expect("signing macs");
        if let Some((_, _, mac)) = macs.iter().rev().find(|(d, r, _)| d == date && r == region) {
            return Some(mac.clone());
        }
        let mac = Arc::new(SigningMac::derive(secret, date, region, SERVICE));
        if macs.len() == MACS_PER_KEY {
            macs.remove(0);
        }
        macs.push((date.to_string(), region.to_string(), mac.clone()));
        Some(mac)
    }
}

impl SignedIdentity {
    /// A SigV4 authenticator with an empty key cache.
    pub fn new() -> Self {
        SignedIdentity::default()
    }

    async fn key<S: Store>(
        &self,
        service: &Service<S>,
        id: &str,
        now_ms: i64,
    ) -> Result<Option<Arc<KnownKey>>, ApiError> {
        let (epoch, revocations) = (service.identity_epoch(), service.revocations());
        let seq = revocations.seq();
        let cached = self
            .keys
            .lock()
            .expect("key cache")
            .get(id, epoch, seq, now_ms, |since| revocations.revoked_since(id, since));
        if let Some(cached) = cached {
            return Ok(cached);
        }
        let key = service.access_key(id).await?.map(|key| Arc::new(KnownKey { key, macs: Mutex::default() }));
        self.keys.lock().expect("key cache").put(id, epoch, seq, now_ms, key.clone());
        Ok(key)
    }
}

/// A request whose headers were accepted, its body still to be read.
pub struct Admitted<'a> {
    request_id: RequestId,
    kind: AdmittedKind<'a>,
}

enum AdmittedKind<'a> {
    /// `--dev`: the context is known.
    Dev(RequestContext),
    /// Signed, with a known key. `claim` is `None` once the signature was
    /// checked against the declared payload hash (`declared`), which the
    /// body must then match.
    Signed {
        key: Arc<KnownKey>,
        mac: Arc<SigningMac>,
        region: Region,
        claim: Option<Claim<'a>>,
        declared: Option<[u8; 64]>,
    },
}

impl Authenticator {
    /// Checks what the headers of `req` carry (its body is not read yet):
    /// in `--dev` nothing but the region; otherwise the signature's claim,
    /// a known active key, the session token, and the signature itself
    /// when the request declares its payload hash.
    pub async fn admit<'a, S: Store>(
        &self,
        service: &Service<S>,
        req: &Incoming<'a>,
        now_ms: i64,
        request_id: RequestId,
    ) -> Result<Admitted<'a>, ApiError> {
        let signed = match self {
            Authenticator::Dev(dev) => {
                let ctx = dev.context(req, request_id)?;
                return Ok(Admitted { request_id, kind: AdmittedKind::Dev(ctx) });
            }
            Authenticator::SigV4(signed) => signed,
        };
        let claim = claim(req)?;
        check_claim(req, &claim, now_ms)?;
        let declared = declared_payload_hash(req.headers)?;
        let key = signed.key(service, claim.access_key_id(), now_ms).await?.ok_or(SigV4Error::InvalidToken)?;
        let mac = key
            .signing_mac(claim.access_key_id(), claim.scope_date(), claim.region())
            .ok_or(SigV4Error::InvalidToken)?;
        let region = Region::parse(claim.region()).ok_or(SigV4Error::ScopeRegion)?;
        let claim = match &declared {
            // The signature covers the declared hash: check it now.
            Some(hash) => {
                check_signature(req, claim, &mac, hash)?;
                None
            }
            None => Some(claim),
        };
        check_session(req, &key.key, now_ms)?;
        Ok(Admitted { request_id, kind: AdmittedKind::Signed { key, mac, region, claim, declared } })
    }

    /// The context of a whole request (headers and body) at once, or why
    /// it is refused.
    pub async fn context<S: Store>(
        &self,
        service: &Service<S>,
        req: &Incoming<'_>,
        now_ms: i64,
        request_id: RequestId,
    ) -> Result<RequestContext, ApiError> {
        self.admit(service, req, now_ms, request_id).await?.finish(req)
    }
}

impl Admitted<'_> {
    /// Checks the signature over the body `req` now carries; the context
    /// of the request.
    pub fn finish(self, req: &Incoming<'_>) -> Result<RequestContext, ApiError> {
        let (key, mac, region, claim, declared) = match self.kind {
            AdmittedKind::Dev(ctx) => return Ok(ctx),
            AdmittedKind::Signed { key, mac, region, claim, declared } => (key, mac, region, claim, declared),
        };
        let payload = sha256_hex32(req.body);
        match (claim, declared) {
            (None, Some(hash)) if hash == payload => {}
            (None, _) => return Err(SigV4Error::PayloadMismatch.into()),
            (Some(claim), _) => {
                check_signature(req, claim, &mac, &payload)?;
            }
        }
        let namespace = Namespace { account: key.key.record.account.clone(), region };
        Ok(RequestContext::new(namespace, key.key.principal.clone(), self.request_id))
    }
}

/// Temporary credentials need their unexpired session token; permanent
/// ones take none.
fn check_session(req: &Incoming<'_>, key: &SigningKey, now_ms: i64) -> Result<(), SigV4Error> {
    match (&key.record.session, session_token(req)) {
        (None, None) => Ok(()),
        (None, Some(_)) | (Some(_), None) => Err(SigV4Error::InvalidToken),
        (Some(session), Some(token)) => {
            let given = session_token_hash(&token);
            if !rekey_model::identity::secrets_equal(&given, &session.token_sha256) {
                return Err(SigV4Error::InvalidToken);
            }
            if now_ms >= session.expires.millis() {
                return Err(SigV4Error::ExpiredToken);
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderMap;

    #[test]
    fn region_and_account_come_from_the_credential() {
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-3/secretsmanager/aws4_request, SignedHeaders=host, Signature=abc"
                .parse()
                .unwrap(),
        );
        let dev = DevIdentity {
            default_account: AccountId::parse("000000000000").unwrap(),
            default_region: Region::new("us-east-1"),
        };
        let req = |h, query| Incoming { method: "POST", path: "/", query, headers: h, body: b"" };
        let ctx = dev.context(&req(&h, None), RequestId::random()).unwrap();
        assert_eq!(ctx.namespace.region.as_str(), "eu-west-3");
        assert_eq!(ctx.namespace.account.as_str(), "123456789012");
        let ctx = dev
            .context(
                &req(
                    &HeaderMap::new(),
                    Some("X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fap-south-1%2Fsecretsmanager%2Faws4_request"),
                ),
                RequestId::random(),
            )
            .unwrap();
        assert_eq!(ctx.namespace.region.as_str(), "ap-south-1");
        assert_eq!(ctx.namespace.account.as_str(), "000000000000");
    }

    /// A root's permanent key of account 000000000000.
    fn known_key(id: &str, secret: &str) -> KnownKey {
        use rekey_model::Timestamp;
        use rekey_model::identity::AccessKeyRecord;
        let account = AccountId::parse("000000000000").unwrap();
        KnownKey {
            key: SigningKey {
                record: AccessKeyRecord {
                    access_key_id: id.into(),
                    account: account.clone(),
                    user: None,
                    sealed_secret: Vec::new(),
                    created: Timestamp::from_millis(0),
                    active: true,
                    session: None,
                },
                secret: zeroize::Zeroizing::new(secret.into()),
                principal: Arc::new(Principal::root(account, id.into())),
            },
            macs: Mutex::default(),
        }
    }

    #[test]
    fn a_key_keeps_the_macs_of_its_recent_days_and_regions() {
        use rekey_sigv4::key::{signature, signing_key};
        let known = known_key("AKIDEXAMPLE", "s3cret");
        let signed =
            |date: &str, region: &str| hex::encode(signature(&signing_key("s3cret", date, region, SERVICE), "text"));
        let days = ["20261127", "20261128"];
        let regions = ["us-east-1", "eu-west-3", "ap-south-1"];
        for _ in 0..2 {
            for day in days {
                for region in regions {
                    let mac = known.signing_mac("AKIDEXAMPLE", day, region).unwrap();
                    assert!(mac.matches(&["text"], &signed(day, region)), "{day} {region}");
                    assert!(!mac.matches(&["text"], &signed(day, "us-west-2")));
                }
            }
        }
        assert_eq!(known.macs.lock().unwrap().len(), MACS_PER_KEY, "bounded");
        assert!(known.signing_mac("AKIDOTHER", days[0], regions[0]).is_none(), "another key's id");
    }

    #[test]
    fn made_up_key_ids_never_push_out_the_keys_in_use() {
        let known = Arc::new(known_key("AKIDKNOWN", "s"));
        let mut cache = KeyCache::new(2, 3);
        let not_revoked = |_| Some(false);
        cache.put("AKIDKNOWN", 0, 0, 0, Some(known));
        for n in 0..10_000 {
            let id = format!("AKIDFAKE{n}");
            assert!(cache.get(&id, 0, 0, 1, not_revoked).is_none());
            cache.put(&id, 0, 0, 1, None);
        }
        assert!(matches!(cache.get("AKIDKNOWN", 0, 0, 2, not_revoked), Some(Some(_))), "still cached");
        assert!(
            matches!(cache.get("AKIDFAKE9999", 0, 0, 2, not_revoked), Some(None)),
            "a recent stranger is remembered as unknown"
        );
        assert!(cache.get("AKIDFAKE0", 0, 0, 2, not_revoked).is_none(), "an old one is forgotten");
        assert!(cache.get("AKIDKNOWN", 1, 0, 2, not_revoked).is_none(), "a new identity epoch looks again");
        assert!(cache.get("AKIDKNOWN", 0, 0, KEY_TTL_MS + 1, not_revoked).is_none(), "so does time");
        // Revocations of other keys keep it; its own, or a record that no
        // longer reaches back, look again.
        assert!(matches!(cache.get("AKIDKNOWN", 0, 5, 2, not_revoked), Some(Some(_))));
        assert!(matches!(cache.get("AKIDKNOWN", 0, 5, 2, |_| panic!("caught up")), Some(Some(_))), "caught up to 5");
        assert!(cache.get("AKIDKNOWN", 0, 6, 2, |since| (since == 5).then_some(true)).is_none(), "revoked");
        cache.put("AKIDKNOWN", 0, 6, 2, Some(Arc::new(known_key("AKIDKNOWN", "s"))));
        assert!(cache.get("AKIDKNOWN", 0, 9000, 2, |_| None).is_none(), "forgotten how far back");
    }

    #[test]
    fn session_tokens_are_checked_and_expire() {
        use rekey_model::Timestamp;
        use rekey_model::identity::{AccessKeyRecord, Session};
        let key = |session: Option<Session>| SigningKey {
            record: AccessKeyRecord {
                access_key_id: "ASIAEXAMPLE".into(),
                account: AccountId::parse("000000000000").unwrap(),
                user: None,
                sealed_secret: Vec::new(),
                created: Timestamp::from_millis(0),
                active: true,
                session,
            },
            secret: zeroize::Zeroizing::new("s".into()),
            principal: Arc::new(Principal::root(AccountId::parse("000000000000").unwrap(), "ASIAEXAMPLE".into())),
        };
        let temporary = key(Some(Session {
            token_sha256: session_token_hash("tok").to_vec(),
            expires: Timestamp::from_millis(1000),
            parent: None,
            role: None,
        }));
        let mut h = HeaderMap::new();
        h.insert("x-amz-security-token", "tok".parse().unwrap());
        let req = |h: &HeaderMap, query| {
            let check = |k: &SigningKey, now| {
                check_session(&Incoming { method: "POST", path: "/", query, headers: h, body: b"" }, k, now)
                    .map_err(|e| e.code().as_str())
            };
            (check(&temporary, 999), check(&temporary, 1000), check(&key(None), 0))
        };
        assert_eq!(req(&h, None), (Ok(()), Err("ExpiredTokenException"), Err("UnrecognizedClientException")));
        let none = HeaderMap::new();
        assert_eq!(req(&none, Some("X-Amz-Security-Token=tok")).0, Ok(()), "presigned");
        assert_eq!(req(&none, None), (Err("UnrecognizedClientException"), Err("UnrecognizedClientException"), Ok(())));
        h.insert("x-amz-security-token", "other".parse().unwrap());
        assert_eq!(req(&h, None).0, Err("UnrecognizedClientException"));
    }
}
