//! The browser's session: temporary credentials in an HttpOnly,
//! SameSite=Strict cookie, and the CSRF token derived from them.
//!
//! The cookie holds what GetSessionToken gave at sign-in (key id, secret,
//! token), the region and the expiry; nothing is kept on the server, so
//! any node of a cluster serves any page, and signing out revokes the
//! credentials themselves. A stolen cookie is no more than the temporary
//! credentials it holds, which die at their expiry or at sign-out.

use base64::Engine as _;
use rekey_sigv4::Credentials;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// The cookie's name.
pub const COOKIE: &str = "rekey_console";

/// The signed-in principal's credentials and where they act.
#[derive(Clone)]
pub struct Session {
    /// What every API call of the console is signed with.
    pub creds: Credentials,
    /// The region calls are signed for.
    pub region: String,
    /// When the credentials expire (epoch milliseconds).
    pub expires_ms: i64,
    /// Who signed in (the principal's ARN, from GetCallerIdentity), for
    /// the page header only: nothing is decided on it.
    pub who: Option<String>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("creds", &self.creds).field("region", &self.region).finish_non_exhaustive()
    }
}

/// The cookie's content (as JSON, then base64url).
#[derive(Serialize, Deserialize)]
struct Stored {
    k: String,
    s: String,
    t: Option<String>,
    r: String,
    e: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    a: Option<String>,
}

impl Drop for Stored {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.s);
    }
}

impl Session {
    /// The cookie's value.
    fn encode(&self) -> Zeroizing<String> {
        let stored = Stored {
            k: self.creds.access_key_id.clone(),
            s: self.creds.secret_access_key.to_string(),
            t: self.creds.session_token.clone(),
            r: self.region.clone(),
            e: self.expires_ms,
            a: self.who.clone(),
        };
        let json = Zeroizing::new(serde_json::to_vec(&stored).expect("a session encodes"));
        Zeroizing::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&*json))
    }

    /// The session a `Cookie` header carries, if any parses.
    pub fn from_cookie_header(header: &str) -> Option<Session> {
        let value = header.split(';').filter_map(|c| c.trim().strip_prefix(COOKIE)?.strip_prefix('=')).next()?;
        let json = Zeroizing::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(value).ok()?);
        let stored: Stored = serde_json::from_slice(&json).ok()?;
        let valid = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_graphic());
        if !valid(&stored.k, 128) || !valid(&stored.s, 128) || !valid(&stored.r, 32) {
            return None;
        }
        if stored.t.as_deref().is_some_and(|t| !valid(t, 2048)) {
            return None;
        }
        Some(Session {
            creds: Credentials {
                access_key_id: stored.k.clone(),
                secret_access_key: Zeroizing::new(stored.s.clone()),
                session_token: stored.t.clone(),
            },
            region: stored.r.clone(),
            expires_ms: stored.e,
            who: stored.a.clone().filter(|a| a.len() <= 2048),
        })
    }

    /// Who is signed in, as the header says it: `alice (000000000000)`.
    pub fn shown_as(&self) -> String {
        let Some(arn) = &self.who else { return self.creds.access_key_id.clone() };
        let mut parts = arn.splitn(6, ':');
        let account = parts.nth(4).unwrap_or_default();
        let name = parts.next().unwrap_or_default();
        let name = name.strip_prefix("user/").unwrap_or(name);
        format!("{name} ({account})")
    }

    /// The `Set-Cookie` value that keeps this session until it expires
    /// (seen at `now_ms`); `secure` over TLS.
    pub fn set_cookie(&self, now_ms: i64, secure: bool) -> Zeroizing<String> {
        let max_age = ((self.expires_ms - now_ms) / 1000).max(0);
        Zeroizing::new(format!(
            "{COOKIE}={}; Path=/console; Max-Age={max_age}; HttpOnly; SameSite=Strict{}",
            self.encode().as_str(),
            if secure { "; Secure" } else { "" }
        ))
    }

    /// The token every form that changes something carries: an HMAC of
    /// the session's secret, so it is the session's own, and a page of
    /// another site can neither read nor guess it.
    pub fn csrf_token(&self) -> String {
        let mac = rekey_sigv4::key::signature(self.creds.secret_access_key.as_bytes(), "rekey-console csrf v1");
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
    }

    /// Whether `given` is this session's CSRF token (compared in constant time).
    pub fn csrf_matches(&self, given: &str) -> bool {
        rekey_model::identity::secrets_equal(self.csrf_token().as_bytes(), given.as_bytes())
    }
}

/// The `Set-Cookie` value that removes the session.
pub fn clear_cookie(secure: bool) -> String {
    format!("{COOKIE}=; Path=/console; Max-Age=0; HttpOnly; SameSite=Strict{}", if secure { "; Secure" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(secret: &str) -> Session {
        Session {
            creds: Credentials {
                access_key_id: "ASIAEXAMPLE".into(),
                secret_access_key: Zeroizing::new(secret.into()),
                session_token: Some("token".into()),
            },
            region: "us-east-1".into(),
            expires_ms: 10_000,
            who: Some("arn:aws:iam::000000000000:user/alice".into()),
        }
    }

    #[test]
    fn the_cookie_round_trips_and_carries_its_flags() {
        let s = session("s3cret");
        let set = s.set_cookie(4_000, true);
        assert!(set.ends_with("; Path=/console; Max-Age=6; HttpOnly; SameSite=Strict; Secure"), "{}", *set);
        let value = set.split(';').next().unwrap();
        let back = Session::from_cookie_header(&format!("other=1; {value}; x=y")).unwrap();
        assert_eq!(back.creds.access_key_id, "ASIAEXAMPLE");
        assert_eq!(back.creds.secret_access_key.as_str(), "s3cret");
        assert_eq!(back.creds.session_token.as_deref(), Some("token"));
        assert_eq!(back.expires_ms, 10_000);
        assert_eq!(back.who, s.who);
        assert_eq!(back.shown_as(), "alice (000000000000)");
        assert!(!s.set_cookie(0, false).contains("Secure"));
        assert!(Session::from_cookie_header("rekey_console=garbage").is_none());
        assert!(Session::from_cookie_header("other=1").is_none());
    }

    #[test]
    fn the_csrf_token_is_the_sessions_own() {
        let (a, b) = (session("one"), session("two"));
        assert!(a.csrf_matches(&a.csrf_token()));
        assert!(!a.csrf_matches(&b.csrf_token()));
        assert!(!a.csrf_matches(""));
    }
}
