//! A stand-in for the service's HTTP layer, for the desk test until the
//! service binary serves the same API: the endpoints of the verifier backend
//! and of the wallet side, in the shape the service documents, over the
//! library's `Verifier` on a `SqliteNonceStore`, one thread per connection.
//! It serves the desk's files from `credence_verifier::desk`.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use credence::verifier::Verifier;
use credence::{parse_policy, Date, Presentation, RaterDescriptor, Rejection};
use credence_verifier::{desk, SqliteNonceStore, Transaction, TransactionStore, TxHash};
use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

type Store = Arc<SqliteNonceStore>;

struct State {
    verifier: Verifier<Store>,
    token: String,
    base: String,
}

/// Starts the stand-in on 127.0.0.1 (a free port) and returns its address.
pub fn start(trusted: Vec<RaterDescriptor>, db: &Path, token: &str) -> SocketAddr {
    let store = Arc::new(SqliteNonceStore::open(db).unwrap());
    let verifier = Verifier::new("consulate.example", trusted, store).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let state = Arc::new(State {
        verifier,
        token: token.to_owned(),
        base: format!("http://{addr}"),
    });
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let state = Arc::clone(&state);
            std::thread::spawn(move || {
                let _ = serve(&state, stream);
            });
        }
    });
    addr
}

struct Request {
    method: String,
    path: String,
    query: HashMap<String, String>,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

struct Response {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

fn json_response(status: u16, body: &Value) -> Response {
    Response {
        status,
        headers: vec![("content-type", "application/json".into())],
        body: serde_json::to_vec(body).unwrap(),
    }
}

fn error(status: u16, code: &str, message: &str) -> Response {
    json_response(status, &json!({ "error": code, "message": message }))
}

fn serve(state: &State, mut stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let response = match read_request(&mut stream)? {
        Some(request) => route(state, &request),
        None => error(400, "bad_request", "the request could not be read"),
    };
    let reason = match response.status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        _ => "Status",
    };
    let mut head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Length: {}\r\nConnection: close\r\n",
        response.status,
        response.body.len()
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(&response.body)?;
    stream.flush()
}

fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 || buf.len() > 32 * 1024 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let Ok(head) = std::str::from_utf8(&buf[..end]) else {
        return Ok(None);
    };
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let target = first.next().unwrap_or("").to_owned();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if length > 64 * 1024 {
        return Ok(None);
    }
    let mut body = buf[end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q),
        None => (target.clone(), ""),
    };
    let query = query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    Ok(Some(Request {
        method,
        path,
        query,
        headers,
        body,
    }))
}

fn route(state: &State, r: &Request) -> Response {
    let segments: Vec<&str> = r.path.trim_start_matches('/').split('/').collect();
    match (r.method.as_str(), segments.as_slice()) {
        ("GET", _) if desk::asset(&r.path).is_some() => {
            let asset = desk::asset(&r.path).unwrap();
            let mut headers = vec![("content-type", asset.content_type.to_owned())];
            headers.extend(desk::HEADERS.iter().map(|(k, v)| (*k, (*v).to_owned())));
            Response {
                status: 200,
                headers,
                body: asset.body.as_bytes().to_vec(),
            }
        }
        ("POST", ["v1", "transactions"]) => authorized(state, r, || create(state, r)),
        ("GET", ["v1", "transactions", id]) => authorized(state, r, || read(state, r, id)),
        ("DELETE", ["v1", "transactions", id]) => authorized(state, r, || cancel(state, id)),
        ("GET", ["v1", "requests", id]) => fetch_request(state, id),
        ("POST", ["v1", "requests", id, "presentation"]) => present(state, r, id),
        _ => error(404, "not_found", "no such resource"),
    }
}

fn authorized(state: &State, r: &Request, f: impl FnOnce() -> Response) -> Response {
    let expected = format!("Bearer {}", state.token);
    match r.headers.get("authorization") {
        Some(h) if *h == expected => f(),
        _ => error(401, "unauthorized", "a valid bearer token is required"),
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn tx_hash(id: &str) -> TxHash {
    Sha256::digest(id.as_bytes()).into()
}

fn create(state: &State, r: &Request) -> Response {
    let Ok(body) = serde_json::from_slice::<Value>(&r.body) else {
        return error(400, "bad_request", "the body is not JSON");
    };
    let policy = body["policy"].as_str().unwrap_or("");
    let purpose = body["purpose"].as_str().unwrap_or("");
    let predicates = match parse_policy(policy) {
        Ok(p) => p,
        Err(e) => return error(400, "bad_policy", &e.to_string()),
    };
    let date = match body["reference_date"].as_str() {
        Some(s) => match Date::parse(s) {
            Ok(d) => d,
            Err(e) => return error(400, "bad_date", &e.to_string()),
        },
        None => Date::from_days(now() / 86_400).unwrap(),
    };
    let lifetime = body["lifetime_seconds"].as_u64().unwrap_or(300);
    let prepared = state
        .verifier
        .request(date)
        .purpose(purpose)
        .predicates(predicates)
        .lifetime(Duration::from_secs(lifetime))
        .prepare_with_rng(&mut OsRng);
    let (request, terms) = match prepared {
        Ok(p) => p,
        Err(e) => return error(400, "bad_policy", &e.to_string()),
    };
    let mut secret = [0u8; 32];
    OsRng.fill_bytes(&mut secret);
    let transaction_id = URL_SAFE_NO_PAD.encode(secret);
    state
        .verifier
        .store()
        .create(&tx_hash(&transaction_id), &request, &terms)
        .unwrap();
    let request_id = URL_SAFE_NO_PAD.encode(request.nonce());
    let request_uri = format!("{}/v1/requests/{request_id}", state.base);
    json_response(
        201,
        &json!({
            "transaction_id": transaction_id,
            "request_id": request_id,
            "request_uri": request_uri,
            "response_uri": format!("{request_uri}/presentation"),
            "expires_at": terms.expires_at,
            "request": serde_json::to_value(&request).unwrap(),
            "qr_svg": desk::qr_svg(&request_uri).unwrap(),
        }),
    )
}

fn status(t: &Transaction, now: u64) -> &'static str {
    if t.cancelled {
        "cancelled"
    } else if t.record.spent {
        "answered"
    } else if now >= t.record.terms.expires_at {
        "expired"
    } else if t.record.failures >= t.record.terms.max_failures {
        "closed"
    } else {
        "pending"
    }
}

fn read(state: &State, r: &Request, id: &str) -> Response {
    let hash = tx_hash(id);
    let wait = r
        .query
        .get("wait")
        .and_then(|w| w.parse::<u64>().ok())
        .unwrap_or(0)
        .min(30);
    let deadline = Instant::now() + Duration::from_secs(wait);
    let Some(first) = state.verifier.store().transaction(&hash).unwrap() else {
        return error(404, "unknown_transaction", "no such transaction");
    };
    let mut t = first.clone();
    while status(&t, now()) == "pending" && t == first && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
        match state.verifier.store().transaction(&hash).unwrap() {
            Some(next) => t = next,
            None => return error(404, "unknown_transaction", "no such transaction"),
        }
    }
    let mut body = json!({
        "status": status(&t, now()),
        "request_id": URL_SAFE_NO_PAD.encode(t.nonce),
        "expires_at": t.record.terms.expires_at,
    });
    if let Some(at) = t.answered_at {
        body["answered_at"] = json!(at);
    }
    if let Some(v) = &t.verdict {
        body["verdict"] = serde_json::from_str(v).unwrap();
    }
    json_response(200, &body)
}

fn cancel(state: &State, id: &str) -> Response {
    if state.verifier.store().cancel(&tx_hash(id), now()).unwrap() {
        Response {
            status: 204,
            headers: Vec::new(),
            body: Vec::new(),
        }
    } else {
        error(404, "unknown_transaction", "no such transaction")
    }
}

fn nonce(id: &str) -> Option<[u8; 32]> {
    URL_SAFE_NO_PAD.decode(id).ok()?.try_into().ok()
}

fn fetch_request(state: &State, id: &str) -> Response {
    let found = nonce(id).and_then(|n| state.verifier.store().request(&n).unwrap());
    match found {
        None => error(404, "unknown_request", "no such request"),
        Some((_, t)) if status(&t, now()) == "expired" || t.cancelled => {
            error(410, "gone", "the request can no longer be answered")
        }
        Some((request, _)) => json_response(200, &serde_json::to_value(&request).unwrap()),
    }
}

fn present(state: &State, r: &Request, id: &str) -> Response {
    let Ok(presentation) = serde_json::from_slice::<Presentation>(&r.body) else {
        return error(400, "malformed", "the body is not a presentation");
    };
    let Some((request, _)) = nonce(id).and_then(|n| state.verifier.store().request(&n).unwrap())
    else {
        return error(404, "unknown_request", "no such request");
    };
    let verdict = state
        .verifier
        .check_batch(&[(&request, &presentation)])
        .unwrap()
        .pop()
        .unwrap()
        .unwrap();
    match verdict.rejection() {
        Some(Rejection::Replayed) => error(409, "replayed", "the request was answered before"),
        Some(Rejection::Expired) | Some(Rejection::Closed) => {
            error(410, "gone", "the request can no longer be answered")
        }
        _ => json_response(200, &json!({ "verdict": verdict })),
    }
}
