//! Credence for JavaScript: the library's verifier, wallet and policy parser
//! compiled to WebAssembly, behind a small API of JSON text in and JSON text
//! out (the package's `README.md` and the root README's "From JavaScript").
//!
//! The operations are in [`api`], plain Rust over strings, tested natively;
//! this file only binds them to JavaScript: arguments must be strings (JSON
//! text), results are strings or small objects of strings, and every error
//! is a JavaScript `Error` with a stable `code` (see [`error::Code`]), the
//! library's message, and for a policy syntax error its `position`.
//!
//! # Security
//! A wallet's JSON holds its link secret and every credential's openings.
//! On the Rust side it is kept in memory zeroized when dropped; JavaScript
//! strings cannot be wiped, so the caller should keep the wallet string only
//! where it must (the browser's storage of the wallet page, say). No error
//! message and no `Debug` output holds a secret.

#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod api;
pub mod error;

use js_sys::{JsString, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use zeroize::Zeroizing;

use api::{MAX_JSON_LEN, MAX_SECRET_JSON_LEN};
use error::{ApiError, Code};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(message: &str);
}

/// Installs a panic hook that reports a panic on the console, for
/// diagnostics. No input should ever cause one: bad input is an exception.
#[wasm_bindgen(start)]
fn start() {
    std::panic::set_hook(Box::new(|info| {
        console_error(&format!("credence-wasm: internal error: {info}"));
    }));
}

/// A JavaScript `Error` carrying the error's code and details.
fn to_js(e: ApiError) -> JsValue {
    let err = js_sys::Error::new(&e.message);
    err.set_name("CredenceError");
    let obj: &JsValue = err.as_ref();
    let set = |key: &str, value: JsValue| {
        // Setting a property on a fresh Error object cannot fail.
        let _ = Reflect::set(obj, &JsValue::from_str(key), &value);
    };
    set("code", JsValue::from_str(e.code.as_str()));
    if let Some(reason) = e.reason {
        set("reason", JsValue::from_str(reason));
    }
    if let Some(position) = e.position {
        set("position", JsValue::from_f64(position as f64));
    }
    if let Some(expected) = e.expected {
        set("expected", JsValue::from_str(expected));
    }
    err.into()
}

/// The string argument `name`, at most `cap` bytes, in memory zeroized when
/// dropped.
fn text(name: &str, value: &JsValue, cap: usize) -> Result<Zeroizing<String>, ApiError> {
    let Some(s) = value.dyn_ref::<JsString>() else {
        let found = value
            .js_typeof()
            .as_string()
            .unwrap_or_else(|| "a non-string".into());
        return Err(ApiError::new(
            Code::Argument,
            format!("{name} must be a string of JSON text, found {found}"),
        ));
    };
    // A UTF-16 unit takes at most 3 bytes of UTF-8: refuse what is surely
    // too long before copying it.
    if (s.length() as usize) > cap {
        return Err(ApiError::new(
            Code::Json,
            format!("{name} is longer than the cap of {cap} bytes"),
        ));
    }
    let text = Zeroizing::new(value.as_string().unwrap_or_default());
    api::check_len(name, &text, cap)?;
    Ok(text)
}

/// An optional string argument: `undefined` and `null` are absent.
fn optional_text(
    name: &str,
    value: &JsValue,
    cap: usize,
) -> Result<Option<Zeroizing<String>>, ApiError> {
    if value.is_undefined() || value.is_null() {
        Ok(None)
    } else {
        text(name, value, cap).map(Some)
    }
}

/// A JavaScript string copied from `s`; `s` is not kept.
fn js_string(s: &str) -> JsValue {
    JsValue::from_str(s)
}

/// `{key: value, ..., wallet}` as a JavaScript object.
fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let obj = Object::new();
    for (key, value) in fields {
        let _ = Reflect::set(&obj, &JsValue::from_str(key), value);
    }
    obj.into()
}

type JsResult = Result<JsValue, JsValue>;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** The JSON of a verdict (spec §8.2), as `verify` returns it. */
export interface Verdict {
  satisfied: boolean;
  /** Present only when not satisfied. */
  rejection?: { reason: "request_mismatch" | "malformed" | "schema_mismatch" | "untrusted_rater"
    | "bad_signature" | "proof_invalid" | "replayed" | "expired" | "closed" | "retired_key"
    | "schema_changed"; detail?: string; credential?: number; schema?: string };
  statements: PredicateReport[];
  /** Values above 2^53 lose precision in `JSON.parse`. */
  disclosed: { attribute: string; value: number }[];
}
/** A statement and the attributes (with their categories) it relies on. */
export interface PredicateReport {
  statement: string;
  attributes: { attribute: string; category: Category }[];
}
export type Category = "identity" | "financial" | "judicial" | "behavioural" | "validity";
/** What `walletConsent` returns (spec/wallet.md §5). */
export interface ConsentSummary {
  verifier: string;
  purpose: string;
  date: string;
  statements: PredicateReport[];
  revealed: string[];
  categories: Category[];
  behavioural: string[];
  credentials: { schema: string; unused: number }[];
  earlier_presentations: number;
  narrowing: { verifier: string; attribute: string; known: [number, number] | null;
    min_width: number; narrows: boolean; too_narrow: boolean; text: string }[];
  /** Whether `walletProve` would refuse (threshold probing). */
  refused: boolean;
  /** The summary as the `credence` tool prints it. */
  text: string;
}
/** What `walletList` returns: no secret, no attribute value. */
export interface WalletListing {
  credentials: { schema: string; key_id: string; unused: number; used: number }[];
  pending: { schema: string; key_id: string }[];
  min_intervals: Record<string, number>;
  disclosures: Record<string, { date: string; purpose: string; learned: string[] }[]>;
}
/** What `versionInfo` returns. */
export interface VersionInfo {
  package: string;
  version: string;
  protocol_version: number;
  wallet_format: string;
  wallet_format_version: number;
  wasm_bindgen: string;
  spec: string[];
  caps: { json_bytes: number; wallet_bytes: number; policy_bytes: number };
}
/** Every exception this package throws. */
export interface CredenceError extends Error {
  name: "CredenceError";
  code: "argument" | "json" | "decode" | "policy" | "verify" | "wallet";
  /** For code "wallet": which refusal or failure. */
  reason?: "format" | "no_pending_request" | "all_used" | "narrowing" | "encode" | "decode"
    | "policy" | "credential_rejected" | "other_holder" | "predicate_not_met" | "expired"
    | "missing_credential" | "unusable_credential" | "other";
  /** For a policy syntax error: the 1-based column of the offending token. */
  position?: number;
  /** For a policy syntax error: what the parser expected there. */
  expected?: string;
}

/** Version and format information (JSON text of a `VersionInfo`). */
export function versionInfo(): string;
/**
 * Parses a policy (spec §5.5), e.g. `"bank.liquidity_eur >= 5000 and
 * court.outstanding_defaults == 0"`, into the JSON text of its predicates.
 * Throws code "policy" with `position` and `expected` on a syntax error.
 */
export function parsePolicy(policy: string): string;
/**
 * Builds a proof request with a fresh nonce. `options` is the JSON text of
 * `{verifier_id, date: "YYYY-MM-DD", purpose?, policy: text or predicates,
 * trusted: RaterDescriptor[]}`; returns the request's JSON text. Keep that
 * exact text as the verifier's copy of the request.
 */
export function createRequest(options: string): string;
/**
 * Checks a presentation (JSON text) against the verifier's own copy of the
 * request (JSON text); `trust` is the JSON text of the verifier's current
 * trust list (rater descriptors). Returns the JSON text of a `Verdict`; a
 * presentation that does not satisfy the request is a verdict, not an
 * exception. The nonce memory is the caller's: accept at most one
 * satisfying presentation per request (or use the verifier service).
 */
export function verify(request: string, presentation: string, trust?: string | null): string;
/**
 * A new wallet (fresh link secret): its JSON text, the wallet state that the
 * caller stores and passes to the other wallet functions. `options` is the
 * JSON text of `{min_intervals?: {"schema.attribute": width}}`. Store the
 * string as it is: do not re-encode it through `JSON.parse`.
 */
export function walletCreate(options?: string | null): string;
/** Sets protected attributes (`{min_intervals}`); returns the new wallet. */
export function walletConfigure(wallet: string, options: string): string;
/**
 * Starts issuance with a rater (its descriptor's JSON text): the issuance
 * request to send it (JSON text) and the new wallet state.
 */
export function walletRequestIssuance(wallet: string, rater: string): { request: string; wallet: string };
/**
 * Accepts the credentials a rater issued (its issued-credentials JSON text):
 * how many were added, their schema and key id, and the new wallet state.
 */
export function walletAddCredentials(wallet: string, issued: string):
  { added: number; schema: string; key_id: string; wallet: string };
/** The wallet's contents without secrets (JSON text of a `WalletListing`). */
export function walletList(wallet: string): string;
/** What the holder should see before consenting (JSON text of a `ConsentSummary`). */
export function walletConsent(wallet: string, request: string): string;
/**
 * Proves the request with unused credentials: the presentation (JSON text)
 * and the new wallet state, which must be stored before the presentation is
 * sent. `options` is the JSON text of `{allow_narrowing?: boolean}`.
 */
export function walletProve(wallet: string, request: string, options?: string | null):
  { presentation: string; wallet: string };
"#;

/// Version and format information, as JSON text.
#[wasm_bindgen(js_name = versionInfo, skip_typescript)]
pub fn version_info() -> String {
    api::version_info()
}

/// Parses a policy into its predicates' JSON text.
#[wasm_bindgen(js_name = parsePolicy, skip_typescript)]
pub fn parse_policy(policy: JsValue) -> JsResult {
    let policy = text("policy", &policy, api::MAX_POLICY_LEN).map_err(to_js)?;
    api::parse_policy(&policy)
        .map(|s| js_string(&s))
        .map_err(to_js)
}

/// Builds a proof request with a fresh nonce.
#[wasm_bindgen(js_name = createRequest, skip_typescript)]
pub fn create_request(options: JsValue) -> JsResult {
    let options = text("options", &options, MAX_JSON_LEN).map_err(to_js)?;
    api::create_request(&options)
        .map(|s| js_string(&s))
        .map_err(to_js)
}

/// Checks a presentation against the verifier's copy of a request.
#[wasm_bindgen(skip_typescript)]
pub fn verify(request: JsValue, presentation: JsValue, trust: JsValue) -> JsResult {
    let run = || {
        let request = text("request", &request, MAX_JSON_LEN)?;
        let presentation = text("presentation", &presentation, MAX_JSON_LEN)?;
        let trust = optional_text("trust", &trust, MAX_JSON_LEN)?;
        api::verify(
            &request,
            &presentation,
            trust.as_deref().map(|s| s.as_str()),
        )
    };
    run().map(|s| js_string(&s)).map_err(to_js)
}

/// A new wallet's JSON text.
#[wasm_bindgen(js_name = walletCreate, skip_typescript)]
pub fn wallet_create(options: JsValue) -> JsResult {
    let run = || {
        let options = optional_text("options", &options, MAX_JSON_LEN)?;
        api::wallet_create(options.as_deref().map(|s| s.as_str()))
    };
    run().map(|s| js_string(&s)).map_err(to_js)
}

/// Changes a wallet's protected attributes.
#[wasm_bindgen(js_name = walletConfigure, skip_typescript)]
pub fn wallet_configure(wallet: JsValue, options: JsValue) -> JsResult {
    let run = || {
        let wallet = text("wallet", &wallet, MAX_SECRET_JSON_LEN)?;
        let options = text("options", &options, MAX_JSON_LEN)?;
        api::wallet_configure(&wallet, &options)
    };
    run().map(|s| js_string(&s)).map_err(to_js)
}

/// Starts issuance with a rater.
#[wasm_bindgen(js_name = walletRequestIssuance, skip_typescript)]
pub fn wallet_request_issuance(wallet: JsValue, rater: JsValue) -> JsResult {
    let run = || {
        let wallet = text("wallet", &wallet, MAX_SECRET_JSON_LEN)?;
        let rater = text("rater", &rater, MAX_JSON_LEN)?;
        api::wallet_request_issuance(&wallet, &rater)
    };
    run()
        .map(|r| {
            object(&[
                ("request", js_string(&r.value)),
                ("wallet", js_string(&r.wallet)),
            ])
        })
        .map_err(to_js)
}

/// Accepts issued credentials.
#[wasm_bindgen(js_name = walletAddCredentials, skip_typescript)]
pub fn wallet_add_credentials(wallet: JsValue, issued: JsValue) -> JsResult {
    let run = || {
        let wallet = text("wallet", &wallet, MAX_SECRET_JSON_LEN)?;
        let issued = text("issued", &issued, MAX_SECRET_JSON_LEN)?;
        api::wallet_add_credentials(&wallet, &issued)
    };
    run()
        .map(|r| {
            object(&[
                ("added", JsValue::from_f64(r.value.added as f64)),
                ("schema", js_string(&r.value.schema)),
                ("key_id", js_string(&r.value.key_id)),
                ("wallet", js_string(&r.wallet)),
            ])
        })
        .map_err(to_js)
}

/// The wallet's contents, without secrets.
#[wasm_bindgen(js_name = walletList, skip_typescript)]
pub fn wallet_list(wallet: JsValue) -> JsResult {
    let run = || {
        let wallet = text("wallet", &wallet, MAX_SECRET_JSON_LEN)?;
        api::wallet_list(&wallet)
    };
    run().map(|s| js_string(&s)).map_err(to_js)
}

/// The consent summary for a request.
#[wasm_bindgen(js_name = walletConsent, skip_typescript)]
pub fn wallet_consent(wallet: JsValue, request: JsValue) -> JsResult {
    let run = || {
        let wallet = text("wallet", &wallet, MAX_SECRET_JSON_LEN)?;
        let request = text("request", &request, MAX_JSON_LEN)?;
        api::wallet_consent(&wallet, &request)
    };
    run().map(|s| js_string(&s)).map_err(to_js)
}

/// Proves a request with unused credentials.
#[wasm_bindgen(js_name = walletProve, skip_typescript)]
pub fn wallet_prove(wallet: JsValue, request: JsValue, options: JsValue) -> JsResult {
    let run = || {
        let wallet = text("wallet", &wallet, MAX_SECRET_JSON_LEN)?;
        let request = text("request", &request, MAX_JSON_LEN)?;
        let options = optional_text("options", &options, MAX_JSON_LEN)?;
        api::wallet_prove(&wallet, &request, options.as_deref().map(|s| s.as_str()))
    };
    run()
        .map(|r| {
            object(&[
                ("presentation", js_string(&r.value)),
                ("wallet", js_string(&r.wallet)),
            ])
        })
        .map_err(to_js)
}
