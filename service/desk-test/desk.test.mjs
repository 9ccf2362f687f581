// The verifier's desk in headless Chromium: a person at the desk creates a
// request, a wallet answers it, and the verdict appears on the page. The
// service runs without the WebAssembly package (wallet.test.mjs runs the
// wallet page).
//
// Run by service/tests/desk_chromium.rs, which starts the service and gives:
//   DESK_URL        the service's base URL (http://127.0.0.1:PORT)
//   DESK_TOKEN      the backend token
//   DESK_WALLET     the test wallet (service/examples/test_wallet.rs)
//   DESK_ARTIFACTS  the folder for the screenshots
//   CHROMIUM        the browser (default /usr/bin/chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';

const run = promisify(execFile);

function env(name) {
  const value = process.env[name];
  assert.ok(value, `${name} must be set`);
  return value;
}

const base = env('DESK_URL').replace(/\/$/, '');
const token = env('DESK_TOKEN');
const wallet = env('DESK_WALLET');
const artifacts = env('DESK_ARTIFACTS');
mkdirSync(artifacts, { recursive: true });

let browser;
let page;
const requested = [];
const consoleErrors = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-gpu',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('request', (r) => requested.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
});

after(async () => {
  await browser?.close();
});

async function shot(name) {
  const path = join(artifacts, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

// Runs the test wallet; returns its HTTP status and answer.
async function walletRun(...args) {
  const { stdout } = await run(wallet, args, { timeout: 120_000 });
  const [statusLine, ...rest] = stdout.trim().split('\n');
  const status = Number(statusLine.replace('status: ', ''));
  const body = rest.join('\n');
  return { status, body: body ? JSON.parse(body) : null };
}

async function setToken(value) {
  await page.getByLabel('Backend token').fill(value);
  await page.getByRole('button', { name: 'Use this token' }).click();
  await page.locator('#token-state', { hasText: 'A token is set' }).waitFor();
}

async function createRequest() {
  await page.getByRole('button', { name: 'Create request' }).click();
}

async function requestLink() {
  const link = page.locator('#request-link');
  await link.waitFor({ state: 'visible' });
  const uri = await link.getAttribute('href');
  assert.match(uri, /^http:\/\/127\.0\.0\.1:\d+\/v1\/requests\/[A-Za-z0-9_-]+$/);
  assert.equal(await link.textContent(), uri);
  return uri;
}

test('the page comes from the service alone, under a strict content security policy', async () => {
  const response = await page.goto(`${base}/desk`);
  assert.equal(response.status(), 200);
  const csp = response.headers()['content-security-policy'];
  assert.ok(csp, 'a Content-Security-Policy header');
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self'/);
  assert.doesNotMatch(csp, /unsafe/);
  await page.getByRole('heading', { level: 1, name: "Verifier's desk" }).waitFor();
  // Every label names a control.
  for (const name of ['Backend token', 'Policy', 'Policy text', 'Purpose']) {
    assert.equal(await page.getByLabel(name, { exact: true }).count(), 1, name);
  }
  assert.equal(await page.locator('#verdict[aria-live]').count(), 1);
});

test('without the WebAssembly package the wallet page answers 503, saying why', async () => {
  const response = await fetch(`${base}/wallet`);
  assert.equal(response.status, 503);
  const body = await response.json();
  assert.equal(body.error, 'wallet_unavailable');
  assert.match(body.message, /wasm\/build\.sh/);
  assert.equal((await fetch(`${base}/wallet/pkg/credence_wasm_bg.wasm`)).status, 503);
});

test('a token the backend refuses, and a policy it cannot parse, are shown on the page', async () => {
  await setToken('not-the-token');
  await page.getByLabel('Policy', { exact: true }).selectOption({ label: 'Consulate: proof of financial liquidity' });
  await createRequest();
  const error = page.getByRole('alert');
  await error.filter({ hasText: 'refused the token' }).waitFor();

  await setToken(token);
  await page.getByLabel('Policy text').fill('bank.liquidity_eur >=');
  await createRequest();
  await error.filter({ hasText: 'column 22' }).waitFor();
  assert.match(await error.textContent(), /400/);
  // The token stays in this tab's session storage, and in no address.
  assert.equal(await page.evaluate(() => sessionStorage.getItem('credence.desk.token')), token);
  assert.equal(await page.evaluate(() => localStorage.length), 0);
  assert.ok(!page.url().includes(token));
});

let satisfiedUri;
let savedPresentation;

test('the consulate asks, the wallet answers, and the satisfied verdict appears', async () => {
  await page.getByLabel('Policy', { exact: true }).selectOption({ label: 'Consulate: proof of financial liquidity' });
  assert.equal(
    await page.getByLabel('Policy text').inputValue(),
    'bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0',
  );
  await page.getByLabel('Purpose').fill('visa fast track');
  await page.getByLabel('Reference date (optional)').fill('2027-03-01');
  await createRequest();
  satisfiedUri = await requestLink();
  assert.ok(await page.getByRole('alert').isHidden());
  await page.locator('#qr svg').waitFor();
  assert.equal(await page.locator('#status').getAttribute('data-status'), 'pending');
  // No wallet page here, so no link to one.
  assert.ok(await page.locator('#wallet-line').isHidden());

  savedPresentation = join(artifacts, 'satisfied.presentation.json');
  const answer = await walletRun('answer', satisfiedUri, '--save', savedPresentation, '--expect', '200');
  assert.equal(answer.status, 200);
  assert.equal(answer.body.verdict.satisfied, true);

  const verdict = page.locator('#verdict');
  await page.locator('#verdict-outcome', { hasText: 'Satisfied' }).waitFor({ timeout: 60_000 });
  await page.locator('#status[data-status="answered"]').waitFor();
  const statements = await page.locator('#verdict-statements li').allTextContents();
  assert.ok(statements.some((s) => s.includes('bank.liquidity_eur >= 5000')), statements.join('\n'));
  assert.ok(statements.some((s) => s.includes('court.outstanding_defaults == 0')), statements.join('\n'));
  const categories = await page.locator('#verdict-categories li').allTextContents();
  assert.ok(categories.includes('financial'), categories.join(', '));
  assert.ok(categories.includes('judicial'), categories.join(', '));
  assert.ok(!categories.some((c) => c.startsWith('behavioural')), categories.join(', '));
  assert.match(await page.locator('#verdict-disclosed').textContent(), /None/);
  assert.match(await verdict.textContent(), /Nothing else was learned/);
  await shot('desk-satisfied.png');
});

test('a replay is refused with 409 and leaves the verdict as it was', async () => {
  const replay = await walletRun('post', satisfiedUri, savedPresentation, '--expect', '409');
  assert.equal(replay.status, 409);
  await page.waitForTimeout(1500);
  assert.match(await page.locator('#verdict-outcome').textContent(), /^Satisfied/);
  assert.equal(await page.locator('#status').getAttribute('data-status'), 'answered');
});

test('a presentation made for another request: not satisfied, and why', async () => {
  await createRequest();
  await page.locator('#verdict-section').waitFor({ state: 'hidden' });
  const uri = await requestLink();
  assert.notEqual(uri, satisfiedUri);
  const answer = await walletRun('answer', uri, '--other-request');
  assert.ok(answer.body?.verdict, `a verdict in the answer (status ${answer.status})`);
  assert.equal(answer.body.verdict.satisfied, false);
  assert.equal(answer.body.verdict.rejection.reason, 'request_mismatch');

  await page.locator('#verdict-outcome', { hasText: 'Not satisfied' }).waitFor({ timeout: 60_000 });
  assert.match(
    await page.locator('#verdict-reason').textContent(),
    /the presentation answers another request/,
  );
  assert.match(await page.locator('#verdict').textContent(), /Nothing was learned about the subject/);
  await shot('desk-not-satisfied.png');
});

test('the page asked nothing of any other origin, and logged no error', () => {
  assert.ok(requested.length > 0);
  for (const url of requested) {
    assert.ok(url.startsWith(`${base}/`), url);
    assert.ok(!url.includes(token), 'no token in an address');
  }
  assert.deepEqual(consoleErrors.filter((e) => !/status of 40[01]/.test(e)), []);
});
