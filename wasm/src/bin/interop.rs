//! The native side of the package's interoperability tests: a rater that
//! issues credentials, a native prover and a native verifier, over the same
//! JSON files the WebAssembly package reads and writes. The Node tests run it
//! to check that what one side makes, the other accepts; the benchmark
//! (wasm/bench/bench.mjs) runs it for the native timings.
//!
//! ```text
//! credence-wasm-interop rater (bank|court) KEY_OUT     prints the rater's descriptor
//! credence-wasm-interop issue KEY REQUEST COUNT NAME=VALUE...
//!                                                      prints the issued credentials
//! credence-wasm-interop list KEY OUT EPOCH CROWD (current|past) ISSUED...
//!                                                      writes the epoch list of the
//!                                                      credentials of the ISSUED files
//!                                                      and CROWD random entries to OUT,
//!                                                      current now or a week ago;
//!                                                      prints its digest (base64url)
//! credence-wasm-interop prove WALLET REQUEST LIST...   prints the presentation,
//!                                                      rewrites WALLET
//! credence-wasm-interop verify REQUEST PRESENTATION LIST...
//!                                                      prints the verdict
//! credence-wasm-interop bench WALLET REQUEST RUNS      times the facade's prove and
//!                                                      verify, prints milliseconds
//! ```
//!
//! Exit status 0 on success, 1 on a failure (the message on standard error).

#![forbid(unsafe_code)]

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use credence::epoch::{EpochList, EpochLists, EpochWindow};
use credence::files::{IssuedCredentialsFile, RaterKeyFile};
use credence::rater::{IssuanceRequest, RaterSigningKey};
use credence::wallet::Wallet;
use credence::{
    Attribute, AttributeKind, Category, Date, Presentation, ProofRequest, RaterDescriptor, Schema,
};

type Result<T> = std::result::Result<T, String>;

fn read(path: &str) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))
}

fn write(path: &str, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {path}: {e}"))
}

fn json<T: serde::de::DeserializeOwned>(path: &str) -> Result<T> {
    serde_json::from_slice(&read(path)?).map_err(|e| format!("{path}: {e}"))
}

fn schema(id: &str) -> Result<Schema> {
    let attributes = match id {
        "bank" => vec![
            Attribute::uint("liquidity_eur", 1_000_000_000, Category::Financial),
            Attribute::uint("on_time_payments", 1000, Category::Financial),
            Attribute::uint("late_payments", 1000, Category::Financial),
            Attribute::expiry("valid_until"),
        ],
        "court" => vec![
            Attribute::uint("outstanding_defaults", 255, Category::Judicial),
            Attribute::expiry("valid_until"),
        ],
        other => return Err(format!("no schema `{other}`: bank or court")),
    };
    Schema::new(id, 1, attributes).map_err(|e| e.to_string())
}

fn rater(id: &str, key_out: &str) -> Result<String> {
    let file = RaterKeyFile {
        schema: schema(id)?,
        signing_key: RaterSigningKey::generate(&mut rand_core::OsRng),
    };
    write(key_out, &file.to_json().map_err(|e| e.to_string())?)?;
    let descriptor = RaterDescriptor::new(file.schema.clone(), file.signing_key.public_key());
    serde_json::to_string_pretty(&descriptor).map_err(|e| e.to_string())
}

fn issue(key: &str, request: &str, count: &str, assignments: &[String]) -> Result<String> {
    let file = RaterKeyFile::from_json(&read(key)?, Path::new(key)).map_err(|e| e.to_string())?;
    let request: IssuanceRequest = json(request)?;
    let count: usize = count.parse().map_err(|_| format!("bad count `{count}`"))?;
    let mut values = Vec::new();
    for a in assignments {
        let (name, v) = a
            .split_once('=')
            .ok_or_else(|| format!("`{a}`: expected NAME=VALUE"))?;
        let i = file
            .schema
            .index_of(name)
            .ok_or_else(|| format!("no attribute `{name}`"))?;
        let kind = file.schema.attributes().get(i).map(|a| a.kind);
        let v = match kind {
            Some(AttributeKind::Date) => Date::parse(v).map_err(|e| e.to_string())?.days(),
            _ => v.parse().map_err(|_| format!("`{a}`: not a number"))?,
        };
        values.push((name, v));
    }
    let issued = file
        .signing_key
        .issue(&file.schema, &request, &values, count)
        .map_err(|e| e.to_string())?;
    let out = IssuedCredentialsFile {
        credentials: issued,
    };
    let text = out.to_json().map_err(|e| e.to_string())?;
    String::from_utf8(text.to_vec()).map_err(|e| e.to_string())
}

/// Signs an epoch list of the credentials in the `issued` files and `crowd`
/// random entries, current now (`current`) or a week ago (`past`).
fn list(
    key: &str,
    out: &str,
    epoch: &str,
    crowd: &str,
    when: &str,
    issued: &[String],
) -> Result<String> {
    use curve25519_dalek::ristretto::RistrettoPoint;
    let file = RaterKeyFile::from_json(&read(key)?, Path::new(key)).map_err(|e| e.to_string())?;
    let epoch: u64 = epoch.parse().map_err(|_| format!("bad epoch `{epoch}`"))?;
    let crowd: usize = crowd.parse().map_err(|_| format!("bad count `{crowd}`"))?;
    let mut digests: Vec<_> = (0..crowd)
        .map(|_| RistrettoPoint::random(&mut rand_core::OsRng).compress())
        .collect();
    for path in issued {
        let issued = IssuedCredentialsFile::from_json(&read(path)?, Path::new(path))
            .map_err(|e| e.to_string())?;
        for c in &issued.credentials {
            let digest = c
                .digest()
                .ok_or_else(|| format!("{path}: a credential without a digest"))?;
            digests.push(*digest.point());
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| e.to_string())?
        .as_secs();
    const DAY: u64 = 86_400;
    let not_before = match when {
        "current" => now - DAY,
        "past" => now - 8 * DAY,
        other => return Err(format!("`{other}`: current or past")),
    };
    let window = EpochWindow {
        epoch,
        not_before,
        not_after: not_before + 2 * DAY,
    };
    let list = EpochList::sign(&file.signing_key, &file.schema, window, 4, &digests)
        .map_err(|e| e.to_string())?;
    write(out, &list.to_bytes())?;
    Ok(URL_SAFE_NO_PAD.encode(list.digest()))
}

/// The epoch lists at `paths`, each checked against the key `request`
/// trusts for its schema.
fn lists(request: &ProofRequest, paths: &[String]) -> Result<EpochLists> {
    let mut out = EpochLists::new();
    for path in paths {
        let list = EpochList::from_bytes(&read(path)?).map_err(|e| format!("{path}: {e}"))?;
        let (key, schema) = request
            .trusted()
            .iter()
            .find_map(|t| {
                let key = t.keys().iter().find(|k| k.key_id() == list.key_id())?;
                (t.schema().digest() == *list.schema_digest()).then_some((*key, t.schema().clone()))
            })
            .ok_or_else(|| format!("{path}: not signed by a key the request trusts"))?;
        out.insert(list, &key, &schema)
            .map_err(|e| format!("{path}: {e}"))?;
    }
    Ok(out)
}

fn prove(wallet_path: &str, request: &str, list_paths: &[String]) -> Result<String> {
    let mut wallet = Wallet::from_json(&read(wallet_path)?).map_err(|e| e.to_string())?;
    let request: ProofRequest = json(request)?;
    let mut read_lists = Vec::with_capacity(list_paths.len());
    for path in list_paths {
        read_lists.push(EpochList::from_bytes(&read(path)?).map_err(|e| format!("{path}: {e}"))?);
    }
    let held = wallet.epoch_lists(read_lists).map_err(|e| e.to_string())?;
    let presentation = wallet
        .prove_with_lists(&request, &held)
        .map_err(|e| e.to_string())?;
    write(wallet_path, &wallet.to_json().map_err(|e| e.to_string())?)?;
    serde_json::to_string(&presentation).map_err(|e| e.to_string())
}

fn verify(request: &str, presentation: &str, list_paths: &[String]) -> Result<String> {
    let request: ProofRequest = json(request)?;
    let presentation: Presentation = json(presentation)?;
    let lists = lists(&request, list_paths)?;
    serde_json::to_string(&presentation.verify_with_lists(&request, &lists))
        .map_err(|e| e.to_string())
}

/// Times `runs` proofs of `request` from the same wallet state and `runs`
/// verifications, through the same facade the WebAssembly module exports:
/// `{"prove_ms": [...], "verify_ms": [...]}`.
fn bench(wallet: &str, request: &str, runs: &str) -> Result<String> {
    use credence_wasm::api;
    use std::time::Instant;
    let wallet = String::from_utf8(read(wallet)?).map_err(|e| e.to_string())?;
    let request = String::from_utf8(read(request)?).map_err(|e| e.to_string())?;
    let runs: usize = runs.parse().map_err(|_| format!("bad count `{runs}`"))?;
    let ms = |start: Instant| start.elapsed().as_secs_f64() * 1000.0;
    let mut prove_ms = Vec::with_capacity(runs);
    let mut presentation = String::new();
    for _ in 0..runs {
        let start = Instant::now();
        let proven = api::wallet_prove(&wallet, &request, None, &[]).map_err(|e| e.to_string())?;
        prove_ms.push(ms(start));
        presentation = proven.value;
    }
    let mut verify_ms = Vec::with_capacity(runs);
    for _ in 0..runs {
        let start = Instant::now();
        let verdict = api::verify(&request, &presentation, None, &[]).map_err(|e| e.to_string())?;
        verify_ms.push(ms(start));
        if !verdict.contains("\"satisfied\":true") {
            return Err(format!("not satisfied: {verdict}"));
        }
    }
    serde_json::to_string(&serde_json::json!({ "prove_ms": prove_ms, "verify_ms": verify_ms }))
        .map_err(|e| e.to_string())
}

fn run(args: &[String]) -> Result<String> {
    match args {
        [cmd, id, key_out] if cmd == "rater" => rater(id, key_out),
        [cmd, key, request, count, values @ ..] if cmd == "issue" => {
            issue(key, request, count, values)
        }
        [cmd, key, out, epoch, crowd, when, issued @ ..] if cmd == "list" => {
            list(key, out, epoch, crowd, when, issued)
        }
        [cmd, wallet, request, lists @ ..] if cmd == "prove" => prove(wallet, request, lists),
        [cmd, request, presentation, lists @ ..] if cmd == "verify" => {
            verify(request, presentation, lists)
        }
        [cmd, wallet, request, runs] if cmd == "bench" => bench(wallet, request, runs),
        _ => Err(
            "usage: credence-wasm-interop rater|issue|list|prove|verify|bench ... \
                  (see the source's documentation)"
                .into(),
        ),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(out) => println!("{out}"),
        Err(e) => {
            eprintln!("credence-wasm-interop: {e}");
            std::process::exit(1);
        }
    }
}
