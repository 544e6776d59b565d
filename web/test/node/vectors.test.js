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

for (const vector of isV2 ? index.vectors : []) {
  test(`vector ${vector.id}`, async () => {
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
