// The resident's page 「わたしの証明書の記録」 (record.html): load the secret
// (text, a file, or its QR by camera / image), the log's tile source and the
// trust file, then the scan of docs/spec/subject-transparency.md §5
// (core/scan.js): the checkpoint verified with the trust file, every entry
// downloaded and hashed into the root the witnesses cosigned, every subject
// line tested with the secret — X25519 in a small pool of workers
// (x25519-worker.js) when the browser has module workers, else here.
// Only GET requests for the checkpoint and the entry bundles leave the page;
// the secret is never stored or sent.
import { parseTrust } from './core/trust.js';
import { ScanError, scanLog } from './core/scan.js';
import { SubjectError, keyText, parseKeyText, parseSecretText, publicKeyOf } from './core/subject.js';
import { RECORD_TEXT } from './record-i18n.js';
import { cameraCapability, closeCamera, openCamera, pickCode, qrSupport } from './camera.js';

export const APP_VERSION = '2.2.1';
const LANG_KEY = 'akashi.verifier.lang'; // shared with the verifier page
const TRUST_URL = 'trust.json';

const $ = (id) => document.getElementById(id);

const state = {
  lang: 'ja',
  secret: null, // Uint8Array(32)
  publicKey: null, // AKP1.… text
  secretProblem: null,
  trust: null,
  trustSource: null, // 'deployed' | 'custom'
  trustName: null,
  trustError: null,
  trustReady: null,
  environment: [],
  capabilities: { camera: null, image: null },
  detector: null,
  camera: null,
  scan: null, // {controller, started}
  progress: null,
  result: null,
  error: null, // {code, reason, ja}
  workers: null, // requested pool size from ?workers= (null: automatic)
};

function t(key, ...args) {
  const value = RECORD_TEXT[state.lang][key] ?? RECORD_TEXT.ja[key];
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

/** An issue time in Japan time (the summary says so once). */
function formatTime(seconds) {
  const date = new Date(Number(seconds) * 1000);
  if (Number.isNaN(date.getTime())) return String(seconds);
  const options = { timeZone: 'Asia/Tokyo', year: 'numeric', month: state.lang === 'ja' ? 'long' : 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(state.lang === 'ja' ? 'ja-JP' : 'en-GB', options).format(date);
}

function formatDay(date) {
  return new Intl.DateTimeFormat(state.lang === 'ja' ? 'ja-JP' : 'en-GB', { timeZone: 'Asia/Tokyo', year: 'numeric', month: 'long', day: 'numeric' }).format(date);
}

// MARK: language

function applyStaticText() {
  document.documentElement.lang = state.lang;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  const lang = $('lang');
  lang.textContent = t('langButton');
  lang.setAttribute('aria-label', t('langLabel'));
  lang.setAttribute('lang', state.lang === 'ja' ? 'en' : 'ja');
  document.title = `${t('title')} Akashi`;
  $('app-version').textContent = `v${APP_VERSION}`;
  const show = $('secret-show');
  show.querySelector('span').textContent = $('secret-text').type === 'password' ? t('keyShow') : t('keyHide');
}

function setLanguage(lang) {
  state.lang = lang === 'en' ? 'en' : 'ja';
  try {
    localStorage.setItem(LANG_KEY, state.lang);
  } catch {
    // private mode
  }
  applyStaticText();
  renderEnvironment();
  renderSecret();
  renderTrust();
  renderCapabilityNotes();
  renderProgress();
  renderResult();
}

// MARK: environment

async function checkEnvironment() {
  const problems = [];
  if (!globalThis.crypto || !globalThis.crypto.subtle) {
    problems.push('noCrypto');
  } else {
    for (const [name, key, usages, code] of [
      ['Ed25519', new Uint8Array(32), ['verify'], 'noEd25519'],
      ['X25519', Uint8Array.of(9, ...new Uint8Array(31)), [], 'noX25519'],
    ]) {
      try {
        await crypto.subtle.importKey('raw', key, { name }, false, usages);
      } catch (error) {
        if (error && error.name === 'NotSupportedError') problems.push(code);
      }
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

// MARK: the secret

async function setSecretText(text, { fromField = false } = {}) {
  const trimmed = String(text || '').trim();
  if (!fromField) $('secret-text').value = trimmed;
  state.secret = null;
  state.publicKey = null;
  state.secretProblem = null;
  if (trimmed === '') {
    renderSecret();
    return false;
  }
  try {
    const secret = parseSecretText(trimmed);
    const publicKey = await publicKeyOf(secret);
    if ($('secret-text').value.trim() !== trimmed) return false; // changed meanwhile
    state.secret = secret;
    state.publicKey = keyText(publicKey);
  } catch (error) {
    if (!(error instanceof SubjectError) && error.code !== 'noX25519') throw error;
    let isKeyText = false;
    try {
      parseKeyText(trimmed);
      isKeyText = true;
    } catch {
      // not a key text either
    }
    state.secretProblem = error.code === 'noX25519' ? 'noX25519' : isKeyText ? 'keyPublicText' : 'keyInvalid';
  }
  renderSecret();
  return state.secret !== null;
}

function renderSecret() {
  const status = $('secret-status');
  const input = $('secret-text');
  const details = $('public-key');
  if (state.secret) {
    status.textContent = t('keyLoaded', state.publicKey.slice(0, 17));
    status.dataset.state = 'ok';
    input.removeAttribute('aria-invalid');
    details.hidden = false;
    $('public-key-text').textContent = state.publicKey;
  } else if (state.secretProblem) {
    status.textContent = t(state.secretProblem);
    status.dataset.state = 'bad';
    input.setAttribute('aria-invalid', 'true');
    details.hidden = true;
  } else {
    status.textContent = '';
    delete status.dataset.state;
    input.removeAttribute('aria-invalid');
    details.hidden = true;
  }
}

function toggleSecretVisible() {
  const input = $('secret-text');
  const visible = input.type === 'password';
  input.type = visible ? 'text' : 'password';
  $('secret-show').setAttribute('aria-pressed', String(visible));
  $('secret-show').querySelector('span').textContent = visible ? t('keyHide') : t('keyShow');
}

// QR codes: the platform's BarcodeDetector (as on the verifier page).
/** The resident's page reads a secret QR: the code holding `AKS1.`, if several. */
const pickSecret = (codes) => pickCode(codes, (v) => v.trim().startsWith('AKS1.'));

async function detectCapabilities() {
  const qr = await qrSupport();
  state.capabilities.image = qr ? 'ok' : 'fileNoQR';
  state.capabilities.camera = cameraCapability(qr);
  if (qr) state.detector = new window.BarcodeDetector({ formats: ['qr_code'] });
  renderCapabilityNotes();
}

function renderCapabilityNotes() {
  const note = $('camera-note');
  const button = $('camera-start');
  const camera = state.capabilities.camera;
  const message = note.dataset.message || (camera && camera !== 'ok' ? camera : null);
  note.hidden = !message;
  note.textContent = message ? t(message) : '';
  button.disabled = camera !== 'ok';
  if (camera && camera !== 'ok') button.setAttribute('aria-describedby', 'camera-note');
  const fileNote = $('file-note');
  fileNote.hidden = !fileNote.dataset.message;
  fileNote.textContent = fileNote.dataset.message ? t(fileNote.dataset.message) : '';
}

async function startCamera() {
  if (state.capabilities.camera !== 'ok' || state.camera) return;
  const note = $('camera-note');
  delete note.dataset.message;
  const video = $('camera-video');
  const accept = (codes) => {
    const text = pickSecret(codes);
    return text && text.trim().startsWith('AKS1.') ? text : null;
  };
  const session = await openCamera(video, state.detector, accept, async (text) => {
    stopCamera();
    await setSecretText(text);
    $('secret-status').focus?.();
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
  session.start();
}

function stopCamera() {
  if (!state.camera) return;
  closeCamera(state.camera, $('camera-video'));
  $('camera-box').hidden = true;
  state.camera = null;
}

async function onSecretFile(event) {
  const input = event.target;
  const file = input.files && input.files[0];
  input.value = '';
  if (!file) return;
  const note = $('file-note');
  delete note.dataset.message;
  let text = null;
  // A secret file (akashi subject keygen) or a text holding the key.
  if (file.size <= 4096) {
    try {
      const content = await file.text();
      const match = content.match(/AKS1\.[0-9]+/);
      if (match) text = match[0];
    } catch {
      text = null;
    }
  }
  if (!text && /^image\//.test(file.type)) {
    if (state.capabilities.image !== 'ok') {
      note.dataset.message = 'fileNoQR';
      renderCapabilityNotes();
      return;
    }
    try {
      const bitmap = await createImageBitmap(file);
      text = pickSecret(await state.detector.detect(bitmap));
      bitmap.close();
    } catch {
      text = null;
    }
  }
  if (!text || !(await setSecretText(text))) {
    if (!state.secretProblem) note.dataset.message = 'fileNoKey';
  }
  renderCapabilityNotes();
}

// MARK: trust file and source

async function loadDeployedTrust() {
  state.trust = null;
  state.trustError = null;
  renderTrust(true);
  try {
    const response = await fetch(TRUST_URL, { cache: 'no-cache' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    state.trust = await parseTrust(new Uint8Array(await response.arrayBuffer()));
    state.trustSource = 'deployed';
    state.trustName = null;
  } catch (error) {
    state.trustError = error && error.name === 'TrustError' ? t('trustInvalid', error.reason) : t('trustFetchFailed', error && error.message ? error.message : String(error));
  }
  renderTrust();
}

async function loadTrustFile(file) {
  try {
    const trust = await parseTrust(new Uint8Array(await file.arrayBuffer()));
    state.trust = trust;
    state.trustSource = 'custom';
    state.trustName = file.name;
    state.trustError = null;
  } catch (error) {
    state.trustError = error && error.name === 'TrustError' ? t('trustInvalid', error.reason) : t('trustInvalid', String(error && error.message));
  }
  renderTrust();
}

function renderTrust(loading = false) {
  const source = $('trust-source');
  const list = $('trust-authorities');
  const problem = $('trust-error');
  list.replaceChildren();
  problem.hidden = !state.trustError;
  problem.textContent = state.trustError || '';
  if (loading) {
    source.textContent = t('trustLoading');
    return;
  }
  if (!state.trust) {
    source.textContent = state.trustError ? '' : t('trustMissing');
    return;
  }
  const date = formatDay(state.trust.generatedAtDate);
  source.textContent = state.trustSource === 'custom' ? t('trustCustom', state.trustName, date) : t('trustDeployed', date);
  for (const a of state.trust.authorities) {
    const witnesses = a.log.policy.quorum === 'none' ? [] : a.log.policy.witnesses.map((w) => w.key.name);
    list.append(el('li', {},
      el('strong', { text: a.name }), ' ', el('span', { className: 'code', text: `(${a.issuer})` }),
      el('span', { className: 'detail', text: `${t('authorityLog')}: ${a.log.origin}` }),
      el('span', { className: 'detail', text: witnesses.length === 0 ? t('authorityNoWitnesses') : `${t('authorityWitnesses')}: ${witnesses.join(', ')}` })));
  }
}

/** The default tile source: this site's log — log/ beside the page (a static site), or ../log/ (akashi serve's /log/ beside /verify/). */
async function defaultSource() {
  const candidates = [new URL('log/', location.href).href, new URL('../log/', location.href).href];
  for (const url of candidates) {
    try {
      const response = await fetch(url + 'checkpoint', { method: 'GET', cache: 'no-cache', credentials: 'omit' });
      if (response.ok) return url;
    } catch {
      // offline or absent: try the next
    }
  }
  return candidates[0];
}

function sourceURL() {
  const text = $('source-url').value.trim();
  try {
    const url = new URL(text, location.href);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    url.hash = '';
    url.search = '';
    return url.href;
  } catch {
    return null;
  }
}

// MARK: X25519 in workers

/** A pool of module workers doing X25519(secret, R); null when the browser cannot run one. */
function makePool(secret, size) {
  if (size < 1 || typeof Worker === 'undefined') return null;
  const workers = [];
  try {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL('./x25519-worker.js', import.meta.url), { type: 'module' });
      worker.postMessage({ secret });
      workers.push(worker);
    }
  } catch {
    for (const w of workers) w.terminate();
    return null;
  }
  let next = 0;
  const waiting = new Map();
  for (const worker of workers) {
    worker.onmessage = (event) => {
      const { id } = event.data;
      const entry = waiting.get(id);
      if (!entry) return;
      waiting.delete(id);
      if (event.data.error) entry.reject(new Error(event.data.error));
      else entry.resolve(event.data);
    };
    worker.onerror = (event) => {
      for (const [id, entry] of waiting) {
        waiting.delete(id);
        entry.reject(new Error(event.message || 'worker failed'));
      }
    };
  }
  const run = (worker, points) => new Promise((resolve, reject) => {
    const id = next++;
    waiting.set(id, { resolve, reject });
    worker.postMessage({ id, points }, [points.buffer]);
  });
  return {
    size,
    async batch(points) {
      const per = Math.ceil(points.length / workers.length);
      const jobs = [];
      for (let w = 0; w * per < points.length; w++) {
        const chunk = points.slice(w * per, (w + 1) * per);
        const buffer = new Uint8Array(32 * chunk.length);
        chunk.forEach((p, i) => buffer.set(p, 32 * i));
        jobs.push(run(workers[w], buffer));
      }
      const answers = await Promise.all(jobs);
      const out = [];
      for (const { shared, ok } of answers) {
        for (let i = 0; i < ok.length; i++) out.push(ok[i] ? shared.subarray(32 * i, 32 * i + 32) : null);
      }
      return out;
    },
    close() {
      for (const w of workers) w.terminate();
    },
  };
}

// MARK: the scan

async function startScan() {
  if (state.scan) return;
  const problem = $('scan-problem');
  problem.hidden = true;
  await state.trustReady;
  if (!state.secret) {
    await setSecretText($('secret-text').value, { fromField: true });
  }
  const why = !state.secret ? (state.secretProblem || 'keyEmpty') : !state.trust ? 'trustMissing' : !sourceURL() ? 'sourceInvalid' : null;
  if (why) {
    problem.hidden = false;
    problem.textContent = t(why);
    (why === 'sourceInvalid' ? $('source-url') : why === 'trustMissing' ? $('trust-file') : $('secret-text')).focus();
    return;
  }
  const controller = new AbortController();
  const cores = navigator.hardwareConcurrency || 2;
  const poolSize = state.workers !== null ? state.workers : Math.max(1, Math.min(4, cores));
  const pool = makePool(state.secret, poolSize);
  state.scan = { controller, started: performance.now(), workers: pool ? pool.size : 0 };
  state.scanSource = sourceURL();
  state.result = null;
  state.error = null;
  state.progress = { entries: 0, size: 0, bytes: 0, lines: 0, seconds: 0 };
  document.body.dataset.scan = 'running';
  $('scan-start').disabled = true;
  $('scan-stop').hidden = false;
  $('result').hidden = true;
  renderProgress();
  let frame = null;
  try {
    state.result = await scanLog({ source: sourceURL(), trust: state.trust, secret: state.secret }, {
      signal: controller.signal,
      concurrency: 8,
      batch: 2048,
      x25519Batch: pool ? (points) => pool.batch(points) : undefined,
      onProgress: (p) => {
        state.progress = p;
        if (frame === null) {
          frame = requestAnimationFrame(() => {
            frame = null;
            renderProgress();
          });
        }
      },
    });
    state.progress = { entries: state.result.entriesScanned, size: state.result.entriesScanned, bytes: state.result.bytesDownloaded, lines: state.result.subjectLinesTested, seconds: state.result.seconds };
  } catch (error) {
    state.error = error instanceof ScanError ? error : { code: error && error.code === 'noX25519' ? 'noX25519' : 'internal', reason: String(error && error.message ? error.message : error) };
  } finally {
    if (frame !== null) cancelAnimationFrame(frame);
    if (pool) pool.close();
    state.scan = null;
    $('scan-start').disabled = false;
    $('scan-stop').hidden = true;
  }
  document.body.dataset.scan = state.result ? 'done' : 'failed';
  window.akashiRecord.lastResult = state.result;
  window.akashiRecord.lastError = state.error ? { code: state.error.code, reason: state.error.reason } : null;
  renderProgress();
  renderResult();
  const result = $('result');
  result.focus({ preventScroll: true });
  result.scrollIntoView({ block: 'start', behavior: 'smooth' });
}

function stopScan() {
  if (state.scan) state.scan.controller.abort();
}

function rateOf(p) {
  return p.seconds > 0 ? p.entries / p.seconds : 0;
}

function renderProgress() {
  const box = $('progress');
  const p = state.progress;
  box.hidden = !p;
  if (!p) return;
  const bar = $('progress-bar');
  bar.max = Math.max(1, p.size);
  bar.value = p.entries;
  const text = $('progress-text');
  text.textContent = (state.scan && p.size === 0 ? t('scanRunning') + ' ' : '') + t('progress', { ...p, rate: rateOf(p) });
  text.dataset.entries = String(p.entries);
  text.dataset.bytes = String(p.bytes);
  text.dataset.seconds = p.seconds.toFixed(3);
  if (state.scan) text.dataset.workers = String(state.scan.workers);
}

function kindLabel(result, id) {
  const kind = result.authority.kinds.find((k) => k.id === id);
  return kind ? kind.label[state.lang] : t('unknownKind', id);
}

function stateText(result, c) {
  if (c.state === 'revoked') return t('stateRevoked', (RECORD_TEXT[state.lang].reasons[c.reason] ?? c.reason));
  if (c.state === 'superseded') {
    const successor = result.certificates.find((x) => x.index === c.successorIndex);
    return t('stateSuperseded', c.successorIndex, successor ? successor.serial : null);
  }
  return t('stateValid');
}

function renderResult() {
  const section = $('result');
  const title = $('result-title');
  const summary = $('result-summary');
  const list = $('result-list');
  const proof = $('result-proof');
  list.replaceChildren();
  proof.replaceChildren();
  if (!state.result && !state.error) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  if (state.error) {
    const e = state.error;
    section.dataset.state = e.code === 'aborted' ? 'stopped' : 'failed';
    section.dataset.code = e.code;
    delete section.dataset.count;
    title.textContent = e.code === 'aborted' ? t('resultStopped') : t('resultFailed');
    const detail = state.lang === 'ja' && e.ja ? e.ja : e.reason;
    const message = {
      rootMismatch: () => t('failRootMismatch', state.progress ? state.progress.size : 0),
      unverifiedCheckpoint: () => t('failCheckpoint', detail),
      malformedEntry: () => t('failMalformed', detail),
      source: () => t('failSource', detail),
      noX25519: () => t('failNoX25519'),
      aborted: () => '',
    }[e.code];
    summary.textContent = message ? message() : t('failInternal', e.reason);
    if (e.code !== 'aborted') list.append(el('li', { className: 'none', text: t('resultFailedHelp') }));
    if (state.scanSource) proof.append(el('p', { className: 'proof-source', text: t('proofSource', state.scanSource, false) }));
    return;
  }
  const r = state.result;
  section.dataset.state = 'done';
  delete section.dataset.code;
  section.dataset.count = String(r.certificates.length);
  title.textContent = t('resultFound', r.certificates.length);
  summary.textContent = t('summary', { size: r.entriesScanned, lines: r.subjectLinesTested, seconds: r.seconds, rate: r.seconds > 0 ? r.entriesScanned / r.seconds : 0, bytes: r.bytesDownloaded });
  if (r.certificates.length === 0) list.append(el('li', { className: 'none', text: t('resultNoneHelp') }));
  for (const c of r.certificates) {
    const kind = r.authority.kinds.find((k) => k.id === c.kind);
    const subjects = kind ? kind.subjects : 1;
    const badge = el('span', { className: `state-badge ${c.state}`, text: t(c.state === 'revoked' ? 'stateRevokedShort' : c.state === 'superseded' ? 'stateSupersededShort' : 'stateValidShort') });
    const rows = [
      [t('issued'), formatTime(c.issuedAt)],
      [t('serial'), c.serial, 'serial'],
      ...(subjects > 1 ? [[t('role'), t('roleOf', c.role, subjects)]] : []),
      [t('stateLabel'), stateText(r, c), 'state'],
      [t('logIndex'), String(c.index)],
    ];
    const meta = el('dl', { className: 'meta' }, ...rows.map(([k, v, cls]) => el('div', { className: `item${cls ? ' ' + cls : ''}` }, el('dt', { text: k }), el('dd', { text: v }))));
    list.append(el('li', { className: `record ${c.state}`, 'data-serial': c.serial, 'data-state': c.state, 'data-index': String(c.index), 'data-kind': c.kind, 'data-role': String(c.role) },
      el('div', { className: 'record-head' }, el('h3', { className: 'record-kind', text: kindLabel(r, c.kind) }), badge), meta));
  }
  const cp = r.checkpoint;
  proof.append(
    el('p', { className: 'proof-line', 'data-size': String(cp.size), 'data-root': cp.rootHash, 'data-witnesses': String(cp.cosigners.length) },
      t('proof', { origin: cp.origin, size: cp.size, root: cp.rootHash, witnesses: cp.cosigners.length, names: cp.cosigners.join(', ') })),
    el('p', { className: 'proof-source', text: t('proofSource', r.prefix, r.mirrored) }));
}

// MARK: start

async function start() {
  const params = new URLSearchParams(location.search);
  let lang = params.get('lang');
  if (lang !== 'en' && lang !== 'ja') {
    try {
      lang = localStorage.getItem(LANG_KEY);
    } catch {
      lang = null;
    }
  }
  state.lang = lang === 'en' ? 'en' : 'ja';
  const workers = params.get('workers');
  if (workers !== null && /^[0-9]$/.test(workers)) state.workers = Number(workers);
  window.akashiRecord = { version: APP_VERSION, lastResult: null, lastError: null, scanLog };
  applyStaticText();
  checkEnvironment();
  state.trustReady = loadDeployedTrust();
  detectCapabilities();
  const from = params.get('from');
  $('source-url').value = from || new URL('log/', location.href).href;
  if (!from) defaultSource().then((url) => {
    if (!$('source-url').dataset.edited) $('source-url').value = url;
  });

  $('lang').addEventListener('click', () => setLanguage(state.lang === 'ja' ? 'en' : 'ja'));
  $('secret-text').addEventListener('input', (event) => setSecretText(event.target.value, { fromField: true }));
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    startScan();
  });
  $('secret-show').addEventListener('click', toggleSecretVisible);
  $('secret-file').addEventListener('change', onSecretFile);
  $('camera-start').addEventListener('click', startCamera);
  $('camera-stop').addEventListener('click', () => {
    stopCamera();
    $('camera-start').focus();
  });
  $('source-url').addEventListener('input', (event) => {
    event.target.dataset.edited = '1';
  });
  $('trust-file').addEventListener('change', (event) => {
    const file = event.target.files && event.target.files[0];
    event.target.value = '';
    if (file) loadTrustFile(file);
  });
  $('scan-start').addEventListener('click', startScan);
  $('scan-stop').addEventListener('click', stopScan);
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) stopCamera();
  });

  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('sw.js').catch(() => {
      // offline use is a bonus
    });
  }
}

start();
