// Selective disclosure (docs/spec/selective-disclosure.md) in the web core:
// the trust file's withholdable/withholdGroup, the derivations, the decoding
// of the disclosures, the `disclosure` check with each of its codes, the
// kindValid rules for the present mask, the report's fields and withheld, and
// the holder's reduction (§4). Certificates are issued here by
// web/test/support/issuer.js (node:crypto, written from the spec), with the
// repository's kinds (certs/*.json), so each case fails only by the rule it
// tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  E, NOW, REPO, VERIFIER_URL, bytesOf, commit, emptyStatusList, fromHex, fullDisclosures, h16, issue, leafOf, makeWorld, pairOf,
  payloadBytes, payloadOf, qrText, rootOf, saltOf, shippedKind, splitPayload, toHex, unitsOfKind,
} from '../support/issuer.js';
import { head } from '../support/cbor-head.js';
import { CHECK_NAMES, parseTrust, verifyStatusList, verifyText } from '../../js/core/verify.js';
import { TrustError } from '../../js/core/trust.js';
import { ReduceError, decodeDisclosures, leaf, nodeCount, pair, reduce, reduceDetailed, root, salt } from '../../js/core/disclosure.js';
import { unitsOf } from '../../js/core/kinds.js';
import { CertificateError } from '../../js/core/claims.js';

const AT = new Date((NOW + 60) * 1000);
const RESIDENCE = {
  name: '飯塚 花子', kana: 'いいづか はなこ', birthDate: '1990-04-01', sex: 'female', address: '福岡県飯塚市新立岩5番5号',
  residentSince: '2018-10-01', householder: '飯塚 太郎', relationship: '妻', domicile: '福岡県飯塚市立岩1番地', domicileHead: '飯塚 太郎',
};
const RESIDENCE_IDS = ['name', 'kana', 'birthDate', 'sex', 'address', 'residentSince', 'householder', 'relationship', 'domicile', 'domicileHead'];
const example = (id) => JSON.parse(readFileSync(join(REPO, 'certs/examples', `${id}.json`), 'utf8'));
const PARTNERSHIP = example('partnership');
const GRADUATION = example('graduation');
const ENERGY = example('energy-origin');

let cached = null;
async function world() {
  if (!cached) {
    const w = await makeWorld(parseTrust);
    w.status = await verifyStatusList(await emptyStatusList(w), w.trust);
    cached = w;
  }
  return cached;
}
async function verify(text, { status = true, trust } = {}) {
  const w = await world();
  return verifyText(text, trust || w.trust, { at: AT, statusLists: status ? [w.status] : [] });
}
const checksOf = (r) => Object.fromEntries(r.checks.map((c) => [c.name, c.code ? `${c.status}:${c.code}` : c.status]));
const allPassed = Object.fromEntries(CHECK_NAMES.map((n) => [n, 'passed']));
/** The report failed at `disclosure` with `code`, stopped there, and reports only the signed fields. */
function assertDisclosureFailed(r, code) {
  const c = checksOf(r);
  assert.equal(r.verdict, 'invalid');
  assert.equal(c.disclosure, `failed:${code}`, JSON.stringify(r.reasons.map((x) => x.message.en)));
  for (const name of CHECK_NAMES.slice(CHECK_NAMES.indexOf('disclosure') + 1)) assert.equal(c[name], 'skipped', name);
  assert.ok(!('withheld' in r), 'no withheld when disclosure failed');
  for (const id of ['birthDate', 'householder', 'relationship', 'domicile', 'domicileHead']) assert.ok(!(id in r.fields), `${id} is not a signed field`);
}
/** The disclosures of a full residence presentation with entry i replaced by `bytes`. */
function withEntry(c, i, bytes) {
  return bytesOf([...head(4, c.units.length + 1), ...c.units.flatMap((u, j) => [...(j === i ? bytes : u.bytes)]), ...E.bytes(Buffer.concat(c.seeds.map(Buffer.from)))]);
}

// MARK: trust file (trust-file.md §2.4, selective-disclosure.md §1)

test('trust file: the shipped kinds mark withholdable fields; units by withholdGroup, in the order of their first field', async () => {
  const w = await world();
  const residence = w.trust.authorities[0].kinds.find((k) => k.id === 'residence');
  assert.deepEqual(unitsOf(residence).map((u) => u.fields.map((m) => `${m.field.id}:${m.bit}`)),
    [['birthDate:0'], ['householder:1'], ['relationship:2'], ['domicile:3', 'domicileHead:4']]);
  assert.equal(residence.fields.find((f) => f.id === 'name').withholdable, false);
  assert.equal(residence.fields.find((f) => f.id === 'domicile').withholdGroup, 'domicile');
  const partnership = w.trust.authorities[0].kinds.find((k) => k.id === 'partnership');
  assert.deepEqual(unitsOf(partnership).map((u) => u.fields.map((m) => m.field.id)), [['partner1BirthDate'], ['partner2BirthDate']]);
  assert.deepEqual(unitsOf(w.trust.authorities[0].kinds.find((k) => k.id === 'energy-origin')), []);
  // The test issuer's reading of units is the same.
  assert.deepEqual(unitsOfKind(shippedKind('residence')).map((u) => u.map(([f]) => f.id)), [['birthDate'], ['householder'], ['relationship'], ['domicile', 'domicileHead']]);
  // A group need not be contiguous: its unit stands where its first field is.
  const kind = { ...shippedKind('residence'), id: 'spread' };
  kind.fields = kind.fields.map((f) => (f.id === 'birthDate' ? { ...f, withholdGroup: 'g' } : f.id === 'relationship' ? { ...f, withholdGroup: 'g' } : f));
  const spread = (await parseTrust(JSON.stringify({ ...w.trustJSON, authorities: [{ ...w.trustJSON.authorities[0], kinds: [kind] }] }))).authorities[0].kinds[0];
  assert.deepEqual(unitsOf(spread).map((u) => u.fields.map((m) => m.field.id)), [['birthDate', 'relationship'], ['householder'], ['domicile', 'domicileHead']]);
});

test('trust file: withholdable is a boolean, withholdGroup a group id only with withholdable true, at most 16 withholdable fields', async () => {
  const w = await world();
  const withKind = (kind) => JSON.stringify({ ...w.trustJSON, authorities: [{ ...w.trustJSON.authorities[0], kinds: [kind] }] });
  const field = (extra, i = 0) => ({ id: `f${i}`, type: 'text', required: false, maxLength: 10, label: { ja: 'あ', en: 'a' }, ...extra });
  const kindOf = (...fields) => ({ id: 'k', version: 1, label: { ja: 'あ', en: 'a' }, fields });
  const refused = async (kind, re) => {
    await assert.rejects(parseTrust(withKind(kind)), (e) => e instanceof TrustError && re.test(e.reason), JSON.stringify(kind.fields[0]));
  };
  const accepted = (kind) => assert.doesNotReject(parseTrust(withKind(kind)));
  await accepted(kindOf(field({ withholdable: true })));
  await accepted(kindOf(field({ withholdable: false })));
  await accepted(kindOf(field({ withholdable: true, withholdGroup: 'a' })));
  await accepted(kindOf(field({ withholdable: true, withholdGroup: 'Z' + 'a9'.repeat(19) + 'b' }))); // 40 characters
  await refused(kindOf(field({ withholdable: 'true' })), /withholdable: expected true or false/);
  await refused(kindOf(field({ withholdable: 1 })), /withholdable: expected true or false/);
  await refused(kindOf(field({ withholdGroup: 'a' })), /only a withholdable field/);
  await refused(kindOf(field({ withholdable: false, withholdGroup: 'a' })), /only a withholdable field/);
  for (const group of ['', '1a', 'a-b', 'a b', 'あ', 'Z' + 'a9'.repeat(19) + 'bc', 7]) {
    await refused(kindOf(field({ withholdable: true, withholdGroup: group })), /withholdGroup/);
  }
  const many = (n) => kindOf(...Array.from({ length: n }, (_, i) => field({ withholdable: true }, i)));
  await accepted(many(16));
  await refused(many(17), /17 withholdable fields; a kind has at most 16/);
  // Not withholdable ones do not count.
  await accepted(kindOf(...Array.from({ length: 16 }, (_, i) => field({ withholdable: true }, i)), field({ withholdable: false }, 16), field({}, 17)));
});

// MARK: derivations (§2)

test('derivations: H16 of SHA-256 with the prefixes 0x73 salt, 0x6C leaf, 0x70 pair, 0x72 root', async () => {
  const S = fromHex('000102030405060708090a0b0c0d0e0f');
  const U = fromHex('a1696269727468446174' + '65d903ec6a313939302d30342d3031');
  // The spec's example unit bytes, {"birthDate": 1004("1990-04-01")}
  const c = commit(shippedKind('graduation'), { name: 'a', birthDate: '1990-04-01' });
  assert.equal(toHex(c.units[0].bytes).slice(0, 30), 'a169626972746844617465d903ec6a');
  assert.deepEqual(c.units[0].bytes, U);
  const s0 = await salt(S, 0x00);
  assert.equal(s0.length, 16);
  assert.deepEqual(s0, h16([0x73], S, [0x00]));
  assert.deepEqual(await salt(S, 0x01), h16([0x73], S, [0x01]));
  assert.notDeepEqual(await salt(S, 0x00), await salt(S, 0x01));
  assert.deepEqual(await leaf(s0, U), h16([0x6c], s0, U));
  const L = await leaf(s0, U);
  assert.deepEqual(await pair(L, s0), h16([0x70], L, s0));
  assert.deepEqual(await pair(L), h16([0x70], L));
  assert.deepEqual(await root([L, s0]), h16([0x72], L, s0));
  // and the same as the test issuer's, independently written
  assert.deepEqual(s0, saltOf(S, 0));
  assert.deepEqual(L, leafOf(saltOf(S, 0), U));
  assert.deepEqual(await pair(L, L), pairOf(L, L));
  assert.deepEqual(await root([L]), rootOf([L]));
  // Fixed answers (Python hashlib), so that both implementations cannot drift together.
  assert.equal(toHex(s0), 'd525ee79ff2f438e5e8db3e9b1665dd0'); // SHA-256(73 ‖ 00…0f ‖ 00)[0:16]
  assert.equal(toHex(L), '812f0f6fbb821c0c4697aab10460867e'); // SHA-256(6C ‖ s0 ‖ U)[0:16]
});

test('nodes: k = one per pair plus one per pair with exactly one unit withheld', () => {
  const k = (pattern) => nodeCount([...pattern].map((c) => c === 's'));
  assert.equal(k('s'), 1);
  assert.equal(k('w'), 1);
  assert.equal(k('ss'), 1);
  assert.equal(k('ww'), 1);
  assert.equal(k('sw'), 2);
  assert.equal(k('ws'), 2);
  assert.equal(k('ssss'), 2);
  assert.equal(k('swws'), 4);
  assert.equal(k('sswsw'), 4);
  assert.equal(k('s'.repeat(16)), 8);
  assert.equal(k('sw'.repeat(8)), 16);
});

// MARK: full presentations

test('full presentation: a residence certificate with every field is valid; 13 checks; fields all shown; withheld []', async () => {
  const w = await world();
  const cert = await issue(w, 'residence', RESIDENCE);
  assert.equal(cert.commitment.mask, 0b11111);
  assert.equal(cert.commitment.units.length, 4);
  assert.equal(cert.commitment.seeds.length, 2);
  const r = await verify(cert.qr);
  assert.equal(r.verdict, 'valid', JSON.stringify(r.reasons));
  assert.deepEqual(r.checks.map((c) => c.name), CHECK_NAMES);
  assert.equal(CHECK_NAMES.length, 13);
  assert.equal(CHECK_NAMES[6], 'disclosure');
  assert.equal(CHECK_NAMES[8], 'subject');
  assert.deepEqual(checksOf(r), allPassed);
  assert.deepEqual(Object.keys(r.fields).sort(), [...RESIDENCE_IDS].sort());
  assert.equal(r.fields.birthDate, '1990-04-01');
  assert.equal(r.fields.domicileHead, '飯塚 太郎');
  assert.deepEqual(r.withheld, []);
  // The serial is the first 10 bytes of R (the cti).
  const c32 = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  const bits = [...cert.commitment.R.subarray(0, 10)].map((b) => b.toString(2).padStart(8, '0')).join('');
  assert.equal(r.serial.replace(/-/g, ''), bits.match(/.{5}/g).map((b) => c32[parseInt(b, 2)]).join(''));
});

test('full presentation: partnership (one pair), graduation (one single unit), energy-origin (D = 0) are valid', async () => {
  const w = await world();
  const p = await issue(w, 'partnership', PARTNERSHIP);
  assert.equal(p.commitment.units.length, 2);
  let r = await verify(p.qr);
  assert.deepEqual(checksOf(r), allPassed, JSON.stringify(r.reasons));
  assert.equal(r.fields.partner2BirthDate, '1991-11-03');
  assert.deepEqual(r.fields.familyMembers, ['佐賀 ひかり（子）']);
  assert.deepEqual(r.withheld, []);
  const g = await issue(w, 'graduation', GRADUATION);
  assert.equal(g.commitment.units.length, 1);
  r = await verify(g.qr);
  assert.deepEqual(checksOf(r), allPassed, JSON.stringify(r.reasons));
  assert.equal(r.fields.birthDate, '1970-09-15');
  const rg = await verify(await reduce(g.qr, ['birthDate']));
  assert.deepEqual(checksOf(rg), allPassed, JSON.stringify(rg.reasons));
  assert.deepEqual(rg.withheld, ['birthDate']);
  assert.ok(payloadOf(await reduce(g.qr, ['birthDate'])).length < payloadOf(g.qr).length);
  const e = await issue(w, 'energy-origin', ENERGY);
  assert.equal(e.disclosures.length, 0);
  assert.equal(splitPayload(payloadOf(e.qr)).disclosures.length, 0);
  r = await verify(e.qr);
  assert.deepEqual(checksOf(r), allPassed, JSON.stringify(r.reasons));
  assert.deepEqual(r.withheld, []);
});

test('issued without optional withholdable fields: their bits are not set, they are "not issued", never "withheld"', async () => {
  const w = await world();
  const { relationship, domicile, domicileHead, ...values } = RESIDENCE;
  const cert = await issue(w, 'residence', values);
  assert.equal(cert.commitment.mask, 0b00011);
  assert.equal(cert.commitment.units.length, 2); // birthDate, householder: one pair
  const r = await verify(cert.qr);
  assert.deepEqual(checksOf(r), allPassed, JSON.stringify(r.reasons));
  assert.deepEqual(r.withheld, []);
  assert.ok(!('relationship' in r.fields));
  // Withholding birthDate now: withheld is birthDate only (relationship was not issued).
  const reduced = await verify(await reduce(cert.qr, ['birthDate']));
  assert.equal(reduced.verdict, 'valid', JSON.stringify(reduced.reasons));
  assert.deepEqual(reduced.withheld, ['birthDate']);
  // One field of a group issued: the unit holds just that field.
  const half = await issue(w, 'residence', { ...values, domicile: '福岡県飯塚市立岩1番地' });
  assert.equal(half.commitment.mask, 0b01011);
  const rh = await verify(await reduce(half.qr, ['domicile']));
  assert.equal(rh.verdict, 'valid', JSON.stringify(rh.reasons));
  assert.deepEqual(rh.withheld, ['domicile']);
});

// MARK: reduced presentations (§4)

test('reduce: name and address only (every withholdable unit withheld) is valid and names the withheld fields in kind order', async () => {
  const w = await world();
  const cert = await issue(w, 'residence', RESIDENCE);
  const text = await reduce(cert.qr, ['birthDate', 'householder', 'relationship', 'domicile', 'domicileHead']);
  assert.ok(text.startsWith(`${VERIFIER_URL}#AK2.`), 'the URL part is kept');
  const r = await verify(text);
  assert.equal(r.verdict, 'valid', JSON.stringify(r.reasons));
  assert.deepEqual(checksOf(r), allPassed);
  assert.deepEqual(r.withheld, ['birthDate', 'householder', 'relationship', 'domicile', 'domicileHead']);
  assert.deepEqual(Object.keys(r.fields).sort(), ['address', 'kana', 'name', 'residentSince', 'sex']);
  // Same envelope and proof, byte for byte; the nodes are the two pair commitments.
  const before = splitPayload(payloadOf(cert.qr));
  const after = splitPayload(payloadOf(text));
  assert.deepEqual(after.envelope, before.envelope);
  assert.deepEqual(after.proof, before.proof);
  const c = cert.commitment;
  assert.equal(toHex(after.disclosures), toHex(bytesOf([0x85, 0xa0, 0xa0, 0xa0, 0xa0, ...E.bytes(Buffer.concat([c.commitments[0], c.commitments[1]]))])));
  // None of the withheld values is in the reduced payload.
  for (const id of ['birthDate', 'householder', 'relationship', 'domicile']) {
    assert.ok(!Buffer.from(payloadOf(text)).includes(Buffer.from(RESIDENCE[id])), `${id}'s value is gone`);
  }
  assert.ok(Buffer.from(payloadOf(cert.qr)).includes(Buffer.from(RESIDENCE.birthDate)), 'the full one had it');
});

test('reduce: the nodes of each split are the spec table (first shown: salt₀ then L₁; first withheld: L₀ then salt₁)', async () => {
  const w = await world();
  const cert = await issue(w, 'residence', RESIDENCE);
  const c = cert.commitment;
  const [S0, S1] = c.seeds;
  const [u0, u1, u2, u3] = c.units;
  const nodesOf = async (hide) => decodeDisclosures(splitPayload(payloadOf(await reduce(cert.qr, hide))).disclosures).nodes.map(toHex);
  assert.deepEqual(await nodesOf(['relationship']), [S0, u2.leaf, saltOf(S1, 1)].map(toHex));
  assert.deepEqual(await nodesOf(['domicile']), [S0, saltOf(S1, 0), u3.leaf].map(toHex));
  assert.deepEqual(await nodesOf(['birthDate']), [u0.leaf, saltOf(S0, 1), S1].map(toHex));
  assert.deepEqual(await nodesOf(['householder', 'domicileHead']), [saltOf(S0, 0), u1.leaf, saltOf(S1, 0), u3.leaf].map(toHex));
  assert.deepEqual(await nodesOf(['birthDate', 'householder']), [c.commitments[0], S1].map(toHex));
  assert.deepEqual(await nodesOf([]), [S0, S1].map(toHex));
});

test('reduce: every subset of units gives a valid presentation with exactly those fields withheld, never longer than the full one', async () => {
  const w = await world();
  const cases = [
    ['residence', RESIDENCE, [['birthDate'], ['householder'], ['relationship'], ['domicile', 'domicileHead']]],
    ['partnership', PARTNERSHIP, [['partner1BirthDate'], ['partner2BirthDate']]],
  ];
  for (const [kindId, values, units] of cases) {
    const cert = await issue(w, kindId, values);
    const kind = shippedKind(kindId);
    const order = kind.fields.map((f) => f.id);
    for (let set = 0; set < 1 << units.length; set++) {
      const chosen = units.filter((_, i) => (set >> i) & 1);
      const hidden = chosen.flat();
      const text = await reduce(cert.qr, chosen.map((u) => u[u.length - 1])); // one id per unit withholds its group
      const r = await verify(text);
      assert.equal(r.verdict, 'valid', `${kindId} ${hidden}: ${JSON.stringify(r.reasons)}`);
      assert.deepEqual(r.withheld, order.filter((id) => hidden.includes(id)), `${kindId} ${hidden}`);
      for (const id of hidden) assert.ok(!(id in r.fields), id);
      for (const id of Object.keys(values).filter((id) => !hidden.includes(id))) assert.deepEqual(r.fields[id], values[id], id);
      assert.ok(payloadOf(text).length <= payloadOf(cert.qr).length, `${kindId} ${hidden}: ${payloadOf(text).length} > ${payloadOf(cert.qr).length} bytes`);
      assert.ok(text.length <= cert.qr.length, `${kindId} ${hidden}: the text is longer`);
      if (hidden.length > 0) assert.ok(payloadOf(text).length < payloadOf(cert.qr).length, `${kindId} ${hidden}: not shorter`);
    }
  }
});

test('reduce: again from a reduced copy gives the same text as at once; a group field withholds its group; refusals', async () => {
  const w = await world();
  const cert = await issue(w, 'residence', RESIDENCE);
  const once = await reduce(cert.qr, ['relationship', 'birthDate']);
  const twice = await reduce(await reduce(cert.qr, ['relationship']), ['birthDate']);
  assert.equal(twice, once);
  const detailed = await reduceDetailed(cert.qr, ['domicileHead']);
  assert.deepEqual(detailed.withheld, ['domicile', 'domicileHead']);
  assert.deepEqual((await verify(detailed.text)).withheld, ['domicile', 'domicileHead']);
  // Bare text (no URL part), white space at the ends as a scanner may add: the result has no URL part.
  const bare = cert.qr.slice(cert.qr.indexOf('#') + 1);
  const fromBare = await reduce(` ${bare}\r\n`, ['birthDate']);
  assert.ok(fromBare.startsWith('AK2.'));
  assert.equal(fromBare, (await reduce(cert.qr, ['birthDate'])).slice(VERIFIER_URL.length + 1));
  const refusal = async (promise, code, field) => {
    await assert.rejects(promise, (e) => e instanceof ReduceError && e.code === code && e.field === field, code);
  };
  await refusal(reduce(cert.qr, ['name']), 'notWithholdable', 'name'); // a signed field
  await refusal(reduce(cert.qr, ['address']), 'notWithholdable', 'address');
  await refusal(reduce(once, ['relationship']), 'notShown', 'relationship'); // withheld already: cannot be shown again, nor hidden twice
  await refusal(reduce(cert.qr, ['nickname']), 'notShown', 'nickname');
  const e = await issue(w, 'energy-origin', ENERGY);
  await assert.rejects(reduce(e.qr, ['x']), (err) => err instanceof ReduceError && err.code === 'noDisclosures');
  await assert.rejects(reduce('AK2.123', ['birthDate']), (err) => err instanceof CertificateError);
});

// MARK: the disclosure check's codes (§5 step 4)

test('disclosureMismatch: an altered shown value (full and reduced), in the same number of bytes', async () => {
  const w = await world();
  const cert = await issue(w, 'residence', RESIDENCE);
  const c = cert.commitment;
  const altered = bytesOf(E.map([E.text('birthDate'), E.tag(1004, E.text('1980-04-01'))]));
  assert.equal(altered.length, c.units[0].bytes.length);
  const split = splitPayload(payloadOf(cert.qr));
  const bad = qrText(payloadBytes(split.envelope, withEntry(c, 0, altered), split.proof));
  assertDisclosureFailed(await verify(bad), 'disclosureMismatch');
  // In a reduced copy: 続柄 altered, 本籍 withheld.
  const reduced = splitPayload(payloadOf(await reduce(cert.qr, ['domicile'])));
  const d = Buffer.from(reduced.disclosures);
  const at = d.indexOf(Buffer.from('妻'));
  assert.ok(at > 0);
  Buffer.from('夫').copy(d, at);
  assertDisclosureFailed(await verify(qrText(payloadBytes(reduced.envelope, bytesOf(d), reduced.proof))), 'disclosureMismatch');
  // A node altered (one bit of a seed).
  const flipped = Buffer.from(split.disclosures);
  flipped[flipped.length - 1] ^= 1;
  assertDisclosureFailed(await verify(qrText(payloadBytes(split.envelope, bytesOf(flipped), split.proof))), 'disclosureMismatch');
  // The unaltered one passes (the harness does not fail everything).
  assert.equal((await verify(qrText(payloadBytes(split.envelope, split.disclosures, split.proof)))).verdict, 'valid');
});

test('disclosureMismatch: entries and nodes from another certificate with the same values', async () => {
  const w = await world();
  const a = await issue(w, 'residence', RESIDENCE);
  const b = await issue(w, 'residence', RESIDENCE);
  const A = splitPayload(payloadOf(a.qr));
  const B = splitPayload(payloadOf(b.qr));
  assert.deepEqual(A.disclosures.subarray(0, 100), B.disclosures.subarray(0, 100)); // the same entries…
  assertDisclosureFailed(await verify(qrText(payloadBytes(A.envelope, B.disclosures, A.proof))), 'disclosureMismatch'); // …other seeds
  const bReduced = splitPayload(payloadOf(await reduce(b.qr, ['birthDate', 'relationship'])));
  assertDisclosureFailed(await verify(qrText(payloadBytes(A.envelope, bReduced.disclosures, A.proof))), 'disclosureMismatch');
  // Seeds mixed: a's first pair, b's second.
  const mixed = bytesOf([...A.disclosures.subarray(0, A.disclosures.length - 16), ...B.disclosures.subarray(B.disclosures.length - 16)]);
  assertDisclosureFailed(await verify(qrText(payloadBytes(A.envelope, mixed, A.proof))), 'disclosureMismatch');
  // Made up: nodes of zeros.
  const zeros = bytesOf([...A.disclosures.subarray(0, A.disclosures.length - 32), ...new Uint8Array(32)]);
  assertDisclosureFailed(await verify(qrText(payloadBytes(A.envelope, zeros, A.proof))), 'disclosureMismatch');
});

test('disclosureUnknownField: a field the kind does not define added to a shown entry (even when the issuer committed to it)', async () => {
  const w = await world();
  const cert = await issue(w, 'residence', RESIDENCE);
  const added = bytesOf(E.map([E.text('birthDate'), E.tag(1004, E.text('1990-04-01'))], [E.text('nickname'), E.text('はな')]));
  const split = splitPayload(payloadOf(cert.qr));
  assertDisclosureFailed(await verify(qrText(payloadBytes(split.envelope, withEntry(cert.commitment, 0, added), split.proof))), 'disclosureUnknownField');
  // A commitment the issuer made over that entry gets the same code: the key is checked before R.
  const signedOver = await issue(w, 'residence', RESIDENCE, {
    disclosures: (c) => withEntry(c, 0, added),
    claims: (d, c) => {
      const leaf0 = leafOf(c.units[0].salt, added);
      return { cti: rootOf([pairOf(leaf0, c.units[1].leaf), c.commitments[1]]) };
    },
  });
  const r = await verify(signedOver.qr);
  assertDisclosureFailed(r, 'disclosureUnknownField');
  assert.match(r.reasons[0].message.en, /nickname/);
  assert.match(r.reasons[0].message.ja, /nickname/);
});

test('notWithholdable: a field of the kind that may not be withheld inside a unit entry', async () => {
  const w = await world();
  const cert = await issue(w, 'residence', RESIDENCE);
  const moved = bytesOf(E.map([E.text('birthDate'), E.tag(1004, E.text('1990-04-01'))], [E.text('name'), E.text('飯塚 花子')]));
  const split = splitPayload(payloadOf(cert.qr));
  const r = await verify(qrText(payloadBytes(split.envelope, withEntry(cert.commitment, 0, moved), split.proof)));
  assertDisclosureFailed(r, 'notWithholdable');
  assert.match(r.reasons[0].message.ja, /氏名/);
  // Unknown is reported before notWithholdable (the order of §5 step 4.3).
  const both = bytesOf(E.map([E.text('name'), E.text('x')], [E.text('zzz'), E.text('y')]));
  assertDisclosureFailed(await verify(qrText(payloadBytes(split.envelope, withEntry(cert.commitment, 1, both), split.proof))), 'disclosureUnknownField');
});

test('disclosureMismatch: key 4 without disclosures, disclosures without key 4, a wrong number of entries, entry keys not the unit\'s present fields', async () => {
  const w = await world();
  // Key 4 with D = 0.
  const noD = await issue(w, 'residence', RESIDENCE, { disclosures: () => new Uint8Array(0) });
  assertDisclosureFailed(await verify(noD.qr), 'disclosureMismatch');
  // D > 0 without key 4: disclosures appended to a certificate of a kind without withholdable fields.
  const full = await issue(w, 'residence', RESIDENCE);
  const plain = await issue(w, 'energy-origin', ENERGY, { disclosures: () => full.disclosures });
  const rp = await verify(plain.qr);
  assert.equal(checksOf(rp).disclosure, 'failed:disclosureMismatch');
  assert.ok(!('withheld' in rp));
  // Three entries for four present units (the last pair's nodes made to fit).
  const c = full.commitment;
  const three = bytesOf([0x84, ...c.units[0].bytes, ...c.units[1].bytes, ...c.units[2].bytes, ...E.bytes(Buffer.concat([c.seeds[0], c.seeds[1]]))]);
  const split = splitPayload(payloadOf(full.qr));
  assertDisclosureFailed(await verify(qrText(payloadBytes(split.envelope, three, split.proof))), 'disclosureMismatch');
  // Five entries: one more withheld unit than present (nodes for the pattern ssssw: S0 S1 C).
  const five = bytesOf([0x86, ...c.units.flatMap((u) => [...u.bytes]), 0xa0, ...E.bytes(Buffer.concat([c.seeds[0], c.seeds[1], new Uint8Array(16)]))]);
  assertDisclosureFailed(await verify(qrText(payloadBytes(split.envelope, five, split.proof))), 'disclosureMismatch');
  // The group's unit with only one of its two present fields.
  const onlyDomicile = bytesOf(E.map([E.text('domicile'), E.text(RESIDENCE.domicile)]));
  assertDisclosureFailed(await verify(qrText(payloadBytes(split.envelope, withEntry(c, 3, onlyDomicile), split.proof))), 'disclosureMismatch');
  // Two entries swapped (each holds another unit's field).
  const swapped = bytesOf([0x85, ...c.units[1].bytes, ...c.units[0].bytes, ...c.units[2].bytes, ...c.units[3].bytes, ...E.bytes(Buffer.concat(c.seeds))]);
  assertDisclosureFailed(await verify(qrText(payloadBytes(split.envelope, swapped, split.proof))), 'disclosureMismatch');
});

test('disclosure: shown values must fit their definitions after R matches (invalidFields at the disclosure check, stop)', async () => {
  const w = await world();
  const cert = await issue(w, 'residence', { ...RESIDENCE, birthDate: '1800-01-01', relationship: ' 妻' });
  const r = await verify(cert.qr);
  assertDisclosureFailed(r, 'invalidFields');
  assert.equal(checksOf(r).kindValid, 'passed');
  assert.match(r.reasons[0].message.en, /Date of birth/);
  assert.match(r.reasons[0].message.en, /Relationship/);
  // Withheld, the bad values are not checked (they are not there): valid.
  const reduced = await verify(await reduce(cert.qr, ['birthDate', 'relationship']));
  assert.equal(reduced.verdict, 'valid', JSON.stringify(reduced.reasons));
});

test('kindValid with a present mask: a withholdable field among the signed fields, a bit beyond the withholdable fields, a required one not issued', async () => {
  const w = await world();
  // birthDate also signed (key 3): invalidFields at kindValid; disclosure still runs and passes.
  const signedToo = await issue(w, 'residence', RESIDENCE, { claims: (d) => ({ signed: [...d.signed, [E.text('birthDate'), E.tag(1004, E.text('1990-04-01'))]] }) });
  let r = await verify(signedToo.qr);
  assert.equal(checksOf(r).kindValid, 'failed:invalidFields');
  assert.equal(checksOf(r).disclosure, 'passed');
  assert.equal(r.verdict, 'invalid');
  assert.match(r.reasons[0].message.en, /withholdable field is among the signed fields/);
  // Bit 5 set: the residence kind has 5 withholdable fields (bits 0 … 4).
  const beyond = await issue(w, 'residence', RESIDENCE, { claims: (d) => ({ mask: d.mask | 0b100000 }) });
  r = await verify(beyond.qr);
  assert.equal(checksOf(r).kindValid, 'failed:invalidFields');
  assert.match(r.reasons[0].message.en, /sets bit 5/);
  // householder is required: not issued (bit 1 clear) is a missing required field.
  const { householder, ...values } = RESIDENCE;
  r = await verify((await issue(w, 'residence', values)).qr);
  assert.equal(checksOf(r).kindValid, 'failed:invalidFields');
  assert.match(r.reasons[0].message.en, /required field Head of household is missing/);
  assert.equal(checksOf(r).disclosure, 'passed');
  // …but withheld by the holder, it counts as present.
  r = await verify(await reduce((await issue(w, 'residence', RESIDENCE)).qr, ['householder', 'birthDate']));
  assert.equal(checksOf(r).kindValid, 'passed');
  assert.equal(r.verdict, 'valid');
});

test('disclosure needs the kind: skipped when the trust file has no kind of that id; another version uses the trusted definition', async () => {
  const w = await world();
  // Same keys, but the trust file does not allow residence (nor graduation).
  const trust = await parseTrust(JSON.stringify({ ...w.trustJSON, authorities: [{ ...w.trustJSON.authorities[0], kinds: [shippedKind('energy-origin')] }] }));
  const sd = await verifyText((await issue(w, 'residence', RESIDENCE)).qr, trust, { at: AT });
  assert.equal(checksOf(sd).kindValid, 'failed:kindNotAllowed');
  assert.equal(checksOf(sd).disclosure, 'skipped');
  assert.equal(checksOf(sd).inclusion, 'passed'); // not a stop
  assert.ok(!('withheld' in sd));
  assert.ok(!('birthDate' in sd.fields));
  // Without withholdable fields too (as the kind-not-allowed vector).
  const g = shippedKind('graduation');
  const plain = await issue({ ...w, kinds: [{ ...g, fields: g.fields.map(({ withholdable, ...f }) => f) }] }, 'graduation', GRADUATION);
  assert.equal(plain.disclosures.length, 0);
  const rp = await verifyText(plain.qr, trust, { at: AT });
  assert.equal(checksOf(rp).kindValid, 'failed:kindNotAllowed');
  assert.equal(checksOf(rp).disclosure, 'skipped');
  assert.ok(!('withheld' in rp));
  // Version 2 of residence signed; the trust file has version 1: kindVersion, and disclosure runs with version 1's units.
  const v2 = await issue(w, 'residence', RESIDENCE, { claims: (d) => ({ kind: { ...d.kind, version: 2 } }) });
  const rv = await verify(await reduce(v2.qr, ['birthDate']));
  assert.equal(checksOf(rv).kindValid, 'failed:kindVersion');
  assert.equal(checksOf(rv).disclosure, 'passed');
  assert.deepEqual(rv.withheld, ['birthDate']);
  const forged = splitPayload(payloadOf(v2.qr));
  const d = Buffer.from(forged.disclosures);
  Buffer.from('1991').copy(d, d.indexOf(Buffer.from('1990')));
  assertDisclosureFailed(await verify(qrText(payloadBytes(forged.envelope, bytesOf(d), forged.proof))), 'disclosureMismatch');
});

// MARK: decoding (§5 step 1): undecodable

test('decode: disclosures that break §3 or the CBOR profile are undecodable (bad node length, structure, forms)', async () => {
  const w = await world();
  const cert = await issue(w, 'residence', RESIDENCE);
  const c = cert.commitment;
  const split = splitPayload(payloadOf(cert.qr));
  const entries = c.units.flatMap((u) => [...u.bytes]);
  const seeds = Buffer.concat(c.seeds);
  const cases = [
    ['nodes 31 bytes', bytesOf([0x85, ...entries, ...E.bytes(seeds.subarray(0, 31))]), /32 \(2 × 16\)/],
    ['nodes 33 bytes', bytesOf([0x85, ...entries, ...E.bytes([...seeds, 0])]), /33 bytes of nodes/],
    ['nodes 48 bytes', bytesOf([0x85, ...entries, ...E.bytes([...seeds, ...seeds.subarray(0, 16)])]), /48 bytes of nodes/],
    ['nodes empty', bytesOf([0x85, ...entries, 0x40]), /0 bytes of nodes/],
    ['nodes for a split pair missing', bytesOf([0x85, ...c.units[0].bytes, 0xa0, ...c.units[2].bytes, ...c.units[3].bytes, ...E.bytes(seeds)]), /32 bytes of nodes; 48/],
    ['nodes as text', bytesOf([0x85, ...entries, ...E.text('x'.repeat(32))]), /not a byte string/],
    ['no entries', bytesOf([0x81, ...E.bytes(seeds.subarray(0, 16))]), /1 items/],
    ['18 items', bytesOf([0x92, ...Array(17).fill(0xa0), ...E.bytes(new Uint8Array(16 * 9))]), /18 items/],
    ['not an array', bytesOf(E.map([E.text('birthDate'), E.text('x')])), /not a CBOR array/],
    ['an entry that is an array', bytesOf([0x85, 0x80, ...c.units[1].bytes, ...c.units[2].bytes, ...c.units[3].bytes, ...E.bytes(seeds)]), /entry 0 that is not a map/],
    ['an integer field id', bytesOf([0x85, 0xa1, 0x01, 0x61, 0x61, ...c.units.slice(1).flatMap((u) => [...u.bytes]), ...E.bytes(seeds)]), /field id that is not text/],
    ['a float value', bytesOf([0x85, 0xa1, ...E.text('birthDate'), 0xf9, 0x3c, 0x00, ...c.units.slice(1).flatMap((u) => [...u.bytes]), ...E.bytes(seeds)]), /majorType7/],
    ['a byte string value', bytesOf([0x85, 0xa1, ...E.text('birthDate'), 0x41, 0x00, ...c.units.slice(1).flatMap((u) => [...u.bytes]), ...E.bytes(seeds)]), /form this format does not define/],
    ['tag 1 on a value', bytesOf([0x85, 0xa1, ...E.text('birthDate'), 0xc1, 0x00, ...c.units.slice(1).flatMap((u) => [...u.bytes]), ...E.bytes(seeds)]), /tagNotAllowed/],
    ['a tagged field id', bytesOf([0x85, 0xa1, ...E.tag(30001, E.text('birthDate')), ...E.text('x'), ...c.units.slice(1).flatMap((u) => [...u.bytes]), ...E.bytes(seeds)]), /field id that is not text/],
    ['a tagged node string', bytesOf([0x85, ...entries, ...E.tag(1004, E.bytes(seeds))]), /tagNotAllowed|not a byte string/],
    ['unsorted keys', bytesOf([0x85, ...c.units.slice(0, 3).flatMap((u) => [...u.bytes]), 0xa2, ...E.text('domicileHead'), ...E.text('x'), ...E.text('domicile'), ...E.text('y'), ...E.bytes(seeds)]), /unsortedMapKeys/],
    ['a field id twice', bytesOf([0x85, ...c.units.slice(0, 3).flatMap((u) => [...u.bytes]), 0xa2, ...E.text('domicile'), ...E.text('x'), ...E.text('domicile'), ...E.text('y'), ...E.bytes(seeds)]), /duplicateMapKey/],
    ['a byte after the item', bytesOf([...fullDisclosures(c), 0x00]), /trailingBytes/],
    ['indefinite-length array', bytesOf([0x9f, ...entries, ...E.bytes(seeds), 0xff]), /indefiniteLength/],
    ['truncated', fullDisclosures(c).subarray(0, 40), /truncated/],
  ];
  for (const [what, disclosures, reason] of cases) {
    const r = await verify(qrText(payloadBytes(split.envelope, disclosures, split.proof)));
    assert.equal(checksOf(r).decode, 'failed:undecodable', what);
    assert.equal(checksOf(r).issuerKnown, 'skipped', what);
    assert.match(r.reasons[0].message.en, reason, what);
    assert.throws(() => decodeDisclosures(disclosures), CertificateError, what);
  }
  // The framing: D longer than what remains, D minimal.
  const env = [...split.envelope];
  const d = fullDisclosures(c);
  const framed = (dBytes, disc, proof) => qrText(bytesOf([2, ...uvarintOf(env.length), ...env, ...dBytes, ...disc, ...proof]));
  assert.equal(checksOf(await verify(framed(uvarintOf(d.length + split.proof.length), d, split.proof))).decode, 'failed:undecodable'); // no proof left
  assert.equal(checksOf(await verify(framed([0x80, 0x00], [], split.proof))).decode, 'failed:undecodable'); // D = 0 in two bytes
  assert.equal(checksOf(await verify(framed(uvarintOf(d.length), d, split.proof))).decode, 'passed');
});

function uvarintOf(n) {
  const out = [];
  do {
    let b = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}

// MARK: the report (§6)

test('report: fields = signed + shown, withheld in kind order, [] without a present mask; absent when disclosure failed', async () => {
  const w = await world();
  const cert = await issue(w, 'residence', RESIDENCE);
  const r = await verify(await reduce(cert.qr, ['domicileHead', 'birthDate']));
  assert.deepEqual(r.withheld, ['birthDate', 'domicile', 'domicileHead']);
  assert.deepEqual(Object.keys(r.fields).sort(), ['address', 'householder', 'kana', 'name', 'relationship', 'residentSince', 'sex']);
  assert.equal(r.fields.householder, '飯塚 太郎');
  assert.deepEqual(r.details.withheld, ['birthDate', 'domicile', 'domicileHead']);
  assert.equal(r.details.fields.get('relationship').value, '妻');
  assert.ok(!r.details.claims.fields.has('relationship'), 'the claims hold only the signed fields');
  // JSON as akashi-verify --json: withheld is an array member.
  const json = JSON.parse(JSON.stringify(r));
  assert.deepEqual(json.withheld, ['birthDate', 'domicile', 'domicileHead']);
  // Claims failed: neither fields nor withheld.
  const broken = await issue(w, 'residence', RESIDENCE, { claims: () => ({ cti: new Uint8Array(10) }) });
  const rb = await verify(broken.qr);
  assert.equal(checksOf(rb).claims, 'failed:undecodable');
  assert.ok(!('fields' in rb) && !('withheld' in rb));
});
