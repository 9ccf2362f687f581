#[path = "../benches/support/scenarios.rs"]
mod scenarios;
use credence::*;
use scenarios::*;
fn main() {
    let world = World::new();
    let subjects: Vec<Scenario> = (0..16).map(|i| world.consulate(100 + i)).collect();
    let pool: Vec<Presentation> = subjects.iter().map(|s| s.prove(5)).collect();
    let request = &subjects[0].request;
    let items: Vec<(&ProofRequest, &Presentation)> =
        (0..256).map(|i| (request, &pool[i % pool.len()])).collect();
    let t = std::time::Instant::now();
    for _ in 0..60 {
        assert!(verify_batch(&items).iter().all(Verdict::is_satisfied));
    }
    eprintln!("{:?}", t.elapsed() / 60);
}
