//! The service's metrics, in the Prometheus text format (`GET /metrics`).

use std::time::Duration;

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

/// One label: its name and value.
type Label = [(&'static str, &'static str); 1];

/// The counters and histograms of one service instance. Each [`crate::App`]
/// has its own registry, so several can live in one process.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests_created: Counter,
    presentations: Family<Label, Counter>,
    batch_size: Histogram,
    verify_seconds: Histogram,
    store_seconds: Family<Label, Histogram>,
}

/// What became of a posted presentation, as the metrics count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// It satisfied its request and spent the nonce.
    Satisfied,
    /// It was verified and rejected (counted against its request).
    Unsatisfied,
    /// Its request was answered before.
    Replayed,
    /// Its request expired or was cancelled.
    Expired,
    /// Its request took its maximum of rejected presentations.
    Closed,
    /// Its request is unknown.
    Unknown,
    /// It did not decode, or its body was refused.
    Malformed,
    /// The store failed or the service was busy.
    Failed,
}

impl Outcome {
    fn label(self) -> &'static str {
        match self {
            Outcome::Satisfied => "satisfied",
            Outcome::Unsatisfied => "unsatisfied",
            Outcome::Replayed => "replayed",
            Outcome::Expired => "expired",
            Outcome::Closed => "closed",
            Outcome::Unknown => "unknown",
            Outcome::Malformed => "malformed",
            Outcome::Failed => "failed",
        }
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every series at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("credence");
        let requests_created = Counter::default();
        registry.register(
            "requests_created",
            "Proof requests created by the verifier backend",
            requests_created.clone(),
        );
        let presentations = Family::<Label, Counter>::default();
        registry.register(
            "presentations",
            "Presentations posted by wallets, by outcome",
            presentations.clone(),
        );
        let batch_size = Histogram::new(exponential_buckets(1.0, 2.0, 11));
        registry.register(
            "batch_size",
            "Presentations verified together in one batch",
            batch_size.clone(),
        );
        let verify_seconds = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        registry.register(
            "verify_seconds",
            "Time to verify and settle one batch of presentations",
            verify_seconds.clone(),
        );
        let store_seconds = Family::<Label, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(0.0001, 2.0, 16))) as fn() -> Histogram,
        );
        registry.register(
            "store_seconds",
            "Time of the store's operations, by operation",
            store_seconds.clone(),
        );
        Metrics {
            registry,
            requests_created,
            presentations,
            batch_size,
            verify_seconds,
            store_seconds,
        }
    }

    /// Counts a created request.
    pub fn request_created(&self) {
        self.requests_created.inc();
    }

    /// Counts a posted presentation's outcome.
    pub fn presentation(&self, outcome: Outcome) {
        self.presentations
            .get_or_create(&[("outcome", outcome.label())])
            .inc();
    }

    /// Records a batch of `size` presentations that took `took`.
    pub fn batch(&self, size: usize, took: Duration) {
        self.batch_size.observe(size as f64);
        self.verify_seconds.observe(took.as_secs_f64());
    }

    /// Records a store operation `op` that took `took`.
    pub fn store(&self, op: &'static str, took: Duration) {
        self.store_seconds
            .get_or_create(&[("op", op)])
            .observe(took.as_secs_f64());
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String does not fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
