// What WebAssembly makes, the native library accepts, and the other way round.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { credence, native, raters, read, request, stockedWallet, tamper } from "./support.mjs";

const r = raters();
const file = (name, text) => {
  const path = join(r.dir, name);
  writeFileSync(path, text);
  return path;
};

test("a presentation made in WebAssembly verifies natively", () => {
  const req = request(r);
  const { presentation } = credence.walletProve(stockedWallet(r), req);
  const verdict = JSON.parse(native("verify", file("req1.json", req), file("p1.json", presentation)));
  assert.equal(verdict.satisfied, true, JSON.stringify(verdict));
  // And both sides give the same verdict, statements and all.
  assert.deepEqual(verdict, JSON.parse(credence.verify(req, presentation)));

  const bad = tamper(presentation, (b) => { b[b.length - 40] ^= 1; });
  const rejected = JSON.parse(native("verify", file("req1.json", req), file("p1-bad.json", bad)));
  assert.equal(rejected.satisfied, false);
});

test("a presentation made natively, from a wallet made in WebAssembly, verifies in WebAssembly", () => {
  const wallet = file("wallet.json", stockedWallet(r, 2));
  const req = request(r, "bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0 " +
    "and 3*bank.on_time_payments - 2*bank.late_payments >= 40 and reveal bank.on_time_payments");
  const presentation = native("prove", wallet, file("req2.json", req)).trim();
  const verdict = JSON.parse(credence.verify(req, presentation));
  assert.equal(verdict.satisfied, true, JSON.stringify(verdict));
  assert.deepEqual(verdict.disclosed, [{ attribute: "bank.on_time_payments", value: 30 }]);

  // The wallet the native side wrote back is read here: one of each spent.
  const listing = JSON.parse(credence.walletList(read(wallet)));
  assert.deepEqual(listing.credentials.map((c) => [c.unused, c.used]), [[1, 1], [1, 1]]);
  assert.equal(listing.disclosures["consulate.example"].length, 1);
  // And WebAssembly goes on proving from it.
  const next = request(r);
  const proven = credence.walletProve(read(wallet), next);
  assert.equal(JSON.parse(native("verify", file("req3.json", next), file("p3.json", proven.presentation)))
    .satisfied, true);
});
