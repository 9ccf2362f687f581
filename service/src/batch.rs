//! The batcher: posted presentations wait a short window (or until a batch
//! is full), then are verified together with
//! [`Verifier::check_batch_at`](credence::verifier::Verifier::check_batch_at)
//! on tokio's blocking pool and settled in one write; each poster gets its
//! own result.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use credence::verifier::{Verifier, VerifierError};
use credence::{Presentation, ProofRequest, Verdict};
use tokio::sync::{mpsc, oneshot, watch, Semaphore};
use tokio::task::JoinHandle;

use crate::metrics::Metrics;
use crate::wait::Notifier;
use crate::TransactionStore;

/// The verifier the service runs, on whichever store it was given.
pub type ServiceVerifier = Verifier<Arc<dyn TransactionStore>>;

/// What a poster gets back: its own result, or the batch's failure.
pub type BatchResult = Result<Result<Verdict, VerifierError>, BatchFailure>;

/// Why a batch gave no result per presentation; nothing of it may be
/// accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFailure {
    /// The store failed (logged).
    Store,
    /// The verification task failed (logged).
    Internal,
}

/// Why a presentation was not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitError {
    /// The queue is full.
    Busy,
    /// The service is shutting down.
    Closed,
}

struct Job {
    request: Arc<ProofRequest>,
    presentation: Presentation,
    reply: oneshot::Sender<BatchResult>,
}

/// The batcher's handle: where presentations are submitted.
#[derive(Debug, Clone)]
pub struct Batcher {
    jobs: mpsc::Sender<Job>,
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Job")
    }
}

/// How the batcher batches.
#[derive(Debug, Clone, Copy)]
pub struct BatchSettings {
    /// How long to wait for more presentations after the first.
    pub window: Duration,
    /// The most presentations in one batch.
    pub size: usize,
    /// How many presentations may wait.
    pub queue: usize,
    /// Batches verified at the same time.
    pub concurrency: usize,
}

impl Batcher {
    /// Starts the batcher task; it stops when `shutdown` turns true (or its
    /// sender is dropped), after verifying every presentation already
    /// queued and waiting for the batches in flight.
    pub fn start(
        verifier: Arc<ServiceVerifier>,
        settings: BatchSettings,
        metrics: Arc<Metrics>,
        notifier: Arc<Notifier>,
        shutdown: watch::Receiver<bool>,
    ) -> (Self, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(settings.queue.max(1));
        let task = tokio::spawn(run(verifier, settings, metrics, notifier, rx, shutdown));
        (Batcher { jobs: tx }, task)
    }

    /// Submits a presentation for `request` and waits for its result.
    ///
    /// # Errors
    /// [`SubmitError::Busy`] when the queue is full,
    /// [`SubmitError::Closed`] when the service is shutting down.
    pub async fn check(
        &self,
        request: Arc<ProofRequest>,
        presentation: Presentation,
    ) -> Result<BatchResult, SubmitError> {
        let (reply, answer) = oneshot::channel();
        self.jobs
            .try_send(Job {
                request,
                presentation,
                reply,
            })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => SubmitError::Busy,
                mpsc::error::TrySendError::Closed(_) => SubmitError::Closed,
            })?;
        // The batcher answers every job it took, even while shutting down.
        answer.await.map_err(|_| SubmitError::Closed)
    }
}

async fn run(
    verifier: Arc<ServiceVerifier>,
    settings: BatchSettings,
    metrics: Arc<Metrics>,
    notifier: Arc<Notifier>,
    mut rx: mpsc::Receiver<Job>,
    mut shutdown: watch::Receiver<bool>,
) {
    let concurrency = settings.concurrency.max(1);
    let permits = Arc::new(Semaphore::new(concurrency));
    let size = settings.size.max(1);
    let mut closing = false;
    loop {
        let first = if closing {
            rx.recv().await
        } else {
            tokio::select! {
                job = rx.recv() => job,
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        // Take nothing new; what is queued is still verified.
                        rx.close();
                        closing = true;
                    }
                    continue;
                }
            }
        };
        let Some(first) = first else { break };
        let Ok(permit) = Arc::clone(&permits).acquire_owned().await else {
            break;
        };
        let mut jobs = vec![first];
        let deadline = tokio::time::Instant::now() + settings.window;
        while jobs.len() < size {
            match rx.try_recv() {
                Ok(job) => {
                    jobs.push(job);
                    continue;
                }
                Err(mpsc::error::TryRecvError::Disconnected) => break,
                Err(mpsc::error::TryRecvError::Empty) => {}
            }
            if settings.window.is_zero() {
                break;
            }
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some(job)) => jobs.push(job),
                _ => break,
            }
        }
        let verifier = Arc::clone(&verifier);
        let metrics = Arc::clone(&metrics);
        let notifier = Arc::clone(&notifier);
        tokio::spawn(async move {
            settle(verifier, jobs, &metrics, &notifier).await;
            drop(permit);
        });
    }
    // Wait for the batches in flight.
    let all = u32::try_from(concurrency).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
}

/// Verifies and settles one batch, and answers each poster.
async fn settle(
    verifier: Arc<ServiceVerifier>,
    jobs: Vec<Job>,
    metrics: &Metrics,
    notifier: &Notifier,
) {
    let size = jobs.len();
    let (work, replies): (Vec<_>, Vec<_>) = jobs
        .into_iter()
        .map(|j| ((j.request, j.presentation), j.reply))
        .unzip();
    let started = Instant::now();
    let outcome = tokio::task::spawn_blocking(move || {
        let items: Vec<(&ProofRequest, &Presentation)> =
            work.iter().map(|(r, p)| (&**r, p)).collect();
        let results = verifier.check_batch_at(&items, SystemTime::now());
        let nonces: Vec<[u8; 32]> = work.iter().map(|(r, _)| *r.nonce()).collect();
        (results, nonces)
    })
    .await;
    metrics.batch(size, started.elapsed());
    match outcome {
        Ok((Ok(results), nonces)) => {
            for nonce in &nonces {
                notifier.notify(nonce);
            }
            for (reply, result) in replies.into_iter().zip(results) {
                // A poster that went away still had its attempt settled.
                let _ = reply.send(Ok(result));
            }
        }
        Ok((Err(e), _)) => {
            tracing::error!(error = %e, size, "a batch could not be settled");
            for reply in replies {
                let _ = reply.send(Err(BatchFailure::Store));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, size, "a verification task failed");
            for reply in replies {
                let _ = reply.send(Err(BatchFailure::Internal));
            }
        }
    }
}
