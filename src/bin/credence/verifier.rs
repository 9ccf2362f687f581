//! `credence verifier …`: issue requests, check presentations, refuse replays.
//!
//! State directory layout (spec/wallet.md §8): `requests/<nonce>.json` holds
//! each request this verifier issued; `used/<nonce>` marks a nonce answered.

use std::path::{Path, PathBuf};

use credence::{
    parse_policy, Date, Presentation, ProofRequest, RaterDescriptor, Rejection, Verdict,
};
use serde_json::json;

use crate::io::{self, show, Failure, Outcome, NO, OK};

fn request_file(state: &Path, request: &ProofRequest) -> PathBuf {
    state
        .join("requests")
        .join(format!("{}.json", io::hex(request.nonce())))
}

fn used_file(state: &Path, request: &ProofRequest) -> PathBuf {
    state.join("used").join(io::hex(request.nonce()))
}

fn create_dir(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::input(format!("cannot create {}: {e}", show(dir))))
}

/// Today, from the system clock (UTC).
pub fn today() -> Result<Date, Failure> {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Failure::input("the system clock is before 1970"))?
        .as_secs();
    Date::from_days(secs / 86_400).map_err(Failure::input)
}

/// `verifier request`.
pub fn request(
    policy: &str,
    trust: &Path,
    verifier_id: &str,
    state: &Path,
    date: Option<Date>,
    purpose: &str,
) -> Outcome {
    let predicates = parse_policy(policy).map_err(Failure::input)?;
    let descriptors: Vec<RaterDescriptor> = io::read_json(trust)?;
    let named: Vec<&str> = predicates
        .iter()
        .flat_map(|p| p.attributes())
        .map(|a| a.schema())
        .collect();
    let relevant: Vec<RaterDescriptor> = descriptors
        .into_iter()
        .filter(|d| named.contains(&d.schema().id()))
        .collect();
    let mut builder = ProofRequest::builder(verifier_id, date.map_or_else(today, Ok)?)
        .purpose(purpose)
        .predicates(predicates);
    builder = builder
        .trust_descriptors(&relevant)
        .map_err(|e| Failure::input(format!("{}: {e}", show(trust))))?;
    let request = builder.build().map_err(Failure::input)?;
    let json = io::to_json(&request)?;
    create_dir(&state.join("requests"))?;
    io::write_atomic(&request_file(state, &request), &json, 0o644, false)?;
    io::print(&json)?;
    Ok(OK)
}

/// `verifier check`.
pub fn check(state: &Path, trust: &Path, request_path: &Path, presentation_path: &Path) -> Outcome {
    let request: ProofRequest = io::read_json(request_path)?;
    let stored_path = request_file(state, &request);
    if !stored_path.exists() {
        return Err(Failure::input(format!(
            "{} was not issued by the verifier whose state is {}",
            show(request_path),
            show(state)
        )));
    }
    let stored: ProofRequest = io::read_json(&stored_path)?;
    if stored.digest() != request.digest() {
        return Err(Failure::input(format!(
            "{} differs from the request this verifier issued with that nonce",
            show(request_path)
        )));
    }
    let descriptors: Vec<RaterDescriptor> = io::read_json(trust)?;
    let presentation: Presentation = io::read_json(presentation_path)?;

    // The nonce is spent by the first check, whatever its outcome.
    create_dir(&state.join("used"))?;
    let used = used_file(state, &stored);
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&used)
    {
        Ok(f) => {
            f.sync_all()
                .and_then(|()| io::sync_dir(&state.join("used")))
                .map_err(|e| Failure::input(format!("cannot record {}: {e}", show(&used))))?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            io::print(&io::to_json(&json!({
                "satisfied": false,
                "rejection": {
                    "reason": "replayed",
                    "detail": "this request's nonce was answered before",
                },
                "statements": [],
                "disclosed": [],
            }))?)?;
            return Ok(NO);
        }
        Err(e) => {
            return Err(Failure::input(format!(
                "cannot record {}: {e}",
                show(&used)
            )))
        }
    }

    let mut verdict = presentation.verify(&stored);
    if verdict.satisfied {
        untrusted_now(&mut verdict, &presentation, &descriptors);
    }
    io::print(&io::to_json(&verdict)?)?;
    Ok(if verdict.satisfied { OK } else { NO })
}

/// Rejects a verdict whose credentials are signed by a key that the current
/// trust file no longer lists (a key retired after the request was issued).
fn untrusted_now(verdict: &mut Verdict, presentation: &Presentation, trusted: &[RaterDescriptor]) {
    for (i, c) in presentation.credentials().iter().enumerate() {
        let ok = trusted.iter().any(|d| {
            d.key_id() == c.key_id()
                && d.schema().id() == c.schema_id()
                && &d.schema().digest() == c.schema_digest()
        });
        if !ok {
            verdict.satisfied = false;
            verdict.rejection = Some(Rejection::UntrustedRater {
                credential: i,
                schema: c.schema_id().to_owned(),
            });
            verdict.disclosed.clear();
            return;
        }
    }
}
