//! `credence verifier …`: issue requests, check presentations, refuse replays.
//!
//! The state directory is the library's [`DirNonceStore`] (spec/wallet.md §8).

use std::path::Path;
use std::time::Duration;

use credence::verifier::{DirNonceStore, Verifier, VerifierError};
use credence::{parse_policy, Date, Presentation, ProofRequest, RaterDescriptor};

use crate::io::{self, show, Failure, Outcome, NO, OK};

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
    lifetime: Duration,
) -> Outcome {
    let predicates = parse_policy(policy).map_err(Failure::input)?;
    let descriptors: Vec<RaterDescriptor> = io::read_json(trust)?;
    let verifier = Verifier::new(verifier_id, descriptors, DirNonceStore::new(state))
        .map_err(Failure::input)?;
    let date = date.map_or_else(today, Ok)?;
    let request = verifier
        .request(date)
        .purpose(purpose)
        .predicates(predicates)
        .lifetime(lifetime)
        .issue()
        .map_err(Failure::input)?;
    io::print(&io::to_json(&request)?)?;
    Ok(OK)
}

/// `verifier check`.
pub fn check(state: &Path, trust: &Path, request_path: &Path, presentation_path: &Path) -> Outcome {
    let request: ProofRequest = io::read_json(request_path)?;
    let descriptors: Vec<RaterDescriptor> = io::read_json(trust)?;
    let presentation: Presentation = io::read_json(presentation_path)?;
    let verifier = Verifier::new(
        request.verifier_id(),
        descriptors,
        DirNonceStore::new(state),
    )
    .map_err(Failure::input)?;
    let verdict = verifier
        .check(&request, &presentation)
        .map_err(|e| match e {
            VerifierError::UnknownRequest => Failure::input(format!(
                "{} was not issued by the verifier whose state is {}",
                show(request_path),
                show(state)
            )),
            VerifierError::RequestDiffers => Failure::input(format!(
                "{} differs from the request this verifier issued with that nonce",
                show(request_path)
            )),
            e => Failure::input(e),
        })?;
    io::print(&io::to_json(&verdict)?)?;
    Ok(if verdict.is_satisfied() { OK } else { NO })
}
