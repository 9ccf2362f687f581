//! `credence verifier …`: issue requests, check presentations, refuse replays.
//!
//! The state directory is the library's [`DirNonceStore`] (spec/wallet.md §8).

use std::path::{Path, PathBuf};
use std::time::Duration;

use credence::epoch::EpochList;
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

/// Reads an epoch list file.
pub fn read_list(path: &Path) -> Result<EpochList, Failure> {
    EpochList::from_bytes(&io::read(path)?)
        .map_err(|e| Failure::input(format!("{}: {e}", show(path))))
}

/// Adds the epoch lists at `paths` to `verifier`, each checked against its
/// trusted rater.
fn add_lists(verifier: &Verifier<DirNonceStore>, paths: &[PathBuf]) -> Result<(), Failure> {
    for path in paths {
        verifier
            .add_list(read_list(path)?)
            .map_err(|e| Failure::input(format!("{}: {e}", show(path))))?;
    }
    Ok(())
}

/// `verifier request`.
#[allow(clippy::too_many_arguments)]
pub fn request(
    policy: &str,
    trust: &Path,
    verifier_id: &str,
    state: &Path,
    date: Option<Date>,
    purpose: &str,
    lifetime: Duration,
    anonymous: &[String],
    lists: &[PathBuf],
    pseudonym: bool,
) -> Outcome {
    let predicates = parse_policy(policy).map_err(Failure::input)?;
    let descriptors: Vec<RaterDescriptor> = io::read_json(trust)?;
    let verifier = Verifier::new(verifier_id, descriptors, DirNonceStore::new(state))
        .map_err(Failure::input)?;
    add_lists(&verifier, lists)?;
    let date = date.map_or_else(today, Ok)?;
    let mut new = verifier
        .request(date)
        .purpose(purpose)
        .predicates(predicates)
        .lifetime(lifetime);
    for schema in anonymous {
        new = new.anonymous(schema);
    }
    if pseudonym {
        new = new.pseudonym();
    }
    let request = new.issue().map_err(Failure::input)?;
    io::print(&io::to_json(&request)?)?;
    Ok(OK)
}

/// `verifier check`.
pub fn check(
    state: &Path,
    trust: &Path,
    request_path: &Path,
    presentation_path: &Path,
    lists: &[PathBuf],
) -> Outcome {
    let request: ProofRequest = io::read_json(request_path)?;
    let descriptors: Vec<RaterDescriptor> = io::read_json(trust)?;
    let presentation: Presentation = io::read_json(presentation_path)?;
    let verifier = Verifier::new(
        request.verifier_id(),
        descriptors,
        DirNonceStore::new(state),
    )
    .map_err(Failure::input)?;
    add_lists(&verifier, lists)?;
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
