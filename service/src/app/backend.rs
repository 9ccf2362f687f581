//! The verifier backend's routes: create, read (with long polling) and
//! cancel transactions.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CreateBody {
    policy: String,
    purpose: String,
    reference_date: Option<String>,
    lifetime_seconds: Option<u64>,
    /// Schemas to ask for in the anonymous mode, against the current lists.
    #[serde(default)]
    anonymous: Vec<String>,
    /// Whether to ask for the holder's pseudonym.
    #[serde(default)]
    pseudonym: bool,
}

/// `POST /v1/transactions`.
pub(super) async fn create_transaction(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if media_type(&headers).as_deref() != Some("application/json") {
        return Err(ApiError::unsupported_media_type("application/json"));
    }
    let bytes = read_body(&headers, body, BACKEND_BODY_LIMIT).await?;
    let body: CreateBody = serde_json::from_slice(&bytes)
        .map_err(|e| ApiError::bad_request("bad_json", format!("invalid body: {e}")))?;
    let predicates = parse_policy(&body.policy).map_err(|e| ApiError {
        column: Some(e.column),
        ..ApiError::bad_request("bad_policy", e.to_string())
    })?;
    let date = match body.reference_date.as_deref() {
        Some(d) => Date::parse(d).map_err(|e| {
            ApiError::bad_request("bad_reference_date", format!("reference_date: {e}"))
        })?,
        None => Date::from_days(now() / 86_400).map_err(|_| ApiError::internal())?,
    };
    let config = &inner.config;
    let lifetime = match body.lifetime_seconds {
        None => config.lifetime,
        Some(s) if s == 0 || s > config.max_lifetime.as_secs() => {
            return Err(ApiError::bad_request(
                "bad_lifetime",
                format!(
                    "lifetime_seconds must be 1 to {}",
                    config.max_lifetime.as_secs()
                ),
            ))
        }
        Some(s) => Duration::from_secs(s),
    };
    // A request trusts at most 16 schemas (spec §3.3).
    if body.anonymous.len() > 16 {
        return Err(ApiError::bad_request(
            "bad_request",
            "anonymous names too many schemas",
        ));
    }
    let mut new = inner
        .verifier
        .request(date)
        .purpose(&body.purpose)
        .predicates(predicates)
        .lifetime(lifetime);
    for schema in &body.anonymous {
        new = new.anonymous(schema);
    }
    if body.pseudonym {
        new = new.pseudonym();
    }
    let (request, terms) = new.prepare_with_rng(&mut OsRng).map_err(|e| match e {
        VerifierError::Request(e) => ApiError::bad_request("bad_request", e.to_string()),
        e @ VerifierError::NoCurrentList(_) => {
            ApiError::new(StatusCode::CONFLICT, "no_current_list", e.to_string())
        }
        e => {
            tracing::error!(error = %e, "a request could not be prepared");
            ApiError::internal()
        }
    })?;
    let mut transaction_id = [0u8; 32];
    OsRng.fill_bytes(&mut transaction_id);
    let tx_hash: [u8; 32] = Sha256::digest(transaction_id).into();
    let store = Arc::clone(&inner.store);
    let request = Arc::new(request);
    let (recorded, expires_at) = (Arc::clone(&request), terms.expires_at);
    store_call(&inner, "create", move || {
        store.create(&tx_hash, &recorded, &terms)
    })
    .await?;
    inner.requests.insert(Arc::clone(&request), expires_at);
    inner.metrics.request_created();
    let request_id = b64(request.nonce());
    let request_uri = format!("{}/v1/requests/{request_id}", config.public_url);
    let mut body = json!({
        "transaction_id": b64(&transaction_id),
        "request_id": request_id,
        "response_uri": format!("{request_uri}/presentation"),
        "request_uri": &request_uri,
        "expires_at": expires_at,
        "request": request.as_ref(),
        "qr_svg": desk::qr_svg(&request_uri).ok(),
    });
    if inner.wallet_package.is_some() {
        body["wallet_uri"] = json!(wallet_page::link(&config.public_url, &request_uri));
    }
    Ok(json_response(StatusCode::CREATED, &body))
}

/// The `wait` parameter of a status query, in seconds.
///
/// # Errors
/// 400 for a query with another parameter or a `wait` that is not a number.
pub(super) fn wait_seconds(query: Option<&str>) -> Result<u64, ApiError> {
    let mut wait = 0;
    for pair in query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
    {
        match pair.split_once('=') {
            Some(("wait", v)) if v.len() <= 20 => {
                wait = v.parse::<u64>().map_err(|_| {
                    ApiError::bad_request("bad_query", "wait must be a number of seconds")
                })?;
            }
            _ => {
                return Err(ApiError::bad_request(
                    "bad_query",
                    "the only query parameter is wait",
                ))
            }
        }
    }
    Ok(wait)
}

/// The status JSON of a transaction at `now`.
pub(super) fn status_json(tx: &Transaction, now: u64) -> Result<Value, ApiError> {
    let status = Status::of(tx, now);
    let mut body = json!({
        "status": status.name(),
        "request_id": b64(&tx.nonce),
        "expires_at": tx.record.terms.expires_at,
    });
    if let Some(t) = tx.answered_at {
        body["answered_at"] = json!(t);
    }
    if let Some(v) = &tx.verdict {
        let verdict: Value = serde_json::from_str(v).map_err(|_| {
            tracing::error!("a stored verdict is not JSON");
            ApiError::internal()
        })?;
        body["verdict"] = verdict;
    }
    Ok(body)
}

/// What a long poll compares to tell a change.
pub(super) fn snapshot(tx: &Transaction, now: u64) -> (Status, u32, Option<u64>) {
    (Status::of(tx, now), tx.record.failures, tx.answered_at)
}

/// `GET /v1/transactions/{transaction_id}[?wait=seconds]`.
pub(super) async fn transaction_status(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let wait = Duration::from_secs(wait_seconds(query.as_deref())?).min(inner.config.max_wait);
    let Some(id) = id32(&id) else {
        return Err(ApiError::unknown_transaction());
    };
    let hash: [u8; 32] = Sha256::digest(id).into();
    let read = || {
        let store = Arc::clone(&inner.store);
        store_call(&inner, "transaction", move || store.transaction(&hash))
    };
    let Some(mut tx) = read().await? else {
        return Err(ApiError::unknown_transaction());
    };
    let first = snapshot(&tx, now());
    if !wait.is_zero() && first.0.is_open() {
        let deadline = tokio::time::Instant::now() + wait;
        let subscription = inner.notifier.subscribe(tx.nonce);
        loop {
            let notified = subscription.as_ref().map(|s| s.notify().notified());
            let mut notified = std::pin::pin!(notified);
            if let Some(n) = notified.as_mut().as_pin_mut() {
                n.enable();
            }
            match read().await? {
                Some(t) => tx = t,
                // Purged meanwhile.
                None => return Err(ApiError::unknown_transaction()),
            }
            if snapshot(&tx, now()) != first {
                break;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            let pause = tokio::time::sleep(left.min(REREAD));
            match notified.as_mut().as_pin_mut() {
                Some(n) => {
                    tokio::select! {
                        _ = n => {}
                        _ = pause => {}
                    }
                }
                None => pause.await,
            }
        }
    }
    Ok(json_response(StatusCode::OK, &status_json(&tx, now())?))
}

/// `DELETE /v1/transactions/{transaction_id}`.
pub(super) async fn cancel_transaction(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some(id) = id32(&id) else {
        return Err(ApiError::unknown_transaction());
    };
    let hash: [u8; 32] = Sha256::digest(id).into();
    let store = Arc::clone(&inner.store);
    let at = now();
    let tx = {
        let store = Arc::clone(&store);
        store_call(&inner, "transaction", move || store.transaction(&hash)).await?
    };
    let Some(tx) = tx else {
        return Err(ApiError::unknown_transaction());
    };
    if !store_call(&inner, "cancel", move || store.cancel(&hash, at)).await? {
        return Err(ApiError::unknown_transaction());
    }
    inner.notifier.notify(&tx.nonce);
    Ok(StatusCode::NO_CONTENT.into_response())
}
