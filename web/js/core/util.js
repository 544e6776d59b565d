// Small byte, text and string helpers shared by the verification core.
// Identifiers are compared byte for byte (verification.md §3); text rules are
// defined on Unicode scalar values with explicit ranges (certificate.md §5).

const HEX = '0123456789abcdef';

/** Lowercase hex, two digits per byte (Swift `hexString`). */
export function hex(bytes) {
  let out = '';
  for (const b of bytes) out += HEX[b >> 4] + HEX[b & 15];
  return out;
}

/** `String(n, radix: 16)`: no padding. */
export function hexNoPad(n) {
  return n.toString(16);
}

export function concat(...parts) {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Bytewise lexicographic order: -1, 0 or 1. */
export function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const encoder = new TextEncoder();
export function utf8(text) {
  return encoder.encode(text);
}

/** Strict UTF-8 (Swift `String(validating:as:)`): null if invalid. A BOM is kept. */
export function utf8Decode(bytes) {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return null;
  }
}


// MARK: base64

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function encodeWith(alphabet, bytes, pad) {
  let out = '';
  let i = 0;
  for (; i + 3 <= bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + alphabet[v & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i] << 16;
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + (pad ? '==' : '');
  } else if (rest === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + (pad ? '=' : '');
  }
  return out;
}

/** Standard base64 with padding (Foundation `base64EncodedString()`). */
export function base64(bytes) {
  return encodeWith(B64, bytes, true);
}

/**
 * Swift `[UInt8](base64String:)`: standard base64, padding required, no
 * white space, and the text must be the canonical encoding of its bytes.
 * Returns null when refused.
 */
export function base64DecodeStrict(text) {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(text)) return null;
  const out = [];
  for (let i = 0; i < text.length; i += 4) {
    const chunk = text.slice(i, i + 4);
    const values = [...chunk].map((c) => (c === '=' ? 0 : B64.indexOf(c)));
    const v = (values[0] << 18) | (values[1] << 12) | (values[2] << 6) | values[3];
    const n = chunk.endsWith('==') ? 1 : chunk.endsWith('=') ? 2 : 3;
    out.push((v >> 16) & 255);
    if (n > 1) out.push((v >> 8) & 255);
    if (n > 2) out.push(v & 255);
  }
  const bytes = Uint8Array.from(out);
  return base64(bytes) === text ? bytes : null;
}

export function base64url(bytes) {
  return encodeWith(B64URL, bytes, false);
}

/** Error thrown by the strict decoders (Swift `QRPayloadError`). */
export class PayloadError extends Error {
  constructor(code, reason, offset = null) {
    super(reason);
    this.code = code;
    this.reason = reason;
    this.offset = offset;
  }
  get description() {
    return `${this.code}: ${this.reason}`;
  }
}

/** Swift `Base64URL.decode`, byte for byte, errors included. */
export function base64urlDecode(text) {
  const chars = utf8(text);
  if (chars.length % 4 === 1) {
    throw new PayloadError('invalid-length', `base64url text has ${chars.length} characters; a length of 1 modulo 4 is impossible`);
  }
  const out = [];
  for (let start = 0; start < chars.length; start += 4) {
    const width = Math.min(4, chars.length - start);
    let value = 0;
    for (let index = start; index < start + width; index++) {
      const digit = chars[index] < 128 ? B64URL.indexOf(String.fromCharCode(chars[index])) : -1;
      if (digit < 0) {
        const hint = chars[index] === 0x3d ? ' (padding is not allowed)' : '';
        throw new PayloadError('invalid-character', `base64url text has a byte 0x${hexNoPad(chars[index])} outside the alphabet at offset ${index}${hint}`, index);
      }
      value = value * 64 + digit;
    }
    const byteCount = width - 1;
    const unusedBits = width * 6 - byteCount * 8;
    if (value % (1 << unusedBits) !== 0) {
      throw new PayloadError('non-canonical', `base64url text has non-zero unused bits in its last character at offset ${chars.length - 1}`, chars.length - 1);
    }
    value = Math.floor(value / (1 << unusedBits));
    for (let shift = 8 * (byteCount - 1); shift >= 0; shift -= 8) out.push(Math.floor(value / 2 ** shift) & 255);
  }
  return Uint8Array.from(out);
}

// MARK: text (certificate.md §5; defined on Unicode scalar values, no Unicode tables)

/** Whether a JS string is well-formed UTF-16 (no lone surrogates), i.e. a sequence of scalar values. */
export function isWellFormed(s) {
  if (typeof s.isWellFormed === 'function') return s.isWellFormed();
  return !/[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/.test(s);
}

/** The length in Unicode scalar values (not UTF-16 code units, not grapheme clusters). */
export function scalarCount(s) {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** NFC(s) = s (UAX #15), compared as scalar values. */
export function isNFC(s) {
  return s.normalize('NFC') === s;
}

/** White space for the leading/trailing rule of certificate.md §5.3 — exactly this list. */
export function isTextWhiteSpace(cp) {
  return (cp >= 0x09 && cp <= 0x0d) || cp === 0x20 || cp === 0x85 || cp === 0xa0 || cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) || cp === 0x2028 || cp === 0x2029 || cp === 0x202f || cp === 0x205f || cp === 0x3000;
}

/** Noncharacters: U+FDD0–U+FDEF and U+xFFFE, U+xFFFF of every plane. */
export function isNoncharacter(cp) {
  return (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) === 0xfffe;
}

/** certificate.md §5.1: `controlCharacter`, `disallowedCharacter` or null for an allowed scalar value. */
export function refusedCodePoint(cp) {
  if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029) return 'controlCharacter';
  if (cp === 0x061c || cp === 0x200e || cp === 0x200f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
      cp === 0x00ad || cp === 0x034f || cp === 0x115f || cp === 0x1160 || cp === 0x17b4 || cp === 0x17b5 ||
      (cp >= 0x180b && cp <= 0x180f) || (cp >= 0x200b && cp <= 0x200d) || (cp >= 0x2060 && cp <= 0x2065) ||
      (cp >= 0x206a && cp <= 0x206f) || cp === 0x3164 || cp === 0xfeff || cp === 0xffa0 || (cp >= 0xfff0 && cp <= 0xfffb) ||
      (cp >= 0x1bca0 && cp <= 0x1bca3) || (cp >= 0x1d173 && cp <= 0x1d17a) || (cp >= 0xe0000 && cp <= 0xe007f) ||
      (cp >= 0xe000 && cp <= 0xf8ff) || (cp >= 0xf0000 && cp <= 0xffffd) || (cp >= 0x100000 && cp <= 0x10fffd) ||
      isNoncharacter(cp) || cp === 0xfffd) return 'disallowedCharacter';
  return null;
}

/**
 * The text rule (certificate.md §5): null when `s` satisfies it, else a code:
 * `notScalarValues`, `controlCharacter`, `disallowedCharacter`, `notNFC`, `edgeWhiteSpace`.
 * (Length limits are the caller's: scalarCount.)
 */
export function textRuleProblem(s) {
  if (!isWellFormed(s)) return 'notScalarValues';
  for (const c of s) {
    const reason = refusedCodePoint(c.codePointAt(0));
    if (reason) return reason;
  }
  if (!isNFC(s)) return 'notNFC';
  if (s.length > 0) {
    const first = s.codePointAt(0);
    const last = [...s.slice(-2)].pop().codePointAt(0);
    if (isTextWhiteSpace(first) || isTextWhiteSpace(last)) return 'edgeWhiteSpace';
  }
  return null;
}

/** A BigInt or number as a JSON-safe value: a number when exact, else decimal text. */
export function jsonInteger(n) {
  const big = BigInt(n);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big.toString();
}

// MARK: SHA-256

export function subtle() {
  const s = globalThis.crypto && globalThis.crypto.subtle;
  if (!s) {
    const error = new Error('WebCrypto (crypto.subtle) is unavailable: open the verifier over https:// or http://localhost');
    error.code = 'noWebCrypto';
    throw error;
  }
  return s;
}

export async function sha256(bytes) {
  return new Uint8Array(await subtle().digest('SHA-256', bytes));
}
