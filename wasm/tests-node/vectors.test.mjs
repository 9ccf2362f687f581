// The spec's presentation vectors (spec/vectors/*.json with a request and a
// presentation) verify in WebAssembly, with the verdicts the native library
// recorded in them.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { credence, root } from "./support.mjs";

const dir = process.env.CREDENCE_VECTORS ?? join(root, "spec", "vectors");

/**
 * The raw JSON text of the top-level field `key` of `text`, without going
 * through `JSON.parse`, which would round integers above 2^53 (the
 * predicates vector has bounds up to 2^64 - 1).
 */
function rawField(text, key) {
  const start = text.indexOf(`"${key}": `);
  assert.ok(start >= 0, `no field ${key}`);
  let i = start + key.length + 4;
  const open = text[i];
  assert.ok(open === "{" || open === "[", `${key} is not an object`);
  let depth = 0;
  let inString = false;
  for (; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return text.slice(start + key.length + 4, i + 1);
    }
  }
  throw new Error(`unterminated ${key}`);
}

/** A hex field as the JSON text of its base64url string. */
const b64 = (hex) => JSON.stringify(Buffer.from(hex, "hex").toString("base64url"));

/** The vectors of a request and a presentation (the others test pieces the
 * package does not offer yet, such as the membership proof). */
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".json"))
  .filter((f) => {
    const v = JSON.parse(readFileSync(join(dir, f), "utf8"));
    return "request_json" in v && "presentation" in v;
  })
  .sort();

test("the vectors are there", () => {
  assert.ok(files.includes("consulate.json") && files.includes("predicates.json"), files.join());
});

for (const name of files) {
  test(`vector ${name} verifies in WebAssembly`, () => {
    const text = readFileSync(join(dir, name), "utf8");
    const v = JSON.parse(text);
    const request = rawField(text, "request_json");
    const verdict = JSON.parse(credence.verify(request, b64(v.presentation)));
    assert.equal(verdict.satisfied, true, JSON.stringify(verdict));
    if (v.verdict) assert.deepEqual(verdict, v.verdict);
    if (v.rejected_presentation) {
      const rejected = JSON.parse(credence.verify(request, b64(v.rejected_presentation)));
      assert.equal(rejected.satisfied, false);
      assert.deepEqual(rejected, v.rejected_verdict);
    }
    // The request's predicates read back as the policy parser gives them.
    const predicates = JSON.parse(rawField(text, "request_json")).predicates;
    assert.ok(predicates.length > 0);
  });
}

test("the consulate vector verifies against the trust list of its raters", () => {
  const text = readFileSync(join(dir, "consulate.json"), "utf8");
  const v = JSON.parse(text);
  const request = rawField(text, "request_json");
  const trusted = JSON.parse(request).trusted;
  const key = (hex) => Buffer.from(hex, "hex").toString("base64url");
  const descriptors = [
    { schema: trusted[0].schema, key: key(v.bank_public_key), key_id: v.bank_key_id },
    { schema: trusted[1].schema, key: key(v.court_public_key), key_id: v.court_key_id },
  ];
  const verdict = JSON.parse(credence.verify(request, b64(v.presentation), JSON.stringify(descriptors)));
  assert.equal(verdict.satisfied, true, JSON.stringify(verdict));
  const bankOnly = JSON.parse(credence.verify(request, b64(v.presentation), JSON.stringify(descriptors.slice(0, 1))));
  assert.equal(bankOnly.rejection.reason, "retired_key");
});

test("the anonymous vector verifies in WebAssembly against the court's epoch list, with its pseudonym", () => {
  const text = readFileSync(join(dir, "consulate.json"), "utf8");
  const v = JSON.parse(text);
  const request = rawField(text, "anonymous_request_json");
  const presentation = b64(v.anonymous_presentation);
  const list = Buffer.from(v.court_epoch_list, "hex");
  const info = JSON.parse(credence.epochListInfo(list));
  assert.equal(info.digest, Buffer.from(v.court_epoch_list_digest, "hex").toString("base64url"));
  assert.equal(info.key_id, v.court_key_id);
  assert.deepEqual(JSON.parse(request).trusted[1].lists, [info.digest]);

  const verdict = JSON.parse(credence.verify(request, presentation, null, [list]));
  assert.equal(verdict.satisfied, true, JSON.stringify(verdict));
  assert.equal(verdict.pseudonym, Buffer.from(v.anonymous_pseudonym, "hex").toString("base64url"));
  // As the list's hex turned base64url text, and against the raters' trust list.
  assert.deepEqual(JSON.parse(credence.verify(request, presentation, null, [list.toString("base64url")])), verdict);
  const trusted = JSON.parse(request).trusted;
  const key = (hex) => Buffer.from(hex, "hex").toString("base64url");
  const descriptors = [
    { schema: trusted[0].schema, key: key(v.bank_public_key), key_id: v.bank_key_id },
    { schema: trusted[1].schema, key: key(v.court_public_key), key_id: v.court_key_id },
  ];
  const withTrust = JSON.parse(credence.verify(request, presentation, JSON.stringify(descriptors), [list]));
  assert.deepEqual(withTrust, verdict);
  // Without the list: the court's part cannot be checked.
  const blind = JSON.parse(credence.verify(request, presentation));
  assert.equal(blind.rejection.reason, "list_unavailable");
  // A trust list without the court refuses its list.
  assert.throws(() => credence.verify(request, presentation, JSON.stringify(descriptors.slice(0, 1)), [list]),
    { name: "CredenceError", code: "list", message: /epoch list 1 .*rejected: it is not signed by a trusted rater key/ });
  // The same presentation against the fast request is not satisfied.
  const fast = JSON.parse(credence.verify(rawField(text, "request_json"), presentation, null, [list]));
  assert.equal(fast.satisfied, false);
});
