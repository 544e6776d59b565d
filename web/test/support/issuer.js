// An issuer for the node tests, written from docs/spec with node:crypto and
// nothing of web/js/core's verification code: fresh keys (WebCrypto P-256 and
// Ed25519), a trust file with the repository's kinds (certs/*.json), signed
// certificates logged in a tree of one, and — for kinds with withholdable
// fields — the present mask, the commitment R as cti and the full
// presentation's disclosures (selective-disclosure.md §1–§3); for kinds with
// subjects, the subject keys (content key 5) and the entry's subject lines
// (subject-transparency.md §3, X25519 by node:crypto), every intermediate
// value returned so tests can rebuild or break any part.
import { createHash, createPrivateKey, createPublicKey, diffieHellman, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { head } from './cbor-head.js';

const subtle = globalThis.crypto.subtle;
const te = new TextEncoder();
const here = dirname(fileURLToPath(import.meta.url));
export const REPO = join(here, '../../..');

export const toHex = (b) => Buffer.from(b).toString('hex');
export const fromHex = (s) => Uint8Array.from(s.replace(/\s+/g, '').match(/../g) || [], (b) => parseInt(b, 16));
export const b64 = (b) => Buffer.from(b).toString('base64');
export const b64u = (b) => Buffer.from(b).toString('base64url');
export const sha256 = (...parts) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts.map((p) => Buffer.from(p)))).digest());
/** SHA-256 truncated to 16 bytes (selective-disclosure.md §2). */
export const h16 = (...parts) => sha256(...parts).subarray(0, 16);
export const bytesOf = (a) => Uint8Array.from(a);

// MARK: deterministic CBOR (byte arrays)

export const E = {
  int: (v) => (BigInt(v) >= 0n ? head(0, v) : head(1, -1n - BigInt(v))),
  text: (s) => { const b = te.encode(s); return [...head(3, b.length), ...b]; },
  bytes: (b) => [...head(2, b.length), ...b],
  array: (...items) => [...head(4, items.length), ...items.flat()],
  tag: (t, item) => [...head(6, t), ...item],
  raw: (h) => [...fromHex(h)],
  /** A map of [key bytes, value bytes] pairs, sorted by the keys' bytes (deterministic). */
  map: (...pairs) => {
    const sorted = pairs.filter((p) => p[1] !== undefined && p[1] !== null).sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0])));
    return [...head(5, sorted.length), ...sorted.flat(2)];
  },
};

export function uvarint(n) {
  n = BigInt(n);
  const out = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return out;
}

/** A field value's CBOR (certificate.md §4) by the field's type: dates, decimals and enum values tagged. */
export function fieldCBOR(field, value) {
  switch (field.type) {
    case 'text': return E.text(value);
    case 'date': return E.tag(1004, E.text(value));
    case 'decimal': return E.tag(30000, E.text(value));
    case 'enum': return E.tag(30001, E.text(value));
    case 'integer': return E.int(value);
    case 'textList': return E.array(...value.map(E.text));
  }
  throw new Error(`no type ${field.type}`);
}

// MARK: keys, trust file, signatures

export async function p256() {
  const pair = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const jwk = await subtle.exportKey('jwk', pair.publicKey);
  const kidBytes = sha256([4], Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')).subarray(0, 8);
  return { privateKey: pair.privateKey, x: jwk.x, y: jwk.y, kidBytes, kid: b64u(kidBytes) };
}
export async function ed25519(name, type = 1) {
  const pair = await subtle.generateKey({ name: 'Ed25519' }, true, ['sign', 'verify']);
  const pub = new Uint8Array(await subtle.exportKey('raw', pair.publicKey));
  const keyID = sha256(te.encode(name), [0x0a, type], pub).subarray(0, 4);
  return { privateKey: pair.privateKey, pub, keyID, name, vkey: `${name}+${toHex(keyID)}+${b64(Buffer.concat([Buffer.from([type]), pub]))}` };
}
export const ecdsa = async (privateKey, bytes) => new Uint8Array(await subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, bytes));
export const ed = async (privateKey, bytes) => new Uint8Array(await subtle.sign({ name: 'Ed25519' }, privateKey, bytes));

/** COSE_Sign1 of the Akashi profile: D2 84 4D A2 01 26 04 48 kid A0 payload signature. */
export function envelope(kidBytes, payload, signature) {
  return bytesOf([0xd2, 0x84, 0x4d, 0xa2, 0x01, 0x26, 0x04, 0x48, ...kidBytes, 0xa0, ...E.bytes(payload), ...E.bytes(signature)]);
}
export async function signEnvelope(key, payload) {
  const protectedBytes = [0xa2, 0x01, 0x26, 0x04, 0x48, ...key.kidBytes];
  // Sig_structure = ["Signature1", protected, h'', payload] (RFC 9052 §4.4)
  const sigStructure = bytesOf(E.array(E.text('Signature1'), E.bytes(protectedBytes), E.bytes([]), E.bytes(payload)));
  return envelope(key.kidBytes, payload, await ecdsa(key.privateKey, sigStructure));
}

export const ORIGIN = 'iizuka.example/akashi/log';
export const VERIFIER_URL = 'https://iizuka.example/akashi/verify/';
export const NOT_BEFORE = '2026-12-02T19:07:46Z';
export const NOW = 1796238467; // 2026-12-03T04:07:47Z

/** A kind definition of the repository (certs/<id>.json). */
export function shippedKind(id) {
  return JSON.parse(readFileSync(join(REPO, 'certs', `${id}.json`), 'utf8'));
}

/** One authority (402052) with an issuer key, a log key and the given kinds (default: the four shipped ones). */
export async function makeWorld(parseTrust, kinds = ['residence', 'partnership', 'graduation', 'energy-origin'].map(shippedKind)) {
  const issuer = await p256();
  const log = await ed25519(ORIGIN);
  const trustJSON = {
    format: 'akashi-trust/v2', generatedAt: NOT_BEFORE,
    authorities: [{
      issuer: '402052', name: '飯塚市', verifierURL: VERIFIER_URL,
      keys: [{ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', x: issuer.x, y: issuer.y, kid: issuer.kid, notBefore: NOT_BEFORE, status: 'active' }],
      kinds,
      log: { origin: ORIGIN, vkey: log.vkey, policy: `log ${log.vkey}\nquorum none\n` },
    }],
  };
  return { issuer, log, kinds, trustJSON, trust: await parseTrust(JSON.stringify(trustJSON)) };
}

// MARK: selective disclosure, the issuer's side (selective-disclosure.md §1–§3)

export const saltOf = (seed, t) => h16([0x73], seed, [t]);
export const leafOf = (s, unitBytes) => h16([0x6c], s, unitBytes);
export const pairOf = (a, b) => h16([0x70], a, ...(b ? [b] : []));
export const rootOf = (cs) => h16([0x72], ...cs);

/** The units of a kind: [[field, bit], …] per unit, in the order of their first field. */
export function unitsOfKind(kind) {
  const units = [];
  const groups = new Map();
  kind.fields.filter((f) => f.withholdable).forEach((field, bit) => {
    if (field.withholdGroup && groups.has(field.withholdGroup)) return groups.get(field.withholdGroup).push([field, bit]);
    const unit = [[field, bit]];
    if (field.withholdGroup) groups.set(field.withholdGroup, unit);
    units.push(unit);
  });
  return units;
}

/**
 * The commitment for `values` (field id → JS value; absent = not issued):
 * {mask, signed (CBOR pairs of the non-withholdable fields), units: [{ids, bytes, salt, leaf}],
 * seeds, commitments, R}. `seeds` may be given (16 bytes per pair).
 */
export function commit(kind, values, seeds = null) {
  const signed = [];
  let mask = 0;
  const wf = kind.fields.filter((f) => f.withholdable);
  for (const field of kind.fields) {
    if (!(field.id in values)) continue;
    if (field.withholdable) mask |= 1 << wf.indexOf(field);
    else signed.push([E.text(field.id), fieldCBOR(field, values[field.id])]);
  }
  const units = [];
  for (const unit of unitsOfKind(kind)) {
    const present = unit.filter(([f]) => f.id in values).map(([f]) => f);
    if (present.length === 0) continue;
    units.push({ ids: present.map((f) => f.id), bytes: bytesOf(E.map(...present.map((f) => [E.text(f.id), fieldCBOR(f, values[f.id])]))) });
  }
  const p = Math.ceil(units.length / 2);
  const seedList = seeds || Array.from({ length: p }, () => new Uint8Array(randomBytes(16)));
  const commitments = [];
  for (let j = 0; j < p; j++) {
    const pairUnits = units.slice(2 * j, 2 * j + 2);
    pairUnits.forEach((u, t) => {
      u.salt = saltOf(seedList[j], t);
      u.leaf = leafOf(u.salt, u.bytes);
    });
    commitments.push(pairOf(...pairUnits.map((u) => u.leaf)));
  }
  return { mask, signed, units, seeds: seedList, commitments, R: units.length ? rootOf(commitments) : null };
}

/** The full presentation's disclosures: [U₀, …, U_{m−1}, seeds]. */
export const fullDisclosures = (c) => bytesOf([...head(4, c.units.length + 1), ...c.units.flatMap((u) => [...u.bytes]), ...E.bytes(Buffer.concat(c.seeds.map(Buffer.from)))]);

// MARK: subject transparency, the issuer's side (subject-transparency.md §1, §3)

const PKCS8_X25519 = fromHex('302e020100300506032b656e04220420');
const SPKI_X25519 = fromHex('302a300506032b656e032100');
export const BASE_POINT = bytesOf([9, ...new Array(31).fill(0)]);

/** X25519(scalar, u) by node:crypto (OpenSSL); throws when there is no shared secret (low order). */
export function x25519(scalar, u) {
  const privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_X25519, Buffer.from(scalar)]), format: 'der', type: 'pkcs8' });
  const publicKey = createPublicKey({ key: Buffer.concat([SPKI_X25519, Buffer.from(u)]), format: 'der', type: 'spki' });
  return new Uint8Array(diffieHellman({ privateKey, publicKey }));
}

/** A resident: {secret, publicKey} (§1). */
export function resident() {
  const secret = new Uint8Array(randomBytes(32));
  return { secret, publicKey: x25519(secret, BASE_POINT) };
}

/** The 50-byte subject lines for these keys (§3): R ‖ tag ‖ serial ⊕ k[8:18]. */
export function subjectLinesOf(cti, serial, keys) {
  return keys.map((V, i) => {
    const r = sha256([0x65], cti, [i]);
    const R = x25519(r, BASE_POINT);
    const k = sha256([0x6b], x25519(r, V), R);
    return bytesOf([...R, ...k.subarray(0, 8), ...serial.map((b, j) => b ^ k[8 + j])]);
  });
}

/** The claims map (certificate.md §3) of a certificate; `content` replaces the Akashi content map. */
export function claimsBytes({ kind, iat = NOW, exp, cti, signed, mask, content, fields, subjectKeys = [] }) {
  const akashi = content || E.map([E.int(1), E.text(kind.id)], [E.int(2), E.int(kind.version)], [E.int(3), fields || E.map(...signed)], [E.int(4), mask ? E.int(mask) : null],
    [E.int(5), subjectKeys.length ? E.array(...subjectKeys.map((k) => E.bytes(k))) : null]);
  return bytesOf(E.map([E.int(1), E.text('402052')], [E.int(4), exp === undefined ? null : E.int(exp)], [E.int(6), E.int(iat)], [E.int(7), E.bytes(cti)], [E.int(-70000), akashi]));
}

/** The certificate entry (log.md §2.1) with these subject lines. */
export const entryOf = (env, kindId, iat = NOW, lines = []) =>
  te.encode(`akashi-entry/v1\ntype certificate\nsha256 ${toHex(sha256(env))}\nkind ${kindId}\nissued ${iat}\n` + lines.map((l) => `subject ${b64u(l)}\n`).join(''));

/** The compact proof of an envelope logged alone in a tree of one (with these subject lines), signed by the log. */
export async function proofFor(world, env, kindId, iat = NOW, lines = []) {
  const entry = entryOf(env, kindId, iat, lines);
  const root = sha256([0], entry);
  const sig = await ed(world.log.privateKey, te.encode(`${ORIGIN}\n1\n${b64(root)}\n`));
  return bytesOf([0, 1, ...world.log.keyID, 64, ...sig]);
}

/** payload.md: 0x02 | uvarint L | envelope | uvarint D | disclosures | proof. */
export function payloadBytes(env, disclosures, proof) {
  return bytesOf([2, ...uvarint(env.length), ...env, ...uvarint(disclosures.length), ...disclosures, ...proof]);
}

/**
 * A signed, logged certificate of `kindId` with `values`: {qr (with the
 * verifier URL), envelope, disclosures, proof, commitment, claims}.
 * options: seeds, iat, disclosures (bytes to use instead of the full
 * presentation's), claims (change the claims: (defaults) => overrides),
 * residents (one {secret, publicKey} per subject of the kind; fresh ones by
 * default), lines (the subject lines to log: (lines) => lines; default the
 * right ones).
 */
export async function issue(world, kindId, values, options = {}) {
  const kind = world.kinds.find((k) => k.id === kindId);
  const c = commit(kind, values, options.seeds);
  const serial = new Uint8Array(randomBytes(10));
  const residents = options.residents || Array.from({ length: kind.subjects || 0 }, resident);
  const defaults = { kind, iat: options.iat ?? NOW, cti: c.R || serial, signed: c.signed, mask: c.mask, subjectKeys: residents.map((r) => r.publicKey) };
  const merged = { ...defaults, ...(options.claims ? options.claims(defaults, c) : {}) };
  const claims = claimsBytes(merged);
  const env = await signEnvelope(world.issuer, claims);
  const disclosures = options.disclosures ? options.disclosures(c) : c.R ? fullDisclosures(c) : new Uint8Array(0);
  let right = [];
  try {
    right = subjectLinesOf(merged.cti, merged.cti.subarray(0, 10), merged.subjectKeys);
  } catch {
    // a low-order key: there are no right lines (the verifier must say subjectNotFindable)
  }
  const lines = options.lines ? options.lines(right) : right;
  const proof = await proofFor(world, env, kindId, defaults.iat, lines);
  return { qr: qrText(payloadBytes(env, disclosures, proof)), envelope: env, disclosures, proof, commitment: c, claims, residents, lines };
}

/** The QR text for payload bytes: verifier URL, '#', AK2., the numeric codec (qr-text.md §2.1). */
export function qrText(bytes, url = VERIFIER_URL) {
  const W = [0, 3, 5, 8, 10, 13, 15, 17];
  let digits = '';
  for (let i = 0; i < bytes.length; i += 7) {
    const group = bytes.subarray(i, i + 7);
    const value = group.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
    digits += value.toString().padStart(W[group.length], '0');
  }
  return `${url}#AK2.${digits}`;
}

/** The payload bytes of a QR text made by qrText (the digits after AK2.). */
export function payloadOf(text) {
  const digits = text.slice(text.indexOf('AK2.') + 4);
  const W = { 3: 1, 5: 2, 8: 3, 10: 4, 13: 5, 15: 6, 17: 7 };
  const out = [];
  for (let i = 0; i < digits.length; i += 17) {
    const group = digits.slice(i, i + 17);
    const k = W[group.length];
    let v = BigInt(group);
    const bytes = [];
    for (let j = 0; j < k; j++) {
      bytes.unshift(Number(v & 255n));
      v >>= 8n;
    }
    out.push(...bytes);
  }
  return bytesOf(out);
}

/** Splits payload bytes into {envelope, disclosures, proof} (payload.md), trusting the input. */
export function splitPayload(bytes) {
  const read = (offset) => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[offset++];
      value += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) return [value, offset];
    }
  };
  const [l, o1] = read(1);
  const env = bytes.slice(o1, o1 + l);
  const [d, o2] = read(o1 + l);
  return { envelope: env, disclosures: bytes.slice(o2, o2 + d), proof: bytes.slice(o2 + d) };
}

/** A signed status list of the world's authority listing nothing (status-list.md), as of `issuedAt`. */
export async function emptyStatusList(world, issuedAt = NOW) {
  const text = `${ORIGIN}\n4\n${b64(Buffer.alloc(32, 7))}\n`;
  const sig = await ed(world.log.privateKey, te.encode(text));
  const note = `${text}\n\u2014 ${ORIGIN} ${b64(Buffer.concat([Buffer.from(world.log.keyID), Buffer.from(sig)]))}\n`;
  const payload = bytesOf(E.map([E.int(1), E.text('akashi-status/v1')], [E.int(2), E.text('402052')], [E.int(3), E.int(issuedAt)], [E.int(4), E.text(note)],
    [E.int(5), E.int(0)], [E.int(6), E.bytes([...zlib.deflateSync(Buffer.alloc(0))])]));
  return signEnvelope(world.issuer, payload);
}
