// Runs conformance vectors through the web verifier's core.
//   conformance.html?vectors=<URL of index.json>
// index.json: {"format": "akashi-vectors/v2", "vectors": [{id, description: {ja, en}, qr,
//   trust (path relative to index.json), at (ISO 8601), status? (path),
//   expected: {verdict, valid, codes, checks: {name: status}, status?}}]}
// When finished: window.__conformance = {passed, failed, results: [{id, expected, got, ms}]}.
import { verifyText, parseTrust, verifyStatusList } from '../js/core/verify.js';
import { parseAt } from '../js/core/trust.js';
import { CertificateError } from '../js/core/claims.js';

const tbody = document.querySelector('#results tbody');
const summary = document.getElementById('summary');

function cell(text, className) {
  const td = document.createElement('td');
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function same(expected, got) {
  if (!expected) return false;
  // expected.status (vectors with a status list): "rejected" — the list itself must
  // be refused, so nothing is verified; "accepted" — it must verify.
  if (Boolean(got.statusRefused) !== (expected.status === 'rejected')) return false;
  if (expected.status === 'rejected') return Boolean(got.statusRefused);
  if (expected.checks && got.checkStatuses) {
    for (const [name, status] of Object.entries(expected.checks)) if (got.checkStatuses[name] !== status) return false;
  }
  return got.verdict === (expected.verdict || (expected.valid ? 'valid' : 'invalid')) &&
    JSON.stringify(got.codes) === JSON.stringify(expected.codes || []);
}

async function fetchOK(url, kind) {
  const response = await fetch(url, { cache: 'no-cache' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return kind === 'bytes' ? new Uint8Array(await response.arrayBuffer()) : response.text();
}

async function run() {
  const param = new URLSearchParams(location.search).get('vectors');
  if (!param) throw new Error('give ?vectors=<URL of index.json>');
  const indexURL = new URL(param, location.href);
  const index = JSON.parse(await fetchOK(indexURL.href));
  if (index.format && index.format !== 'akashi-vectors/v2') throw new Error(`unknown vectors format ${index.format} (this verifier is v2)`);
  const trusts = new Map();
  const statuses = new Map();
  const results = [];
  let passed = 0;
  let failed = 0;
  const started = performance.now();
  for (const [i, vector] of (index.vectors || []).entries()) {
    const expected = vector.expected || null;
    let got;
    let ms = 0;
    try {
      const trustURL = new URL(vector.trust, indexURL).href;
      if (!trusts.has(trustURL)) trusts.set(trustURL, fetchOK(trustURL).then(parseTrust));
      const trust = await trusts.get(trustURL);
      const options = {};
      if (vector.at) {
        options.at = parseAt(vector.at) || new Date(vector.at);
        if (Number.isNaN(options.at.getTime())) throw new Error(`"at" ${vector.at} is not a date`);
      }
      if (vector.status) {
        const statusURL = new URL(vector.status, indexURL).href;
        // Verified against this vector's trust file: the cache key needs both.
        const key = `${statusURL} ${trustURL}`;
        if (!statuses.has(key)) statuses.set(key, fetchOK(statusURL, 'bytes').then((b) => verifyStatusList(b, trust)));
        try {
          options.status = await statuses.get(key);
        } catch (error) {
          // A list that does not verify is refused, as akashi-verify --status does:
          // then nothing is verified (the certificate is not valid as of it).
          if (!(error instanceof CertificateError && error.code === 'malformedStatus')) throw error;
          got = { verdict: null, valid: false, codes: [], statusRefused: error.reason };
        }
      }
      if (!got) {
        if (vector.maxStatusAge !== undefined) options.maxStatusAge = vector.maxStatusAge;
        const t0 = performance.now();
        const report = await verifyText(vector.qr, trust, options);
        ms = performance.now() - t0;
        got = { verdict: report.verdict, valid: report.valid, codes: report.reasons.map((r) => r.code), checks: report.checks.map((c) => [c.name, c.status, c.code || null]) };
        got.checkStatuses = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
        if (report.kind !== undefined) Object.assign(got, { kind: report.kind, issuer: report.issuer, serial: report.serial });
        if (report.log) got.log = { origin: report.log.origin, index: report.log.index, treeSize: report.log.treeSize };
        got.reasons = report.reasons;
      }
    } catch (error) {
      got = { verdict: null, valid: null, codes: [], error: String(error && (error.reason || error.message) || error) };
    }
    const ok = same(expected, got);
    if (ok) passed++;
    else failed++;
    results.push({ id: vector.id, expected, got, ms: Math.round(ms * 100) / 100 });
    const tr = document.createElement('tr');
    tr.className = ok ? 'pass' : 'fail';
    tr.dataset.id = vector.id;
    const description = vector.description ? `${vector.description.ja || ''} / ${vector.description.en || ''}` : '';
    const fmt = (x) => (x ? `${x.verdict || (x.valid ? 'valid' : x.valid === false ? 'invalid' : 'error')} [${(x.codes || []).join(', ')}]` +
      `${x.status ? ` status list ${x.status}` : ''}${x.statusRefused ? ` status list rejected (${x.statusRefused})` : ''}${x.error ? ' ' + x.error : ''}` : '—');
    tr.append(cell(String(i + 1)), cell(vector.id), cell(description), cell(fmt(expected)), cell(fmt(got), got.error ? 'error' : ''), cell(ms.toFixed(1)), cell(ok ? '✔' : '✘'));
    tbody.append(tr);
  }
  const total = performance.now() - started;
  summary.textContent = `${passed} 件合格 / passed, ${failed} 件不合格 / failed — ${results.length} vectors in ${total.toFixed(0)} ms`;
  summary.className = failed === 0 ? '' : 'error';
  window.__conformance = { passed, failed, results, totalMs: Math.round(total) };
}

run().catch((error) => {
  summary.textContent = `エラー / error: ${error.message || error}`;
  summary.className = 'error';
  window.__conformance = { passed: 0, failed: 0, results: [], error: String(error.message || error) };
});
