// Every function of the package, through the Node build.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  BANK, CONSULATE, credence, issue, raters, request, stockedWallet, tamper, trustList,
} from "./support.mjs";

const r = raters();

/** Asserts that `f` throws a CredenceError with `code` (and `reason`). */
function throwsCode(f, code, reason) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof Error, "an Error");
    assert.equal(e.name, "CredenceError");
    assert.equal(e.code, code, `code of: ${e.message}`);
    if (reason !== undefined) assert.equal(e.reason, reason, e.message);
    assert.ok(e.message.length > 0);
    return true;
  });
}

test("versionInfo names the package, the protocol and the wasm-bindgen version", () => {
  const v = JSON.parse(credence.versionInfo());
  assert.equal(v.package, "credence-wasm");
  assert.equal(v.protocol_version, 1);
  assert.match(v.wasm_bindgen, /^0\.2\.\d+$/);
  assert.equal(v.wallet_format, "credence-wallet");
});

test("parsePolicy gives the predicates, or the position of a syntax error", () => {
  const ps = JSON.parse(credence.parsePolicy(CONSULATE));
  assert.deepEqual(ps[0], { at_least: { attr: "bank.liquidity_eur", min: 5000 } });
  assert.deepEqual(ps[1], { equals: { attr: "court.outstanding_defaults", value: 0 } });
  assert.throws(
    () => credence.parsePolicy("bank.liquidity_eur >= 5000 and and"),
    { name: "CredenceError", code: "policy", position: 32 },
  );
  try {
    credence.parsePolicy("3*bank.on_time - >= 4");
    assert.fail("parsed");
  } catch (e) {
    assert.equal(e.position, 18);
    assert.equal(typeof e.expected, "string");
    assert.match(e.message, /column 18: expected/);
  }
});

test("createRequest builds a request with a fresh nonce, trusting the raters the policy names", () => {
  const a = JSON.parse(request(r));
  const b = JSON.parse(request(r));
  assert.equal(a.verifier_id, "consulate.example");
  assert.equal(a.date, "2027-03-01");
  assert.equal(a.trusted.length, 2);
  assert.notEqual(a.nonce, b.nonce);
  assert.equal(JSON.parse(request(r, "bank.liquidity_eur >= 1")).trusted.length, 1);
  // Predicates as JSON work as well as text.
  const predicates = credence.parsePolicy(CONSULATE);
  const fields = `{"verifier_id": "consulate.example", "date": "2027-03-01", "policy": ${predicates}`;
  const c = JSON.parse(credence.createRequest(`${fields}, "trusted": ${trustList(r)}}`));
  assert.deepEqual(c.predicates, a.predicates);
  throwsCode(() => request(r, "social.score >= 1"), "policy");
  throwsCode(() => request(r, "bank.liquidity_eur >="), "policy");
  throwsCode(() => request(r, CONSULATE, "Consulate Example"), "policy");
  throwsCode(() => credence.createRequest(`{"verifier_id": "x"}`), "decode");
});

test("a wallet requests issuance, adds credentials, lists them, shows consent, proves; verify accepts", () => {
  let wallet = credence.walletCreate();
  assert.equal(typeof wallet, "string");
  const started = credence.walletRequestIssuance(wallet, r.bank.descriptor);
  assert.equal(typeof started.request, "string");
  assert.deepEqual(JSON.parse(credence.walletList(started.wallet)).pending.length, 1);

  wallet = stockedWallet(r, 2);
  const listing = JSON.parse(credence.walletList(wallet));
  assert.deepEqual(
    listing.credentials.map((c) => [c.schema, c.unused, c.used]),
    [["bank", 2, 0], ["court", 2, 0]],
  );
  assert.deepEqual(listing.pending, []);

  const req = request(r);
  const consent = JSON.parse(credence.walletConsent(wallet, req));
  assert.equal(consent.verifier, "consulate.example");
  assert.equal(consent.purpose, "visa fast track");
  assert.equal(consent.refused, false);
  assert.deepEqual(consent.categories, ["financial", "judicial", "validity"]);
  assert.deepEqual(consent.credentials, [{ schema: "bank", unused: 2 }, { schema: "court", unused: 2 }]);
  assert.match(consent.text, /It will learn that/);

  const proven = credence.walletProve(wallet, req);
  const verdict = JSON.parse(credence.verify(req, proven.presentation));
  assert.equal(verdict.satisfied, true);
  assert.equal(verdict.rejection, undefined);
  assert.deepEqual(verdict.statements[0].statement, "bank.liquidity_eur >= 5000");
  assert.equal(JSON.parse(credence.verify(req, proven.presentation, trustList(r))).satisfied, true);
  // A trust list without the court: its credential's key is no longer trusted.
  const bankOnly = JSON.parse(credence.verify(req, proven.presentation, `[${r.bank.descriptor}]`));
  assert.equal(bankOnly.satisfied, false);
  assert.equal(bankOnly.rejection.reason, "retired_key");

  // The new state has one credential of each spent and the disclosure logged.
  const after = JSON.parse(credence.walletList(proven.wallet));
  assert.deepEqual(after.credentials.map((c) => c.used), [1, 1]);
  assert.equal(after.disclosures["consulate.example"].length, 1);
  assert.equal(JSON.parse(credence.walletConsent(proven.wallet, request(r))).earlier_presentations, 1);

  // Answering another request spends the second pair; a third finds none.
  const second = credence.walletProve(proven.wallet, request(r));
  throwsCode(() => credence.walletProve(second.wallet, request(r)), "wallet", "all_used");
});

test("a presentation answers only its own request", () => {
  const wallet = stockedWallet(r);
  const req = request(r);
  const proven = credence.walletProve(wallet, req);
  const other = JSON.parse(credence.verify(request(r), proven.presentation));
  assert.equal(other.satisfied, false);
  assert.equal(other.rejection.reason, "request_mismatch");
});

test("walletConfigure protects an attribute; the wallet refuses probing unless allowed", () => {
  const wallet = credence.walletConfigure(
    stockedWallet(r, 2),
    `{"min_intervals": {"bank.liquidity_eur": 5000}}`,
  );
  assert.deepEqual(JSON.parse(credence.walletList(wallet)).min_intervals, { "bank.liquidity_eur": 5000 });
  const probe = request(r, "10000 <= bank.liquidity_eur <= 12000");
  const consent = JSON.parse(credence.walletConsent(wallet, probe));
  assert.equal(consent.refused, true);
  assert.equal(consent.narrowing[0].too_narrow, true);
  throwsCode(() => credence.walletProve(wallet, probe), "wallet", "narrowing");
  const allowed = credence.walletProve(wallet, probe, `{"allow_narrowing": true}`);
  assert.equal(JSON.parse(credence.verify(probe, allowed.presentation)).satisfied, true);
  throwsCode(() => credence.walletProve(stockedWallet(r), request(r, "bank.liquidity_eur >= 50000")),
    "wallet", "predicate_not_met");
  const created = credence.walletCreate(`{"min_intervals": {"court.outstanding_defaults": 2}}`);
  assert.deepEqual(JSON.parse(credence.walletList(created)).min_intervals, { "court.outstanding_defaults": 2 });
});

test("a tampered presentation is not satisfied, or does not decode", () => {
  const req = request(r);
  const { presentation } = credence.walletProve(stockedWallet(r), req);
  let flipped = 0;
  for (const at of [40, 200, 400]) {
    const bad = tamper(presentation, (b) => { b[b.length - at] ^= 0x01; });
    try {
      const verdict = JSON.parse(credence.verify(req, bad));
      assert.equal(verdict.satisfied, false, `byte -${at}`);
    } catch (e) {
      assert.equal(e.code, "decode", e.message);
    }
    flipped++;
  }
  assert.equal(flipped, 3);
  assert.throws(() => credence.verify(req, tamper(presentation, (b) => { b[0] = 7; })),
    { code: "decode", message: /version/ });
  assert.throws(() => credence.verify(req, tamper(presentation, (b) => b.fill(0, 40, 72))),
    { code: "decode" });
  assert.throws(() => credence.verify(req, JSON.stringify(Buffer.from(JSON.parse(presentation), "base64url")
    .subarray(0, 100).toString("base64url"))), { code: "decode", message: /truncated/ });
});

test("bad input of every kind is an exception with its code, and the module keeps working", () => {
  const wallet = stockedWallet(r, 3);
  const req = request(r);
  const notJson = ["", "{", "[1,", "nul", "\u0000", "}", " "];
  const wrongTypes = [5, {}, [], true, Symbol.iterator, () => 1, 10n, new Uint8Array(3)];
  for (const bad of notJson) {
    throwsCode(() => credence.verify(bad, "\"AQ\""), "json");
    throwsCode(() => credence.verify(req, bad), "json");
    throwsCode(() => credence.createRequest(bad), "json");
    throwsCode(() => credence.walletList(bad), "json");
    throwsCode(() => credence.walletProve(wallet, bad), "json");
    throwsCode(() => credence.walletAddCredentials(wallet, bad), "json");
    throwsCode(() => credence.walletRequestIssuance(wallet, bad), "json");
    throwsCode(() => credence.walletConsent(wallet, bad), "json");
    throwsCode(() => credence.walletConfigure(wallet, bad), "json");
    throwsCode(() => credence.walletCreate(bad), "json");
  }
  for (const bad of wrongTypes) {
    throwsCode(() => credence.parsePolicy(bad), "argument");
    throwsCode(() => credence.verify(bad, bad), "argument");
    throwsCode(() => credence.verify(req, "\"AQ\"", bad), "argument");
    throwsCode(() => credence.createRequest(bad), "argument");
    throwsCode(() => credence.walletCreate(bad), "argument");
    throwsCode(() => credence.walletList(bad), "argument");
    throwsCode(() => credence.walletProve(wallet, bad), "argument");
    throwsCode(() => credence.walletProve(bad, req), "argument");
  }
  throwsCode(() => credence.verify(), "argument");
  throwsCode(() => credence.walletProve(), "argument");
  // JSON of the wrong shape.
  for (const bad of ["5", "\"text\"", "[]", "{}", "null", '{"verifier_id": 5}']) {
    throwsCode(() => credence.verify(bad, "\"AQ\""), "decode");
    throwsCode(() => credence.verify(req, bad), "decode");
    throwsCode(() => credence.walletConsent(wallet, bad), "decode");
    throwsCode(() => credence.walletRequestIssuance(wallet, bad), "decode");
    throwsCode(() => credence.walletAddCredentials(wallet, bad), "decode");
    throwsCode(() => credence.walletList(bad), "wallet", "format");
  }
  throwsCode(() => credence.walletProve(wallet, req, `{"allow_narrowing": "yes"}`), "decode");
  throwsCode(() => credence.walletProve(wallet, req, `{"unknown": true}`), "decode");
  throwsCode(() => credence.walletProve(req, req), "wallet", "format");
  // Inputs above their caps.
  throwsCode(() => credence.verify(req, `"${"A".repeat(5 << 20)}"`), "json");
  throwsCode(() => credence.parsePolicy("a".repeat(70000)), "json");
  throwsCode(() => credence.verify("[".repeat(100000), "\"AQ\""), "json");

  // The module still works, with the same wallet.
  const proven = credence.walletProve(wallet, req);
  assert.equal(JSON.parse(credence.verify(req, proven.presentation)).satisfied, true);
});

test("a damaged wallet is refused without quoting its secrets", () => {
  const wallet = stockedWallet(r);
  const parsed = JSON.parse(wallet);
  const secret = parsed.link_secret;
  const credential = parsed.credentials[0].credential;
  const cases = [
    wallet.replace(secret, secret.slice(0, -2) + "!!"),
    wallet.replace(`"${secret}"`, "5"),
    wallet.replace(credential, credential.slice(0, -8)),
    wallet.replace(credential, credential.slice(0, 40) + "A" + credential.slice(41)),
    wallet.slice(0, wallet.length / 2),
  ];
  for (const bad of cases) {
    assert.throws(() => credence.walletList(bad), (e) => {
      assert.ok(["wallet", "json"].includes(e.code), e.code);
      for (const shown of [e.message, String(e), JSON.stringify(e)]) {
        assert.ok(!shown.includes(secret.slice(0, 12)), shown);
        assert.ok(!shown.includes(credential.slice(0, 12)), shown);
      }
      return true;
    });
  }
});

test("credentials issued to another wallet are refused", () => {
  const mine = credence.walletCreate();
  const theirs = credence.walletRequestIssuance(credence.walletCreate(), r.bank.descriptor);
  const issued = issue(r.dir, r.bank, theirs.request, 1, BANK);
  throwsCode(() => credence.walletAddCredentials(mine, issued), "wallet", "no_pending_request");
  const ok = credence.walletAddCredentials(theirs.wallet, issued);
  assert.equal(ok.added, 1);
  assert.equal(ok.schema, "bank");
  assert.match(ok.key_id, /^[0-9a-f]{32}$/);
});
