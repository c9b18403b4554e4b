//! One-time sign-in links: `/console/link?c=<token>`, the token holding
//! the temporary credentials `rekey.CreateSignInLink` made and the region.
//!
//! Opening the link only shows a button: mail scanners and link previews
//! fetch links, and must not use them up. The button's POST exchanges the
//! link's credentials for new ones (`rekey.RedeemSignInLink`), which
//! deletes the link's: the URL signs in once, within 15 minutes.

use base64::Engine as _;
use rekey_sigv4::Credentials;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

#[derive(Serialize, Deserialize)]
struct Token {
    k: String,
    s: String,
    t: String,
    r: String,
}

impl Drop for Token {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.s);
        zeroize::Zeroize::zeroize(&mut self.t);
    }
}

/// The link's path (and query) on the server, for the credentials
/// `rekey.CreateSignInLink` answered, signing in to `region`.
pub fn path(access_key_id: &str, secret_access_key: &str, session_token: &str, region: &str) -> Zeroizing<String> {
    let token =
        Token { k: access_key_id.into(), s: secret_access_key.into(), t: session_token.into(), r: region.into() };
    let json = Zeroizing::new(serde_json::to_vec(&token).expect("a token encodes"));
    Zeroizing::new(format!("/console/link?c={}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&*json)))
}

/// The credentials and region a link's token carries.
pub fn parse(token: &str) -> Option<(Credentials, String)> {
    let json = Zeroizing::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token.trim()).ok()?);
    let t: Token = serde_json::from_slice(&json).ok()?;
    let ok = |s: &str, max: usize| !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_graphic());
    if !ok(&t.k, 128) || !ok(&t.s, 128) || !ok(&t.t, 2048) || !ok(&t.r, 32) {
        return None;
    }
    let creds = Credentials {
        access_key_id: t.k.clone(),
        secret_access_key: Zeroizing::new(t.s.clone()),
        session_token: Some(t.t.clone()),
    };
    Some((creds, t.r.clone()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_link_carries_its_credentials() {
        let p = super::path("ASIAX", "secret", "token", "eu-west-1");
        let token = p.strip_prefix("/console/link?c=").unwrap();
        let (creds, region) = super::parse(token).unwrap();
        assert_eq!((creds.access_key_id.as_str(), creds.secret_access_key.as_str()), ("ASIAX", "secret"));
        assert_eq!((creds.session_token.as_deref(), region.as_str()), (Some("token"), "eu-west-1"));
        assert!(super::parse("bm90IGpzb24").is_none());
    }
}
