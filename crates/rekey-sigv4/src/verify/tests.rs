use super::*;
use crate::{Credentials, Request, sign};
use http::HeaderValue;
use rekey_model::ApiError;
use zeroize::Zeroizing;

const KEY: &str = "AKIDEXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// 2026-11-27T15:16:14Z, when the botocore vectors below were signed.
const SIGNED_MS: i64 = 1_795_792_574_000;
const BODY: &str = r#"{"SecretId":"x"}"#;

struct Keys;

impl SecretKeys for Keys {
    fn secret_key(&self, access_key_id: &str) -> Option<&str> {
        (access_key_id == KEY).then_some(SECRET)
    }
}

fn credentials() -> Credentials {
    Credentials { access_key_id: KEY.into(), secret_access_key: Zeroizing::new(SECRET.into()), session_token: None }
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(HeaderName::from_bytes(k.as_bytes()).unwrap(), HeaderValue::from_str(v).unwrap());
    }
    h
}

/// Signed by botocore's SigV4Auth (a vector, not our own signer).
fn botocore_headers() -> Vec<(&'static str, String)> {
    vec![
        ("host", "127.0.0.1:4584".into()),
        ("content-type", "application/x-amz-json-1.1".into()),
        ("x-amz-target", "secretsmanager.GetSecretValue".into()),
        ("x-amz-date", "20261127T151614Z".into()),
        (
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/secretsmanager/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=163e013fa705897892a80b62f7bdf06b14058a0d361e87581d427ccfb7dac309".into(),
        ),
    ]
}

fn verify(pairs: &[(&str, String)], query: Option<&str>, body: &str, now: i64) -> Result<Verified<'static>, ApiError> {
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let h = headers(&refs);
    let req = Incoming {
        method: if query.is_some() { "GET" } else { "POST" },
        path: "/",
        query,
        headers: &h,
        body: body.as_bytes(),
    };
    super::verify(&req, now, &Keys)
        .map_err(ApiError::from)
        .map(|v| Verified { access_key_id: v.access_key_id.into_owned().into(), region: v.region.into_owned().into() })
}

fn code(r: Result<Verified<'_>, ApiError>) -> (String, String) {
    let e = r.unwrap_err();
    (e.code.as_str().to_string(), e.message)
}

fn with(pairs: &[(&'static str, String)], name: &'static str, value: &str) -> Vec<(&'static str, String)> {
    let mut out: Vec<_> = pairs.iter().filter(|(k, _)| *k != name).cloned().collect();
    out.push((name, value.to_string()));
    out
}

#[test]
fn accepts_botocore_signatures() {
    let v = verify(&botocore_headers(), None, BODY, SIGNED_MS + 60_000).unwrap();
    assert_eq!(v, Verified { access_key_id: KEY.into(), region: "us-east-1".into() });
    let presigned = "Action=x&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIDEXAMPLE%2F20261127%2Fus-east-1%2Fsecretsmanager%2Faws4_request&X-Amz-Date=20261127T151614Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature=14ece0158aa6bb90d989b469d48061f399bd52b69223e3652f7483a7ca51e4ae";
    verify(&[("host", "127.0.0.1:4584".into())], Some(presigned), "", SIGNED_MS).unwrap();
    let expired = verify(&[("host", "127.0.0.1:4584".into())], Some(presigned), "", SIGNED_MS + 301_000);
    assert_eq!(code(expired), ("InvalidSignatureException".into(), "Request has expired".into()));
    let tampered = presigned.replace("Action=x", "Action=y");
    assert_eq!(
        code(verify(&[("host", "127.0.0.1:4584".into())], Some(&tampered), "", SIGNED_MS)).0,
        "InvalidSignatureException"
    );
}

#[test]
fn accepts_our_own_signer() {
    let signed = sign(
        Request {
            method: "POST",
            path: "/",
            headers: vec![
                ("host".into(), "localhost".into()),
                ("x-amz-target".into(), "secretsmanager.ListSecrets".into()),
            ],
            body: b"{}",
        },
        &credentials(),
        "eu-west-1",
        "secretsmanager",
        SIGNED_MS,
    );
    let pairs: Vec<(&str, String)> =
        signed.iter().map(|(k, v)| (Box::leak(k.clone().into_boxed_str()) as &str, v.clone())).collect();
    assert_eq!(verify(&pairs, None, "{}", SIGNED_MS).unwrap().region, "eu-west-1");
}

#[test]
fn tampering_and_wrong_keys_are_refused() {
    let ok = botocore_headers();
    let mismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (ok.clone(), r#"{"SecretId":"y"}"#),
        (with(&ok, "x-amz-target", "secretsmanager.DeleteSecret"), BODY),
        (with(&ok, "host", "evil.example"), BODY),
    ];
    for (pairs, body) in cases {
        assert_eq!(code(verify(&pairs, None, body, SIGNED_MS)), ("InvalidSignatureException".into(), mismatch.into()));
    }
    let auth = ok.iter().find(|(k, _)| *k == "authorization").unwrap().1.clone();
    let unknown = with(&ok, "authorization", &auth.replace("AKIDEXAMPLE", "AKIDUNKNOWN"));
    assert_eq!(
        code(verify(&unknown, None, BODY, SIGNED_MS)),
        ("UnrecognizedClientException".into(), "The security token included in the request is invalid.".into())
    );
    let wrong_region = with(&ok, "authorization", &auth.replace("us-east-1", "us-west-2"));
    assert_eq!(code(verify(&wrong_region, None, BODY, SIGNED_MS)).1, mismatch);
    let wrong_service = with(&ok, "authorization", &auth.replace("/secretsmanager/", "/kms/"));
    assert_eq!(
        code(verify(&wrong_service, None, BODY, SIGNED_MS)),
        (
            "InvalidSignatureException".into(),
            "Credential should be scoped to correct service: 'secretsmanager'. ".into()
        )
    );
    let wrong_day = with(&ok, "authorization", &auth.replace("/20261127/", "/20261126/"));
    assert_eq!(
        code(verify(&wrong_day, None, BODY, SIGNED_MS)).1,
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261126' != '20261127', from '20261127T151614Z'."
    );
}

#[test]
fn dates_outside_the_skew_are_refused() {
    let ok = botocore_headers();
    let late = SIGNED_MS + MAX_SKEW_MS + 1000;
    assert_eq!(
        code(verify(&ok, None, BODY, late)),
        (
            "InvalidSignatureException".into(),
            "Signature expired: 20261127T151614Z is now earlier than 20261127T151615Z (20261127T153115Z - 15 min.)"
                .into()
        )
    );
    let early = SIGNED_MS - MAX_SKEW_MS - 1000;
    assert_eq!(
        code(verify(&ok, None, BODY, early)).1,
        "Signature not yet current: 20261127T151614Z is still later than 20261127T151613Z (20261127T150113Z + 15 min.)"
    );
}

#[test]
fn missing_pieces_get_aws_errors() {
    assert_eq!(
        code(verify(&[("host", "h".into())], None, BODY, SIGNED_MS)),
        ("MissingAuthenticationTokenException".into(), "Missing Authentication Token".into())
    );
    let ok = botocore_headers();
    let no_date: Vec<_> = ok.iter().filter(|(k, _)| *k != "x-amz-date").cloned().collect();
    assert_eq!(code(verify(&no_date, None, BODY, SIGNED_MS)).0, "IncompleteSignatureException");
    let partial = with(
        &ok,
        "authorization",
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261127/us-east-1/secretsmanager/aws4_request",
    );
    let (kind, message) = code(verify(&partial, None, BODY, SIGNED_MS));
    assert_eq!(kind, "IncompleteSignatureException");
    assert!(message.starts_with("Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. "), "{message}");
    let auth = ok.iter().find(|(k, _)| *k == "authorization").unwrap().1.clone();
    let no_host = with(&ok, "authorization", &auth.replace("content-type;host;", "content-type;"));
    assert_eq!(
        code(verify(&no_host, None, BODY, SIGNED_MS)).1,
        "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
    );
}

#[test]
fn scopes_and_fields_split_as_the_credential_grammar_says() {
    // The key id may itself hold `/`: the scope is the last four pieces.
    assert_eq!(
        split_scope("AK/ID/20261127/us-east-1/secretsmanager/aws4_request"),
        Some(["AK/ID", "20261127", "us-east-1", "secretsmanager", "aws4_request"])
    );
    assert_eq!(
        split_scope("/20261127/us-east-1/secretsmanager/aws4_request"),
        Some(["", "20261127", "us-east-1", "secretsmanager", "aws4_request"])
    );
    assert_eq!(split_scope("20261127/us-east-1/secretsmanager/aws4_request"), None);
    assert_eq!(fields("a;b;;c", b';').collect::<Vec<_>>(), ["a", "b", "", "c"]);
    assert_eq!(fields("", b';').collect::<Vec<_>>(), [""]);
    assert_eq!(fields("x,", b',').collect::<Vec<_>>(), ["x", ""]);
}

#[test]
fn a_repeated_signed_header_is_canonical_with_its_values_joined() {
    // Two `x-amz-meta` values, signed by our own signer as one joined value.
    let signed = sign(
        Request {
            method: "POST",
            path: "/",
            headers: vec![("host".into(), "h".into()), ("x-amz-meta".into(), "a,b".into())],
            body: BODY.as_bytes(),
        },
        &credentials(),
        "us-east-1",
        "secretsmanager",
        SIGNED_MS,
    );
    // Sent as two header lines, as a client may.
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (k, v) in &signed {
        if k == "x-amz-meta" {
            pairs.push((k, "a".into()));
            pairs.push((k, "b".into()));
        } else {
            pairs.push((k, v.clone()));
        }
    }
    assert!(verify(&pairs, None, BODY, SIGNED_MS).is_ok(), "values of one name are joined by ','");
    let one: Vec<_> = pairs.iter().filter(|(k, v)| *k != "x-amz-meta" || v == "a").cloned().collect();
    assert_eq!(
        code(verify(&one, None, BODY, SIGNED_MS)).0,
        "InvalidSignatureException",
        "a value left out changes the canonical request"
    );
}

/// A request signed over `signed` headers only (by hand, as an attacker
/// would), with `payload` as the payload hash, then sent with `extra`
/// headers added after signing.
fn signed_over(
    signed: &[(&str, &str)],
    extra: &[(&str, &str)],
    payload: &str,
    region: &str,
) -> Vec<(&'static str, String)> {
    use crate::canonical::{amz_dates, canonical_headers};
    use crate::key::{signature, signing_key, string_to_sign};
    let (date, stamp) = amz_dates(SIGNED_MS);
    let mut headers: Vec<(String, String)> = signed.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    headers.push(("x-amz-date".into(), stamp.clone()));
    headers.sort();
    let names: Vec<&str> = headers.iter().map(|(k, _)| k.as_str()).collect();
    let names = names.join(";");
    let canonical = format!("POST\n/\n\n{}\n{names}\n{payload}", canonical_headers(&headers));
    let scope = format!("{date}/{region}/secretsmanager/aws4_request");
    let key = signing_key(SECRET, &date, region, "secretsmanager");
    let sig = hex::encode(signature(&key, &string_to_sign(&stamp, &scope, &canonical)));
    let mut out: Vec<(&'static str, String)> =
        headers.into_iter().map(|(k, v)| (&*Box::leak(k.into_boxed_str()), v)).collect();
    for (k, v) in extra {
        out.push((Box::leak(k.to_string().into_boxed_str()), v.to_string()));
    }
    out.push((
        "authorization",
        format!("AWS4-HMAC-SHA256 Credential={KEY}/{scope}, SignedHeaders={names}, Signature={sig}"),
    ));
    out
}

fn body_hash() -> String {
    crate::canonical::sha256_hex(BODY.as_bytes())
}

#[test]
fn a_request_signed_without_its_target_cannot_be_retargeted() {
    let host = ("host", "127.0.0.1:4584");
    // Signed over host and date only; the operation added afterwards.
    let retargeted =
        signed_over(&[host], &[("x-amz-target", "secretsmanager.DeleteSecret")], &body_hash(), "us-east-1");
    assert_eq!(
        code(verify(&retargeted, None, BODY, SIGNED_MS)),
        (
            "InvalidSignatureException".into(),
            "'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.".into()
        )
    );
    // The same request with its target signed passes: the check is what refused it.
    let honest =
        signed_over(&[host, ("x-amz-target", "secretsmanager.DescribeSecret")], &[], &body_hash(), "us-east-1");
    assert!(verify(&honest, None, BODY, SIGNED_MS).is_ok());
    // A session token must be signed too, and the date.
    let token = signed_over(
        &[host, ("x-amz-target", "secretsmanager.DescribeSecret")],
        &[("x-amz-security-token", "t")],
        &body_hash(),
        "us-east-1",
    );
    assert_eq!(
        code(verify(&token, None, BODY, SIGNED_MS)).1,
        "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS Authorization."
    );
    let auth = honest.iter().find(|(k, _)| *k == "authorization").unwrap().1.clone();
    let undated = with(&honest, "authorization", &auth.replace("host;x-amz-date;", "host;"));
    assert_eq!(
        code(verify(&undated, None, BODY, SIGNED_MS)).1,
        "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization."
    );
}

#[test]
fn unsigned_payloads_are_refused() {
    let host = ("host", "127.0.0.1:4584");
    let target = ("x-amz-target", "secretsmanager.DescribeSecret");
    // A valid signature over UNSIGNED-PAYLOAD would let the body be swapped.
    let unsigned = signed_over(
        &[host, target, ("x-amz-content-sha256", "UNSIGNED-PAYLOAD")],
        &[],
        "UNSIGNED-PAYLOAD",
        "us-east-1",
    );
    let (kind, message) = code(verify(&unsigned, None, r#"{"SecretId":"other"}"#, SIGNED_MS));
    assert_eq!(kind, "InvalidSignatureException");
    assert!(message.starts_with("Unsigned or streaming payloads are not accepted"), "{message}");
    // A declared hash is checked against the body.
    let declared = signed_over(&[host, target, ("x-amz-content-sha256", &body_hash())], &[], &body_hash(), "us-east-1");
    assert!(verify(&declared, None, BODY, SIGNED_MS).is_ok());
    assert_eq!(
        code(verify(&declared, None, r#"{"SecretId":"other"}"#, SIGNED_MS)).1,
        "The provided 'x-amz-content-sha256' header does not match what was computed."
    );
}

#[test]
fn the_region_must_be_a_region() {
    let host = ("host", "127.0.0.1:4584");
    let target = ("x-amz-target", "secretsmanager.DescribeSecret");
    for region in ["x:111111111111", "us-east-1:222222222222", "US-EAST-1"] {
        let odd = signed_over(&[host, target], &[], &body_hash(), region);
        assert_eq!(
            code(verify(&odd, None, BODY, SIGNED_MS)),
            ("InvalidSignatureException".into(), "Credential should be scoped to a valid region. ".into()),
            "{region}"
        );
    }
    assert!(verify(&signed_over(&[host, target], &[], &body_hash(), "eu-central-2"), None, BODY, SIGNED_MS).is_ok());
}

#[test]
fn dev_mode_reads_the_scope_of_any_credential() {
    let scope = |pairs: &[(&str, &str)], query| {
        let h = headers(pairs);
        let req = Incoming { method: "POST", path: "/", query, headers: &h, body: b"" };
        credential_scope(&req).map(|(k, r)| (k.into_owned(), r.into_owned()))
    };
    let auth = "AWS4-HMAC-SHA256 Credential=123456789012/20260101/eu-west-3/secretsmanager/aws4_request, Signature=abc";
    assert_eq!(scope(&[("authorization", auth)], None), Some(("123456789012".into(), "eu-west-3".into())));
    assert_eq!(
        scope(&[], Some("X-Amz-Credential=AKID%2F20260101%2Fap-south-1%2Fsecretsmanager%2Faws4_request")),
        Some(("AKID".into(), "ap-south-1".into()))
    );
    assert_eq!(scope(&[("authorization", "AWS4-HMAC-SHA256 Credential=k")], None), None);
    assert_eq!(scope(&[("authorization", "Bearer x")], None), None);
    assert_eq!(scope(&[], None), None);
}
