//! The console under attack, over plain HTTP against a real signed
//! server: cross-site forms, session fixation, the cookie's flags, caching
//! of values, the Content-Security-Policy, script in a tenant's text,
//! stolen cookies after sign-out, and one-time links used twice.

mod common;

use common::web::{csrf, get, post_form, sign_in};
use common::{Keys, Server};
use serde_json::json;

fn value(server: &Server, keys: &Keys, id: &str) -> String {
    let (status, v) = server.signed(keys, "secretsmanager.GetSecretValue", &json!({"SecretId": id}));
    assert_eq!(status, 200, "{v}");
    v["SecretString"].as_str().unwrap().to_string()
}

#[test]
fn a_form_from_another_site_changes_nothing() {
    let server = Server::start_signed(&[]);
    let root = Keys::admin(&server);
    let (status, made) =
        server.signed(&root, "secretsmanager.CreateSecret", &json!({"Name": "target", "SecretString": "original", "ClientRequestToken": "00000000-0000-4000-8000-000000000001"}));
    assert_eq!(status, 200, "{made}");
    let cookie = sign_in(&server, &root.id, &root.secret);
    let token = csrf(&get(&server, "/console/secrets", Some(&cookie)));
    let put = |extra: &[(&str, &str)], csrf: &str| {
        post_form(
            &server,
            "/console/secret/value",
            Some(&cookie),
            extra,
            &[("csrf", csrf), ("id", "target"), ("value", "attacker")],
        )
    };
    // Without the token, with another token, from another origin, or
    // marked cross-site by the browser: refused, and nothing changes.
    for (extra, token, why) in [
        (&[][..], "", "no token"),
        (&[][..], "forged-token", "a wrong token"),
        (&[("Origin", "http://evil.example")][..], token.as_str(), "another origin"),
        (&[("Sec-Fetch-Site", "cross-site")][..], token.as_str(), "a cross-site request"),
    ] {
        let a = put(extra, token);
        assert_eq!(a.status, 403, "{why}: {}", a.body);
        assert!(a.body.contains("Nothing was changed"), "{why}");
        assert_eq!(value(&server, &root, "target"), "original", "{why}");
    }
    // The console's own form goes through.
    let origin = format!("http://{}", server.addr);
    let a = put(&[("Origin", &origin), ("Sec-Fetch-Site", "same-origin")], &token);
    // Then to a page to GET (reloading it sends nothing again).
    assert_eq!(a.status, 303, "{}", a.body);
    assert!(a.header("location").unwrap().starts_with("/console/secret/versions?id=target&done=stored&version="));
    assert_eq!(value(&server, &root, "target"), "attacker");
    // Signing in is refused from another site too (login CSRF: a victim
    // signed in as the attacker).
    let a = post_form(
        &server,
        "/console/signin",
        None,
        &[("Origin", "http://evil.example")],
        &[("access_key_id", &root.id), ("secret_access_key", &root.secret), ("region", "us-east-1")],
    );
    assert_eq!(a.status, 403);
    assert!(a.session_cookie().is_none());
}

#[test]
fn every_sign_in_makes_a_new_session() {
    let server = Server::start_signed(&[]);
    let root = Keys::admin(&server);
    let (_, user) = server.signed(&root, "rekey.CreateUser", &json!({"UserName": "victim"}));
    assert!(user["User"].is_object());
    let (_, key) = server.signed(&root, "rekey.CreateAccessKey", &json!({"UserName": "victim"}));
    let victim = Keys::from_json(&key["AccessKey"]);
    // The attacker plants its own valid session cookie in the victim's
    // browser; the victim then signs in.
    let planted = sign_in(&server, &root.id, &root.secret);
    let a = post_form(
        &server,
        "/console/signin",
        Some(&planted),
        &[],
        &[("access_key_id", &victim.id), ("secret_access_key", &victim.secret), ("region", "us-east-1")],
    );
    assert_eq!(a.status, 303);
    let fresh = a.session_cookie().expect("a new cookie");
    assert_ne!(fresh, planted, "sign-in never keeps the cookie the browser brought");
    // Two sign-ins with the same key are two sessions.
    assert_ne!(sign_in(&server, &victim.id, &victim.secret), fresh);
    // A made-up cookie is no session.
    let a = get(&server, "/console/secrets", Some("rekey_console=eyJrIjoiQVNJQUZBS0UifQ"));
    assert_eq!((a.status, a.header("location")), (303, Some("/console/signin")));
}

#[test]
fn the_cookie_is_http_only_strict_and_lasts_as_the_session() {
    let server = Server::start_signed(&[]);
    let root = Keys::admin(&server);
    let a = post_form(
        &server,
        "/console/signin",
        None,
        &[],
        &[
            ("access_key_id", &root.id),
            ("secret_access_key", &root.secret),
            ("region", "us-east-1"),
            ("duration", "14400"),
        ],
    );
    let set = a.all("set-cookie").into_iter().find(|c| c.starts_with("rekey_console=")).unwrap().to_string();
    for flag in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(set.contains(flag), "{flag}: {set}");
    }
    let max_age: i64 = set.split("Max-Age=").nth(1).unwrap().split(';').next().unwrap().parse().unwrap();
    assert!((14_390..=14_400).contains(&max_age), "the cookie lasts as the 4-hour session: {max_age}");
    // Plain HTTP here: a Secure cookie would never come back.
    assert!(!set.contains("Secure"));
    // The sign-out ends the credentials: a copy of the cookie is worthless.
    let cookie = a.session_cookie().unwrap();
    let token = csrf(&get(&server, "/console/secrets", Some(&cookie)));
    let out = post_form(&server, "/console/signout", Some(&cookie), &[], &[("csrf", &token)]);
    assert_eq!(out.status, 303);
    assert!(out.all("set-cookie").iter().any(|c| c.starts_with("rekey_console=;") && c.contains("Max-Age=0")));
    let stolen = get(&server, "/console/secrets", Some(&cookie));
    assert_eq!(stolen.status, 303, "{}", stolen.body);
    assert!(stolen.header("location").unwrap().starts_with("/console/signin?ended="));
    // The same credentials through the API are refused too.
    let json = cookie.strip_prefix("rekey_console=").unwrap();
    let decoded = String::from_utf8(base64_url(json)).unwrap();
    let creds: serde_json::Value = serde_json::from_str(&decoded).unwrap();
    let keys = Keys {
        id: creds["k"].as_str().unwrap().into(),
        secret: creds["s"].as_str().unwrap().into(),
        token: creds["t"].as_str().map(str::to_string),
    };
    let (status, err) = server.signed(&keys, "secretsmanager.ListSecrets", &json!({}));
    assert_eq!((status, err["__type"].as_str()), (400, Some("UnrecognizedClientException")), "{err}");
}

fn base64_url(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(s).unwrap()
}

#[test]
fn no_value_is_cached_and_every_page_has_its_policy() {
    let server = Server::start_signed(&[]);
    let root = Keys::admin(&server);
    server.signed(
        &root,
        "secretsmanager.CreateSecret",
        &json!({"Name": "cached", "SecretString": "do-not-cache-me", "ClientRequestToken": "00000000-0000-4000-8000-000000000002", "Description": "<script>alert(1)</script><img src=x onerror=alert(2)>",
                "Tags": [{"Key": "<b>k</b>", "Value": "\"><svg onload=alert(3)>"}]}),
    );
    let cookie = sign_in(&server, &root.id, &root.secret);
    let list = get(&server, "/console/secrets", Some(&cookie));
    let token = csrf(&list);
    let pages = [
        "/console/signin",
        "/console/secrets",
        "/console/secrets?name=cached",
        "/console/secret?id=cached",
        "/console/secret/versions?id=cached",
        "/console/secret/rotation?id=cached",
        "/console/secret/rotation/live?id=cached",
        "/console/preview?days=3",
        "/console/schedule",
        "/console/audit",
        "/console/admin",
        "/console/admin/account",
        "/console/no-such-page",
    ];
    let mut answers: Vec<(String, common::web::Answer)> =
        pages.iter().map(|p| (p.to_string(), get(&server, p, Some(&cookie)))).collect();
    let version = {
        let (_, v) = server.signed(&root, "secretsmanager.GetSecretValue", &json!({"SecretId": "cached"}));
        v["VersionId"].as_str().unwrap().to_string()
    };
    let reveal = post_form(
        &server,
        "/console/secret/reveal",
        Some(&cookie),
        &[],
        &[("csrf", &token), ("id", "cached"), ("version", &version)],
    );
    assert!(reveal.body.contains("do-not-cache-me"), "revealed: {}", reveal.body);
    answers.push(("reveal".into(), reveal));
    // A malformed form or query is refused by the framework, with the
    // console's headers all the same.
    let malformed = post_form(&server, "/console/secret/reveal", Some(&cookie), &[], &[("csrf", &token)]);
    assert_eq!(malformed.status, 422);
    answers.push(("malformed form".into(), malformed));
    let malformed = get(&server, "/console/secrets?size=many", Some(&cookie));
    assert_eq!(malformed.status, 400);
    answers.push(("malformed query".into(), malformed));
    // The sign-in page says only what the console wrote for each reason.
    let told = get(&server, "/console/signin?ended=Call+555-0100+to+unlock+your+account", None);
    assert!(!told.body.contains("555-0100"));
    for (page, a) in &answers {
        assert_ne!(a.status, 500, "{page}: {}", a.body);
        assert_eq!(a.header("cache-control"), Some("no-store"), "{page}");
        let csp = a.header("content-security-policy").unwrap_or_else(|| panic!("{page}: no CSP"));
        for directive in ["default-src 'none'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"] {
            assert!(csp.contains(directive), "{page}: {csp}");
        }
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{page}: {csp}");
        assert_eq!(a.header("x-content-type-options"), Some("nosniff"), "{page}");
        // A tenant's text is text: no tag of it reaches the page.
        for injected in ["<script>alert", "<img src=x", "<svg onload", "<b>k</b>"] {
            assert!(!a.body.contains(injected), "{page} carries {injected}");
        }
        // No page has inline script or style for the policy to forbid.
        assert!(!a.body.contains("<script>") && !a.body.contains(" style="), "{page}");
    }
    let overview = &answers.iter().find(|(p, _)| p == "/console/secret?id=cached").unwrap().1;
    assert!(overview.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the description shown as text");
    // Only the two static files may be cached, and they hold no one's data.
    for asset in ["console.css", "console.js"] {
        let path = format!("/console/assets/{}/{asset}", env!("CARGO_PKG_VERSION"));
        let a = get(&server, &path, None);
        assert_eq!(a.status, 200, "{path}");
        assert_eq!(a.header("cache-control"), Some("public, max-age=3600"));
        assert!(a.header("content-security-policy").is_some());
    }
}

#[test]
fn a_sign_in_link_signs_in_once() {
    let server = Server::start_signed(&[]);
    let root = Keys::admin(&server);
    server.signed(&root, "rekey.CreateUser", &json!({"UserName": "newcomer"}));
    let out = std::process::Command::new(common::binary())
        .args(["admin", "sign-in-link", "--user-name", "newcomer", "--profile", "rekey-admin"])
        .args(["--endpoint-url", &server.url()])
        .env("AWS_SHARED_CREDENTIALS_FILE", server.admin_credentials())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let link = out["SignInLink"].as_str().unwrap().to_string();
    let path = link.strip_prefix(&server.url()).unwrap().to_string();
    let token = path.split("c=").nth(1).unwrap().to_string();
    // Opening the link (a mail scanner, a preview) uses nothing.
    for _ in 0..2 {
        let a = get(&server, &path, None);
        assert_eq!(a.status, 200);
        assert!(a.session_cookie().is_none());
    }
    let use_it = || post_form(&server, "/console/link", None, &[], &[("c", &token)]);
    let first = use_it();
    assert_eq!(first.status, 303, "{}", first.body);
    let cookie = first.session_cookie().unwrap();
    // Signed in as the newcomer, who may do nothing yet: the API says so.
    let page = get(&server, "/console/secrets", Some(&cookie));
    assert_eq!(page.status, 403);
    assert!(page.body.contains("arn:aws:iam::000000000000:user/newcomer is not authorized"), "{}", page.body);
    let again = use_it();
    assert_ne!(again.status, 303);
    assert!(again.session_cookie().is_none());
    assert!(again.body.contains("The security token included in the request is invalid"), "{}", again.body);
    // Only the administrator makes links, and not with session credentials.
    let (_, session) = server.signed(&root, "rekey.GetSessionToken", &json!({}));
    let session = Keys::from_json(&session["Credentials"]);
    let (status, err) = server.signed(&session, "rekey.CreateSignInLink", &json!({"UserName": "newcomer"}));
    assert_eq!((status, err["Message"].as_str()), (400, Some("Cannot call CreateSignInLink with session credentials")));
    let (_, key) = server.signed(&root, "rekey.CreateAccessKey", &json!({"UserName": "newcomer"}));
    let newcomer = Keys::from_json(&key["AccessKey"]);
    let (status, err) = server.signed(&newcomer, "rekey.CreateSignInLink", &json!({}));
    assert_eq!(status, 400);
    assert_eq!(err["__type"], "AccessDeniedException", "{err}");
    // Ordinary session credentials are no link: they cannot be exchanged.
    let (_, own) = server.signed(&newcomer, "rekey.GetSessionToken", &json!({}));
    let own = Keys::from_json(&own["Credentials"]);
    let (status, err) = server.signed(&own, "rekey.RedeemSignInLink", &json!({}));
    assert_eq!((status, err["Message"].as_str()), (400, Some("These credentials are not a sign-in link.")));
}
