// Subject transparency (subject-transparency.md): X25519 through WebCrypto,
// the subject lines of a certificate's log entry (§3), opening a line with a
// resident's secret (§5 step 3), and the secret and key texts (§1).
//
// X25519 (RFC 7748) is WebCrypto's 'X25519' algorithm (node 20, Chromium 133+,
// Firefox 130+, Safari 17+). A raw 32-byte scalar is imported as PKCS#8
// (RFC 8410: the fixed 16-byte prefix, then the scalar; the platform clamps it
// as RFC 7748 §5 says); a public key (a u-coordinate) as 'raw'. A key of low
// order makes deriveBits fail (BoringSSL, OpenSSL) or return 32 zero bytes;
// both are "no shared secret" here (RFC 7748 §6.1), so nothing depends on
// which the platform does.
import { PayloadError, bytesEqual, concat, sha256, subtle } from './util.js';
import { decode as decodeNumeric, encode as encodeNumeric } from './numeric.js';
import { sha256Sync } from './sha256.js';

export const KEY_LENGTH = 32;
export const TAG_LENGTH = 8;
export const SERIAL_LENGTH = 10;
/** R (32) ‖ tag (8) ‖ encrypted serial (10). */
export const LINE_LENGTH = KEY_LENGTH + TAG_LENGTH + SERIAL_LENGTH;
export const MAX_SUBJECTS = 4;
export const SECRET_PREFIX = 'AKS1.';
export const KEY_PREFIX = 'AKP1.';
const PREFIX_R = 0x65; // 'e'
const PREFIX_K = 0x6b; // 'k'
const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
const BASE_POINT = Uint8Array.from({ length: 32 }, (_, i) => (i === 0 ? 9 : 0));
const ALGORITHM = { name: 'X25519' };

export class SubjectError extends Error {
  constructor(code, reason) {
    super(reason);
    this.code = code;
    this.reason = reason;
  }
  get description() {
    return this.reason;
  }
}

function environment(error) {
  // No X25519 at all (an old browser): not a verdict, the caller says so.
  const e = new Error(`this browser's WebCrypto has no X25519 (${error && error.message ? error.message : error})`);
  e.code = 'noX25519';
  return e;
}

/** Imports a 32-byte scalar as an X25519 private key (for deriveBits). */
export async function importScalar(scalar) {
  if (scalar.length !== KEY_LENGTH) throw new SubjectError('invalidKey', 'an X25519 scalar is 32 bytes');
  try {
    return await subtle().importKey('pkcs8', concat(PKCS8_PREFIX, scalar), ALGORITHM, false, ['deriveBits']);
  } catch (error) {
    throw environment(error);
  }
}

/**
 * X25519(k, u) with k an imported private key and u 32 bytes: the 32-byte
 * shared secret, or null when there is none (u of low order: deriveBits
 * failed or gave zeros). Some platforms refuse to import such a u at all:
 * also null.
 */
export async function x25519(privateKey, u) {
  if (u.length !== KEY_LENGTH) return null;
  let shared;
  try {
    const publicKey = await subtle().importKey('raw', u, ALGORITHM, false, []);
    shared = new Uint8Array(await subtle().deriveBits({ name: 'X25519', public: publicKey }, privateKey, 256));
  } catch {
    return null;
  }
  if (shared.length !== KEY_LENGTH || shared.every((b) => b === 0)) return null;
  return shared;
}

/** The public key V = X25519(v, 9) of a 32-byte secret. */
export async function publicKeyOf(secret) {
  const key = await importScalar(secret);
  const v = await x25519(key, BASE_POINT);
  if (!v) throw new SubjectError('invalidKey', 'the secret gives no public key');
  return v;
}

/**
 * The 50-byte subject lines (R ‖ tag ‖ enc) of a certificate with this `cti`
 * and serial for these subject keys (subject-transparency.md §3), in order;
 * null when some S_i is all zeros (a low-order key: nobody could find it).
 */
export async function subjectLines(cti, serial, keys) {
  const lines = [];
  for (let i = 0; i < keys.length; i++) {
    const r = await sha256(concat(Uint8Array.of(PREFIX_R), cti, Uint8Array.of(i)));
    const scalar = await importScalar(r);
    const R = await x25519(scalar, BASE_POINT);
    const S = await x25519(scalar, keys[i]);
    if (!R || !S) return null;
    const k = await sha256(concat(Uint8Array.of(PREFIX_K), S, R));
    const enc = serial.map((b, j) => b ^ k[TAG_LENGTH + j]);
    lines.push(concat(R, k.slice(0, TAG_LENGTH), enc));
  }
  return lines;
}

/**
 * What a subject line says to the holder of `secretKey` (an imported scalar,
 * importScalar): the 10-byte serial when the line is theirs, else null
 * (§5 step 3: S = X25519(v, R); k = H(0x6B ‖ S ‖ R); tag = k[0:8]).
 */
export async function openLine(line, secretKey) {
  if (line.length !== LINE_LENGTH) return null;
  const R = line.subarray(0, KEY_LENGTH);
  const S = await x25519(secretKey, R);
  return S ? openWithShared(line, S) : null;
}

/** The rest of openLine once S is known (synchronous SHA-256: one block). */
export function openWithShared(line, S) {
  const k = sha256Sync(concat(Uint8Array.of(PREFIX_K), S, line.subarray(0, KEY_LENGTH)));
  for (let j = 0; j < TAG_LENGTH; j++) if (k[j] !== line[KEY_LENGTH + j]) return null;
  const serial = new Uint8Array(SERIAL_LENGTH);
  for (let j = 0; j < SERIAL_LENGTH; j++) serial[j] = line[KEY_LENGTH + TAG_LENGTH + j] ^ k[TAG_LENGTH + j];
  return serial;
}

// MARK: texts (§1): AKS1.<78 digits> (the secret), AKP1.<78 digits> (the public key)

function readText(text, prefix, what) {
  const trimmed = String(text).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (!trimmed.startsWith(prefix)) throw new SubjectError('invalidText', `a ${what} starts with ${prefix}`);
  let bytes;
  try {
    bytes = decodeNumeric(trimmed.slice(prefix.length));
  } catch (error) {
    if (!(error instanceof PayloadError)) throw error;
    bytes = null;
  }
  if (!bytes || bytes.length !== KEY_LENGTH) throw new SubjectError('invalidText', `a ${what} is ${prefix} and the digits of 32 bytes (78 digits)`);
  return bytes;
}

/** The 32-byte secret of a secret text `AKS1.…` (white space around it ignored); throws SubjectError. */
export function parseSecretText(text) {
  return readText(text, SECRET_PREFIX, 'subject secret');
}

/** The 32-byte public key of a key text `AKP1.…`; throws SubjectError. */
export function parseKeyText(text) {
  return readText(text, KEY_PREFIX, 'subject key');
}

export const secretText = (secret) => SECRET_PREFIX + encodeNumeric(secret);
export const keyText = (key) => KEY_PREFIX + encodeNumeric(key);

/** A fresh secret from the platform's CSPRNG (§1). */
export function newSecret() {
  return globalThis.crypto.getRandomValues(new Uint8Array(KEY_LENGTH));
}

export { bytesEqual };
