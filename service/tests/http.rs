//! The HTTP service in process: the whole flow, from the verifier backend's
//! creation to a wallet's presentation and the backend's verdict, and every
//! error answer, on an SQLite store in a temporary file.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use credence::fixtures::World;
use credence::wallet::Wallet;
use credence::{Presentation, ProofRequest, RaterDescriptor};
use credence_verifier::limits::{MAX_PRESENTATION_JSON_LEN, MAX_PRESENTATION_LEN};
use credence_verifier::{desk, open_store, wallet_page, App, Config, Secret, StoreUrl};
use serde_json::{json, Value};
use tower::ServiceExt;

mod common;

const TOKEN: &str = "test-token-0123456789abcdef";
const POLICY: &str = "bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0";

/// A service on a fresh SQLite file, and the raters it trusts.
struct Service {
    app: App,
    router: Router,
    world: Arc<World>,
    _dir: tempfile::TempDir,
}

/// An answer: status, headers, body.
struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    /// The error code of a JSON error answer, checked to be one line.
    fn error(&self) -> String {
        assert!(!self.body.contains(&b'\n'), "one line");
        let v = self.json();
        assert!(v["message"].is_string(), "{v}");
        v["error"].as_str().unwrap().to_owned()
    }
}

fn config(world: &World, dir: &std::path::Path) -> Config {
    let trusted = vec![
        RaterDescriptor::new(world.bank.schema.clone(), world.bank.public()),
        RaterDescriptor::new(world.court.schema.clone(), world.court.public()),
    ];
    let mut c = Config::new(
        "consulate.example",
        Secret::new(TOKEN),
        trusted,
        StoreUrl::Sqlite(dir.join("verifier.sqlite")),
    );
    c.public_url = "https://verifier.example".into();
    c
}

impl Service {
    fn new() -> Self {
        Self::with(|_| {})
    }

    fn with(tweak: impl FnOnce(&mut Config)) -> Self {
        Self::on(None, tweak)
    }

    /// A service on the store at `store`, or on a fresh SQLite file.
    fn on(store: Option<StoreUrl>, tweak: impl FnOnce(&mut Config)) -> Self {
        let world = Arc::new(World::new());
        let dir = tempfile::tempdir().unwrap();
        let mut c = config(&world, dir.path());
        if let Some(url) = store {
            c.store = url;
        }
        tweak(&mut c);
        let store = open_store(&c.store).unwrap();
        let app = App::new(c, store).unwrap();
        let router = app.router();
        Service {
            app,
            router,
            world,
            _dir: dir,
        }
    }

    async fn call(&self, request: Request<Body>) -> Answer {
        call(&self.router, request).await
    }

    async fn get(&self, uri: &str) -> Answer {
        self.call(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    async fn backend(&self, method: Method, uri: &str, body: Option<Value>) -> Answer {
        let mut r = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"));
        let body = match body {
            Some(v) => {
                r = r.header(header::CONTENT_TYPE, "application/json");
                Body::from(v.to_string())
            }
            None => Body::empty(),
        };
        self.call(r.body(body).unwrap()).await
    }

    /// Creates a transaction; returns its JSON.
    async fn create(&self, body: Value) -> Value {
        let a = self
            .backend(Method::POST, "/v1/transactions", Some(body))
            .await;
        assert_eq!(
            a.status,
            StatusCode::CREATED,
            "{}",
            String::from_utf8_lossy(&a.body)
        );
        a.json()
    }

    async fn create_default(&self) -> Value {
        self.create(
            json!({"policy": POLICY, "purpose": "visa fast track", "reference_date": "2027-03-01"}),
        )
        .await
    }

    async fn status(&self, tx: &Value) -> Value {
        let a = self
            .backend(
                Method::GET,
                &format!(
                    "/v1/transactions/{}",
                    tx["transaction_id"].as_str().unwrap()
                ),
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::OK);
        a.json()
    }

    async fn post(&self, tx: &Value, content_type: &str, body: Vec<u8>) -> Answer {
        self.call(
            Request::post(format!(
                "/v1/requests/{}/presentation",
                tx["request_id"].as_str().unwrap()
            ))
            .header(header::CONTENT_TYPE, content_type)
            .body(Body::from(body))
            .unwrap(),
        )
        .await
    }

    async fn present(&self, tx: &Value, p: &Presentation) -> Answer {
        self.post(tx, "application/json", serde_json::to_vec(p).unwrap())
            .await
    }

    /// A wallet holding `count` bank and court credentials each.
    fn wallet(&self, count: usize) -> Wallet {
        common::holder(&self.world, count, count).0
    }
}

fn request_of(tx: &Value) -> ProofRequest {
    serde_json::from_value(tx["request"].clone()).unwrap()
}

async fn call(router: &Router, mut request: Request<Body>) -> Answer {
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([192, 0, 2, 7], 40000))));
    let response = tokio::time::timeout(Duration::from_secs(60), router.clone().oneshot(request))
        .await
        .expect("answered in time")
        .unwrap();
    let (parts, body) = response.into_parts();
    let body = axum::body::to_bytes(body, 1 << 22).await.unwrap().to_vec();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wallet_answers_and_the_backend_reads_the_verdict() {
    let s = Service::new();
    let tx = s.create_default().await;
    let request_id = tx["request_id"].as_str().unwrap();
    assert_eq!(
        tx["request_uri"],
        format!("https://verifier.example/v1/requests/{request_id}")
    );
    assert_eq!(
        tx["response_uri"],
        format!("https://verifier.example/v1/requests/{request_id}/presentation")
    );
    let transaction_id = tx["transaction_id"].as_str().unwrap();
    assert_eq!(URL_SAFE_NO_PAD.decode(transaction_id).unwrap().len(), 32);
    assert_ne!(transaction_id, request_id);
    assert!(tx["expires_at"].as_u64().unwrap() > 0);
    let request = request_of(&tx);
    assert_eq!(URL_SAFE_NO_PAD.encode(request.nonce()), request_id);
    assert_eq!(request.verifier_id(), "consulate.example");
    assert_eq!(request.purpose(), "visa fast track");

    // The wallet fetches the request by its URI.
    let fetched = s.get(&format!("/v1/requests/{request_id}")).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.json(), tx["request"]);
    let fetched: ProofRequest = serde_json::from_slice(&fetched.body).unwrap();

    let status = s.status(&tx).await;
    assert_eq!(status["status"], "pending");
    assert_eq!(status["request_id"], request_id);
    assert!(status.get("verdict").is_none());

    // The backend long-polls while the wallet answers.
    let router = s.router.clone();
    let poll_uri = format!("/v1/transactions/{transaction_id}?wait=20");
    let started = Instant::now();
    let poll = tokio::spawn(async move {
        let r = Request::get(poll_uri)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap();
        call(&router, r).await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let presentation = s.wallet(1).prove(&fetched).unwrap();
    let answer = s.present(&tx, &presentation).await;
    assert_eq!(answer.status, StatusCode::OK);
    let verdict = &answer.json()["verdict"];
    assert_eq!(verdict["satisfied"], true, "{verdict}");

    let polled = poll.await.unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "woken by the answer"
    );
    assert_eq!(polled.status, StatusCode::OK);
    let polled = polled.json();
    assert_eq!(polled["status"], "answered");
    assert_eq!(&polled["verdict"], verdict);
    assert!(polled["answered_at"].as_u64().is_some());
    assert_eq!(s.status(&tx).await, polled);

    // The request is gone for wallets; the presentation is a replay.
    let again = s.get(&format!("/v1/requests/{request_id}")).await;
    assert_eq!(
        (again.status, again.error()),
        (StatusCode::GONE, "answered".into())
    );
    let replay = s.present(&tx, &presentation).await;
    assert_eq!(
        (replay.status, replay.error()),
        (StatusCode::CONFLICT, "replayed".into())
    );
    // A long poll on a settled transaction answers at once.
    let started = Instant::now();
    let a = s
        .backend(
            Method::GET,
            &format!("/v1/transactions/{transaction_id}?wait=20"),
            None,
        )
        .await;
    assert_eq!(a.json()["status"], "answered");
    assert!(started.elapsed() < Duration::from_secs(5));

    let metrics = String::from_utf8(s.get("/metrics").await.body).unwrap();
    assert!(
        metrics.contains("credence_requests_created_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"credence_presentations_total{outcome="satisfied"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"credence_presentations_total{outcome="replayed"} 1"#),
        "{metrics}"
    );
    assert!(metrics.contains("credence_batch_size_count"), "{metrics}");
    assert!(
        metrics.contains("credence_verify_seconds_count"),
        "{metrics}"
    );
    assert!(
        metrics.contains("credence_store_seconds_count{op=\"create\"} 1"),
        "{metrics}"
    );
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_presentation_is_counted_and_the_right_one_still_accepted() {
    let s = Service::new();
    let tx = s.create_default().await;
    let other = s.create_default().await;
    let mut wallet = s.wallet(2);
    let stray = wallet.prove(&request_of(&other)).unwrap();
    let right = wallet.prove(&request_of(&tx)).unwrap();

    let a = s.present(&tx, &stray).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["verdict"]["satisfied"], false);
    assert_eq!(
        a.json()["verdict"]["rejection"]["reason"],
        "request_mismatch"
    );
    let status = s.status(&tx).await;
    assert_eq!(status["status"], "rejected");
    assert_eq!(status["verdict"]["satisfied"], false);
    // Still open for wallets.
    let fetched = s
        .get(&format!(
            "/v1/requests/{}",
            tx["request_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(fetched.status, StatusCode::OK);

    let a = s.present(&tx, &right).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["verdict"]["satisfied"], true);
    let status = s.status(&tx).await;
    assert_eq!(status["status"], "answered");
    assert_eq!(status["verdict"]["satisfied"], true);
    // The stray one still answers its own request.
    assert_eq!(s.present(&other, &stray).await.status, StatusCode::OK);
    s.app.shutdown().await;
}

/// Two instances on one SQLite file: each holds the requests it created
/// decoded, reads the other's from the store, and neither takes a nonce the
/// other spent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_sharing_a_store_check_each_others_requests() {
    let a = Service::new();
    let url = StoreUrl::Sqlite(a._dir.path().join("verifier.sqlite"));
    let b = Service::on(Some(url), |_| {});
    let mut wallet = a.wallet(3);
    for (creator, answerer) in [(&a, &b), (&b, &a)] {
        let tx = creator.create_default().await;
        let p = wallet.prove(&request_of(&tx)).unwrap();
        let first = answerer.present(&tx, &p).await;
        assert_eq!(first.status, StatusCode::OK);
        assert_eq!(first.json()["verdict"]["satisfied"], true);
        assert_eq!(creator.status(&tx).await["status"], "answered");
        for replay_on in [creator, answerer] {
            let again = replay_on.present(&tx, &p).await;
            assert_eq!(
                (again.status, again.error()),
                (StatusCode::CONFLICT, "replayed".into())
            );
        }
    }
    // Cancelled on one, refused as cancelled on the other, which holds the
    // request decoded.
    let tx = b.create_default().await;
    let p = wallet.prove(&request_of(&tx)).unwrap();
    let uri = format!(
        "/v1/transactions/{}",
        tx["transaction_id"].as_str().unwrap()
    );
    assert_eq!(
        a.backend(Method::DELETE, &uri, None).await.status,
        StatusCode::NO_CONTENT
    );
    let late = b.present(&tx, &p).await;
    assert_eq!(
        (late.status, late.error()),
        (StatusCode::GONE, "cancelled".into())
    );
    a.app.shutdown().await;
    b.app.shutdown().await;
}

async fn racing_posts(batch_size: usize) {
    racing_posts_on(Service::with(|c| c.batch_size = batch_size)).await;
}

async fn racing_posts_on(s: Service) {
    const POSTS: usize = 32;
    let tx = s.create_default().await;
    let presentation = s.wallet(1).prove(&request_of(&tx)).unwrap();
    let body = serde_json::to_vec(&presentation).unwrap();
    let uri = format!(
        "/v1/requests/{}/presentation",
        tx["request_id"].as_str().unwrap()
    );
    let barrier = Arc::new(tokio::sync::Barrier::new(POSTS));
    let posts: Vec<_> = (0..POSTS)
        .map(|_| {
            let (router, body, uri, barrier) = (
                s.router.clone(),
                body.clone(),
                uri.clone(),
                Arc::clone(&barrier),
            );
            tokio::spawn(async move {
                let r = Request::post(uri)
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Body::from(body))
                    .unwrap();
                barrier.wait().await;
                call(&router, r).await
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for p in posts {
        let a = p.await.unwrap();
        if a.status == StatusCode::CONFLICT {
            assert_eq!(a.error(), "replayed");
        }
        statuses.push(a.status);
    }
    let ok = statuses.iter().filter(|&&s| s == StatusCode::OK).count();
    let replayed = statuses
        .iter()
        .filter(|&&s| s == StatusCode::CONFLICT)
        .count();
    assert_eq!((ok, replayed), (1, POSTS - 1), "{statuses:?}");
    assert_eq!(s.status(&tx).await["status"], "answered");
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_32_concurrent_posts_of_one_presentation_exactly_one_is_accepted() {
    racing_posts(64).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_batching_too_exactly_one_is_accepted() {
    racing_posts(1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_backend_needs_its_token() {
    let s = Service::new();
    let body = json!({"policy": POLICY, "purpose": "p"}).to_string();
    for auth in [
        None,
        Some("Bearer wrong-token-0123456789abcdef".to_owned()),
        Some(format!("Basic {TOKEN}")),
        Some(format!("Bearer {TOKEN}x")),
        Some("Bearer ".to_owned()),
    ] {
        let mut r =
            Request::post("/v1/transactions").header(header::CONTENT_TYPE, "application/json");
        if let Some(a) = &auth {
            r = r.header(header::AUTHORIZATION, a);
        }
        let a = s.call(r.body(Body::from(body.clone())).unwrap()).await;
        assert_eq!(
            (a.status, a.error()),
            (StatusCode::UNAUTHORIZED, "unauthorized".into()),
            "{auth:?}"
        );
    }
    let tx = s.create_default().await;
    let uri = format!(
        "/v1/transactions/{}",
        tx["transaction_id"].as_str().unwrap()
    );
    for method in [Method::GET, Method::DELETE] {
        let a = s
            .call(
                Request::builder()
                    .method(method)
                    .uri(&uri)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creation_errors_are_one_line_of_json() {
    let s = Service::new();
    let bad = s
        .backend(
            Method::POST,
            "/v1/transactions",
            Some(json!({"policy": "bank.liquidity_eur >= ", "purpose": "p"})),
        )
        .await;
    assert_eq!(
        (bad.status, bad.error()),
        (StatusCode::BAD_REQUEST, "bad_policy".into())
    );
    assert!(bad.json()["column"].as_u64().is_some(), "{}", bad.json());
    for (body, code) in [
        (
            json!({"policy": "nosuch.attr >= 1", "purpose": "p"}),
            "bad_request",
        ),
        (json!({"policy": POLICY}), "bad_json"),
        (
            json!({"policy": POLICY, "purpose": "p", "extra": 1}),
            "bad_json",
        ),
        (
            json!({"policy": POLICY, "purpose": "p", "reference_date": "2027-02-30"}),
            "bad_reference_date",
        ),
        (
            json!({"policy": POLICY, "purpose": "p", "lifetime_seconds": 0}),
            "bad_lifetime",
        ),
        (
            json!({"policy": POLICY, "purpose": "p", "lifetime_seconds": 3601}),
            "bad_lifetime",
        ),
        (
            json!({"policy": POLICY, "purpose": "p".repeat(5000)}),
            "bad_request",
        ),
    ] {
        let a = s
            .backend(Method::POST, "/v1/transactions", Some(body.clone()))
            .await;
        assert_eq!(
            (a.status, a.error()),
            (StatusCode::BAD_REQUEST, code.into()),
            "{body}"
        );
    }
    let a = s
        .call(
            Request::post("/v1/transactions")
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::from(
                    json!({"policy": POLICY, "purpose": "p"}).to_string(),
                ))
                .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let a = s
        .call(
            Request::post("/v1/transactions")
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(vec![b' '; 20_000]))
                .unwrap(),
        )
        .await;
    assert_eq!(
        (a.status, a.error()),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large".into())
    );
    // Nothing was created.
    let metrics = String::from_utf8(s.get("/metrics").await.body).unwrap();
    assert!(
        metrics.contains("credence_requests_created_total 0"),
        "{metrics}"
    );
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_are_404() {
    let s = Service::new();
    let unknown = URL_SAFE_NO_PAD.encode([7u8; 32]);
    for id in [unknown.as_str(), "short", "%2e%2e", &"A".repeat(5000)] {
        for method in [Method::GET, Method::DELETE] {
            let a = s
                .backend(method.clone(), &format!("/v1/transactions/{id}"), None)
                .await;
            assert_eq!(
                (a.status, a.error()),
                (StatusCode::NOT_FOUND, "unknown_transaction".into()),
                "{method} {id}"
            );
        }
        let a = s.get(&format!("/v1/requests/{id}")).await;
        assert_eq!(
            (a.status, a.error()),
            (StatusCode::NOT_FOUND, "unknown_request".into())
        );
        let tx = json!({"request_id": id});
        let a = s
            .post(&tx, "application/octet-stream", largest_presentation())
            .await;
        assert_eq!(
            (a.status, a.error()),
            (StatusCode::NOT_FOUND, "unknown_request".into())
        );
    }
    // A well-formed presentation for a request never issued.
    let tx = s.create_default().await;
    let p = s.wallet(1).prove(&request_of(&tx)).unwrap();
    let a = s.present(&json!({"request_id": unknown}), &p).await;
    assert_eq!(
        (a.status, a.error()),
        (StatusCode::NOT_FOUND, "unknown_request".into())
    );
    let a = s.get("/v1/nothing").await;
    assert_eq!(
        (a.status, a.error()),
        (StatusCode::NOT_FOUND, "not_found".into())
    );
    let a = s.backend(Method::PUT, "/v1/transactions", None).await;
    assert_eq!(
        (a.status, a.error()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed".into())
    );
    let a = s
        .backend(Method::GET, "/v1/transactions/x?wait=abc", None)
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    s.app.shutdown().await;
}

/// The largest presentation the library decodes: every count at its cap,
/// every credential shown anonymously (the larger form), a pseudonym.
fn largest_presentation() -> Vec<u8> {
    let mut b = vec![1u8, 6];
    b.extend([0; 32]);
    b.extend(8u32.to_le_bytes());
    for _ in 0..8 {
        b.push(1); // anonymous
        b.push(3); // list index
        b.extend([0; 32]); // D'
        b.extend(64u32.to_le_bytes());
        b.extend(vec![0; 64 * 32]);
        b.extend(2688u32.to_le_bytes());
        b.extend(vec![0; 2688]);
    }
    b.extend(32u32.to_le_bytes());
    b.extend([0; 32 * 8]);
    b.push(1);
    b.extend([0; 32]);
    b.extend(4u32.to_le_bytes());
    for bits in [8u8, 16, 32, 64] {
        b.push(bits);
        b.extend(1056u32.to_le_bytes());
        b.extend(vec![0; 1056]);
    }
    for count in [553u32, 1065] {
        b.extend(count.to_le_bytes());
        b.extend(vec![0; count as usize * 32]);
    }
    b
}

#[test]
fn the_body_limit_follows_the_wire_caps() {
    use credence::hazmat::caps;
    let bytes = largest_presentation();
    assert_eq!(bytes.len(), MAX_PRESENTATION_LEN);
    Presentation::from_bytes(&bytes).unwrap();
    let json = serde_json::to_vec(&Presentation::from_bytes(&bytes).unwrap()).unwrap();
    assert_eq!(json.len() + 64, MAX_PRESENTATION_JSON_LEN);
    let credential = 1 + 16 + 4 + caps::IDENT_LEN + 32 + 4 + caps::ATTRIBUTES * 32 + 32 + 64;
    let anonymous = 1 + 1 + 32 + 4 + caps::ATTRIBUTES * 32 + 4 + 32 * (16 * 5 + 4);
    assert!(anonymous > credential);
    let relations = caps::CREDENTIALS * (1 + caps::ATTRIBUTES) + caps::PREDICATES + 1;
    let witnesses = 1 + caps::CREDENTIALS * (1 + 2 * caps::ATTRIBUTES) + caps::PREDICATES;
    let sigma = 4 + relations * 32 + 4 + witnesses * 32;
    let ranges = 4 + 4 * (1 + 4 + caps::RANGE_PROOF_LEN);
    assert_eq!(
        2 + 32 + 4 + caps::CREDENTIALS * anonymous + 4 + caps::PREDICATES * 8 + 33 + ranges + sigma,
        MAX_PRESENTATION_LEN
    );
    // One more sigma commitment does not decode.
    let at = bytes.len() - (4 + witnesses * 32) - (4 + relations * 32);
    let mut more = bytes.clone();
    more[at..at + 4].copy_from_slice(&(relations as u32 + 1).to_le_bytes());
    assert!(Presentation::from_bytes(&more).is_err());
    // One more credential, attribute or disclosed value does not decode.
    let mut more = bytes.clone();
    more[34] = 9;
    assert!(Presentation::from_bytes(&more).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presentation_bodies_are_checked_before_anything_is_recorded() {
    let s = Service::new();
    let tx = s.create_default().await;
    // Undecodable, in both content types: 400, nothing recorded.
    for (ct, body) in [
        ("application/json", b"\"AQYnot-a-presentation\"".to_vec()),
        ("application/json", b"{\"presentation\": 1}".to_vec()),
        ("application/json", b"\xff\xfe".to_vec()),
        ("application/json; charset=utf-8", b"".to_vec()),
        ("application/octet-stream", vec![1, 6, 0]),
        ("application/octet-stream", vec![]),
        ("Application/Octet-Stream", vec![9; 100]),
    ] {
        let a = s.post(&tx, ct, body).await;
        assert_eq!(
            (a.status, a.error()),
            (StatusCode::BAD_REQUEST, "undecodable".into()),
            "{ct}"
        );
    }
    for ct in ["text/plain", "application/x-www-form-urlencoded", ""] {
        let a = s.post(&tx, ct, b"\"x\"".to_vec()).await;
        assert_eq!(
            (a.status, a.error()),
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type".into()
            ),
            "{ct}"
        );
    }
    let status = s.status(&tx).await;
    assert_eq!(status["status"], "pending", "{status}");
    assert!(status.get("verdict").is_none());

    // The largest presentation fits, as binary and as JSON padded to the
    // limit; it decodes and is rejected (and counted).
    let largest = largest_presentation();
    let a = s
        .post(&tx, "application/octet-stream", largest.clone())
        .await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(a.json()["verdict"]["satisfied"], false);
    let mut json = format!("\"{}\"", URL_SAFE_NO_PAD.encode(&largest)).into_bytes();
    json.resize(MAX_PRESENTATION_JSON_LEN, b' ');
    let a = s.post(&tx, "application/json", json.clone()).await;
    assert_eq!(
        a.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&a.body)
    );
    assert_eq!(s.status(&tx).await["status"], "rejected");
    // One byte more is refused, whatever its content.
    json.push(b' ');
    let a = s.post(&tx, "application/json", json).await;
    assert_eq!(
        (a.status, a.error()),
        (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large".into())
    );
    let mut binary = largest;
    binary.push(0);
    let a = s.post(&tx, "application/octet-stream", binary).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    // Without a declared length too (a streamed body).
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..130).map(|_| Ok(vec![b' '; 1000])).collect();
    let a = s
        .call(
            Request::post(format!(
                "/v1/requests/{}/presentation",
                tx["request_id"].as_str().unwrap()
            ))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from_stream(futures_stream(chunks)))
            .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    let metrics = String::from_utf8(s.get("/metrics").await.body).unwrap();
    assert!(
        metrics.contains(r#"credence_presentations_total{outcome="malformed"}"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"credence_presentations_total{outcome="unsatisfied"} 2"#),
        "{metrics}"
    );
    s.app.shutdown().await;
}

/// A stream of the chunks, for a body without a length.
fn futures_stream(
    chunks: Vec<Result<Vec<u8>, std::io::Error>>,
) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    struct Chunks(std::vec::IntoIter<Result<Vec<u8>, std::io::Error>>);
    impl futures_core::Stream for Chunks {
        type Item = Result<Vec<u8>, std::io::Error>;
        fn poll_next(
            mut self: std::pin::Pin<&mut Self>,
            _: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    Chunks(chunks.into_iter())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_expired_and_closed_requests_are_gone() {
    let s = Service::with(|c| c.max_failures = 1);
    let mut wallet = s.wallet(3);

    // Cancelled.
    let tx = s.create_default().await;
    let p = wallet.prove(&request_of(&tx)).unwrap();
    let uri = format!(
        "/v1/transactions/{}",
        tx["transaction_id"].as_str().unwrap()
    );
    let a = s.backend(Method::DELETE, &uri, None).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT);
    assert_eq!(s.status(&tx).await["status"], "cancelled");
    let a = s
        .get(&format!(
            "/v1/requests/{}",
            tx["request_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        (a.status, a.error()),
        (StatusCode::GONE, "cancelled".into())
    );
    let a = s.present(&tx, &p).await;
    assert_eq!(
        (a.status, a.error()),
        (StatusCode::GONE, "cancelled".into())
    );

    // Closed after one rejection.
    let tx = s.create_default().await;
    let other = s.create_default().await;
    let stray = wallet.prove(&request_of(&other)).unwrap();
    assert_eq!(s.present(&tx, &stray).await.status, StatusCode::OK);
    assert_eq!(s.status(&tx).await["status"], "closed");
    let a = s.present(&tx, &stray).await;
    assert_eq!((a.status, a.error()), (StatusCode::GONE, "closed".into()));
    let a = s
        .get(&format!(
            "/v1/requests/{}",
            tx["request_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!((a.status, a.error()), (StatusCode::GONE, "closed".into()));

    // Expired.
    let tx = s
        .create(json!({"policy": POLICY, "purpose": "p", "reference_date": "2027-03-01", "lifetime_seconds": 1}))
        .await;
    let p = wallet.prove(&request_of(&tx)).unwrap();
    let expires_at = tx["expires_at"].as_u64().unwrap();
    while std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        < expires_at
    {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(s.status(&tx).await["status"], "expired");
    let a = s.present(&tx, &p).await;
    assert_eq!((a.status, a.error()), (StatusCode::GONE, "expired".into()));
    let a = s
        .get(&format!(
            "/v1/requests/{}",
            tx["request_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!((a.status, a.error()), (StatusCode::GONE, "expired".into()));
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallets_are_rate_limited_per_peer() {
    let s = Service::with(|c| {
        c.rate_limit_per_second = 1;
        c.rate_limit_burst = 2;
    });
    let uri = format!("/v1/requests/{}", URL_SAFE_NO_PAD.encode([7u8; 32]));
    assert_eq!(s.get(&uri).await.status, StatusCode::NOT_FOUND);
    assert_eq!(s.get(&uri).await.status, StatusCode::NOT_FOUND);
    // The burst is spent; one request a second comes back, so on a slow
    // machine a few more may pass before the limit bites.
    let mut limited = None;
    for _ in 0..20 {
        let a = s.get(&uri).await;
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(a);
            break;
        }
        assert_eq!(a.status, StatusCode::NOT_FOUND);
    }
    let a = limited.expect("rate-limited");
    assert_eq!(a.error(), "rate_limited");
    assert!(a.headers.contains_key(header::RETRY_AFTER));
    let posted = s
        .post(
            &json!({"request_id": "x"}),
            "application/json",
            b"\"x\"".to_vec(),
        )
        .await;
    assert_eq!(posted.status, StatusCode::TOO_MANY_REQUESTS);
    // The backend and the probes are not limited.
    for _ in 0..5 {
        assert_eq!(s.get("/healthz").await.status, StatusCode::OK);
        s.create_default().await;
    }
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cors_is_allowed_on_wallet_routes_only() {
    let s = Service::new();
    let tx = s.create_default().await;
    let origin = "https://wallet.example";
    let request_uri = format!("/v1/requests/{}", tx["request_id"].as_str().unwrap());
    let a = s
        .call(
            Request::get(&request_uri)
                .header(header::ORIGIN, origin)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    let a = s
        .call(
            Request::options(format!("{request_uri}/presentation"))
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "content-type")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(a.status.is_success(), "{}", a.status);
    assert_eq!(a.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");
    assert!(a.headers[header::ACCESS_CONTROL_ALLOW_METHODS]
        .to_str()
        .unwrap()
        .contains("POST"));
    // The epoch lists too (this service holds none).
    let a = s
        .call(
            Request::get(format!("/v1/lists/{}", "A".repeat(43)))
                .header(header::ORIGIN, origin)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(
        (a.status, a.error()),
        (StatusCode::NOT_FOUND, "unknown_list".into())
    );
    assert_eq!(a.headers[header::ACCESS_CONTROL_ALLOW_ORIGIN], "*");

    let status_uri = format!(
        "/v1/transactions/{}",
        tx["transaction_id"].as_str().unwrap()
    );
    let a = s
        .call(
            Request::get(&status_uri)
                .header(header::ORIGIN, origin)
                .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(!a.headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    let a = s
        .call(
            Request::options("/v1/transactions")
                .header(header::ORIGIN, origin)
                .header(header::ACCESS_CONTROL_REQUEST_METHOD, "POST")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(!a.headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wallet_page_needs_its_package_and_has_its_own_csp() {
    // Without the WebAssembly package: 503 saying why, and no wallet link.
    let s = Service::new();
    for path in [
        "/wallet",
        "/wallet/wallet.js",
        "/wallet/pkg/credence_wasm_bg.wasm",
    ] {
        let a = s.get(path).await;
        assert_eq!(
            (a.status, a.error()),
            (StatusCode::SERVICE_UNAVAILABLE, "wallet_unavailable".into()),
            "{path}"
        );
        assert!(a.json()["message"]
            .as_str()
            .unwrap()
            .contains("wasm/build.sh"));
    }
    let tx = s.create_default().await;
    assert!(tx.get("wallet_uri").is_none(), "{tx}");
    s.app.shutdown().await;

    // With a package (its files as wasm/build.sh names them).
    let pkg = tempfile::tempdir().unwrap();
    let module = b"\0asm\x01\0\0\0 a module".to_vec();
    std::fs::write(pkg.path().join("credence_wasm.js"), "export default 1;").unwrap();
    std::fs::write(pkg.path().join("credence_wasm_bg.wasm"), &module).unwrap();
    std::fs::write(pkg.path().join("package.json"), "{}").unwrap();
    let s = Service::with(|c| c.wallet_pkg = Some(pkg.path().into()));
    for (path, content_type) in [
        ("/wallet", "text/html; charset=utf-8"),
        ("/wallet/wallet.js", "text/javascript; charset=utf-8"),
        ("/wallet/wallet.css", "text/css; charset=utf-8"),
        (
            "/wallet/pkg/credence_wasm.js",
            "text/javascript; charset=utf-8",
        ),
        ("/wallet/pkg/credence_wasm_bg.wasm", "application/wasm"),
    ] {
        let a = s.get(path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert_eq!(a.headers[header::CONTENT_TYPE], content_type, "{path}");
        assert_eq!(
            a.headers[header::CONTENT_SECURITY_POLICY],
            wallet_page::CONTENT_SECURITY_POLICY,
            "{path}"
        );
        assert_eq!(a.headers["x-content-type-options"], "nosniff");
        assert!(!a.headers.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    }
    assert_eq!(
        s.get("/wallet/pkg/credence_wasm_bg.wasm").await.body,
        module
    );
    for path in [
        "/wallet/pkg/package.json",
        "/wallet/pkg/..%2Fpackage.json",
        "/wallet/other.js",
        "/wallet/pkg/a/b",
    ] {
        let a = s.get(path).await;
        assert_eq!(
            (a.status, a.error()),
            (StatusCode::NOT_FOUND, "not_found".into()),
            "{path}"
        );
    }
    let a = s
        .call(Request::post("/wallet").body(Body::empty()).unwrap())
        .await;
    assert_eq!(a.status, StatusCode::METHOD_NOT_ALLOWED);
    // The desk keeps its stricter policy: no WebAssembly there.
    let a = s.get("/desk").await;
    assert_eq!(
        a.headers[header::CONTENT_SECURITY_POLICY],
        desk::CONTENT_SECURITY_POLICY
    );
    // A new request comes with the wallet page's link to it.
    let tx = s.create_default().await;
    let request_uri = tx["request_uri"].as_str().unwrap();
    assert_eq!(
        tx["wallet_uri"],
        format!(
            "https://verifier.example/wallet#request_uri=https%3A%2F%2Fverifier.example%2Fv1%2Frequests%2F{}",
            tx["request_id"].as_str().unwrap()
        )
    );
    assert!(request_uri.starts_with("https://verifier.example/v1/requests/"));
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn probes_and_request_ids() {
    let s = Service::new();
    let a = s.get("/healthz").await;
    assert_eq!(a.status, StatusCode::OK);
    let first = a.headers["x-request-id"].to_str().unwrap().to_owned();
    let a = s.get("/readyz").await;
    assert_eq!(
        (a.status, a.json()["status"].clone()),
        (StatusCode::OK, json!("ready"))
    );
    assert_ne!(a.headers["x-request-id"].to_str().unwrap(), first);
    // A request id given by the client is kept.
    let a = s
        .call(
            Request::get("/healthz")
                .header("x-request-id", "abc-123")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(a.headers["x-request-id"], "abc-123");
    let metrics = s.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/plain"));
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_on_loopback_serves_and_stops_gracefully() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let c = config(&world, dir.path());
    let app = App::new(c.clone(), open_store(&c.store).unwrap()).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.serve(listener, async {
        let _ = stopped.await;
    }));
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"GET /readyz HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    // A wallet route works with the peer's address.
    let mut conn = tokio::net::TcpStream::connect(addr).await.unwrap();
    conn.write_all(b"GET /v1/requests/none HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 404"), "{answer}");
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), server)
        .await
        .expect("stopped in time")
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_finishes_the_batch_in_flight_and_then_refuses() {
    let s = Service::with(|c| c.batch_window = Duration::from_millis(300));
    let (tx, later) = (s.create_default().await, s.create_default().await);
    let mut wallet = s.wallet(2);
    let (p, q) = (
        wallet.prove(&request_of(&tx)).unwrap(),
        wallet.prove(&request_of(&later)).unwrap(),
    );
    let router = s.router.clone();
    let post = |tx: &Value, p: &Presentation| {
        let r = Request::post(format!(
            "/v1/requests/{}/presentation",
            tx["request_id"].as_str().unwrap()
        ))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(serde_json::to_vec(p).unwrap()))
        .unwrap();
        let router = router.clone();
        tokio::spawn(async move { call(&router, r).await })
    };
    let in_flight = post(&tx, &p);
    // The presentation waits in its batch's window while the service stops.
    tokio::time::sleep(Duration::from_millis(100)).await;
    tokio::time::timeout(Duration::from_secs(30), s.app.shutdown())
        .await
        .expect("stopped in time");
    let a = in_flight.await.unwrap();
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["verdict"]["satisfied"], true);
    // Later presentations are refused, and nothing is recorded for them.
    let a = post(&later, &q).await.unwrap();
    assert_eq!(
        (a.status, a.error()),
        (StatusCode::SERVICE_UNAVAILABLE, "busy".into())
    );
    let r = Request::get(format!(
        "/v1/transactions/{}",
        later["transaction_id"].as_str().unwrap()
    ))
    .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
    .body(Body::empty())
    .unwrap();
    assert_eq!(call(&s.router, r).await.json()["status"], "pending");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_janitor_purges_expired_transactions_after_the_retention() {
    let s = Service::with(|c| {
        c.purge_interval = Duration::from_secs(1);
        c.purge_retention = Duration::ZERO;
    });
    let tx = s
        .create(json!({"policy": POLICY, "purpose": "p", "reference_date": "2027-03-01", "lifetime_seconds": 1}))
        .await;
    let kept = s.create_default().await;
    let uri = format!(
        "/v1/transactions/{}",
        tx["transaction_id"].as_str().unwrap()
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let a = s.backend(Method::GET, &uri, None).await;
        if a.status == StatusCode::NOT_FOUND {
            break;
        }
        assert!(Instant::now() < deadline, "purged in time");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(s.status(&kept).await["status"], "pending");
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_request_ids_and_schemes() {
    let s = Service::new();
    for odd in ["x".repeat(65), "a b".into(), "{\"json\":1}".into()] {
        let a = s
            .call(
                Request::get("/healthz")
                    .header("x-request-id", odd.as_str())
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_ne!(a.headers["x-request-id"], odd.as_str());
    }
    // The bearer scheme is case-insensitive; the token is not.
    let a = s
        .call(
            Request::get(format!(
                "/v1/transactions/{}",
                URL_SAFE_NO_PAD.encode([1u8; 32])
            ))
            .header(header::AUTHORIZATION, format!("bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    let a = s
        .call(
            Request::get(format!(
                "/v1/transactions/{}",
                URL_SAFE_NO_PAD.encode([1u8; 32])
            ))
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", TOKEN.to_uppercase()),
            )
            .body(Body::empty())
            .unwrap(),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    s.app.shutdown().await;
}

/// A store that can be taken down: every call fails while it is.
struct Flaky {
    inner: credence_verifier::SqliteNonceStore,
    down: std::sync::atomic::AtomicBool,
}

mod flaky {
    use std::sync::atomic::Ordering;

    use credence::verifier::{
        Attempt, NonceStore, RequestRecord, RequestTerms, Settlement, Settling, StoreError,
    };
    use credence::ProofRequest;
    use credence_verifier::{Transaction, TransactionStore, TxHash};

    use super::Flaky;

    impl Flaky {
        fn up(&self) -> Result<(), StoreError> {
            match self.down.load(Ordering::SeqCst) {
                true => Err(StoreError::Backend("the store is down".into())),
                false => Ok(()),
            }
        }
    }

    impl NonceStore for Flaky {
        fn record(&self, r: &ProofRequest, t: &RequestTerms) -> Result<(), StoreError> {
            self.up()?;
            self.inner.record(r, t)
        }
        fn lookup(&self, n: &[u8; 32]) -> Result<Option<RequestRecord>, StoreError> {
            self.up()?;
            self.inner.lookup(n)
        }
        fn settle(&self, n: &[u8; 32], a: Attempt, now: u64) -> Result<Settlement, StoreError> {
            self.up()?;
            self.inner.settle(n, a, now)
        }
        fn settle_batch(
            &self,
            attempts: &[Settling<'_>],
            now: u64,
        ) -> Result<Vec<Settlement>, StoreError> {
            self.up()?;
            self.inner.settle_batch(attempts, now)
        }
    }

    impl TransactionStore for Flaky {
        fn create(
            &self,
            tx: &TxHash,
            r: &ProofRequest,
            t: &RequestTerms,
        ) -> Result<(), StoreError> {
            self.up()?;
            self.inner.create(tx, r, t)
        }
        fn request(&self, n: &[u8; 32]) -> Result<Option<(ProofRequest, Transaction)>, StoreError> {
            self.up()?;
            self.inner.request(n)
        }
        fn transaction(&self, tx: &TxHash) -> Result<Option<Transaction>, StoreError> {
            self.up()?;
            self.inner.transaction(tx)
        }
        fn cancel(&self, tx: &TxHash, now: u64) -> Result<bool, StoreError> {
            self.up()?;
            self.inner.cancel(tx, now)
        }
        fn purge(&self, before: u64) -> Result<usize, StoreError> {
            self.up()?;
            self.inner.purge(before)
        }
        fn ping(&self) -> Result<(), StoreError> {
            self.up()?;
            self.inner.ping()
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_store_that_is_down_gives_503_and_accepts_nothing() {
    use std::sync::atomic::Ordering;
    let world = Arc::new(World::new());
    let dir = tempfile::tempdir().unwrap();
    let c = config(&world, dir.path());
    let flaky = Arc::new(Flaky {
        inner: credence_verifier::SqliteNonceStore::open(dir.path().join("v.sqlite")).unwrap(),
        down: false.into(),
    });
    let app = App::new(c, flaky.clone()).unwrap();
    let s = Service {
        router: app.router(),
        app,
        world,
        _dir: dir,
    };
    let tx = s.create_default().await;
    let p = s.wallet(1).prove(&request_of(&tx)).unwrap();
    // Down after the request was fetched: the post, the creation, the
    // status and the probe fail.
    let fetched = s
        .get(&format!(
            "/v1/requests/{}",
            tx["request_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(fetched.status, StatusCode::OK);
    flaky.down.store(true, Ordering::SeqCst);
    let a = s.present(&tx, &p).await;
    assert_eq!(
        (a.status, a.error()),
        (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable".into())
    );
    assert!(
        !String::from_utf8_lossy(&a.body).contains("down"),
        "the cause stays in the log"
    );
    let a = s.get("/readyz").await;
    assert_eq!(
        (a.status, a.error()),
        (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable".into())
    );
    assert_eq!(s.get("/healthz").await.status, StatusCode::OK);
    let a = s
        .backend(
            Method::POST,
            "/v1/transactions",
            Some(json!({"policy": POLICY, "purpose": "p"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    let a = s
        .backend(
            Method::GET,
            &format!(
                "/v1/transactions/{}",
                tx["transaction_id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    // Back up: nothing was recorded, and the presentation is accepted.
    flaky.down.store(false, Ordering::SeqCst);
    assert_eq!(s.status(&tx).await["status"], "pending");
    assert_eq!(s.get("/readyz").await.status, StatusCode::OK);
    let a = s.present(&tx, &p).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["verdict"]["satisfied"], true);
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_that_takes_too_long_is_408() {
    let s = Service::with(|c| c.request_timeout = Duration::from_millis(500));
    let tx = s.create_default().await;
    let started = Instant::now();
    let a = s
        .backend(
            Method::GET,
            &format!(
                "/v1/transactions/{}?wait=20",
                tx["transaction_id"].as_str().unwrap()
            ),
            None,
        )
        .await;
    assert_eq!(
        (a.status, a.error()),
        (StatusCode::REQUEST_TIMEOUT, "timeout".into())
    );
    assert!(started.elapsed() < Duration::from_secs(10));
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn presentations_that_arrive_together_are_verified_in_one_batch() {
    let s = Service::with(|c| c.batch_window = Duration::from_millis(500));
    let (tx, other) = (s.create_default().await, s.create_default().await);
    let mut wallet = s.wallet(2);
    let right = wallet.prove(&request_of(&tx)).unwrap();
    let stray = wallet.prove(&request_of(&tx)).unwrap();
    let posts: Vec<_> = [(&tx, &right), (&other, &stray)]
        .into_iter()
        .map(|(t, p)| {
            let r = Request::post(format!(
                "/v1/requests/{}/presentation",
                t["request_id"].as_str().unwrap()
            ))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(serde_json::to_vec(p).unwrap()))
            .unwrap();
            let router = s.router.clone();
            tokio::spawn(async move { call(&router, r).await })
        })
        .collect();
    let mut verdicts = Vec::new();
    for p in posts {
        let a = p.await.unwrap();
        assert_eq!(a.status, StatusCode::OK);
        verdicts.push(a.json()["verdict"]["satisfied"].as_bool().unwrap());
    }
    // Each has its own verdict, though one of the batch fails.
    assert_eq!(verdicts, [true, false]);
    assert_eq!(s.status(&tx).await["status"], "answered");
    assert_eq!(s.status(&other).await["status"], "rejected");
    let metrics = String::from_utf8(s.get("/metrics").await.body).unwrap();
    assert!(
        metrics.contains("credence_batch_size_count 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("credence_batch_size_sum 2.0\n"),
        "{metrics}"
    );
    s.app.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_postgresql_too_a_wallet_answers_once() {
    // Making the schema, connecting and migrating block: off the runtime.
    let Some((pg, s)) = tokio::task::spawn_blocking(|| {
        let pg = common::Postgres::new()?;
        let url = StoreUrl::parse(&pg.url).unwrap();
        Some((pg, Service::on(Some(url), |_| {})))
    })
    .await
    .unwrap() else {
        return;
    };
    let tx = s.create_default().await;
    assert_eq!(s.status(&tx).await["status"], "pending");
    assert_eq!(s.get("/readyz").await.status, StatusCode::OK);
    racing_posts_on(s).await;
    tokio::task::spawn_blocking(move || drop(pg)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_sees_an_answer_posted_to_another_instance() {
    let a = Service::new();
    let b = Service::on(
        Some(StoreUrl::Sqlite(a._dir.path().join("verifier.sqlite"))),
        |_| {},
    );
    let tx = a.create_default().await;
    let router = a.router.clone();
    let uri = format!(
        "/v1/transactions/{}?wait=20",
        tx["transaction_id"].as_str().unwrap()
    );
    let poll = tokio::spawn(async move {
        let r = Request::get(uri)
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap();
        call(&router, r).await
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    let p = b.wallet(1).prove(&request_of(&tx)).unwrap();
    let posted = Instant::now();
    assert_eq!(b.present(&tx, &p).await.status, StatusCode::OK);
    let polled = poll.await.unwrap();
    assert_eq!(polled.json()["status"], "answered");
    assert!(
        posted.elapsed() < Duration::from_secs(10),
        "seen by a re-read"
    );
    a.app.shutdown().await;
    b.app.shutdown().await;
}
