//! A quick performance report: median times, sizes and the ratios that the
//! benchmarks track, as a markdown table. No criterion; under a minute.
//!
//! Run with `cargo run --release --example bench_report`; with the argument
//! `membership`, only the membership-proof and anonymous-mode sections; with
//! `anonymous`, only the anonymous-mode section.

#[path = "../benches/support/membership.rs"]
mod membership;
#[path = "../benches/support/scenarios.rs"]
mod scenarios;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use credence::hazmat::*;
use credence::verifier::*;
use credence::wallet::*;
use credence::*;
use scenarios::*;

/// Counts live heap bytes and their peak, for the memory row; it counts only
/// while `COUNTING` is set, so that the timings are not disturbed.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters are only bookkeeping.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        if COUNTING.load(Ordering::Relaxed) {
            let _ = LIVE.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| {
                Some(v.saturating_sub(layout.size()))
            });
        }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// The median of `samples` timings of `f`, each over `inner` calls, per call.
fn median(samples: usize, inner: u32, mut f: impl FnMut()) -> Duration {
    f(); // warm up
    let mut times: Vec<Duration> = (0..samples)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..inner {
                f();
            }
            t.elapsed() / inner
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1e-4 {
        format!("{:.1} µs", s * 1e6)
    } else {
        format!("{:.3} ms", s * 1e3)
    }
}

/// Times `a` and `b` in turn within each of `samples` samples (each over
/// `inner` calls, per call), so that load from elsewhere on the machine falls
/// on both alike. Returns the per-sample times of each.
fn paired(
    samples: usize,
    inner: u32,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (Vec<Duration>, Vec<Duration>) {
    a();
    b();
    let time = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..inner {
            f();
        }
        t.elapsed() / inner
    };
    (0..samples).map(|_| (time(&mut a), time(&mut b))).unzip()
}

fn mid<T: Copy + PartialOrd>(mut v: Vec<T>) -> T {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    v[v.len() / 2]
}

/// The median of per-sample ratios `(a_i − minus)/b_i`.
fn ratio_of(a: &[Duration], b: &[Duration], minus: Duration) -> String {
    let r: Vec<f64> = a
        .iter()
        .zip(b)
        .map(|(x, y)| x.saturating_sub(minus).as_secs_f64() / y.as_secs_f64())
        .collect();
    format!("{:.2}", mid(r))
}

fn prove_verify_rows(s: &Scenario, out: &mut Vec<String>) {
    let p = s.prove(1);
    let shapes = p.range_proof_shapes();
    let raw = raw_prove(&shapes, 2);
    let sigs = signatures(s.signatures());
    let (prove, raw_prove_t) = paired(21, 1, || drop(s.prove(3)), || drop(raw_prove(&shapes, 4)));
    let (verify, raw_verify_t) = paired(
        31,
        4,
        || assert!(p.verify(&s.request).is_satisfied()),
        || raw_verify(&raw),
    );
    let sig_t = median(31, 4, &sigs);
    let shape_text: Vec<String> = shapes.iter().map(|(b, m)| format!("{b}×{m}")).collect();
    out.push(format!(
        "| {} | {} | prove {} | raw {} | **{}** |",
        s.name,
        shape_text.join(" + "),
        ms(mid(prove.clone())),
        ms(mid(raw_prove_t.clone())),
        ratio_of(&prove, &raw_prove_t, Duration::ZERO)
    ));
    out.push(format!(
        "| {} | {} | verify {} ({} signatures: {}) | raw {} | **{}** (with signatures {}) |",
        s.name,
        shape_text.join(" + "),
        ms(mid(verify.clone()).saturating_sub(sig_t)),
        s.signatures(),
        ms(sig_t),
        ms(mid(raw_verify_t.clone())),
        ratio_of(&verify, &raw_verify_t, sig_t),
        ratio_of(&verify, &raw_verify_t, Duration::ZERO)
    ));
}

/// One-by-one, batched and parallel batched verification of the first N of
/// `scenarios`' presentations; returns the presentations.
fn many(what: &str, scenarios: &[Scenario]) -> Vec<Presentation> {
    println!("\n## Verifying many {what}\n");
    println!(
        "| N | one by one | batched | batched, parallel | batched speed-up | parallel speed-up |"
    );
    println!("|---|---|---|---|---|---|");
    let pool: Vec<Presentation> = scenarios.iter().map(|s| s.prove(5)).collect();
    for n in [1usize, 16, 64, 256] {
        let items: Vec<(&ProofRequest, &Presentation)> = scenarios
            .iter()
            .zip(&pool)
            .take(n)
            .map(|(s, p)| (&s.request, p))
            .collect();
        // The three ways are timed in turn within each sample, so that load
        // from elsewhere on the machine falls on all of them alike; the
        // speed-ups are medians of per-sample ratios.
        let samples = if n >= 64 { 15 } else { 21 };
        let mut t = [Vec::new(), Vec::new(), Vec::new()];
        for _ in 0..samples {
            let start = Instant::now();
            assert!(items.iter().all(|(r, p)| p.verify(r).is_satisfied()));
            t[0].push(start.elapsed());
            let start = Instant::now();
            assert!(verify_batch(&items).iter().all(Verdict::is_satisfied));
            t[1].push(start.elapsed());
            let start = Instant::now();
            assert!(verify_batch_parallel(&items)
                .iter()
                .all(Verdict::is_satisfied));
            t[2].push(start.elapsed());
        }
        let speedup = |k: usize| {
            let mut r: Vec<f64> = t[0]
                .iter()
                .zip(&t[k])
                .map(|(a, b)| a.as_secs_f64() / b.as_secs_f64())
                .collect();
            r.sort_by(f64::total_cmp);
            r[r.len() / 2]
        };
        let med = |v: &mut Vec<Duration>| {
            v.sort();
            v[v.len() / 2]
        };
        let (s1, s2) = (speedup(1), speedup(2));
        println!(
            "| {n} | {} | {} | {} | **{:.2}×** | {:.2}× |",
            ms(med(&mut t[0])),
            ms(med(&mut t[1])),
            ms(med(&mut t[2])),
            s1,
            s2
        );
    }
    pool
}

/// Times `a` and `b` in turn, `samples` times, without a warm-up call: for
/// the calls of a second or more.
fn paired_cold(
    samples: usize,
    mut a: impl FnMut(),
    mut b: impl FnMut(),
) -> (Vec<Duration>, Vec<Duration>) {
    let time = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        f();
        t.elapsed()
    };
    (0..samples).map(|_| (time(&mut a), time(&mut b))).unzip()
}

/// Membership proofs against triptych 0.1 at the same N (issue 9's targets).
fn membership_rows() {
    const BATCH: usize = 64;
    println!("\n## Membership proofs (one-out-of-many over one list, hazmat)\n");
    println!(
        "Credence's prover is constant time in the index and the masks (digit folding); \
         \"2 threads\" is the same prover with the folding across rayon's pool. Triptych = \
         `triptych` 0.1 (plain Triptych, with its linking tag), constant-time prover, on a \
         list of the same N, timed in turn with Credence within each sample; ratios are \
         medians of per-sample ratios. Batched = {BATCH} proofs against one list, per proof; \
         at 2^16 the batch holds 8 distinct proofs 8 times each (every item is weighted \
         independently and costs what a new proof does). List decode = decoding the signed \
         epoch list of N entries (every point decompressed, across threads), once per epoch. \
         At 2^16, 3 samples.\n"
    );
    println!(
        "| N (n, m) | proof | triptych proof | prove | prove, 2 threads | triptych prove | \
         prove ratio | verify | triptych verify | verify ratio | batched / proof | \
         batched parallel / proof | list decode |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (n, log) in [(4usize, 10u32), (4, 12), (4, 16), (16, 16)] {
        let big = log >= 16;
        let members = if big { 8 } else { BATCH };
        let oom = membership::Oom::new(n, 1 << log, members, u64::from(log) * 100 + n as u64);
        let m = oom.params.digits();
        let tri = membership::Tri::new(n as u32, m as u32, 7);
        let (prove, tri_prove) = if big {
            paired_cold(3, || drop(oom.prove(0)), || drop(tri.prove()))
        } else {
            paired(
                if log <= 10 { 11 } else { 7 },
                1,
                || drop(oom.prove(0)),
                || drop(tri.prove()),
            )
        };
        let prove_par = if big {
            mid(paired_cold(3, || drop(oom.prove_parallel(0)), || ()).0)
        } else {
            median(7, 1, || drop(oom.prove_parallel(0)))
        };
        let (verify, tri_verify) = paired(
            if big { 3 } else { 11 },
            1,
            || assert!(oom.verify(0)),
            || assert!(tri.verify()),
        );
        let samples = if big { 3 } else { 7 };
        let batched = median(samples, 1, || assert!(oom.verify_batch(BATCH, false))) / BATCH as u32;
        let batched_par =
            median(samples, 1, || assert!(oom.verify_batch(BATCH, true))) / BATCH as u32;
        let list = epoch_list_bytes(n, &oom.list);
        let decode = median(samples, 1, || {
            assert!(credence::epoch::EpochList::from_bytes(&list).is_ok());
        });
        println!(
            "| 2^{log} ({n}, {m}) | {} B | {} B | {} | {} | {} | **{}** | {} | {} | **{}** | {} | {} | {} |",
            oom.proof_len(),
            tri.proof_len(),
            ms(mid(prove.clone())),
            ms(prove_par),
            ms(mid(tri_prove.clone())),
            ratio_of(&prove, &tri_prove, Duration::ZERO),
            ms(mid(verify.clone())),
            ms(mid(tri_verify.clone())),
            ratio_of(&verify, &tri_verify, Duration::ZERO),
            ms(batched),
            ms(batched_par),
            ms(decode),
        );
    }
}

/// The consulate policy with the court anonymous (issue 9's targets): per
/// list size, the presentation's size, prove, verify alone and in a batch of
/// 64 against one list, beside the fast mode in the same run.
fn anonymous_rows(world: &World) {
    const BATCH: usize = 64;
    const DISTINCT: usize = 8;
    println!("\n## Anonymous mode: the consulate policy with the court anonymous\n");
    println!(
        "The bank is shown in the fast mode and the court as a member of its epoch list of \
         N digests (base 4, or 16 for faster proving). The prover folds the list on both \
         cores. Batched = {BATCH} presentations against one list ({DISTINCT} \
         distinct ones, each {} times; every item is weighted independently), per \
         presentation. Fast = the same policy with both raters in the fast mode, same run.\n",
        BATCH / DISTINCT
    );
    let fast = world.consulate(4242);
    let fast_p = fast.prove(0);
    let fast_prove = median(11, 1, || drop(fast.prove(1)));
    let fast_verify = median(11, 1, || {
        assert!(fast_p.verify(&fast.request).is_satisfied())
    });
    println!("| N | presentation | prove | verify | batched / presentation | list decode |");
    println!("|---|---|---|---|---|---|");
    println!(
        "| fast mode | {} B | {} | {} | — | — |",
        fast_p.to_bytes().len(),
        ms(fast_prove),
        ms(fast_verify)
    );
    for (log, base) in [(10u32, 4usize), (12, 4), (16, 4), (16, 16)] {
        let big = log >= 16;
        let set = AnonymousSet::new(world, log, base, DISTINCT);
        let bytes = set.list.to_bytes();
        let decode = median(if big { 3 } else { 7 }, 1, || {
            drop(credence::epoch::EpochList::from_bytes(&bytes).expect("decode"))
        });
        let (request, first) = (&set.scenarios[0].request, &set.presentations[0]);
        let verify = median(if big { 3 } else { 11 }, 1, || {
            assert!(first.verify_with_lists(request, &set.lists).is_satisfied())
        });
        let items = set.items(BATCH);
        let batched = median(if big { 3 } else { 7 }, 1, || {
            assert!(verify_batch_with_lists(&items, &set.lists)
                .iter()
                .all(Verdict::is_satisfied))
        }) / BATCH as u32;
        let (presentations, prove_times) = (&set.presentations, set.prove_times.clone());
        println!(
            "| 2^{log}, base {base} | {} B | {} | {} | {} | {} |",
            presentations[0].to_bytes().len(),
            ms(mid(prove_times)),
            ms(verify),
            ms(batched),
            ms(decode),
        );
    }
}

/// The encoding of a court epoch list of `entries` in base `n`: what a
/// wallet or verifier downloads and decodes once per epoch.
fn epoch_list_bytes(n: usize, entries: &[curve25519_dalek::ristretto::RistrettoPoint]) -> Vec<u8> {
    use credence::epoch::{EpochList, EpochWindow};
    let court = credence::fixtures::Rater::new(credence::fixtures::court_schema(), 9);
    let window = EpochWindow {
        epoch: 1,
        not_before: 1_800_000_000,
        not_after: 1_800_086_400,
    };
    let digests: Vec<_> = entries.iter().map(|p| p.compress()).collect();
    EpochList::sign(&court.key, &court.schema, window, n, &digests)
        .expect("a list of distinct points signs")
        .to_bytes()
}

fn main() {
    let started = Instant::now();
    let gens = Instant::now();
    let _ = bulletproof_gens();
    let gens_t = gens.elapsed();
    let world = World::new();

    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown processor".into());
    println!("# Credence performance report\n");
    if std::env::args().skip(1).any(|a| a == "membership") {
        println!("Release build on {cpu}.");
        membership_rows();
        anonymous_rows(&world);
        println!("\nReport made in {:.1} s.", started.elapsed().as_secs_f64());
        return;
    }
    if std::env::args().skip(1).any(|a| a == "anonymous") {
        println!("Release build on {cpu}.");
        anonymous_rows(&world);
        println!("\nReport made in {:.1} s.", started.elapsed().as_secs_f64());
        return;
    }
    println!(
        "Median times on {cpu} ({} logical cores), release build. Raw = the same range \
         statements (widths × aggregation) proven and verified directly with bulletproofs 5, \
         timed in turn with Credence within each sample; ratios are medians of per-sample ratios. \
         Generators are built once per process ({} for 64 bits × 64 parties).\n",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        ms(gens_t)
    );

    // Prove and verify against raw Bulletproofs.
    let mut rows = Vec::new();
    for bits in [8, 16, 32, 64] {
        prove_verify_rows(&at_least(bits), &mut rows);
    }
    prove_verify_rows(&world.consulate(1), &mut rows);
    prove_verify_rows(&world.linear8(2), &mut rows);
    println!("## Prove and verify (target: ratio ≤ 1.15, signatures aside)\n");
    println!("| statement | range proofs (bits×m) | Credence | raw Bulletproofs | ratio |");
    println!("|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }

    // Issuance.
    println!("\n## Issuance (bank schema, 5 attributes)\n");
    println!("| operation | time | per credential |");
    println!("|---|---|---|");
    let link = LinkSecret::generate(&mut rng(9));
    let (req, _) = world.bank.request(&link, 10);
    let values = bank_values(12_000);
    for k in [1usize, 16] {
        let t = median(11, 1, || {
            drop(
                world
                    .bank
                    .key
                    .issue_with_rng(&world.bank.schema, &req, &values, k, &mut rng(11))
                    .expect("issue"),
            )
        });
        println!(
            "| issue a batch of {k} | {} | {} |",
            ms(t),
            ms(t / k as u32)
        );
    }

    // Many presentations, each answering its own request.
    let consulate: Vec<Scenario> = (0..256).map(|i| world.consulate(1000 + i)).collect();
    let pool = many(
        "consulate presentations (two raters; range proofs 16×2 + 32×1)",
        &consulate,
    );
    let wide: Vec<Scenario> = (0..256).map(|i| at_least_seeded(64, 2000 + i)).collect();
    many(
        "`attr >= t` presentations (range proofs 16×1 + 64×1)",
        &wide,
    );
    let items: Vec<(&ProofRequest, &Presentation)> = consulate
        .iter()
        .zip(&pool)
        .map(|(s, p)| (&s.request, p))
        .collect();
    // Counted from zero: what the batch verification itself allocates (frees
    // of earlier allocations during it can only lower the count).
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    COUNTING.store(true, Ordering::Relaxed);
    let verdicts = verify_batch(&items);
    COUNTING.store(false, Ordering::Relaxed);
    assert!(verdicts.iter().all(Verdict::is_satisfied));
    drop(verdicts);
    let peak = PEAK.load(Ordering::Relaxed);
    println!(
        "\nPeak heap while batch-verifying 256 consulate presentations: {:.1} MiB ({:.1} KiB per presentation).",
        peak as f64 / (1 << 20) as f64,
        peak as f64 / 1024.0 / 256.0
    );

    // Encoding.
    let p = &pool[0];
    let bytes = p.to_bytes();
    let json = serde_json::to_string(p).expect("json");
    println!("\n## Encoding a consulate presentation\n");
    println!("| form | size | encode | decode |");
    println!("|---|---|---|---|");
    println!(
        "| binary | {} bytes | {} | {} |",
        bytes.len(),
        ms(median(31, 20, || drop(p.to_bytes()))),
        ms(median(31, 20, || drop(
            Presentation::from_bytes(&bytes).expect("decode")
        )))
    );
    println!(
        "| JSON | {} bytes | {} | {} |",
        json.len(),
        ms(median(31, 20, || drop(
            serde_json::to_string(p).expect("json")
        ))),
        ms(median(31, 20, || {
            drop(serde_json::from_str::<Presentation>(&json).expect("decode"))
        }))
    );
    membership_rows();
    anonymous_rows(&world);
    println!("\nReport made in {:.1} s.", started.elapsed().as_secs_f64());
}
