//! The operators' routes and the verifier's desk.

use super::*;

/// `GET /healthz`: the process is up.
/// `GET /desk` and its files: the verifier's desk, with its
/// Content-Security-Policy.
pub(super) async fn desk_file(uri: axum::http::Uri) -> Response {
    let Some(asset) = desk::asset(uri.path()) else {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route").into_response();
    };
    let mut response = ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response();
    for (name, value) in desk::HEADERS {
        response
            .headers_mut()
            .insert(name, HeaderValue::from_static(value));
    }
    response
}

pub(super) async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

/// `GET /readyz`: the store answers.
pub(super) async fn readyz(State(inner): State<Arc<Inner>>) -> Result<Response, ApiError> {
    let store = Arc::clone(&inner.store);
    match tokio::time::timeout(
        PING_TIMEOUT,
        store_call(&inner, "ping", move || store.ping()),
    )
    .await
    {
        Ok(Ok(())) => Ok(json_response(StatusCode::OK, &json!({"status": "ready"}))),
        Ok(Err(_)) | Err(_) => Err(ApiError::store_unavailable()),
    }
}

/// `GET /metrics`.
pub(super) async fn metrics_text(State(inner): State<Arc<Inner>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        inner.metrics.render(),
    )
        .into_response()
}
