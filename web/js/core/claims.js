// CWT claims of an Akashi certificate (Swift Certificates/CertificateClaims.swift):
// {1 iss, 4 exp?, 6 iat, 7 cti (10-byte serial), -70000 {1 kind, 2 version, 3 fields, 4 salt}}.
// Field values: text, 1004(date), integer, 30000(decimal), 30001(enum), [text].
import { CBORError, decode as decodeCBOR, int, lookup, asInt, asText, asBytes, asMap, equal } from './cbor.js';
import { swiftEqual } from './util.js';

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

const AKASHI_CLAIM = int(-70000);
const ALLOWED = [int(1), int(4), int(6), int(7), AKASHI_CLAIM];
const INT32_MAX = 2147483647n;

/**
 * A field map with Swift Dictionary semantics for String keys: keys that are
 * canonically equivalent are the same key (the first spelling is kept, the
 * last value wins).
 */
export class FieldMap {
  constructor() {
    this.map = new Map();
  }
  set(key, value) {
    const k = key.normalize('NFC');
    const existing = this.map.get(k);
    this.map.set(k, { key: existing ? existing.key : key, value });
  }
  get(key) {
    const e = this.map.get(key.normalize('NFC'));
    return e ? e.value : undefined;
  }
  has(key) {
    return this.map.has(key.normalize('NFC'));
  }
  entries() {
    return [...this.map.values()].map((e) => [e.key, e.value]);
  }
  get size() {
    return this.map.size;
  }
}

/** FieldValue(cbor:): {type, value} or null for an unknown form. */
export function fieldValue(item) {
  switch (item.type) {
    case 'text':
      return { type: 'text', value: item.value };
    case 'uint':
    case 'nint': {
      const n = asInt(item);
      return n === null ? null : { type: 'integer', value: n };
    }
    case 'tag':
      if (item.value.type !== 'text') return null;
      if (item.tag === 1004n) return { type: 'date', value: item.value.value };
      if (item.tag === 30000n) return { type: 'decimal', value: item.value.value };
      if (item.tag === 30001n) return { type: 'enumValue', value: item.value.value };
      return null;
    case 'array': {
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

/** FieldValue == (Swift enum equality; strings by canonical equivalence). */
export function fieldValuesEqual(a, b) {
  if (a.type !== b.type) return false;
  if (a.type === 'integer') return a.value === b.value;
  if (a.type === 'textList') return a.value.length === b.value.length && a.value.every((s, i) => swiftEqual(s, b.value[i]));
  return swiftEqual(a.value, b.value);
}

/** The value as JSON (Swift `FieldValue.jsonValue`); integers beyond 2^53 as decimal text. */
export function jsonValue(v) {
  if (v.type === 'integer') {
    const safe = v.value >= BigInt(Number.MIN_SAFE_INTEGER) && v.value <= BigInt(Number.MAX_SAFE_INTEGER);
    return safe ? Number(v.value) : v.value.toString();
  }
  if (v.type === 'textList') return [...v.value];
  return v.value;
}

export function decodeClaims(bytes) {
  let value;
  try {
    value = decodeCBOR(bytes);
  } catch (error) {
    if (error instanceof CBORError) {
      throw new CertificateError('malformedPayload', `the certificate payload is not deterministic CBOR: ${error.description}`);
    }
    throw error;
  }
  const fail = (what) => new CertificateError('malformedPayload', `the certificate payload ${what}`);
  const entries = asMap(value);
  if (entries === null) throw fail('is not a CBOR map');
  if (!entries.every(([k]) => ALLOWED.some((a) => equal(a, k)))) throw fail('has claims this version does not know');
  const iss = asText(lookup(value, int(1)));
  if (iss === null || iss === '') throw fail('has no issuer (iss)');
  const iat = asInt(lookup(value, int(6)));
  if (iat === null) throw fail('has no issue time (iat)');
  const cti = asBytes(lookup(value, int(7)));
  if (cti === null || cti.length !== 10) throw fail('has no 10-byte serial (cti)');
  let exp = null;
  const e = lookup(value, int(4));
  if (e !== null) {
    exp = asInt(e);
    if (exp === null) throw fail('has a non-integer expiry (exp)');
  }
  const content = lookup(value, AKASHI_CLAIM);
  const contentEntries = asMap(content);
  const kind = asText(lookup(content, int(1)));
  const version = asInt(lookup(content, int(2)));
  const fieldMap = asMap(lookup(content, int(3)));
  const salt = asBytes(lookup(content, int(4)));
  if (content === null || contentEntries === null || contentEntries.length !== 4 || kind === null ||
      version === null || version < 1n || version > INT32_MAX || fieldMap === null || salt === null || salt.length !== 16) {
    throw fail('has no valid Akashi content (kind, version, fields, salt)');
  }
  const fields = new FieldMap();
  for (const [key, raw] of fieldMap) {
    const name = asText(key);
    const field = fieldValue(raw);
    if (name === null || field === null) throw fail('has a field of an unknown form');
    fields.set(name, field);
  }
  return { issuer: iss, issuedAt: iat, expiresAt: exp, serial: cti, kind, kindVersion: Number(version), fields, salt };
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
