//! Criterion benchmarks of the membership proof (hazmat), each beside Tari's
//! `triptych` crate on a list of the same size, so that every figure reads as
//! a ratio: prove (constant time), verify, and batch verification of 64
//! proofs against one list; then whole anonymous presentations (the consulate
//! policy with the court anonymous) beside the fast mode, and decoding a
//! list.
//!
//! `cargo bench --bench membership`; the report
//! (`cargo run --release --example bench_report`) gives the same rows as a
//! table. At N = 2^16 each prove takes about a second: those groups take 10
//! samples.

#[path = "support/membership.rs"]
mod membership;
#[path = "support/scenarios.rs"]
mod scenarios;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use membership::*;
use std::time::Duration;

/// (base n, log2 N).
const SIZES: [(usize, u32); 4] = [(4, 10), (4, 12), (4, 16), (16, 16)];
const BATCH: usize = 64;

fn id(n: usize, log: u32) -> String {
    format!("N=2^{log},n={n}")
}

/// Members with distinct proofs: all 64 below 2^16, 8 at 2^16 (the batch
/// then repeats them; each item is weighted and costs the same).
fn instance(n: usize, log: u32) -> Oom {
    let members = if log >= 16 { 8 } else { BATCH };
    Oom::new(n, 1 << log, members, u64::from(log) * 100 + n as u64)
}

fn slow(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, log: u32) {
    if log >= 16 {
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(1));
        g.warm_up_time(Duration::from_millis(1));
    } else {
        g.sample_size(10);
        g.measurement_time(Duration::from_secs(3));
    }
}

fn prove(c: &mut Criterion) {
    for (n, log) in SIZES {
        let oom = instance(n, log);
        let m = oom.params.digits() as u32;
        let tri = Tri::new(n as u32, m, 7);
        let mut g = c.benchmark_group("membership_prove");
        slow(&mut g, log);
        g.bench_function(BenchmarkId::new("credence", id(n, log)), |b| {
            b.iter(|| oom.prove(0))
        });
        g.bench_function(BenchmarkId::new("credence parallel", id(n, log)), |b| {
            b.iter(|| oom.prove_parallel(0))
        });
        g.bench_function(BenchmarkId::new("triptych", id(n, log)), |b| {
            b.iter(|| tri.prove())
        });
        g.finish();
    }
}

fn verify(c: &mut Criterion) {
    for (n, log) in SIZES {
        let oom = instance(n, log);
        let m = oom.params.digits() as u32;
        let tri = Tri::new(n as u32, m, 7);
        let mut g = c.benchmark_group("membership_verify");
        slow(&mut g, log);
        g.bench_function(BenchmarkId::new("credence", id(n, log)), |b| {
            b.iter(|| assert!(oom.verify(0)))
        });
        g.bench_function(BenchmarkId::new("triptych", id(n, log)), |b| {
            b.iter(|| assert!(tri.verify()))
        });
        g.throughput(Throughput::Elements(BATCH as u64));
        g.bench_function(BenchmarkId::new("credence batch of 64", id(n, log)), |b| {
            b.iter(|| assert!(oom.verify_batch(BATCH, false)))
        });
        g.bench_function(
            BenchmarkId::new("credence batch of 64, parallel", id(n, log)),
            |b| b.iter(|| assert!(oom.verify_batch(BATCH, true))),
        );
        g.finish();
    }
}

/// The consulate policy with the court anonymous, against lists of 2^10,
/// 2^12 and 2^16 (base 4).
fn anonymous(c: &mut Criterion) {
    let world = scenarios::World::new();
    let fast = world.consulate(4242);
    let fast_p = fast.prove(0);
    for log in [10u32, 12, 16] {
        let set = scenarios::AnonymousSet::new(&world, log, 4, 8);
        let mut g = c.benchmark_group("anonymous_presentation");
        slow(&mut g, log);
        let s = &set.scenarios[0];
        g.bench_function(BenchmarkId::new("prove", id(4, log)), |b| {
            b.iter(|| s.prove_with_lists(&set.lists, 1))
        });
        let (request, p) = (&s.request, &set.presentations[0]);
        g.bench_function(BenchmarkId::new("verify", id(4, log)), |b| {
            b.iter(|| assert!(p.verify_with_lists(request, &set.lists).is_satisfied()))
        });
        g.bench_function(BenchmarkId::new("fast mode verify", id(4, log)), |b| {
            b.iter(|| assert!(fast_p.verify(&fast.request).is_satisfied()))
        });
        let items = set.items(BATCH);
        g.throughput(Throughput::Elements(BATCH as u64));
        g.bench_function(BenchmarkId::new("batch of 64", id(4, log)), |b| {
            b.iter(|| {
                credence::verifier::verify_batch_with_lists(&items, &set.lists)
                    .iter()
                    .all(credence::Verdict::is_satisfied)
            })
        });
        g.finish();
        let bytes = set.list.to_bytes();
        let mut g = c.benchmark_group("epoch_list_decode");
        slow(&mut g, log);
        g.bench_function(BenchmarkId::new("decode", id(4, log)), |b| {
            b.iter(|| credence::epoch::EpochList::from_bytes(&bytes).is_ok())
        });
        g.finish();
    }
}

criterion_group!(benches, prove, verify, anonymous);
criterion_main!(benches);
