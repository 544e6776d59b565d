// A strict CBOR decoder for Akashi's profile (certificate.md §1): core
// deterministic encoding only (shortest arguments, definite lengths, map keys
// sorted by their encoded bytes, no duplicates), well-formed UTF-8, bounded
// depth (16), exactly one item, no trailing bytes, no major type 7 at all (no
// false/true/null/undefined, no simple values, no floats), and only the tags
// the caller allows (decode(bytes, {allowedTags}); none by default): 18 for
// the envelope (cose.js), 1004, 30000 and 30001 for the claims (claims.js),
// none for the status list (status.js). Which of the allowed tags may stand
// *where* is the caller's structure check.
//
// Values: {type:'uint'|'nint', value: BigInt} (nint n means -1-n),
// {type:'bytes', value: Uint8Array}, {type:'text', value: string},
// {type:'array', value: [...]}, {type:'map', value: [[key, value], ...]},
// {type:'tag', tag: BigInt, value}.
// With decode(bytes, {spans: true}) every item also has the non-enumerable
// `start` and `end` offsets of its encoding (the selective-disclosure entries
// are hashed as received: selective-disclosure.md §3).
import { bytesEqual, compareBytes, hex, utf8Decode } from './util.js';

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

/** The deepest nesting of arrays, maps and tags accepted (the format nests at most 5 levels). */
export const MAX_DEPTH = 16;
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
    default:
      return false;
  }
}

/** The value under `key` in a map (Swift `CBOR[key]`), or null. */
export function lookup(item, key) {
  if (!item || item.type !== 'map') return null;
  for (const [k, v] of item.value) if (equal(k, key)) return v;
  return null;
}

// MARK: Diagnostic notation (RFC 8949 §8), for messages

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
  }
  return '?';
}

/** Diagnostic notation cut to at most 80 scalar values. */
export function abbreviated(item) {
  const full = [...diagnostic(item)];
  if (full.length <= 80) return full.join('');
  return full.slice(0, 77).join('') + '...';
}

// MARK: Decoding

class Reader {
  constructor(bytes, allowedTags, spans = false) {
    this.bytes = bytes;
    this.offset = 0;
    this.allowedTags = allowedTags;
    this.spans = spans;
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
    const item = this.readItemAt(depth, start);
    if (this.spans) {
      Object.defineProperty(item, 'start', { value: start });
      Object.defineProperty(item, 'end', { value: this.offset });
    }
    return item;
  }
  readItemAt(depth, start) {
    const initial = this.readByte();
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (major === 7) {
      throw new CBORError('majorType7', 'major type 7 (false, true, null, undefined, simple values, floats) is not allowed', start);
    }
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
        if (!this.allowedTags.has(argument)) {
          throw new CBORError('tagNotAllowed', `tag ${argument} is not allowed here`, start);
        }
        this.enterContainer(depth, start);
        return { type: 'tag', tag: argument, value: this.readItem(depth + 1) };
      }
    }
  }
}

/**
 * Decodes exactly one data item of Akashi's CBOR profile filling `bytes`.
 * `allowedTags`: the tag numbers accepted anywhere in the item (numbers or
 * BigInts); every other tag is refused (`tagNotAllowed`). Default: none.
 * `spans`: record each item's byte range (`item.start`, `item.end`).
 */
export function decode(bytes, { allowedTags = [], spans = false } = {}) {
  const reader = new Reader(bytes, new Set([...allowedTags].map((t) => BigInt(t))), spans);
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

/** Whether a tag occurs anywhere in `item` (for positions where none is allowed). */
export function containsTag(item) {
  switch (item.type) {
    case 'tag':
      return true;
    case 'array':
      return item.value.some(containsTag);
    case 'map':
      return item.value.some(([k, v]) => containsTag(k) || containsTag(v));
    default:
      return false;
  }
}
