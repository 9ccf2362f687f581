// The browser build (an ES module) works as the Node build does, once
// initialised with the module's bytes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import {
  credence as node, epochList, pkg, raters, request, stockedWallet, stockedWithCourt,
} from "./support.mjs";

const web = await import(join(pkg, "web", "credence_wasm.js"));

test("the web build initialises from bytes and proves and verifies like the Node build", () => {
  web.initSync({ module: readFileSync(join(pkg, "web", "credence_wasm_bg.wasm")) });
  assert.deepEqual(JSON.parse(web.versionInfo()), JSON.parse(node.versionInfo()));
  const r = raters();
  const req = request(r);
  // A wallet made by the Node build proves in the web build, and back.
  const proven = web.walletProve(stockedWallet(r), req);
  assert.equal(JSON.parse(node.verify(req, proven.presentation)).satisfied, true);
  assert.equal(JSON.parse(web.verify(req, proven.presentation)).satisfied, true);
  assert.throws(() => web.parsePolicy("bank.x >= "), { name: "CredenceError", code: "policy", position: 11 });
});

test("the web build proves and verifies in the anonymous mode with lists as bytes", () => {
  web.initSync({ module: readFileSync(join(pkg, "web", "credence_wasm_bg.wasm")) });
  const r = raters();
  const { wallet, courtIssued } = stockedWithCourt(r, 1, '{"min_list_size": 4}');
  const list = epochList(r, r.court, 1, 10, [courtIssued]);
  const req = request(r, undefined, undefined, { anonymous: ["court"], pseudonym: true }, [new Uint8Array(list.bytes)]);
  const proven = web.walletProve(wallet, req, null, [new Uint8Array(list.bytes)]);
  const fromWeb = JSON.parse(web.verify(req, proven.presentation, null, [list.bytes]));
  assert.equal(fromWeb.satisfied, true, JSON.stringify(fromWeb));
  assert.deepEqual(JSON.parse(node.verify(req, proven.presentation, null, [list.bytes])), fromWeb);
  assert.deepEqual(JSON.parse(web.epochListInfo(list.bytes)), JSON.parse(node.epochListInfo(list.bytes)));
  assert.throws(() => web.verify(req, proven.presentation, null, [5]), { name: "CredenceError", code: "argument" });
});
