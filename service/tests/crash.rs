//! The service binary under load, killed and restarted:
//!
//! - killed with SIGKILL and started again on the same SQLite file: no
//!   transaction created before the crash is lost, and no spent nonce is
//!   ever accepted again;
//! - its PostgreSQL server stopped under load: the service answers 503 while
//!   the server is down, recovers by itself when it is back, and accepts no
//!   replay (needs the server of `CREDENCE_TEST_POSTGRES` and the control
//!   variables `.ci/run` exports).

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use credence::fixtures::{rng, World};
use credence::{Presentation, ProofRequest, RaterDescriptor};
use serde_json::{json, Value};

const TOKEN: &str = "crash-test-token-0123456789";

/// A blocking HTTP client that reports every status as an answer.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// An answer: status and body (JSON when it is).
#[derive(Debug)]
struct Answer {
    status: u16,
    body: Value,
}

fn answer(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<Answer, String> {
    let mut r = r.map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    let text = r.body_mut().read_to_string().map_err(|e| e.to_string())?;
    Ok(Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    })
}

/// The service binary, running with a configuration file.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts the service with `store` and waits until it answers.
    fn start(dir: &Path, store: &str, port: u16) -> Server {
        let config = dir.join("verifier.toml");
        let raters: Vec<String> = ["bank", "court"]
            .iter()
            .map(|r| dir.join(format!("{r}.pub.json")).display().to_string())
            .collect();
        let text = format!(
            "listen = \"127.0.0.1:{port}\"\nstore = {store:?}\ntoken = {TOKEN:?}\n\
             verifier_id = \"consulate.example\"\ntrusted_raters = {raters:?}\n\
             rate_limit_per_second = 100000\nrate_limit_burst = 100000\n"
        );
        std::fs::write(&config, text).unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("service.log"))
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_credence-verifier"))
            .arg("--config")
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        let a = agent();
        loop {
            if let Ok(r) = answer(a.get(format!("{}/healthz", server.base)).call()) {
                if r.status == 200 {
                    return server;
                }
            }
            assert!(Instant::now() < deadline, "the service did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGKILL, and wait for the process to be gone.
    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Writes the fixtures' bank and court descriptors into `dir`.
fn write_raters(world: &World, dir: &Path) {
    for (name, rater) in [("bank", &world.bank), ("court", &world.court)] {
        let d = RaterDescriptor::new(rater.schema.clone(), rater.public());
        std::fs::write(
            dir.join(format!("{name}.pub.json")),
            serde_json::to_vec(&d).unwrap(),
        )
        .unwrap();
    }
}

/// What the load saw: transactions created (their ids), presentations
/// accepted (their response paths and bodies), and presentations whose
/// answer never came (in flight when the service died).
#[derive(Default)]
struct Seen {
    created: Vec<String>,
    accepted: Vec<(String, Vec<u8>)>,
    unanswered: Vec<(String, Vec<u8>)>,
    unavailable: usize,
}

/// One wallet's loop: create a transaction, prove, post; until `stop`.
fn load(base: &str, world: &World, seed: u64, stop: &AtomicBool, seen: &Mutex<Seen>) {
    let a = agent();
    let (link, creds) = world.subject(12_000, 0);
    let mut rng = rng(seed);
    while !stop.load(Ordering::Relaxed) {
        let created = answer(
            a.post(format!("{base}/v1/transactions"))
                .header("Authorization", &format!("Bearer {TOKEN}"))
                .send_json(json!({
                    "policy": "bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0",
                    "purpose": "crash test",
                })),
        );
        let tx = match created {
            Ok(r) if r.status == 201 => r.body,
            Ok(r) if r.status == 503 => {
                seen.lock().unwrap().unavailable += 1;
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
            Ok(r) => panic!("creation answered {}: {}", r.status, r.body),
            Err(_) => {
                // The service is down.
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        let id = tx["transaction_id"].as_str().unwrap().to_owned();
        // The path only: a restarted service listens on another port.
        let uri = tx["response_uri"].as_str().unwrap().to_owned();
        let path = uri.strip_prefix(base).unwrap().to_owned();
        seen.lock().unwrap().created.push(id);
        let request: ProofRequest = serde_json::from_value(tx["request"].clone()).unwrap();
        let p = Presentation::prove_with_rng(&request, &link, &creds, &mut rng).unwrap();
        let body = serde_json::to_vec(&p).unwrap();
        let posted = answer(
            a.post(&uri)
                .content_type("application/json")
                .send(&body[..]),
        );
        let mut seen = seen.lock().unwrap();
        match posted {
            Ok(r) if r.status == 200 => {
                assert_eq!(r.body["verdict"]["satisfied"], true, "{}", r.body);
                seen.accepted.push((path, body));
            }
            Ok(r) if r.status == 503 => {
                seen.unavailable += 1;
                seen.unanswered.push((path, body));
            }
            Ok(r) => panic!("a fresh presentation answered {}: {}", r.status, r.body),
            Err(_) => seen.unanswered.push((path, body)),
        }
    }
}

/// Runs `wallets` wallets against `base` until `until` returns true.
fn under_load(
    base: &str,
    world: &Arc<World>,
    wallets: u64,
    until: impl FnOnce(&Mutex<Seen>),
) -> Seen {
    let stop = Arc::new(AtomicBool::new(false));
    let seen = Arc::new(Mutex::new(Seen::default()));
    let workers: Vec<_> = (0..wallets)
        .map(|i| {
            let (base, world, stop, seen) = (
                base.to_owned(),
                Arc::clone(world),
                Arc::clone(&stop),
                Arc::clone(&seen),
            );
            std::thread::spawn(move || load(&base, &world, 1000 + i, &stop, &seen))
        })
        .collect();
    until(&seen);
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.join().unwrap();
    }
    Arc::try_unwrap(seen).ok().unwrap().into_inner().unwrap()
}

/// Waits until `seen` has at least `accepted` accepted presentations.
fn wait_for(seen: &Mutex<Seen>, accepted: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while seen.lock().unwrap().accepted.len() < accepted {
        assert!(Instant::now() < deadline, "the load made no progress");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Posts `body` to `path` on `base` and returns the status.
fn post(base: &str, path: &str, body: &[u8]) -> u16 {
    answer(
        agent()
            .post(format!("{base}{path}"))
            .content_type("application/json")
            .send(body),
    )
    .unwrap()
    .status
}

/// Checks, on the service at `base`, what `seen` saw before it died: every
/// transaction is still there, every accepted presentation is a replay now,
/// and a presentation whose answer never came is accepted at most once.
fn check_after_restart(base: &str, seen: &Seen) {
    let a = agent();
    for id in &seen.created {
        let r = answer(
            a.get(format!("{base}/v1/transactions/{id}"))
                .header("Authorization", &format!("Bearer {TOKEN}"))
                .call(),
        )
        .unwrap();
        assert_eq!(r.status, 200, "a transaction created before was lost");
    }
    for (path, body) in &seen.accepted {
        assert_eq!(
            post(base, path, body),
            409,
            "a spent nonce was accepted again"
        );
    }
    for (path, body) in &seen.unanswered {
        let first = post(base, path, body);
        assert!(first == 200 || first == 409, "{first}");
        assert_eq!(post(base, path, body), 409, "a nonce was accepted twice");
    }
}

#[test]
fn a_killed_service_restarted_on_its_sqlite_file_loses_nothing_and_accepts_no_replay() {
    let world = Arc::new(World::new());
    let dir = tempfile::tempdir().unwrap();
    write_raters(&world, dir.path());
    let store = format!("sqlite://{}", dir.path().join("verifier.sqlite").display());
    let mut seen = Seen::default();
    // Three crashes, each at a moment of load.
    for round in 0..3 {
        let server = Server::start(dir.path(), &store, free_port());
        // What earlier rounds saw still holds after this restart.
        check_after_restart(&server.base, &seen);
        let base = server.base.clone();
        let mut server = Some(server);
        let now = under_load(&base, &world, 4, |s| {
            wait_for(s, 10 + 3 * round);
            if let Some(server) = server.take() {
                server.kill();
            }
        });
        seen.created.extend(now.created);
        seen.accepted.extend(now.accepted);
        seen.unanswered.extend(now.unanswered);
    }
    let server = Server::start(dir.path(), &store, free_port());
    check_after_restart(&server.base, &seen);
    assert!(seen.accepted.len() >= 10 + 13, "{}", seen.accepted.len());
    eprintln!(
        "crash test: {} transactions, {} accepted, {} in flight at a crash",
        seen.created.len(),
        seen.accepted.len(),
        seen.unanswered.len()
    );
}

/// The PostgreSQL server named by the environment, with what it takes to
/// stop and start it.
struct Postgres {
    url: String,
    bindir: PathBuf,
    data: PathBuf,
    user: String,
}

impl Postgres {
    fn from_env() -> Option<Postgres> {
        let var = |k| std::env::var(k).ok().filter(|v: &String| !v.is_empty());
        let (Some(url), Some(bindir), Some(data)) = (
            var("CREDENCE_TEST_POSTGRES"),
            var("CREDENCE_PG_BINDIR"),
            var("CREDENCE_PG_DATA"),
        ) else {
            if std::env::var_os("CI").is_some() {
                panic!("CI must run this test: CREDENCE_TEST_POSTGRES, CREDENCE_PG_BINDIR and CREDENCE_PG_DATA are not all set");
            }
            let mut err = std::io::stderr();
            let _ = writeln!(
                err,
                "skipped: set CREDENCE_TEST_POSTGRES, CREDENCE_PG_BINDIR and CREDENCE_PG_DATA (as .ci/run does)"
            );
            return None;
        };
        Some(Postgres {
            url,
            bindir: bindir.into(),
            data: data.into(),
            user: var("CREDENCE_PG_USER").unwrap_or_default(),
        })
    }

    /// Runs `pg_ctl` with `args`, as the cluster's user.
    fn pg_ctl(&self, args: &[&str]) {
        let pg_ctl = self.bindir.join("pg_ctl");
        let dir = self.data.parent().unwrap();
        let mut cmd = if self.user.is_empty() {
            Command::new(&pg_ctl)
        } else {
            let mut c = Command::new("runuser");
            c.args(["-u", &self.user, "--"]).arg(&pg_ctl);
            c
        };
        let status = cmd
            .arg("-D")
            .arg(&self.data)
            .args(args)
            .current_dir(dir)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl {args:?}");
    }

    fn stop(&self) {
        self.pg_ctl(&["-w", "-m", "immediate", "stop"]);
    }

    /// Starts the server again with the options it was started with.
    fn start(&self) {
        let port = self
            .url
            .rsplit_once(':')
            .and_then(|(_, rest)| rest.split('/').next())
            .unwrap()
            .to_owned();
        let dir = self.data.parent().unwrap().display().to_string();
        let options = format!("-c listen_addresses=127.0.0.1 -p {port} -k {dir}");
        let log = format!("{dir}/log");
        self.pg_ctl(&["-w", "-t", "60", "-l", &log, "-o", &options, "start"]);
    }
}

#[test]
fn a_postgres_restart_under_load_gives_503_then_recovers_without_replays() {
    let Some(pg) = Postgres::from_env() else {
        return;
    };
    // A schema of its own, so other tests' tables stay apart.
    let schema = format!("crash_{}", std::process::id());
    let url = format!(
        "{}{}options=-csearch_path%3D{schema}",
        pg.url,
        if pg.url.contains('?') { "&" } else { "?" }
    );
    let mut client = postgres_client(&pg.url);
    client(&format!("CREATE SCHEMA {schema}"));
    let world = Arc::new(World::new());
    let dir = tempfile::tempdir().unwrap();
    write_raters(&world, dir.path());
    let server = Server::start(dir.path(), &url, free_port());
    let base = server.base.clone();
    let a = agent();
    let ready = |a: &ureq::Agent| {
        answer(a.get(format!("{base}/readyz")).call())
            .unwrap()
            .status
    };
    assert_eq!(ready(&a), 200);
    let mut down_statuses = Vec::new();
    let seen = under_load(&base, &world, 4, |s| {
        wait_for(s, 4);
        pg.stop();
        // While the server is down: not ready, and presentations 503.
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let status = ready(&a);
            if status == 503 {
                break;
            }
            assert!(Instant::now() < deadline, "/readyz stayed {status}");
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(500));
        down_statuses.push(ready(&a));
        pg.start();
        // It recovers by itself.
        let deadline = Instant::now() + Duration::from_secs(60);
        while ready(&a) != 200 {
            assert!(Instant::now() < deadline, "the service did not recover");
            std::thread::sleep(Duration::from_millis(100));
        }
        let before = s.lock().unwrap().accepted.len();
        wait_for(s, before + 4);
    });
    assert_eq!(down_statuses, [503]);
    assert!(
        seen.unavailable > 0,
        "no request was answered 503 while the server was down"
    );
    check_after_restart(&base, &seen);
    drop(server);
    client(&format!("DROP SCHEMA {schema} CASCADE"));
}

/// Runs SQL statements on the server at `url` with psql-free means: a
/// PgNonceStore-independent connection through tokio-postgres.
fn postgres_client(url: &str) -> impl FnMut(&str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = url.to_owned();
    move |sql: &str| {
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
                .await
                .unwrap();
            let task = tokio::spawn(conn);
            client.batch_execute(sql).await.unwrap();
            drop(client);
            let _ = task.await;
        })
    }
}
