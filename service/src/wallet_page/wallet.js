// The browser wallet: keeps the wallet (the JSON text of the WebAssembly
// package's wallet API) in this site's local storage, takes credentials from
// raters, opens a request link, shows the consent summary, proves in
// WebAssembly on "Share" and posts the presentation, then shows the verdict.
// Messages shown are the package's and the service's own, which never hold a
// secret; the wallet text itself is never shown, logged or sent.
import init, * as credence from './pkg/credence_wasm.js';

const WALLET_KEY = 'credence.wallet';
const LOCK_NAME = 'credence.wallet';
// A request link: this service's /v1/requests/ and a 32-byte id in base64url.
const REQUEST_PATH = /\/v1\/requests\/[A-Za-z0-9_-]{43}$/;
// The largest file read into the page (the package's own cap on wallets).
const MAX_FILE_BYTES = 64 << 20;

const CATEGORY_WORDS = {
  identity: 'identity',
  financial: 'financial',
  judicial: 'judicial',
  behavioural: 'behavioural',
  validity: 'validity',
};

// A refused verdict's reason (spec §8.2), in words.
function reasonInWords(rejection) {
  if (!rejection || typeof rejection.reason !== 'string') {
    return 'no reason given';
  }
  switch (rejection.reason) {
    case 'request_mismatch':
      return 'the presentation answers another request';
    case 'malformed':
      return 'the presentation does not have the shape the request calls for';
    case 'untrusted_rater':
    case 'retired_key':
      return 'a credential is signed by a rater key the verifier does not trust';
    case 'schema_mismatch':
    case 'schema_changed':
      return 'a credential is not of the schema the verifier trusts';
    case 'bad_signature':
      return "a credential's rater signature is invalid";
    case 'proof_invalid':
      return 'the proof does not verify';
    case 'replayed':
      return 'the request was answered before';
    case 'expired':
      return "the request's lifetime is over";
    case 'closed':
      return 'the request is closed after too many rejected presentations';
    default:
      return rejection.reason.replace(/_/g, ' ');
  }
}

function $(id) {
  return document.getElementById(id);
}

function text(el, value) {
  el.textContent = value;
}

// An error answer of the service: its status, code and message.
class ServiceError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ServiceError';
    this.status = status;
    this.code = code;
  }
}

// A mistake this page explains itself.
class PageError extends Error {
  constructor(message) {
    super(message);
    this.name = 'PageError';
  }
}

function serviceError(status, body) {
  let json = null;
  try {
    json = JSON.parse(body);
  } catch (_) {
    json = null;
  }
  const code = json && typeof json.error === 'string' ? json.error : 'http_' + status;
  const message = json && typeof json.message === 'string' ? json.message : 'no explanation given';
  return new ServiceError(status, code, message);
}

// What to tell the holder about an error. The package's CredenceError
// messages and the service's error messages never quote a secret.
function describe(err) {
  if (err instanceof ServiceError) {
    return 'The verifier answered ' + err.status + ' (' + err.code + '): ' + err.message + '.';
  }
  if (err && err.name === 'CredenceError') {
    return err.message + ' (' + err.code + (err.reason ? ', ' + err.reason : '') + ').';
  }
  if (err && err.name === 'QuotaExceededError') {
    return "This browser's storage is full: the wallet cannot be saved.";
  }
  if (err instanceof PageError) {
    return err.message;
  }
  if (err instanceof TypeError) {
    return 'The verifier could not be reached.';
  }
  return 'Something went wrong: ' + (err && err.name ? err.name : 'unknown error') + '.';
}

function showError(message) {
  const box = $('error');
  text(box, message);
  box.hidden = !message;
}

// The wallet's text, or null when this browser holds none.
function readWallet() {
  try {
    return localStorage.getItem(WALLET_KEY);
  } catch (_) {
    throw new PageError('This browser does not allow local storage here: the wallet cannot be kept.');
  }
}

function writeWallet(value) {
  localStorage.setItem(WALLET_KEY, value);
}

// Runs `fn` holding the wallet's lock, so that two tabs never prove with
// the same credential or lose each other's changes (the Web Locks API; a
// browser without it runs `fn` at once).
async function exclusive(fn) {
  if (navigator.locks && typeof navigator.locks.request === 'function') {
    return navigator.locks.request(LOCK_NAME, { mode: 'exclusive' }, async () => fn());
  }
  return fn();
}

function li(list, content) {
  const item = document.createElement('li');
  if (typeof content === 'string') {
    item.textContent = content;
  } else {
    item.appendChild(content);
  }
  list.appendChild(item);
  return item;
}

function plural(n, word) {
  return n + ' ' + word + (n === 1 ? '' : 's');
}

// Shows what the wallet holds (no secret, no value); returns the listing,
// or null when there is no usable wallet.
function showWallet() {
  const list = $('wallet-credentials');
  list.replaceChildren();
  const pending = $('wallet-pending');
  pending.hidden = true;
  let stored;
  try {
    stored = readWallet();
  } catch (err) {
    text($('wallet-state'), describe(err));
    return null;
  }
  $('wallet-create').disabled = stored !== null;
  $('wallet-export').disabled = stored === null;
  $('wallet-delete').disabled = stored === null;
  if (stored === null) {
    $('wallet-state').dataset.state = 'none';
    text($('wallet-state'), 'No wallet in this browser yet.');
    return null;
  }
  let listing;
  try {
    listing = JSON.parse(credence.walletList(stored));
  } catch (err) {
    $('wallet-state').dataset.state = 'unreadable';
    text(
      $('wallet-state'),
      'The wallet in this browser cannot be read: ' + describe(err) +
        ' Restore a backup, or delete it.',
    );
    return null;
  }
  $('wallet-state').dataset.state = 'ready';
  const credentials = Array.isArray(listing.credentials) ? listing.credentials : [];
  text(
    $('wallet-state'),
    credentials.length === 0
      ? 'A wallet is kept in this browser. It holds no credentials yet: get some from a rater.'
      : 'A wallet is kept in this browser. Its credentials:',
  );
  for (const c of credentials) {
    const item = li(
      list,
      c.schema + ': ' + plural(c.unused, 'unused credential') + ', ' + c.used + ' used (rater key ' +
        c.key_id + ')',
    );
    item.dataset.schema = c.schema;
    item.dataset.unused = String(c.unused);
    item.dataset.used = String(c.used);
  }
  const waiting = Array.isArray(listing.pending) ? listing.pending.map((p) => p.schema) : [];
  if (waiting.length > 0) {
    text(pending, 'Waiting for credentials from the rater of: ' + waiting.join(', ') + '.');
    pending.hidden = false;
  }
  return listing;
}

// Reads a chosen file's text into `target`.
async function readFileInto(input, target) {
  const file = input.files && input.files[0];
  if (!file) {
    return;
  }
  showError('');
  if (file.size > MAX_FILE_BYTES) {
    showError('The file is larger than 64 MiB: it is not a Credence file.');
    input.value = '';
    return;
  }
  target.value = await file.text();
  input.value = '';
}

function download(name, content) {
  const url = URL.createObjectURL(new Blob([content], { type: 'application/json' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// ----- Wallet -----

async function createWallet() {
  showError('');
  try {
    await exclusive(() => {
      if (readWallet() === null) {
        writeWallet(credence.walletCreate());
      }
    });
  } catch (err) {
    showError(describe(err));
  }
  showWallet();
}

async function restoreWallet(event) {
  event.preventDefault();
  showError('');
  const input = $('wallet-file');
  const file = input.files && input.files[0];
  if (!file) {
    showError('Choose a wallet file first.');
    return;
  }
  try {
    if (file.size > MAX_FILE_BYTES) {
      throw new PageError('The file is larger than 64 MiB: it is not a wallet.');
    }
    const restored = await file.text();
    // Checked by the package (every credential in it) before it is kept.
    credence.walletList(restored);
    await exclusive(() => {
      const current = readWallet();
      if (
        current !== null &&
        !window.confirm('Replace the wallet in this browser? Its credentials are lost unless you saved a backup.')
      ) {
        return;
      }
      writeWallet(restored);
    });
    input.value = '';
  } catch (err) {
    showError('The wallet file was not restored: ' + describe(err));
  }
  showWallet();
}

function exportWallet() {
  showError('');
  try {
    const stored = readWallet();
    if (stored !== null) {
      download('credence.wallet.json', stored);
    }
  } catch (err) {
    showError(describe(err));
  }
}

async function deleteWallet() {
  showError('');
  if (!window.confirm('Delete the wallet and all its credentials from this browser?')) {
    return;
  }
  try {
    await exclusive(() => localStorage.removeItem(WALLET_KEY));
  } catch (err) {
    showError(describe(err));
  }
  closeRequest();
  showWallet();
}

// ----- Issuance -----

async function startIssuance(event) {
  event.preventDefault();
  showError('');
  const rater = $('rater').value.trim();
  try {
    const request = await exclusive(() => {
      const stored = readWallet();
      const started = credence.walletRequestIssuance(
        stored === null ? credence.walletCreate() : stored,
        rater,
      );
      writeWallet(started.wallet);
      return started.request;
    });
    $('issuance-request').value = request;
    $('issuance').hidden = false;
    text($('credentials-state'), 'Send the issuance request to the rater, then add the credentials it issues.');
  } catch (err) {
    showError('No issuance request was made: ' + describe(err));
  }
  showWallet();
}

async function addCredentials(event) {
  event.preventDefault();
  showError('');
  const issued = $('issued').value.trim();
  try {
    const added = await exclusive(() => {
      const stored = readWallet();
      if (stored === null) {
        throw new PageError(
          'There is no wallet in this browser: make an issuance request first; credentials answer one.',
        );
      }
      const result = credence.walletAddCredentials(stored, issued);
      writeWallet(result.wallet);
      return result;
    });
    $('issued').value = '';
    $('rater').value = '';
    $('issuance').hidden = true;
    text(
      $('credentials-state'),
      'Added ' + plural(added.added, added.schema + ' credential') + ' (rater key ' + added.key_id + ').',
    );
  } catch (err) {
    text($('credentials-state'), '');
    showError('No credentials were added: ' + describe(err));
  }
  showWallet();
}

// ----- Requests -----

// The request being answered: its link, its text as the verifier sent it,
// and whether it was answered or declined.
let current = null;

// The request link `value` as an absolute URL, if it is one of this
// service's request links.
function requestTarget(value) {
  let url;
  try {
    url = new URL(value, location.href);
  } catch (_) {
    throw new PageError('This is not a link.');
  }
  if (url.origin !== location.origin) {
    throw new PageError(
      'This page answers requests of ' + location.origin + ' only; open the link with a wallet of your own.',
    );
  }
  if (!REQUEST_PATH.test(url.pathname) || url.search !== '' || url.hash !== '') {
    throw new PageError("This is not a request link: it ends with /v1/requests/ and the request's id.");
  }
  return url.href;
}

function closeRequest() {
  current = null;
  $('consent').hidden = true;
}

function showResult(outcome, kind, detail) {
  const o = $('result-outcome');
  o.className = 'outcome ' + kind;
  o.dataset.outcome = kind;
  text(o, outcome);
  o.hidden = false;
  const d = $('result-detail');
  text(d, detail || '');
  d.hidden = !detail;
}

function hideResult() {
  $('result-outcome').hidden = true;
  $('result-detail').hidden = true;
  delete $('result-outcome').dataset.outcome;
}

function showConsent(c) {
  text($('consent-heading'), c.verifier + ' asks for a proof');
  text($('consent-purpose'), c.purpose ? c.purpose : '(none given)');
  text($('consent-date'), c.date);

  const statements = $('consent-statements');
  statements.replaceChildren();
  for (const s of Array.isArray(c.statements) ? c.statements : []) {
    const item = document.createElement('span');
    const code = document.createElement('code');
    code.textContent = String(s.statement);
    item.appendChild(code);
    const attrs = Array.isArray(s.attributes) ? s.attributes : [];
    if (attrs.length > 0) {
      item.appendChild(
        document.createTextNode(
          ' — from ' + attrs.map((a) => a.attribute + ' (' + (CATEGORY_WORDS[a.category] || a.category) + ')').join(', '),
        ),
      );
    }
    li(statements, item);
  }

  const revealed = $('consent-revealed');
  revealed.replaceChildren();
  for (const r of Array.isArray(c.revealed) ? c.revealed : []) {
    li(revealed, r);
  }
  if (revealed.children.length === 0) {
    li(revealed, 'None: no value is revealed, only that the statements hold.');
  }

  const categories = $('consent-categories');
  categories.replaceChildren();
  for (const cat of Array.isArray(c.categories) ? c.categories : []) {
    let words = CATEGORY_WORDS[cat] || String(cat);
    if (cat === 'behavioural') {
      words += ' — behavioural data (' + (c.behavioural || []).join(', ') + '): does the purpose need it?';
    }
    li(categories, words).dataset.category = cat;
  }

  const credentials = $('consent-credentials');
  credentials.replaceChildren();
  for (const cr of Array.isArray(c.credentials) ? c.credentials : []) {
    const words =
      cr.unused > 0
        ? 'one ' + cr.schema + ' credential, from the ' + cr.schema + ' rater (' + cr.unused + ' unused now)'
        : 'a ' + cr.schema + ' credential: none unused is left; ask the ' + cr.schema + ' rater for a new batch';
    li(credentials, words).dataset.schema = cr.schema;
  }
  for (const a of Array.isArray(c.anonymous) ? c.anonymous : []) {
    let words;
    if (typeof a.list_size !== 'number') {
      words = 'a ' + a.schema + ' credential, shown anonymously: its epoch list is not available';
    } else if (a.too_small) {
      words =
        'a ' + a.schema + ' credential, shown anonymously among only ' + a.list_size +
        ' credentials, under this wallet\'s minimum of ' + c.min_list_size + ': the wallet will refuse';
    } else {
      words =
        'a ' + a.schema + ' credential, shown anonymously: as one of ' + a.list_size +
        ' credentials of its rater, not spent';
    }
    const item = li(credentials, words);
    item.dataset.anonymous = a.schema;
    item.className = a.too_small || typeof a.list_size !== 'number' ? 'warning' : '';
  }
  if (c.pseudonym) {
    li(credentials, 'A pseudonym for ' + c.verifier + ': it will know when this wallet answers it again.').dataset.pseudonym = 'yes';
  }
  if (credentials.children.length === 0) {
    li(credentials, 'None.');
  }
  text(
    $('consent-earlier'),
    c.earlier_presentations > 0
      ? 'This wallet answered ' + c.verifier + ' ' + plural(c.earlier_presentations, 'time') + ' before.'
      : 'This wallet has not answered ' + c.verifier + ' before.',
  );

  const narrowing = $('consent-narrowing');
  narrowing.replaceChildren();
  for (const n of Array.isArray(c.narrowing) ? c.narrowing : []) {
    li(narrowing, String(n.text)).className = n.too_narrow ? 'warning' : '';
  }
  narrowing.hidden = narrowing.children.length === 0;
  const refused = $('consent-refused');
  text(
    refused,
    c.refused
      ? 'This wallet will refuse: the verifier would pin a protected value down (threshold probing).'
      : '',
  );
  refused.hidden = !c.refused;

  $('share').disabled = false;
  $('decline').disabled = false;
  $('consent').hidden = false;
  $('consent-heading').focus();
}

// The epoch lists a request names (the schemas it asks for anonymously),
// from the service that made it. The wallet checks each against the rater
// of its credentials, its digest and the wallet's minimum crowd size, as
// lists from anywhere.
const DIGEST = /^[A-Za-z0-9_-]{43}$/;
const MAX_LISTS = 64;

async function fetchLists(body) {
  let request;
  try {
    request = JSON.parse(body);
  } catch (_) {
    return [];
  }
  const trusted = request && Array.isArray(request.trusted) ? request.trusted : [];
  const digests = trusted.flatMap((t) => (t && Array.isArray(t.lists) ? t.lists : []));
  if (digests.length > MAX_LISTS || !digests.every((d) => typeof d === 'string' && DIGEST.test(d))) {
    throw new PageError('The request names epoch lists this page cannot fetch.');
  }
  const lists = [];
  for (const digest of digests) {
    const response = await fetch(new URL('/v1/lists/' + digest, location.origin), {
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    if (!response.ok) {
      throw serviceError(response.status, await response.text());
    }
    lists.push(new Uint8Array(await response.arrayBuffer()));
  }
  return lists;
}

async function openRequest(value) {
  showError('');
  hideResult();
  closeRequest();
  let target;
  let stored;
  try {
    target = requestTarget(value.trim());
    stored = readWallet();
    if (stored === null) {
      throw new PageError('There is no wallet in this browser yet: get credentials from a rater first.');
    }
  } catch (err) {
    showError(describe(err));
    return;
  }
  $('open').disabled = true;
  try {
    let body;
    try {
      const response = await fetch(target, {
        headers: { Accept: 'application/json' },
        cache: 'no-store',
        credentials: 'omit',
        referrerPolicy: 'no-referrer',
      });
      body = await response.text();
      if (!response.ok) {
        throw serviceError(response.status, body);
      }
    } catch (err) {
      showError('The request could not be fetched: ' + describe(err));
      return;
    }
    let lists;
    try {
      lists = await fetchLists(body);
    } catch (err) {
      showError("The request's epoch lists could not be fetched: " + describe(err));
      return;
    }
    let consent;
    try {
      consent = JSON.parse(credence.walletConsent(stored, body, lists));
    } catch (err) {
      showError('The request cannot be answered: ' + describe(err));
      return;
    }
    // The request's text is kept as it came: its integers may not survive
    // JSON.parse.
    current = { uri: target, request: body, lists, settled: false };
    showConsent(consent);
  } finally {
    $('open').disabled = false;
  }
}

// Lets the page show what is happening before the proof takes the thread.
function paint() {
  return new Promise((resolve) => setTimeout(resolve, 30));
}

async function share() {
  const answering = current;
  if (!answering || answering.settled) {
    return;
  }
  answering.settled = true;
  $('share').disabled = true;
  $('decline').disabled = true;
  showError('');
  showResult('Proving…', 'working', 'The proof is made in this browser.');
  await paint();
  let presentation;
  try {
    presentation = await exclusive(() => {
      const stored = readWallet();
      if (stored === null) {
        throw new PageError('The wallet is gone from this browser.');
      }
      const proven = credence.walletProve(stored, answering.request, null, answering.lists);
      // Kept before the presentation leaves: its credentials are spent.
      writeWallet(proven.wallet);
      return proven.presentation;
    });
  } catch (err) {
    showWallet();
    if (err && err.name === 'CredenceError' && err.code === 'wallet') {
      showResult(
        'This wallet cannot answer the request. Nothing was sent.',
        'cannot',
        describe(err),
      );
    } else {
      showResult('Nothing was sent.', 'cannot', describe(err));
    }
    return;
  }
  showWallet();
  showResult('Sending…', 'working', '');
  let status;
  let body;
  try {
    const response = await fetch(answering.uri + '/presentation', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: presentation,
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
    status = response.status;
    body = await response.text();
    if (!response.ok) {
      throw serviceError(status, body);
    }
  } catch (err) {
    const code = err instanceof ServiceError ? err.code : '';
    const refused = code === 'replayed' ? 'The verifier refused the presentation: the request was answered before.' : 'The verifier did not accept the presentation.';
    showResult(refused, 'refused', describe(err));
    return;
  }
  let verdict = null;
  try {
    verdict = JSON.parse(body).verdict;
  } catch (_) {
    verdict = null;
  }
  if (!verdict || typeof verdict.satisfied !== 'boolean') {
    showResult('The verifier answered without a verdict.', 'refused', '');
  } else if (verdict.satisfied) {
    const statements = Array.isArray(verdict.statements) ? verdict.statements.map((s) => s.statement) : [];
    showResult(
      'Shared. The verifier found the policy satisfied.',
      'satisfied',
      'It learned that ' + (statements.length > 0 ? statements.join('; ') : 'the policy holds') + ', and nothing else.',
    );
  } else {
    showResult(
      'The verifier found the policy not satisfied.',
      'refused',
      'Why: ' + reasonInWords(verdict.rejection) + '.',
    );
  }
}

function decline() {
  if (!current || current.settled) {
    return;
  }
  current.settled = true;
  closeRequest();
  showError('');
  showResult('Declined. Nothing was sent to the verifier.', 'declined', '');
}

// The request link in the page's address (`#request_uri=…`), if any.
function linkFromAddress() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  return params.get('request_uri');
}

function openFromAddress() {
  const link = linkFromAddress();
  if (link) {
    $('request-uri').value = link;
    openRequest(link);
  }
}

async function main() {
  try {
    await init({ module_or_path: new URL('pkg/credence_wasm_bg.wasm', import.meta.url) });
  } catch (_) {
    text($('loading'), '');
    showError('The WebAssembly module could not be loaded: this browser cannot run the wallet.');
    return;
  }
  try {
    const info = JSON.parse(credence.versionInfo());
    text($('version'), info.package + ' ' + info.version + ', protocol version ' + info.protocol_version);
  } catch (_) {
    // The version line is optional.
  }
  $('wallet-create').addEventListener('click', createWallet);
  $('wallet-export').addEventListener('click', exportWallet);
  $('wallet-delete').addEventListener('click', deleteWallet);
  $('wallet-import-form').addEventListener('submit', restoreWallet);
  $('issuance-form').addEventListener('submit', startIssuance);
  $('credentials-form').addEventListener('submit', addCredentials);
  $('issuance-download').addEventListener('click', () =>
    download('issuance-request.json', $('issuance-request').value),
  );
  $('rater-file').addEventListener('change', () => readFileInto($('rater-file'), $('rater')));
  $('issued-file').addEventListener('change', () => readFileInto($('issued-file'), $('issued')));
  $('open-form').addEventListener('submit', (event) => {
    event.preventDefault();
    openRequest($('request-uri').value);
  });
  $('share').addEventListener('click', share);
  $('decline').addEventListener('click', decline);
  window.addEventListener('hashchange', openFromAddress);
  // Another tab changed the wallet.
  window.addEventListener('storage', (event) => {
    if (event.key === WALLET_KEY || event.key === null) {
      showWallet();
    }
  });
  showWallet();
  text($('loading'), '');
  document.body.dataset.ready = 'true';
  openFromAddress();
}

main();
