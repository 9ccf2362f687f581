//! `credence wallet …`: the subject's side.

use std::collections::BTreeMap;
use std::io::{BufRead, IsTerminal};
use std::path::Path;

use credence::files::IssuedCredentialsFile;
use credence::wallet::{Wallet, WalletError, WalletFile};
use credence::{AttrRef, Error, ProofRequest, RaterDescriptor};
use serde_json::json;

use crate::io::{self, show, Failure, Outcome, OK};

/// Opens the wallet under its lock, for the whole command.
fn open(path: &Path) -> Result<WalletFile, Failure> {
    WalletFile::open(path).map_err(|e| match e {
        WalletError::Io { .. } => Failure::input(format!("cannot read wallet {e}")),
        e @ WalletError::Locked(_) => Failure::input(e),
        e => Failure::input(format!("{}: {e}", show(path))),
    })
}

fn save(wallet: &mut WalletFile) -> Result<(), Failure> {
    wallet
        .save()
        .map_err(|e| Failure::input(format!("cannot save wallet {e}")))
}

/// `wallet init`.
pub fn init(path: &Path, min_intervals: &[(AttrRef, u64)]) -> Outcome {
    let mut wallet = Wallet::generate();
    for (a, w) in min_intervals {
        wallet.set_min_interval(a.clone(), *w);
    }
    wallet.create(path).map_err(|e| match e {
        WalletError::Exists(_) => Failure::input(e),
        e => Failure::input(format!("cannot create wallet {e}")),
    })?;
    Ok(OK)
}

/// `wallet config`.
pub fn config(
    path: &Path,
    min_intervals: &[(AttrRef, u64)],
    min_list_size: Option<usize>,
) -> Outcome {
    let mut wallet = open(path)?;
    for (a, w) in min_intervals {
        wallet.set_min_interval(a.clone(), *w);
    }
    if let Some(n) = min_list_size {
        wallet.set_min_list_size(n);
    }
    save(&mut wallet)?;
    let intervals: BTreeMap<String, u64> = wallet
        .min_intervals()
        .iter()
        .map(|(a, w)| (a.to_string(), *w))
        .collect();
    io::print(&io::to_json(&json!({
        "min_intervals": intervals,
        "min_list_size": wallet.min_list_size(),
    }))?)?;
    Ok(OK)
}

/// `wallet request`.
pub fn request(path: &Path, rater: &Path) -> Outcome {
    let mut wallet = open(path)?;
    let descriptor: RaterDescriptor = io::read_json(rater)?;
    let request = wallet.request_issuance(&descriptor);
    save(&mut wallet)?;
    io::print(&io::to_json(&request)?)?;
    Ok(OK)
}

/// `wallet add`.
pub fn add(path: &Path, credentials: &Path) -> Outcome {
    let mut wallet = open(path)?;
    let file = IssuedCredentialsFile::load(credentials).map_err(Failure::input)?;
    let (rater, n) = wallet
        .add(file.credentials)
        .map_err(|e| Failure::input(format!("{}: {e}", show(credentials))))?;
    save(&mut wallet)?;
    io::print(&io::to_json(&json!({
        "added": n,
        "schema": rater.schema().id(),
        "key_id": rater.key_id().to_string(),
    }))?)?;
    Ok(OK)
}

/// `wallet list`: no secret, no attribute value.
pub fn list(path: &Path) -> Outcome {
    let wallet = open(path)?;
    io::print(&io::to_json(&wallet.listing())?)?;
    Ok(OK)
}

/// Asks on standard error and reads one line from standard input.
fn confirm() -> bool {
    eprint!("Send this presentation? [y/N] ");
    let stdin = std::io::stdin();
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if !stdin.is_terminal() {
        // The answer was not echoed: end the prompt's line.
        eprintln!();
    }
    if read.is_err() {
        return false;
    }
    matches!(line.trim().to_ascii_lowercase().as_str(), "y" | "yes")
}

/// `wallet prove`.
pub fn prove(
    path: &Path,
    request_path: &Path,
    yes: bool,
    allow_narrowing: bool,
    list_paths: &[std::path::PathBuf],
    out: Option<&Path>,
) -> Outcome {
    let mut wallet = open(path)?;
    let request: ProofRequest = io::read_json(request_path)?;
    let mut read = Vec::with_capacity(list_paths.len());
    for p in list_paths {
        read.push(crate::verifier::read_list(p)?);
    }
    let lists = wallet.epoch_lists(read).map_err(Failure::input)?;
    eprint!("{}", wallet.consent_with_lists(&request, &lists));
    let proven = if allow_narrowing {
        wallet.prove_allowing_narrowing_with_lists(&request, &lists)
    } else {
        wallet.prove_with_lists(&request, &lists)
    };
    let presentation = proven.map_err(|e| match e {
        WalletError::Narrowing(_) => {
            Failure::no(format!("{e}; to answer anyway, pass --allow-narrowing"))
        }
        WalletError::AllUsed { .. }
        | WalletError::SmallList { .. }
        | WalletError::ListSplit { .. }
        | WalletError::Credence(
            Error::PredicateNotMet { .. }
            | Error::Expired { .. }
            | Error::MissingCredential { .. }
            | Error::UnusableCredential { .. }
            | Error::NotListed { .. }
            | Error::ListUnavailable { .. }
            | Error::NoDigest { .. },
        ) => Failure::no(format!("cannot prove: {e}; nothing was sent")),
        e => Failure::input(format!("cannot prove: {e}")),
    })?;
    if !yes && !confirm() {
        return Err(Failure::no("declined; nothing was sent"));
    }
    // The credentials are marked used on disk before the presentation leaves.
    save(&mut wallet)?;
    let json = io::to_json(&presentation)?;
    match out {
        Some(p) => io::write_atomic(p, &json, 0o644, true)?,
        None => io::print(&json)?,
    }
    Ok(OK)
}
