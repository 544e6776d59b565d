// CWT claims of an Akashi certificate (certificate.md §3, §4):
// {1 iss, 4 exp?, 6 iat, 7 cti, -70000 {1 kind, 2 version, 3 fields, 4 present mask?, 5 subject keys?}}.
// cti is the 10-byte serial, or with a present mask (selective-disclosure.md
// §1.1) the 16-byte disclosure commitment R whose first 10 bytes are the serial.
// Field values: text, 1004(date), integer, 30000(decimal), 30001(enum), [text].
// Decoded only after the envelope's signature verified (verification.md §3).
import { CBORError, decode as decodeCBOR, containsTag } from './cbor.js';

export class CertificateError extends Error {
  constructor(code, reason) {
    super(reason);
    this.code = code;
    this.reason = reason;
  }
  get description() {
    return this.reason;
  }
  toString() {
    return this.reason;
  }
}

const MAX_SAFE = (1n << 53n) - 1n;
const INT32_MAX = 2147483647n;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
/** [a-z][a-z0-9-]{0,39} (JS `$` without the m flag matches only at the very end: no LF gets through). */
export const KIND_ID = /^[a-z][a-z0-9-]{0,39}$/;
export const DATE_TAG = 1004n;
export const DECIMAL_TAG = 30000n;
export const ENUM_TAG = 30001n;
const FIELD_TAGS = [DATE_TAG, DECIMAL_TAG, ENUM_TAG];

/** Field values by field id (the ids compared byte for byte; CBOR refuses duplicate keys). */
export class FieldMap {
  constructor() {
    this.map = new Map();
  }
  set(key, value) {
    this.map.set(key, value);
  }
  get(key) {
    return this.map.get(key);
  }
  has(key) {
    return this.map.has(key);
  }
  entries() {
    return [...this.map.entries()];
  }
  get size() {
    return this.map.size;
  }
}

/** A field value from its CBOR form (certificate.md §4): {type, value}, or null for any other form. */
export function fieldValue(item) {
  switch (item.type) {
    case 'text':
      return { type: 'text', value: item.value };
    case 'uint':
    case 'nint': {
      const n = item.type === 'uint' ? item.value : -1n - item.value;
      return n < INT64_MIN || n > INT64_MAX ? null : { type: 'integer', value: n };
    }
    case 'tag':
      if (item.value.type !== 'text') return null;
      if (item.tag === DATE_TAG) return { type: 'date', value: item.value.value };
      if (item.tag === DECIMAL_TAG) return { type: 'decimal', value: item.value.value };
      if (item.tag === ENUM_TAG) return { type: 'enumValue', value: item.value.value };
      return null;
    case 'array': {
      if (item.value.length === 0) return null; // an empty list is not a value (certificate.md §4)
      const out = [];
      for (const element of item.value) {
        if (element.type !== 'text') return null;
        out.push(element.value);
      }
      return { type: 'textList', value: out };
    }
    default:
      return null;
  }
}

/** The value as JSON (akashi-verify --json): integers beyond 2^53 as decimal text. */
export function jsonValue(v) {
  if (v.type === 'integer') {
    const safe = v.value >= BigInt(Number.MIN_SAFE_INTEGER) && v.value <= BigInt(Number.MAX_SAFE_INTEGER);
    return safe ? Number(v.value) : v.value.toString();
  }
  if (v.type === 'textList') return [...v.value];
  return v.value;
}

function mapKeys(map) {
  return map.value.map(([k]) => k);
}
function isUint(item, key) {
  return item.type === 'uint' && item.value === BigInt(key);
}
function intKey(item) {
  if (item.type === 'uint') return item.value;
  if (item.type === 'nint') return -1n - item.value;
  return null;
}

/**
 * Decodes the claims (certificate.md §1, §3): Akashi's CBOR profile (no major
 * type 7; tags 1004, 30000, 30001 only, and only on field values), exactly
 * the five claims, `iat`/`exp` unsigned and ≤ 2^53 − 1, the kind id grammar
 * (it is written into the log entry's `kind` line), a kind version
 * 1 … 2^31 − 1, field values of the six forms, the optional present mask
 * (content key 4, 1 … 65 535), the optional subject keys (content key 5,
 * 1 … 4 byte strings of 32 bytes), and a `cti` of 10 bytes without a mask or
 * 16 bytes with it. Returns {issuer, issuedAt, expiresAt (or null), cti, serial
 * (the first 10 bytes of cti), kind, kindVersion, fields, presentMask (or
 * null), subjectKeys ([] when absent)};
 * times and the mask are Numbers. Throws CertificateError('malformedPayload')
 * for anything else.
 */
export function decodeClaims(bytes) {
  let value;
  try {
    // Akashi's profile; tags 1004, 30000 and 30001 only (on field values, checked below).
    value = decodeCBOR(bytes, { allowedTags: FIELD_TAGS });
  } catch (error) {
    if (error instanceof CBORError) {
      throw new CertificateError('malformedPayload', `the certificate payload is not CBOR of Akashi's profile: ${error.description}`);
    }
    throw error;
  }
  const fail = (what) => new CertificateError('malformedPayload', `the certificate payload ${what}`);
  if (value.type !== 'map') throw fail('is not a CBOR map');
  const claims = new Map();
  for (const [k, v] of value.value) {
    const key = intKey(k);
    if (key === null || ![1n, 4n, 6n, 7n, -70000n].includes(key)) throw fail('has a claim this format does not define');
    claims.set(key, v);
  }
  const time = (item, what) => {
    if (!item || item.type !== 'uint' || item.value > MAX_SAFE) throw fail(`has no valid ${what} (an unsigned integer ≤ 2^53 − 1)`);
    return Number(item.value);
  };
  const iss = claims.get(1n);
  if (!iss || iss.type !== 'text') throw fail('has no issuer (iss)');
  const iat = time(claims.get(6n), 'issue time (iat)');
  const exp = claims.has(4n) ? time(claims.get(4n), 'expiry (exp)') : null;
  const cti = claims.get(7n);
  const content = claims.get(-70000n);
  // Keys 1, 2, 3 and, only when present, 4 (the present mask) and 5 (the
  // subject keys), in this order (the decoder refuses unsorted keys).
  const contentKeys = content && content.type === 'map' ? mapKeys(content) : [];
  const wanted = [1, 2, 3, 4, 5];
  if (!content || content.type !== 'map' || content.value.length < 3 || content.value.length > 5 ||
      !contentKeys.every((k) => wanted.some((n) => isUint(k, n))) || ![1, 2, 3].every((n, i) => isUint(contentKeys[i], n))) {
    throw fail('has no valid Akashi content (exactly kind, version, fields, an optional present mask and optional subject keys)');
  }
  const contentItem = (n) => {
    const entry = content.value.find(([k]) => isUint(k, n));
    return entry ? entry[1] : null;
  };
  const [kindItem, versionItem, fieldsItem] = content.value.slice(0, 3).map(([, v]) => v);
  const maskItem = contentItem(4);
  const subjectsItem = contentItem(5);
  // Content key 5 (subject-transparency.md §2): 1 … 4 byte strings of exactly 32 bytes.
  if (subjectsItem && (subjectsItem.type !== 'array' || subjectsItem.value.length < 1 || subjectsItem.value.length > 4 ||
      !subjectsItem.value.every((k) => k.type === 'bytes' && k.value.length === 32))) {
    throw fail('has subject keys (content key 5) that are not 1 to 4 byte strings of 32 bytes');
  }
  if (kindItem.type !== 'text' || !KIND_ID.test(kindItem.value)) throw fail('has an invalid kind id');
  if (versionItem.type !== 'uint' || versionItem.value < 1n || versionItem.value > INT32_MAX) throw fail('has an invalid kind version');
  if (fieldsItem.type !== 'map') throw fail('has no field map');
  if (maskItem && (maskItem.type !== 'uint' || maskItem.value < 1n || maskItem.value > 65535n)) {
    throw fail('has an invalid present mask (content key 4: an unsigned integer 1 … 65 535)');
  }
  const ctiLength = maskItem ? 16 : 10;
  if (!cti || cti.type !== 'bytes' || cti.value.length !== ctiLength) {
    throw fail(maskItem ? 'has a present mask but no 16-byte disclosure commitment (cti)' : 'has no 10-byte serial (cti)');
  }
  // Tags only on field values (checked by fieldValue), nowhere else.
  if ([iss, claims.get(6n), claims.get(4n), cti, kindItem, versionItem, maskItem, subjectsItem].some((i) => i && containsTag(i))) {
    throw fail('has a tag where none is allowed');
  }
  const fields = new FieldMap();
  for (const [key, raw] of fieldsItem.value) {
    if (key.type !== 'text') throw fail('has a field id that is not text');
    const field = fieldValue(raw);
    if (field === null) throw fail(`has a field (${key.value}) of a form this format does not define`);
    fields.set(key.value, field);
  }
  return {
    issuer: iss.value, issuedAt: iat, expiresAt: exp, cti: cti.value, serial: cti.value.slice(0, 10),
    kind: kindItem.value, kindVersion: Number(versionItem.value), fields, presentMask: maskItem ? Number(maskItem.value) : null,
    subjectKeys: subjectsItem ? subjectsItem.value.map((k) => k.value) : [],
  };
}

// MARK: Serial numbers

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The printed serial: Crockford base32 in groups of four (XXXX-XXXX-XXXX-XXXX). */
export function serialText(bytes) {
  let bits = 0;
  let value = 0;
  const out = [];
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push(CROCKFORD[(value >> bits) & 31]);
    }
    value &= (1 << bits) - 1;
  }
  if (bits > 0) out.push(CROCKFORD[(value << (5 - bits)) & 31]);
  const groups = [];
  for (let i = 0; i < out.length; i += 4) groups.push(out.slice(i, i + 4).join(''));
  return groups.join('-');
}
