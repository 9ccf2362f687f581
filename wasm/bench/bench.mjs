// Prove and verify of the consulate policy in WebAssembly (Node) beside the
// same operations natively, in one run, through the same facade
// (credence_wasm::api natively, the package in Node): a table of medians
// and their ratios, and the module's size.
//
//   wasm/bench/run.sh [RUNS]     builds what it needs, then runs this script
//
// The native side is `credence-wasm-interop bench`, built with LTO and one
// codegen unit as the module is, optimised for speed (profile native-bench;
// the module's wasm-release optimises for size outside the arithmetic). Rounds
// alternate native and WebAssembly, so that a load change on the machine
// hits both sides alike.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const pkg = join(here, "..", "pkg");
const credence = createRequire(import.meta.url)(join(pkg, "node", "credence_wasm.js"));
const bin = process.env.CREDENCE_INTEROP_BIN;
if (!bin) throw new Error("set CREDENCE_INTEROP_BIN to the native-bench build of credence-wasm-interop");
const runs = Number(process.argv[2] ?? 30);
const rounds = 3;

const dir = mkdtempSync(join(tmpdir(), "credence-wasm-bench-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
const native = (...args) => execFileSync(bin, args, { encoding: "utf8" });
const file = (name, text) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

// The consulate's raters, and a wallet holding one credential of each.
const rater = (id) => ({ id, key: join(dir, `${id}.key`), descriptor: native("rater", id, join(dir, `${id}.key`)).trim() });
const bank = rater("bank");
const court = rater("court");
let wallet = credence.walletCreate();
for (const [r, values] of [
  [bank, ["liquidity_eur=18250", "on_time_payments=40", "late_payments=2", "valid_until=2027-12-31"]],
  [court, ["outstanding_defaults=0", "valid_until=2027-12-31"]],
]) {
  const started = credence.walletRequestIssuance(wallet, r.descriptor);
  const issued = native("issue", r.key, file(`${r.id}.req`, started.request), "1", ...values);
  wallet = credence.walletAddCredentials(started.wallet, issued).wallet;
}
const walletFile = file("wallet.json", wallet);

const policies = [
  ["consulate", "bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0"],
  ["consulate + score", "bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0 " +
    "and 3*bank.on_time_payments - 2*bank.late_payments >= 40"],
];

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The WebAssembly side: `runs` proofs from the same state, `runs` verifications. */
function wasmRound(request) {
  const prove = [];
  const verify = [];
  let presentation;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    presentation = credence.walletProve(wallet, request).presentation;
    prove.push(performance.now() - t);
  }
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const verdict = credence.verify(request, presentation);
    verify.push(performance.now() - t);
    if (!verdict.includes('"satisfied":true')) throw new Error(verdict);
  }
  return { prove, verify };
}

const rows = [];
for (const [name, policy] of policies) {
  const fields = JSON.stringify({ verifier_id: "consulate.example", date: "2027-03-01", purpose: "visa fast track", policy });
  const request = credence.createRequest(`${fields.slice(0, -1)}, "trusted": [${bank.descriptor}, ${court.descriptor}]}`);
  const requestFile = file(`${name}.request.json`, request);
  wasmRound(request); // warm-up: compilation tiers, generators
  native("bench", walletFile, requestFile, "3");
  const times = { native: { prove: [], verify: [] }, wasm: { prove: [], verify: [] } };
  for (let round = 0; round < rounds; round++) {
    const n = JSON.parse(native("bench", walletFile, requestFile, String(runs)));
    times.native.prove.push(...n.prove_ms);
    times.native.verify.push(...n.verify_ms);
    const w = wasmRound(request);
    times.wasm.prove.push(...w.prove);
    times.wasm.verify.push(...w.verify);
  }
  for (const [op, target] of [["verify", 3], ["prove", 3.5]]) {
    const nat = median(times.native[op]);
    const wasm = median(times.wasm[op]);
    rows.push({ name, op, nat, wasm, ratio: wasm / nat, target });
  }
}

const module = readFileSync(join(pkg, "node", "credence_wasm_bg.wasm"));
const size = statSync(join(pkg, "node", "credence_wasm_bg.wasm")).size;
console.log(`Node ${process.version}; ${rounds} rounds x ${runs} runs per side, medians; ` +
  "prove = walletProve (wallet decoded and re-encoded), verify = verify (request and presentation decoded)\n");
console.log("| policy | operation | native (ms) | WebAssembly (ms) | ratio | target |");
console.log("|---|---|---:|---:|---:|---:|");
for (const r of rows) {
  const ok = r.ratio <= r.target ? "met" : "missed";
  console.log(`| ${r.name} | ${r.op} | ${r.nat.toFixed(2)} | ${r.wasm.toFixed(2)} | ${r.ratio.toFixed(2)}x | <= ${r.target}x (${ok}) |`);
}
const kb = (n) => (n / 1024).toFixed(0);
console.log(`\nModule: ${size} bytes (${kb(size)} KiB; target <= 1 MB = 1048576 bytes: ${size <= 1048576 ? "met" : "missed"}), ` +
  `${gzipSync(module, { level: 9 }).length} bytes gzipped.`);
