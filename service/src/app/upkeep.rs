//! What the service does by itself, between requests: purging expired
//! transactions and reloading the epoch lists when their files change.

use super::*;

/// Purges expired transactions after the retention, and forgets idle rate
/// limit entries.
pub(super) async fn janitor(inner: Arc<Inner>, mut shutdown: watch::Receiver<bool>) {
    let period = inner.config.purge_interval.max(Duration::from_millis(10));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    return;
                }
                continue;
            }
        }
        inner.governor.limiter().retain_recent();
        refresh_lists(&inner).await;
        inner.requests.forget_expired(now());
        let before = now().saturating_sub(inner.config.purge_retention.as_secs());
        let store = Arc::clone(&inner.store);
        match store_call(&inner, "purge", move || store.purge(before)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "purged expired transactions"),
            Err(_) => {}
        }
    }
}

/// Reloads the epoch lists when a file changed (a new epoch), on the
/// blocking pool: a list of 2^16 entries takes a fraction of a second to
/// decode. A list that cannot be used is logged, and the lists held before
/// stay in use.
async fn refresh_lists(inner: &Arc<Inner>) {
    let shared = Arc::clone(inner);
    let outcome = tokio::task::spawn_blocking(move || {
        let inner = shared;
        let mut files = inner
            .lists
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if files.is_empty() {
            return Ok(None);
        }
        files.refresh(&inner.verifier)
    })
    .await;
    match outcome {
        Ok(Ok(Some(count))) => {
            let encoded = encoded_lists(&inner.verifier);
            *inner
                .served_lists
                .write()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = encoded;
            tracing::info!(lists = count, "epoch lists reloaded")
        }
        Ok(Ok(None)) => {}
        Ok(Err(e)) => {
            tracing::error!(error = %e, "epoch lists not reloaded; the lists held stay in use")
        }
        Err(e) => tracing::error!(error = %e, "the epoch list reload did not finish"),
    }
}
