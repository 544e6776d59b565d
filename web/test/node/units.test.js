// Unit tests of the verification core (no browser): numeric codec, strict
// CBOR, the proof length function against a direct RFC 9162 recursion, the
// compact proof and payload framing, the QR text rule, the text rule, the
// strict JSON reader and the tlog-policy parser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { head } from '../support/cbor-head.js';
import { webcrypto, createHash } from 'node:crypto';
import { decode as decodeNumeric, encode as encodeNumeric } from '../../js/core/numeric.js';
import { decode as decodeCBOR } from '../../js/core/cbor.js';
import { decodeSign1 } from '../../js/core/cose.js';
import { decodeCompactProof, pathLength } from '../../js/core/proof.js';
import { rootFromInclusionProof } from '../../js/core/merkle.js';
import { parseQRBytes, qrTextPayload } from '../../js/core/verify.js';
import { textRuleProblem, scalarCount } from '../../js/core/util.js';
import { parseStrictJSON } from '../../js/core/json.js';
import { parseTlogPolicy, isSatisfied, tokenOf } from '../../js/core/policy.js';
import { parseTrust } from '../../js/core/trust.js';

const hex = (s) => Uint8Array.from(s.match(/../g) || [], (b) => parseInt(b, 16));
const throws = (f) => assert.throws(f);

test('numeric codec: examples of qr-text.md §2.1', () => {
  assert.equal(encodeNumeric(hex('0102')), '00258');
  assert.equal(encodeNumeric(hex('ff')), '255');
  assert.equal(encodeNumeric(hex('00')), '000');
  assert.equal(encodeNumeric(hex('ffffffffffffff')), '72057594037927935');
  assert.equal(encodeNumeric(hex('01e702d2844da2')), '00535474284547490');
  assert.equal(encodeNumeric(new Uint8Array(0)), '');
  assert.deepEqual(decodeNumeric('00535474284547490'), hex('01e702d2844da2'));
});

test('numeric codec: bijective round trip for every length 0 … 30', () => {
  for (let n = 0; n <= 30; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 31 + 255) & 255);
    const digits = encodeNumeric(bytes);
    assert.deepEqual(decodeNumeric(digits), bytes);
    assert.equal(encodeNumeric(decodeNumeric(digits)), digits);
  }
});

test('numeric codec: strict decoding refuses every other digit string', () => {
  for (const r of [1, 2, 4, 6, 7, 9, 11, 12, 14, 16]) throws(() => decodeNumeric('0'.repeat(r)));
  throws(() => decodeNumeric('72057594037927936'));
  throws(() => decodeNumeric('99999999999999999'));
  throws(() => decodeNumeric('256'));
  throws(() => decodeNumeric('65536'));
  throws(() => decodeNumeric('00a'));
  throws(() => decodeNumeric('０００'));
  assert.deepEqual(decodeNumeric('255'), hex('ff'));
  assert.deepEqual(decodeNumeric('65535'), hex('ffff'));
});

test('strict CBOR profile', () => {
  const bad = [
    '1817', // 23 not in shortest form
    '190017', // 23 in two bytes
    '5f40ff', // indefinite byte string
    'a20102 0103'.replace(' ', ''), // duplicate key
    'a2020101 02'.replace(' ', ''), // unsorted keys
    'f4', 'f5', 'f6', 'f7', 'f93c00', 'fa3f800000', 'fb3ff0000000000000', 'f820', // major type 7
    '6180', // invalid UTF-8
    '0000', // trailing byte
    '81', // truncated
    '5a00000010', // length beyond input
  ];
  for (const b of bad) throws(() => decodeCBOR(hex(b)), b);
  assert.equal(decodeCBOR(hex('17')).value, 23n);
  assert.equal(decodeCBOR(hex('1818')).value, 24n);
  assert.equal(decodeCBOR(hex('3a0001116f')).value, 69999n);
  assert.equal(decodeCBOR(hex('d903ec6a313939302d30342d3031'), { allowedTags: [1004] }).tag, 1004n);
  throws(() => decodeCBOR(hex('d903ec6a313939302d30342d3031'))); // no tags unless allowed
  // Sorted by encoded bytes: 1, 4, -70000.
  assert.equal(decodeCBOR(hex('a30100040039ffff00')).value.length, 3);
});

test('COSE_Sign1: strict Akashi profile', () => {
  const sig = '5840' + '11'.repeat(64);
  const good = 'd2844da201260448' + '0102030405060708' + 'a0' + '43a10101' + sig;
  assert.deepEqual(decodeSign1(hex(good)).kid, hex('0102030405060708'));
  throws(() => decodeSign1(hex(good.slice(2)))); // untagged
  throws(() => decodeSign1(hex('d2844da201260448' + '0102030405060708' + 'a10401' + '43a10101' + sig))); // unprotected not empty
  throws(() => decodeSign1(hex('d2844ca2012604470102030405060' + '7a0' + '43a10101' + sig))); // kid of 7 bytes
  throws(() => decodeSign1(hex('d2844da201260448' + '0102030405060708' + 'a0' + 'f6' + sig))); // detached payload
  throws(() => decodeSign1(hex('d2844da201260448' + '0102030405060708' + 'a0' + '43a10101' + '5820' + '11'.repeat(32))));
});

/** PATHLEN by the recursion of compact-proof.md §2 (RFC 9162 §2.1.3.1). */
function pathLenRecursive(m, n) {
  if (n === 1n) return 0;
  let k = 1n;
  while (k * 2n < n) k *= 2n;
  return m < k ? 1 + pathLenRecursive(m, k) : 1 + pathLenRecursive(m - k, n - k);
}

test('PATHLEN: the bit formula equals the recursion for all m < n < 600', () => {
  for (let n = 1n; n < 600n; n++) for (let m = 0n; m < n; m++) assert.equal(pathLength(m, n), pathLenRecursive(m, n), `${m} ${n}`);
});

test('PATHLEN: the table of compact-proof.md §2', () => {
  const table = [[0, 1, 0], [0, 2, 1], [1, 2, 1], [0, 3, 2], [2, 3, 1], [3, 4, 2], [0, 5, 3], [4, 5, 1], [3, 7, 3], [6, 7, 2],
    [5, 8, 3], [0, 1000, 10], [768, 1000, 10], [999, 1000, 8], [1023, 1024, 10], [1024, 1025, 1], [1048575, 1048581, 21]];
  for (const [m, n, h] of table) assert.equal(pathLength(BigInt(m), BigInt(n)), h, `${m} ${n}`);
  assert.equal(pathLength(2n ** 53n - 2n, 2n ** 53n - 1n), pathLenRecursive(2n ** 53n - 2n, 2n ** 53n - 1n));
});

// A Merkle tree built directly (RFC 9162 §2.1.1) to check proofs against.
const sha = (...parts) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest());
function mth(leaves) {
  if (leaves.length === 1) return sha([0], leaves[0]);
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return sha([1], mth(leaves.slice(0, k)), mth(leaves.slice(k)));
}
function path(m, leaves) {
  if (leaves.length === 1) return [];
  let k = 1;
  while (k * 2 < leaves.length) k *= 2;
  return m < k ? [...path(m, leaves.slice(0, k)), mth(leaves.slice(k))] : [...path(m - k, leaves.slice(k)), mth(leaves.slice(0, k))];
}

test('inclusion: the root recomputed from PATH equals MTH for every leaf of trees up to 33', async () => {
  for (let n = 1; n <= 33; n++) {
    const leaves = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`entry ${i}`));
    const root = mth(leaves);
    for (let m = 0; m < n; m++) {
      const p = path(m, leaves);
      assert.equal(p.length, pathLength(BigInt(m), BigInt(n)));
      const got = await rootFromInclusionProof(sha([0], leaves[m]), BigInt(m), BigInt(n), p);
      assert.deepEqual(got, root);
    }
  }
});

test('compact proof v2: layout, records to the end, duplicates refused', () => {
  const h = '00'.repeat(32);
  const rec = (id, len) => id + len.toString(16).padStart(2, '0') + 'ab'.repeat(len);
  const p = decodeCompactProof(hex('0304' + h + h + rec('7cf727fc', 64) + rec('01020304', 0)));
  assert.equal(p.index, 3n);
  assert.equal(p.treeSize, 4n);
  assert.equal(p.hashes.length, 2);
  assert.deepEqual(p.records.map((r) => r.keyID), [0x7cf727fc, 0x01020304]);
  throws(() => decodeCompactProof(hex('0304' + h + h))); // no record
  throws(() => decodeCompactProof(hex('0304' + h + rec('7cf727fc', 64)))); // one hash short
  throws(() => decodeCompactProof(hex('0304' + h + h + rec('7cf727fc', 64) + rec('7cf727fc', 72)))); // duplicate key ID
  throws(() => decodeCompactProof(hex('0404' + h + h + rec('7cf727fc', 64)))); // index = size
  throws(() => decodeCompactProof(hex('0000' + rec('7cf727fc', 64)))); // size 0
  throws(() => decodeCompactProof(hex('038400' + h + h + rec('7cf727fc', 64)))); // non-minimal size
  throws(() => decodeCompactProof(hex('0304' + h + h + '7cf727fc40' + 'ab'.repeat(63)))); // truncated record
  assert.equal(decodeCompactProof(hex('0001' + rec('7cf727fc', 64))).hashes.length, 0);
  throws(() => decodeCompactProof(hex('00' + '8080808080808080' + '10' + rec('7cf727fc', 64)))); // 2^53 > max
});

test('payload framing: version 2, minimal uvarints L and D, envelope and proof non-empty, disclosures between', () => {
  const none = new Uint8Array(0);
  assert.deepEqual(parseQRBytes(hex('0201aa00bb')), { envelope: hex('aa'), disclosures: none, proof: hex('bb') });
  assert.deepEqual(parseQRBytes(hex('0201aa00bbcc')), { envelope: hex('aa'), disclosures: none, proof: hex('bbcc') });
  assert.deepEqual(parseQRBytes(hex('0201aa02a0a1bb')), { envelope: hex('aa'), disclosures: hex('a0a1'), proof: hex('bb') });
  assert.deepEqual(parseQRBytes(hex('0202aabb01ccdd')), { envelope: hex('aabb'), disclosures: hex('cc'), proof: hex('dd') });
  throws(() => parseQRBytes(hex('0101aa00bb')));
  throws(() => parseQRBytes(hex('028100aa00bb'))); // L = 1 written in two bytes
  throws(() => parseQRBytes(hex('0200aa00bb'))); // L = 0
  throws(() => parseQRBytes(hex('0202aa00'))); // no byte after the envelope for D
  throws(() => parseQRBytes(hex('0201aa00'))); // D = 0 and no proof byte
  throws(() => parseQRBytes(hex('0201aa'))); // nothing after the envelope
  throws(() => parseQRBytes(hex('0201aa01cc'))); // D = 1 leaves no proof byte
  throws(() => parseQRBytes(hex('0201aa8000bb'))); // D = 0 written in two bytes
  throws(() => parseQRBytes(hex('0201aa8100ccbb'))); // D = 1 written in two bytes
  throws(() => parseQRBytes(hex('0201aaffffffffffffffffff01bb'))); // D huge
  throws(() => parseQRBytes(hex('0201aaffffffffffffffffff02bb'))); // D beyond 64 bits
  throws(() => parseQRBytes(hex('0201aa80'))); // D truncated
  throws(() => parseQRBytes(hex('02ffffffffffffffffff01aa'))); // L huge
  throws(() => parseQRBytes(hex('02ffffffffffffffffff02aa'))); // L beyond 64 bits
  throws(() => parseQRBytes(hex('')));
  // The old framing without D: the proof's first byte is read as D and what is left is too short.
  throws(() => parseQRBytes(hex('0201aa05bb')));
});

test('QR text: exact prefix, first #, only SP/HT/LF/CR trimmed', () => {
  const digits = encodeNumeric(hex('0201aa00bb'));
  const ok = [`AK2.${digits}`, ` \t\r\nAK2.${digits}\r\n`, `https://x.example/v/#AK2.${digits}`, `#AK2.${digits}`, `a b ü#AK2.${digits}`];
  for (const t of ok) assert.deepEqual(qrTextPayload(t), hex('0201aa00bb'), JSON.stringify(t));
  assert.deepEqual(qrTextPayload(new TextEncoder().encode(`AK2.${digits}\n`)), hex('0201aa00bb'));
  const bad = [`ak2.${digits}`, `AK1.${digits}`, `ＡＫ２．${digits}`, `\u00a0AK2.${digits}`, `AK2.${digits}\u3000`, `\u200bAK2.${digits}`,
    `\ufeffAK2.${digits}`, `AK2.${digits}\u0301`, `AK2.\u0301${digits}`, `x#AK2.${digits}#`, `x#y#AK2.${digits}`, `AK2. ${digits}`,
    `AK2.${digits.slice(0, 3)} ${digits.slice(3)}`, `AK2.${digits}\u000b`, `AK2.${digits}\u0085`, 'AK2', '', `AK2.${digits}\ud800`];
  for (const t of bad) throws(() => qrTextPayload(t), JSON.stringify(t));
  throws(() => qrTextPayload(Uint8Array.of(0x41, 0x4b, 0x32, 0x2e, 0xff)));
  throws(() => qrTextPayload(Uint8Array.of(0xc0, 0xaf, 0x41, 0x4b, 0x32, 0x2e, 0x30, 0x30, 0x30)));
});

test('text rule: refused code points, NFC, edge white space, scalar lengths', () => {
  assert.equal(textRuleProblem('飯塚 花子'), null);
  assert.equal(scalarCount('飯塚 花子'), 5);
  assert.equal(scalarCount('a' + '\u0301'.repeat(100)), 101);
  assert.equal(scalarCount('𠮷野家'), 3);
  assert.equal(textRuleProblem('葛\u{E0100}城'), null); // IVS allowed
  assert.equal(textRuleProblem('a\u3000b'), null); // inside
  assert.equal(textRuleProblem('\u3000a'), 'edgeWhiteSpace');
  assert.equal(textRuleProblem('a\u00a0'), 'edgeWhiteSpace');
  assert.equal(textRuleProblem('a\u202f'), 'edgeWhiteSpace');
  assert.equal(textRuleProblem('a\nb'), 'controlCharacter');
  assert.equal(textRuleProblem('a\u0085b'), 'controlCharacter');
  assert.equal(textRuleProblem('a\u2028b'), 'controlCharacter');
  assert.equal(textRuleProblem('a\u200bb'), 'disallowedCharacter');
  assert.equal(textRuleProblem('a\u202eb'), 'disallowedCharacter');
  assert.equal(textRuleProblem('a\ue000b'), 'disallowedCharacter');
  assert.equal(textRuleProblem('a\ufffdb'), 'disallowedCharacter');
  assert.equal(textRuleProblem('a\u{10FFFF}b'), 'disallowedCharacter');
  assert.equal(textRuleProblem('a\u{1FFFE}b'), 'disallowedCharacter');
  assert.equal(textRuleProblem('e\u0301'), 'notNFC');
  assert.equal(textRuleProblem('\ufa10'), 'notNFC'); // compatibility ideograph 塚
  assert.equal(textRuleProblem('\ufa11'), null); // unified ideograph in that block
  assert.equal(textRuleProblem('a\ud800'), 'notScalarValues');
});

test('strict JSON: duplicates, surrogates, noncharacters, BOM, numbers', () => {
  assert.deepEqual({ ...parseStrictJSON('{"a": [1, -2, 0], "b": {"c": "\\u00e9"}}') }.a, [1, -2, 0]);
  for (const t of ['{"a":1,"a":1}', '{"x":{"a":1,"b":2,"a":3}}', '[{"k":1,"k":2}]', '{"a":"\\ud800"}', '{"a":"\\udc00x"}',
    '{"a":"\\uffff"}', '{"a":"\ufdd0"}', '\ufeff{}', '{"a":1.0}', '{"a":1e3}', '{"a":01}', '{"a":-0}', '{"a":[0,-0]}', '{"a":9007199254740992}', '{"a":1,}', '{"a":1} x', "{'a':1}"]) {
    throws(() => parseStrictJSON(t), t);
  }
  throws(() => parseStrictJSON(Uint8Array.of(0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d)));
  assert.equal(parseStrictJSON('9007199254740991'), 9007199254740991);
});

// Ed25519 keys for policies (node:crypto), and their vkeys.
async function vkey(name, type, seed) {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), createHash('sha256').update(seed).digest()]);
  const priv = await webcrypto.subtle.importKey('pkcs8', pkcs8, { name: 'Ed25519' }, true, ['sign']);
  const jwk = await webcrypto.subtle.exportKey('jwk', priv);
  const pub = Buffer.from(jwk.x, 'base64url');
  const id = createHash('sha256').update(Buffer.concat([Buffer.from(name), Buffer.from([0x0a, type]), pub])).digest().subarray(0, 4).toString('hex');
  return `${name}+${id}+${Buffer.concat([Buffer.from([type]), pub]).toString('base64')}`;
}

test('tlog-policy: strict parsing per trust-file.md §3', async () => {
  const log = await vkey('log.example/log', 1, 'log');
  const w = [];
  for (let i = 1; i <= 5; i++) w.push(await vkey(`w${i}.witness.example`, 4, `w${i}`));
  const text = `# comment\nlog ${log}\nwitness A1 ${w[0]}\nwitness A2 ${w[1]}\ngroup a all A1 A2\n\nwitness B1 ${w[2]}\nwitness B2 ${w[3]} https://b2.example/\nwitness B3 ${w[4]}\ngroup b 2 B1 B2 B3\ngroup either any a b\nquorum either\n`;
  const policy = await parseTlogPolicy(text);
  assert.equal(policy.witnesses.length, 5);
  const sat = (...names) => isSatisfied(policy, new Set(names.map(tokenOf)));
  assert.ok(sat('A1', 'A2'));
  assert.ok(sat('B1', 'B3'));
  assert.ok(!sat('A1', 'B2'));
  assert.ok(!sat());
  assert.ok(isSatisfied(await parseTlogPolicy(`log ${log}\nquorum none\n`), new Set()));
  const bad = [
    `log ${log}\nquorum none`, // no final newline
    `log ${log}\n`, // no quorum
    `log ${log}\nquorum none\nquorum none\n`,
    `log ${log}\nwitness A ${w[0]}\nwitness B ${w[0]}\nquorum A\n`, // same key twice
    `log ${log}\nwitness A ${w[0]}\ngroup g 2 A\nquorum g\n`, // k > n
    `log ${log}\nwitness A ${w[0]}\ngroup g 0 A\nquorum g\n`,
    `log ${log}\nwitness A ${w[0]}\ngroup g any A\ngroup h any A\nquorum h\n`, // member twice
    `log ${log}\ngroup g any X\nquorum g\n`, // undefined member
    `log ${log}\nwitness none ${w[0]}\nquorum none\n`,
    `log ${log}\nwitness A ${log}\nquorum A\n`, // a log key as witness
    `log ${log}\nbogus x\nquorum none\n`,
    `log ${log}\r\nquorum none\n`, // CR
    `log ${log}\nquorum missing\n`,
  ];
  for (const t of bad) await assert.rejects(parseTlogPolicy(t), t);
});

test('trust file v2: refuses v1, duplicates, unknown members, the simple witness form', async () => {
  const log = await vkey('iizuka.example/akashi/log', 1, 'log');
  const base = {
    format: 'akashi-trust/v2', generatedAt: '2026-11-23T07:52:31Z',
    authorities: [{
      issuer: '402052', name: '飯塚市',
      keys: [{ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', x: 'dP-hCA8JufCqUiqB3aBN0PKfnwWClJI02lMmI1Ried4', y: '5uDLvJzrJ6HejTvHX-r40LwmGTxMnoV0NgA5b01XpOo', kid: 'hjNVl1XRST0', notBefore: '2026-11-23T07:52:31Z', status: 'active' }],
      kinds: [{ id: 'residence', version: 1, label: { ja: '住民票の写し', en: 'Residence' }, fields: [{ id: 'name', type: 'text', required: true, maxLength: 60, label: { ja: '氏名', en: 'Name' } }] }],
      log: { origin: 'iizuka.example/akashi/log', vkey: log, policy: `log ${log}\nquorum none\n` },
    }],
  };
  const good = JSON.stringify(base);
  const trust = await parseTrust(good);
  assert.equal(trust.authorities[0].keys[0].kidBytes.length, 8);
  const variants = [
    (j) => { j.format = 'akashi-trust/v1'; },
    (j) => { j.extra = 1; },
    (j) => { j.authorities[0].log.witnesses = []; },
    (j) => { j.authorities[0].log.witnessQuorum = 0; },
    (j) => { delete j.authorities[0].log.policy; },
    (j) => { j.authorities[0].keys[0].status = 'Compromised'; },
    (j) => { j.authorities[0].keys[0].status = 'retired'; }, // no notAfter
    (j) => { j.authorities[0].keys[0].compromisedFromLogIndex = 3; }, // not compromised
    (j) => { j.authorities[0].keys[0].kid = 'hjNVl1XRST4'; },
    (j) => { j.authorities[0].keys[0].notBefore = '2026-11-23T16:52:31+09:00'; },
    (j) => { j.authorities[0].name = ' 飯塚市'; },
    (j) => { j.authorities[0].name = '飯\ufa10市'; }, // not NFC
    (j) => { j.authorities[0].kinds[0].fields[0].maxLength = undefined; },
    (j) => { j.authorities[0].kinds[0].fields[0].options = [{ value: 'a', label: { ja: 'a', en: 'a' } }]; },
    (j) => { j.authorities[0].log.origin = 'other.example/log'; },
    (j) => { j.authorities[0].log.policy = 'quorum none\n'; },
    (j) => { j.authorities.push(JSON.parse(JSON.stringify(j.authorities[0]))); }, // issuer and kid not unique
  ];
  for (const [i, change] of variants.entries()) {
    const j = JSON.parse(good);
    change(j);
    await assert.rejects(parseTrust(JSON.stringify(j)), `variant ${i}`);
  }
  await assert.rejects(parseTrust(good.replace('"issuer":"402052"', '"issuer":"402052","issuer":"402052"')), 'duplicate member');
});

// A minimal deterministic CBOR encoder for the status list payload tests.
const tstr = (s) => { const b = new TextEncoder().encode(s); return [...head(3, b.length), ...b]; };
const bstr = (b) => [...head(2, b.length), ...b];
function statusPayload({ issuedAt = 1795420351n, count = 1, table = [3, 2, 0], junk = false, format = 'akashi-status/v1' } = {}) {
  let z = [...zlib.deflateSync(Buffer.from(table))];
  if (junk) z = [...z, 0];
  return Uint8Array.from([0xa6, 1, ...tstr(format), 2, ...tstr('402052'), 3, ...head(0, issuedAt), 4, ...tstr('x\n1\nAAAA\n\n— x AAAAAAA=\n'), 5, ...head(0, count), 6, ...bstr(z)]);
}
import zlib from 'node:zlib';
import { decodeStatusPayload } from '../../js/core/status.js';

test('status list payload: ranges, table rules, zlib framing', async () => {
  const list = await decodeStatusPayload(statusPayload());
  assert.equal(list.entries.get(3n).type, 'revoked');
  assert.equal(list.entries.get(3n).reason, 'moved');
  // superseded: index 3, successor 5, serial
  const sup = await decodeStatusPayload(statusPayload({ table: [3, 5, 1, 5, ...Array(10).fill(7)] }));
  assert.equal(sup.entries.get(3n).successorIndex, 5n);
  const bad = [
    { junk: true },
    { count: 2 },
    { table: [3, 6, 0] }, // state 6
    { table: [3, 5, 0, 3, ...Array(10).fill(7)] }, // successor not after
    { table: [3, 2, 0, 0] }, // trailing table byte
    { table: [0x83, 0x00, 2, 0] }, // non-minimal gap
    { issuedAt: 2n ** 53n }, // beyond 2^53 − 1
    { table: [3, 2, 0x80, 0x80, 0x80, 0x80, 0x01] }, // age beyond the list's day
    { format: 'akashi-status/v2' },
  ];
  for (const b of bad) await assert.rejects(decodeStatusPayload(statusPayload(b)), String(Object.keys(b)));
});
