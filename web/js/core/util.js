// Small byte, text and string helpers shared by the verification core.
// They reproduce the exact behaviour of the Swift code they stand in for
// (Foundation's base64, Base64URL, String comparison and trimming), because
// the web verifier must reach the same verdicts and messages as akashi-verify.

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

/** Lossy UTF-8 (Swift `String(decoding:as:)`). */
export function utf8DecodeLossy(bytes) {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes);
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

// MARK: Swift String semantics

/** Swift `String ==`: canonical equivalence. */
export function swiftEqual(a, b) {
  return a === b || a.normalize('NFC') === b.normalize('NFC');
}

/** Swift `String <` order (NFC, by Unicode scalar): negative, 0 or positive. */
export function swiftCompare(a, b) {
  const x = [...a.normalize('NFC')];
  const y = [...b.normalize('NFC')];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const p = x[i].codePointAt(0);
    const q = y[i].codePointAt(0);
    if (p !== q) return p - q;
  }
  return x.length - y.length;
}

let segmenter = null;
/** The number of extended grapheme clusters (Swift `String.count`). */
export function characterCount(s) {
  if (/^[\x00-\x7e]*$/.test(s) && !s.includes('\r\n')) return s.length;
  if (segmenter === null && typeof Intl !== 'undefined' && Intl.Segmenter) {
    segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });
  }
  if (segmenter) {
    let n = 0;
    for (const _ of segmenter.segment(s)) n++;
    return n;
  }
  return [...s].length;
}

/** The first `n` characters (grapheme clusters) and the rest. */
export function splitCharacters(s, n) {
  if (segmenter === null && typeof Intl !== 'undefined' && Intl.Segmenter) {
    segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });
  }
  const parts = segmenter ? [...segmenter.segment(s)].map((x) => x.segment) : [...s];
  return [parts.slice(0, n), parts.slice(n).join('')];
}

// CharacterSet.whitespacesAndNewlines: Unicode Z* categories, U+0009–U+000D and U+0085.
const EDGE_SPACE = /^[\t\n\x0b\f\r\x85\p{Z}]+|[\t\n\x0b\f\r\x85\p{Z}]+$/gu;
/** Swift `trimmingCharacters(in: .whitespacesAndNewlines)`. */
export function swiftTrim(s) {
  return s.replace(EDGE_SPACE, '');
}

/** Swift `Double.description`, for CBOR diagnostics. */
export function swiftDouble(d) {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const [mantissa, expText] = d.toExponential().split('e');
  const exponent = Number(expText);
  const negative = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const sign = negative ? '-' : '';
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exponent);
    return `${sign}${m}e${exponent < 0 ? '-' : '+'}${e < 10 ? '0' + e : e}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const intLen = exponent + 1;
  if (digits.length <= intLen) return `${sign}${digits}${'0'.repeat(intLen - digits.length)}.0`;
  return `${sign}${digits.slice(0, intLen)}.${digits.slice(intLen)}`;
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
