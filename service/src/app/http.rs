//! Shared pieces of the routes: request ids, the bearer token, bodies and
//! media types, JSON answers.

use super::*;

/// Drops a client's request id that is too long or holds characters other
/// than letters, digits, `-`, `_`, `.` and `:`, so that a fresh one is made:
/// request ids go into every log line.
pub(super) fn drop_odd_request_id(
    mut request: axum::http::Request<Body>,
) -> axum::http::Request<Body> {
    let odd = request.headers().get_all(REQUEST_ID).iter().count() > 1
        || request.headers().get(REQUEST_ID).is_some_and(|v| {
            v.len() > MAX_REQUEST_ID_LEN
                || !v
                    .as_bytes()
                    .iter()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.:".contains(b))
        });
    if odd {
        request.headers_mut().remove(REQUEST_ID);
    }
    request
}

/// Lets a backend request through only with the configured bearer token.
pub(super) async fn authorize(
    State(inner): State<Arc<Inner>>,
    request: Request,
    next: Next,
) -> Response {
    // The scheme is case-insensitive (RFC 9110 §11.1).
    let given = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes())
        .and_then(|v| match v.split_at_checked(7) {
            Some((scheme, token)) if scheme.eq_ignore_ascii_case(b"bearer ") => Some(token),
            _ => None,
        })
        .unwrap_or_default();
    let expected = inner.config.token.expose();
    if bool::from(given.ct_eq(expected)) {
        next.run(request).await
    } else {
        ApiError::unauthorized().into_response()
    }
}

pub(super) fn json_response(status: StatusCode, value: &Value) -> Response {
    (status, Json(value)).into_response()
}

/// Reads a body of at most `limit` bytes.
pub(super) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::too_large(limit));
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(s) = source {
            if s.is::<http_body_util::LengthLimitError>() {
                return ApiError::too_large(limit);
            }
            source = s.source();
        }
        ApiError::bad_request("bad_body", "the body could not be read")
    })
}

/// The media type of a request, lower case, without parameters.
pub(super) fn media_type(headers: &HeaderMap) -> Option<String> {
    let v = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let t = v.split(';').next()?.trim().to_ascii_lowercase();
    Some(t)
}
