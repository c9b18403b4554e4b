//! The awsJson1.1 wire protocol: `POST /` with `X-Amz-Target:
//! secretsmanager.<Operation>`, JSON bodies, errors as
//! `{"__type": "<Code>", "Message": "<text>"}`, and `x-amzn-RequestId` on
//! every response.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rekey_model::ApiError;
use rekey_model::api::Operation;
use rekey_model::request_id::RequestId;

/// The target prefix of the service.
pub const TARGET_PREFIX: &str = "secretsmanager.";
/// The content type of requests and responses.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// `X-Amz-Target`, the operation a request asks for.
pub const X_AMZ_TARGET: HeaderName = HeaderName::from_static("x-amz-target");

/// The operation an `X-Amz-Target` header names.
pub fn operation(headers: &HeaderMap) -> Result<Operation, ApiError> {
    headers
        .get(X_AMZ_TARGET)
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .and_then(Operation::from_name)
        .ok_or_else(ApiError::unknown_operation)
}

/// The rekey admin operation an `X-Amz-Target: rekey.<Op>` header names.
pub fn admin_operation(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(X_AMZ_TARGET)
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.strip_prefix(rekey_service::admin::ADMIN_TARGET_PREFIX))
}

fn with_headers(mut r: Response, request_id: RequestId) -> Response {
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    let mut id = [0u8; 36];
    if let Ok(v) = HeaderValue::from_str(request_id.encode(&mut id)) {
        h.insert("x-amzn-requestid", v);
    }
    r
}

/// A successful answer.
pub fn ok(body: Vec<u8>, request_id: RequestId) -> Response {
    with_headers((StatusCode::OK, body).into_response(), request_id)
}

/// An error answer.
pub fn error(e: &ApiError, request_id: RequestId) -> Response {
    let status = StatusCode::from_u16(e.code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = if e.message.is_empty() {
        serde_json::json!({ "__type": e.code.as_str() })
    } else {
        serde_json::json!({ "__type": e.code.as_str(), "Message": e.message })
    };
    with_headers((status, body.to_string()).into_response(), request_id)
}
