//! The service's errors as HTTP responses: a status and one line of JSON,
//! `{"error": "<stable code>", "message": "<text>"}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// An error answer: a status, a stable code that clients can match on, and a
/// message for people. Neither ever holds a secret (a token, a transaction
/// id, a presentation) or a verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable code, in snake case.
    pub code: &'static str,
    /// What went wrong, for people.
    pub message: String,
    /// The 1-based column of a policy's error, when the parser gives one.
    pub column: Option<usize>,
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
}

impl ApiError {
    /// An error with `status`, `code` and `message`.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            column: None,
        }
    }

    /// 400 with `code`.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: the bearer token is missing or wrong.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "a valid bearer token is required",
        )
    }

    /// 404: no such transaction.
    pub fn unknown_transaction() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_transaction",
            "no transaction with this id",
        )
    }

    /// 404: no such request.
    pub fn unknown_request() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_request",
            "no request with this id was issued by this verifier",
        )
    }

    /// 404: no such epoch list.
    pub fn unknown_list() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "unknown_list",
            "this verifier holds no epoch list with this digest",
        )
    }

    /// 413: the body is larger than `limit` bytes.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is larger than {limit} bytes"),
        )
    }

    /// 415: the body's content type is not one of `accepted`.
    pub fn unsupported_media_type(accepted: &str) -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!("the content type must be {accepted}"),
        )
    }

    /// 503: the store did not answer. The cause goes to the log, not to the
    /// client.
    pub fn store_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            "the verifier's store is unavailable; try again later",
        )
    }

    /// 503: the service is shutting down or its queue is full.
    pub fn busy(message: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "busy", message)
    }

    /// 503: the service runs without the wallet page's WebAssembly package.
    pub fn wallet_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "wallet_unavailable",
            "the wallet page is not served here: the service was started without the \
             WebAssembly package (build it with wasm/build.sh; see wallet_pkg in the \
             configuration)",
        )
    }

    /// 500: something that should not happen; the cause goes to the log.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Body {
            error: self.code,
            message: &self.message,
            column: self.column,
        };
        let json = serde_json::to_vec(&body)
            .unwrap_or_else(|_| br#"{"error":"internal","message":"internal error"}"#.to_vec());
        let mut response = (self.status, json).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        response
    }
}
