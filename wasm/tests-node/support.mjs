// Shared by the Node tests: the package (Node build), the native interop
// tool, raters and stocked wallets.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const here = dirname(fileURLToPath(import.meta.url));
export const root = join(here, "..", "..");
export const pkg = join(here, "..", "pkg");

if (!existsSync(join(pkg, "node", "credence_wasm.js"))) {
  throw new Error("wasm/pkg is not built: run wasm/build.sh first");
}
export const credence = createRequire(import.meta.url)(join(pkg, "node", "credence_wasm.js"));

/** The native tool: $CREDENCE_INTEROP_BIN, else the debug build's. */
export const interopBin =
  process.env.CREDENCE_INTEROP_BIN ??
  join(process.env.CARGO_TARGET_DIR ?? join(root, "target"), "debug", "credence-wasm-interop");

/** Runs the native tool; returns its standard output. */
export function native(...args) {
  if (!existsSync(interopBin)) {
    throw new Error(
      `${interopBin} is missing: build it with \`cargo build -p credence-wasm\` ` +
        "or set CREDENCE_INTEROP_BIN",
    );
  }
  return execFileSync(interopBin, args, { encoding: "utf8" });
}

/** A fresh temporary directory, removed when the process exits. */
export function scratch() {
  const dir = mkdtempSync(join(tmpdir(), "credence-wasm-test-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Raters for the `bank` and `court` schemas, made by the native tool. */
export function raters(dir = scratch()) {
  const make = (id) => {
    const key = join(dir, `${id}.key.json`);
    const descriptor = native("rater", id, key).trim();
    return { id, key, descriptor };
  };
  return { dir, bank: make("bank"), court: make("court") };
}

/** The rater issues `count` credentials answering an issuance request. */
export function issue(dir, rater, request, count, values) {
  const file = join(dir, `${rater.id}.issuance-request.json`);
  writeFileSync(file, request);
  return native("issue", rater.key, file, String(count), ...values);
}

export const BANK = ["liquidity_eur=12000", "on_time_payments=30", "late_payments=5", "valid_until=2027-12-31"];
export const COURT = ["outstanding_defaults=0", "valid_until=2027-12-31"];

/** A wallet made in WebAssembly, holding `count` credentials of each rater. */
export function stockedWallet(r, count = 1, options) {
  let wallet = credence.walletCreate(options);
  for (const [rater, values] of [[r.bank, BANK], [r.court, COURT]]) {
    const started = credence.walletRequestIssuance(wallet, rater.descriptor);
    const issued = issue(r.dir, rater, started.request, count, values);
    const added = credence.walletAddCredentials(started.wallet, issued);
    wallet = added.wallet;
  }
  return wallet;
}

/**
 * A wallet made in WebAssembly, holding `count` credentials of each rater,
 * and the path of the court's issued credentials (for its epoch lists).
 */
export function stockedWithCourt(r, count = 1, options) {
  let wallet = credence.walletCreate(options);
  let courtIssued;
  for (const [rater, values] of [[r.bank, BANK], [r.court, COURT]]) {
    const started = credence.walletRequestIssuance(wallet, rater.descriptor);
    const issued = issue(r.dir, rater, started.request, count, values);
    wallet = credence.walletAddCredentials(started.wallet, issued).wallet;
    if (rater === r.court) {
      courtIssued = join(r.dir, `court-issued-${++listCounter}.json`);
      writeFileSync(courtIssued, issued);
    }
  }
  return { wallet, courtIssued };
}

let listCounter = 0;

/**
 * The rater's epoch list for `epoch`, signed natively: the credentials of
 * the `issued` files and `crowd` random entries, current now (or a week ago
 * with `when = "past"`). Its file, its bytes and its digest (base64url).
 */
export function epochList(r, rater, epoch, crowd, issued = [], when = "current") {
  const path = join(r.dir, `${rater.id}-${epoch}-${++listCounter}.list`);
  const digest = native("list", rater.key, path, String(epoch), String(crowd), when, ...issued).trim();
  return { path, bytes: readFileSync(path), digest };
}

export const CONSULATE = "bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0";

/**
 * A consulate's request for `policy`, trusting both raters. The descriptors
 * are spliced in as text: `JSON.parse` would round integers above 2^53.
 * `extra` holds more options (`anonymous`, `pseudonym`), `lists` the epoch
 * lists.
 */
export function request(r, policy = CONSULATE, verifier = "consulate.example", extra = {}, lists) {
  const fields = JSON.stringify({ verifier_id: verifier, date: "2027-03-01", purpose: "visa fast track", policy, ...extra });
  return credence.createRequest(`${fields.slice(0, -1)}, "trusted": ${trustList(r)}}`, lists);
}

/** The trust list of both raters. */
export function trustList(r) {
  return `[${r.bank.descriptor}, ${r.court.descriptor}]`;
}

/** A presentation's bytes, changed by `change`, as JSON text again. */
export function tamper(presentation, change) {
  const bytes = Buffer.from(JSON.parse(presentation), "base64url");
  change(bytes);
  return JSON.stringify(bytes.toString("base64url"));
}

export function read(path) {
  return readFileSync(path, "utf8");
}
