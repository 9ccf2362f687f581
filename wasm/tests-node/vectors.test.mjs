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
