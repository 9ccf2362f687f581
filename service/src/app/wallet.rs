//! The wallets' routes: fetch a request, post a presentation.

use super::*;

/// `GET /v1/requests/{request_id}`.
pub(super) async fn get_request(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some(nonce) = id32(&id) else {
        return Err(ApiError::unknown_request());
    };
    let store = Arc::clone(&inner.store);
    let Some((request, tx)) = store_call(&inner, "request", move || store.request(&nonce)).await?
    else {
        return Err(ApiError::unknown_request());
    };
    match Status::of(&tx, now()) {
        Status::Answered => Err(ApiError::new(
            StatusCode::GONE,
            "answered",
            "the request was answered",
        )),
        s => match s.refusal() {
            Some(refusal) => Err(refusal),
            None => Ok(json_response(StatusCode::OK, &json!(request))),
        },
    }
}

/// The verdict's answer to the wallet: 200 with the verdict, or the error
/// of a request that takes no presentation.
pub(super) fn verdict_response(inner: &Inner, verdict: &Verdict, cancelled: bool) -> Response {
    let (outcome, refusal) = match verdict.rejection() {
        None => (Outcome::Satisfied, None),
        Some(Rejection::Replayed) => (Outcome::Replayed, Status::Answered.refusal()),
        Some(Rejection::Expired) if cancelled => (Outcome::Expired, Status::Cancelled.refusal()),
        Some(Rejection::Expired) => (Outcome::Expired, Status::Expired.refusal()),
        Some(Rejection::Closed) => (Outcome::Closed, Status::Closed.refusal()),
        Some(_) => (Outcome::Unsatisfied, None),
    };
    inner.metrics.presentation(outcome);
    match refusal {
        Some(e) => e.into_response(),
        None => json_response(StatusCode::OK, &json!({ "verdict": verdict })),
    }
}

/// `POST /v1/requests/{request_id}/presentation`.
pub(super) async fn post_presentation(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let malformed = |e: ApiError| {
        inner.metrics.presentation(Outcome::Malformed);
        e
    };
    let Some(nonce) = id32(&id) else {
        inner.metrics.presentation(Outcome::Unknown);
        return Err(ApiError::unknown_request());
    };
    let json = match media_type(&headers).as_deref() {
        Some("application/json") => true,
        Some("application/octet-stream") => false,
        _ => {
            return Err(malformed(ApiError::unsupported_media_type(
                "application/json or application/octet-stream",
            )))
        }
    };
    let limit = if json {
        inner.config.body_limit
    } else {
        inner.config.body_limit.min(MAX_PRESENTATION_LEN)
    };
    let bytes = read_body(&headers, body, limit).await.map_err(malformed)?;
    let presentation = if json {
        serde_json::from_slice::<Presentation>(&bytes)
            .map_err(|e| format!("not a presentation's JSON form: {e}"))
    } else {
        Presentation::from_bytes(&bytes).map_err(|e| format!("not a presentation: {e}"))
    }
    .map_err(|m| malformed(ApiError::bad_request("undecodable", m)))?;

    // The request, held decoded since this instance created it, or read
    // from the store (and held from then on). Whether it still takes a
    // presentation is the store's to say, when the batch settles: a nonce
    // spent or a request expired is refused there without a verification.
    let request = match inner.requests.get(&nonce) {
        Some(request) => request,
        None => {
            let store = Arc::clone(&inner.store);
            let found = store_call(&inner, "request", move || store.request(&nonce))
                .await
                .inspect_err(|_| inner.metrics.presentation(Outcome::Failed))?;
            let Some((request, tx)) = found else {
                inner.metrics.presentation(Outcome::Unknown);
                return Err(ApiError::unknown_request());
            };
            let status = Status::of(&tx, now());
            if let Some(refusal) = status.refusal() {
                inner.metrics.presentation(match status {
                    Status::Answered => Outcome::Replayed,
                    Status::Closed => Outcome::Closed,
                    _ => Outcome::Expired,
                });
                return Err(refusal);
            }
            let request = Arc::new(request);
            inner
                .requests
                .insert(Arc::clone(&request), tx.record.terms.expires_at);
            request
        }
    };
    match inner.batcher.check(request, presentation).await {
        Ok(Ok(Ok(verdict))) => {
            // An expired request may have been cancelled: the store says.
            let cancelled = match verdict.rejection() {
                Some(Rejection::Expired) => {
                    let store = Arc::clone(&inner.store);
                    store_call(&inner, "request", move || store.request(&nonce))
                        .await
                        .ok()
                        .flatten()
                        .is_some_and(|(_, tx)| tx.cancelled)
                }
                _ => false,
            };
            Ok(verdict_response(&inner, &verdict, cancelled))
        }
        Ok(Ok(Err(e))) => {
            inner.metrics.presentation(Outcome::Unknown);
            match e {
                VerifierError::UnknownRequest
                | VerifierError::RequestDiffers
                | VerifierError::OtherVerifier => Err(ApiError::unknown_request()),
                e => {
                    tracing::error!(error = %e, "a presentation could not be checked");
                    Err(ApiError::internal())
                }
            }
        }
        Ok(Err(failure)) => {
            inner.metrics.presentation(Outcome::Failed);
            Err(match failure {
                BatchFailure::Store => ApiError::store_unavailable(),
                BatchFailure::Internal => ApiError::internal(),
            })
        }
        Err(e) => {
            inner.metrics.presentation(Outcome::Failed);
            Err(ApiError::busy(match e {
                SubmitError::Busy => "too many presentations are waiting; try again later",
                SubmitError::Closed => "the service is shutting down",
            }))
        }
    }
}

/// `GET /v1/lists/{digest}`: an epoch list the verifier holds, by its digest
/// (base64url), as its rater signed it (spec §3.11), for a wallet to answer
/// a request that names it. A wallet checks it against its rater's key and
/// its digest as from any other source.
pub(super) async fn get_list(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some(digest) = id32(&id) else {
        return Err(ApiError::unknown_list());
    };
    let found = inner
        .served_lists
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .find(|(d, _)| *d == digest)
        .map(|(_, bytes)| bytes.clone());
    let Some(bytes) = found else {
        return Err(ApiError::unknown_list());
    };
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream"),
            // Named by its digest: it never changes.
            (header::CACHE_CONTROL, "public, max-age=86400, immutable"),
        ],
        bytes,
    )
        .into_response())
}
