//! Writes the fuzz targets' seed inputs into `fuzz/seeds/<target>/`:
//!
//! - every object stored in `spec/vectors/*.json`, in its binary and JSON forms;
//! - the README walkthrough rebuilt with the library from the README's own
//!   schema files and policies (fixed keys and seeds): descriptors and the trust
//!   list, issuance requests, issued and held credentials, pending issuances, a
//!   wallet file with used credentials, pending requests, a protected attribute
//!   and disclosures, requests and presentations;
//! - the README's policies and a few more covering every clause form;
//! - the version 1 wallet and rater files kept in `tests/fixtures/v1/`.
//!
//! Run from `fuzz/`: `cargo run --example seeds`.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use credence::rater::*;
use credence::wallet::*;
use credence::*;
use credence_fuzz::unhex;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::Value;

struct Seeds {
    root: PathBuf,
    written: BTreeSet<PathBuf>,
}

impl Seeds {
    fn put(&mut self, target: &str, data: &[u8]) {
        let dir = self.root.join(target);
        fs::create_dir_all(&dir).expect("create seed directory");
        // Named by content so that reruns do not duplicate seeds.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in data {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        let path = dir.join(format!("seed-{h:016x}"));
        fs::write(&path, data).expect("write seed");
        self.written.insert(path);
    }
    fn json<T: serde::Serialize>(&mut self, target: &str, v: &T) {
        let text = serde_json::to_vec(v).expect("serializes");
        self.put(target, &text);
    }
}

/// Puts a binary object into every target whose decoder accepts it.
fn classify(seeds: &mut Seeds, bytes: &[u8]) {
    if let Ok(v) = Schema::from_bytes(bytes) {
        seeds.put("schema", bytes);
        seeds.json("schema", &v);
    }
    if let Ok(v) = Credential::from_bytes(bytes) {
        seeds.put("credential", bytes);
        seeds.json("credential", &v);
    }
    if let Ok(v) = IssuanceRequest::from_bytes(bytes) {
        seeds.put("issuance_request", bytes);
        seeds.json("issuance_request", &v);
    }
    if IssuedCredential::from_bytes(bytes).is_ok() {
        seeds.put("issued_credential", bytes);
    }
    if HeldCredential::from_bytes(bytes).is_ok() {
        seeds.put("held_credential", bytes);
    }
    if PendingIssuance::from_bytes(bytes).is_ok() {
        seeds.put("pending_issuance", bytes);
    }
    if let Ok(v) = ProofRequest::from_bytes(bytes) {
        seeds.put("proof_request", bytes);
        seeds.json("proof_request", &v);
    }
    if credence::epoch::EpochList::from_bytes(bytes).is_ok() {
        seeds.put("epoch_list", bytes);
    }
    if let Ok(v) = Presentation::from_bytes(bytes) {
        seeds.put("presentation", bytes);
        seeds.json("presentation", &v);
        seeds.put("verify", bytes);
        seeds.json("verify", &v);
    }
}

/// Walks a vector file: hex strings are tried as binary objects, objects as
/// structured JSON forms.
fn from_vectors(seeds: &mut Seeds, v: &Value) {
    match v {
        Value::String(s) => {
            if let Some(bytes) = unhex(s) {
                classify(seeds, &bytes);
            }
        }
        Value::Object(m) => {
            if let Ok(s) = serde_json::from_value::<Schema>(v.clone()) {
                seeds.json("schema", &s);
            }
            if let Ok(r) = serde_json::from_value::<ProofRequest>(v.clone()) {
                seeds.json("proof_request", &r);
            }
            m.values().for_each(|v| from_vectors(seeds, v));
        }
        Value::Array(a) => a.iter().for_each(|v| from_vectors(seeds, v)),
        _ => {}
    }
}

/// The README's schema files (`cat > X.schema.json <<'EOF'` blocks) and
/// policies (`--policy '…'`).
fn readme_parts(readme: &str) -> (Vec<Schema>, Vec<String>) {
    let mut schemas = Vec::new();
    let mut lines = readme.lines();
    while let Some(line) = lines.next() {
        if line.contains(".schema.json <<'EOF'") {
            let body: Vec<&str> = lines.by_ref().take_while(|l| *l != "EOF").collect();
            if let Ok(s) = serde_json::from_str::<Schema>(&body.join("\n")) {
                schemas.push(s);
            }
        }
    }
    let policies = readme
        .split("--policy '")
        .skip(1)
        .filter_map(|rest| rest.split('\'').next())
        .map(str::to_owned)
        .collect();
    (schemas, policies)
}

fn rng(n: u8) -> ChaCha20Rng {
    ChaCha20Rng::from_seed([n; 32])
}

/// Values for every attribute of a schema: dates in 2027, counts small.
fn values(schema: &Schema) -> Vec<(&str, u64)> {
    schema
        .attributes()
        .iter()
        .map(|a| {
            let v = match a.kind {
                AttributeKind::Date => Date::parse("2027-12-31").map(Date::days).unwrap_or(0),
                AttributeKind::Uint { max } => max.min(12_000) / 2 + 1,
            };
            (a.name.as_str(), v)
        })
        .collect()
}

fn walkthrough(seeds: &mut Seeds, schemas: &[Schema], policies: &[String]) {
    let raters: Vec<(RaterSigningKey, RaterDescriptor)> = schemas
        .iter()
        .zip(1u8..)
        .map(|(s, i)| {
            let key = RaterSigningKey::from_bytes(&[i; 32]);
            let d = RaterDescriptor::new(s.clone(), key.public_key());
            (key, d)
        })
        .collect();
    let descriptors: Vec<RaterDescriptor> = raters.iter().map(|(_, d)| d.clone()).collect();
    for d in &descriptors {
        seeds.json("trust", d);
        seeds.json("schema", d.schema());
        seeds.put("schema", &d.schema().to_bytes());
    }
    seeds.json("trust", &descriptors);

    let mut wallet = Wallet::generate_with_rng(&mut rng(40));
    if let Some(attr) = schemas
        .first()
        .and_then(|s| s.attributes().first().map(|a| (s.id(), a.name.as_str())))
        .and_then(|(s, a)| AttrRef::new(s, a).ok())
    {
        wallet.set_min_interval(attr, 2000);
    }
    for ((key, d), i) in raters.iter().zip(41u8..) {
        let request = wallet.request_issuance_with_rng(d, &mut rng(i));
        classify(seeds, &request.to_bytes());
        let issued = key
            .issue_with_rng(d.schema(), &request, &values(d.schema()), 3, &mut rng(i))
            .expect("the walkthrough issues");
        for c in &issued {
            classify(seeds, &c.to_bytes());
        }
        wallet
            .add(issued)
            .expect("the wallet accepts its credentials");
    }
    seeds.put("wallet", &wallet.to_json().expect("wallet saves"));

    let trusted = RaterDescriptor::trusted_raters(&descriptors).expect("trust list groups");
    for (policy, i) in policies.iter().zip(60u8..) {
        seeds.put("policy", policy.as_bytes());
        let Ok(predicates) = parse_policy(policy) else {
            continue;
        };
        let mut builder =
            ProofRequest::builder("consulate.example", Date::from_days(20_878).expect("date"))
                .purpose("visa fast track")
                .predicates(predicates);
        for t in &trusted {
            builder = builder.trust(t.schema().clone(), t.keys().to_vec());
        }
        let Ok(request) = builder.build_with_nonce([i; 32]) else {
            continue;
        };
        classify(seeds, &request.to_bytes());
        if let Ok(p) = wallet.prove_allowing_narrowing_with_rng(&request, &mut rng(i)) {
            classify(seeds, &p.to_bytes());
        }
    }
    // Used credentials, pending requests and disclosures in one file.
    if let Some((_, d)) = raters.first() {
        let request = wallet.request_issuance_with_rng(d, &mut rng(70));
        classify(seeds, &request.to_bytes());
    }
    seeds.put("wallet", &wallet.to_json().expect("wallet saves"));
    // Held credentials and pending issuances appear base64url-encoded in the
    // wallet file.
    if let Ok(Value::Object(file)) =
        serde_json::from_slice::<Value>(&wallet.to_json().expect("wallet saves"))
    {
        let mut b64 = Vec::new();
        for list in ["credentials", "pending"] {
            if let Some(Value::Array(items)) = file.get(list) {
                for item in items {
                    for field in ["credential", "issuance"] {
                        if let Some(Value::String(s)) = item.get(field) {
                            b64.push(s.clone());
                        }
                    }
                }
            }
        }
        for s in b64 {
            if let Some(bytes) = base64url(&s) {
                classify(seeds, &bytes);
            }
        }
    }
}

/// Unpadded base64url, for reading the wallet file's strings.
fn base64url(s: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes() {
        acc = (acc << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

const MORE_POLICIES: &[&str] = &[
    "bank.liquidity_eur >= 5000",
    "bank.liquidity_eur <= 20000 and court.outstanding_defaults == 0",
    "1000 <= bank.late_payments <= 2000",
    "reveal bank.on_time_payments and court.outstanding_defaults <= 3",
    "-bank.late_payments + 2*bank.on_time_payments - 3*court.outstanding_defaults <= -7",
    "bank.liquidity_eur + bank.late_payments - bank.late_payments >= 18100",
];

fn main() {
    let fuzz = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let repo = fuzz
        .parent()
        .expect("fuzz/ is inside the repository")
        .to_path_buf();
    let mut seeds = Seeds {
        root: fuzz.join("seeds"),
        written: BTreeSet::new(),
    };
    let vectors = repo.join("spec/vectors");
    let mut files: Vec<PathBuf> = fs::read_dir(&vectors)
        .expect("spec/vectors")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    for f in &files {
        let v: Value = serde_json::from_str(&fs::read_to_string(f).expect("read vector file"))
            .expect("vector files are JSON");
        from_vectors(&mut seeds, &v);
    }
    // Files written by version 1 of the tool, kept as test fixtures.
    let v1 = repo.join("tests/fixtures/v1");
    for (file, target) in [
        ("subject.wallet", "wallet"),
        ("bank.key", "rater_files"),
        ("issued.json", "rater_files"),
    ] {
        if let Ok(bytes) = fs::read(v1.join(file)) {
            seeds.put(target, &bytes);
        }
    }
    let readme = fs::read_to_string(repo.join("README.md")).expect("README.md");
    let (schemas, mut policies) = readme_parts(&readme);
    policies.extend(MORE_POLICIES.iter().map(|s| s.to_string()));
    walkthrough(&mut seeds, &schemas, &policies);
    report(&seeds.root, seeds.written.len());
}

fn report(root: &Path, n: usize) {
    println!("wrote {n} seeds under {}", root.display());
    if let Ok(dirs) = fs::read_dir(root) {
        let mut dirs: Vec<_> = dirs.filter_map(|d| d.ok()).collect();
        dirs.sort_by_key(|d| d.file_name());
        for d in dirs {
            let count = fs::read_dir(d.path()).map(|r| r.count()).unwrap_or(0);
            println!("  {:<20} {count}", d.file_name().to_string_lossy());
        }
    }
}
