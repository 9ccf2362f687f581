//! Criterion benchmarks, grouped by operation, each beside the raw
//! bulletproofs baseline of the same statements (same widths, same
//! aggregation), so that every figure reads as a ratio.
//!
//! `cargo bench`; `cargo run --release --example bench_report` gives the same
//! ratios quickly, as a table.

#[path = "support/scenarios.rs"]
mod scenarios;

use credence::verifier::*;
use credence::wallet::*;
use credence::*;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use scenarios::*;

fn issuance(c: &mut Criterion) {
    let world = World::new();
    let link = LinkSecret::generate(&mut rng(9));
    let (req, _) = world.bank.request(&link, 10);
    let values = bank_values(12_000);
    let mut g = c.benchmark_group("issuance");
    for k in [1usize, 16] {
        g.throughput(Throughput::Elements(k as u64));
        g.bench_with_input(BenchmarkId::new("credence", k), &k, |b, &k| {
            let mut r = rng(11);
            b.iter(|| {
                world
                    .bank
                    .key
                    .issue_with_rng(&world.bank.schema, &req, &values, k, &mut r)
                    .expect("issue")
            })
        });
    }
    g.finish();
}

fn scenarios_to_measure() -> Vec<Scenario> {
    let world = World::new();
    let mut out: Vec<Scenario> = [8, 16, 32, 64].into_iter().map(at_least).collect();
    out.push(world.consulate(1));
    out.push(world.linear8(2));
    out
}

fn prove(c: &mut Criterion) {
    let mut g = c.benchmark_group("prove");
    g.sample_size(20);
    for s in scenarios_to_measure() {
        let shapes = s.prove(0).range_proof_shapes();
        g.bench_function(BenchmarkId::new("credence", &s.name), |b| {
            let mut seed = 0;
            b.iter(|| {
                seed += 1;
                s.prove(seed)
            })
        });
        g.bench_function(BenchmarkId::new("raw bulletproofs", &s.name), |b| {
            let mut seed = 0;
            b.iter(|| {
                seed += 1;
                raw_prove(&shapes, seed)
            })
        });
    }
    g.finish();
}

fn verify(c: &mut Criterion) {
    let mut g = c.benchmark_group("verify");
    for s in scenarios_to_measure() {
        let p = s.prove(1);
        let raw = raw_prove(&p.range_proof_shapes(), 2);
        let sigs = signatures(s.signatures());
        g.bench_function(BenchmarkId::new("credence", &s.name), |b| {
            b.iter(|| assert!(p.verify(&s.request).is_satisfied()))
        });
        g.bench_function(BenchmarkId::new("raw bulletproofs", &s.name), |b| {
            b.iter(|| raw_verify(&raw))
        });
        g.bench_function(BenchmarkId::new("rater signatures", &s.name), |b| {
            b.iter(&sigs)
        });
    }
    g.finish();
}

fn verify_many(c: &mut Criterion) {
    let world = World::new();
    // Distinct subjects, each answering its own request.
    let subjects: Vec<Scenario> = (0..256).map(|i| world.consulate(1000 + i)).collect();
    let pool: Vec<Presentation> = subjects.iter().map(|s| s.prove(5)).collect();
    let mut g = c.benchmark_group("verify_many");
    g.sample_size(10);
    for n in [1usize, 16, 64, 256] {
        let items: Vec<(&ProofRequest, &Presentation)> = subjects
            .iter()
            .zip(&pool)
            .take(n)
            .map(|(s, p)| (&s.request, p))
            .collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("one by one", n), &items, |b, items| {
            b.iter(|| assert!(items.iter().all(|(r, p)| p.verify(r).is_satisfied())))
        });
        g.bench_with_input(BenchmarkId::new("batched", n), &items, |b, items| {
            b.iter(|| assert!(verify_batch(items).iter().all(Verdict::is_satisfied)))
        });
        g.bench_with_input(
            BenchmarkId::new("batched parallel", n),
            &items,
            |b, items| {
                b.iter(|| {
                    assert!(verify_batch_parallel(items)
                        .iter()
                        .all(Verdict::is_satisfied))
                })
            },
        );
    }
    g.finish();
}

fn encoding(c: &mut Criterion) {
    let p = World::new().consulate(1).prove(1);
    let bytes = p.to_bytes();
    let json = serde_json::to_string(&p).expect("json");
    let mut g = c.benchmark_group("encoding");
    g.throughput(Throughput::Bytes(bytes.len() as u64));
    g.bench_function(BenchmarkId::new("encode", "binary"), |b| {
        b.iter(|| p.to_bytes())
    });
    g.bench_function(BenchmarkId::new("decode", "binary"), |b| {
        b.iter(|| Presentation::from_bytes(&bytes).expect("decode"))
    });
    g.throughput(Throughput::Bytes(json.len() as u64));
    g.bench_function(BenchmarkId::new("encode", "json"), |b| {
        b.iter(|| serde_json::to_string(&p).expect("json"))
    });
    g.bench_function(BenchmarkId::new("decode", "json"), |b| {
        b.iter(|| serde_json::from_str::<Presentation>(&json).expect("decode"))
    });
    g.finish();
}

criterion_group!(benches, issuance, prove, verify, verify_many, encoding);
criterion_main!(benches);
