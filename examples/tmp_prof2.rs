#[path = "../benches/support/scenarios.rs"]
mod scenarios;
use credence::*;
use scenarios::*;
use std::time::Instant;
fn main() {
    let world = World::new();
    let s = world.consulate(1);
    let p = s.prove(1);
    let r = &s.request;
    let n = 20000;
    let t = Instant::now(); for _ in 0..n { let _ = r.digest(); } println!("digest {:?}", t.elapsed()/n);
    let t = Instant::now(); for _ in 0..n { let _ = r.predicates().len(); let _ = ProofRequest::from_bytes(&r.to_bytes()); } println!("request decode(incl plan) {:?}", t.elapsed()/n);
    let v = p.verify(r);
    let t = Instant::now(); for _ in 0..n { let _ = v.clone(); } println!("verdict clone {:?}", t.elapsed()/n);
    let items = vec![(r, &p); 64];
    let t = Instant::now(); for _ in 0..200 { let _ = verify_batch(&items); } println!("batch64 per item {:?}", t.elapsed()/200/64);
}
