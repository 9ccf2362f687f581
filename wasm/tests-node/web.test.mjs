// The browser build (an ES module) works as the Node build does, once
// initialised with the module's bytes.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { credence as node, pkg, raters, request, stockedWallet } from "./support.mjs";

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
