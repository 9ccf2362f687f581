// The browser wallet in headless Chromium, answering the verifier's desk: the
// wallet page (in a browser context of its own, as on the subject's device)
// takes credentials from raters through its import boxes, opens the desk's
// request link, shows the consent summary, proves in WebAssembly and posts
// the presentation; the desk shows the verdict. A request for the court
// anonymously: the page fetches the court's epoch list from the service and
// proves membership, spending nothing. Then the refusals: a policy
// the wallet cannot meet, a declined request, replays, links that are not
// requests, a wallet that does not decode.
//
// Run by service/tests/desk_chromium.rs, which starts the service with the
// WebAssembly package (wasm/pkg/web) and gives:
//   DESK_URL        the service's base URL (http://127.0.0.1:PORT)
//   DESK_TOKEN      the backend token
//   DESK_WALLET     the test wallet (service/examples/test_wallet.rs), whose
//                   `issue` command is the raters' side of issuance
//   DESK_RATERS     the folder of the raters' descriptors (bank.pub.json, …)
//   DESK_ARTIFACTS  the folder for the screenshots
//   DESK_LIST       the court's epoch list file the service reads (the test
//                   wallet's `list` command writes the next epoch there)
//   CHROMIUM        the browser (default /usr/bin/chromium)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
const testWallet = env('DESK_WALLET');
const raters = env('DESK_RATERS');
const artifacts = env('DESK_ARTIFACTS');
mkdirSync(artifacts, { recursive: true });
const scratch = mkdtempSync(join(tmpdir(), 'credence-wallet-test-'));

// The subject's values, as the test wallet issues them (`issue` defaults).
const LIQUIDITY = '18250';
const CONSULATE = 'Consulate: proof of financial liquidity';

let browser;
let desk;
let walletContext;
let wallet;
// Every request the pages made: which page, method, URL and body.
const requested = [];
const consoleErrors = [];
// The wallet's link secret (base64url), once it exists: it must never leave.
let linkSecret = null;

function watch(page, name) {
  page.on('request', (r) =>
    requested.push({ page: name, method: r.method(), url: r.url(), body: r.postData() ?? '' }),
  );
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${name}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`${name}: ${e}`));
}

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
  const deskContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  desk = await deskContext.newPage();
  watch(desk, 'desk');
  // The subject's browser: a context of its own, so its own local storage.
  walletContext = await browser.newContext({ viewport: { width: 1280, height: 1000 }, acceptDownloads: true });
  wallet = await walletContext.newPage();
  watch(wallet, 'wallet');
});

after(async () => {
  await browser?.close();
  rmSync(scratch, { recursive: true, force: true });
});

async function shot(page, name) {
  const path = join(artifacts, name);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

// The raters' side of issuance: the test wallet issues `count` credentials
// of `schema` in answer to an issuance request; returns their JSON text.
async function issue(schema, issuanceRequest, count) {
  const file = join(scratch, `${schema}.issuance-request.json`);
  writeFileSync(file, issuanceRequest);
  const { stdout } = await run(testWallet, ['issue', schema, file, '--count', String(count)], {
    timeout: 120_000,
  });
  return stdout;
}

async function ready(page) {
  await page.locator('body[data-ready="true"]').waitFor();
}

// Loads the wallet page afresh at `url`.
async function openWallet(page, url) {
  await page.goto('about:blank');
  const response = await page.goto(url);
  assert.equal(response.status(), 200);
  await ready(page);
}

// The wallet's credentials as the page lists them: {schema: [unused, used]}.
async function listing(page = wallet) {
  const items = await page.locator('#wallet-credentials li').evaluateAll((lis) =>
    lis.map((li) => [li.dataset.schema, Number(li.dataset.unused), Number(li.dataset.used)]),
  );
  return Object.fromEntries(items.map(([schema, unused, used]) => [schema, [unused, used]]));
}

async function storedWallet(page = wallet) {
  return page.evaluate(() => localStorage.getItem('credence.wallet'));
}

// The desk creates a request; returns its request URI and its wallet link.
async function deskRequest({ preset, policy, purpose }) {
  await desk.getByLabel('Policy', { exact: true }).selectOption({ label: preset });
  if (policy !== undefined) {
    await desk.getByLabel('Policy text').fill(policy);
  }
  await desk.getByLabel('Purpose').fill(purpose);
  await desk.getByLabel('Reference date (optional)').fill('2027-03-01');
  const previous = await desk.locator('#request-link').getAttribute('href');
  await desk.getByRole('button', { name: 'Create request' }).click();
  await desk.waitForFunction((prev) => {
    const a = document.getElementById('request-link');
    return a.closest('[hidden]') === null && a.getAttribute('href') !== prev;
  }, previous);
  const requestUri = await desk.locator('#request-link').getAttribute('href');
  assert.match(requestUri, /^http:\/\/127\.0\.0\.1:\d+\/v1\/requests\/[A-Za-z0-9_-]{43}$/);
  const walletLink = desk.locator('#wallet-link');
  assert.ok(await walletLink.isVisible(), 'the desk links to the wallet page');
  const walletUri = await walletLink.getAttribute('href');
  assert.equal(walletUri, `${base}/wallet#request_uri=${encodeURIComponent(requestUri)}`);
  assert.equal(await desk.locator('#status').getAttribute('data-status'), 'pending');
  return { requestUri, walletUri };
}

async function listItems(page, id) {
  return page.locator(`#${id} li`).allTextContents();
}

function postsSince(index) {
  return requested.slice(index).filter((r) => r.method === 'POST');
}

test('the wallet page is served with its WebAssembly package, under a CSP that allows WebAssembly only', async () => {
  const response = await wallet.goto(`${base}/wallet`);
  assert.equal(response.status(), 200);
  const csp = response.headers()['content-security-policy'];
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval';/);
  assert.match(csp, /connect-src 'self';/);
  assert.doesNotMatch(csp.replace("'wasm-unsafe-eval'", ''), /unsafe/);
  assert.equal(response.headers()['cross-origin-opener-policy'], 'same-origin');
  await ready(wallet);
  assert.match(await wallet.locator('#version').textContent(), /^credence-wasm \S+, protocol version \d+$/);
  assert.equal(await wallet.locator('#wallet-state').getAttribute('data-state'), 'none');
  assert.ok(await wallet.getByRole('alert').isHidden());
  // The module is served as WebAssembly (compiled as it streams), the desk
  // keeps its stricter policy.
  const module = await fetch(`${base}/wallet/pkg/credence_wasm_bg.wasm`);
  assert.equal(module.headers.get('content-type'), 'application/wasm');
  assert.deepEqual([...new Uint8Array(await module.arrayBuffer()).slice(0, 4)], [0, 0x61, 0x73, 0x6d]);
  assert.equal((await fetch(`${base}/wallet/pkg/package.json`)).status, 404);
  const deskCsp = (await fetch(`${base}/desk`)).headers.get('content-security-policy');
  assert.doesNotMatch(deskCsp, /unsafe/);
});

test("credentials from two raters come in through the page's import boxes", async () => {
  // The bank: descriptor and credentials pasted.
  await wallet.getByLabel("1. The rater's descriptor").fill(readFileSync(join(raters, 'bank.pub.json'), 'utf8'));
  await wallet.getByRole('button', { name: 'Make an issuance request' }).click();
  const request = wallet.getByLabel('2. Send this issuance request to the rater');
  await request.waitFor();
  const bankRequest = await request.inputValue();
  // The page made a wallet for it, waiting for the bank's answer.
  assert.equal(await wallet.locator('#wallet-state').getAttribute('data-state'), 'ready');
  assert.match(await wallet.locator('#wallet-pending').textContent(), /bank/);
  linkSecret = JSON.parse(await storedWallet()).link_secret;
  assert.match(linkSecret, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(!bankRequest.includes(linkSecret));

  const bankIssued = await issue('bank', bankRequest, 3);
  const issued = wallet.getByLabel('3. The credentials the rater issued');
  await issued.fill(bankIssued);
  await wallet.getByRole('button', { name: 'Add credentials' }).click();
  await wallet.locator('#credentials-state', { hasText: 'Added 3 bank credentials' }).waitFor();
  assert.equal(await issued.inputValue(), '', 'the credentials are not left on the page');
  assert.deepEqual(await listing(), { bank: [3, 0] });

  // The same credentials again, and a file that is not credentials: refused
  // with the package's message, the wallet unchanged.
  const before = await storedWallet();
  await issued.fill(bankIssued);
  await wallet.getByRole('button', { name: 'Add credentials' }).click();
  const alert = wallet.getByRole('alert');
  await alert.filter({ hasText: 'No credentials were added' }).waitFor();
  assert.match(await alert.textContent(), /\(wallet, no_pending_request\)/);
  await issued.fill('{"format": "credence-issued-credentials", "version": 1, "credentials": ["AAAA"]}');
  await wallet.getByRole('button', { name: 'Add credentials' }).click();
  await alert.filter({ hasText: '(decode)' }).waitFor();
  assert.equal(await storedWallet(), before);
  assert.deepEqual(await listing(), { bank: [3, 0] });

  // The court: descriptor and credentials read from files.
  await wallet.locator('#rater-file').setInputFiles(join(raters, 'court.pub.json'));
  await wallet.waitForFunction(() => document.getElementById('rater').value.includes('"court"'));
  await wallet.getByRole('button', { name: 'Make an issuance request' }).click();
  await wallet.locator('#wallet-pending', { hasText: 'court' }).waitFor();
  const courtIssued = join(scratch, 'court.cred.json');
  writeFileSync(courtIssued, await issue('court', await request.inputValue(), 3));
  await wallet.locator('#issued-file').setInputFiles(courtIssued);
  await wallet.waitForFunction(() => document.getElementById('issued').value.includes('credence-issued-credentials'));
  await wallet.getByRole('button', { name: 'Add credentials' }).click();
  await wallet.locator('#credentials-state', { hasText: 'Added 3 court credentials' }).waitFor();
  assert.ok(await alert.isHidden());
  assert.deepEqual(await listing(), { bank: [3, 0], court: [3, 0] });
  assert.ok(await wallet.locator('#wallet-pending').isHidden());
  assert.ok(!(await wallet.content()).includes(linkSecret), 'the secret is not on the page');
  await shot(wallet, 'wallet-credentials.png');
});

let satisfied;
let presentation;
let secondTab;

test('the consulate asks; the wallet page shows the consent, proves in WebAssembly, and the desk sees the policy hold', async () => {
  await desk.goto(`${base}/desk`);
  await desk.getByLabel('Backend token').fill(token);
  await desk.getByRole('button', { name: 'Use this token' }).click();
  satisfied = await deskRequest({ preset: CONSULATE, purpose: 'visa fast track' });

  await openWallet(wallet, satisfied.walletUri);
  assert.equal(await wallet.getByLabel('Request link').inputValue(), satisfied.requestUri);
  await wallet.locator('#consent').waitFor();
  assert.equal(await wallet.locator('#consent-heading').textContent(), 'consulate.example asks for a proof');
  assert.equal(await wallet.locator('#consent-purpose').textContent(), 'visa fast track');
  assert.equal(await wallet.locator('#consent-date').textContent(), '2027-03-01');
  const statements = await listItems(wallet, 'consent-statements');
  assert.ok(statements.some((s) => s.startsWith('bank.liquidity_eur >= 5000 — from bank.liquidity_eur (financial)')), statements.join('\n'));
  assert.ok(statements.some((s) => s.startsWith('court.outstanding_defaults == 0 — from court.outstanding_defaults (judicial)')), statements.join('\n'));
  const categories = await wallet.locator('#consent-categories li').evaluateAll((l) => l.map((x) => x.dataset.category));
  assert.ok(categories.includes('financial') && categories.includes('judicial'), categories.join(', '));
  assert.ok(!categories.includes('behavioural'), categories.join(', '));
  assert.match((await listItems(wallet, 'consent-revealed')).join(), /^None/);
  const spends = await listItems(wallet, 'consent-credentials');
  assert.deepEqual(spends, [
    'one bank credential, from the bank rater (3 unused now)',
    'one court credential, from the court rater (3 unused now)',
  ]);
  assert.ok(await wallet.locator('#consent-refused').isHidden());
  await shot(wallet, 'wallet-consent.png');

  // A second tab of the same wallet opens the link too, before the answer.
  secondTab = await walletContext.newPage();
  watch(secondTab, 'wallet-2');
  await openWallet(secondTab, satisfied.walletUri);
  await secondTab.locator('#consent').waitFor();

  const posted = wallet.waitForRequest(
    (r) => r.method() === 'POST' && r.url() === `${satisfied.requestUri}/presentation`,
  );
  await wallet.getByRole('button', { name: 'Share' }).click();
  presentation = (await posted).postData();
  const outcome = wallet.locator('#result-outcome');
  await wallet.locator('#result-outcome[data-outcome="satisfied"]').waitFor({ timeout: 60_000 });
  assert.match(await outcome.textContent(), /policy satisfied/);
  assert.match(
    await wallet.locator('#result-detail').textContent(),
    /It learned that bank\.liquidity_eur >= 5000; court\.outstanding_defaults == 0; .*and nothing else\./,
  );
  // A presentation's JSON form: one base64url string, no secret in it.
  assert.match(presentation, /^"[A-Za-z0-9_-]+"$/);
  assert.ok(!presentation.includes(linkSecret));
  // One credential of each rater is spent, and stays spent.
  assert.deepEqual(await listing(), { bank: [2, 1], court: [2, 1] });
  assert.ok(await wallet.getByRole('button', { name: 'Share' }).isDisabled());

  await desk.locator('#verdict-outcome', { hasText: 'Satisfied' }).waitFor({ timeout: 60_000 });
  await desk.locator('#status[data-status="answered"]').waitFor();
  const proven = await listItems(desk, 'verdict-statements');
  assert.ok(proven.some((s) => s.includes('bank.liquidity_eur >= 5000')), proven.join('\n'));
  assert.match(await desk.locator('#verdict-disclosed').textContent(), /None/);
  await shot(wallet, 'wallet-shared.png');
  await shot(desk, 'desk-satisfied-by-wallet.png');
});

test('replays are refused: the same presentation again is 409, and so is a second answer from another tab', async () => {
  const replay = await fetch(`${satisfied.requestUri}/presentation`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: presentation,
  });
  assert.equal(replay.status, 409);
  assert.equal((await replay.json()).error, 'replayed');

  // The second tab still shows the consent; it proves with fresh
  // credentials (the first tab's are marked used), and the verifier refuses.
  const second = secondTab;
  const posted = second.waitForRequest((r) => r.method() === 'POST');
  await second.getByRole('button', { name: 'Share' }).click();
  assert.notEqual((await posted).postData(), presentation, 'no credential is shown twice');
  await second.locator('#result-outcome[data-outcome="refused"]').waitFor({ timeout: 60_000 });
  assert.match(await second.locator('#result-outcome').textContent(), /the request was answered before/);
  assert.match(await second.locator('#result-detail').textContent(), /The verifier answered 409 \(replayed\)/);
  await shot(second, 'wallet-replay-refused.png');
  // Its credentials are spent all the same (kept before they left), and
  // the first tab sees the change.
  await wallet.waitForFunction(() =>
    document.querySelector('#wallet-credentials li[data-schema="bank"]')?.dataset.used === '2',
  );
  assert.deepEqual(await listing(), { bank: [1, 2], court: [1, 2] });
  await second.close();

  // The link opened again: the request is gone.
  await openWallet(wallet, satisfied.walletUri);
  const alert = wallet.getByRole('alert');
  await alert.filter({ hasText: 'The verifier answered 410 (answered)' }).waitFor();
  assert.ok(await wallet.locator('#consent').isHidden());
  assert.equal(await desk.locator('#status').getAttribute('data-status'), 'answered');
  assert.match(await desk.locator('#verdict-outcome').textContent(), /^Satisfied/);
});

test("an anonymous request: the page takes the court's epoch list from the service, proves in WebAssembly, and spends nothing", async () => {
  // The court publishes epoch 2, with the page wallet's court credentials in
  // the crowd; the service reads the file again by itself.
  const { stdout } = await run(
    testWallet,
    ['list', env('DESK_LIST'), '2', '1100', join(scratch, 'court.cred.json')],
    { timeout: 120_000 },
  );
  const digest = stdout.trim();
  assert.match(digest, /^[A-Za-z0-9_-]{43}$/);
  const deadline = Date.now() + 30_000;
  while ((await fetch(`${base}/v1/lists/${digest}`)).status !== 200) {
    assert.ok(Date.now() < deadline, 'the service did not read the new list');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  // The backend asks for the court anonymously, with a pseudonym.
  const created = await fetch(`${base}/v1/transactions`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({
      policy: 'court.outstanding_defaults == 0',
      purpose: 'bike rental',
      reference_date: '2027-03-01',
      anonymous: ['court'],
      pseudonym: true,
    }),
  });
  assert.equal(created.status, 201);
  const tx = await created.json();
  const before = await listing();
  const since = requested.length;
  await openWallet(wallet, tx.wallet_uri);
  await wallet.locator('#consent').waitFor();
  const shown = await listItems(wallet, 'consent-credentials');
  assert.ok(
    shown.includes('a court credential, shown anonymously: as one of 1103 credentials of its rater, not spent'),
    shown.join('\n'),
  );
  assert.ok(shown.some((s) => s.startsWith('A pseudonym for consulate.example')), shown.join('\n'));
  // The list came from the service that made the request, by its digest.
  assert.ok(
    requested.slice(since).some((r) => r.page === 'wallet' && r.method === 'GET' && r.url === `${base}/v1/lists/${digest}`),
    'the page fetched the list',
  );
  await shot(wallet, 'wallet-anonymous-consent.png');

  await wallet.getByRole('button', { name: 'Share' }).click();
  await wallet.locator('#result-outcome[data-outcome="satisfied"]').waitFor({ timeout: 120_000 });
  const state = await fetch(`${base}/v1/transactions/${tx.transaction_id}`, {
    headers: { Authorization: `Bearer ${token}` },
  });
  const status = await state.json();
  assert.equal(status.status, 'answered');
  assert.equal(status.verdict.satisfied, true);
  assert.equal(typeof status.verdict.pseudonym, 'string');
  // Shown anonymously: no credential is spent.
  assert.deepEqual(await listing(), before);
  await shot(wallet, 'wallet-anonymous-shared.png');
});

test('a policy the wallet cannot meet: the page says so and sends nothing', async () => {
  const { requestUri, walletUri } = await deskRequest({
    preset: 'Type a policy…',
    policy: 'bank.liquidity_eur >= 50000',
    purpose: 'large loan',
  });
  await openWallet(wallet, walletUri);
  await wallet.locator('#consent').waitFor();
  assert.deepEqual(
    (await listItems(wallet, 'consent-statements')).filter((s) => s.startsWith('bank.liquidity')),
    ['bank.liquidity_eur >= 50000 — from bank.liquidity_eur (financial)'],
  );
  const mark = requested.length;
  const stored = await storedWallet();
  await wallet.getByRole('button', { name: 'Share' }).click();
  await wallet.locator('#result-outcome[data-outcome="cannot"]').waitFor({ timeout: 60_000 });
  assert.equal(
    await wallet.locator('#result-outcome').textContent(),
    'This wallet cannot answer the request. Nothing was sent.',
  );
  const detail = await wallet.locator('#result-detail').textContent();
  assert.match(detail, /does not hold for the wallet's values: bank\.liquidity_eur >= 50000/);
  assert.match(detail, /\(wallet, predicate_not_met\)/);
  assert.ok(!detail.includes(LIQUIDITY), 'no hidden value in the message');
  assert.deepEqual(postsSince(mark), []);
  assert.equal(await storedWallet(), stored, 'nothing spent');
  await shot(wallet, 'wallet-cannot-answer.png');

  await desk.waitForTimeout(1500);
  assert.equal(await desk.locator('#status').getAttribute('data-status'), 'pending');
  assert.ok(await desk.locator('#verdict-section').isHidden());
  const status = await fetch(requestUri);
  assert.equal(status.status, 200, 'the request is still open');
});

test('a declined request: nothing is sent, nothing spent', async () => {
  const { walletUri } = await deskRequest({ preset: CONSULATE, purpose: 'visa fast track' });
  await openWallet(wallet, walletUri);
  await wallet.locator('#consent').waitFor();
  assert.deepEqual(await listItems(wallet, 'consent-credentials'), [
    'one bank credential, from the bank rater (1 unused now)',
    'one court credential, from the court rater (1 unused now)',
  ]);
  assert.equal(
    await wallet.locator('#consent-earlier').textContent(),
    // The answer, the refused one, and the anonymous one.
    'This wallet answered consulate.example 3 times before.',
  );
  const mark = requested.length;
  const stored = await storedWallet();
  await wallet.getByRole('button', { name: 'Decline' }).click();
  await wallet.locator('#result-outcome[data-outcome="declined"]').waitFor();
  assert.equal(await wallet.locator('#result-outcome').textContent(), 'Declined. Nothing was sent to the verifier.');
  assert.ok(await wallet.locator('#consent').isHidden());
  await desk.waitForTimeout(1500);
  assert.deepEqual(postsSince(mark), []);
  assert.equal(await storedWallet(), stored);
  assert.equal(await desk.locator('#status').getAttribute('data-status'), 'pending');
});

test('links that are not requests of this service, and a wallet that does not decode, are refused without a crash', async () => {
  const alert = wallet.getByRole('alert');
  const unknown = `${base}/v1/requests/${'A'.repeat(43)}`;
  for (const [link, expected] of [
    ['javascript:alert(1)', /This page answers requests of http:\/\/127\.0\.0\.1:\d+ only/],
    [`https://verifier.invalid/v1/requests/${'A'.repeat(43)}`, /answers requests of .* only/],
    [`${base}/v1/transactions`, /This is not a request link/],
    [`${unknown}?x=1`, /This is not a request link/],
    [unknown, /The verifier answered 404 \(unknown_request\)/],
  ]) {
    await openWallet(wallet, `${base}/wallet#request_uri=${encodeURIComponent(link)}`);
    await alert.filter({ hasText: expected }).waitFor();
    assert.ok(await wallet.locator('#consent').isHidden(), link);
  }

  // A wallet that does not decode: the page says so, and keeps working.
  const saved = await storedWallet();
  await wallet.evaluate(() =>
    localStorage.setItem('credence.wallet', '{"format": "credence-wallet", "version": 1, "link_secret": "AAAA"}'),
  );
  await openWallet(wallet, `${base}/wallet`);
  assert.equal(await wallet.locator('#wallet-state').getAttribute('data-state'), 'unreadable');
  assert.match(await wallet.locator('#wallet-state').textContent(), /The wallet in this browser cannot be read: .*\(wallet/);
  await wallet.evaluate((w) => localStorage.setItem('credence.wallet', w), saved);
  await openWallet(wallet, `${base}/wallet`);
  assert.equal(await wallet.locator('#wallet-state').getAttribute('data-state'), 'ready');
  assert.deepEqual(await listing(), { bank: [1, 2], court: [1, 2] });
});

test('a backup moves the wallet to another browser, and the wallet can be deleted there', async () => {
  await openWallet(wallet, `${base}/wallet`);
  const [download] = await Promise.all([
    wallet.waitForEvent('download'),
    wallet.getByRole('button', { name: 'Save a backup' }).click(),
  ]);
  const backup = join(scratch, 'backup.wallet.json');
  await download.saveAs(backup);
  assert.equal(readFileSync(backup, 'utf8'), await storedWallet());

  const other = await browser.newContext();
  const page = await other.newPage();
  watch(page, 'wallet-3');
  await openWallet(page, `${base}/wallet`);
  assert.equal(await page.locator('#wallet-state').getAttribute('data-state'), 'none');
  await page.getByLabel('Restore a wallet file').setInputFiles(backup);
  await page.getByRole('button', { name: 'Restore', exact: true }).click();
  await page.locator('#wallet-state[data-state="ready"]').waitFor();
  assert.deepEqual(await listing(page), { bank: [1, 2], court: [1, 2] });

  page.once('dialog', (d) => d.accept());
  await page.getByRole('button', { name: 'Delete the wallet' }).click();
  await page.locator('#wallet-state[data-state="none"]').waitFor();
  assert.equal(await storedWallet(page), null);
  await other.close();
});

test('the pages asked nothing of any other origin, posted only what they should, and logged no error', () => {
  assert.ok(requested.length > 0);
  for (const r of requested) {
    assert.ok(r.url.startsWith(`${base}/`), r.url);
    assert.ok(!r.url.includes(token), 'no token in an address');
    assert.ok(!r.url.includes(linkSecret) && !r.body.includes(linkSecret), 'the link secret never leaves');
  }
  for (const r of requested.filter((x) => x.method === 'POST')) {
    if (r.page === 'desk') {
      assert.equal(r.url, `${base}/v1/transactions`);
    } else {
      assert.match(r.url, /\/v1\/requests\/[A-Za-z0-9_-]{43}\/presentation$/, r.url);
    }
  }
  // The wallet pages posted three presentations: the answer, the refused
  // one, and the anonymous one.
  assert.equal(requested.filter((x) => x.method === 'POST' && x.page !== 'desk').length, 3);
  // Chromium reports each answer of 4xx as a console error.
  assert.deepEqual(consoleErrors.filter((e) => !/status of 4(0[49]|10)/.test(e)), []);
});
