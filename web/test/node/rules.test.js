// The wire-format rules of docs/spec, one by one, each with inputs that break
// it and the exact error code or reason the web core gives (and, where a rule
// has an edge, the input just inside it that must pass):
//
//   CBOR profile       certificate.md §1 (major type 7, tags by position, depth 16)
//   COSE envelope      certificate.md §2.1 (Akashi profile; certificates and status lists)
//   claims             certificate.md §3, §4 (times, kind id, forms of field values)
//   field check        certificate.md §4, §5 (the codes of Swift's FieldValues.check)
//   trust file         trust-file.md §1–§4
//   status list        status-list.md §1–§4
//
// Certificates, trust files and status lists are made here with fresh keys
// (WebCrypto P-256 and Ed25519), so every case is signed correctly and fails
// only by the rule it tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { head } from '../support/cbor-head.js';
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { CBORError, MAX_DEPTH, decode as decodeCBOR } from '../../js/core/cbor.js';
import { COSEError, decodeSign1, signatureStructure } from '../../js/core/cose.js';
import { CertificateError, FieldMap, decodeClaims } from '../../js/core/claims.js';
import { checkFields } from '../../js/core/kinds.js';
import { TrustError, isP256Point, parseTrust } from '../../js/core/trust.js';
import { decodeStatusPayload, verifyStatusList } from '../../js/core/status.js';
import { verifyText } from '../../js/core/verify.js';
import { encode as encodeNumeric } from '../../js/core/numeric.js';
import { isTextWhiteSpace, textRuleProblem } from '../../js/core/util.js';

const subtle = globalThis.crypto.subtle;
const te = new TextEncoder();
const hex = (s) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g) || [], (b) => parseInt(b, 16));
const toHex = (b) => Buffer.from(b).toString('hex');
const sha256 = (...parts) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest());
const b64u = (b) => Buffer.from(b).toString('base64url');
const b64 = (b) => Buffer.from(b).toString('base64');
const clone = (o) => JSON.parse(JSON.stringify(o));

// MARK: a deterministic CBOR encoder (byte arrays)

const E = {
  int: (v) => (BigInt(v) >= 0n ? head(0, v) : head(1, -1n - BigInt(v))),
  text: (s) => { const b = te.encode(s); return [...head(3, b.length), ...b]; },
  bytes: (b) => [...head(2, b.length), ...b],
  array: (...items) => [...head(4, items.length), ...items.flat()],
  tag: (t, item) => [...head(6, t), ...item],
  raw: (h) => [...hex(h)],
  /** A map of [key bytes, value bytes] pairs, sorted by the keys' bytes (deterministic). */
  map: (...pairs) => {
    const sorted = pairs.filter((p) => p[1] !== undefined && p[1] !== null).sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
    return [...head(5, sorted.length), ...sorted.flat(2)];
  },
};
const bytesOf = (a) => Uint8Array.from(a);

function cborError(f) {
  try {
    f();
  } catch (error) {
    assert.ok(error instanceof CBORError, `expected a CBORError, got ${error}`);
    return error.code;
  }
  assert.fail('no error');
}
function coseError(bytes) {
  try {
    decodeSign1(bytes);
  } catch (error) {
    assert.ok(error instanceof COSEError, `expected a COSEError, got ${error}`);
    return error;
  }
  assert.fail('the envelope was accepted');
}
function claimsError(bytes) {
  try {
    decodeClaims(bytes);
  } catch (error) {
    assert.ok(error instanceof CertificateError, `expected a CertificateError, got ${error}`);
    assert.equal(error.code, 'malformedPayload');
    return error.reason;
  }
  assert.fail('the claims were accepted');
}

// MARK: claims (certificate.md §3)

const NOW = 1796238467; // 2026-12-03T04:07:47Z
const SERIAL = hex('2064d711adc0bc3cfdb3');
const K = { iss: E.int(1), exp: E.int(4), iat: E.int(6), cti: E.int(7), akashi: E.int(-70000) };

/** The claims map with these values (null leaves a key out; `extra` adds [key, value] pairs). */
function claims({ iss = E.text('402052'), exp, iat = E.int(NOW), cti = E.bytes(SERIAL), content, kind = E.text('residence'),
  version = E.int(1), fields = E.map([E.text('name'), E.text('飯塚 花子')]), extra = [] } = {}) {
  const akashi = content !== undefined ? content : E.map([E.int(1), kind], [E.int(2), version], [E.int(3), fields]);
  return bytesOf(E.map([K.iss, iss], [K.exp, exp], [K.iat, iat], [K.cti, cti], [K.akashi, akashi], ...extra));
}
const withField = (value, name = 'name') => claims({ fields: E.map([E.text(name), value]) });

// MARK: 1. CBOR profile

test('CBOR §1 rule 5: no major type 7 at all (false, true, null, undefined, simple values, floats)', () => {
  for (const h of ['f4', 'f5', 'f6', 'f7', 'e0', 'f3', 'f820', 'f8ff', 'f93c00', 'f97e00', 'fa3f800000', 'fb3ff0000000000000', 'ff']) {
    assert.equal(cborError(() => decodeCBOR(hex(h))), 'majorType7', h);
  }
  // inside containers, and under an allowed tag
  assert.equal(cborError(() => decodeCBOR(hex('a101f5'))), 'majorType7');
  assert.equal(cborError(() => decodeCBOR(hex('8201f6'))), 'majorType7');
  assert.equal(cborError(() => decodeCBOR(hex('d903ecf6'), { allowedTags: [1004] })), 'majorType7');
  // In the claims: a float or Boolean time or value is undecodable.
  assert.match(claimsError(claims({ iat: E.raw('fb41dac4d7e0c0000000') })), /majorType7/);
  assert.match(claimsError(withField(E.raw('f5'))), /majorType7/);
  assert.match(claimsError(withField(E.raw('f6'))), /majorType7/);
  assert.match(claimsError(claims({ exp: E.raw('f97c00') })), /majorType7/);
});

test('CBOR §1 rule 6: no tag unless allowed, and the allowed ones only where the format puts them', () => {
  for (const h of ['c11a5f5e1000', 'c249010000000000000000', 'd818420102', 'd9d9f700', 'c0', 'd2a0']) {
    assert.equal(cborError(() => decodeCBOR(hex(h))), 'tagNotAllowed', h); // refused at the tag's head, before its content
  }
  assert.equal(cborError(() => decodeCBOR(hex('d903ec6161'), { allowedTags: [30000] })), 'tagNotAllowed');
  assert.equal(decodeCBOR(hex('d903ec6161'), { allowedTags: [1004n] }).tag, 1004n);
  // Claims: the three field tags only, only on a text string that is a field value.
  assert.match(claimsError(withField(E.tag(1, E.int(0)))), /tagNotAllowed/); // {3: {"name": 1(0)}}
  assert.match(claimsError(withField(E.tag(18, E.text('x')))), /tagNotAllowed/);
  assert.match(claimsError(withField(E.tag(55799, E.text('x')))), /tagNotAllowed/);
  assert.match(claimsError(withField(E.tag(1004, E.tag(30000, E.text('1'))))), /form this format does not define/); // nested
  assert.match(claimsError(withField(E.tag(1004, E.int(1)))), /form this format does not define/); // on a non-text item
  assert.match(claimsError(withField(E.array(E.tag(30001, E.text('a'))))), /form this format does not define/); // in a textList
  assert.match(claimsError(claims({ iat: E.tag(1004, E.text('2026-12-03')) })), /issue time/);
  assert.match(claimsError(claims({ iss: E.tag(30001, E.text('402052')) })), /no issuer/);
  assert.match(claimsError(claims({ kind: E.tag(30001, E.text('residence')) })), /kind id/);
  assert.match(claimsError(claims({ cti: E.tag(1004, E.bytes(SERIAL)) })), /serial/);
  assert.match(claimsError(claims({ content: E.tag(30000, E.map()) })), /Akashi content/);
  assert.match(claimsError(claims({ fields: E.tag(30001, E.map()) })), /field map/);
  assert.match(claimsError(bytesOf(E.tag(1004, [...claims()]))), /not a CBOR map/); // the whole payload tagged
  assert.match(claimsError(claims({ fields: E.map([E.tag(1004, E.text('name')), E.text('x')]) })), /field id that is not text/);
  // Still decodable: the three tags on field values.
  const ok = decodeClaims(claims({ fields: E.map([E.text('b'), E.tag(1004, E.text('1990-04-01'))], [E.text('d'), E.tag(30000, E.text('1.5'))], [E.text('e'), E.tag(30001, E.text('f'))]) }));
  assert.deepEqual(ok.fields.entries().map(([k, v]) => [k, v.type]), [['b', 'date'], ['d', 'decimal'], ['e', 'enumValue']]);
});

test(`CBOR: nesting depth at most ${MAX_DEPTH} (arrays, maps and tags)`, () => {
  const nested = (n, leaf = '00') => hex('81'.repeat(n) + leaf);
  assert.equal(MAX_DEPTH, 16);
  decodeCBOR(nested(16)); // 16 arrays, an integer inside
  decodeCBOR(nested(15, '80'));
  assert.equal(cborError(() => decodeCBOR(nested(17))), 'depthLimitExceeded');
  assert.equal(cborError(() => decodeCBOR(nested(16, '80'))), 'depthLimitExceeded');
  assert.equal(cborError(() => decodeCBOR(hex('a100'.repeat(17) + '00'))), 'depthLimitExceeded');
  assert.equal(cborError(() => decodeCBOR(hex('81'.repeat(16) + 'd903ec' + '6161'), { allowedTags: [1004] })), 'depthLimitExceeded');
  decodeCBOR(hex('81'.repeat(15) + 'd903ec' + '6161'), { allowedTags: [1004] }); // a tag is a level too: 16 in all
});

test('CBOR: the other deterministic-encoding rules keep their codes', () => {
  assert.equal(cborError(() => decodeCBOR(hex('1817'))), 'nonShortestArgument');
  assert.equal(cborError(() => decodeCBOR(hex('d81700'), { allowedTags: [23] })), 'nonShortestArgument'); // tag numbers too
  assert.equal(cborError(() => decodeCBOR(hex('5f40ff'))), 'indefiniteLength');
  assert.equal(cborError(() => decodeCBOR(hex('a201000100'))), 'duplicateMapKey');
  assert.equal(cborError(() => decodeCBOR(hex('a202000100'))), 'unsortedMapKeys');
  assert.equal(cborError(() => decodeCBOR(hex('62c328'))), 'invalidUTF8');
  assert.equal(cborError(() => decodeCBOR(hex('63eda080'))), 'invalidUTF8'); // an encoded surrogate
  assert.equal(cborError(() => decodeCBOR(hex('0000'))), 'trailingBytes');
  assert.equal(cborError(() => decodeCBOR(hex('1c'))), 'malformed');
});

// MARK: 2. COSE envelope (Akashi profile)

const KID = '0102030405060708';
const SIG = '5840' + '11'.repeat(64);
const PAYLOAD = '43a10101';
const envelopeHex = ({ tag = 'd2', protectedHeader = '4da201260448' + KID, unprotected = 'a0', payload = PAYLOAD, signature = SIG, items = '84' } = {}) =>
  tag + items + protectedHeader + unprotected + payload + signature;

test('COSE §2.1: exactly D2 84 4D A2 01 26 04 48 kid[8] A0 payload 58 40 sig', () => {
  const ok = decodeSign1(hex(envelopeHex()));
  assert.equal(toHex(ok.kid), KID);
  assert.equal(toHex(ok.payload), 'a10101');
  const cases = [
    [{ tag: '' }, 'untagged'],
    [{ tag: 'd1' }, 'malformedCBOR'], // another tag: not even CBOR of the profile
    [{ tag: 'd2d2' }, 'malformedStructure'], // tagged twice
    [{ items: '83', signature: '' }, 'malformedStructure'],
    [{ protectedHeader: 'a201260448' + KID }, 'malformedStructure'], // a map, not a byte string
    [{ protectedHeader: '4da2012604' + '4a' + KID + '0000' }, 'malformedCBOR'], // 15 bytes in a 13-byte string
    [{ protectedHeader: '50a30126034100044801020304' + '05060708' }, 'unexpectedHeader'], // content type (3) as well
    [{ protectedHeader: '50a301260281010448' + KID }, 'unsupportedCriticalHeader'], // crit (2)
    [{ protectedHeader: '4ea20138220448' + KID }, 'unsupportedAlgorithm'], // ES384 (-35)
    [{ protectedHeader: '4ba10448' + KID }, 'missingAlgorithm'],
    [{ protectedHeader: '4ba10448' + KID, unprotected: 'a10126' }, 'missingAlgorithm'], // alg only unprotected
    [{ protectedHeader: '43a10126' }, 'missingKeyID'],
    [{ protectedHeader: '43a10126', unprotected: 'a10448' + KID }, 'unprotectedKeyID'], // kid only unprotected
    [{ protectedHeader: '4ca2012604470102030405060' + '7' }, 'malformedKeyID'], // 7-byte kid
    [{ protectedHeader: '4ea20126044901020304050607' + '0809' }, 'malformedKeyID'], // 9-byte kid
    [{ protectedHeader: '4da201260468' + '6162636465666768' }, 'malformedHeader'], // kid as text
    [{ protectedHeader: '4ea2013900060448' + KID }, 'malformedCBOR'], // -7 in two bytes
    [{ protectedHeader: '4da204480102030405060708' + '0126' }, 'malformedCBOR'], // keys unsorted
    [{ protectedHeader: '4da201f40448' + KID }, 'malformedCBOR'], // alg false
    [{ unprotected: 'a10565' + '6e6f6e6365' }, 'unexpectedHeader'], // a non-empty unprotected header
    [{ unprotected: 'a1182140' }, 'unexpectedHeader'],
    [{ unprotected: 'a10126' }, 'duplicateHeaderLabel'],
    [{ unprotected: '80' }, 'malformedStructure'],
    [{ payload: 'f6' }, 'malformedCBOR'], // nil: detached payload is major type 7, refused by the profile
    [{ payload: '6461626364' }, 'malformedStructure'], // text payload
    [{ payload: 'd8' + '18' + PAYLOAD }, 'malformedCBOR'], // tag 24 inside
    [{ payload: 'd2' + PAYLOAD }, 'malformedStructure'], // tag 18 where a byte string belongs
    [{ signature: '5820' + '11'.repeat(32) }, 'malformedSignature'],
    [{ signature: '5841' + '11'.repeat(65) }, 'malformedSignature'],
  ];
  for (const [change, code] of cases) {
    const error = coseError(hex(envelopeHex(change)));
    assert.equal(error.code, code, `${JSON.stringify(change)}: ${error.description}`);
  }
  // malformedCBOR says which rule of the profile broke
  assert.equal(coseError(hex(envelopeHex({ tag: 'd1' }))).underlying.code, 'tagNotAllowed');
  assert.equal(coseError(hex(envelopeHex({ payload: 'f6' }))).underlying.code, 'majorType7');
  assert.equal(coseError(hex(envelopeHex() + '00')).underlying.code, 'trailingBytes');
});

// MARK: 3. claims

test('claims §3: iat and exp unsigned integers 0 … 2^53 − 1', () => {
  const max = 2n ** 53n - 1n;
  assert.equal(decodeClaims(claims({ iat: E.int(max), exp: E.int(max) })).issuedAt, Number(max));
  assert.equal(decodeClaims(claims({ iat: E.int(0) })).issuedAt, 0);
  for (const [what, bad] of [['iat', { iat: E.int(-1) }], ['iat', { iat: E.int(max + 1n) }], ['iat', { iat: E.int(2n ** 64n - 1n) }],
    ['iat', { iat: E.text(String(NOW)) }], ['iat', { iat: null }], ['exp', { exp: E.int(-5) }], ['exp', { exp: E.int(max + 1n) }],
    ['exp', { exp: E.bytes([1]) }]]) {
    assert.match(claimsError(claims(bad)), what === 'iat' ? /issue time \(iat\)/ : /expiry \(exp\)/, JSON.stringify(bad));
  }
});

test('claims §3: the kind id is [a-z][a-z0-9-]{0,39}, checked when decoding', () => {
  for (const id of ['r', 'residence', 'a-b-0', 'a'.repeat(40), 'z9']) assert.equal(decodeClaims(claims({ kind: E.text(id) })).kind, id);
  for (const id of ['', 'Residence', '1abc', '-abc', 'res_idence', 'residence\n', 'residence\nkind x', 'a'.repeat(41), 'résidence', 'ｒｅｓ', 'res idence']) {
    assert.match(claimsError(claims({ kind: E.text(id) })), /kind id/, JSON.stringify(id));
  }
});

test('claims §3: exactly the five claims, the serial 10 bytes, the version 1 … 2^31 − 1, the content {1, 2, 3} and optional 4, 5', () => {
  assert.match(claimsError(claims({ extra: [[E.int(2), E.text('sub')]] })), /claim this format does not define/);
  assert.match(claimsError(claims({ extra: [[E.int(5), E.int(NOW)]] })), /claim this format does not define/);
  assert.match(claimsError(claims({ extra: [[E.text('x'), E.int(1)]] })), /claim this format does not define/);
  assert.match(claimsError(claims({ iss: null })), /no issuer/);
  assert.match(claimsError(claims({ cti: E.bytes(SERIAL.subarray(0, 9)) })), /serial/);
  assert.match(claimsError(claims({ cti: null })), /serial/);
  assert.match(claimsError(claims({ version: E.int(0) })), /kind version/);
  assert.match(claimsError(claims({ version: E.int(2n ** 31n) })), /kind version/);
  assert.equal(decodeClaims(claims({ version: E.int(2n ** 31n - 1n) })).kindVersion, 2 ** 31 - 1);
  assert.match(claimsError(claims({ content: E.map([E.int(1), E.text('residence')], [E.int(2), E.int(1)]) })), /Akashi content/);
  assert.match(claimsError(claims({ content: E.map([E.int(1), E.text('residence')], [E.int(2), E.int(1)], [E.int(3), E.map()], [E.int(5), E.int(1)]) })), /subject keys/);
  assert.match(claimsError(claims({ content: E.map([E.int(1), E.text('residence')], [E.int(2), E.int(1)], [E.int(3), E.map()], [E.int(6), E.int(1)]) })), /Akashi content/);
  assert.match(claimsError(claims({ content: E.map([E.int(1), E.text('residence')], [E.int(2), E.int(1)], [E.int(3), E.map()], [E.int(0), E.int(1)]) })), /Akashi content/);
  assert.match(claimsError(claims({ content: E.map([E.int(1), E.text('residence')], [E.int(2), E.int(1)], [E.int(4), E.int(1)]) })), /Akashi content/); // 4 without 3
});

test('claims §3 with selective disclosure: content key 4 (present mask 1 … 65 535) goes with a 16-byte cti, no key 4 with a 10-byte one', () => {
  const R = hex('00112233445566778899aabbccddeeff');
  const withMask = (mask, cti = E.bytes(R)) => claims({ cti, content: E.map([E.int(1), E.text('residence')], [E.int(2), E.int(1)], [E.int(3), E.map()], [E.int(4), mask]) });
  const ok = decodeClaims(withMask(E.int(5)));
  assert.equal(ok.presentMask, 5);
  assert.deepEqual(ok.cti, R);
  assert.deepEqual(ok.serial, R.subarray(0, 10)); // the serial is the first 10 bytes of cti
  assert.equal(decodeClaims(withMask(E.int(65535))).presentMask, 65535);
  assert.equal(decodeClaims(withMask(E.int(1))).presentMask, 1);
  assert.equal(decodeClaims(claims()).presentMask, null);
  assert.match(claimsError(withMask(E.int(0))), /present mask/);
  assert.match(claimsError(withMask(E.int(65536))), /present mask/);
  assert.match(claimsError(withMask(E.int(-1))), /present mask/);
  assert.match(claimsError(withMask(E.text('5'))), /present mask/);
  assert.equal(decodeClaims(withMask(E.raw('1901ff'))).presentMask, 511);
  assert.match(claimsError(withMask(E.raw('190005'))), /nonShortestArgument/); // 5 in two bytes
  assert.match(claimsError(withMask(E.tag(30000, E.text('5')))), /present mask/);
  assert.match(claimsError(withMask(E.int(5), E.bytes(SERIAL))), /16-byte/); // key 4 with a 10-byte cti
  assert.match(claimsError(withMask(E.int(5), E.bytes(R.subarray(0, 15)))), /16-byte/);
  assert.match(claimsError(withMask(E.int(5), E.bytes([...R, 0]))), /16-byte/);
  assert.match(claimsError(claims({ cti: E.bytes(R) })), /10-byte serial/); // 16 bytes without key 4
});

test('claims §4: field value forms — an empty or nested array, a byte string, a map, an out-of-Int64 integer are undecodable', () => {
  for (const [what, value] of [['empty textList', E.array()], ['nested', E.array(E.array(E.text('a')))], ['non-text item', E.array(E.text('a'), E.int(1))],
    ['bytes', E.bytes([1])], ['map', E.map()], ['2^63', E.int(2n ** 63n)], ['-2^63 - 1', E.int(-(2n ** 63n) - 1n)]]) {
    assert.match(claimsError(withField(value)), /form this format does not define/, what);
  }
  assert.equal(decodeClaims(withField(E.int(2n ** 63n - 1n))).fields.get('name').value, 2n ** 63n - 1n);
  assert.equal(decodeClaims(withField(E.int(-(2n ** 63n)))).fields.get('name').value, -(2n ** 63n));
  assert.deepEqual(decodeClaims(withField(E.array(E.text('a')))).fields.get('name'), { type: 'textList', value: ['a'] });
});

test('claims §4: field ids are compared as bytes (canonically equivalent ids are two ids)', () => {
  const c = decodeClaims(claims({ fields: E.map([E.text('caf\u00e9'), E.text('a')], [E.text('cafe\u0301'), E.text('b')], [E.text('\u212Aey'), E.text('c')], [E.text('Key'), E.text('d')]) }));
  assert.equal(c.fields.size, 4);
  assert.equal(c.fields.get('caf\u00e9').value, 'a');
  assert.equal(c.fields.get('cafe\u0301').value, 'b');
  const problems = checkFields(kind(), c.fields);
  assert.deepEqual(problems.map((p) => [p.field, p.code]),
    [['Key', 'unknownField'], ['cafe\u0301', 'unknownField'], ['caf\u00e9', 'unknownField'], ['\u212Aey', 'unknownField'], ['name', 'required']]);
});

// MARK: 4. field check (kinds.js)

const L = (en) => ({ ja: en, en });
function kind() {
  return {
    id: 'residence', version: 1, label: L('Residence'),
    fields: [
      { id: 'name', type: 'text', required: true, maxLength: 5, label: L('Name') },
      { id: 'lines', type: 'textList', required: false, maxLength: 4, maxItems: 2, label: L('Lines') },
      { id: 'birthDate', type: 'date', required: false, label: L('Birth date') },
      { id: 'count', type: 'integer', required: false, minimum: -3, maximum: 10, label: L('Count') },
      { id: 'height', type: 'decimal', required: false, minimum: -3, maximum: 5, label: L('Height') },
      { id: 'big', type: 'decimal', required: false, scale: 3, minimum: -999999999999999, maximum: 999999999999999, label: L('Big') },
      { id: 'whole', type: 'decimal', required: false, scale: 0, minimum: 0, label: L('Whole') },
      { id: 'sex', type: 'enum', required: false, label: L('Sex'), options: [{ value: 'female', label: { ja: '女', en: 'Female' } }, { value: 'caf\u00e9', label: L('Cafe') }] },
    ],
  };
}
function codesOf(values) {
  const map = new FieldMap();
  map.set('name', { type: 'text', value: '飯塚' });
  for (const [k, v] of Object.entries(values)) map.set(k, v);
  return checkFields(kind(), map).map((p) => `${p.field}:${p.code}`);
}
const text = (value) => ({ type: 'text', value });
const list = (...value) => ({ type: 'textList', value });
const decimal = (value) => ({ type: 'decimal', value });
const integer = (value) => ({ type: 'integer', value: BigInt(value) });

test('field check: a text value or a textList item of length zero fails with empty', () => {
  assert.deepEqual(codesOf({ name: text('') }), ['name:empty']);
  assert.deepEqual(codesOf({ lines: list('a', '') }), ['lines:empty']);
  assert.deepEqual(codesOf({ lines: list('') }), ['lines:empty']);
  assert.deepEqual(codesOf({ lines: list('a', 'b') }), []);
});

test('field check: lengths in scalar values, maxLength and maxItems', () => {
  assert.deepEqual(codesOf({ name: text('飯塚 花子') }), []);
  assert.deepEqual(codesOf({ name: text('𠮷𠮷𠮷𠮷𠮷') }), []); // 5 scalars, 10 UTF-16 code units
  assert.deepEqual(codesOf({ name: text('飯塚 花子x') }), ['name:tooLong']);
  assert.deepEqual(codesOf({ name: text('x\u0301\u0301\u0301\u0301') }), []); // 5 scalars, one grapheme
  assert.deepEqual(codesOf({ name: text('x\u0301\u0301\u0301\u0301\u0301') }), ['name:tooLong']);
  assert.deepEqual(codesOf({ lines: list('a', 'b', 'c') }), ['lines:tooMany']);
  assert.deepEqual(codesOf({ lines: list('abcde') }), ['lines:tooLong']);
});

test('field check: leading/trailing white space is exactly the list of certificate.md §5.3', () => {
  const listed = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0, 0x1680, ...Array.from({ length: 11 }, (_, i) => 0x2000 + i), 0x2028, 0x2029, 0x202f, 0x205f, 0x3000];
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    assert.equal(isTextWhiteSpace(cp), listed.includes(cp), `U+${cp.toString(16)}`);
  }
  // The controls and separators of the list are refused as characters first; U+2000 and U+2001
  // are not NFC (canonical singletons: NFC maps them to U+2002, U+2003) anywhere in a text; the
  // others give edgeWhiteSpace at either end and are allowed inside.
  const control = [0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x85, 0x2028, 0x2029];
  const notNFC = [0x2000, 0x2001];
  for (const cp of listed) {
    const c = String.fromCodePoint(cp);
    const want = control.includes(cp) ? 'controlCharacter' : notNFC.includes(cp) ? 'notNFC' : 'edgeWhiteSpace';
    assert.deepEqual(codesOf({ name: text(c + 'a') }), [`name:${want}`], `leading U+${cp.toString(16)}`);
    assert.deepEqual(codesOf({ name: text('a' + c) }), [`name:${want}`], `trailing U+${cp.toString(16)}`);
    if (!control.includes(cp)) {
      assert.deepEqual(codesOf({ name: text('a' + c + 'b') }), notNFC.includes(cp) ? ['name:notNFC'] : [], `inside U+${cp.toString(16)}`);
    }
  }
  // Not white space for this rule, whatever JS's \s or trim() say: allowed at the edges, or refused for another reason.
  assert.ok(/\s/.test('\ufeff') && '\ufeff'.trim() === '');
  assert.deepEqual(codesOf({ name: text('\ufeffa') }), ['name:disallowedCharacter']);
  assert.deepEqual(codesOf({ name: text('a\u180e') }), ['name:disallowedCharacter']); // a space before Unicode 6.3
  assert.deepEqual(codesOf({ name: text('a\u200b') }), ['name:disallowedCharacter']);
  assert.deepEqual(codesOf({ name: text('\u2800a') }), []); // braille blank
  assert.deepEqual(codesOf({ name: text('a\u3164') }), ['name:disallowedCharacter']); // Hangul filler
  assert.deepEqual(codesOf({ lines: list('a', ' b') }), ['lines:edgeWhiteSpace']);
  assert.deepEqual(codesOf({ lines: list('a\u3000') }), ['lines:edgeWhiteSpace']);
});

test('field check: NFC required (s.normalize("NFC") === s)', () => {
  for (const s of ['e\u0301', '\ufa10', '\u212b', '\u1100\u1161', 'a\u0323\u0307'.normalize('NFD'), '\u2126']) {
    assert.deepEqual(codesOf({ name: text(s) }), ['name:notNFC'], JSON.stringify(s));
    assert.deepEqual(codesOf({ lines: list('a', s) }), ['lines:notNFC'], JSON.stringify(s));
  }
  for (const s of ['\u00e9', '\u585a', '\ufa11', '\uac00', '葛\u{E0100}', '\u9089\ufe00']) assert.deepEqual(codesOf({ name: text(s) }), [], JSON.stringify(s));
});

test('field check: refused code points give controlCharacter or disallowedCharacter', () => {
  const control = ['\u0000', 'a\nb', 'a\rb', 'a\tb', '\u001f', '\u007f', '\u0080', '\u009f', 'a\u2028b', 'a\u2029b'];
  const disallowed = ['\u061c', '\u200e', '\u202e', '\u2066', '\u00ad', '\u034f', '\u115f', '\u17b4', '\u180b', '\u200d', '\u2060', '\u2065', '\u206f',
    '\ufeff', '\uffa0', '\ufff0', '\ufffb', '\u{1bca0}', '\u{1d173}', '\u{e0001}', '\u{e007f}', '\ue000', '\uf8ff', '\u{f0000}', '\u{10fffd}',
    '\ufdd0', '\ufdef', '\ufffe', '\uffff', '\u{1fffe}', '\u{10ffff}', '\ufffd'];
  for (const s of control) assert.deepEqual(codesOf({ name: text('a' + s + 'b') }), ['name:controlCharacter'], JSON.stringify(s));
  for (const s of disallowed) assert.deepEqual(codesOf({ name: text('a' + s + 'b') }), ['name:disallowedCharacter'], JSON.stringify(s));
  for (const s of ['\ufe0f', '\u{e0100}', '\u{e01ef}', '\u3000', '\u{1bca4}', '\u{e0080}', '\ufffc']) {
    assert.equal(textRuleProblem('a' + s + 'b'), null, JSON.stringify(s));
  }
});

test('field check: decimal minimum/maximum compared exactly with the integer bounds (no floating point)', () => {
  const ok = ['5', '4.999', '-3', '-2.999', '0', '0.5', '-0.001'];
  const out = ['5.001', '6', '-3.001', '-4', '5.1'];
  for (const v of ok) assert.deepEqual(codesOf({ height: decimal(v) }), [], v);
  for (const v of out) assert.deepEqual(codesOf({ height: decimal(v) }), ['height:outOfRange'], v);
  // Where a double would round to the bound: 999999999999999.001 is 999999999999999 as a double.
  assert.ok(Number('999999999999999.001') === 999999999999999 && Number('-999999999999999.001') === -999999999999999);
  assert.deepEqual(codesOf({ big: decimal('999999999999999.001') }), ['big:outOfRange']);
  assert.deepEqual(codesOf({ big: decimal('-999999999999999.001') }), ['big:outOfRange']);
  assert.deepEqual(codesOf({ big: decimal('999999999999999') }), []);
  assert.deepEqual(codesOf({ big: decimal('-999999999999998.999') }), []);
  assert.deepEqual(codesOf({ whole: decimal('0') }), []);
  assert.deepEqual(codesOf({ whole: decimal('-1') }), ['whole:outOfRange']);
});

test('field check: decimal canonical form and scale give notCanonical', () => {
  for (const v of ['-0', '01', '1.50', '1.', '.5', '+1', '1e3', '1E3', '0x1', ' 1', '1,5', '１', '1.2345', '1234567890123456', '-0.0', '']) {
    assert.deepEqual(codesOf({ height: decimal(v) }), ['height:notCanonical'], JSON.stringify(v));
  }
  assert.deepEqual(codesOf({ whole: decimal('1.5') }), ['whole:notCanonical']); // scale 0
  assert.deepEqual(codesOf({ big: decimal('123456789012345.123') }), []); // 15 integer digits, 3 fraction digits
});

test('field check: integers — at most 18 digits (invalidInteger), then minimum/maximum (outOfRange)', () => {
  assert.deepEqual(codesOf({ count: integer(10) }), []);
  assert.deepEqual(codesOf({ count: integer(-3) }), []);
  assert.deepEqual(codesOf({ count: integer(11) }), ['count:outOfRange']);
  assert.deepEqual(codesOf({ count: integer(-4) }), ['count:outOfRange']);
  assert.deepEqual(codesOf({ count: integer(10n ** 18n) }), ['count:invalidInteger']);
  assert.deepEqual(codesOf({ count: integer(-(10n ** 18n)) }), ['count:invalidInteger']);
});

test('field check: enum values and field ids compared byte for byte (invalidOption, unknownField)', () => {
  assert.deepEqual(codesOf({ sex: { type: 'enumValue', value: 'female' } }), []);
  for (const v of ['Female', 'FEMALE', '女', 'female ', 'fem', 'cafe\u0301', '']) {
    assert.deepEqual(codesOf({ sex: { type: 'enumValue', value: v } }), ['sex:invalidOption'], JSON.stringify(v));
  }
  assert.deepEqual(codesOf({ sex: { type: 'enumValue', value: 'caf\u00e9' } }), []);
  assert.deepEqual(codesOf({ Name: text('x') }), ['Name:unknownField']);
  const map = new FieldMap();
  map.set('Name', text('x'));
  assert.deepEqual(checkFields(kind(), map).map((p) => `${p.field}:${p.code}`), ['Name:unknownField', 'name:required']);
});

test('field check: dates, types', () => {
  const date = (value) => ({ type: 'date', value });
  for (const v of ['1990-04-01', '2000-02-29', '1868-01-01', '2999-12-31']) assert.deepEqual(codesOf({ birthDate: date(v) }), [], v);
  for (const v of ['1990-02-29', '1900-02-29', '1867-12-31', '3000-01-01', '1990-4-01', '1990-04-1', '１９９０-04-01', '1990-13-01', '1990-00-10', '1990-04-31', '1990-04-01\n', '19900401']) {
    assert.deepEqual(codesOf({ birthDate: date(v) }), ['birthDate:invalidDate'], JSON.stringify(v));
  }
  assert.deepEqual(codesOf({ name: integer(1) }), ['name:wrongType']);
  assert.deepEqual(codesOf({ count: text('1') }), ['count:wrongType']);
  assert.deepEqual(codesOf({ height: integer(1) }), ['height:wrongType']);
  assert.deepEqual(codesOf({ lines: text('a') }), ['lines:wrongType']);
});

// MARK: keys and trust files made here

async function p256() {
  const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await subtle.exportKey('jwk', pair.publicKey);
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  const kidBytes = sha256([4], x, y).subarray(0, 8);
  return { privateKey: pair.privateKey, x: jwk.x, y: jwk.y, kidBytes, kid: b64u(kidBytes) };
}
async function ed25519(name, type = 1) {
  const pair = await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const pub = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  const keyID = sha256(te.encode(name), [0x0a, type], pub).subarray(0, 4);
  return { privateKey: pair.privateKey, pub, keyID, name, vkey: `${name}+${toHex(keyID)}+${b64(Buffer.concat([Buffer.from([type]), pub]))}` };
}
const vkeyOf = (name, type, pub) => `${name}+${toHex(sha256(te.encode(name), [0x0a, type], pub).subarray(0, 4))}+${b64(Buffer.concat([Buffer.from([type]), Buffer.from(pub)]))}`;

const ORIGIN = 'iizuka.example/akashi/log';
const NOT_BEFORE = '2026-12-02T19:07:46Z';
const NOT_BEFORE_S = Date.parse(NOT_BEFORE) / 1000;
const jwkOf = (k, extra = {}) => ({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', x: k.x, y: k.y, kid: k.kid, notBefore: NOT_BEFORE, status: 'active', ...extra });
const KIND_JSON = {
  id: 'residence', version: 1, label: { ja: '住民票の写し', en: 'Residence' }, validityDays: 90,
  fields: [
    { id: 'name', type: 'text', required: true, maxLength: 60, label: { ja: '氏名', en: 'Name' } },
    { id: 'sex', type: 'enum', required: false, label: { ja: '性別', en: 'Sex' }, options: [{ value: 'female', label: { ja: '女', en: 'Female' } }] },
    { id: 'height', type: 'decimal', required: false, scale: 1, minimum: 0, maximum: 300, label: { ja: '身長', en: 'Height' } },
  ],
};

let fixture = null;
/** One authority with an issuer key, a log key and a residence kind; made once. */
async function world() {
  if (fixture) return fixture;
  const issuer = await p256();
  const other = await p256();
  const log = await ed25519(ORIGIN);
  const witness = await ed25519('w1.witness.example', 4);
  const trustJSON = {
    format: 'akashi-trust/v2', generatedAt: NOT_BEFORE,
    authorities: [{
      issuer: '402052', name: '飯塚市', verifierURL: 'https://iizuka.example/akashi/verify/',
      keys: [jwkOf(issuer)], kinds: [KIND_JSON],
      log: { origin: ORIGIN, vkey: log.vkey, policy: `log ${log.vkey}\nquorum none\n` },
    }],
  };
  fixture = { issuer, other, log, witness, trustJSON, trust: await parseTrust(JSON.stringify(trustJSON)) };
  return fixture;
}

async function trustError(input) {
  try {
    await parseTrust(typeof input === 'string' || input instanceof Uint8Array ? input : JSON.stringify(input));
  } catch (error) {
    assert.ok(error instanceof TrustError, `expected a TrustError, got ${error}`);
    return error.reason;
  }
  assert.fail('the trust file was accepted');
}
/** The fixture's trust file changed by `change(json)`: refused with a reason matching `re`. */
async function refused(change, re, what = String(change)) {
  const { trustJSON } = await world();
  const j = clone(trustJSON);
  const text = change(j);
  assert.match(await trustError(typeof text === 'string' ? text : JSON.stringify(j)), re, what);
}
async function accepted(change, what = String(change)) {
  const { trustJSON } = await world();
  const j = clone(trustJSON);
  const text = change(j);
  await assert.doesNotReject(parseTrust(typeof text === 'string' ? text : JSON.stringify(j)), what);
}
const A0 = (j) => j.authorities[0];
const K0 = (j) => j.authorities[0].keys[0];
const F = (j, i = 0) => j.authorities[0].kinds[0].fields[i];

// MARK: 5. trust file

test('trust file §1: I-JSON — no BOM, no lone surrogate, no noncharacter, well-formed UTF-8', async () => {
  const { trustJSON } = await world();
  const good = JSON.stringify(trustJSON);
  assert.match(await trustError('\ufeff' + good), /byte order mark/);
  assert.match(await trustError(Uint8Array.from([0xef, 0xbb, 0xbf, ...te.encode(good)])), /byte order mark/);
  assert.match(await trustError(good.replace('"飯塚市"', '"\\ud800"')), /lone surrogate/);
  assert.match(await trustError(good.replace('"飯塚市"', '"\\udc00\\ud800"')), /lone surrogate/);
  assert.match(await trustError(good.replace('"飯塚市"', '"\\uffff"')), /noncharacter/);
  assert.match(await trustError(good.replace('"飯塚市"', '"\ufdd0"')), /noncharacter/);
  assert.match(await trustError(good.replace('"飯塚市"', '"\\ud83f\\udffe"')), /noncharacter/); // U+1FFFE, escaped as a pair
  assert.match(await trustError(good.replace('"name"', '"n\\uffffame"')), /noncharacter/); // in a member name
  assert.match(await trustError(Uint8Array.from([...te.encode(good.slice(0, -2)), 0xc0, 0xaf, ...te.encode(good.slice(-2))])), /not well-formed UTF-8/);
  assert.match(await trustError(good.replace('"飯塚市"', '"\\u0000"')), /controlCharacter/);
  assert.match(await trustError(good.replace('"飯塚市"', '"a\tb"')), /a control character in a string/);
});

test('trust file §1: no duplicate member names, at any level', async () => {
  const { trustJSON } = await world();
  const good = JSON.stringify(trustJSON);
  for (const [from, to] of [['"format":', '"format":"akashi-trust/v2","format":'], ['"issuer":', '"issuer":"402052","issuer":'],
    ['"kty":"EC"', '"kty":"EC","kty":"EC"'], ['"ja":"氏名"', '"ja":"氏名","ja":"氏名"'], ['"policy":', '"policy":"x","policy":']]) {
    assert.ok(good.includes(from));
    assert.match(await trustError(good.replace(from, to)), /duplicate member name/, to);
  }
});

test('trust file §1: integers only — no fraction, exponent, leading zero; within ±(2^53 − 1)', async () => {
  const { trustJSON } = await world();
  const good = JSON.stringify(trustJSON);
  for (const [v, re] of [['1.0', /fraction or exponent/], ['1e0', /fraction or exponent/], ['1E0', /fraction or exponent/], ['01', /leading zero/],
    ['-01', /leading zero/], ['9007199254740992', /outside ±\(2\^53 − 1\)/], ['+1', /unexpected character/], ['0x1', /expected ','/], ['"1"', /expected an integer/]]) {
    assert.match(await trustError(good.replace('"version":1', `"version":${v}`)), re, v);
  }
  await refused((j) => { K0(j).status = 'compromised'; K0(j).notAfter = NOT_BEFORE; K0(j).compromisedFromLogIndex = 1.5; }, /fraction or exponent/);
});

test('trust file §1: no null anywhere', async () => {
  await refused((j) => { K0(j).notAfter = null; }, /keys\[0\]\.notAfter: null is not a value/);
  await refused((j) => { A0(j).verifierURL = null; }, /verifierURL: null/);
  await refused((j) => { j.authorities.push(null); }, /authorities\[1\]: null/);
  await refused((j) => { KIND_of(j).description = null; }, /description: null/);
  await refused((j) => { F(j).help = { ja: null, en: 'x' }; }, /help\.ja: null/);
});
const KIND_of = (j) => j.authorities[0].kinds[0];

test('trust file §1: every object is closed', async () => {
  const cases = [
    [(j) => { j.extra = 1; }, /top level: unknown member "extra"/],
    [(j) => { A0(j).witnesses = []; }, /authorities\[0\]: unknown member "witnesses"/],
    [(j) => { K0(j).ext = true; }, /keys\[0\]: unknown member "ext"/],
    [(j) => { A0(j).log.witnessQuorum = 0; }, /log: unknown member "witnessQuorum"/],
    [(j) => { KIND_of(j).extra = 1; }, /kinds\[0\]: unknown member "extra"/],
    [(j) => { F(j).pattern = 'x'; }, /fields\[0\]: unknown member "pattern"/],
    [(j) => { F(j, 1).options[0].default = true; }, /options\[0\]: unknown member "default"/],
    [(j) => { KIND_of(j).label.fr = 'x'; }, /label: unknown member "fr"/],
    [(j) => { KIND_of(j).forbiddenFields = [{ id: 'honseki', label: L('x'), reason: L('y'), note: 'z' }]; }, /forbiddenFields\[0\]: unknown member "note"/],
    [(j) => { j.__proto__x = 1; }, /unknown member/],
  ];
  for (const [change, re] of cases) await refused(change, re);
  const { trustJSON } = await world();
  assert.match(await trustError(JSON.stringify(trustJSON).replace('"format"', '"__proto__":{},"format"')), /unknown member "__proto__"/);
  await assert.rejects(parseTrust(JSON.parse(JSON.stringify(trustJSON))), /text or its bytes, not as a parsed object/);
});

test('trust file §1: times exactly YYYY-MM-DDTHH:MM:SSZ, a real date and time', async () => {
  for (const t of ['2026-12-02T19:07:46+09:00', '2026-12-02T19:07:46.5Z', '2026-12-02T19:07:46z', '2026-12-02t19:07:46Z', '2026-12-02 19:07:46Z',
    '2026-12-02T19:07Z', '2026-12-02', '2026-02-30T00:00:00Z', '2100-02-29T00:00:00Z', '2026-13-01T00:00:00Z', '2026-00-01T00:00:00Z',
    '2026-12-00T00:00:00Z', '2026-12-02T24:00:00Z', '2026-12-02T23:60:00Z', '2026-12-02T23:59:60Z', '+2026-12-02T19:07:46Z', '２０２６-12-02T19:07:46Z', '1796238467']) {
    await refused((j) => { j.generatedAt = t; }, /generatedAt: .* is not a time YYYY-MM-DDTHH:MM:SSZ/, t);
  }
  await refused((j) => { j.generatedAt = 1796238467; }, /generatedAt: expected text/);
  for (const t of ['2024-02-29T23:59:59Z', '2000-02-29T00:00:00Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59Z']) await accepted((j) => { j.generatedAt = t; }, t);
});

test('trust file §1: the text rule for every string except log.policy', async () => {
  const cases = [
    [(j) => { A0(j).name = ' 飯塚市'; }, /authorities\[0\]\.name: the text breaks the text rule \(edgeWhiteSpace\)/],
    [(j) => { A0(j).name = '飯塚市\u3000'; }, /name: .*edgeWhiteSpace/],
    [(j) => { A0(j).name = '飯\ufa10市'; }, /name: .*notNFC/],
    [(j) => { A0(j).name = '飯塚\u200b市'; }, /name: .*disallowedCharacter/],
    [(j) => { KIND_of(j).label.en = 'Resi\ndence'; }, /label\.en: .*controlCharacter/],
    [(j) => { KIND_of(j).statement = { ja: 'e\u0301', en: 'x' }; }, /statement\.ja: .*notNFC/],
    [(j) => { F(j, 1).options[0].value = 'female\u00a0'; }, /options\[0\]\.value: .*edgeWhiteSpace/],
    [(j) => { F(j).help = { ja: '\u202e', en: 'x' }; }, /help\.ja: .*disallowedCharacter/],
    [(j) => { j.format = 'akashi-trust/v2 '; }, /format/],
  ];
  for (const [change, re] of cases) await refused(change, re);
  // log.policy is tlog-policy text: LF and TAB are its syntax.
  await accepted((j) => { A0(j).log.policy = `# a comment\tand a tab\n${A0(j).log.policy}`; });
});

test('trust file §2.1: format akashi-trust/v2, 1 … 1024 authorities', async () => {
  await refused((j) => { j.format = 'akashi-trust/v1'; }, /format 'akashi-trust\/v1'; this verifier reads only akashi-trust\/v2/);
  await refused((j) => { j.format = 'Akashi-trust/v2'; }, /this verifier reads only/);
  await refused((j) => { delete j.format; }, /missing "format"/);
  await refused((j) => { j.authorities = []; }, /authorities: expected 1 … 1024 items, found 0/);
  await refused((j) => { delete j.generatedAt; }, /missing "generatedAt"/);
});

test('trust file §2.2: issuer id grammar and uniqueness, name 1 – 100 scalar values, verifierURL', async () => {
  for (const id of ['', '-402052', '.a', '4020 52', '40205２', 'a'.repeat(65), 'a/b', 'a+b', 'ä']) {
    await refused((j) => { A0(j).issuer = id; }, /issuer: .*(is not an issuer id|text rule)|issuer: "" is not/, JSON.stringify(id));
  }
  for (const id of ['a'.repeat(64), '0', 'A.b_c-d', '402052']) await accepted((j) => { A0(j).issuer = id; }, id);
  await refused((j) => { A0(j).name = ''; }, /name: expected 1 … 100 characters, found 0/);
  await refused((j) => { A0(j).name = 'あ'.repeat(101); }, /name: expected 1 … 100 characters, found 101/);
  await accepted((j) => { A0(j).name = '𠮷'.repeat(100); }); // 100 scalar values, 200 UTF-16 code units
  for (const u of ['ftp://iizuka.example/', 'https://iizuka.example/#x', 'https://', 'https://iizuka example/', 'HTTPS://iizuka.example/',
    'https://飯塚.example/', '//iizuka.example/', 'https://' + 'a'.repeat(1993)]) {
    await refused((j) => { A0(j).verifierURL = u; }, /verifierURL/, u);
  }
  for (const u of ['http://localhost:8080/verify/', 'https://' + 'a'.repeat(1992), 'https://x.example/v?a=1&b=%20']) await accepted((j) => { A0(j).verifierURL = u; }, u);
  await accepted((j) => { delete A0(j).verifierURL; });
  const { trustJSON } = await world();
  const two = clone(trustJSON);
  two.authorities.push({ ...clone(trustJSON.authorities[0]), keys: [jwkOf(fixture.other)] });
  assert.match(await trustError(two), /issuer ids are not unique/);
});

test('trust file §2.3: 1 … 64 keys; kty, crv, alg, use; a P-256 point; the derived, file-unique 8-byte kid', async () => {
  const { other, trustJSON } = await world();
  await refused((j) => { A0(j).keys = []; }, /keys: expected 1 … 64 items, found 0/);
  const many = [];
  for (let i = 0; i < 65; i++) many.push(jwkOf(await p256()));
  await refused((j) => { A0(j).keys = many; }, /keys: expected 1 … 64 items, found 65/);
  await accepted((j) => { A0(j).keys = many.slice(0, 64); });
  await refused((j) => { K0(j).use = 'enc'; }, /keys\[0\]\.use: must be "sig"/);
  await refused((j) => { delete K0(j).use; }, /missing "use"/);
  await refused((j) => { K0(j).kty = 'RSA'; }, /kty: must be "EC"/);
  await refused((j) => { K0(j).crv = 'P-384'; }, /crv: must be "P-256"/);
  await refused((j) => { K0(j).alg = 'ES384'; }, /alg: must be "ES256"/);
  await refused((j) => { K0(j).kid = K0(j).kid.slice(0, 10); }, /kid: .* is not base64url of 8 bytes/);
  await refused((j) => { K0(j).kid = b64u(Buffer.alloc(9, 1)); }, /kid: .* is not base64url of 8 bytes/);
  await refused((j) => { K0(j).kid = K0(j).kid.slice(0, 10) + 'B'; }, /not base64url of 8 bytes/); // non-zero unused bits
  await refused((j) => { K0(j).kid = other.kid; }, /kid .* is not the key's id/);
  await refused((j) => { K0(j).x = other.x; }, /not on the P-256 curve|is not the key's id/);
  const off = b64u(Buffer.alloc(32, 1));
  await refused((j) => { K0(j).x = off; K0(j).y = off; }, /not on the P-256 curve/);
  const ff = b64u(Buffer.alloc(32, 0xff));
  await refused((j) => { K0(j).x = ff; }, /not on the P-256 curve/);
  await refused((j) => { K0(j).x = K0(j).x + 'A'; }, /x: .* is not base64url of 32 bytes/);
  await refused((j) => { K0(j).x = K0(j).x.replace(/.$/, '='); }, /is not base64url of 32 bytes/);
  // the curve equation itself: the fixture's point, and that point with y + 1
  const x = Buffer.from(trustJSON.authorities[0].keys[0].x, 'base64url');
  const y = Buffer.from(trustJSON.authorities[0].keys[0].y, 'base64url');
  assert.ok(isP256Point(x, y));
  const y1 = Buffer.from(y);
  y1[31] ^= 1;
  assert.ok(!isP256Point(x, y1));
  // a kid used twice in the file, in two authorities
  const two = clone(trustJSON);
  two.authorities.push({ ...clone(trustJSON.authorities[0]), issuer: '402053' });
  assert.match(await trustError(two), /kid .* is not unique in the trust file/);
});

test('trust file §2.3: status, notAfter, compromise members', async () => {
  const after = '2027-01-01T00:00:00Z';
  for (const s of ['revoked', 'Active', 'ACTIVE', '']) await refused((j) => { K0(j).status = s; }, /status: .*is not active, retired or compromised|status: the text/, s);
  await refused((j) => { K0(j).status = 'retired'; }, /a retired key needs notAfter/);
  await refused((j) => { K0(j).status = 'compromised'; }, /a compromised key needs notAfter/);
  await accepted((j) => { K0(j).status = 'retired'; K0(j).notAfter = after; });
  await accepted((j) => { K0(j).notAfter = after; }); // optional for active
  await accepted((j) => { K0(j).notAfter = NOT_BEFORE; }); // notAfter = notBefore
  await refused((j) => { K0(j).notAfter = '2026-12-02T19:07:45Z'; }, /notAfter is before notBefore/);
  await refused((j) => { K0(j).compromisedAt = after; }, /only for compromised keys/);
  await refused((j) => { K0(j).status = 'retired'; K0(j).notAfter = after; K0(j).compromisedFromLogIndex = 0; }, /only for compromised keys/);
  const compromised = (j) => { K0(j).status = 'compromised'; K0(j).notAfter = after; };
  await accepted((j) => { compromised(j); K0(j).compromisedAt = after; K0(j).compromisedFromLogIndex = 2 ** 53 - 1; });
  await accepted((j) => { compromised(j); K0(j).compromisedFromLogIndex = 0; });
  await refused((j) => { compromised(j); K0(j).compromisedFromLogIndex = -1; }, /compromisedFromLogIndex: expected an integer in 0 … 9007199254740991, found -1/);
  await refused((j) => { compromised(j); K0(j).compromisedFromLogIndex = '3'; }, /compromisedFromLogIndex: expected an integer/);
  const { trustJSON } = await world();
  const j = clone(trustJSON);
  compromised(j);
  assert.match(await trustError(JSON.stringify(j).replace('"status"', '"compromisedFromLogIndex":9007199254740992,"status"')), /outside ±\(2\^53 − 1\)/);
  await refused((j2) => { compromised(j2); K0(j2).compromisedAt = '2026-12-02'; }, /compromisedAt: .* is not a time/);
});

test('trust file §2.5, log.md §1: origin grammar, Ed25519 vkey with the origin as its name', async () => {
  for (const o of ['', 'iizuka example/log', 'a+b', 'ログ', 'a\u007fb', 'a'.repeat(256), 'a\tb']) {
    await refused((j) => { A0(j).log.origin = o; }, /log\.origin: .*(is not a log origin|text rule)/, JSON.stringify(o));
  }
  const long = await ed25519('a'.repeat(255));
  await accepted((j) => { A0(j).log = { origin: long.name, vkey: long.vkey, policy: `log ${long.vkey}\nquorum none\n` }; });
  const printable = '!"#$%&\'()*,-./0123456789:;<=>?@AZ[\\]^_`az{|}~';
  const odd = await ed25519(printable);
  await accepted((j) => { A0(j).log = { origin: odd.name, vkey: odd.vkey, policy: `log ${odd.vkey}\nquorum none\n` }; });
  await refused((j) => { A0(j).log.origin = 'other.example/log'; }, /log\.origin: the origin is not the vkey's name/);
  const { log, witness } = await world();
  await refused((j) => { A0(j).log.vkey = witness.vkey; A0(j).log.origin = witness.name; A0(j).log.policy = `log ${witness.vkey}\nquorum none\n`; },
    /log\.vkey: the log key must be an Ed25519 \(type 0x01\) key/);
  const wrongID = log.vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
  await refused((j) => { A0(j).log.vkey = wrongID; }, /log\.vkey: invalid vkey: key ID 00000000 does not match the key/);
  await refused((j) => { A0(j).log.vkey = log.vkey + '='; }, /log\.vkey: invalid vkey: the key material is not canonical base64/);
  await refused((j) => { A0(j).log.vkey = log.vkey.replace(/\+A/, '+A\n'); }, /log\.vkey: the text breaks the text rule \(controlCharacter\)/);
  // (A key ID of digits only has no case to change: then a made-up upper-case one.)
  await refused((j) => { A0(j).log.vkey = log.vkey.replace(/\+([0-9a-f]{8})\+/, (m, id) => `+${/[a-f]/.test(id) ? id.toUpperCase() : 'ABCDEF01'}+`); }, /not 8 lowercase hex digits/);
  await refused((j) => { delete A0(j).log.policy; }, /log: missing "policy"/);
});

// Precomputed key-ID collisions (SHA-256(name ‖ 0x0A ‖ type ‖ key)[0:4]), found by a birthday search over these keys.
const SAME_ID_W1 = '41384372b7c45518a4c7fd44652bf35758857be3f96041f01dbedf4bbd7739d7';
const SAME_ID_W2 = '46ef31df6e62c836551cb93542fc306966a5e05a294e36007c194db845ecd996'; // both as w.example, type 0x04: ID ccf69a7d
const SAME_ID_LOG = '35256554d4300dd0c9446dab40c3aa61b4bfb5e4fe8aa847f723a85b455e829d'; // log.example/log, type 0x01: ID d1b7189e
const SAME_ID_WIT = 'ee5cf751920b344d5c57911014a79add1532e9411cac5ed795e074cc3510bf55'; // w.example, type 0x04: ID d1b7189e

test('trust file §3: tlog-policy — exactly this log, cosignature/v1 witnesses with Akashi key names, distinct key IDs', async () => {
  const { log, witness } = await world();
  const other = await ed25519(ORIGIN);
  const policy = (lines) => (j) => { A0(j).log.policy = lines; };
  await refused(policy(`log ${other.vkey}\nquorum none\n`), /the tlog-policy must list exactly one log/);
  await refused(policy(`log ${log.vkey}\nlog ${other.vkey}\nquorum none\n`), /policy/);
  await refused(policy(`quorum none\n`), /must list exactly one log/);
  await refused(policy(`log ${log.vkey}\nquorum none`), /the last line does not end with a newline/);
  await refused(policy(`log ${log.vkey}\r\nquorum none\n`), /octet 0x0d is not allowed/);
  await refused(policy(`log ${log.vkey}\nwitness W ${log.vkey}\nquorum W\n`), /witnesses cosign with cosignature\/v1/);
  await accepted(policy(`log ${log.vkey}\nwitness W ${witness.vkey}\nquorum W\n`));
  const accented = vkeyOf('wïtness.example', 4, witness.pub);
  await refused(policy(`log ${log.vkey}\nwitness W ${accented}\nquorum W\n`), /must be 1–255 printable ASCII bytes without '\+'/);
  const w1 = vkeyOf('w.example', 4, hex(SAME_ID_W1));
  const w2 = vkeyOf('w.example', 4, hex(SAME_ID_W2));
  assert.equal(w1.split('+')[1], w2.split('+')[1]);
  await refused(policy(`log ${log.vkey}\nwitness A ${w1}\nwitness B ${w2}\ngroup g any A B\nquorum g\n`), /the key ID ccf69a7d of an earlier log or witness key/);
  const logKey = vkeyOf('log.example/log', 1, hex(SAME_ID_LOG));
  const wit = vkeyOf('w.example', 4, hex(SAME_ID_WIT));
  assert.equal(logKey.split('+')[1], wit.split('+')[1]);
  await refused((j) => { A0(j).log = { origin: 'log.example/log', vkey: logKey, policy: `log ${logKey}\nwitness W ${wit}\nquorum W\n` }; }, /the key ID d1b7189e of an earlier log or witness key/);
  await accepted((j) => { A0(j).log = { origin: 'log.example/log', vkey: logKey, policy: `log ${logKey}\nquorum none\n` }; });
});

test('trust file §2.4: kinds — every rule', async () => {
  const k = KIND_of;
  const cases = [
    [(j) => { k(j).id = 'Residence'; }, /kinds\[0\]\.id: .* is not a kind id/],
    [(j) => { k(j).id = '1abc'; }, /is not a kind id/],
    [(j) => { k(j).id = 'a'.repeat(41); }, /is not a kind id/],
    [(j) => { k(j).id = 'res_idence'; }, /is not a kind id/],
    [(j) => { k(j).version = 0; }, /version: expected an integer in 1 … 2147483647, found 0/],
    [(j) => { k(j).version = 2 ** 31; }, /version: expected an integer in 1 … 2147483647/],
    [(j) => { delete k(j).label.ja; }, /label: missing "ja"/],
    [(j) => { k(j).label.ja = ''; }, /label\.ja: expected 1 … 200 characters, found 0/],
    [(j) => { k(j).label.en = 'a'.repeat(201); }, /label\.en: expected 1 … 200 characters, found 201/],
    [(j) => { k(j).description = { ja: 'x' }; }, /description: missing "en"/],
    [(j) => { k(j).statement = 'x'; }, /statement: expected an object/],
    [(j) => { k(j).validityDays = 0; }, /validityDays: expected an integer in 1 … 36500/],
    [(j) => { k(j).validityDays = 36501; }, /validityDays: expected an integer in 1 … 36500/],
    [(j) => { k(j).fields = []; }, /fields: expected 1 … 100 items, found 0/],
    [(j) => { k(j).fields = Array.from({ length: 101 }, (_, i) => ({ ...F(j), id: `f${i}` })); }, /fields: expected 1 … 100 items, found 101/],
    [(j) => { k(j).fields.push(clone(F(j))); }, /field ids are not unique/],
    [(j) => { F(j).id = '1name'; }, /fields\[0\]\.id: .* is not a field id/],
    [(j) => { F(j).id = 'na-me'; }, /is not a field id/],
    [(j) => { F(j).id = 'a'.repeat(41); }, /is not a field id/],
    [(j) => { F(j).type = 'string'; }, /unknown field type "string"/],
    [(j) => { delete F(j).required; }, /missing "required"/],
    [(j) => { F(j).required = 'true'; }, /required: expected true or false/],
    [(j) => { delete F(j).maxLength; }, /a text field needs maxLength/],
    [(j) => { F(j).type = 'textList'; delete F(j).maxLength; }, /a textList field needs maxLength/],
    [(j) => { F(j).maxLength = 0; }, /maxLength: expected an integer in 1 … 10000/],
    [(j) => { F(j).maxLength = 10001; }, /maxLength: expected an integer in 1 … 10000/],
    [(j) => { F(j, 1).maxLength = 5; }, /fields\[1\]\.maxLength: not allowed for a enum field/],
    [(j) => { F(j).maxItems = 3; }, /maxItems: not allowed for a text field/],
    [(j) => { F(j).type = 'textList'; F(j).maxItems = 0; }, /maxItems: expected an integer in 1 … 1000/],
    [(j) => { F(j).type = 'textList'; F(j).maxItems = 1001; }, /maxItems: expected an integer in 1 … 1000/],
    [(j) => { F(j).options = F(j, 1).options; }, /fields\[0\]\.options: not allowed for a text field/],
    [(j) => { delete F(j, 1).options; }, /an enum field needs options/],
    [(j) => { F(j, 1).options = []; }, /options: expected 1 … 100 items, found 0/],
    [(j) => { F(j, 1).options = Array.from({ length: 101 }, (_, i) => ({ value: `v${i}`, label: L('x') })); }, /options: expected 1 … 100 items, found 101/],
    [(j) => { F(j, 1).options.push(clone(F(j, 1).options[0])); }, /option values are not unique/],
    [(j) => { F(j, 1).options[0].value = ''; }, /value: expected 1 … 64 characters, found 0/],
    [(j) => { F(j, 1).options[0].value = 'v'.repeat(65); }, /value: expected 1 … 64 characters, found 65/],
    [(j) => { F(j, 1).options[0].label = L(''); }, /options\[0\]\.label\.ja: expected 1 … 200/],
    [(j) => { F(j).scale = 2; }, /scale: not allowed for a text field/],
    [(j) => { F(j, 2).scale = 16; }, /scale: expected an integer in 0 … 15/],
    [(j) => { F(j, 2).scale = -1; }, /scale: expected an integer in 0 … 15/],
    [(j) => { F(j).minimum = 0; }, /minimum: not allowed for a text field/],
    [(j) => { F(j, 1).maximum = 0; }, /maximum: not allowed for a enum field/],
    [(j) => { F(j, 2).minimum = 301; }, /minimum > maximum/],
    [(j) => { F(j).unit = L('cm'); }, /unit: not allowed for a text field/],
    [(j) => { F(j).printed = 'yes'; }, /printed: expected true or false/],
    [(j) => { F(j).omittedByDefault = true; }, /a required field cannot be omittedByDefault/],
    [(j) => { F(j).help = { ja: 'x', en: '' }; }, /help\.en: expected 1 … 200/],
    [(j) => { k(j).forbiddenFields = [{ id: 'name', label: L('x'), reason: L('y') }]; }, /forbiddenFields: "name" is also a field/],
    [(j) => { k(j).forbiddenFields = [{ id: 'hon-seki', label: L('x'), reason: L('y') }]; }, /forbiddenFields\[0\]\.id: .* is not a field id/],
    [(j) => { k(j).forbiddenFields = [{ id: 'honseki', label: L('x') }]; }, /missing "reason"/],
    [(j) => { A0(j).kinds.push(clone(k(j))); }, /kind ids are not unique/],
    [(j) => { A0(j).kinds = Array.from({ length: 257 }, (_, i) => ({ ...clone(k(j)), id: `k${i}` })); }, /kinds: expected 0 … 256 items, found 257/],
  ];
  for (const [change, re] of cases) await refused(change, re);
  // just inside
  for (const change of [(j) => { k(j).version = 2 ** 31 - 1; }, (j) => { k(j).validityDays = 36500; }, (j) => { delete k(j).validityDays; },
    (j) => { F(j, 2).minimum = -(2 ** 53 - 1); F(j, 2).maximum = 2 ** 53 - 1; }, (j) => { F(j, 2).minimum = 300; }, (j) => { F(j, 2).scale = 0; },
    (j) => { F(j).type = 'textList'; F(j).maxItems = 1000; F(j).maxLength = 10000; }, (j) => { F(j, 1).omittedByDefault = true; F(j, 1).printed = false; },
    (j) => { k(j).forbiddenFields = [{ id: 'honseki', label: L('x'), reason: L('y') }]; }, (j) => { A0(j).kinds = []; },
    (j) => { F(j, 1).options[0].value = 'v'.repeat(64); }, (j) => { k(j).id = 'a'.repeat(40); }, (j) => { F(j).id = 'A'.repeat(40); }]) {
    await accepted(change);
  }
});

// MARK: certificates, made and verified end to end

const uvarint = (n) => {
  n = BigInt(n);
  const out = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return out;
};
async function ecdsa(privateKey, bytes) {
  return new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, bytes)); // r ‖ s
}
async function ed(privateKey, bytes) {
  return new Uint8Array(await subtle.sign({ name: 'Ed25519' }, privateKey, bytes));
}
function envelope(kidBytes, payload, signature) {
  return bytesOf([0xd2, 0x84, 0x4d, 0xa2, 0x01, 0x26, 0x04, 0x48, ...kidBytes, 0xa0, ...E.bytes(payload), ...E.bytes(signature)]);
}
async function signEnvelope(key, payload) {
  const protectedBytes = bytesOf([0xa2, 0x01, 0x26, 0x04, 0x48, ...key.kidBytes]);
  return envelope(key.kidBytes, payload, await ecdsa(key.privateKey, signatureStructure(protectedBytes, payload)));
}
/** A QR text: the signed claims, logged alone in a tree of one, the log signature in the proof. */
async function certificate(payload, { kindId = 'residence', iat = NOW } = {}) {
  const { issuer, log } = await world();
  const env = await signEnvelope(issuer, payload);
  const entry = te.encode(`akashi-entry/v1\ntype certificate\nsha256 ${toHex(sha256(env))}\nkind ${kindId}\nissued ${iat}\n`);
  const root = sha256([0], entry);
  const sig = await ed(log.privateKey, te.encode(`${ORIGIN}\n1\n${b64(root)}\n`));
  const proof = [0, 1, ...log.keyID, 64, ...sig];
  const bytes = [2, ...uvarint(env.length), ...env, 0, ...proof]; // D = 0: no disclosures
  return `https://iizuka.example/akashi/verify/#AK2.${encodeNumeric(Uint8Array.from(bytes))}`;
}
async function verified(payload, options) {
  const { trust } = await world();
  const report = await verifyText(await certificate(payload, options), trust, { at: new Date((NOW + 60) * 1000) });
  return Object.fromEntries(report.checks.map((c) => [c.name, c.code ? `${c.status}:${c.code}` : c.status]));
}

test('end to end: a signed certificate passes; each broken rule fails at its check with its code', async () => {
  const good = await verified(claims());
  assert.equal(good.claims, 'passed');
  assert.equal(good.kindValid, 'passed');
  assert.equal(good.inclusion, 'passed');
  assert.equal(good.status, 'skipped:statusMissing');
  // Signed, but the claims break the CBOR profile or §3: `claims` fails, undecodable, and stops.
  for (const payload of [claims({ iat: E.raw('fb41dac4d7e0c0000000') }), withField(E.tag(1, E.int(0))), withField(E.raw('f5')),
    claims({ kind: E.text('residence\n') }), claims({ iat: E.int(-1) }), claims({ iat: E.int(2n ** 53n) }), withField(E.array())]) {
    const r = await verified(payload);
    assert.equal(r.claims, 'failed:undecodable');
    assert.equal(r.keyValid, 'skipped');
    assert.equal(r.status, 'skipped');
  }
  // Decodable, but the fields do not fit the kind: kindValid fails with invalidFields.
  for (const value of [E.text(''), E.text(' 飯塚'), E.text('e\u0301'), E.text('飯塚\u3000')]) {
    assert.equal((await verified(withField(value))).kindValid, 'failed:invalidFields', JSON.stringify(value));
  }
  const fields = (...pairs) => claims({ fields: E.map([E.text('name'), E.text('飯塚')], ...pairs) });
  assert.equal((await verified(fields([E.text('height'), E.tag(30000, E.text('300.1'))]))).kindValid, 'failed:invalidFields');
  assert.equal((await verified(fields([E.text('height'), E.tag(30000, E.text('300'))]))).kindValid, 'passed');
  assert.equal((await verified(fields([E.text('sex'), E.tag(30001, E.text('Female'))]))).kindValid, 'failed:invalidFields');
  assert.equal((await verified(fields([E.text('Sex'), E.tag(30001, E.text('female'))]))).kindValid, 'failed:invalidFields');
  // The envelope breaks the COSE profile: decode fails.
  const { issuer, trust } = await world();
  const env = await signEnvelope(issuer, claims());
  const untagged = env.subarray(1);
  const qr = `AK2.${encodeNumeric(Uint8Array.from([2, ...uvarint(untagged.length), ...untagged, 0, 0, 1, 0, 0, 0, 0, 0]))}`;
  const r = await verifyText(qr, trust, { at: new Date(NOW * 1000) });
  assert.equal(r.checks[0].code, 'undecodable');
  assert.match(r.checks[0].message.en, /untagged/);
});

// MARK: 6. status lists

/** The payload map; values are CBOR byte arrays (undefined leaves a key out). */
function statusPayload({ format = E.text('akashi-status/v1'), issuer = E.text('402052'), issuedAt = E.int(NOW), note, count = E.int(1), table = [3, 2, 0], compressed, extra = [] } = {}) {
  const z = compressed || [...zlib.deflateSync(Buffer.from(table))];
  return bytesOf(E.map([E.int(1), format], [E.int(2), issuer], [E.int(3), issuedAt], [E.int(4), note], [E.int(5), count], [E.int(6), E.bytes(z)], ...extra));
}
/** A signed checkpoint note of the fixture's log (tree size, extra text lines, extra signature lines). */
async function note({ size = 4, extension = '', signWith, lines = [] } = {}) {
  const { log } = await world();
  const text = `${ORIGIN}\n${size}\n${b64(Buffer.alloc(32, 7))}\n${extension}`;
  const key = signWith || log;
  const sig = await ed(key.privateKey, te.encode(text));
  return `${text}\n\u2014 ${ORIGIN} ${b64(Buffer.concat([Buffer.from(log.keyID), Buffer.from(sig)]))}\n${lines.join('')}`;
}
async function statusList(fields = {}, { key, signature } = {}) {
  const w = await world();
  const n = fields.note !== undefined ? fields.note : E.text(await note());
  const payload = statusPayload({ ...fields, note: n });
  const k = key || w.issuer;
  if (signature) return envelope(k.kidBytes, payload, signature);
  return signEnvelope(k, payload);
}
async function statusError(bytes, trust) {
  const w = await world();
  try {
    await verifyStatusList(bytes, trust || w.trust);
  } catch (error) {
    assert.ok(error instanceof CertificateError, `expected a CertificateError, got ${error}`);
    assert.equal(error.code, 'malformedStatus');
    return error.reason;
  }
  assert.fail('the status list was accepted');
}

test('status list: a correct list verifies', async () => {
  const list = await verifyStatusList(await statusList(), (await world()).trust);
  assert.equal(list.treeSize, 4n);
  assert.equal(list.list.entries.get(3n).reason, 'moved');
});

test('status list §4: the signature is verified before anything of the payload is read', async () => {
  const { issuer } = await world();
  // Payloads that would be refused for their content, with a wrong signature: the signature is the reason.
  for (const fields of [{ issuedAt: E.int(2n ** 63n - 1n) }, { format: E.raw('f5') }, { count: E.int(2n ** 40n) }]) {
    assert.match(await statusError(await statusList(fields, { signature: new Uint8Array(64).fill(1) })), /signature does not verify/);
  }
  assert.match(await statusError(envelope(issuer.kidBytes, bytesOf([0xff, 0x00]), new Uint8Array(64).fill(1))), /signature does not verify/);
  // The kid is looked up across the whole trust file; compromised keys are refused.
  assert.match(await statusError(await statusList({}, { key: await p256() })), /not signed by a key of the trust file/);
  const w = await world();
  const j = clone(w.trustJSON);
  Object.assign(j.authorities[0].keys[0], { status: 'compromised', notAfter: '2027-01-01T00:00:00Z' });
  assert.match(await statusError(await statusList(), await parseTrust(JSON.stringify(j))), /signed by a compromised key/);
  // The envelope is the Akashi profile.
  const env = await statusList();
  assert.match(await statusError(env.subarray(1)), /untagged/);
});

test('status list §1, §2: payload ranges (after a valid signature)', async () => {
  const max = 2n ** 53n - 1n;
  const cases = [
    [{ issuedAt: E.int(max + 1n) }, /issue time that is not an unsigned integer 0 … 2\^53 − 1/],
    [{ issuedAt: E.int(2n ** 63n - 1n) }, /issue time/],
    [{ issuedAt: E.int(-1) }, /issue time/],
    [{ count: E.int(2n ** 32n), table: [] }, /entry count that is not an unsigned integer 0 … 2\^32 − 1/],
    [{ count: E.int(-1) }, /entry count/],
    [{ issuer: E.text('4020 52') }, /names an issuer id that is not/],
    [{ issuer: E.text('a'.repeat(65)) }, /names an issuer id that is not/],
    [{ issuer: E.text('402053') }, /names issuer 402053, but 402052's key signed it/],
    [{ format: E.text('akashi-status/v2') }, /is not akashi-status\/v1/],
    [{ issuer: E.tag(1004, E.text('402052')) }, /tagNotAllowed/],
    [{ issuedAt: E.raw('fb41dac4d7e0c0000000') }, /majorType7/],
    [{ extra: [[E.int(7), E.int(0)]] }, /a map of six keys/],
    [{ note: E.bytes([1]) }, /no checkpoint note/],
    [{ note: E.text('あ'.repeat(400000)) }, /checkpoint note larger than 1 MiB/], // 1.2 MB of UTF-8, 400 000 UTF-16 units
    [{ count: E.int(2) }, /says 2 entries but holds 1/],
    [{ table: [3, 6, 0] }, /unknown state 6/],
    [{ table: [3, 0, 0] }, /unknown state 0/],
    [{ table: [3, 5, 0, 3, ...Array(10).fill(7)] }, /successor index not after the entry/],
    [{ table: [3, 5, 0, ...uvarint(max + 1n), ...Array(10).fill(7)] }, /successor index not after the entry/],
    [{ table: [3, 5, 0, 4, ...Array(9).fill(7)] }, /truncated/],
    [{ table: [...uvarint(max + 1n), 2, 0] }, /index beyond 2\^53 − 1/],
    [{ table: [...uvarint(max), 2, 0, 0, 2, 0], count: E.int(2) }, /index beyond 2\^53 − 1/], // overflowing gap
    [{ table: [3, 2, ...uvarint(20791)] }, /change before 1970-01-01/], // day(NOW) = 20790
    [{ table: [3, 2, 0, 0] }, /truncated/],
    [{ table: [0x83, 0x00, 2, 0] }, /not minimally encoded/],
    [{ compressed: [...zlib.deflateSync(Buffer.from([3, 2, 0])), 0] }, /data follows the end of the zlib stream/],
    [{ compressed: [...zlib.deflateSync(Buffer.from([3, 2, 0]))].slice(0, -1) }, /cannot be decompressed/],
    [{ compressed: [...zlib.deflateRawSync(Buffer.from([3, 2, 0]))] }, /cannot be decompressed/], // raw deflate, no zlib header
  ];
  for (const [fields, re] of cases) assert.match(await statusError(await statusList(fields)), re, JSON.stringify(fields).slice(0, 80));
  const w = await world();
  // just inside: index 2^53 − 1, age = day(issued-at), an empty table
  await verifyStatusList(await statusList({ table: [...uvarint(max), 2, 0] }), w.trust);
  await verifyStatusList(await statusList({ table: [3, 2, ...uvarint(20790)] }), w.trust);
  await verifyStatusList(await statusList({ table: [], count: E.int(0) }), w.trust);
  await verifyStatusList(await statusList({ table: [3, 5, 0, 4, ...Array(10).fill(7)] }), w.trust);
  // the pure decoder refuses the same
  await assert.rejects(decodeStatusPayload(statusPayload({ note: E.text('x'), issuedAt: E.int(max + 1n) })), /issue time/);
});

test('status list §4 step 5: issued-at within the signing key validity (notBefore − 300 s … notAfter)', async () => {
  const w = await world();
  assert.match(await statusError(await statusList({ issuedAt: E.int(NOT_BEFORE_S - 301) })), /issue time is outside its key's validity/);
  await verifyStatusList(await statusList({ issuedAt: E.int(NOT_BEFORE_S - 300) }), w.trust);
  const j = clone(w.trustJSON);
  Object.assign(j.authorities[0].keys[0], { status: 'retired', notAfter: '2026-12-03T00:00:00Z' });
  const retired = await parseTrust(JSON.stringify(j));
  const notAfter = Date.parse('2026-12-03T00:00:00Z') / 1000;
  await verifyStatusList(await statusList({ issuedAt: E.int(notAfter) }), retired);
  assert.match(await statusError(await statusList({ issuedAt: E.int(notAfter + 1) }), retired), /outside its key's validity/);
});

test('status list §4 step 6: the checkpoint — no extension lines, tree size ≤ 2^53 − 1, the log signature, the policy', async () => {
  const w = await world();
  const cp = async (opts) => statusList({ note: E.text(await note(opts)) });
  assert.match(await statusError(await cp({ extension: 'extension line\n' })), /no extension lines/);
  assert.match(await statusError(await cp({ size: 2n ** 53n })), /tree size .* 0 … 2\^53 − 1/);
  assert.match(await statusError(await cp({ size: '04' })), /tree size/);
  await verifyStatusList(await cp({ size: 2n ** 53n - 1n }), w.trust);
  assert.match(await statusError(await cp({ signWith: await ed25519(ORIGIN) })), /does not verify/);
  // A cosignature line that does not verify is ignored (quorum none), and so is a line of an unknown key.
  const junk = `\u2014 ${w.witness.name} ${b64(Buffer.concat([Buffer.from(w.witness.keyID), Buffer.alloc(72, 1)]))}\n`;
  const unknown = `\u2014 other.example ${b64(Buffer.alloc(68, 2))}\n`;
  await verifyStatusList(await cp({ lines: [junk, unknown] }), w.trust);
  // With a quorum of that witness, the ignored cosignature leaves the quorum unmet.
  const j = clone(w.trustJSON);
  j.authorities[0].log.policy = `log ${w.log.vkey}\nwitness W ${w.witness.vkey}\nquorum W\n`;
  const witnessed = await parseTrust(JSON.stringify(j));
  assert.match(await statusError(await cp({ lines: [junk] }), witnessed), /quorum 'W' is not satisfied/);
  // A valid cosignature meets it.
  const text = `${ORIGIN}\n4\n${b64(Buffer.alloc(32, 7))}\n`;
  const t = 1796238000n;
  const ts = Buffer.alloc(8);
  ts.writeBigUInt64BE(t);
  const cosig = await ed(w.witness.privateKey, te.encode(`cosignature/v1\ntime ${t}\n${text}`));
  const line = `\u2014 ${w.witness.name} ${b64(Buffer.concat([Buffer.from(w.witness.keyID), ts, Buffer.from(cosig)]))}\n`;
  await verifyStatusList(await cp({ lines: [line] }), witnessed);
  // The origin must be the authority's.
  const foreign = await ed25519('other.example/log');
  const ftext = `other.example/log\n4\n${b64(Buffer.alloc(32, 7))}\n`;
  const fsig = await ed(foreign.privateKey, te.encode(ftext));
  const fnote = `${ftext}\n\u2014 other.example/log ${b64(Buffer.concat([Buffer.from(foreign.keyID), Buffer.from(fsig)]))}\n`;
  assert.match(await statusError(await statusList({ note: E.text(fnote) })), /from log 'other.example\/log'/);
});
