//! `credence`: raters, wallets and verifiers from the shell, JSON in and out.
//!
//! Exit codes: 0 success (or a satisfied verdict); 1 a verdict not satisfied,
//! a replayed presentation, or a wallet that declines or cannot prove; 2 a
//! usage error or input that cannot be read or is not valid. Errors are one
//! line on standard error, starting `credence: error: `, and never hold a
//! secret. Every file is written crash-safely, after all input was checked.

#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use credence::{AttrRef, Date};

mod io;
mod rater;
mod verifier;
mod wallet;

use io::{Failure, Outcome, BAD_INPUT};

/// Privacy-preserving scoring: raters sign commitments to attributes, subjects
/// prove policies about them in zero knowledge, verifiers learn the answer and
/// nothing else.
#[derive(Parser)]
#[command(name = "credence", version)]
struct Cli {
    #[command(subcommand)]
    role: Role,
}

#[derive(Subcommand)]
enum Role {
    /// An issuing office: create a key, issue credentials.
    #[command(subcommand)]
    Rater(RaterCommand),
    /// A subject's wallet: request, hold and present credentials.
    #[command(subcommand)]
    Wallet(WalletCommand),
    /// A verifier: issue proof requests, check presentations.
    #[command(subcommand)]
    Verifier(VerifierCommand),
}

#[derive(Subcommand)]
enum RaterCommand {
    /// Create a signing key for a schema (mode 0600, never overwritten) and
    /// print the public rater descriptor.
    Init {
        /// The schema, as JSON.
        #[arg(long, value_name = "SCHEMA.json")]
        schema: PathBuf,
        /// The key file to create.
        #[arg(long, value_name = "RATER.key")]
        key: PathBuf,
    },
    /// Check an issuance request and issue credentials for it (secret: send
    /// them to the subject only).
    Issue {
        /// The rater's key file.
        #[arg(long, value_name = "RATER.key")]
        key: PathBuf,
        /// The subject's issuance request.
        #[arg(long, value_name = "ISSUANCE_REQUEST.json")]
        request: PathBuf,
        /// An attribute value; dates as YYYY-MM-DD. Repeat for each attribute.
        #[arg(long = "set", value_name = "NAME=VALUE")]
        set: Vec<String>,
        /// The credentials' expiry.
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
        valid_until: Date,
        /// How many single-use copies to issue.
        #[arg(long, default_value_t = 1, value_name = "K")]
        batch: usize,
        /// Write the credentials here (mode 0600) instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
        /// The issuance records to add this issuance to (created when
        /// missing; default: the key file's path with `.records.json`).
        #[arg(long, value_name = "RECORDS.json")]
        records: Option<PathBuf>,
        /// Your own label for the subject (a case or customer number), to
        /// revoke by later.
        #[arg(long, value_name = "LABEL")]
        subject: Option<String>,
    },
    /// Sign the epoch list of the credentials issued and not revoked, valid on
    /// its first day, and print its summary.
    PublishList {
        /// The rater's key file.
        #[arg(long, value_name = "RATER.key")]
        key: PathBuf,
        /// The issuance records (default: the key file's path with
        /// `.records.json`).
        #[arg(long, value_name = "RECORDS.json")]
        records: Option<PathBuf>,
        /// The epoch number (default: one after the last published).
        #[arg(long, value_name = "N")]
        epoch: Option<u64>,
        /// The first day the list is current, from 00:00 UTC (default: today).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
        from: Option<Date>,
        /// How many days the list is current.
        #[arg(long, default_value_t = 1, value_name = "DAYS")]
        days: u64,
        /// The base of the membership proofs over the list (2 to 16; 4 gives
        /// the smallest proofs, 16 the fastest proving).
        #[arg(long, default_value_t = 4, value_name = "N")]
        base: usize,
        /// The list file to write (binary, replaced if it exists).
        #[arg(long, value_name = "LIST")]
        out: PathBuf,
    },
    /// Revoke issuances: they are left out of every later epoch list.
    Revoke {
        /// The rater's key file.
        #[arg(long, value_name = "RATER.key")]
        key: PathBuf,
        /// The issuance records (default: the key file's path with
        /// `.records.json`).
        #[arg(long, value_name = "RECORDS.json")]
        records: Option<PathBuf>,
        /// Revoke every issuance recorded with this subject label.
        #[arg(
            long,
            value_name = "LABEL",
            conflicts_with = "digest",
            required_unless_present = "digest"
        )]
        subject: Option<String>,
        /// Revoke the issuance of the credential with this digest (base64url).
        #[arg(long, value_name = "DIGEST")]
        digest: Option<String>,
    },
}

#[derive(Subcommand)]
enum WalletCommand {
    /// Create a wallet with a fresh link secret (mode 0600, never overwritten).
    Init {
        /// The wallet file.
        #[arg(long, value_name = "W")]
        wallet: PathBuf,
        /// Refuse any request after which one verifier would know the
        /// attribute to lie in an interval narrower than WIDTH.
        #[arg(long = "min-interval", value_name = "SCHEMA.ATTR=WIDTH", value_parser = min_interval)]
        min_interval: Vec<(AttrRef, u64)>,
    },
    /// Set minimum intervals (a width of 0 removes one).
    Config {
        /// The wallet file.
        #[arg(long, value_name = "W")]
        wallet: PathBuf,
        /// As for `wallet init`.
        #[arg(long = "min-interval", value_name = "SCHEMA.ATTR=WIDTH", value_parser = min_interval)]
        min_interval: Vec<(AttrRef, u64)>,
        /// The smallest epoch list (anonymity set) to prove membership in
        /// (default 1024).
        #[arg(long, value_name = "N")]
        min_list_size: Option<usize>,
    },
    /// Print an issuance request for a rater, and remember it.
    Request {
        /// The wallet file.
        #[arg(long, value_name = "W")]
        wallet: PathBuf,
        /// The rater's descriptor, as `rater init` prints it.
        #[arg(long, value_name = "RATER.pub.json")]
        rater: PathBuf,
    },
    /// Check credentials a rater issued for one of this wallet's requests, and
    /// keep them.
    Add {
        /// The wallet file.
        #[arg(long, value_name = "W")]
        wallet: PathBuf,
        /// The credentials, as `rater issue` writes them.
        #[arg(value_name = "CREDENTIAL.json")]
        credentials: PathBuf,
    },
    /// List credentials, pending requests, minimum intervals and what each
    /// verifier was shown (no secret, no attribute value).
    List {
        /// The wallet file.
        #[arg(long, value_name = "W")]
        wallet: PathBuf,
    },
    /// Show what a request asks, ask for consent, and print a presentation.
    Prove {
        /// The wallet file.
        #[arg(long, value_name = "W")]
        wallet: PathBuf,
        /// The verifier's proof request.
        #[arg(value_name = "REQUEST.json")]
        request: PathBuf,
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
        /// Answer even when the verifier would narrow a protected attribute
        /// below its minimum interval.
        #[arg(long)]
        allow_narrowing: bool,
        /// A rater's epoch list, for a request that asks for the anonymous
        /// mode (`rater publish-list` writes them). Repeat for each.
        #[arg(long = "list", value_name = "LIST")]
        lists: Vec<PathBuf>,
        /// Write the presentation here instead of standard output.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum VerifierCommand {
    /// Print a proof request with a fresh nonce, and record it.
    Request {
        /// The policy, e.g. 'bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0'.
        #[arg(long)]
        policy: String,
        /// The trusted raters: a JSON list of rater descriptors.
        #[arg(long, value_name = "TRUST.json")]
        trust: PathBuf,
        /// Who asks.
        #[arg(long, value_name = "ID")]
        verifier_id: String,
        /// The verifier's state directory.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// The reference date every credential must be valid on (default: today, UTC).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = date)]
        date: Option<Date>,
        /// Why the verifier asks; shown to the subject.
        #[arg(long, default_value = "")]
        purpose: String,
        /// How long the request can be answered, in seconds.
        #[arg(long, value_name = "SECONDS", default_value_t = 600)]
        lifetime: u64,
        /// Ask for this schema's credential in the anonymous mode, against
        /// the current epoch lists given with --list. Repeat for each schema.
        #[arg(long, value_name = "SCHEMA")]
        anonymous: Vec<String>,
        /// A trusted rater's epoch list. Repeat for each.
        #[arg(long = "list", value_name = "LIST")]
        lists: Vec<PathBuf>,
        /// Ask for the holder's pseudonym for this verifier: the verdict names
        /// it, the same whenever the holder returns.
        #[arg(long)]
        pseudonym: bool,
    },
    /// Check a presentation against a request this verifier issued; print the
    /// verdict. A request is answered once: after a satisfying presentation,
    /// another is rejected as replayed; after 5 rejected ones, or after its
    /// lifetime, the request is closed.
    Check {
        /// The verifier's state directory.
        #[arg(long, value_name = "DIR")]
        state: PathBuf,
        /// The currently trusted raters.
        #[arg(long, value_name = "TRUST.json")]
        trust: PathBuf,
        /// The request, as `verifier request` printed it.
        #[arg(value_name = "REQUEST.json")]
        request: PathBuf,
        /// The subject's presentation.
        #[arg(value_name = "PRESENTATION.json")]
        presentation: PathBuf,
        /// The epoch lists the request names. Repeat for each.
        #[arg(long = "list", value_name = "LIST")]
        lists: Vec<PathBuf>,
    },
}

fn date(s: &str) -> Result<Date, String> {
    Date::parse(s).map_err(|e| e.to_string())
}

fn min_interval(s: &str) -> Result<(AttrRef, u64), String> {
    let (a, w) = s
        .split_once('=')
        .ok_or_else(|| format!("`{s}`: expected SCHEMA.ATTR=WIDTH"))?;
    let attr = AttrRef::parse(a).map_err(|e| e.to_string())?;
    let width = w
        .parse::<u64>()
        .map_err(|_| format!("`{s}`: the width must be an unsigned integer"))?;
    Ok((attr, width))
}

fn run(cli: Cli) -> Outcome {
    match cli.role {
        Role::Rater(RaterCommand::Init { schema, key }) => rater::init(&schema, &key),
        Role::Rater(RaterCommand::Issue {
            key,
            request,
            set,
            valid_until,
            batch,
            out,
            records,
            subject,
        }) => rater::issue(
            &key,
            &request,
            &set,
            valid_until,
            batch,
            out.as_deref(),
            records.as_deref(),
            subject.as_deref(),
        ),
        Role::Rater(RaterCommand::PublishList {
            key,
            records,
            epoch,
            from,
            days,
            base,
            out,
        }) => rater::publish_list(&key, records.as_deref(), epoch, from, days, base, &out),
        Role::Rater(RaterCommand::Revoke {
            key,
            records,
            subject,
            digest,
        }) => rater::revoke(
            &key,
            records.as_deref(),
            subject.as_deref(),
            digest.as_deref(),
        ),
        Role::Wallet(WalletCommand::Init {
            wallet,
            min_interval,
        }) => wallet::init(&wallet, &min_interval),
        Role::Wallet(WalletCommand::Config {
            wallet,
            min_interval,
            min_list_size,
        }) => wallet::config(&wallet, &min_interval, min_list_size),
        Role::Wallet(WalletCommand::Request { wallet, rater }) => wallet::request(&wallet, &rater),
        Role::Wallet(WalletCommand::Add {
            wallet,
            credentials,
        }) => wallet::add(&wallet, &credentials),
        Role::Wallet(WalletCommand::List { wallet }) => wallet::list(&wallet),
        Role::Wallet(WalletCommand::Prove {
            wallet,
            request,
            yes,
            allow_narrowing,
            lists,
            out,
        }) => wallet::prove(
            &wallet,
            &request,
            yes,
            allow_narrowing,
            &lists,
            out.as_deref(),
        ),
        Role::Verifier(VerifierCommand::Request {
            policy,
            trust,
            verifier_id,
            state,
            date,
            purpose,
            lifetime,
            anonymous,
            lists,
            pseudonym,
        }) => verifier::request(
            &policy,
            &trust,
            &verifier_id,
            &state,
            date,
            &purpose,
            Duration::from_secs(lifetime),
            &anonymous,
            &lists,
            pseudonym,
        ),
        Role::Verifier(VerifierCommand::Check {
            state,
            trust,
            request,
            presentation,
            lists,
        }) => verifier::check(&state, &trust, &request, &presentation, &lists),
    }
}

/// One line: newlines and other control characters become spaces.
fn one_line(s: &str) -> String {
    s.trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind;
            return match e.kind() {
                ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
                    let _ = e.print();
                    ExitCode::SUCCESS
                }
                ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    let _ = e.print();
                    ExitCode::from(BAD_INPUT)
                }
                _ => {
                    // clap's message, without the usage block, on one line.
                    let text = e.render().to_string();
                    let lines: Vec<&str> = text
                        .lines()
                        .map(str::trim)
                        .take_while(|l| !l.starts_with("Usage:"))
                        .filter(|l| !l.is_empty())
                        .collect();
                    let message = lines.join(" ");
                    let message = message.strip_prefix("error: ").unwrap_or(&message);
                    eprintln!("credence: error: {} (see --help)", one_line(message));
                    ExitCode::from(BAD_INPUT)
                }
            };
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(Failure { code, message }) => {
            eprintln!("credence: error: {}", one_line(&message));
            ExitCode::from(code)
        }
    }
}
