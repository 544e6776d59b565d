// The verifier page: inputs (link fragment, text field / keyboard-wedge
// scanner, camera, image), the trust file, and the rendering of a report.
// Every verdict (valid / invalid / unconfirmed, verification.md §2) comes from
// core/verify.js, which gives the same answers as akashi-verify.
import { verifyText, parseTrust, verifyStatusList, CHECK_NAMES, CHECK_LABELS } from './core/verify.js';
import { parseAt } from './core/trust.js';
import { displayRows, displayValue, presentUnits } from './core/kinds.js';
import { reduceDetailed } from './core/disclosure.js';
import { TEXT } from './i18n.js';
import { makeQR, qrSVG } from './qr.js';
import { cameraCapability, closeCamera, openCamera, pickCode, qrSupport } from './camera.js';

export const APP_VERSION = '2.2.1';
const STATUS_REFRESH_TIMEOUT_MS = 6000;
const LANG_KEY = 'akashi.verifier.lang';
const TRUST_KEY = 'akashi.verifier.trust';
const TRUST_URL = 'trust.json';
const STATUS_URL = 'status.cose';

const $ = (id) => document.getElementById(id);

const state = {
  lang: 'ja',
  trust: null,
  trustSource: null, // 'deployed' | 'custom'
  trustName: null,
  trustError: null,
  trustReady: null,
  statusLists: [],
  statusNote: null, // 'statusNone' | 'statusOtherIssuer'
  statusError: null,
  at: null,
  atRaw: null,
  last: null, // {text, source, report, at, ms} or {error}
  sequence: 0,
  camera: null,
  detector: null,
  present: null, // the hide flow: {source (state.last), hide: Set of field ids, result, error}
};

function t(key, ...args) {
  const value = TEXT[state.lang][key] ?? TEXT.ja[key];
  return typeof value === 'function' ? value(...args) : value;
}

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'className') node.className = v;
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}

// MARK: time

function formatTime(date, { seconds = false, zone = true } = {}) {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return '—';
  const options = { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit' };
  if (seconds) options.second = '2-digit';
  try {
    return new Intl.DateTimeFormat(state.lang === 'ja' ? 'ja-JP' : 'en-GB', options).format(date) + (zone ? t('jst') : '');
  } catch {
    return date.toISOString();
  }
}

function formatDay(date) {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return '—';
  return new Intl.DateTimeFormat(state.lang === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'long', day: 'numeric' }).format(date);
}

function claimTime(seconds) {
  const ms = Number(seconds) * 1000;
  return Math.abs(ms) <= 8.64e15 ? new Date(ms) : null;
}

// MARK: static text and language

function applyStaticText() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  const lang = $('lang');
  lang.textContent = t('langButton');
  lang.setAttribute('aria-label', t('langLabel'));
  lang.setAttribute('lang', state.lang === 'ja' ? 'en' : 'ja');
  document.title = `${t('title')} Akashi`;
  $('app-version').textContent = `v${APP_VERSION}`;
}

function setLanguage(lang) {
  state.lang = lang === 'en' ? 'en' : 'ja';
  try {
    localStorage.setItem(LANG_KEY, state.lang);
  } catch {
    // private mode: the choice lasts until the page closes
  }
  applyStaticText();
  renderAtBanner();
  renderTrust();
  renderCapabilityNotes();
  renderEnvironment();
  if (state.last) renderResult();
  if (state.present) renderPresent();
}

// MARK: environment

state.environment = [];

async function checkEnvironment() {
  const problems = [];
  if (!globalThis.crypto || !globalThis.crypto.subtle) {
    problems.push('noCrypto');
  } else {
    try {
      await crypto.subtle.importKey('raw', new Uint8Array(32), { name: 'Ed25519' }, false, ['verify']);
    } catch (error) {
      if (error && error.name === 'NotSupportedError') problems.push('noEd25519');
    }
    // Subject lines (subject-transparency.md §3) are rebuilt with X25519.
    try {
      await crypto.subtle.importKey('raw', Uint8Array.of(9, ...new Uint8Array(31)), { name: 'X25519' }, false, []);
    } catch (error) {
      if (error && error.name === 'NotSupportedError') problems.push('noX25519');
    }
  }
  state.environment = problems;
  renderEnvironment();
}

function renderEnvironment() {
  const box = $('env-warning');
  box.hidden = state.environment.length === 0;
  box.textContent = state.environment.map((key) => t(key)).join(' ');
}

// MARK: verification time override (?at=)

function readAtParameter() {
  const params = new URLSearchParams(location.search);
  const raw = params.get('at');
  if (raw === null || raw === '') return;
  state.atRaw = raw;
  state.at = parseAt(raw);
  if (state.at === null) {
    const fallback = new Date(raw);
    state.at = Number.isNaN(fallback.getTime()) ? null : fallback;
  }
}

function renderAtBanner() {
  const banner = $('at-banner');
  if (state.atRaw === null) {
    banner.hidden = true;
    return;
  }
  banner.hidden = false;
  banner.className = state.at ? 'banner info' : 'banner warn';
  banner.textContent = state.at ? t('atBanner', formatTime(state.at, { seconds: true }), state.atRaw) : t('atInvalid', state.atRaw);
}

// MARK: trust

async function fetchDeployedTrust() {
  const response = await fetch(TRUST_URL, { cache: 'no-cache', credentials: 'same-origin' });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  // As bytes: the strict reader refuses a BOM and malformed UTF-8 (trust-file.md §1).
  return parseTrust(new Uint8Array(await response.arrayBuffer()));
}

// The signed status list (akashi-status/v1) published next to the page, if
// any: {lists, note, error}. `timeout` (ms) bounds the fetch.
async function fetchStatus(timeout = 0, download = null) {
  const fetched = await (download || downloadStatus(timeout));
  const result = { lists: [], note: fetched.note, error: null, bytes: fetched.bytes };
  if (!state.trust || !fetched.bytes) return result;
  try {
    result.lists = [await verifyStatusList(fetched.bytes, state.trust)];
  } catch (error) {
    if (error && (error.code === 'noWebCrypto' || error.code === 'noEd25519')) return result;
    // A list that does not verify against the trust file is refused (as
    // akashi-verify --status, exit 65): an error of the site, not a verdict.
    result.error = error.reason || error.message || String(error);
  }
  return result;
}

// The status list's bytes from the network, not yet verified: {bytes, note}.
// Separate from verifying, so the page downloads it while trust.json loads.
async function downloadStatus(timeout = 0) {
  const result = { note: null, bytes: null };
  let bytes;
  const controller = typeof AbortController !== 'undefined' ? new AbortController() : null;
  const timer = timeout && controller ? setTimeout(() => controller.abort(), timeout) : null;
  try {
    const response = await fetch(STATUS_URL, { cache: 'no-cache', credentials: 'same-origin', signal: controller ? controller.signal : undefined });
    const type = response.headers.get('content-type') || '';
    if (!response.ok || response.status === 204 || type.startsWith('text/html')) {
      result.note = 'statusNone';
      return result;
    }
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch {
    result.note = 'statusNone';
    return result;
  } finally {
    if (timer) clearTimeout(timer);
  }
  result.bytes = bytes;
  return result;
}

function applyStatus(result) {
  state.statusLists = result.lists;
  state.statusNote = result.note;
  state.statusError = result.error;
  state.statusBytes = result.bytes;
}

async function loadStatus(download = null) {
  applyStatus(await fetchStatus(0, download));
}

/**
 * Before the page settles on "unconfirmed": when online, fetch the latest
 * status list (the service worker goes to the network first) and use it if it
 * verifies. Returns true when a different list (or a first one) was obtained.
 */
async function refreshStatus() {
  if (typeof navigator !== 'undefined' && navigator.onLine === false) return false;
  const before = state.statusBytes;
  const result = await fetchStatus(STATUS_REFRESH_TIMEOUT_MS);
  if (result.lists.length === 0) return false; // nothing new that verifies: keep what we have
  const same = before && result.bytes && before.length === result.bytes.length && before.every((b, i) => b === result.bytes[i]);
  applyStatus(result);
  renderTrust();
  return !same;
}

async function loadAll() {
  // Both downloads at once; the list is verified once the trust file is read.
  const download = downloadStatus();
  await loadTrust();
  await loadStatus(download);
  renderTrust();
}

function storedTrust() {
  try {
    const raw = localStorage.getItem(TRUST_KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}

async function loadTrust() {
  state.trustError = null;
  renderTrust(true);
  const stored = storedTrust();
  if (stored && typeof stored.text === 'string') {
    try {
      state.trust = await parseTrust(stored.text);
      state.trustSource = 'custom';
      state.trustName = stored.name || 'trust.json';
      renderTrust();
      return;
    } catch (error) {
      state.trustError = t('trustInvalid', error.reason || error.message);
    }
  }
  try {
    state.trust = await fetchDeployedTrust();
    state.trustSource = 'deployed';
    state.trustName = 'trust.json';
  } catch (error) {
    state.trust = null;
    state.trustSource = null;
    state.trustError = t('trustFetchFailed', error.reason || error.message || String(error));
  }
  renderTrust();
}

function renderTrust(loading = false) {
  const source = $('trust-source');
  const list = $('trust-authorities');
  const error = $('trust-error');
  list.replaceChildren();
  error.hidden = !state.trustError;
  error.textContent = state.trustError || '';
  $('trust-revert').hidden = state.trustSource !== 'custom';
  if (loading && !state.trust) {
    source.textContent = t('trustLoading');
    return;
  }
  if (!state.trust) {
    source.textContent = t('noTrust');
    return;
  }
  const date = formatDay(state.trust.generatedAtDate);
  source.textContent = state.trustSource === 'custom' ? t('trustCustom', state.trustName, date) : t('trustDeployed', date);
  const status = $('status-source');
  status.className = state.statusError ? 'status-source banner warn' : 'status-source';
  if (state.statusError) status.textContent = t('statusBroken', state.statusError);
  else if (state.statusLists.length > 0) {
    const list = state.statusLists[0];
    status.textContent = t('statusInUse', formatDay(new Date(list.issuedAt * 1000)), list.list.entries.size);
  } else status.textContent = t(state.statusNote || 'statusNone');
  for (const a of state.trust.authorities) {
    const kinds = a.kinds.map((k) => k.label[state.lang]).join(state.lang === 'ja' ? '、' : ', ');
    list.append(el('li', {},
      el('strong', { text: `${a.name}` }), el('span', { className: 'code', text: ` (${a.issuer})` }),
      el('span', { className: 'detail', text: `${t('authorityKinds')}: ${kinds}` }),
      el('span', { className: 'detail', text: `${t('authorityKeys', a.keys.length)} · ${t('authorityLog')}: ${a.log.origin}` })));
  }
}

async function loadTrustFile(file) {
  let text;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const trust = await parseTrust(bytes);
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    state.trust = trust;
    state.trustSource = 'custom';
    state.trustName = file.name;
    state.trustError = null;
    try {
      localStorage.setItem(TRUST_KEY, JSON.stringify({ name: file.name, text, loadedAt: new Date().toISOString() }));
    } catch {
      state.trustError = t('trustStoreFailed');
    }
    state.trustReady = loadStatus();
    await state.trustReady;
    renderTrust();
    announce(t('trustLoaded', file.name));
    reverifyLast();
  } catch (error) {
    state.trustError = t('trustInvalid', error.reason || error.message || String(error));
    renderTrust();
  }
}

async function revertTrust() {
  try {
    localStorage.removeItem(TRUST_KEY);
  } catch {
    // nothing stored
  }
  state.trust = null;
  state.trustSource = null;
  state.trustReady = loadAll();
  await state.trustReady;
  reverifyLast();
}

function reverifyLast() {
  if (state.last && state.last.text !== undefined) verifyInput(state.last.text, state.last.source, { focus: false });
}

function announce(message) {
  $('announce').textContent = message;
}

// MARK: verification

async function verifyInput(text, source, { focus = true } = {}) {
  const started = performance.now();
  const sequence = ++state.sequence;
  window.akashiVerifier.lastReport = null;
  await state.envReady;
  await state.trustReady;
  if (sequence !== state.sequence) return;
  const at = state.at || new Date();
  // Without X25519 only certificates with subject keys cannot be verified: verifyText says so (noX25519).
  const broken = state.environment.find((key) => key === 'noCrypto' || key === 'noEd25519');
  if (broken) {
    state.last = { text, source, error: broken, at };
    finish(started, focus, source);
    return;
  }
  if (!state.trust) {
    state.last = { text, source, error: 'noTrust', at };
    finish(started, focus, source);
    return;
  }
  if (state.statusError) {
    state.last = { text, source, error: 'statusRefused', detail: state.statusError, at };
    finish(started, focus, source);
    return;
  }
  let report;
  let fetchMs = 0; // time spent fetching the latest status list, not verifying
  try {
    report = await verifyText(text, state.trust, { at, statusLists: state.statusLists });
    // Unconfirmed: the revocation status could not be confirmed. When online,
    // fetch the latest status list first and verify again with it.
    if (report.verdict === 'unconfirmed') {
      state.checkingStatus = true;
      announce(t('statusRefreshing'));
      let refreshed = false;
      const fetchStarted = performance.now();
      try {
        refreshed = await refreshStatus();
      } finally {
        state.checkingStatus = false;
        fetchMs = performance.now() - fetchStarted;
      }
      if (sequence !== state.sequence) return;
      if (refreshed) report = await verifyText(text, state.trust, { at, statusLists: state.statusLists });
      report.details.statusRefreshTried = true;
    }
  } catch (error) {
    if (sequence !== state.sequence) return;
    const known = { noEd25519: 'noEd25519', noWebCrypto: 'noCrypto', noX25519: 'noX25519' };
    state.last = { text, source, error: known[error.code] || 'internal', detail: String(error && error.message), at };
    finish(started, focus, source);
    return;
  }
  if (sequence !== state.sequence) return;
  state.last = { text, source, report, at, fetchMs };
  window.akashiVerifier.lastReport = report;
  closePresent();
  finish(started, focus, source);
}

function finish(started, focus, source) {
  renderResult();
  // data-ms is the verification alone (a status list fetch is not counted).
  const ms = performance.now() - started - (state.last.fetchMs || 0);
  state.last.ms = ms;
  const verdict = $('verdict');
  verdict.dataset.ms = ms.toFixed(1);
  $('verdict-elapsed').textContent = t('elapsed', ms < 10 ? ms.toFixed(1) : Math.round(ms));
  if (focus && source !== 'text') verdict.focus({ preventScroll: false });
  if (source === 'text') {
    const input = $('qr-text');
    input.select();
  }
  // Scroll only when the verdict is not already in view (keep the header and any banner visible).
  const box = verdict.getBoundingClientRect();
  const inView = box.top >= 0 && box.top < window.innerHeight * 0.6;
  if (!inView && (source !== 'text' || window.innerWidth < 700)) verdict.scrollIntoView({ block: 'start', behavior: 'smooth' });
}

function renderResult() {
  const last = state.last;
  const verdict = $('verdict');
  const reasons = $('verdict-reasons');
  reasons.replaceChildren();
  verdict.hidden = false;
  const time = $('verdict-time');
  time.replaceChildren();
  const elapsed = el('span', { id: 'verdict-elapsed', className: 'elapsed', text: last.ms !== undefined ? t('elapsed', last.ms < 10 ? last.ms.toFixed(1) : Math.round(last.ms)) : '' });

  if (last.error) {
    verdict.dataset.verdict = 'error';
    verdict.setAttribute('role', 'alert');
    verdict.querySelector('.verdict-icon').textContent = '!';
    $('verdict-title').textContent = t('error');
    $('verdict-advice').textContent = last.error === 'internal' ? last.detail : last.error === 'statusRefused' ? t('statusRefused', last.detail) : t(last.error);
    elapsed.textContent = elapsed.textContent.replace(/^ · /, '');
    time.append(elapsed);
    $('certificate').hidden = true;
    $('checks-card').hidden = true;
    return;
  }

  const report = last.report;
  const verdictName = report.verdict;
  const valid = verdictName === 'valid';
  const unconfirmed = verdictName === 'unconfirmed';
  verdict.dataset.verdict = verdictName;
  // An invalid certificate is announced as an alert; the other verdicts as a status.
  verdict.setAttribute('role', verdictName === 'invalid' ? 'alert' : 'status');
  verdict.querySelector('.verdict-icon').textContent = valid ? '✔' : unconfirmed ? '?' : '✘';
  $('verdict-title').textContent = valid ? t('valid') : unconfirmed ? t('unconfirmed') : t('invalid');
  const asOf = report.details.statusAsOf ? formatDay(report.details.statusAsOf) : null;
  const statusCheck = report.checks.find((c) => c.name === 'status');
  if (valid) {
    $('verdict-advice').textContent = t('validAdvice') + (asOf ? t('validAdviceStatus', asOf) : '');
  } else if (unconfirmed) {
    const offline = typeof navigator !== 'undefined' && navigator.onLine === false;
    $('verdict-advice').textContent = t('unconfirmedAdvice') + ' ' + t(offline ? 'unconfirmedOffline' : 'unconfirmedOnline');
  } else {
    $('verdict-advice').textContent = t('invalidAdvice');
  }
  for (const reason of report.reasons) {
    // For an unconfirmed certificate the one reason is why the status is unknown.
    const item = el('li', { 'data-code': reason.code, 'data-check': reason.check }, el('strong', { text: CHECK_LABELS[reason.check][state.lang] }), ': ', reason.message[state.lang]);
    reasons.append(item);
  }
  if (unconfirmed && statusCheck && statusCheck.code) reasons.dataset.kind = 'unconfirmed';
  else delete reasons.dataset.kind;
  const when = formatTime(last.at, { seconds: true });
  time.append(state.at ? t('verifiedAtOverride', when) : t('verifiedAt', when), elapsed);
  renderCertificate(report);
  renderChecks(report);
}

function renderCertificate(report) {
  const card = $('certificate');
  const d = report.details;
  if (!d.claims) {
    card.hidden = true;
    return;
  }
  card.hidden = false;
  const verdictName = report.verdict;
  card.classList.toggle('is-untrusted', verdictName === 'invalid');
  card.classList.toggle('is-unconfirmed', verdictName === 'unconfirmed');
  const note = $('cert-untrusted');
  note.hidden = verdictName === 'valid';
  note.className = verdictName === 'unconfirmed' ? 'untrusted unconfirmed' : 'untrusted';
  note.textContent = verdictName === 'unconfirmed' ? t('unconfirmedContents') : t('untrusted');
  const kind = d.kind;
  $('cert-title').textContent = kind ? kind.label[state.lang] : d.claims.kind;

  const meta = $('cert-meta');
  meta.replaceChildren();
  const row = (label, value, className) => {
    meta.append(el('div', { className: className || 'item' }, el('dt', { text: label }), el('dd', { text: value })));
  };
  row(t('issuer'), d.authority ? (state.lang === 'ja' ? `${d.authority.name}（${d.claims.issuer}）` : `${d.authority.name} (${d.claims.issuer})`) : d.claims.issuer);
  const issued = claimTime(d.claims.issuedAt);
  row(t('issuedAt'), issued ? formatTime(issued) : report.issuedAt);
  if (d.claims.expiresAt === null) row(t('expiresAt'), t('noExpiry'));
  else {
    const expires = claimTime(d.claims.expiresAt);
    row(t('expiresAt'), expires ? formatTime(expires) : report.expiresAt);
  }
  row(t('serial'), report.serial, 'item serial');
  if (report.log) row(t('logPosition'), t('logValue', report.log.index, report.log.treeSize, report.log.origin), 'item log');

  const fields = $('cert-fields');
  fields.replaceChildren();
  for (const row of certificateRows(d)) fields.append(row);
  const withheldNote = $('cert-withheld-note');
  const withheldCount = d.withheld ? d.withheld.length : 0;
  withheldNote.hidden = withheldCount === 0;
  withheldNote.textContent = withheldCount ? t('withheldNote', withheldCount) : '';
  const statement = $('cert-statement');
  const genuine = verdictName !== 'invalid';
  statement.hidden = !(genuine && kind && kind.statement);
  statement.textContent = genuine && kind && kind.statement ? kind.statement[state.lang] : '';
  $('present-entry').hidden = !canPresent(report);
}

/**
 * The field rows of a report (selective-disclosure.md §6): the kind's order;
 * a field withheld by the holder by its label with 「本人の意思で非開示」,
 * marked and styled apart; a field not issued has no row.
 */
function certificateRows(d) {
  const withheld = d.withheld || [];
  return displayRows(d.kind, d.fields || d.claims.fields, withheld).map((row) => {
    const label = row.field ? row.field.label[state.lang] : row.id;
    if (row.withheld) {
      return el('div', { className: 'item withheld', 'data-field': row.id, 'data-withheld': 'true' },
        el('dt', { text: label }),
        el('dd', { text: t('withheld') }));
    }
    return el('div', { className: 'item', 'data-field': row.id }, el('dt', { text: label }), el('dd', { text: displayValue(row.value, row.field, state.lang) }));
  });
}

// MARK: the holder's reduced copy (selective-disclosure.md §4): offline, on this device

/** Whether a report's certificate can be shown with fields hidden: genuine, with shown withholdable fields. */
function canPresent(report) {
  const d = report.details;
  if (report.verdict === 'invalid' || !d.kind || !d.disclosures || !d.withheld) return false;
  return d.disclosures.entries.some((e) => e.shown);
}

/** The shown withholdable fields of the verified certificate, by unit: [{fields: [field], ids}]. */
function presentableUnits(d) {
  const units = presentUnits(d.kind, d.claims.presentMask);
  return units
    .map((unit, i) => ({ unit, entry: d.disclosures.entries[i] }))
    .filter(({ entry }) => entry && entry.shown)
    .map(({ unit }) => ({ fields: unit.present, ids: unit.present.map((f) => f.id), group: unit.group }));
}

const joinLabels = (labels) => labels.map((l) => (state.lang === 'ja' ? `「${l}」` : l)).join(state.lang === 'ja' ? '' : ', ');

function openPresent() {
  const last = state.last;
  if (!last || !last.report || !canPresent(last.report)) return;
  state.present = { source: last, hide: new Set(), result: null, error: null };
  renderPresent();
  const panel = $('present');
  panel.hidden = false;
  $('present-open').setAttribute('aria-expanded', 'true');
  panel.scrollIntoView({ block: 'start', behavior: 'smooth' });
  const first = panel.querySelector('input[type=checkbox]');
  if (first) first.focus({ preventScroll: true });
}

function closePresent() {
  state.present = null;
  $('present').hidden = true;
  $('present-result').hidden = true;
  $('present-open').setAttribute('aria-expanded', 'false');
  $('print-copy').replaceChildren();
}

function renderPresent() {
  const p = state.present;
  if (!p) return;
  const d = p.source.report.details;
  const options = $('present-options');
  options.replaceChildren();
  const units = presentableUnits(d);
  for (const unit of units) {
    const box = el('div', { className: unit.ids.length > 1 ? 'choice-group' : 'choice-single', 'data-unit': unit.ids.join(' ') });
    for (const field of unit.fields) {
      const id = `hide-${field.id}`;
      const input = el('input', { type: 'checkbox', id, name: 'hide', value: field.id, 'data-unit': unit.ids.join(' ') });
      input.checked = p.hide.has(field.id);
      input.addEventListener('change', () => {
        // A field of a withhold group withholds its whole unit: tick them together.
        for (const other of unit.ids) {
          if (input.checked) p.hide.add(other);
          else p.hide.delete(other);
        }
        for (const cb of box.querySelectorAll('input[type=checkbox]')) cb.checked = input.checked;
        $('present-error').hidden = true;
      });
      const value = d.fields.get(field.id);
      box.append(el('label', { className: 'choice', for: id }, input,
        el('span', { className: 'choice-label', text: field.label[state.lang] }),
        el('span', { className: 'choice-value', text: value ? displayValue(value, field, state.lang) : '' })));
    }
    if (unit.ids.length > 1) box.append(el('p', { className: 'help group-note', text: t('presentGroup', joinLabels(unit.fields.map((f) => f.label[state.lang]))) }));
    options.append(box);
  }
  if (units.length === 0) options.append(el('p', { className: 'help', text: t('presentNothing') }));
  const fixed = d.kind.fields.filter((f) => !f.withholdable && d.fields.has(f.id)).map((f) => f.label[state.lang]);
  $('present-fixed').textContent = fixed.length ? t('presentFixed', state.lang === 'ja' ? fixed.join('、') : fixed.join(', ')) : '';
  renderPresentStatus();
}

/** The error and the result, without rebuilding the checkboxes (focus and choices stay). */
function renderPresentStatus() {
  const p = state.present;
  const error = $('present-error');
  error.hidden = !p.error;
  error.textContent = p.error || '';
  renderPresentResult();
}

/** The QR text to reduce: the issuer's form, `verifierURL#AK2.…` when the authority has one (not the page's own URL with ?lang or ?at). */
function presentationSource(last) {
  const d = last.report.details;
  const text = typeof last.text === 'string' ? last.text : new TextDecoder().decode(last.text);
  const at = text.indexOf('AK2.');
  const payload = text.slice(at).replace(/[ \t\r\n]+$/, '');
  const hadURL = text.slice(0, at).includes('#');
  if (hadURL && d.authority && d.authority.verifierURL) return `${d.authority.verifierURL}#${payload}`;
  return text;
}

async function makePresentation(event) {
  event.preventDefault();
  const p = state.present;
  if (!p) return;
  if (p.hide.size === 0) {
    p.error = t('presentNoneChosen');
    renderPresentStatus();
    return;
  }
  const last = p.source;
  try {
    const source = presentationSource(last);
    const reduced = await reduceDetailed(source, [...p.hide]);
    const report = await verifyText(reduced.text, state.trust, { at: last.at, statusLists: state.statusLists });
    const qr = makeQR(reduced.text);
    p.result = { text: reduced.text, report, qr, before: source.length };
    p.error = null;
  } catch (error) {
    p.result = null;
    p.error = t('presentFailed', error.reason || error.message || String(error));
  }
  if (state.present !== p) return;
  renderPresentStatus();
  if (p.result) {
    $('present-result-title').focus({ preventScroll: true });
    $('present-result').scrollIntoView({ block: 'start', behavior: 'smooth' });
  }
}

function renderPresentResult() {
  const p = state.present;
  const box = $('present-result');
  if (!p || !p.result) {
    box.hidden = true;
    $('print-copy').replaceChildren();
    return;
  }
  box.hidden = false;
  const { report, qr, text } = p.result;
  const d = report.details;
  const labels = (d.withheld || []).map((id) => d.kind.fields.find((f) => f.id === id).label[state.lang]);
  const verdict = $('present-verdict');
  verdict.dataset.verdict = report.verdict;
  verdict.dataset.withheld = (d.withheld || []).join(' ');
  const list = state.lang === 'ja' ? labels.join('、') : labels.join(', ');
  verdict.textContent = report.verdict === 'valid' ? t('presentVerdictValid', list)
    : report.verdict === 'unconfirmed' ? t('presentVerdictUnconfirmed', list) : t('presentVerdictInvalid');
  const holder = $('present-qr');
  holder.replaceChildren(qrSVG(qr, { title: t('presentQRAlt') }));
  holder.dataset.version = qr.version;
  holder.dataset.text = text;
  $('present-qr-info').textContent = t('presentQRInfo', qr.version, text.length, p.result.before);
  const link = $('present-link');
  link.href = `${location.origin}${location.pathname}${location.search}#${text.slice(text.indexOf('AK2.'))}`;
  renderPrintCopy(report, qr);
}

/**
 * The A4 copy (print CSS: only this when printing the reduced copy): exactly
 * what a verifier is shown for the reduced QR — the kind, issuer, dates,
 * serial, the fields in kind order with the withheld ones as
 * 「本人の意思で非開示」, the statement — and the QR code.
 */
function renderPrintCopy(report, qr) {
  const d = report.details;
  const copy = $('print-copy');
  copy.replaceChildren();
  if (report.verdict === 'invalid') return;
  const meta = el('dl', { className: 'meta' });
  const row = (label, value) => meta.append(el('div', { className: 'item' }, el('dt', { text: label }), el('dd', { text: value })));
  row(t('issuer'), state.lang === 'ja' ? `${d.authority.name}（${d.claims.issuer}）` : `${d.authority.name} (${d.claims.issuer})`);
  row(t('issuedAt'), formatTime(claimTime(d.claims.issuedAt)));
  row(t('expiresAt'), d.claims.expiresAt === null ? t('noExpiry') : formatTime(claimTime(d.claims.expiresAt)));
  row(t('serial'), report.serial);
  if (report.log) row(t('logPosition'), t('logValue', report.log.index, report.log.treeSize, report.log.origin));
  const fields = el('dl', { className: 'fields' });
  for (const r of certificateRows(d)) fields.append(r);
  copy.append(
    el('h1', { className: 'print-title', text: d.kind.label[state.lang] }),
    meta,
    fields,
    d.kind.statement ? el('p', { className: 'statement', text: d.kind.statement[state.lang] }) : null,
    el('div', { className: 'print-qr' }, qrSVG(qr, { title: t('presentQRAlt') })));
}

function printPresentation() {
  if (!state.present || !state.present.result) return;
  document.body.classList.add('print-present');
  const done = () => {
    document.body.classList.remove('print-present');
    window.removeEventListener('afterprint', done);
  };
  window.addEventListener('afterprint', done);
  window.print();
  // Browsers without afterprint (or a print dialog that returns at once): undo on the next turn.
  setTimeout(() => { if (!window.matchMedia('print').matches) done(); }, 1000);
}

function renderChecks(report) {
  const list = $('checks');
  list.replaceChildren();
  $('checks-card').hidden = false;
  const d = report.details;
  const context = {
    issuerName: d.authority ? d.authority.name : report.issuer,
    kindLabel: d.kind ? d.kind.label[state.lang] : report.kind,
    index: report.log ? report.log.index : '',
    asOf: d.statusAsOf ? formatDay(d.statusAsOf) : '',
    withheldCount: d.withheld ? d.withheld.length : 0,
    hasDisclosures: Boolean(d.disclosures),
  };
  for (const name of CHECK_NAMES) {
    const check = report.checks.find((c) => c.name === name);
    let mark = '–';
    let status = 'notRun';
    let detail = t('notRun');
    if (check && check.status === 'passed') {
      mark = '✔';
      status = 'passed';
      const describe = TEXT[state.lang].passedDetail[name];
      detail = typeof describe === 'function' ? describe(context) : describe || t('passed');
    } else if (check && check.status === 'failed') {
      mark = '✘';
      status = 'failed';
      detail = check.message[state.lang];
    } else if (check) {
      status = 'skipped';
      if (check.code) {
        mark = '?';
        status = 'unconfirmed';
        detail = check.message[state.lang];
      } else {
        detail = name === 'status' ? t('statusSkipped') : t('skipped');
      }
    }
    const markLabel = status === 'passed' ? t('markPassed') : status === 'failed' ? t('markFailed') : status === 'unconfirmed' ? t('markUnconfirmed') : t('markSkipped');
    const attributes = { className: `check ${status}`, 'data-check': name, 'data-status': check ? check.status : 'notRun' };
    if (check && check.code) attributes['data-code'] = check.code;
    list.append(el('li', attributes,
      el('span', { className: 'mark', 'aria-hidden': 'true', text: mark }),
      el('span', { className: 'visually-hidden', text: `${markLabel}: ` }),
      el('span', { className: 'label', text: CHECK_LABELS[name][state.lang] }),
      el('span', { className: 'detail', text: detail })));
  }
}

// MARK: inputs

// Opened through a QR code's link: the verifier parses the page's URL as the
// browser reports it (qr-text.md §1: everything up to the first '#' is ignored).
function fragmentText() {
  return /^#AK[0-9]/i.test(location.hash) ? location.href : null;
}

function onSubmit(event) {
  event.preventDefault();
  const input = $('qr-text');
  const text = input.value;
  // Empty means nothing but the bytes qr-text.md §1 trims (SP, HT, CR, LF), not
  // JS's trim(): a field holding only U+3000 is a text, and undecodable.
  if (/^[ \t\r\n]*$/.test(text)) {
    input.setAttribute('aria-invalid', 'true');
    $('qr-text-help').textContent = t('emptyInput');
    input.focus();
    return;
  }
  input.removeAttribute('aria-invalid');
  $('qr-text-help').textContent = t('textHelp');
  // The text is verified exactly as entered (qr-text.md §1): full-width forms
  // typed through an IME are not the QR's text and are undecodable.
  verifyInput(text, 'text');
}

state.capabilities = { camera: null, image: null };

async function detectCapabilities() {
  const qr = await qrSupport();
  state.capabilities.image = qr ? 'ok' : 'imageUnsupported';
  state.capabilities.camera = cameraCapability(qr);
  if (qr) state.detector = new window.BarcodeDetector({ formats: ['qr_code'] });
  renderCapabilityNotes();
}

function renderCapabilityNotes() {
  const { camera, image } = state.capabilities;
  const cameraNote = $('camera-note');
  const cameraButton = $('camera-start');
  if (camera && camera !== 'ok') {
    cameraNote.hidden = false;
    cameraNote.textContent = t(camera);
    cameraButton.disabled = true;
    cameraButton.setAttribute('aria-describedby', 'camera-note');
  } else if (camera === 'ok') {
    if (!cameraNote.dataset.message) cameraNote.hidden = true;
    cameraButton.disabled = false;
  }
  if (cameraNote.dataset.message) {
    cameraNote.hidden = false;
    cameraNote.textContent = t(cameraNote.dataset.message);
  }
  const imageNote = $('image-note');
  const imageInput = $('image-file');
  if (image && image !== 'ok') {
    imageNote.hidden = false;
    imageNote.textContent = t(image);
    imageInput.disabled = true;
    imageInput.closest('.way').classList.add('unavailable');
    imageInput.setAttribute('aria-describedby', 'image-note');
  } else if (imageNote.dataset.message) {
    imageNote.hidden = false;
    imageNote.textContent = t(imageNote.dataset.message);
  } else {
    imageNote.hidden = true;
  }
}

/** The verifier reads a certificate QR: the code holding `AK2.`, if several. */
const pickCertificate = (codes) => pickCode(codes, (v) => v.includes('AK2.'));

async function startCamera() {
  if (state.capabilities.camera !== 'ok' || state.camera) return;
  const note = $('camera-note');
  delete note.dataset.message;
  const video = $('camera-video');
  const session = await openCamera(video, state.detector, pickCertificate, (text) => {
    stopCamera();
    verifyInput(text, 'camera');
  });
  if (!session) {
    note.dataset.message = 'cameraDenied';
    renderCapabilityNotes();
    return;
  }
  state.camera = session;
  $('camera-box').hidden = false;
  $('camera-status').textContent = t('cameraLooking');
  renderCapabilityNotes();
  $('camera-stop').focus({ preventScroll: true });
  $('camera-box').scrollIntoView({ block: 'center', behavior: 'smooth' });
  session.start();
}

function stopCamera() {
  if (!state.camera) return;
  closeCamera(state.camera, $('camera-video'));
  $('camera-box').hidden = true;
  state.camera = null;
}

async function onImage(event) {
  const input = event.target;
  const file = input.files && input.files[0];
  input.value = '';
  if (!file) return;
  const note = $('image-note');
  delete note.dataset.message;
  if (state.capabilities.image !== 'ok') {
    renderCapabilityNotes();
    return;
  }
  let text = null;
  try {
    const bitmap = await createImageBitmap(file);
    text = pickCertificate(await state.detector.detect(bitmap));
    bitmap.close();
  } catch {
    text = null;
  }
  if (!text) {
    note.dataset.message = 'imageNoQR';
    renderCapabilityNotes();
    return;
  }
  renderCapabilityNotes();
  verifyInput(text, 'image');
}

// MARK: start

function start() {
  let lang = null;
  const param = new URLSearchParams(location.search).get('lang');
  if (param === 'en' || param === 'ja') lang = param;
  if (!lang) {
    try {
      lang = localStorage.getItem(LANG_KEY);
    } catch {
      lang = null;
    }
  }
  state.lang = lang === 'en' ? 'en' : 'ja';
  window.akashiVerifier = { version: APP_VERSION, verifyText, lastReport: null };
  applyStaticText();
  readAtParameter();
  renderAtBanner();
  state.envReady = checkEnvironment();
  state.trustReady = loadAll();
  detectCapabilities();

  $('lang').addEventListener('click', () => setLanguage(state.lang === 'ja' ? 'en' : 'ja'));
  $('text-form').addEventListener('submit', onSubmit);
  $('camera-start').addEventListener('click', startCamera);
  $('camera-stop').addEventListener('click', () => {
    stopCamera();
    $('camera-start').focus();
  });
  $('image-file').addEventListener('change', onImage);
  $('trust-file').addEventListener('change', (event) => {
    const file = event.target.files && event.target.files[0];
    event.target.value = '';
    if (file) loadTrustFile(file);
  });
  $('trust-revert').addEventListener('click', revertTrust);
  $('present-open').addEventListener('click', openPresent);
  $('present-close').addEventListener('click', () => {
    closePresent();
    $('present-open').focus();
  });
  $('present-form').addEventListener('submit', makePresentation);
  $('present-print').addEventListener('click', printPresentation);
  window.addEventListener('hashchange', () => {
    const text = fragmentText();
    if (text) verifyInput(text, 'link');
  });
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) stopCamera();
  });

  const text = fragmentText();
  if (text) verifyInput(text, 'link');
  else if (window.matchMedia && window.matchMedia('(pointer: fine)').matches) $('qr-text').focus();

  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('sw.js').catch(() => {
      // offline use is a bonus; the page works without it
    });
  }
}

start();
