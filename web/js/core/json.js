// A strict JSON reader for the trust file (trust-file.md §1): RFC 8259 and
// I-JSON (RFC 7493) — no byte order mark, no duplicate member names (anywhere),
// no escaped lone surrogates, no noncharacters — and, because every number of
// the trust file is an integer, numbers only as `-?(0|[1-9][0-9]*)` within
// ±(2^53 − 1). JSON.parse would silently keep the last of two duplicates.
// Objects come back as null-prototype objects.
import { isNoncharacter } from './util.js';

export class JSONError extends Error {
  constructor(reason, offset) {
    super(`${reason} (at character ${offset})`);
    this.reason = `${reason} (at character ${offset})`;
    this.offset = offset;
  }
}

const MAX_DEPTH = 32;
const MAX_SAFE = 2n ** 53n - 1n;

/** Parses JSON text (a JS string, or UTF-8 bytes, which must be well-formed and have no BOM). */
export function parseStrictJSON(input) {
  let text = input;
  if (typeof input !== 'string') {
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input);
    } catch {
      throw new JSONError('the text is not well-formed UTF-8', 0);
    }
  }
  if (text.charCodeAt(0) === 0xfeff) throw new JSONError('the text begins with a byte order mark', 0);
  let i = 0;
  const fail = (why) => new JSONError(why, i);
  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const string = () => {
    // at '"'
    i++;
    let out = '';
    let start = i;
    for (;;) {
      if (i >= text.length) throw fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        break;
      }
      if (c < 0x20) throw fail('a control character in a string');
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        i += 2;
        const simple = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }[e];
        if (simple !== undefined) out += simple;
        else if (e === 'u') {
          const h = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(h)) throw fail('a bad \\u escape');
          i += 4;
          out += String.fromCharCode(parseInt(h, 16));
        } else throw fail('a bad escape');
        start = i;
        continue;
      }
      i++;
    }
    // Lone surrogates (escaped or not) and noncharacters are refused (RFC 7493 §2.1).
    for (let k = 0; k < out.length; k++) {
      const c = out.charCodeAt(k);
      if (c >= 0xd800 && c <= 0xdbff) {
        const d = out.charCodeAt(k + 1);
        if (!(d >= 0xdc00 && d <= 0xdfff)) throw fail('a string with a lone surrogate');
        const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
        if (isNoncharacter(cp)) throw fail('a string with a noncharacter');
        k++;
      } else if (c >= 0xdc00 && c <= 0xdfff) {
        throw fail('a string with a lone surrogate');
      } else if (isNoncharacter(c)) {
        throw fail('a string with a noncharacter');
      }
    }
    return out;
  };
  const value = (depth) => {
    if (depth > MAX_DEPTH) throw fail('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const obj = Object.create(null);
      const names = new Set();
      ws();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') throw fail('expected a member name');
        const name = string();
        if (names.has(name)) throw fail(`duplicate member name "${name}"`);
        names.add(name);
        ws();
        if (text[i] !== ':') throw fail("expected ':'");
        i++;
        obj[name] = value(depth + 1);
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === '}') {
          i++;
          return obj;
        }
        throw fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      const arr = [];
      ws();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1));
        ws();
        if (text[i] === ',') {
          i++;
          continue;
        }
        if (text[i] === ']') {
          i++;
          return arr;
        }
        throw fail("expected ',' or ']'");
      }
    }
    if (c === '"') return string();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    const m = /^-?(?:0|[1-9][0-9]*)/.exec(text.slice(i, i + 40));
    if (m) {
      const after = text[i + m[0].length];
      if (after === '.' || after === 'e' || after === 'E') throw fail('a number with a fraction or exponent (only integers are allowed)');
      if (after !== undefined && /[0-9]/.test(after)) {
        throw fail(/^-?0$/.test(m[0]) ? 'a number with a leading zero' : 'a number too long');
      }
      if (m[0] === '-0') throw fail('the number -0 (write 0: an integer has one form)');
      const n = BigInt(m[0]);
      if (n > MAX_SAFE || n < -MAX_SAFE) throw fail('an integer outside ±(2^53 − 1)');
      i += m[0].length;
      return Number(n);
    }
    throw fail('unexpected character');
  };
  const result = value(0);
  ws();
  if (i !== text.length) throw fail('text after the JSON value');
  return result;
}
