//! Load on the verifier service, beside the library's own verification
//! throughput measured in the same run.
//!
//! ```text
//! cargo run --release -p credence-verifier --example service_load [-- FLOWS WALLETS]
//! ```
//!
//! For each store (SQLite in a temporary file; PostgreSQL too when
//! `CREDENCE_TEST_POSTGRES` names a server) and with batching on and off,
//! the service runs in this process on 127.0.0.1, and `WALLETS` threads
//! (default 32) make `FLOWS` flows (default 512) over loopback HTTP: the
//! backend creates a transaction, the wallet fetches the request, posts its
//! presentation, and the backend reads the verdict. The wallets' proofs are
//! made between the two halves and are not timed (proving is the subject's
//! cost, not the verifier's). The library rows verify the same
//! presentations one by one on one thread, and in batches of 64 across the
//! machine's threads, from decoded presentations and from their JSON.
//!
//! For tuning: `LOAD_CONCURRENCY` and `LOAD_WINDOW_MS` set the batcher's
//! concurrency and window, `LOAD_METRICS=1` prints the batch sizes, and
//! `SERVICE_LOAD_PAUSE=1` pauses 3 s before the presentations (to attach a
//! profiler to the process).

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use credence::fixtures::{rng, World};
use credence::verifier::verify_batch_parallel;
use credence::{Presentation, ProofRequest, RaterDescriptor};
use credence_verifier::{open_store, App, Config, Secret, StoreUrl};
use serde_json::{json, Value};

const TOKEN: &str = "service-load-token-0123456789";
const POLICY: &str = "bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0";

type Error = Box<dyn std::error::Error + Send + Sync>;

thread_local! {
    /// Each wallet thread's client, which keeps its connection open.
    static AGENT: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
}

fn agent() -> ureq::Agent {
    AGENT.with(ureq::Agent::clone)
}

/// Sends a request and returns the status and the JSON body.
fn call(r: Result<ureq::http::Response<ureq::Body>, ureq::Error>) -> Result<(u16, Value), Error> {
    let mut r = r?;
    let status = r.status().as_u16();
    let body = r.body_mut().read_to_string()?;
    Ok((status, serde_json::from_str(&body).unwrap_or(Value::Null)))
}

/// One flow's data, as the wallets see it.
struct Flow {
    transaction_id: String,
    response_uri: String,
    request: Option<ProofRequest>,
    presentation: Vec<u8>,
}

/// Timings of one service configuration.
struct Run {
    label: String,
    create_secs: f64,
    present_secs: f64,
    latencies: Vec<Duration>,
    flows: Vec<Flow>,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

/// Runs `f(i)` for `i` in `0..n` on `wallets` threads that start together;
/// returns the results in order and the wall time.
fn on_wallets<T: Send + 'static>(
    n: usize,
    wallets: usize,
    f: impl Fn(usize) -> Result<T, Error> + Send + Sync + 'static,
) -> Result<(Vec<T>, f64), Error> {
    let f = Arc::new(f);
    let start = Arc::new(Barrier::new(wallets + 1));
    let handles: Vec<_> = (0..wallets)
        .map(|w| {
            let (f, start) = (Arc::clone(&f), Arc::clone(&start));
            std::thread::spawn(move || -> Result<Vec<(usize, T)>, Error> {
                start.wait();
                (w..n).step_by(wallets).map(|i| Ok((i, f(i)?))).collect()
            })
        })
        .collect();
    start.wait();
    let t = Instant::now();
    let mut out = Vec::with_capacity(n);
    for h in handles {
        out.extend(h.join().map_err(|_| "a wallet thread panicked")??);
    }
    let secs = t.elapsed().as_secs_f64();
    out.sort_by_key(|(i, _)| *i);
    Ok((out.into_iter().map(|(_, t)| t).collect(), secs))
}

fn run(
    label: &str,
    world: &Arc<World>,
    store: StoreUrl,
    batch_size: usize,
    flows: usize,
    wallets: usize,
) -> Result<Run, Error> {
    let trusted = vec![
        RaterDescriptor::new(world.bank.schema.clone(), world.bank.public()),
        RaterDescriptor::new(world.court.schema.clone(), world.court.public()),
    ];
    let mut config = Config::new("consulate.example", Secret::new(TOKEN), trusted, store);
    config.batch_size = batch_size;
    if let Ok(c) = std::env::var("LOAD_CONCURRENCY") {
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
    let base = config.public_url.clone();
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
    let b = base.clone();
    let (mut made, create_secs) = on_wallets(flows, wallets, move |_| {
        let a = agent();
        let (status, tx) = call(
            a.post(format!("{b}/v1/transactions"))
                .header("Authorization", &format!("Bearer {TOKEN}"))
                .send_json(json!({"policy": POLICY, "purpose": "load"})),
        )?;
        if status != 201 {
            return Err(format!("creation answered {status}: {tx}").into());
        }
        let text = |k: &str| {
            tx[k]
                .as_str()
                .map(str::to_owned)
                .ok_or("a field is missing")
        };
        let request_uri = text("request_uri")?;
        let (status, request) = call(a.get(&request_uri).call())?;
        if status != 200 {
            return Err(format!("fetching the request answered {status}").into());
        }
        Ok(Flow {
            transaction_id: text("transaction_id")?,
            response_uri: text("response_uri")?,
            request: Some(serde_json::from_value(request)?),
            presentation: Vec::new(),
        })
    })?;

    // The wallets prove (not timed).
    let (link, creds) = world.subject(12_000, 0);
    std::thread::scope(|s| {
        let share = made.len().div_ceil(2).max(1);
        for (k, chunk) in made.chunks_mut(share).enumerate() {
            let (link, creds) = (&link, &creds);
            s.spawn(move || {
                let mut rng = rng(7 + k as u64);
                for f in chunk {
                    if let Some(r) = &f.request {
                        let p = Presentation::prove_with_rng(r, link, creds, &mut rng)
                            .expect("the subject satisfies the policy");
                        f.presentation = serde_json::to_vec(&p).expect("a presentation serialises");
                    }
                }
            });
        }
    });

    // The wallets post their presentations; the backend reads the verdicts.
    let bodies: Arc<Vec<(String, String, Vec<u8>)>> = Arc::new(
        made.iter()
            .map(|f| {
                (
                    f.response_uri.clone(),
                    f.transaction_id.clone(),
                    f.presentation.clone(),
                )
            })
            .collect(),
    );
    if std::env::var_os("SERVICE_LOAD_PAUSE").is_some() {
        eprintln!("presenting in 3 s (pid {})", std::process::id());
        std::thread::sleep(Duration::from_secs(3));
    }
    let b = base.clone();
    let (latencies, present_secs) = on_wallets(flows, wallets, move |i| {
        let a = agent();
        let (uri, tx, body) = &bodies[i];
        let t = Instant::now();
        let (status, answer) = call(a.post(uri).content_type("application/json").send(&body[..]))?;
        if status != 200 || answer["verdict"]["satisfied"] != true {
            return Err(format!("a presentation answered {status}: {answer}").into());
        }
        let (status, state) = call(
            a.get(format!("{b}/v1/transactions/{tx}"))
                .header("Authorization", &format!("Bearer {TOKEN}"))
                .call(),
        )?;
        if status != 200 || state["status"] != "answered" {
            return Err(format!("the transaction is {status} {state}").into());
        }
        Ok(t.elapsed())
    })?;
    if std::env::var_os("LOAD_METRICS").is_some() {
        let mut r = agent().get(format!("{base}/metrics")).call()?;
        let text = r.body_mut().read_to_string()?;
        for line in text.lines().filter(|l| l.contains("batch_size")) {
            eprintln!("{line}");
        }
    }
    let _ = stop.send(());
    runtime.block_on(server)??;
    Ok(Run {
        label: label.into(),
        create_secs,
        present_secs,
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

    let mut runs = Vec::new();
    let mut stores = vec![("SQLite", StoreUrl::Sqlite(dir.path().join("load.sqlite")))];
    if let Ok(url) = std::env::var("CREDENCE_TEST_POSTGRES") {
        stores.push(("PostgreSQL", StoreUrl::parse(&url)?));
    }
    for (name, store) in &stores {
        for (batching, size) in [("batched", 64), ("one by one", 1)] {
            let label = format!("service, {name}, {batching}");
            eprintln!("{label}: {flows} flows, {wallets} wallets");
            runs.push(run(&label, &world, store.clone(), size, flows, wallets)?);
        }
    }

    // The library on the same presentations.
    let pairs: Vec<(ProofRequest, Presentation)> = runs[0]
        .flows
        .iter()
        .filter_map(|f| {
            let p = serde_json::from_slice(&f.presentation).ok()?;
            Some((f.request.clone()?, p))
        })
        .collect();
    let refs: Vec<(&ProofRequest, &Presentation)> = pairs.iter().map(|(r, p)| (r, p)).collect();
    let t = Instant::now();
    let single_ok = refs.iter().all(|(r, p)| p.verify(r).is_satisfied());
    let single = refs.len() as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let batched_ok = refs
        .chunks(64)
        .all(|c| verify_batch_parallel(c).iter().all(|v| v.is_satisfied()));
    let batched = refs.len() as f64 / t.elapsed().as_secs_f64();
    // The same, from the JSON the service receives: decoding included.
    let t = Instant::now();
    let decoded_ok = runs[0].flows.chunks(64).all(|c| {
        let decoded: Vec<(&ProofRequest, Presentation)> = c
            .iter()
            .filter_map(|f| {
                Some((
                    f.request.as_ref()?,
                    serde_json::from_slice(&f.presentation).ok()?,
                ))
            })
            .collect();
        let items: Vec<(&ProofRequest, &Presentation)> =
            decoded.iter().map(|(r, p)| (*r, p)).collect();
        items.len() == c.len()
            && verify_batch_parallel(&items)
                .iter()
                .all(|v| v.is_satisfied())
    });
    let decoding = refs.len() as f64 / t.elapsed().as_secs_f64();
    assert!(
        single_ok && batched_ok && decoded_ok,
        "the library refused a presentation"
    );

    println!(
        "| {flows} flows, {wallets} wallets | flows/s | presentations/s | p50 | p99 | creates/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    println!("| library, one by one (1 thread) | | {single:.0} | | | |");
    println!("| library, batches of 64 (all threads) | | {batched:.0} | | | |");
    println!("| library, decoding JSON + batches of 64 | | {decoding:.0} | | | |");
    let mut rates = Vec::new();
    for r in &mut runs {
        r.latencies.sort();
        let n = r.latencies.len() as f64;
        let per_flow = n / (r.create_secs + r.present_secs);
        let presenting = n / r.present_secs;
        rates.push(presenting);
        println!(
            "| {} | {per_flow:.0} | {presenting:.0} | {:.1} ms | {:.1} ms | {:.0} |",
            r.label,
            percentile(&r.latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&r.latencies, 0.99).as_secs_f64() * 1e3,
            n / r.create_secs,
        );
    }
    println!();
    println!(
        "service (SQLite, batched) / library batched: {:.2} (target ≥ 0.70)",
        rates[0] / batched
    );
    println!(
        "service (SQLite, batched) / library decoding JSON + batched: {:.2}",
        rates[0] / decoding
    );
    println!(
        "service (SQLite) batched / one by one: {:.2} (target ≥ 2)",
        rates[0] / rates[1]
    );
    Ok(())
}
