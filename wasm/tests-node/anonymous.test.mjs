// The anonymous mode (spec §7.4): epoch lists passed in as bytes; the wallet
// proves in WebAssembly, WebAssembly and the native library verify, and the
// other way round; bad lists and the wallet's refusals are clear exceptions.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import {
  credence, epochList, native, raters, read, request, stockedWithCourt, tamper, trustList,
} from "./support.mjs";

const r = raters();
const file = (name, text) => {
  const path = join(r.dir, name);
  writeFileSync(path, text);
  return path;
};

/** Asserts that `f` throws a CredenceError with `code` (and `reason`, and a message matching `message`). */
function throwsCode(f, code, reason, message) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof Error, "an Error");
    assert.equal(e.name, "CredenceError");
    assert.equal(e.code, code, `code of: ${e.message}`);
    if (reason !== undefined) assert.equal(e.reason, reason, e.message);
    if (message !== undefined) assert.match(e.message, message);
    return true;
  });
}

/** A wallet of the bank and the court that accepts lists of 16 or more. */
function wallet(count = 1) {
  const stocked = stockedWithCourt(r, count);
  const configured = credence.walletConfigure(stocked.wallet, '{"min_list_size": 16}');
  return { wallet: configured, courtIssued: stocked.courtIssued };
}

/** The consulate's request, the court asked anonymously with a pseudonym. */
const anonymous = (lists, policy) =>
  request(r, policy, undefined, { anonymous: ["court"], pseudonym: true }, lists);

test("an anonymous request: the wallet proves in WebAssembly, WebAssembly and native code verify", () => {
  const w = wallet();
  const list = epochList(r, r.court, 1, 40, [w.courtIssued]);
  const info = JSON.parse(credence.epochListInfo(list.bytes));
  assert.equal(info.count, 41);
  assert.equal(info.epoch, 1);
  assert.equal(info.base, 4);
  assert.equal(info.digest, list.digest);
  assert.equal(info.key_id, JSON.parse(r.court.descriptor).key_id);
  assert.ok(info.not_before * 1000 < Date.now() && Date.now() < info.not_after * 1000);
  assert.deepEqual(JSON.parse(credence.epochListInfo(list.bytes.toString("base64url"))), info);

  const req = anonymous([list.bytes]);
  const parsed = JSON.parse(req);
  assert.equal(parsed.pseudonym, true);
  assert.deepEqual(parsed.trusted.map((t) => t.lists), [undefined, [list.digest]]);

  const consent = JSON.parse(credence.walletConsent(w.wallet, req, [list.bytes]));
  assert.deepEqual(consent.anonymous, [{ schema: "court", list_size: 41, too_small: false }]);
  assert.equal(consent.pseudonym, true);
  assert.equal(consent.min_list_size, 16);
  assert.deepEqual(consent.credentials, [{ schema: "bank", unused: 1 }]);
  assert.match(consent.text, /one of 41 credentials/);
  assert.match(consent.text, /Pseudonym/);
  // Without the list the summary says the wallet does not have it.
  assert.equal(JSON.parse(credence.walletConsent(w.wallet, req)).anonymous[0].list_size, null);

  const proven = credence.walletProve(w.wallet, req, null, [list.bytes]);
  const verdict = JSON.parse(credence.verify(req, proven.presentation, null, [list.bytes]));
  assert.equal(verdict.satisfied, true, JSON.stringify(verdict));
  assert.match(verdict.pseudonym, /^[A-Za-z0-9_-]{43}$/);
  assert.deepEqual(verdict.statements.slice(0, 2).map((s) => s.statement),
    ["bank.liquidity_eur >= 5000", "court.outstanding_defaults == 0"]);
  // Against the trust list, and with the list as base64url text or an ArrayBuffer.
  assert.deepEqual(JSON.parse(credence.verify(req, proven.presentation, trustList(r), [list.bytes])), verdict);
  assert.deepEqual(JSON.parse(credence.verify(req, proven.presentation, null, [list.bytes.toString("base64url")])), verdict);
  const buffer = list.bytes.buffer.slice(list.bytes.byteOffset, list.bytes.byteOffset + list.bytes.length);
  assert.deepEqual(JSON.parse(credence.verify(req, proven.presentation, undefined, [buffer])), verdict);
  // The native library gives the same verdict, pseudonym and all.
  const nativeVerdict = JSON.parse(native("verify", file("anon-req1.json", req), file("anon-p1.json", proven.presentation), list.path));
  assert.deepEqual(nativeVerdict, verdict);

  // A verifier without the list cannot check the court's part.
  const blind = JSON.parse(credence.verify(req, proven.presentation));
  assert.equal(blind.satisfied, false);
  assert.equal(blind.rejection.reason, "list_unavailable");
  assert.equal(blind.pseudonym, undefined);
  // A changed byte near the end (the proofs) is not satisfied, or does not decode.
  const bad = tamper(proven.presentation, (b) => { b[b.length - 40] ^= 1; });
  try {
    assert.equal(JSON.parse(credence.verify(req, bad, null, [list.bytes])).satisfied, false);
  } catch (e) {
    assert.equal(e.code, "decode", e.message);
  }

  // The court credential is not spent (nothing links two anonymous showings); the bank's is.
  const listing = JSON.parse(credence.walletList(proven.wallet));
  assert.deepEqual(listing.credentials.map((c) => [c.schema, c.unused, c.used]), [["bank", 0, 1], ["court", 1, 0]]);
  assert.equal(listing.min_list_size, 16);
});

test("the holder's pseudonym is the same on every return, whichever side proves", () => {
  const w = wallet(2);
  const list = epochList(r, r.court, 1, 30, [w.courtIssued]);
  const first = anonymous([list.bytes]);
  const proven = credence.walletProve(w.wallet, first, null, [list.bytes]);
  const v1 = JSON.parse(credence.verify(first, proven.presentation, null, [list.bytes]));

  // The native prover answers the next request from the wallet WebAssembly wrote.
  const walletPath = file("anon.wallet", proven.wallet);
  const second = anonymous([list.bytes]);
  const presentation = native("prove", walletPath, file("anon-req2.json", second), list.path).trim();
  const v2 = JSON.parse(credence.verify(second, presentation, trustList(r), [list.bytes]));
  assert.equal(v2.satisfied, true, JSON.stringify(v2));
  assert.equal(v2.pseudonym, v1.pseudonym);
  // Another verifier sees another pseudonym.
  const elsewhere = request(r, "court.outstanding_defaults == 0", "bikes.example",
    { anonymous: ["court"], pseudonym: true }, [list.bytes]);
  const third = credence.walletProve(read(walletPath), elsewhere, null, [list.bytes]);
  const v3 = JSON.parse(credence.verify(elsewhere, third.presentation, null, [list.bytes]));
  assert.equal(v3.satisfied, true);
  assert.notEqual(v3.pseudonym, v1.pseudonym);
  // Both bank credentials are spent now, the court's never.
  assert.deepEqual(JSON.parse(credence.walletList(third.wallet)).credentials.map((c) => [c.schema, c.used]),
    [["bank", 2], ["court", 0]]);
});

test("epoch lists that are not bytes, not lists, tampered or of another rater are clear exceptions", () => {
  const w = wallet();
  const list = epochList(r, r.court, 1, 20, [w.courtIssued]);
  const req = anonymous([list.bytes]);
  const { presentation } = credence.walletProve(w.wallet, req, null, [list.bytes]);
  const calls = (lists) => [
    () => credence.verify(req, presentation, null, lists),
    () => credence.verify(req, presentation, trustList(r), lists),
    () => anonymous(lists),
    () => credence.walletConsent(w.wallet, req, lists),
    () => credence.walletProve(w.wallet, req, null, lists),
  ];

  // Not an array of lists.
  for (const bad of [5, "x", {}, true, list.bytes, 10n, () => 1]) {
    for (const call of calls(bad)) throwsCode(call, "argument", undefined, /lists must be an array/);
  }
  // An element that is not bytes.
  for (const bad of [[5], [{}], [null], [undefined], [[1, 2]], [list.bytes, true]]) {
    for (const call of calls(bad)) throwsCode(call, "argument", undefined, /epoch list \d must be a Uint8Array or a base64url string/);
  }
  // Too many lists.
  for (const call of calls(Array(65).fill(list.bytes))) throwsCode(call, "argument", undefined, /cap of 64/);
  // Bytes that are not an epoch list.
  const truncated = list.bytes.subarray(0, list.bytes.length - 1);
  for (const bad of [[new Uint8Array(0)], [new Uint8Array(3)], [truncated], ["!!!"], [Buffer.from(presentation)]]) {
    for (const call of calls(bad)) throwsCode(call, "decode", undefined, /^epoch list 1: /);
  }
  throwsCode(() => credence.epochListInfo(truncated), "decode");
  throwsCode(() => credence.epochListInfo("!!"), "decode");
  for (const bad of [undefined, null, 5, {}, [list.bytes]]) throwsCode(() => credence.epochListInfo(bad), "argument");

  // The rater's signature no longer verifies.
  const forged = Buffer.from(list.bytes);
  forged[forged.length - 1] ^= 1;
  for (const call of calls([forged])) {
    throwsCode(call, "list", undefined, /^epoch list 1 \(rater key [0-9a-f]{32}, epoch 1\) rejected: the rater's signature does not verify/);
  }
  // Signed by another court key: not trusted by the verifier, not the wallet's rater.
  const other = raters().court;
  const stranger = epochList(r, other, 1, 20, [w.courtIssued]);
  for (const call of calls([list.bytes, stranger.bytes])) throwsCode(call, "list", undefined, /^epoch list 2 .*rejected: /);
  throwsCode(() => credence.walletProve(w.wallet, req, null, [stranger.bytes]), "list", undefined,
    /a rater this wallet holds no credential of/);
  throwsCode(() => credence.verify(req, presentation, trustList(r), [stranger.bytes]), "list", undefined,
    /not signed by a trusted rater key of its schema/);
  // A trust list without the court refuses the court's list.
  throwsCode(() => credence.verify(req, presentation, `[${r.bank.descriptor}]`, [list.bytes]), "list");

  // The module still works.
  assert.equal(JSON.parse(credence.verify(req, presentation, null, [list.bytes])).satisfied, true);
});

test("the wallet refuses a small list, a revoked credential and a missing list, with its reason", () => {
  const stocked = stockedWithCourt(r, 1);
  const list = epochList(r, r.court, 1, 20, [stocked.courtIssued]);
  const req = anonymous([list.bytes]);
  // A new wallet hides in no crowd under 1024.
  const consent = JSON.parse(credence.walletConsent(stocked.wallet, req, [list.bytes]));
  assert.equal(consent.min_list_size, 1024);
  assert.deepEqual(consent.anonymous, [{ schema: "court", list_size: 21, too_small: true }]);
  throwsCode(() => credence.walletProve(stocked.wallet, req, null, [list.bytes]), "wallet", "small_list",
    /holds 21 credentials, fewer than this wallet's minimum of 1024/);
  throwsCode(() => credence.walletConfigure(stocked.wallet, '{"min_list_size": -1}'), "decode");
  throwsCode(() => credence.walletConfigure(stocked.wallet, '{"min_list_size": "16"}'), "decode");

  const w = credence.walletConfigure(stocked.wallet, '{"min_list_size": 16}');
  // No list given.
  throwsCode(() => credence.walletProve(w, req), "wallet", "list_unavailable", /not available/);
  // Revoked: the court's next list leaves the credential out.
  const next = epochList(r, r.court, 2, 20);
  const revokedReq = anonymous([next.bytes]);
  throwsCode(() => credence.walletProve(w, revokedReq, null, [next.bytes]), "wallet", "not_listed",
    /`court` credential is not in the rater's epoch list the request names: it was revoked/);
  // Another list for epoch 1 than the one the wallet proved against: a split crowd.
  const proven = credence.walletProve(w, req, null, [list.bytes]);
  const split = epochList(r, r.court, 1, 25, [stocked.courtIssued]);
  throwsCode(() => credence.walletProve(proven.wallet, anonymous([split.bytes]), null, [split.bytes]),
    "wallet", "list_split");
});

test("createRequest asks anonymously only with a current list of a schema the policy names", () => {
  const stocked = stockedWithCourt(r, 1);
  throwsCode(() => anonymous(), "policy", undefined, /no current epoch list of `court`/);
  const past = epochList(r, r.court, 1, 5, [stocked.courtIssued], "past");
  throwsCode(() => anonymous([past.bytes]), "policy", undefined, /no current epoch list of `court`/);
  throwsCode(() => request(r, undefined, undefined, { anonymous: ["social"] }), "policy", undefined, /`social`/);
  throwsCode(() => request(r, undefined, undefined, { anonymous: "court" }), "decode");
  throwsCode(() => request(r, undefined, undefined, { pseudonym: 1 }), "decode");
  // Of the lists given, the current ones of the court, newest first, up to four.
  const lists = [1, 2, 3, 4, 5].map((epoch) => epochList(r, r.court, epoch, 5, [stocked.courtIssued]));
  const req = JSON.parse(anonymous([past.bytes, ...lists.map((l) => l.bytes)]));
  assert.deepEqual(req.trusted[1].lists, [lists[4], lists[3], lists[2], lists[1]].map((l) => l.digest));
  // Lists for a schema asked in the fast mode are not named; no pseudonym unless asked.
  const fast = JSON.parse(request(r, undefined, undefined, {}, [lists[0].bytes]));
  assert.equal(fast.trusted[1].lists, undefined);
  assert.equal(fast.pseudonym, undefined);
  // The old call shape still works.
  assert.equal(JSON.parse(request(r)).trusted.length, 2);
});

test("a new wallet hides in a list of its default minimum size without configuration", () => {
  const stocked = stockedWithCourt(r, 1);
  const list = epochList(r, r.court, 1, 1100, [stocked.courtIssued]);
  const req = anonymous([list.bytes], "court.outstanding_defaults == 0");
  const consent = JSON.parse(credence.walletConsent(stocked.wallet, req, [list.bytes]));
  assert.deepEqual(consent.anonymous, [{ schema: "court", list_size: 1101, too_small: false }]);
  const proven = credence.walletProve(stocked.wallet, req, null, [list.bytes]);
  const verdict = JSON.parse(credence.verify(req, proven.presentation, trustList(r), [list.bytes]));
  assert.equal(verdict.satisfied, true, JSON.stringify(verdict));
  assert.equal(JSON.parse(native("verify", file("anon-big.req.json", req), file("anon-big.json", proven.presentation),
    list.path)).satisfied, true);
});
