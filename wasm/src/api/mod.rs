//! The JSON facade: every operation the JavaScript package offers, as plain
//! Rust over strings, so that it is tested natively and the bindings only
//! convert values.
//!
//! Inputs are JSON text, untrusted: each is capped in size before it is
//! parsed, and decoded strictly by the library. Outputs are JSON text in the
//! library's forms (the same the `credence` tool reads and writes). A
//! wallet's JSON holds every secret of the wallet: it is handled in memory
//! that is zeroized when dropped, and decoded by the library's own decoder,
//! whose errors never quote a value.
//!
//! Epoch lists (the anonymous mode, spec §3.11 and §7.4) come as bytes, the
//! files raters publish: see [`lists`].

#![forbid(unsafe_code)]

pub mod lists;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use credence::epoch::EpochList;
use credence::files::IssuedCredentialsFile;
use credence::verifier::{MemoryNonceStore, NonceStore, RequestTerms, Verifier, VerifierError};
use credence::wallet::{ConsentSummary, Wallet};
use credence::{AttrRef, Date, Predicate, Presentation, ProofRequest, RaterDescriptor};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use zeroize::Zeroizing;

use crate::error::{ApiError, Code};

/// The largest JSON text accepted for a request, a presentation, a rater
/// descriptor, a trust list or options: 4 MiB (a presentation is at most
/// 1 MiB of bytes, 1.4 MiB of base64url).
pub const MAX_JSON_LEN: usize = 4 << 20;
/// The largest wallet or issued-credentials JSON accepted: the library's
/// file cap, 64 MiB.
pub const MAX_SECRET_JSON_LEN: usize = credence::files::MAX_FILE_LEN as usize;
/// The longest policy text accepted: 64 KiB.
pub const MAX_POLICY_LEN: usize = 64 << 10;

/// The version of wasm-bindgen the package is built with; the
/// `wasm-bindgen` command-line tool must be the same version.
pub const WASM_BINDGEN_VERSION: &str = "0.2.129";

/// A result that comes with the wallet's new state.
pub struct WithWallet<T> {
    /// The result.
    pub value: T,
    /// The wallet's JSON after the operation, to be stored by the caller in
    /// place of the one passed in.
    pub wallet: Zeroizing<String>,
}

/// Prints the result and leaves the wallet out: it holds secrets.
impl<T: std::fmt::Debug> std::fmt::Debug for WithWallet<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WithWallet")
            .field("value", &self.value)
            .finish_non_exhaustive()
    }
}

/// What [`wallet_add_credentials`] added.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Added {
    /// How many credentials.
    pub added: usize,
    /// Their schema id.
    pub schema: String,
    /// The id of the rater key that signed them.
    pub key_id: String,
}

/// Refuses a text longer than `cap` bytes.
pub fn check_len(what: &str, text: &str, cap: usize) -> Result<(), ApiError> {
    if text.len() > cap {
        return Err(ApiError::new(
            Code::Json,
            format!("{what} is {} bytes, above the cap of {cap}", text.len()),
        ));
    }
    Ok(())
}

/// Decodes public JSON text into `T`: text that is not JSON at all is
/// [`Code::Json`] whatever `T` is, JSON that is not a `T` is [`Code::Decode`].
fn from_json<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, ApiError> {
    check_len(what, text, MAX_JSON_LEN)?;
    serde_json::from_str::<IgnoredAny>(text).map_err(|e| ApiError::serde(what, &e))?;
    serde_json::from_str(text).map_err(|e| ApiError::serde(what, &e))
}

/// Checks that secret text is JSON, without quoting anything from it.
fn check_secret_syntax(what: &str, text: &str) -> Result<(), ApiError> {
    check_len(what, text, MAX_SECRET_JSON_LEN)?;
    match serde_json::from_str::<IgnoredAny>(text) {
        Ok(_) => Ok(()),
        Err(e) => Err(ApiError::new(
            Code::Json,
            format!("{what} {}", credence::files::JsonProblem::of(&e)),
        )),
    }
}

/// Compact JSON of a public value.
fn to_json<T: Serialize + ?Sized>(what: &str, value: &T) -> Result<String, ApiError> {
    serde_json::to_string(value)
        .map_err(|_| ApiError::new(Code::Json, format!("cannot encode the {what} as JSON")))
}

/// Decodes a wallet's JSON (the library checks every credential in it).
fn load_wallet(text: &str) -> Result<Wallet, ApiError> {
    check_secret_syntax("the wallet", text)?;
    Ok(Wallet::from_json(text.as_bytes())?)
}

/// A wallet's JSON, the library's wallet file form.
fn save_wallet(wallet: &Wallet) -> Result<Zeroizing<String>, ApiError> {
    let bytes = wallet.to_json()?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| ApiError::new(Code::Wallet, "the wallet's JSON is not UTF-8"))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// Version and format information, as JSON.
pub fn version_info() -> String {
    json!({
        "package": env!("CARGO_PKG_NAME"),
        "version": env!("CARGO_PKG_VERSION"),
        "protocol_version": credence::PROTOCOL_VERSION,
        "wallet_format": "credence-wallet",
        "wallet_format_version": 1,
        "wasm_bindgen": WASM_BINDGEN_VERSION,
        "spec": ["spec/protocol.md", "spec/wallet.md"],
        "caps": {
            "json_bytes": MAX_JSON_LEN,
            "wallet_bytes": MAX_SECRET_JSON_LEN,
            "policy_bytes": MAX_POLICY_LEN,
            "lists": lists::MAX_LISTS,
            "list_bytes": lists::MAX_LIST_LEN,
            "lists_bytes": lists::MAX_LISTS_BYTES,
        },
    })
    .to_string()
}

/// Parses a policy in the syntax of spec §5.5 into the predicates' JSON.
///
/// # Errors
/// [`Code::Policy`] with the column of the offending token and what was
/// expected there.
pub fn parse_policy(policy: &str) -> Result<String, ApiError> {
    check_len("the policy", policy, MAX_POLICY_LEN)?;
    let predicates = credence::parse_policy(policy)?;
    to_json("predicates", &predicates)
}

/// A policy given as text (spec §5.5) or as the predicates' JSON.
fn predicates_of(policy: Value) -> Result<Vec<Predicate>, ApiError> {
    match policy {
        Value::String(text) => {
            check_len("the policy", &text, MAX_POLICY_LEN)?;
            Ok(credence::parse_policy(&text)?)
        }
        other => serde_json::from_value(other).map_err(|e| ApiError::serde("policy", &e)),
    }
}

/// What [`create_request`] takes.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequestOptions {
    verifier_id: String,
    date: Date,
    #[serde(default)]
    purpose: String,
    policy: Value,
    trusted: Vec<RaterDescriptor>,
    /// The schemas to ask for in the anonymous mode.
    #[serde(default)]
    anonymous: Vec<String>,
    /// Whether to ask for the holder's pseudonym for this verifier.
    #[serde(default)]
    pseudonym: bool,
}

/// Builds a proof request with a fresh nonce (spec §5.1), trusting those of
/// `trusted` whose schemas the policy names, and returns its JSON.
///
/// `options` is `{"verifier_id", "date": "YYYY-MM-DD", "purpose"?, "policy":
/// text or predicates, "trusted": [rater descriptors], "anonymous"?:
/// [schema ids], "pseudonym"?: bool}`. Each schema of `anonymous` is asked
/// for in the anonymous mode (spec §7.4), against the lists of `lists`
/// (epoch list bytes) of its trusted keys that are current at `now`
/// (seconds since 1970), up to 4, newest epoch first, as the library's
/// `Verifier` does. Every list is first checked against the descriptor of
/// its key in `trusted`; lists of schemas not asked anonymously are not
/// named. `pseudonym` asks for the holder's pseudonym (spec §7.5).
///
/// # Errors
/// [`Code::Json`]/[`Code::Decode`] for options or lists that do not decode;
/// [`Code::List`] for a list no trusted descriptor signed;
/// [`Code::Policy`] for a policy that does not parse or a request that is
/// invalid (an unknown schema or attribute, an unsound predicate, a verifier
/// id not in its normalised form, a schema asked anonymously that the
/// policy does not name or that has no current list).
pub fn create_request(options: &str, lists: &[Vec<u8>], now: u64) -> Result<String, ApiError> {
    let o: RequestOptions = from_json("request options", options)?;
    let predicates = predicates_of(o.policy)?;
    let lists = lists::against_descriptors(lists::decode(lists)?, &o.trusted)?;
    let named: Vec<&str> = predicates
        .iter()
        .flat_map(|p| p.attributes())
        .map(|a| a.schema())
        .collect();
    if let Some(other) = o.anonymous.iter().find(|a| !named.contains(&a.as_str())) {
        return Err(ApiError::new(
            Code::Policy,
            format!("anonymous: the policy names no attribute of `{other}`"),
        ));
    }
    let relevant: Vec<RaterDescriptor> = o
        .trusted
        .iter()
        .filter(|d| named.contains(&d.schema().id()))
        .cloned()
        .collect();
    let mut builder = ProofRequest::builder(&o.verifier_id, o.date)
        .purpose(&o.purpose)
        .predicates(predicates.iter().cloned());
    for mut rater in RaterDescriptor::trusted_raters(&relevant)? {
        let id = rater.schema().id().to_owned();
        if o.anonymous.contains(&id) {
            let mut current: Vec<&EpochList> = lists
                .iter()
                .filter(|l| {
                    l.is_current_at(now)
                        && *l.schema_digest() == rater.schema().digest()
                        && rater.keys().iter().any(|k| k.key_id() == l.key_id())
                })
                .collect();
            current.sort_by_key(|l| std::cmp::Reverse(l.epoch()));
            current.truncate(lists::LISTS_PER_SCHEMA);
            if current.is_empty() {
                return Err(ApiError::new(
                    Code::Policy,
                    format!(
                        "no current epoch list of `{id}` among the lists given, \
                         to ask for the anonymous mode with"
                    ),
                ));
            }
            rater = rater.anonymous(&current).map_err(credence::Error::from)?;
        }
        builder = builder.trust_rater(rater);
    }
    if o.pseudonym {
        builder = builder.pseudonym();
    }
    to_json("request", &builder.build()?)
}

/// Checks a presentation against a request and returns the verdict's JSON
/// (spec §8.2): `{"satisfied", "rejection"?, "statements", "disclosed",
/// "pseudonym"?}`.
///
/// `request` must be the verifier's own copy of the request it sent, never
/// one that came with the presentation. With `trust` (a JSON array of rater
/// descriptors: the verifier's current trust list), a credential whose
/// schema or key the list no longer holds is rejected (`retired_key`,
/// `schema_changed`), as the library's `Verifier` does. `lists` are the
/// epoch lists (bytes) a presentation in the anonymous mode is checked
/// against, each first checked against the descriptor of its key in `trust`
/// or, without `trust`, against the keys the request trusts for its schema;
/// a request that names a list not given gets the verdict
/// `list_unavailable`. Remembering which nonces were answered is the
/// caller's task (or the verifier service's): this function keeps no state.
///
/// # Errors
/// [`Code::Json`]/[`Code::Decode`] for inputs that do not decode;
/// [`Code::List`] for a list of a key not trusted for its schema, or whose
/// signature does not verify. A presentation that decodes but does not
/// satisfy the request is not an error: the verdict says why.
pub fn verify(
    request: &str,
    presentation: &str,
    trust: Option<&str>,
    lists: &[Vec<u8>],
) -> Result<String, ApiError> {
    let request: ProofRequest = from_json("request", request)?;
    let presentation: Presentation = from_json("presentation", presentation)?;
    let decoded = lists::decode(lists)?;
    let verdict = match trust {
        None => {
            let lists = lists::against_request(decoded, &request)?;
            presentation.verify_with_lists(&request, &lists)
        }
        Some(trust) => {
            let trusted: Vec<RaterDescriptor> = from_json("trust list", trust)?;
            // A verifier with the trust list and a store holding only this
            // request, open and unanswered: the check is the library's own.
            let verifier = Verifier::new(request.verifier_id(), trusted, MemoryNonceStore::new())?;
            for (i, list) in decoded.into_iter().enumerate() {
                let list = std::sync::Arc::new(list);
                verifier
                    .add_list(std::sync::Arc::clone(&list))
                    .map_err(|e| match e {
                        VerifierError::Request(credence::Error::ListRejected(why)) => {
                            lists::rejected(i, &list, why)
                        }
                        _ => lists::rejected(i, &list, lists::UNTRUSTED),
                    })?;
            }
            let terms = RequestTerms {
                digest: request.digest(),
                issued_at: 0,
                expires_at: u64::MAX,
                max_failures: 1,
            };
            verifier
                .store()
                .record(&request, &terms)
                .map_err(VerifierError::from)?;
            verifier.check_at(&request, &presentation, SystemTime::UNIX_EPOCH)?
        }
    };
    to_json("verdict", &verdict)
}

/// What [`wallet_create`] and [`wallet_configure`] take.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WalletOptions {
    /// Protected attributes and their minimum interval widths
    /// (spec/wallet.md §6); 0 removes the protection.
    #[serde(default)]
    min_intervals: BTreeMap<String, u64>,
    /// The smallest epoch list the wallet proves membership in
    /// (spec/wallet.md §6); unchanged when absent.
    #[serde(default)]
    min_list_size: Option<usize>,
}

impl WalletOptions {
    fn apply(&self, wallet: &mut Wallet) -> Result<(), ApiError> {
        for (attr, width) in &self.min_intervals {
            let attr = AttrRef::parse(attr)
                .map_err(|e| ApiError::new(Code::Decode, format!("min_intervals: {e}")))?;
            wallet.set_min_interval(attr, *width);
        }
        if let Some(size) = self.min_list_size {
            wallet.set_min_list_size(size);
        }
        Ok(())
    }
}

/// A new wallet with a fresh link secret: its JSON, which the caller stores
/// and passes to every other wallet function.
///
/// `options` (optional) is `{"min_intervals"?: {"schema.attribute": width},
/// "min_list_size"?: n}` (by default 1024: the smallest epoch list, the
/// anonymity set, the wallet proves membership in).
///
/// # Errors
/// [`Code::Json`]/[`Code::Decode`] for options that do not decode.
pub fn wallet_create(options: Option<&str>) -> Result<Zeroizing<String>, ApiError> {
    let o: WalletOptions = match options {
        Some(o) => from_json("wallet options", o)?,
        None => WalletOptions::default(),
    };
    let mut wallet = Wallet::generate();
    o.apply(&mut wallet)?;
    save_wallet(&wallet)
}

/// Changes a wallet's protected attributes and minimum list size (the
/// options of [`wallet_create`]); returns the new wallet JSON.
///
/// # Errors
/// As [`wallet_create`]; [`Code::Wallet`] for a wallet that does not decode.
pub fn wallet_configure(wallet: &str, options: &str) -> Result<Zeroizing<String>, ApiError> {
    let o: WalletOptions = from_json("wallet options", options)?;
    let mut wallet = load_wallet(wallet)?;
    o.apply(&mut wallet)?;
    save_wallet(&wallet)
}

/// Starts issuance with the rater `rater` describes: the issuance request's
/// JSON, to send to the rater, and the new wallet, which keeps the secret
/// half until [`wallet_add_credentials`].
///
/// # Errors
/// [`Code::Json`]/[`Code::Decode`] for a descriptor that does not decode;
/// [`Code::Wallet`] for a wallet that does not decode.
pub fn wallet_request_issuance(wallet: &str, rater: &str) -> Result<WithWallet<String>, ApiError> {
    let rater: RaterDescriptor = from_json("rater descriptor", rater)?;
    let mut wallet = load_wallet(wallet)?;
    let request = wallet.request_issuance(&rater);
    Ok(WithWallet {
        value: to_json("issuance request", &request)?,
        wallet: save_wallet(&wallet)?,
    })
}

/// Accepts credentials a rater issued (its issued-credentials JSON,
/// spec/wallet.md §7) in answer to one of the wallet's pending requests,
/// checking each.
///
/// # Errors
/// [`Code::Json`] when `issued` is not JSON; [`Code::Decode`] when it does
/// not decode; [`Code::Wallet`] with reason `no_pending_request`,
/// `credential_rejected`, ... when the wallet refuses them (it is then
/// unchanged).
pub fn wallet_add_credentials(wallet: &str, issued: &str) -> Result<WithWallet<Added>, ApiError> {
    check_secret_syntax("the issued credentials", issued)?;
    let file = IssuedCredentialsFile::from_json(issued.as_bytes(), Path::new("issued credentials"))
        .map_err(|e| ApiError::new(Code::Decode, e.to_string()))?;
    let mut wallet = load_wallet(wallet)?;
    let (rater, added) = wallet.add(file.credentials)?;
    Ok(WithWallet {
        value: Added {
            added,
            schema: rater.schema().id().to_owned(),
            key_id: rater.key_id().to_string(),
        },
        wallet: save_wallet(&wallet)?,
    })
}

/// What the wallet holds, without a secret or an attribute value: the
/// credentials by schema and key (how many unused, how many used), the
/// pending issuance requests, the protected attributes, the minimum epoch
/// list size, and what each verifier was shown.
///
/// # Errors
/// [`Code::Wallet`] for a wallet that does not decode.
pub fn wallet_list(wallet: &str) -> Result<String, ApiError> {
    let wallet = load_wallet(wallet)?;
    let mut listing = wallet.listing();
    if let Value::Object(fields) = &mut listing {
        fields.insert("min_list_size".into(), json!(wallet.min_list_size()));
    }
    to_json("wallet list", &listing)
}

/// A consent summary as JSON; `min_list_size` is the wallet's.
fn consent_json(c: &ConsentSummary, min_list_size: usize) -> Value {
    let narrowing: Vec<Value> = c
        .narrowing
        .iter()
        .map(|n| {
            json!({
                "verifier": n.verifier,
                "attribute": n.attribute.to_string(),
                "known": n.known.map(|(lo, hi)| [lo, hi]),
                "min_width": n.min_width,
                "narrows": n.narrows,
                "too_narrow": n.is_too_narrow(),
                "text": n.to_string(),
            })
        })
        .collect();
    let credentials: Vec<Value> = c
        .credentials
        .iter()
        .map(|(schema, unused)| json!({ "schema": schema, "unused": unused }))
        .collect();
    let anonymous: Vec<Value> = c
        .anonymous
        .iter()
        .map(|(schema, size)| {
            json!({
                "schema": schema,
                "list_size": size,
                "too_small": size.is_some_and(|n| n < min_list_size),
            })
        })
        .collect();
    json!({
        "verifier": c.verifier,
        "purpose": c.purpose,
        "date": c.date.to_string(),
        "statements": c.statements,
        "revealed": c.revealed,
        "categories": c.categories,
        "behavioural": c.behavioural,
        "credentials": credentials,
        "anonymous": anonymous,
        "pseudonym": c.pseudonym,
        "min_list_size": min_list_size,
        "earlier_presentations": c.earlier_presentations,
        "narrowing": narrowing,
        "refused": c.narrowing.iter().any(|n| n.is_too_narrow()),
        "text": c.to_string(),
    })
}

/// What the holder should see before consenting to `request` (spec/wallet.md
/// §5): who asks and why, each statement the verifier would learn with the
/// attributes and categories it touches, the values revealed, behavioural
/// attributes, the credentials spent, the schemas shown anonymously with the
/// size of the list each would hide in (`too_small` when under the wallet's
/// minimum, so that proving would be refused), whether the verifier asks
/// for a pseudonym, and what the verifier would know about each protected
/// attribute (`refused` when the wallet would refuse for threshold
/// probing). No hidden value appears in it. `text` is the same, as the tool
/// prints it. `lists` are the epoch lists (bytes) the request names, as for
/// [`wallet_prove`].
///
/// # Errors
/// [`Code::Json`]/[`Code::Decode`] for a request or lists that do not
/// decode; [`Code::Wallet`] for a wallet that does not decode;
/// [`Code::List`] for a list not signed by the rater of one of the wallet's
/// credentials.
pub fn wallet_consent(wallet: &str, request: &str, lists: &[Vec<u8>]) -> Result<String, ApiError> {
    let request: ProofRequest = from_json("request", request)?;
    let wallet = load_wallet(wallet)?;
    let lists = lists::for_wallet(&wallet, lists)?;
    to_json(
        "consent summary",
        &consent_json(
            &wallet.consent_with_lists(&request, &lists),
            wallet.min_list_size(),
        ),
    )
}

/// What [`wallet_prove`] takes.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ProveOptions {
    /// The holder's explicit override of the threshold-probing rule
    /// (spec/wallet.md §6, item 7).
    #[serde(default)]
    allow_narrowing: bool,
}

/// Answers `request` with credentials never presented before: the
/// presentation's JSON and the new wallet, in which those credentials are
/// marked used and the disclosure is logged. The caller must store the new
/// wallet before it sends the presentation, so that no credential is ever
/// presented twice.
///
/// `options` (optional) is `{"allow_narrowing": bool}`. `lists` are the
/// epoch lists (bytes) of the schemas the request asks for anonymously
/// (spec/wallet.md §6), each checked against the rater of the wallet's
/// credentials of its schema; a credential shown anonymously is not spent,
/// and the list's digest is remembered per rater and epoch.
///
/// # Errors
/// [`Code::Json`]/[`Code::Decode`] for inputs that do not decode;
/// [`Code::List`] for a list not signed by the rater of one of the wallet's
/// credentials; [`Code::Wallet`] with reason `narrowing`, `all_used`,
/// `predicate_not_met`, `expired`, `missing_credential`, `small_list` (a
/// list under the wallet's minimum), `list_split` (another list for an
/// epoch than the one seen before), `not_listed` (the credential is in none
/// of the lists: revoked, or newer than them), `list_unavailable` (the lists
/// the request names were not given), ... when the wallet cannot or will
/// not answer (nothing is spent then).
pub fn wallet_prove(
    wallet: &str,
    request: &str,
    options: Option<&str>,
    lists: &[Vec<u8>],
) -> Result<WithWallet<String>, ApiError> {
    let o: ProveOptions = match options {
        Some(o) => from_json("prove options", o)?,
        None => ProveOptions::default(),
    };
    let request: ProofRequest = from_json("request", request)?;
    let mut wallet = load_wallet(wallet)?;
    let lists = lists::for_wallet(&wallet, lists)?;
    let presentation = if o.allow_narrowing {
        wallet.prove_allowing_narrowing_with_lists(&request, &lists)?
    } else {
        wallet.prove_with_lists(&request, &lists)?
    };
    Ok(WithWallet {
        value: to_json("presentation", &presentation)?,
        wallet: save_wallet(&wallet)?,
    })
}

/// What an epoch list (bytes) says about itself, as JSON, before any check
/// of its signature: `{"key_id", "schema_digest", "epoch", "not_before",
/// "not_after", "count", "base", "digest"}` (the digests in base64url, the
/// window in seconds since 1970). `digest` is how requests name the list.
///
/// # Errors
/// [`Code::Decode`] for bytes that are not an epoch list.
pub fn epoch_list_info(list: &[u8]) -> Result<String, ApiError> {
    lists::info(list)
}

#[cfg(test)]
mod tests;
