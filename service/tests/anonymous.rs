//! The anonymous mode through the service: epoch lists from files, read at
//! start and reloaded when a file changes (a new epoch), and from URLs,
//! fetched again (conditionally) every refresh period; requests that ask
//! for the court anonymously and for the holder's pseudonym; a revoked
//! holder refused once the next epoch's list is in place; a second list for
//! an epoch already served refused.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap, Method, Request, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use credence::epoch::{EpochList, EpochWindow};
use credence::fixtures::{rng, World};
use credence::wallet::{Wallet, WalletError};
use credence::{Error, ProofRequest, RaterDescriptor};
use credence_verifier::{open_store, App, Config, ListSource, Secret, StoreUrl};
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use serde_json::{json, Value};
use tower::ServiceExt;

mod common;

const TOKEN: &str = "test-token-0123456789abcdef";

async fn call(
    router: &Router,
    method: Method,
    uri: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
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
    let mut request = r.body(body).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(std::net::SocketAddr::from((
            [192, 0, 2, 9],
            40000,
        ))));
    let response = tokio::time::timeout(Duration::from_secs(60), router.clone().oneshot(request))
        .await
        .expect("answered in time")
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// The backend creates a transaction from `body`.
async fn transaction(router: &Router, body: Value) -> (StatusCode, Value) {
    call(router, Method::POST, "/v1/transactions", Some(body)).await
}

/// A court list for `epoch`, current now, of `listed` digests and a crowd.
fn list(world: &World, epoch: u64, listed: &[CompressedRistretto], crowd: usize) -> EpochList {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let mut r = rng(700 + epoch + crowd as u64);
    let mut digests: Vec<CompressedRistretto> = (0..crowd)
        .map(|_| RistrettoPoint::random(&mut r).compress())
        .collect();
    digests.extend_from_slice(listed);
    let window = EpochWindow {
        epoch,
        not_before: now - 60,
        not_after: now + 3600,
    };
    EpochList::sign(&world.court.key, &world.court.schema, window, 4, &digests).unwrap()
}

/// A wallet with three bank credentials and one court credential, and
/// its court digest; it accepts lists of 16 or more.
fn wallet(world: &World) -> (Wallet, CompressedRistretto) {
    let (mut wallet, digests) = common::holder(world, 3, 1);
    wallet.set_min_list_size(16);
    (wallet, digests[0])
}

/// A bikes.example service trusting the bank and the court, with its store
/// in `dir` and the court's list from `source`, looked at every 50 ms (a
/// URL fetched again every 200 ms).
fn config(world: &World, dir: &std::path::Path, source: ListSource) -> Config {
    let trusted = vec![
        RaterDescriptor::new(world.bank.schema.clone(), world.bank.public()),
        RaterDescriptor::new(world.court.schema.clone(), world.court.public()),
    ];
    let mut c = Config::new(
        "bikes.example",
        Secret::new(TOKEN),
        trusted,
        StoreUrl::Sqlite(dir.join("verifier.sqlite")),
    );
    c.lists = vec![source];
    c.list_refresh = Duration::from_millis(200);
    c.purge_interval = Duration::from_millis(50);
    c
}

/// The path of the list with `digest` on the service.
fn list_path(digest: &[u8; 32]) -> String {
    use base64::Engine as _;
    let id = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
    format!("/v1/lists/{id}")
}

/// The bytes the service serves for the list with `digest` (200, its media
/// type, cacheable).
async fn fetch_list(router: &Router, digest: &[u8; 32]) -> Vec<u8> {
    let mut request = Request::get(list_path(digest)).body(Body::empty()).unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(std::net::SocketAddr::from((
            [192, 0, 2, 9],
            40000,
        ))));
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    assert_eq!(headers[header::CONTENT_TYPE], "application/octet-stream");
    assert!(headers[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
    axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap()
        .to_vec()
}

/// Writes `list` to `path` so that its modification time changes.
fn write_list(path: &std::path::Path, list: &EpochList) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, list.to_bytes()).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_requests_follow_the_lists_the_service_reads() {
    let world = Arc::new(World::new());
    let dir = tempfile::tempdir().unwrap();
    let (mut mei, digest) = wallet(&world);
    let path = dir.path().join("court.list");
    let epoch1 = list(&world, 1, &[digest], 40);
    write_list(&path, &epoch1);

    let c = config(&world, dir.path(), ListSource::File(path.clone()));
    let app = App::new(c.clone(), open_store(&c.store).unwrap()).unwrap();
    let router = app.router();

    let create = |anonymous: bool| {
        json!({
            "policy": "bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0",
            "purpose": "rental deposit waiver",
            "reference_date": "2027-03-01",
            "anonymous": if anonymous { vec!["court"] } else { vec![] },
            "pseudonym": true,
        })
    };
    let answer = |tx: &Value, lists: &[EpochList], mei: &mut Wallet| {
        let request: ProofRequest = serde_json::from_value(tx["request"].clone()).unwrap();
        let lists = mei.epoch_lists(lists.iter().cloned()).unwrap();
        mei.prove_with_lists(&request, &lists)
    };
    let post = |tx: &Value, p: &credence::Presentation| {
        let uri = format!(
            "/v1/requests/{}/presentation",
            tx["request_id"].as_str().unwrap()
        );
        (uri, serde_json::to_value(p).unwrap())
    };

    // Epoch 1: the court anonymous, the bank fast, and a pseudonym.
    let (status, tx) = transaction(&router, create(true)).await;
    assert_eq!(status, StatusCode::CREATED, "{tx}");
    let request: ProofRequest = serde_json::from_value(tx["request"].clone()).unwrap();
    assert_eq!(
        request.trusted_for("court").unwrap().lists(),
        &[epoch1.digest()]
    );
    assert!(request.asks_pseudonym());
    // The wallet takes the list the request names from the service.
    let served = fetch_list(&router, &epoch1.digest()).await;
    assert_eq!(served, epoch1.to_bytes());
    let p = answer(&tx, &[EpochList::from_bytes(&served).unwrap()], &mut mei).unwrap();
    let (uri, body) = post(&tx, &p);
    let (status, verdict) = call(&router, Method::POST, &uri, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{verdict}");
    assert_eq!(verdict["verdict"]["satisfied"], true);
    let first_nym = verdict["verdict"]["pseudonym"].clone();
    assert!(first_nym.is_string());

    // The same holder returns (a fast-mode court this time): same pseudonym.
    let (_, tx) = transaction(&router, create(false)).await;
    let p = answer(&tx, &[], &mut mei).unwrap();
    let (uri, body) = post(&tx, &p);
    let (_, verdict) = call(&router, Method::POST, &uri, Some(body)).await;
    assert_eq!(verdict["verdict"]["satisfied"], true, "{verdict}");
    assert_eq!(verdict["verdict"]["pseudonym"], first_nym);

    // Epoch 2 leaves Mei out; the service reloads the file by itself.
    let epoch2 = list(&world, 2, &[], 41);
    write_list(&path, &epoch2);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let tx = loop {
        let (status, tx) = transaction(&router, create(true)).await;
        assert_eq!(status, StatusCode::CREATED);
        let request: ProofRequest = serde_json::from_value(tx["request"].clone()).unwrap();
        if request.trusted_for("court").unwrap().lists() == [epoch2.digest()] {
            break tx;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the list was not reloaded"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    // The service serves the new list, and no longer the old one.
    assert_eq!(
        fetch_list(&router, &epoch2.digest()).await,
        epoch2.to_bytes()
    );
    let (status, err) = call(&router, Method::GET, &list_path(&epoch1.digest()), None).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::NOT_FOUND, Some("unknown_list"))
    );
    for bad in ["/v1/lists/short", "/v1/lists/%2F%2F"] {
        let (status, _) = call(&router, Method::GET, bad, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }
    match answer(&tx, std::slice::from_ref(&epoch2), &mut mei) {
        Err(WalletError::Credence(Error::NotListed { .. })) => {}
        other => panic!("{other:?}"),
    }

    // Another list for epoch 2 (a split view) is refused: epoch 2 stays.
    let split = list(&world, 2, &[digest], 41);
    write_list(&path, &split);
    tokio::time::sleep(Duration::from_millis(600)).await;
    let (_, tx) = transaction(&router, create(true)).await;
    let request: ProofRequest = serde_json::from_value(tx["request"].clone()).unwrap();
    assert_eq!(
        request.trusted_for("court").unwrap().lists(),
        &[epoch2.digest()]
    );

    // No current list: a request for the anonymous mode cannot be made.
    let mut none = c.clone();
    none.lists = Vec::new();
    none.store = StoreUrl::Sqlite(dir.path().join("other.sqlite"));
    let other = App::new(none.clone(), open_store(&none.store).unwrap()).unwrap();
    let (status, err) = transaction(&other.router(), create(true)).await;
    assert_eq!(
        (status, err["error"].as_str()),
        (StatusCode::CONFLICT, Some("no_current_list"))
    );
    other.shutdown().await;

    // A list file that does not decode stops the start, naming the key.
    std::fs::write(&path, b"not a list").unwrap();
    match App::new(c.clone(), open_store(&c.store).unwrap()) {
        Err(e) => assert!(e.to_string().contains("lists"), "{e}"),
        Ok(_) => panic!("a bad list file was accepted"),
    }
    app.shutdown().await;
}

/// What the test's list server answers, and what it was asked.
#[derive(Default)]
struct Served {
    status: u16,
    body: Vec<u8>,
    gets: usize,
    not_modified: usize,
}

/// Serves `served` at `/court.list` on 127.0.0.1, with an `ETag` (the
/// body's SHA-256) and `304 Not Modified` for a matching `If-None-Match`;
/// returns the URL.
async fn list_server(served: Arc<Mutex<Served>>) -> String {
    use sha2::{Digest, Sha256};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let handler = move |headers: HeaderMap| {
        let served = Arc::clone(&served);
        async move {
            let mut s = served.lock().unwrap();
            s.gets += 1;
            let status = StatusCode::from_u16(s.status).unwrap();
            if status != StatusCode::OK {
                return status.into_response();
            }
            let etag = format!("\"{:x}\"", Sha256::digest(&s.body));
            if headers
                .get(header::IF_NONE_MATCH)
                .and_then(|v| v.to_str().ok())
                == Some(&etag)
            {
                s.not_modified += 1;
                return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
            }
            ([(header::ETAG, etag)], s.body.clone()).into_response()
        }
    };
    let app = Router::new().route("/court.list", axum::routing::get(handler));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/court.list")
}

/// The court lists an anonymous request of `router` names now.
async fn named_lists(router: &Router) -> Vec<[u8; 32]> {
    let body = json!({
        "policy": "court.outstanding_defaults == 0",
        "purpose": "list check",
        "anonymous": ["court"],
    });
    let (status, tx) = transaction(router, body).await;
    assert_eq!(status, StatusCode::CREATED, "{tx}");
    let request: ProofRequest = serde_json::from_value(tx["request"].clone()).unwrap();
    request.trusted_for("court").unwrap().lists().to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_by_url_are_fetched_again_and_checked() {
    let world = World::new();
    let dir = tempfile::tempdir().unwrap();
    let epoch1 = list(&world, 1, &[], 40);
    let served = Arc::new(Mutex::new(Served {
        status: 200,
        body: epoch1.to_bytes(),
        ..Served::default()
    }));
    let url = list_server(Arc::clone(&served)).await;
    let c = config(&world, dir.path(), ListSource::Url(url.clone()));
    let app = App::new(c.clone(), open_store(&c.store).unwrap()).unwrap();
    let router = app.router();
    assert_eq!(named_lists(&router).await, [epoch1.digest()]);

    // Fetched again, conditionally: the server answers 304 and nothing
    // changes.
    let settle = || tokio::time::sleep(Duration::from_millis(700));
    settle().await;
    {
        let s = served.lock().unwrap();
        assert!(
            s.gets >= 2 && s.not_modified >= 1,
            "{} {}",
            s.gets,
            s.not_modified
        );
    }
    assert_eq!(named_lists(&router).await, [epoch1.digest()]);

    // The server fails, then serves something that is not a list, then a
    // body longer than any list: the list held stays in use.
    let first = epoch1.digest();
    let held_through = |status: u16, body: Vec<u8>| {
        let served = Arc::clone(&served);
        let router = router.clone();
        async move {
            {
                let mut s = served.lock().unwrap();
                (s.status, s.body) = (status, body);
            }
            let gets = served.lock().unwrap().gets;
            settle().await;
            assert!(served.lock().unwrap().gets > gets, "not fetched again");
            assert_eq!(named_lists(&router).await, [first]);
        }
    };
    held_through(503, Vec::new()).await;
    held_through(200, b"not a list".to_vec()).await;
    held_through(200, vec![0; credence::epoch::MAX_LIST_LEN + 1]).await;
    // A list another key signed.
    let other = EpochList::sign(
        &world.bank.key,
        &world.court.schema,
        EpochWindow {
            epoch: 2,
            ..epoch1.window()
        },
        4,
        epoch1.entries(),
    )
    .unwrap();
    held_through(200, other.to_bytes()).await;

    // The next epoch is picked up by itself.
    let epoch2 = list(&world, 2, &[], 41);
    served.lock().unwrap().body = epoch2.to_bytes();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while named_lists(&router).await != [epoch2.digest()] {
        assert!(std::time::Instant::now() < deadline, "not reloaded");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Another list for epoch 2 (a split view) is refused.
    served.lock().unwrap().body = list(&world, 2, &[], 42).to_bytes();
    settle().await;
    assert_eq!(named_lists(&router).await, [epoch2.digest()]);
    app.shutdown().await;

    // A URL that answers no list stops the start, naming it.
    served.lock().unwrap().status = 404;
    match App::new(c.clone(), open_store(&c.store).unwrap()) {
        Err(e) => assert!(e.to_string().contains(&url), "{e}"),
        Ok(_) => panic!("a missing list was accepted"),
    }
}
