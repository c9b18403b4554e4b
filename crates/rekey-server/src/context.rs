//! Building the request context from a request.
//!
//! The region comes from the SigV4 credential scope, the account from the
//! access key. Until signature verification lands, only `--dev` runs: any
//! credentials are accepted, and an access key id of exactly 12 digits
//! selects that account (as LocalStack does).

use axum::http::HeaderMap;
use rekey_model::name::{AccountId, Namespace, Region};
use rekey_service::{Principal, RequestContext};

/// Who the server assumes callers are when it cannot tell.
#[derive(Debug, Clone)]
pub struct DevIdentity {
    /// Account of callers whose key is not a 12-digit account id.
    pub default_account: AccountId,
    /// Region of requests without a credential scope.
    pub default_region: Region,
}

/// The access key id and region of a request's credential, from the
/// `Authorization` header (`Credential=AKID/date/region/service/aws4_request`)
/// or the presigned `X-Amz-Credential` query parameter.
pub fn credential_scope(headers: &HeaderMap, query: Option<&str>) -> Option<(String, String)> {
    let from_header = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|a| a.split("Credential=").nth(1))
        .map(|c| c.split([',', ' ']).next().unwrap_or_default().to_string());
    let from_query = || {
        query?
            .split('&')
            .find_map(|kv| kv.strip_prefix("X-Amz-Credential="))
            .map(|c| c.replace("%2F", "/").replace("%2f", "/"))
    };
    let credential = from_header.or_else(from_query)?;
    let mut parts = credential.split('/');
    let key = parts.next()?.to_string();
    let _date = parts.next()?;
    let region = parts.next()?.to_string();
    (!key.is_empty() && !region.is_empty()).then_some((key, region))
}

impl DevIdentity {
    /// The context of a request in `--dev` mode.
    pub fn context(&self, headers: &HeaderMap, query: Option<&str>, request_id: String) -> RequestContext {
        let (key, region) = credential_scope(headers, query)
            .unwrap_or_else(|| ("dev".to_string(), self.default_region.as_str().to_string()));
        let account = AccountId::parse(&key).unwrap_or_else(|| self.default_account.clone());
        RequestContext {
            principal: Principal {
                arn: format!("arn:aws:iam::{account}:root"),
                account: account.clone(),
                access_key_id: key,
            },
            namespace: Namespace { account, region: Region::new(region) },
            request_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let ctx = dev.context(&h, None, "r".into());
        assert_eq!(ctx.namespace.region.as_str(), "eu-west-3");
        assert_eq!(ctx.namespace.account.as_str(), "123456789012");
        let ctx = dev.context(
            &HeaderMap::new(),
            Some("X-Amz-Credential=AKIDEXAMPLE%2F20260101%2Fap-south-1%2Fsecretsmanager%2Faws4_request"),
            "r".into(),
        );
        assert_eq!(ctx.namespace.region.as_str(), "ap-south-1");
        assert_eq!(ctx.namespace.account.as_str(), "000000000000");
    }
}
