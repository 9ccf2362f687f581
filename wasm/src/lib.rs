//! Credence for JavaScript: the library's verifier, wallet and policy parser
//! compiled to WebAssembly, behind a small API of JSON text in and JSON text
//! out (the package's `README.md` and the root README's "From JavaScript").
//!
//! The operations are in [`api`], plain Rust over strings, tested natively;
//! this file only binds them to JavaScript: arguments must be strings (JSON
//! text), except epoch lists, which are bytes (an array of `Uint8Array`s or
//! base64url strings); results are strings or small objects of strings, and
//! every error is a JavaScript `Error` with a stable `code` (see
//! [`error::Code`]), the library's message, and for a policy syntax error
//! its `position`.
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

use js_sys::{Array, ArrayBuffer, JsString, Object, Reflect, Uint8Array};
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

/// The bytes of one epoch list: a `Uint8Array` (a Node `Buffer` is one), an
/// `ArrayBuffer`, or base64url text.
fn list_bytes(index: usize, value: &JsValue) -> Result<Vec<u8>, ApiError> {
    let too_long = |len: usize| {
        ApiError::new(
            Code::Decode,
            format!(
                "{} is {len} bytes, above the cap of {}",
                api::lists::label(index),
                api::lists::MAX_LIST_LEN
            ),
        )
    };
    if let Some(bytes) = value.dyn_ref::<Uint8Array>() {
        let len = bytes.length() as usize;
        if len > api::lists::MAX_LIST_LEN {
            return Err(too_long(len));
        }
        return Ok(bytes.to_vec());
    }
    if let Some(buffer) = value.dyn_ref::<ArrayBuffer>() {
        let len = buffer.byte_length() as usize;
        if len > api::lists::MAX_LIST_LEN {
            return Err(too_long(len));
        }
        return Ok(Uint8Array::new(buffer).to_vec());
    }
    if let Some(s) = value.dyn_ref::<JsString>() {
        if (s.length() as usize) > api::lists::MAX_LIST_TEXT_LEN {
            return Err(too_long(s.length() as usize));
        }
        let text = value.as_string().unwrap_or_default();
        return api::lists::from_base64url(index, &text);
    }
    let found = value
        .js_typeof()
        .as_string()
        .unwrap_or_else(|| "something else".into());
    Err(ApiError::new(
        Code::Argument,
        format!(
            "{} must be a Uint8Array or a base64url string, found {found}",
            api::lists::label(index)
        ),
    ))
}

/// The optional epoch lists argument: `undefined` and `null` are none;
/// otherwise an array of lists, each as [`list_bytes`] takes it.
fn lists_arg(value: &JsValue) -> Result<Vec<Vec<u8>>, ApiError> {
    if value.is_undefined() || value.is_null() {
        return Ok(Vec::new());
    }
    let Some(array) = value.dyn_ref::<Array>() else {
        let found = value
            .js_typeof()
            .as_string()
            .unwrap_or_else(|| "something else".into());
        return Err(ApiError::new(
            Code::Argument,
            format!(
                "lists must be an array of epoch lists (Uint8Array or base64url strings), \
                 found {found}"
            ),
        ));
    };
    let count = array.length() as usize;
    api::lists::check_caps(count, 0)?;
    let mut out = Vec::with_capacity(count);
    let mut total = 0usize;
    for (i, value) in array.iter().enumerate() {
        let bytes = list_bytes(i, &value)?;
        total = total.saturating_add(bytes.len());
        api::lists::check_caps(count, total)?;
        out.push(bytes);
    }
    Ok(out)
}

/// Seconds since 1970, from the JavaScript host's clock.
fn now() -> u64 {
    let ms = js_sys::Date::now();
    if ms.is_finite() && ms > 0.0 {
        (ms / 1000.0) as u64
    } else {
        0
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
    | "bad_signature" | "list_unavailable" | "proof_invalid" | "replayed" | "expired" | "closed"
    | "retired_key" | "schema_changed"; detail?: string; credential?: number; schema?: string };
  statements: PredicateReport[];
  /** Values above 2^53 lose precision in `JSON.parse`. */
  disclosed: { attribute: string; value: number }[];
  /**
   * When the request asked for it and the presentation is satisfying: the
   * holder's pseudonym for this verifier (32 bytes, base64url), the same on
   * every return of the holder (spec §7.5).
   */
  pseudonym?: string;
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
  /** The credentials spent (those shown in the fast mode). */
  credentials: { schema: string; unused: number }[];
  /**
   * The schemas shown in the anonymous mode: the size of the epoch list
   * (the anonymity set) the credential would hide in, `null` when none of
   * the lists the request names was given; `too_small` when it is under the
   * wallet's `min_list_size`, so that `walletProve` would refuse.
   */
  anonymous: { schema: string; list_size: number | null; too_small: boolean }[];
  /** Whether the verifier asks for the holder's pseudonym, by which it recognises a return. */
  pseudonym: boolean;
  /** The smallest epoch list this wallet proves membership in. */
  min_list_size: number;
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
  /** The smallest epoch list this wallet proves membership in. */
  min_list_size: number;
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
  caps: { json_bytes: number; wallet_bytes: number; policy_bytes: number; lists: number;
    list_bytes: number; lists_bytes: number };
}
/**
 * An epoch list (spec §3.11): the bytes a rater publishes for one epoch, as
 * a `Uint8Array` (a Node `Buffer`, say) or an `ArrayBuffer`, or as
 * base64url text without padding.
 */
export type EpochListBytes = Uint8Array | ArrayBuffer | string;
/** What `epochListInfo` returns: what a list says about itself, unchecked. */
export interface EpochListInfo {
  /** The signing key's id (hex), as in its rater descriptor. */
  key_id: string;
  /** The schema's digest (base64url). */
  schema_digest: string;
  epoch: number;
  /** The window in which the list is current, in seconds since 1970. */
  not_before: number;
  not_after: number;
  /** The number of credential digests: the anonymity set. */
  count: number;
  base: number;
  /** The list digest (base64url): what requests name the list by. */
  digest: string;
}
/** Every exception this package throws. */
export interface CredenceError extends Error {
  name: "CredenceError";
  /** "list": an epoch list refused before use (untrusted key, bad signature). */
  code: "argument" | "json" | "decode" | "policy" | "verify" | "wallet" | "list";
  /** For code "wallet": which refusal or failure. */
  reason?: "format" | "no_pending_request" | "all_used" | "narrowing" | "encode" | "decode"
    | "policy" | "credential_rejected" | "other_holder" | "predicate_not_met" | "expired"
    | "missing_credential" | "unusable_credential" | "small_list" | "list_split"
    | "not_listed" | "list_unavailable" | "no_digest" | "list_rejected" | "other";
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
 * trusted: RaterDescriptor[], anonymous?: string[], pseudonym?: boolean}`;
 * returns the request's JSON text. Keep that exact text as the verifier's
 * copy of the request. Each schema in `anonymous` is asked for in the
 * anonymous mode against those of `lists` (checked against `trusted` first;
 * code "list" otherwise) that are of its keys and current now, up to 4,
 * newest first; `pseudonym` asks for the holder's pseudonym.
 */
export function createRequest(options: string, lists?: EpochListBytes[] | null): string;
/**
 * Checks a presentation (JSON text) against the verifier's own copy of the
 * request (JSON text); `trust` is the JSON text of the verifier's current
 * trust list (rater descriptors). `lists` are the epoch lists the request
 * names, for presentations in the anonymous mode: each is checked against
 * the trust list's descriptor of its key (or, without `trust`, the
 * request's trusted keys) and refused with code "list" otherwise. Returns
 * the JSON text of a `Verdict`; a presentation that does not satisfy the
 * request is a verdict, not an exception. The nonce memory is the caller's:
 * accept at most one satisfying presentation per request (or use the
 * verifier service).
 */
export function verify(request: string, presentation: string, trust?: string | null,
  lists?: EpochListBytes[] | null): string;
/**
 * A new wallet (fresh link secret): its JSON text, the wallet state that the
 * caller stores and passes to the other wallet functions. `options` is the
 * JSON text of `{min_intervals?: {"schema.attribute": width}, min_list_size?:
 * number}` (by default 1024: the smallest epoch list the wallet hides in).
 * Store the string as it is: do not re-encode it through `JSON.parse`.
 */
export function walletCreate(options?: string | null): string;
/** Sets protected attributes and the minimum list size (`{min_intervals?, min_list_size?}`); returns the new wallet. */
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
/**
 * What the holder should see before consenting (JSON text of a
 * `ConsentSummary`); `lists` as for `walletProve`.
 */
export function walletConsent(wallet: string, request: string, lists?: EpochListBytes[] | null): string;
/**
 * Proves the request with unused credentials: the presentation (JSON text)
 * and the new wallet state, which must be stored before the presentation is
 * sent. `options` is the JSON text of `{allow_narrowing?: boolean}`.
 * `lists` are the epoch lists of the schemas the request asks for
 * anonymously, each checked against the rater of the wallet's credentials
 * (code "list" otherwise); a credential shown anonymously is not spent.
 */
export function walletProve(wallet: string, request: string, options?: string | null,
  lists?: EpochListBytes[] | null): { presentation: string; wallet: string };
/**
 * What an epoch list says about itself (JSON text of an `EpochListInfo`),
 * before any check of its signature. Throws code "decode" for bytes that
 * are not an epoch list.
 */
export function epochListInfo(list: EpochListBytes): string;
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
pub fn create_request(options: JsValue, lists: JsValue) -> JsResult {
    let run = || {
        let options = text("options", &options, MAX_JSON_LEN)?;
        let lists = lists_arg(&lists)?;
        api::create_request(&options, &lists, now())
    };
    run().map(|s| js_string(&s)).map_err(to_js)
}

/// Checks a presentation against the verifier's copy of a request.
#[wasm_bindgen(skip_typescript)]
pub fn verify(request: JsValue, presentation: JsValue, trust: JsValue, lists: JsValue) -> JsResult {
    let run = || {
        let request = text("request", &request, MAX_JSON_LEN)?;
        let presentation = text("presentation", &presentation, MAX_JSON_LEN)?;
        let trust = optional_text("trust", &trust, MAX_JSON_LEN)?;
        let lists = lists_arg(&lists)?;
        api::verify(
            &request,
            &presentation,
            trust.as_deref().map(|s| s.as_str()),
            &lists,
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
pub fn wallet_consent(wallet: JsValue, request: JsValue, lists: JsValue) -> JsResult {
    let run = || {
        let wallet = text("wallet", &wallet, MAX_SECRET_JSON_LEN)?;
        let request = text("request", &request, MAX_JSON_LEN)?;
        let lists = lists_arg(&lists)?;
        api::wallet_consent(&wallet, &request, &lists)
    };
    run().map(|s| js_string(&s)).map_err(to_js)
}

/// Proves a request with unused credentials.
#[wasm_bindgen(js_name = walletProve, skip_typescript)]
pub fn wallet_prove(
    wallet: JsValue,
    request: JsValue,
    options: JsValue,
    lists: JsValue,
) -> JsResult {
    let run = || {
        let wallet = text("wallet", &wallet, MAX_SECRET_JSON_LEN)?;
        let request = text("request", &request, MAX_JSON_LEN)?;
        let options = optional_text("options", &options, MAX_JSON_LEN)?;
        let lists = lists_arg(&lists)?;
        api::wallet_prove(
            &wallet,
            &request,
            options.as_deref().map(|s| s.as_str()),
            &lists,
        )
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

/// What an epoch list says about itself.
#[wasm_bindgen(js_name = epochListInfo, skip_typescript)]
pub fn epoch_list_info(list: JsValue) -> JsResult {
    let run = || {
        if list.is_undefined() || list.is_null() {
            return Err(ApiError::new(
                Code::Argument,
                "list must be a Uint8Array or a base64url string",
            ));
        }
        api::epoch_list_info(&list_bytes(0, &list)?)
    };
    run().map(|s| js_string(&s)).map_err(to_js)
}
