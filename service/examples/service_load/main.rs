//! Load on the verifier service, beside the library's own verification
//! throughput measured in the same run.
//!
//! ```text
//! cargo run --release -p credence-verifier --example service_load [-- FLOWS WALLETS]
//! ```
//!
//! For each store (SQLite in a temporary file; PostgreSQL too when
//! `CREDENCE_TEST_POSTGRES` names a server) and with batching on and off,
//! the service runs in this process on 127.0.0.1, and `WALLETS` concurrent
//! wallets (default 32) make `FLOWS` flows (default 512) over loopback
//! HTTP/1.1, each on its own keep-alive connection: the backend creates a
//! transaction, the wallet fetches the request, posts its presentation, and
//! the backend reads the verdict. The wallets are tasks of one client
//! thread (hyper's client), so that they take as little as they can of the
//! cores the service runs on; the CPU column is the whole process's,
//! wallets included. The wallets' proofs are made between the two halves
//! and are not timed (proving is the subject's cost, not the verifier's).
//!
//! The library rows verify the same presentations one by one on one
//! thread, and in batches of 64 across the machine's threads (the median
//! of five runs): from
//! presentations decoded beforehand, and from the JSON the service receives
//! (decoding across the threads too). Decoding alone, also measured,
//! decompresses every point of a presentation; a service, which must decode
//! what it receives, can reach at most the decoding-included rate.
//!
//! Without batching (batches of one), the service verifies as many
//! presentations at once as the machine has threads.
//!
//! For tuning: `LOAD_CONCURRENCY` and `LOAD_WINDOW_MS` set the batcher's
//! concurrency (when batching) and window, `LOAD_METRICS=1` prints the batch sizes, and
//! `SERVICE_LOAD_PAUSE=1` pauses 3 s before the presentations (to attach a
//! profiler to the process).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use credence::epoch::{EpochList, EpochLists, EpochWindow};
use credence::fixtures::{rng, World};
use credence::wallet::HeldCredential;
use credence::{Presentation, ProofRequest, RaterDescriptor};
use credence_verifier::{open_store, App, Config, ListSource, Secret, StoreUrl};
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request};
use serde_json::json;

mod client;
mod report;

use client::{on_wallets, path_of};
use report::{cpu_time, library, table};

const TOKEN: &str = "service-load-token-0123456789";
const POLICY: &str = "bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0";

type Error = Box<dyn std::error::Error + Send + Sync>;

/// One flow's data, as the wallets see it.
struct Flow {
    transaction_id: String,
    response_path: String,
    request: Option<ProofRequest>,
    presentation: Bytes,
}

/// Timings of one service configuration.
struct Run {
    label: String,
    create_secs: f64,
    present_secs: f64,
    /// The CPU time of the whole process (service and wallets) while
    /// presenting.
    present_cpu: Option<Duration>,
    latencies: Vec<Duration>,
    flows: Vec<Flow>,
}

/// The court's epoch list for the anonymous mode, and the file the service
/// reads it from.
struct Anonymous {
    lists: EpochLists,
    file: PathBuf,
}

impl Anonymous {
    /// A list of `size` court credentials, the subject's among them,
    /// written to a file in `dir`.
    fn new(
        world: &World,
        subject: &[HeldCredential],
        size: usize,
        dir: &Path,
    ) -> Result<Self, Error> {
        let court = subject
            .iter()
            .find(|c| c.credential().schema_id() == "court")
            .and_then(HeldCredential::digest)
            .ok_or("the subject holds no court credential with a digest")?;
        let mut r = rng(99);
        let mut entries: Vec<CompressedRistretto> = (1..size)
            .map(|_| RistrettoPoint::random(&mut r).compress())
            .collect();
        entries.push(*court.point());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs();
        let window = EpochWindow {
            epoch: 1,
            not_before: now - 60,
            not_after: now + 3600,
        };
        let list = EpochList::sign(&world.court.key, &world.court.schema, window, 4, &entries)?;
        let file = dir.join("court.list");
        std::fs::write(&file, list.to_bytes())?;
        let mut lists = EpochLists::new();
        lists.insert(list, &world.court.public(), &world.court.schema)?;
        Ok(Anonymous { lists, file })
    }
}

#[allow(clippy::too_many_arguments)]
fn run(
    label: &str,
    world: &Arc<World>,
    store: StoreUrl,
    batch_size: usize,
    flows: usize,
    wallets: usize,
    anonymous: Option<&Anonymous>,
) -> Result<Run, Error> {
    let trusted = vec![
        RaterDescriptor::new(world.bank.schema.clone(), world.bank.public()),
        RaterDescriptor::new(world.court.schema.clone(), world.court.public()),
    ];
    let mut config = Config::new("consulate.example", Secret::new(TOKEN), trusted, store);
    if let Some(a) = anonymous {
        config.lists = vec![ListSource::File(a.file.clone())];
    }
    config.batch_size = batch_size;
    if batch_size == 1 {
        config.batch_concurrency = std::thread::available_parallelism().map_or(2, |n| n.get());
    } else if let Ok(c) = std::env::var("LOAD_CONCURRENCY") {
        config.batch_concurrency = c.parse()?;
    }
    if let Ok(w) = std::env::var("LOAD_WINDOW_MS") {
        config.batch_window = Duration::from_millis(w.parse()?);
    }
    config.rate_limit_per_second = 1_000_000;
    config.rate_limit_burst = 1_000_000;
    config.queue = flows.max(1024);
    let runtime = tokio::runtime::Runtime::new()?;
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let addr = listener.local_addr()?;
    config.public_url = format!("http://{addr}");
    let store = open_store(&config.store)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = runtime.spawn(async move {
        let app = App::new(config, store)?;
        app.serve(listener, async {
            let _ = stopped.await;
        })
        .await?;
        Ok::<(), Error>(())
    });

    // The backend creates the transactions; each wallet fetches its request.
    let create = Bytes::from(serde_json::to_vec(&json!({
        "policy": POLICY,
        "purpose": "load",
        "anonymous": if anonymous.is_some() { vec!["court"] } else { vec![] },
    }))?);
    let (mut made, create_secs) = on_wallets(addr, flows, wallets, move |_, mut c| {
        let create = create.clone();
        async move {
            let result = async {
                let body = Some(("application/json", create));
                let (status, tx) = c.call(Method::POST, "/v1/transactions", true, body).await?;
                if status != 201 {
                    return Err(format!("creation answered {status}: {tx}").into());
                }
                let text = |k: &str| {
                    tx[k]
                        .as_str()
                        .map(str::to_owned)
                        .ok_or_else(|| Error::from("a field is missing"))
                };
                let request_path = path_of(&text("request_uri")?)?;
                let (status, request) = c.call(Method::GET, &request_path, false, None).await?;
                if status != 200 {
                    return Err(format!("fetching the request answered {status}").into());
                }
                Ok(Flow {
                    transaction_id: text("transaction_id")?,
                    response_path: path_of(&text("response_uri")?)?,
                    request: Some(serde_json::from_value(request)?),
                    presentation: Bytes::new(),
                })
            }
            .await;
            (c, result)
        }
    })?;

    // The wallets prove (not timed).
    let (link, creds) = world.subject(12_000, 0);
    let none = EpochLists::new();
    let lists = anonymous.map_or(&none, |a| &a.lists);
    std::thread::scope(|s| {
        let share = made.len().div_ceil(2).max(1);
        for (k, chunk) in made.chunks_mut(share).enumerate() {
            let (link, creds, lists) = (&link, &creds, lists);
            s.spawn(move || {
                let mut rng = rng(7 + k as u64);
                for f in chunk {
                    if let Some(r) = &f.request {
                        let p = Presentation::prove_with_lists_rng(r, link, creds, lists, &mut rng)
                            .expect("the subject satisfies the policy");
                        let json = serde_json::to_vec(&p).expect("a presentation serialises");
                        f.presentation = Bytes::from(json);
                    }
                }
            });
        }
    });

    // The wallets post their presentations; the backend reads the verdicts.
    let bodies: Arc<Vec<(String, String, Bytes)>> = Arc::new(
        made.iter()
            .map(|f| {
                (
                    f.response_path.clone(),
                    format!("/v1/transactions/{}", f.transaction_id),
                    f.presentation.clone(),
                )
            })
            .collect(),
    );
    if std::env::var_os("SERVICE_LOAD_PAUSE").is_some() {
        eprintln!("presenting in 3 s (pid {})", std::process::id());
        std::thread::sleep(Duration::from_secs(3));
    }
    let cpu_before = cpu_time();
    let (latencies, present_secs) = on_wallets(addr, flows, wallets, move |i, mut c| {
        let bodies = Arc::clone(&bodies);
        async move {
            let result = async {
                let (post, status_path, body) = bodies.get(i).ok_or("no such flow")?;
                let t = Instant::now();
                let body = Some(("application/json", body.clone()));
                let (status, answer) = c.call(Method::POST, post, false, body).await?;
                if status != 200 || answer["verdict"]["satisfied"] != true {
                    return Err(format!("a presentation answered {status}: {answer}").into());
                }
                let (status, state) = c.call(Method::GET, status_path, true, None).await?;
                if status != 200 || state["status"] != "answered" {
                    return Err(format!("the transaction is {status} {state}").into());
                }
                Ok(t.elapsed())
            }
            .await;
            (c, result)
        }
    })?;
    let present_cpu = cpu_time()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    if std::env::var_os("LOAD_METRICS").is_some() {
        let (text, _) = on_wallets(addr, 1, 1, |_, mut c| async move {
            let r = async {
                c.send.ready().await?;
                let request = Request::get("/metrics")
                    .header("host", "127.0.0.1")
                    .body(Full::new(Bytes::new()))?;
                let response = c.send.send_request(request).await?;
                let bytes = response.into_body().collect().await?.to_bytes();
                Ok(String::from_utf8_lossy(&bytes).into_owned())
            }
            .await;
            (c, r)
        })?;
        for line in text.concat().lines().filter(|l| l.contains("batch_size")) {
            eprintln!("{line}");
        }
    }
    let _ = stop.send(());
    runtime.block_on(server)??;
    Ok(Run {
        label: label.into(),
        create_secs,
        present_secs,
        present_cpu,
        latencies,
        flows: made,
    })
}

fn main() -> Result<(), Error> {
    let mut args = std::env::args().skip(1);
    let flows: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(512);
    let wallets: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(32);
    let world = Arc::new(World::new());
    let dir = tempfile::tempdir()?;

    // The fast mode, on each store.
    let mut runs = Vec::new();
    let mut stores = vec![("SQLite", StoreUrl::Sqlite(dir.path().join("load.sqlite")))];
    if let Ok(url) = std::env::var("CREDENCE_TEST_POSTGRES") {
        stores.push(("PostgreSQL", StoreUrl::parse(&url)?));
    }
    for (name, store) in &stores {
        for (batching, size) in [("batched", 64), ("one by one", 1)] {
            let label = format!("service, {name}, {batching}");
            eprintln!("{label}: {flows} flows, {wallets} wallets");
            runs.push(run(
                &label,
                &world,
                store.clone(),
                size,
                flows,
                wallets,
                None,
            )?);
        }
    }
    let none = EpochLists::new();
    let lib = library(&runs[0], &none);
    table(
        &format!("{flows} flows, {wallets} wallets"),
        &lib,
        &mut runs,
    );

    // The court anonymous, against a list of 2^12, on SQLite: a quarter of
    // the flows (proving them is the slow part of the run).
    let size = 1 << 12;
    let (_, subject) = world.subject(12_000, 0);
    let anonymous = Anonymous::new(&world, &subject, size, dir.path())?;
    let quarter = (flows / 4).max(1);
    let mut runs = Vec::new();
    for (batching, batch) in [("batched", 64), ("one by one", 1)] {
        let label = format!("service, SQLite, {batching}");
        eprintln!("anonymous, {label}: {quarter} flows, {wallets} wallets");
        let store = StoreUrl::Sqlite(dir.path().join("anonymous.sqlite"));
        runs.push(run(
            &label,
            &world,
            store,
            batch,
            quarter,
            wallets,
            Some(&anonymous),
        )?);
    }
    let lib = library(&runs[0], &anonymous.lists);
    table(
        &format!("anonymous court (list of {size}): {quarter} flows, {wallets} wallets"),
        &lib,
        &mut runs,
    );
    Ok(())
}
