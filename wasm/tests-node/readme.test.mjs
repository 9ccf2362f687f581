// The README's "From JavaScript" example runs as it stands: after the
// walkthrough of the `credence` tool, in its directory. Needs the tool:
// $CREDENCE_BIN (wasm/tests/node.rs passes the one `cargo test` built).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";

import { pkg, root, scratch } from "./support.mjs";

const bin = process.env.CREDENCE_BIN;
const readme = readFileSync(join(root, "README.md"), "utf8");
const blocks = [...readme.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], text: m[2] }));

test("the README's JavaScript example runs after the walkthrough", { skip: bin && existsSync(bin) ? false : "set CREDENCE_BIN to the credence tool" }, () => {
  const walkthrough = blocks.find((b) => b.lang === "sh" && b.text.includes("credence rater init"));
  const example = blocks.find((b) => b.lang === "js" && b.text.includes('from "credence-wasm"'));
  assert.ok(walkthrough && example, "the README has the walkthrough and the example");
  const dir = scratch();
  mkdirSync(join(dir, "bin"));
  symlinkSync(bin, join(dir, "bin", "credence"));
  const env = { ...process.env, PATH: `${join(dir, "bin")}:${process.env.PATH}` };
  // The walkthrough's commands with an `# exit N` comment fail on purpose.
  execFileSync("bash", ["-c", walkthrough.text], { cwd: dir, env, stdio: "ignore" });
  const script = example.text.replace('from "credence-wasm"', `from ${JSON.stringify(join(pkg, "node", "credence_wasm.js"))}`);
  writeFileSync(join(dir, "example.mjs"), script);
  const out = execFileSync("node", ["example.mjs"], { cwd: dir, env, encoding: "utf8" });
  assert.match(out, /^consulate: true/m);
  assert.match(out, /^consulate, court anonymously: true 43$/m);
  assert.match(out, /^bikes: true/m);
  assert.match(out, /^court list: 3 2$/m);
  assert.match(out, /list_size: 2, schema: 'court', too_small: false/);
  assert.match(out, /^bikes, court anonymously: true 43$/m);
  assert.match(out, /^wallet not_listed$/m);
  assert.match(out, /^policy 31 policy syntax error at column 31/m);
  assert.ok(existsSync(join(dir, "ana.wallet")));
});
