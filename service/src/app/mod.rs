//! The service: its state, its routes and its background tasks.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, RawQuery, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use credence::verifier::{StoreError, Verifier, VerifierError};
use credence::{parse_policy, Date, Presentation, Rejection, Verdict};
use governor::clock::QuantaInstant;
use governor::middleware::NoOpMiddleware;
use rand_core::{OsRng, RngCore};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tower_governor::governor::{GovernorConfig, GovernorConfigBuilder};
use tower_governor::key_extractor::PeerIpKeyExtractor;
use tower_governor::{GovernorError, GovernorLayer};
use tower_http::cors::{Any, CorsLayer};
use tower_http::request_id::{
    MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::sensitive_headers::SetSensitiveRequestHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

use crate::batch::{BatchFailure, BatchSettings, Batcher, ServiceVerifier, SubmitError};
use crate::config::{Config, StoreUrl};
use crate::desk;
use crate::error::ApiError;
use crate::limits::{BACKEND_BODY_LIMIT, MAX_PRESENTATION_LEN};
use crate::metrics::{Metrics, Outcome};
use crate::wait::Notifier;
use crate::wallet_page::{self, Package, PackageError};
use crate::{PgNonceStore, SqliteNonceStore, Transaction, TransactionStore};

mod backend;
mod http;
mod ops;
mod upkeep;
mod wallet;

use backend::{cancel_transaction, create_transaction, transaction_status};
use http::{authorize, drop_odd_request_id, json_response, media_type, read_body};
use ops::{desk_file, healthz, metrics_text, readyz, wallet_file, wallet_package_file};
use upkeep::janitor;
use wallet::{get_list, get_request, post_presentation};

/// How often a long poll re-reads the store, for changes made by another
/// instance sharing it, and for expiry.
const REREAD: Duration = Duration::from_secs(1);

/// How long the readiness probe waits for the store.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// The header that carries a request's id.
const REQUEST_ID: &str = "x-request-id";

/// Why the service cannot start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The store cannot be opened.
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
    /// The verifier cannot be made from the configuration.
    #[error("invalid verifier configuration: {0}")]
    Verifier(#[from] VerifierError),
    /// The rate limit cannot be set up.
    #[error("invalid rate limit")]
    RateLimit,
    /// An epoch list named by the configuration cannot be used.
    #[error("configuration key `lists`: {0}")]
    Lists(#[from] crate::lists::ListsError),
    /// The configuration names a directory for the wallet page's
    /// WebAssembly package that does not hold it.
    #[error("configuration key `wallet_pkg`: {0}")]
    WalletPackage(#[from] PackageError),
}

/// Opens the store named by `url`: an SQLite file, or a PostgreSQL server
/// (with the default [`PgOptions`](crate::PgOptions)), whose schema is
/// created or migrated.
///
/// It blocks (a PostgreSQL store connects and migrates): call it before the
/// service's runtime starts, or on its blocking pool.
///
/// # Errors
/// [`StartError::Store`] when the SQLite file cannot be opened, or the
/// PostgreSQL server cannot be reached or refuses the login, or either holds
/// a schema version this build does not know.
pub fn open_store(url: &StoreUrl) -> Result<Arc<dyn TransactionStore>, StartError> {
    match url {
        StoreUrl::Sqlite(path) => Ok(Arc::new(SqliteNonceStore::open(path)?)),
        StoreUrl::Postgres(url) => Ok(Arc::new(PgNonceStore::connect(url.expose_str())?)),
    }
}

/// The state the handlers share.
struct Inner {
    config: Config,
    verifier: Arc<ServiceVerifier>,
    store: Arc<dyn TransactionStore>,
    metrics: Arc<Metrics>,
    notifier: Arc<Notifier>,
    batcher: Batcher,
    governor: Arc<GovernorConfig<PeerIpKeyExtractor, NoOpMiddleware<QuantaInstant>>>,
    /// The wallet page's WebAssembly package, when it is served.
    wallet_package: Option<Package>,
    /// The epoch lists' files and URLs, reloaded by the janitor when they
    /// change.
    lists: std::sync::Mutex<crate::lists::ListSources>,
    /// The requests held decoded.
    requests: crate::requests::RequestCache,
    /// The encodings of the epoch lists the verifier holds, by digest, for
    /// wallets to fetch.
    served_lists: std::sync::RwLock<Vec<([u8; 32], Bytes)>>,
}

/// The encodings of the epoch lists `verifier` holds, by digest.
fn encoded_lists(verifier: &ServiceVerifier) -> Vec<([u8; 32], Bytes)> {
    verifier
        .lists()
        .iter()
        .map(|l| (l.digest(), Bytes::from(l.to_bytes())))
        .collect()
}

/// The verifier service: a [`Verifier`] on a [`TransactionStore`], its
/// batcher and janitor tasks, and the HTTP routes over them
/// ([`App::router`]).
///
/// # Example
/// ```no_run
/// # async fn run(config: credence_verifier::Config) -> Result<(), Box<dyn std::error::Error>> {
/// use credence_verifier::{open_store, App};
/// let store = open_store(&config.store)?;
/// let app = App::new(config, store)?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// app.serve(listener, std::future::pending()).await?;
/// # Ok(())
/// # }
/// ```
pub struct App {
    inner: Arc<Inner>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("verifier_id", &self.inner.config.verifier_id)
            .finish_non_exhaustive()
    }
}

/// Seconds since 1970-01-01 UTC, now.
fn now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A 32-byte id from its base64url form; anything else is no id.
fn id32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 43 {
        return None;
    }
    URL_SAFE_NO_PAD.decode(s).ok()?.try_into().ok()
}

/// What the backend sees of a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Pending,
    Answered,
    Rejected,
    Closed,
    Expired,
    Cancelled,
}

impl Status {
    fn of(tx: &Transaction, now: u64) -> Status {
        let r = &tx.record;
        if r.spent {
            Status::Answered
        } else if tx.cancelled {
            Status::Cancelled
        } else if now >= r.terms.expires_at {
            Status::Expired
        } else if r.failures >= r.terms.max_failures {
            Status::Closed
        } else if r.failures > 0 {
            Status::Rejected
        } else {
            Status::Pending
        }
    }

    fn name(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Answered => "answered",
            Status::Rejected => "rejected",
            Status::Closed => "closed",
            Status::Expired => "expired",
            Status::Cancelled => "cancelled",
        }
    }

    /// Whether a presentation can still be taken.
    fn is_open(self) -> bool {
        matches!(self, Status::Pending | Status::Rejected)
    }

    /// The error a wallet gets for a request in this state, if any.
    fn refusal(self) -> Option<ApiError> {
        let gone = |code, message: &str| Some(ApiError::new(StatusCode::GONE, code, message));
        match self {
            Status::Pending | Status::Rejected => None,
            Status::Answered => Some(ApiError::new(
                StatusCode::CONFLICT,
                "replayed",
                "the request was answered before",
            )),
            Status::Expired => gone("expired", "the request's lifetime is over"),
            Status::Cancelled => gone("cancelled", "the verifier cancelled the request"),
            Status::Closed => gone(
                "closed",
                "the request is closed after too many rejected presentations",
            ),
        }
    }
}

/// Makes request ids: a random prefix per process and a counter.
#[derive(Clone)]
struct RequestIds {
    prefix: Arc<str>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

impl RequestIds {
    fn new() -> Self {
        let mut prefix = [0u8; 6];
        OsRng.fill_bytes(&mut prefix);
        RequestIds {
            prefix: b64(&prefix).into(),
            next: Arc::new(std::sync::atomic::AtomicU64::new(1)),
        }
    }
}

impl MakeRequestId for RequestIds {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        HeaderValue::from_str(&format!("{}-{n}", self.prefix))
            .ok()
            .map(RequestId::new)
    }
}

impl App {
    /// The service for `config` on `store`; starts its batcher and its
    /// janitor on the current tokio runtime.
    ///
    /// # Errors
    /// [`StartError::Verifier`] when the verifier id is not in its
    /// normalised form (spec §5.1); [`StartError::RateLimit`] for a rate
    /// limit it cannot set up; [`StartError::WalletPackage`] when
    /// [`Config::wallet_pkg`] names a directory without the WebAssembly
    /// package.
    pub fn new(config: Config, store: Arc<dyn TransactionStore>) -> Result<Self, StartError> {
        let wallet_package = match &config.wallet_pkg {
            Some(dir) => Some(Package::load(dir)?),
            None => match Package::load(std::path::Path::new(wallet_page::DEFAULT_PKG_DIR)) {
                Ok(p) => Some(p),
                Err(e) => {
                    tracing::info!(
                        reason = %e,
                        "the wallet page is not served: no WebAssembly package"
                    );
                    None
                }
            },
        };
        let verifier = Verifier::new(
            &config.verifier_id,
            config.trusted.clone(),
            Arc::clone(&store),
        )?
        .with_lifetime(config.lifetime)
        .with_max_failures(config.max_failures);
        let mut lists = crate::lists::ListSources::new(config.lists.clone(), config.list_refresh);
        if !lists.is_empty() {
            let count = lists.load(&verifier)?;
            tracing::info!(lists = count, "epoch lists loaded");
        }
        let served_lists = std::sync::RwLock::new(encoded_lists(&verifier));
        let verifier = Arc::new(verifier);
        let metrics = Arc::new(Metrics::new());
        let notifier = Arc::new(Notifier::default());
        let (shutdown, signal) = watch::channel(false);
        let (batcher, batch_task) = Batcher::start(
            Arc::clone(&verifier),
            BatchSettings {
                window: config.batch_window,
                size: config.batch_size,
                queue: config.queue,
                concurrency: config.batch_concurrency,
            },
            Arc::clone(&metrics),
            Arc::clone(&notifier),
            signal.clone(),
        );
        let period = Duration::from_secs(1) / config.rate_limit_per_second.max(1);
        let governor = GovernorConfigBuilder::default()
            .period(period.max(Duration::from_nanos(1)))
            .burst_size(config.rate_limit_burst)
            .finish()
            .ok_or(StartError::RateLimit)?;
        let inner = Arc::new(Inner {
            config,
            verifier,
            store,
            metrics,
            notifier,
            batcher,
            governor: Arc::new(governor),
            wallet_package,
            lists: std::sync::Mutex::new(lists),
            requests: crate::requests::RequestCache::default(),
            served_lists,
        });
        let janitor = tokio::spawn(janitor(Arc::clone(&inner), signal));
        Ok(App {
            inner,
            shutdown,
            tasks: vec![batch_task, janitor],
        })
    }

    /// The routes, with their middleware.
    ///
    /// Wallet routes are rate-limited per peer IP address: serve the router
    /// with `into_make_service_with_connect_info::<SocketAddr>()` (as
    /// [`App::serve`] does), or give each request a
    /// [`ConnectInfo`](axum::extract::ConnectInfo) extension.
    pub fn router(&self) -> Router {
        let state = Arc::clone(&self.inner);
        let backend = Router::new()
            .route("/v1/transactions", post(create_transaction))
            .route(
                "/v1/transactions/{transaction_id}",
                get(transaction_status).delete(cancel_transaction),
            )
            .method_not_allowed_fallback(method_not_allowed)
            .route_layer(middleware::from_fn_with_state(
                Arc::clone(&state),
                authorize,
            ));
        let governor = GovernorLayer::new(Arc::clone(&state.governor)).error_handler(
            |e: GovernorError| match e {
                GovernorError::TooManyRequests { wait_time, .. } => {
                    let mut response = ApiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "rate_limited",
                        "too many requests; try again later",
                    )
                    .into_response();
                    if let Ok(v) = HeaderValue::from_str(&wait_time.to_string()) {
                        response.headers_mut().insert(header::RETRY_AFTER, v);
                    }
                    response
                }
                _ => ApiError::internal().into_response(),
            },
        );
        let cors = CorsLayer::new()
            .allow_origin(Any)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([header::CONTENT_TYPE])
            .max_age(Duration::from_secs(600));
        let wallet = Router::new()
            .route("/v1/requests/{request_id}", get(get_request))
            .route(
                "/v1/requests/{request_id}/presentation",
                post(post_presentation),
            )
            .route("/v1/lists/{digest}", get(get_list))
            .method_not_allowed_fallback(method_not_allowed)
            .layer(governor)
            .layer(cors);
        let ops = Router::new()
            .route(desk::PAGE_PATH, get(desk_file))
            .route("/desk/{file}", get(desk_file))
            .route(wallet_page::PAGE_PATH, get(wallet_file))
            .route("/wallet/{file}", get(wallet_file))
            .route("/wallet/pkg/{file}", get(wallet_package_file))
            .route("/healthz", get(healthz))
            .route("/readyz", get(readyz))
            .route("/metrics", get(metrics_text))
            .method_not_allowed_fallback(method_not_allowed);
        let timeout = state.config.request_timeout;
        backend
            .merge(wallet)
            .merge(ops)
            .fallback(|| async {
                ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
            })
            .with_state(state)
            .layer(
                tower::ServiceBuilder::new()
                    .map_request(drop_odd_request_id)
                    .layer(SetRequestIdLayer::new(
                        header::HeaderName::from_static(REQUEST_ID),
                        RequestIds::new(),
                    ))
                    .layer(
                        TraceLayer::new_for_http()
                            .make_span_with(|request: &axum::http::Request<Body>| {
                                // The route's template, never the path: paths
                                // hold transaction ids.
                                let route = request
                                    .extensions()
                                    .get::<MatchedPath>()
                                    .map_or("-", MatchedPath::as_str);
                                let id = request
                                    .headers()
                                    .get(REQUEST_ID)
                                    .and_then(|v| v.to_str().ok())
                                    .unwrap_or("-");
                                tracing::info_span!(
                                    "request",
                                    request_id = id,
                                    method = %request.method(),
                                    route,
                                )
                            })
                            .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
                    )
                    .layer(PropagateRequestIdLayer::new(
                        header::HeaderName::from_static(REQUEST_ID),
                    ))
                    .layer(SetSensitiveRequestHeadersLayer::new([
                        header::AUTHORIZATION,
                    ]))
                    .map_response(|response: Response| {
                        // Only the timeout answers 408: as one line of JSON too.
                        if response.status() == StatusCode::REQUEST_TIMEOUT {
                            ApiError::new(
                                StatusCode::REQUEST_TIMEOUT,
                                "timeout",
                                "the request took too long",
                            )
                            .into_response()
                        } else {
                            response
                        }
                    })
                    .layer(TimeoutLayer::with_status_code(
                        StatusCode::REQUEST_TIMEOUT,
                        timeout,
                    )),
            )
    }

    /// Serves [`App::router`] on `listener` until `signal` completes, then
    /// stops accepting, finishes the requests in flight, and shuts the
    /// batcher and the janitor down (see [`App::shutdown`]).
    ///
    /// # Errors
    /// The listener's I/O error.
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        signal: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let router = self.router();
        let served = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .await;
        self.shutdown().await;
        served
    }

    /// Stops the background tasks: the batcher verifies what is queued and
    /// finishes its batches in flight; posts arriving later are refused as
    /// busy.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }

    /// The service's metrics.
    pub fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }
}

/// The answer to a method a route does not take.
async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method",
    )
}

/// Runs a store operation on the blocking pool, timed as `op`. A store
/// error is logged and becomes 503.
async fn store_call<T: Send + 'static>(
    inner: &Inner,
    op: &'static str,
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, ApiError> {
    let started = std::time::Instant::now();
    let result = tokio::task::spawn_blocking(f).await;
    inner.metrics.store(op, started.elapsed());
    match result {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            tracing::error!(op, error = %e, "the store failed");
            Err(ApiError::store_unavailable())
        }
        Err(e) => {
            tracing::error!(op, error = %e, "a store task failed");
            Err(ApiError::internal())
        }
    }
}

/// The longest request id taken from a client.
const MAX_REQUEST_ID_LEN: usize = 64;
