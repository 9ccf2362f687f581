//! The operators' routes, the verifier's desk and the browser wallet.

use super::*;

/// `GET /desk` and its files: the verifier's desk, with its
/// Content-Security-Policy.
pub(super) async fn desk_file(uri: axum::http::Uri) -> Response {
    let Some(asset) = desk::asset(uri.path()) else {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route").into_response();
    };
    let response = ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response();
    with_headers(response, &desk::HEADERS)
}

/// The page's headers on `response`.
fn with_headers(mut response: Response, headers: &[(&str, &'static str)]) -> Response {
    for (name, value) in headers {
        if let Ok(name) = header::HeaderName::from_bytes(name.as_bytes()) {
            response
                .headers_mut()
                .insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

/// `GET /wallet` and its files: the browser wallet, with its
/// Content-Security-Policy; 503 when the service runs without the
/// WebAssembly package.
pub(super) async fn wallet_file(State(inner): State<Arc<Inner>>, uri: axum::http::Uri) -> Response {
    if inner.wallet_package.is_none() {
        return ApiError::wallet_unavailable().into_response();
    }
    let Some(asset) = wallet_page::asset(uri.path()) else {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route").into_response();
    };
    let response = ([(header::CONTENT_TYPE, asset.content_type)], asset.body).into_response();
    with_headers(response, &wallet_page::HEADERS)
}

/// `GET /wallet/pkg/{file}`: the WebAssembly package's web build.
pub(super) async fn wallet_package_file(
    State(inner): State<Arc<Inner>>,
    Path(file): Path<String>,
) -> Response {
    let Some(package) = &inner.wallet_package else {
        return ApiError::wallet_unavailable().into_response();
    };
    let Some((content_type, body)) = package.file(&file) else {
        return ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route").into_response();
    };
    let response = ([(header::CONTENT_TYPE, content_type)], body).into_response();
    with_headers(response, &wallet_page::HEADERS)
}

/// `GET /healthz`: the process is up.
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
