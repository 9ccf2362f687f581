//! The load's measures: the process's CPU time, the library's own rates on
//! the same presentations, and the tables.

use std::time::{Duration, Instant};

use credence::epoch::EpochLists;
use credence::verifier::verify_batch_parallel_with_lists;
use credence::{Presentation, ProofRequest};
use rayon::prelude::*;

use crate::Run;

/// The CPU time this process has used (user and system), where the
/// platform tells it (Linux: `/proc/self/stat`).
pub fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // The fields after the command name (which is in parentheses).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    // utime and stime are fields 14 and 15 of the line, in 1/100 s.
    let total = ticks(11)? + ticks(12)?;
    Some(Duration::from_millis(total * 10))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(i).copied().unwrap_or_default()
}

/// The library's throughputs on the presentations of one run, in
/// presentations per second.
pub struct Library {
    single: f64,
    batched: f64,
    decode_only: f64,
    decoding: f64,
}

/// Measures the library on the flows of `run`, against `lists`.
pub fn library(run: &Run, lists: &EpochLists) -> Library {
    let pairs: Vec<(ProofRequest, Presentation)> = run
        .flows
        .iter()
        .filter_map(|f| {
            let p = serde_json::from_slice(&f.presentation).ok()?;
            Some((f.request.clone()?, p))
        })
        .collect();
    let refs: Vec<(&ProofRequest, &Presentation)> = pairs.iter().map(|(r, p)| (r, p)).collect();
    let n = refs.len() as f64;
    let rate = |t: Instant| n / t.elapsed().as_secs_f64();
    // The median of five runs of `f`: the runs are short, and the machine
    // shared.
    let median = |f: &dyn Fn() -> (bool, f64)| {
        let mut runs: Vec<(bool, f64)> = (0..5).map(|_| f()).collect();
        runs.sort_by(|a, b| a.1.total_cmp(&b.1));
        (runs.iter().all(|r| r.0), runs[2].1)
    };
    let all_satisfied = |v: Vec<credence::Verdict>| v.iter().all(|v| v.is_satisfied());
    let t = Instant::now();
    let single_ok = refs
        .iter()
        .all(|(r, p)| p.verify_with_lists(r, lists).is_satisfied());
    let single = rate(t);
    let (batched_ok, batched) = median(&|| {
        let t = Instant::now();
        let ok = refs
            .chunks(64)
            .all(|c| all_satisfied(verify_batch_parallel_with_lists(c, lists)));
        (ok, rate(t))
    });
    let (decode_only_ok, decode_only) = median(&|| {
        let t = Instant::now();
        let ok = run
            .flows
            .par_iter()
            .all(|f| serde_json::from_slice::<Presentation>(&f.presentation).is_ok());
        (ok, rate(t))
    });
    // From the JSON the service receives: decoding (across the threads too)
    // included.
    let (decoded_ok, decoding) = median(&|| {
        let t = Instant::now();
        let ok = run.flows.chunks(64).all(|c| {
            let decoded: Vec<(&ProofRequest, Presentation)> = c
                .par_iter()
                .filter_map(|f| {
                    Some((
                        f.request.as_ref()?,
                        serde_json::from_slice(&f.presentation).ok()?,
                    ))
                })
                .collect();
            let items: Vec<(&ProofRequest, &Presentation)> =
                decoded.iter().map(|(r, p)| (*r, p)).collect();
            items.len() == c.len() && all_satisfied(verify_batch_parallel_with_lists(&items, lists))
        });
        (ok, rate(t))
    });
    assert!(
        single_ok && batched_ok && decoded_ok && decode_only_ok,
        "the library refused a presentation"
    );
    Library {
        single,
        batched,
        decode_only,
        decoding,
    }
}

/// Prints one table: the library's rows, then the service's, and the
/// ratios of the first run (batched) to the library and to the second
/// (one by one).
pub fn table(title: &str, lib: &Library, runs: &mut [Run]) {
    let Library {
        single,
        batched,
        decode_only,
        decoding,
    } = lib;
    println!(
        "| {title} | flows/s | presentations/s | p50 | p99 | creates/s | CPU per presentation |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    println!("| library, one by one (1 thread) | | {single:.0} | | | | |");
    println!("| library, batches of 64 (all threads) | | {batched:.0} | | | | |");
    println!("| library, decoding the JSON alone (all threads) | | {decode_only:.0} | | | | |");
    println!(
        "| library, decoding the JSON + batches of 64 (all threads) | | {decoding:.0} | | | | |"
    );
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut rates = Vec::new();
    for r in runs.iter_mut() {
        r.latencies.sort();
        let n = r.latencies.len() as f64;
        let per_flow = n / (r.create_secs + r.present_secs);
        let presenting = n / r.present_secs;
        rates.push(presenting);
        println!(
            "| {} | {per_flow:.0} | {presenting:.0} | {:.1} ms | {:.1} ms | {:.0} | {} |",
            r.label,
            percentile(&r.latencies, 0.5).as_secs_f64() * 1e3,
            percentile(&r.latencies, 0.99).as_secs_f64() * 1e3,
            n / r.create_secs,
            r.present_cpu.map_or("n/a".into(), |c| format!(
                "{:.2} ms ({:.0}% of {threads} threads)",
                c.as_secs_f64() * 1e3 / n,
                100.0 * c.as_secs_f64() / (r.present_secs * threads as f64)
            )),
        );
    }
    let (Some(first), Some(second)) = (rates.first(), rates.get(1)) else {
        return;
    };
    println!();
    println!(
        "service (SQLite, batched) / library batched: {:.2} (target ≥ 0.70; \
         decoding alone caps any service that decodes at {:.2})",
        first / batched,
        decoding / batched
    );
    println!(
        "service (SQLite, batched) / library decoding the JSON + batched: {:.2}",
        first / decoding
    );
    println!(
        "service (SQLite) batched / one by one: {:.2} (target ≥ 2)",
        first / second
    );
    println!();
}
