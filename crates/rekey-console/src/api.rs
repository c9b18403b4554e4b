//! The console's API client: every page is built from API calls signed
//! (SigV4) with the signed-in principal's credentials, and handed to the
//! server's own API handler in process. The calls are authenticated,
//! authorized, audited and counted as any client's: the console can do
//! nothing its user could not do with the `aws` CLI.

use axum::body::Body;
use axum::http::{Request, Response};
use rekey_sigv4::{Credentials, Request as ToSign, sign};
use serde_json::Value;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use zeroize::Zeroizing;

/// The server's API handler (`POST /`), as the console calls it.
pub trait Api: Send + Sync + 'static {
    /// Serves one API request as if `peer` had sent it.
    fn call(
        &self,
        request: Request<Body>,
        peer: SocketAddr,
    ) -> Pin<Box<dyn Future<Output = Response<Body>> + Send + '_>>;

    /// The address a browser's request came from (the server's
    /// connection info, among the request's extensions).
    fn client_addr(&self, extensions: &axum::http::Extensions) -> SocketAddr;
}

/// An API call that failed: AWS's error code and message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The HTTP status.
    pub status: u16,
    /// The error code (`ResourceNotFoundException`…).
    pub code: String,
    /// The message, as the API gave it.
    pub message: String,
}

impl Failure {
    /// The console's own refusal of a parameter, in the API's words' shape.
    pub fn invalid(message: impl Into<String>) -> Self {
        Failure { status: 400, code: "InvalidParameterException".into(), message: message.into() }
    }

    /// Something went wrong between the console and the API.
    pub fn internal(message: impl Into<String>) -> Self {
        Failure { status: 500, code: "InternalServiceError".into(), message: message.into() }
    }

    /// Whether the credentials themselves were refused (expired,
    /// revoked, unknown): the browser must sign in again.
    pub fn signed_out(&self) -> bool {
        matches!(
            self.code.as_str(),
            "ExpiredTokenException"
                | "UnrecognizedClientException"
                | "InvalidSignatureException"
                | "MissingAuthenticationTokenException"
        )
    }

    /// Whether the caller may not do this.
    pub fn denied(&self) -> bool {
        self.code == "AccessDeniedException"
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.message.is_empty() { write!(f, "{}", self.code) } else { write!(f, "{}: {}", self.code, self.message) }
    }
}

/// Largest API answer the console reads (a page of 100 secrets with their
/// tags, or a page of audit records, fits many times over).
const MAX_ANSWER: usize = 16 * 1024 * 1024;

/// One principal's calls, from one browser.
pub struct Caller<'a> {
    /// The server's API.
    pub api: &'a dyn Api,
    /// What the calls are signed with.
    pub creds: &'a Credentials,
    /// The region signed for.
    pub region: &'a str,
    /// The browser's address (`aws:SourceIp` of every call).
    pub peer: SocketAddr,
    /// The browser's `User-Agent`, for the audit record.
    pub user_agent: &'a str,
}

impl Caller<'_> {
    /// Calls `target` with a typed request; the typed answer. The request
    /// is encoded, and the answer read, without a copy in between: a
    /// value travels only in the model's zeroizing types and in buffers
    /// wiped when dropped.
    pub async fn send<Q: serde::Serialize, A: serde::de::DeserializeOwned>(
        &self,
        target: &str,
        request: &Q,
    ) -> Result<A, Failure> {
        let body = Zeroizing::new(serde_json::to_vec(request).expect("a request encodes"));
        let answer = self.exchange(target, body).await?;
        serde_json::from_slice(&answer)
            .map_err(|e| Failure::internal(format!("The answer to {target} did not parse: {e}")))
    }

    /// Calls `target` (`secretsmanager.ListSecrets`, `rekey.LookupEvents`)
    /// with `body`; the answer's JSON, or the API's error. (For calls that
    /// carry no value: [`send`](Self::send) for those that do.)
    pub async fn call(&self, target: &str, body: &Value) -> Result<Value, Failure> {
        let answer =
            self.exchange(target, Zeroizing::new(serde_json::to_vec(body).expect("a request encodes"))).await?;
        if answer.is_empty() {
            return Ok(Value::Object(Default::default()));
        }
        serde_json::from_slice(&answer).map_err(|e| Failure::internal(format!("The answer is not JSON: {e}")))
    }

    /// Signs and sends one request; the answer's body, or the API's error.
    async fn exchange(&self, target: &str, body: Zeroizing<Vec<u8>>) -> Result<Zeroizing<Vec<u8>>, Failure> {
        let headers = vec![
            ("host".to_string(), "rekey-console".to_string()),
            ("content-type".to_string(), "application/x-amz-json-1.1".to_string()),
            ("x-amz-target".to_string(), target.to_string()),
        ];
        let signed = sign(
            ToSign { method: "POST", path: "/", headers, body: &body },
            self.creds,
            self.region,
            rekey_sigv4::verify::SERVICE,
            crate::now_ms(),
        );
        let mut request = Request::post("/");
        for (name, value) in &signed {
            request = request.header(name.as_str(), value.as_str());
        }
        let agent: String = format!("rekey-console ({})", self.user_agent).chars().take(256).collect();
        let request = request.header("user-agent", agent).body(wiped_body(body)).expect("a request builds");
        let response = self.api.call(request, self.peer).await;
        let status = response.status().as_u16();
        let bytes = axum::body::to_bytes(response.into_body(), MAX_ANSWER)
            .await
            .map_err(|e| Failure::internal(format!("The answer could not be read: {e}")))?;
        let answer = Zeroizing::new(bytes.to_vec());
        if status == 200 {
            return Ok(answer);
        }
        let json: Value = serde_json::from_slice(&answer).unwrap_or(Value::Null);
        let code = json["__type"].as_str().unwrap_or("InternalServiceError");
        // Some clients' error types carry a namespace (`aws.protocols#…`).
        let code = code.rsplit('#').next().unwrap_or(code).to_string();
        let message = json["Message"].as_str().or(json["message"].as_str()).unwrap_or_default().to_string();
        Err(Failure { status, code, message })
    }
}

/// A body wiped from memory when it is dropped (once sent).
pub fn wiped_body(bytes: Zeroizing<Vec<u8>>) -> Body {
    Body::from(axum::body::Bytes::from_owner(bytes))
}
