// A strict CBOR decoder (RFC 8949), reproducing Swift's CBOR(decoding:)
// with CBORDecodingOptions.strict: core deterministic encoding only
// (shortest arguments and floats, definite lengths, map keys sorted by their
// encoded bytes, no duplicates), valid UTF-8, depth ≤ 64, no trailing bytes,
// simple values false/true/null/undefined only. Errors carry the same code,
// reason and byte offset as the Swift decoder's.
//
// Values: {type:'uint'|'nint', value: BigInt} (nint n means -1-n),
// {type:'bytes', value: Uint8Array}, {type:'text', value: string},
// {type:'array', value: [...]}, {type:'map', value: [[key, value], ...]},
// {type:'tag', tag: BigInt, value}, {type:'bool', value}, {type:'null'},
// {type:'undefined'}, {type:'float', value: number, bits: BigInt (binary64 pattern)}.
import { bytesEqual, compareBytes, hex, swiftDouble, utf8Decode, characterCount, splitCharacters } from './util.js';

export class CBORError extends Error {
  constructor(code, reason, offset = null) {
    super(reason);
    this.code = code;
    this.reason = reason;
    this.offset = offset;
  }
  get description() {
    return this.offset === null ? `${this.code}: ${this.reason}` : `${this.code} at byte ${this.offset}: ${this.reason}`;
  }
  toString() {
    return this.description;
  }
}

const MAX_DEPTH = 64;
const INT64_MAX = (1n << 63n) - 1n;

export function uint(n) {
  return { type: 'uint', value: BigInt(n) };
}
/** An integer as CBOR (major type 0 or 1). */
export function int(n) {
  const v = BigInt(n);
  return v >= 0n ? { type: 'uint', value: v } : { type: 'nint', value: -1n - v };
}

/** The integer if it is major type 0/1 and fits in Int64 (Swift `CBOR.int`), else null. */
export function asInt(item) {
  if (!item) return null;
  if (item.type === 'uint') return item.value <= INT64_MAX ? item.value : null;
  if (item.type === 'nint') return item.value <= INT64_MAX ? -1n - item.value : null;
  return null;
}
export const asText = (item) => (item && item.type === 'text' ? item.value : null);
export const asBytes = (item) => (item && item.type === 'bytes' ? item.value : null);
export const asMap = (item) => (item && item.type === 'map' ? item.value : null);

/** Equality of CBOR data items (Swift `CBOR ==`). */
export function equal(a, b) {
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'uint':
    case 'nint':
      return a.value === b.value;
    case 'bytes':
      return bytesEqual(a.value, b.value);
    case 'text':
      return a.value === b.value;
    case 'array':
      return a.value.length === b.value.length && a.value.every((x, i) => equal(x, b.value[i]));
    case 'map': {
      if (a.value.length !== b.value.length) return false;
      const used = new Array(b.value.length).fill(false);
      outer: for (const [k, v] of a.value) {
        for (let i = 0; i < b.value.length; i++) {
          if (!used[i] && equal(k, b.value[i][0]) && equal(v, b.value[i][1])) {
            used[i] = true;
            continue outer;
          }
        }
        return false;
      }
      return true;
    }
    case 'tag':
      return a.tag === b.tag && equal(a.value, b.value);
    case 'bool':
      return a.value === b.value;
    case 'float':
      return a.bits === b.bits;
    default:
      return true; // null, undefined
  }
}

/** The value under `key` in a map (Swift `CBOR[key]`), or null. */
export function lookup(item, key) {
  if (!item || item.type !== 'map') return null;
  for (const [k, v] of item.value) if (equal(k, key)) return v;
  return null;
}

// MARK: Diagnostic notation (Swift CBOR.description)

function escapeText(s) {
  return s.replace(/[\\"]/g, (c) => '\\' + c);
}

export function diagnostic(item) {
  switch (item.type) {
    case 'uint':
      return item.value.toString();
    case 'nint':
      return (-1n - item.value).toString();
    case 'bytes':
      return `h'${hex(item.value)}'`;
    case 'text':
      return `"${escapeText(item.value)}"`;
    case 'array':
      return '[' + item.value.map(diagnostic).join(', ') + ']';
    case 'map':
      return '{' + item.value.map(([k, v]) => `${diagnostic(k)}: ${diagnostic(v)}`).join(', ') + '}';
    case 'tag':
      return `${item.tag}(${diagnostic(item.value)})`;
    case 'bool':
      return item.value ? 'true' : 'false';
    case 'null':
      return 'null';
    case 'undefined':
      return 'undefined';
    case 'float':
      if (Number.isNaN(item.value)) return 'NaN';
      if (item.value === Infinity) return 'Infinity';
      if (item.value === -Infinity) return '-Infinity';
      return swiftDouble(item.value);
  }
  return '?';
}

/** Diagnostic notation cut to about 80 characters (Swift `abbreviatedDescription`). */
export function abbreviated(item) {
  const full = diagnostic(item);
  if (characterCount(full) <= 80) return full;
  return splitCharacters(full, 77)[0].join('') + '...';
}

// MARK: Floats, by their bits

const F64 = new DataView(new ArrayBuffer(8));
function doubleBits(d) {
  F64.setFloat64(0, d);
  return F64.getBigUint64(0);
}
function bitsDouble(bits) {
  F64.setBigUint64(0, bits);
  return F64.getFloat64(0);
}
const EXP_ALL = 0x7ffn << 52n;
const FRACTION_MASK = (1n << 52n) - 1n;

function halfToBits(h) {
  const negative = (h & 0x8000) !== 0;
  const exponent = (h >> 10) & 0x1f;
  const fraction = BigInt(h & 0x3ff);
  const sign = negative ? 1n << 63n : 0n;
  if (exponent === 0) {
    const magnitude = Number(fraction) * 2 ** -24;
    return doubleBits(negative ? -magnitude : magnitude);
  }
  if (exponent === 0x1f) return sign | EXP_ALL | (fraction << 42n);
  return sign | (BigInt(exponent - 15 + 1023) << 52n) | (fraction << 42n);
}

function singleToBits(s) {
  if ((s & 0x7f800000) === 0x7f800000 && (s & 0x007fffff) !== 0) {
    const sign = s & 0x80000000 ? 1n << 63n : 0n;
    return sign | EXP_ALL | (BigInt(s & 0x007fffff) << 29n);
  }
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, s >>> 0);
  return doubleBits(view.getFloat32(0));
}

/** Swift FloatFormats.halfBits(exactly:) != nil, on a binary64 bit pattern. */
function fitsHalf(bits) {
  const isNaN = (bits & EXP_ALL) === EXP_ALL && (bits & FRACTION_MASK) !== 0n;
  if (isNaN) return ((bits & FRACTION_MASK) & ((1n << 42n) - 1n)) === 0n;
  const value = bitsDouble(bits);
  if (!Number.isFinite(value) || value === 0) return true;
  const magnitude = Math.abs(value);
  if (magnitude < 2 ** -14) {
    const scaled = magnitude * 2 ** 24;
    return scaled < 1024 && scaled === Math.trunc(scaled);
  }
  if (magnitude > 65504) return false;
  return ((bits & FRACTION_MASK) & ((1n << 42n) - 1n)) === 0n;
}

/** Swift FloatFormats.singleBits(exactly:) != nil. */
function fitsSingle(bits) {
  const isNaN = (bits & EXP_ALL) === EXP_ALL && (bits & FRACTION_MASK) !== 0n;
  if (isNaN) return ((bits & FRACTION_MASK) & ((1n << 29n) - 1n)) === 0n;
  const value = bitsDouble(bits);
  return doubleBits(Math.fround(value)) === bits;
}

// MARK: Decoding

class Reader {
  constructor(bytes) {
    this.bytes = bytes;
    this.offset = 0;
  }
  get remaining() {
    return this.bytes.length - this.offset;
  }
  readByte() {
    if (this.offset >= this.bytes.length) {
      throw new CBORError('truncated', 'the input ends where a data item should start', this.offset);
    }
    return this.bytes[this.offset++];
  }
  readBigEndian(count, itemStart) {
    if (this.remaining < count) {
      throw new CBORError('truncated', `the input ends inside a ${count}-byte argument`, itemStart);
    }
    let value = 0n;
    for (let i = 0; i < count; i++) value = (value << 8n) | BigInt(this.bytes[this.offset + i]);
    this.offset += count;
    return value;
  }
  readArgument(info, itemStart) {
    let value;
    let smallest;
    if (info < 24) return BigInt(info);
    switch (info) {
      case 24: value = this.readBigEndian(1, itemStart); smallest = 24n; break;
      case 25: value = this.readBigEndian(2, itemStart); smallest = 0x100n; break;
      case 26: value = this.readBigEndian(4, itemStart); smallest = 0x10000n; break;
      case 27: value = this.readBigEndian(8, itemStart); smallest = 0x100000000n; break;
      default:
        throw new CBORError('malformed', `additional information ${info} is reserved`, itemStart);
    }
    if (value < smallest) {
      throw new CBORError('nonShortestArgument', `the argument ${value} is not in its shortest form`, itemStart);
    }
    return value;
  }
  checkedCount(count, minimumBytesEach, itemStart, what) {
    const needed = count * BigInt(minimumBytesEach);
    if (needed > 0xffffffffffffffffn || needed > BigInt(this.remaining)) {
      throw new CBORError('truncated', `${what} claims ${count} but only ${this.remaining} bytes remain`, itemStart);
    }
    return Number(count);
  }
  enterContainer(depth, itemStart) {
    if (depth >= MAX_DEPTH) {
      throw new CBORError('depthLimitExceeded', `arrays, maps and tags nest deeper than ${MAX_DEPTH}`, itemStart);
    }
  }
  readItem(depth) {
    const start = this.offset;
    const initial = this.readByte();
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) return this.readSimpleOrFloat(info, start);
    if (info === 31) {
      if (major < 2 || major > 5) {
        throw new CBORError('malformed', `major type ${major} has no indefinite-length form`, start);
      }
      throw new CBORError('indefiniteLength', 'indefinite lengths are not deterministic', start);
    }
    const argument = this.readArgument(info, start);
    switch (major) {
      case 0:
        return { type: 'uint', value: argument };
      case 1:
        return { type: 'nint', value: argument };
      case 2: {
        const count = this.checkedCount(argument, 1, start, 'a byte string');
        const value = this.bytes.slice(this.offset, this.offset + count);
        this.offset += count;
        return { type: 'bytes', value };
      }
      case 3: {
        const count = this.checkedCount(argument, 1, start, 'a text string');
        const text = utf8Decode(this.bytes.subarray(this.offset, this.offset + count));
        if (text === null) throw new CBORError('invalidUTF8', 'a text string is not valid UTF-8', start);
        this.offset += count;
        return { type: 'text', value: text };
      }
      case 4: {
        this.enterContainer(depth, start);
        const count = this.checkedCount(argument, 1, start, 'an array');
        const elements = [];
        for (let i = 0; i < count; i++) elements.push(this.readItem(depth + 1));
        return { type: 'array', value: elements };
      }
      case 5: {
        this.enterContainer(depth, start);
        const count = this.checkedCount(argument, 2, start, 'a map');
        const entries = [];
        let previous = null;
        for (let i = 0; i < count; i++) {
          const keyStart = this.offset;
          const key = this.readItem(depth + 1);
          const encoded = this.bytes.subarray(keyStart, this.offset);
          if (previous !== null) {
            const order = compareBytes(previous, encoded);
            if (order === 0) {
              throw new CBORError('duplicateMapKey', `the key ${abbreviated(key)} appears twice in a map`, keyStart);
            }
            if (order > 0) {
              throw new CBORError('unsortedMapKeys', `the key ${abbreviated(key)} is out of order (keys sort by their encoded bytes)`, keyStart);
            }
          }
          previous = encoded;
          entries.push([key, this.readItem(depth + 1)]);
        }
        return { type: 'map', value: entries };
      }
      default: {
        this.enterContainer(depth, start);
        return { type: 'tag', tag: argument, value: this.readItem(depth + 1) };
      }
    }
  }
  readSimpleOrFloat(info, itemStart) {
    switch (info) {
      case 20: return { type: 'bool', value: false };
      case 21: return { type: 'bool', value: true };
      case 22: return { type: 'null' };
      case 23: return { type: 'undefined' };
      case 24: {
        const value = this.readBigEndian(1, itemStart);
        if (value < 32n) throw new CBORError('malformed', `simple value ${value} must use the one-byte form`, itemStart);
        throw new CBORError('unsupportedSimpleValue', `simple value ${value} is not supported`, itemStart);
      }
      case 25: {
        const bits = halfToBits(Number(this.readBigEndian(2, itemStart)));
        return { type: 'float', value: bitsDouble(bits), bits };
      }
      case 26: {
        const bits = singleToBits(Number(this.readBigEndian(4, itemStart)));
        if (fitsHalf(bits)) {
          throw new CBORError('nonShortestFloat', `the single-precision float ${diagnosticFloat(bits)} fits in half precision`, itemStart);
        }
        return { type: 'float', value: bitsDouble(bits), bits };
      }
      case 27: {
        const bits = this.readBigEndian(8, itemStart);
        if (fitsSingle(bits)) {
          throw new CBORError('nonShortestFloat', `the double-precision float ${diagnosticFloat(bits)} fits in a shorter format`, itemStart);
        }
        return { type: 'float', value: bitsDouble(bits), bits };
      }
      case 28: case 29: case 30:
        throw new CBORError('malformed', `additional information ${info} is reserved`, itemStart);
      case 31:
        throw new CBORError('malformed', 'a "break" outside an indefinite-length item', itemStart);
      default:
        throw new CBORError('unsupportedSimpleValue', `simple value ${info} is not supported`, itemStart);
    }
  }
}

// Swift interpolates a Double with `description` ("nan", "inf" for those).
function diagnosticFloat(bits) {
  const d = bitsDouble(bits);
  if (Number.isNaN(d)) return 'nan';
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  return swiftDouble(d);
}

/** Decodes exactly one strict (deterministic) data item filling `bytes`. */
export function decode(bytes) {
  const reader = new Reader(bytes);
  const value = reader.readItem(0);
  if (reader.offset !== bytes.length) {
    throw new CBORError('trailingBytes', `${bytes.length - reader.offset} bytes follow the data item`, reader.offset);
  }
  return value;
}

// MARK: Encoding (only what the verifier needs: Sig_structure heads)

export function head(major, argument) {
  const n = BigInt(argument);
  const m = major << 5;
  if (n < 24n) return [m | Number(n)];
  if (n < 0x100n) return [m | 24, Number(n)];
  if (n < 0x10000n) return [m | 25, Number(n >> 8n), Number(n & 0xffn)];
  if (n < 0x100000000n) return [m | 26, ...[24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 0xffn))];
  return [m | 27, ...[56n, 48n, 40n, 32n, 24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 0xffn))];
}
