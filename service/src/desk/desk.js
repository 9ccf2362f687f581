// The verifier's desk: creates a proof request through the verifier backend
// API, shows its link and QR code for the wallet, and long-polls the
// transaction until its verdict is in. The backend token stays in this tab's
// session storage and travels only in the Authorization header.
'use strict';

(function () {
  const TOKEN_KEY = 'credence.desk.token';
  const WAIT_SECONDS = 25;

  const PRESETS = [
    {
      id: 'consulate',
      label: 'Consulate: proof of financial liquidity',
      policy: 'bank.liquidity_eur >= 5000 and court.outstanding_defaults == 0',
      purpose: 'visa fast track',
    },
    {
      id: 'payment-history',
      label: 'Bike share: payment history instead of a deposit',
      policy: '3*bank.on_time_payments - 2*bank.late_payments >= 40',
      purpose: 'deposit waiver',
    },
    {
      id: 'no-defaults',
      label: 'Landlord: no outstanding court defaults',
      policy: 'court.outstanding_defaults == 0',
      purpose: 'tenancy application',
    },
    {
      id: 'liquidity-range',
      label: 'Lender: liquidity in a band, few late payments',
      policy: '2000 <= bank.liquidity_eur <= 100000 and bank.late_payments <= 3',
      purpose: 'small loan pre-check',
    },
    { id: 'custom', label: 'Type a policy…', policy: '', purpose: '' },
  ];

  const STATUS_WORDS = {
    pending: 'pending: waiting for the wallet',
    answered: 'answered',
    rejected: 'rejected',
    closed: 'closed after too many rejected presentations',
    expired: 'expired',
    cancelled: 'cancelled',
  };

  const CATEGORY_WORDS = {
    identity: 'identity',
    financial: 'financial',
    judicial: 'judicial',
    behavioural: 'behavioural',
    validity: 'validity',
  };

  // The rejection reasons of a verdict (spec §8.2), in words.
  function reasonInWords(rejection) {
    if (!rejection || typeof rejection.reason !== 'string') {
      return 'no reason given';
    }
    const c = rejection.credential;
    const s = rejection.schema;
    switch (rejection.reason) {
      case 'request_mismatch':
        return 'the presentation answers another request';
      case 'malformed':
        return 'the presentation does not have the shape the request calls for' +
          (rejection.detail ? ' (' + rejection.detail + ')' : '');
      case 'schema_mismatch':
        return 'credential ' + c + ' is not a "' + s + '" credential of the trusted schema';
      case 'untrusted_rater':
        return 'credential ' + c + ' ("' + s + '") is signed by a rater key this desk does not trust';
      case 'bad_signature':
        return 'credential ' + c + ' ("' + s + '") has an invalid rater signature';
      case 'proof_invalid':
        return 'a zero-knowledge proof does not verify: the presentation was altered or made for other data';
      case 'replayed':
        return 'the request was answered before: this presentation is a replay';
      case 'expired':
        return "the request's lifetime is over";
      case 'closed':
        return 'the request is closed after too many rejected presentations';
      case 'retired_key':
        return 'credential ' + c + ' ("' + s + '") is signed by a key the desk no longer trusts';
      case 'schema_changed':
        return 'credential ' + c + ': the desk now trusts another schema under the id "' + s + '"';
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

  function token() {
    try {
      return sessionStorage.getItem(TOKEN_KEY) || '';
    } catch (_) {
      return '';
    }
  }

  class ApiError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  // One call to the backend API. Paths are relative to the page, so that
  // the desk works behind a path prefix.
  async function api(method, path, body, signal) {
    const headers = { Accept: 'application/json' };
    const t = token();
    if (t) {
      headers.Authorization = 'Bearer ' + t;
    }
    const init = { method, headers, signal, cache: 'no-store', credentials: 'omit' };
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    if (response.status === 204) {
      return null;
    }
    let json = null;
    try {
      json = await response.json();
    } catch (_) {
      json = null;
    }
    if (!response.ok) {
      const code = json && typeof json.error === 'string' ? json.error : 'http_' + response.status;
      const message = json && typeof json.message === 'string' ? json.message : response.statusText;
      throw new ApiError(response.status, code, message);
    }
    return json;
  }

  function explain(err) {
    if (err instanceof ApiError) {
      if (err.status === 401 || err.status === 403) {
        return 'The backend refused the token (' + err.code + '): ' + err.message;
      }
      if (err.status === 429) {
        return 'Too many requests: ' + err.message;
      }
      return 'The backend answered ' + err.status + ' (' + err.code + '): ' + err.message;
    }
    return 'The backend could not be reached: ' + (err && err.message ? err.message : String(err));
  }

  function showError(message) {
    const box = $('error');
    text(box, message);
    box.hidden = !message;
  }

  function formatTime(value) {
    if (value === undefined || value === null) {
      return null;
    }
    const d = typeof value === 'number' ? new Date(value * 1000) : new Date(value);
    return isNaN(d.getTime()) ? null : d;
  }

  function setTime(el, value) {
    const d = formatTime(value);
    if (d) {
      el.dateTime = d.toISOString();
      text(el, d.toLocaleString());
    } else {
      el.removeAttribute('datetime');
      text(el, value === undefined || value === null ? '' : String(value));
    }
  }

  function showQr(svgText) {
    const figure = $('qr');
    figure.replaceChildren();
    if (typeof svgText !== 'string' || svgText === '') {
      figure.hidden = true;
      return;
    }
    // Parsed as SVG, not as HTML: nothing in it runs.
    const doc = new DOMParser().parseFromString(svgText, 'image/svg+xml');
    const svg = doc.documentElement;
    if (!svg || svg.nodeName !== 'svg' || doc.getElementsByTagName('parsererror').length > 0) {
      figure.hidden = true;
      return;
    }
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'QR code of the request link');
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    figure.appendChild(document.importNode(svg, true));
    figure.hidden = false;
  }

  function li(list, content) {
    const item = document.createElement('li');
    if (typeof content === 'string') {
      item.textContent = content;
    } else {
      item.appendChild(content);
    }
    list.appendChild(item);
  }

  function showVerdict(verdict, status) {
    const section = $('verdict-section');
    section.hidden = false;
    const satisfied = verdict.satisfied === true;
    const outcome = $('verdict-outcome');
    outcome.className = 'outcome ' + (satisfied ? 'satisfied' : 'not-satisfied');
    text(outcome, satisfied ? 'Satisfied: the policy holds.' : 'Not satisfied.');
    text($('verdict-reason'), satisfied ? '' : 'Why: ' + reasonInWords(verdict.rejection) + '.');
    $('verdict-reason').hidden = satisfied;
    text(
      $('verdict-statements-heading'),
      satisfied ? 'Statements proven' : 'Statements asked for (none accepted)',
    );
    text(
      $('verdict-categories-heading'),
      satisfied ? 'Categories of data used' : 'Categories of data the request touches',
    );

    const statements = $('verdict-statements');
    statements.replaceChildren();
    const categories = new Set();
    for (const s of Array.isArray(verdict.statements) ? verdict.statements : []) {
      const item = document.createElement('span');
      const code = document.createElement('code');
      code.textContent = String(s.statement);
      item.appendChild(code);
      const attrs = Array.isArray(s.attributes) ? s.attributes : [];
      if (attrs.length > 0) {
        item.appendChild(
          document.createTextNode(
            ' — relies on ' +
              attrs.map((a) => a.attribute + ' (' + (CATEGORY_WORDS[a.category] || a.category) + ')').join(', '),
          ),
        );
      }
      if (satisfied) {
        item.appendChild(document.createTextNode(' — holds'));
      }
      for (const a of attrs) {
        categories.add(a.category);
      }
      li(statements, item);
    }
    if (statements.children.length === 0) {
      li(statements, 'None.');
    }

    const cats = $('verdict-categories');
    cats.replaceChildren();
    for (const c of categories) {
      let words = CATEGORY_WORDS[c] || String(c);
      if (c === 'behavioural') {
        words += ' — behavioural data: check that the purpose needs it';
      }
      li(cats, words);
    }
    if (cats.children.length === 0) {
      li(cats, 'None.');
    }

    const disclosed = $('verdict-disclosed');
    disclosed.replaceChildren();
    const values = satisfied && Array.isArray(verdict.disclosed) ? verdict.disclosed : [];
    for (const d of values) {
      li(disclosed, d.attribute + ' = ' + d.value);
    }
    if (values.length === 0) {
      li(disclosed, 'None: no attribute value was disclosed.');
    }

    let nothingElse;
    if (satisfied) {
      nothingElse =
        'Nothing else was learned: only that each statement above holds' +
        (values.length > 0 ? ', and the values disclosed above' : '') +
        '. No other attribute value, no score and no other data about the subject reached this desk.';
    } else {
      nothingElse =
        'Nothing was learned about the subject: no statement was accepted, no value was disclosed.';
      if (status === 'pending') {
        nothingElse += ' The request is still open: the wallet may answer again.';
      }
    }
    text($('verdict-nothing-else'), nothingElse);
  }

  // The current transaction; a new one ends the polling of the previous.
  let current = null;

  async function poll(tx) {
    let lastVerdict = null;
    while (current === tx) {
      const started = Date.now();
      let state;
      try {
        state = await api(
          'GET',
          'v1/transactions/' + encodeURIComponent(tx.id) + '?wait=' + WAIT_SECONDS,
          undefined,
          tx.abort.signal,
        );
      } catch (err) {
        if (current !== tx || (err && err.name === 'AbortError')) {
          return;
        }
        showError(explain(err));
        if (err instanceof ApiError && err.status !== 429 && err.status < 500) {
          return;
        }
        await sleep(3000);
        continue;
      }
      if (current !== tx || !state) {
        return;
      }
      const status = String(state.status);
      text($('status'), STATUS_WORDS[status] || status);
      $('status').dataset.status = status;
      if (state.verdict) {
        const key = JSON.stringify(state.verdict);
        if (key !== lastVerdict) {
          lastVerdict = key;
          showVerdict(state.verdict, status);
        }
      }
      if (status !== 'pending') {
        $('cancel').disabled = true;
        return;
      }
      // A long poll that came back at once (a rejected attempt keeps the
      // request pending) is not repeated at once.
      const elapsed = Date.now() - started;
      if (elapsed < 1000) {
        await sleep(1000 - elapsed);
      }
    }
  }

  function sleep(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  function resetTransaction() {
    if (current) {
      current.abort.abort();
    }
    current = null;
    $('request-section').hidden = true;
    $('verdict-section').hidden = true;
    $('placeholder').hidden = false;
  }

  async function createRequest(event) {
    event.preventDefault();
    showError('');
    if (!token()) {
      showError('Enter the backend token first.');
      $('token').focus();
      return;
    }
    const body = {
      policy: $('policy').value.trim(),
      purpose: $('purpose').value.trim(),
    };
    const date = $('reference-date').value;
    if (date) {
      body.reference_date = date;
    }
    const button = $('create');
    button.disabled = true;
    try {
      const created = await api('POST', 'v1/transactions', body);
      resetTransaction();
      const tx = { id: created.transaction_id, abort: new AbortController() };
      current = tx;
      const link = $('request-link');
      link.href = created.request_uri;
      text(link, created.request_uri);
      // The service's browser wallet, when it serves one.
      const walletLink = $('wallet-link');
      if (typeof created.wallet_uri === 'string') {
        walletLink.href = created.wallet_uri;
        $('wallet-line').hidden = false;
      } else {
        walletLink.removeAttribute('href');
        $('wallet-line').hidden = true;
      }
      text($('request-purpose'), body.purpose);
      setTime($('request-expires'), created.expires_at);
      text($('status'), STATUS_WORDS.pending);
      $('status').dataset.status = 'pending';
      $('cancel').disabled = false;
      showQr(created.qr_svg);
      $('placeholder').hidden = true;
      $('request-section').hidden = false;
      $('link-heading').focus();
      poll(tx);
    } catch (err) {
      showError(explain(err));
    } finally {
      button.disabled = false;
    }
  }

  async function cancelRequest() {
    const tx = current;
    if (!tx) {
      return;
    }
    showError('');
    try {
      await api('DELETE', 'v1/transactions/' + encodeURIComponent(tx.id));
      if (current === tx) {
        tx.abort.abort();
        current = null;
        text($('status'), STATUS_WORDS.cancelled);
        $('status').dataset.status = 'cancelled';
        $('cancel').disabled = true;
      }
    } catch (err) {
      showError(explain(err));
    }
  }

  function applyPreset() {
    const preset = PRESETS.find((p) => p.id === $('preset').value);
    if (!preset) {
      return;
    }
    if (preset.id === 'custom') {
      $('policy').focus();
      return;
    }
    $('policy').value = preset.policy;
    $('purpose').value = preset.purpose;
  }

  function showTokenState() {
    text($('token-state'), token() ? 'A token is set for this tab.' : 'No token set.');
  }

  function init() {
    const select = $('preset');
    for (const p of PRESETS) {
      const option = document.createElement('option');
      option.value = p.id;
      option.textContent = p.label;
      select.appendChild(option);
    }
    select.addEventListener('change', applyPreset);
    applyPreset();

    $('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const value = $('token').value.trim();
      try {
        sessionStorage.setItem(TOKEN_KEY, value);
      } catch (_) {
        showError('This browser does not allow session storage: the token cannot be kept.');
      }
      $('token').value = '';
      showError('');
      showTokenState();
    });
    $('token-forget').addEventListener('click', () => {
      try {
        sessionStorage.removeItem(TOKEN_KEY);
      } catch (_) {
        // Nothing kept.
      }
      resetTransaction();
      showTokenState();
    });
    $('request-form').addEventListener('submit', createRequest);
    $('cancel').addEventListener('click', cancelRequest);
    $('link-heading').tabIndex = -1;
    showTokenState();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
})();
