// Log entries (log.md §2): UTF-8 text, one `key value` line per item in a
// fixed order, LF-terminated. Encoding is canonical: parseEntry re-encodes
// what it read and refuses the entry unless the bytes are identical (the
// same rule as Swift's LogEntry(parsing:)).
//
//   certificate  {type, sha256, kind, issuedAt, subjects: [Uint8Array(50)]}
//   document     {type, sha256, name (or null)}
//   revocation   {type, sha256, target, reason, at}
//   supersession {type, sha256, target, successor, at}
//
// Times and indices are Numbers (0 … 2^53 − 1, exact).
import { NoteError } from './note.js';
import { base64url, hex, utf8 } from './util.js';

export const HEADER = 'akashi-entry/v1';
export const MAX_ENTRY_BYTES = 65535;
export const SUBJECT_LINE_BYTES = 50;
export const MAX_SUBJECT_LINES = 4;
export const MAX_NAME_BYTES = 200;
export const REASONS = ['error', 'moved', 'ended', 'other'];
const KIND_ID = /^[a-z][a-z0-9-]{0,39}$/;
const HEX64 = /^[0-9a-f]{64}$/;
const NUMBER = /^(?:0|[1-9][0-9]{0,15})$/;

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const HEX_VALUE = new Uint8Array(128);
'0123456789abcdef'.split('').forEach((c, i) => {
  HEX_VALUE[c.charCodeAt(0)] = i;
});

const fail = (reason) => new NoteError('malformedEntry', reason);

/** The entry's text (log.md §2). */
export function entryText(entry, digestHex = hex(entry.sha256)) {
  const lines = [HEADER, `type ${entry.type}`, `sha256 ${digestHex}`];
  switch (entry.type) {
    case 'certificate':
      lines.push(`kind ${entry.kind}`, `issued ${entry.issuedAt}`);
      for (const s of entry.subjects || []) lines.push(`subject ${base64url(s)}`);
      break;
    case 'document':
      if (entry.name !== null && entry.name !== undefined) lines.push(`name ${entry.name}`);
      break;
    case 'revocation':
      lines.push(`target ${entry.target}`, `reason ${entry.reason}`, `at ${entry.at}`);
      break;
    case 'supersession':
      lines.push(`target ${entry.target}`, `successor ${entry.successor}`, `at ${entry.at}`);
      break;
    default:
      throw new TypeError(`unknown entry type ${entry.type}`);
  }
  return lines.join('\n') + '\n';
}

/** The entry's bytes (log.md §2). */
export function encodeEntry(entry) {
  return utf8(entryText(entry));
}

// base64url without padding, by table (the scan decodes millions of subject lines).
const B64URL_VALUE = new Int16Array(128).fill(-1);
'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('').forEach((c, i) => {
  B64URL_VALUE[c.charCodeAt(0)] = i;
});

/** The 50 bytes of a 67-character base64url text, or null (a character outside the alphabet, or unused bits set). */
function decodeLine(text) {
  if (text.length !== 67) return null;
  const out = new Uint8Array(SUBJECT_LINE_BYTES);
  let o = 0;
  let i = 0;
  for (; i + 4 <= 64; i += 4) {
    const a = B64URL_VALUE[text.charCodeAt(i)] ?? -1;
    const b = B64URL_VALUE[text.charCodeAt(i + 1)] ?? -1;
    const c = B64URL_VALUE[text.charCodeAt(i + 2)] ?? -1;
    const d = B64URL_VALUE[text.charCodeAt(i + 3)] ?? -1;
    if ((a | b | c | d) < 0) return null;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 255;
    out[o++] = v & 255;
  }
  // 3 characters left: 2 bytes and 2 unused bits, which must be zero (canonical).
  const a = B64URL_VALUE[text.charCodeAt(64)] ?? -1;
  const b = B64URL_VALUE[text.charCodeAt(65)] ?? -1;
  const c = B64URL_VALUE[text.charCodeAt(66)] ?? -1;
  if ((a | b | c) < 0 || (c & 3) !== 0) return null;
  const v = (a << 12) | (b << 6) | c;
  out[o++] = v >> 10;
  out[o++] = (v >> 2) & 255;
  return out;
}

/** The certificate entry of log.md §2.1 (with its subject lines, subject-transparency.md §3). */
export function certificateEntry(digest, kind, issuedAt, subjects = []) {
  return encodeEntry({ type: 'certificate', sha256: digest, kind, issuedAt, subjects });
}

/** A document name (log.md §2.2): 1 – 200 bytes, none of U+0000–U+001F, U+007F–U+009F, U+2028, U+2029. */
function isValidName(name) {
  const n = utf8(name).length;
  if (n < 1 || n > MAX_NAME_BYTES) return false;
  for (const c of name) {
    const cp = c.codePointAt(0);
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029) return false;
  }
  return true;
}

function number(text, what) {
  if (!NUMBER.test(text)) throw fail(`the entry's ${what} is not a number in 0…2^53−1`);
  const n = Number(text);
  if (n > Number.MAX_SAFE_INTEGER) throw fail(`the entry's ${what} is not a number in 0…2^53−1`);
  return n;
}

/** Parses one entry (log.md §2), strictly; throws NoteError('malformedEntry'). */
export function parseEntry(bytes) {
  if (bytes.length > MAX_ENTRY_BYTES) throw fail('a log entry is at most 65535 bytes');
  let text;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    text = null;
  }
  if (text === null || !text.endsWith('\n')) throw fail('a log entry is UTF-8 text ending in a newline');
  const lines = text.slice(0, -1).split('\n');
  const value = (i, key) => {
    if (i >= lines.length || !lines[i].startsWith(key + ' ')) throw fail(`line ${i + 1} of the log entry should start with '${key} '`);
    return lines[i].slice(key.length + 1);
  };
  if (lines[0] !== HEADER) throw fail(`not an ${HEADER} entry`);
  const type = value(1, 'type');
  const digestText = value(2, 'sha256');
  if (!HEX64.test(digestText)) throw fail("the entry's sha256 is not 64 lowercase hex digits");
  const sha256 = new Uint8Array(32);
  for (let i = 0; i < 32; i++) sha256[i] = (HEX_VALUE[digestText.charCodeAt(2 * i)] << 4) | HEX_VALUE[digestText.charCodeAt(2 * i + 1)];
  let entry;
  switch (type) {
    case 'document': {
      let name = null;
      if (lines.length > 3) {
        name = value(3, 'name');
        if (!isValidName(name)) throw fail('a document name is 1 to 200 bytes of UTF-8 without control characters or newlines');
      }
      entry = { type, sha256, name };
      break;
    }
    case 'certificate': {
      const kind = value(3, 'kind');
      if (!KIND_ID.test(kind)) throw fail("the entry's kind is not [a-z][a-z0-9-]{0,39}");
      const issuedAt = number(value(4, 'issued'), 'issue time');
      if (lines.length > 5 + MAX_SUBJECT_LINES) throw fail(`a certificate entry has at most ${MAX_SUBJECT_LINES} subject lines`);
      const subjects = [];
      for (let i = 5; i < lines.length; i++) {
        const data = decodeLine(value(i, 'subject'));
        if (!data) throw fail(`line ${i + 1}: a subject line is 'subject ' and 67 base64url characters (50 bytes)`);
        subjects.push(data);
      }
      entry = { type, sha256, kind, issuedAt, subjects };
      break;
    }
    case 'revocation': {
      const target = number(value(3, 'target'), 'target');
      const reason = value(4, 'reason');
      if (!REASONS.includes(reason)) throw fail(`the revocation reason is not one of ${REASONS.join(', ')}`);
      entry = { type, sha256, target, reason, at: number(value(5, 'at'), 'time') };
      break;
    }
    case 'supersession': {
      const target = number(value(3, 'target'), 'target');
      const successor = number(value(4, 'successor'), 'successor');
      entry = { type, sha256, target, successor, at: number(value(5, 'at'), 'time') };
      break;
    }
    default:
      throw fail(`unknown log entry type '${[...type].slice(0, 40).join('')}'`);
  }
  // Canonical: the text re-encoded is the text read (and the text is the bytes, UTF-8 being checked above).
  if (entryText(entry, digestText) !== text) throw fail('the log entry is not in canonical form');
  return entry;
}

// MARK: entry bundles (log.md §7, c2sp.org/tlog-tiles "Log entries")

/** The entries of a bundle: each a big-endian u16 length and that many bytes; null if the prefixes do not add up. */
export function parseEntryBundle(bytes) {
  const out = [];
  let i = 0;
  while (i < bytes.length) {
    if (i + 2 > bytes.length) return null;
    const n = (bytes[i] << 8) | bytes[i + 1];
    if (i + 2 + n > bytes.length) return null;
    out.push(bytes.subarray(i + 2, i + 2 + n));
    i += 2 + n;
  }
  return out;
}

/** An entry bundle of these entries. */
export function encodeEntryBundle(entries) {
  let length = 0;
  for (const e of entries) length += 2 + e.length;
  const out = new Uint8Array(length);
  let o = 0;
  for (const e of entries) {
    out[o] = e.length >> 8;
    out[o + 1] = e.length & 255;
    out.set(e, o + 2);
    o += 2 + e.length;
  }
  return out;
}

/** A tile index in 3-digit groups with `x` prefixes (c2sp.org/tlog-tiles): 1234067 → x001/x234/067. */
export function encodeTileIndex(n) {
  const groups = [];
  let v = BigInt(n);
  do {
    groups.push(String(v % 1000n).padStart(3, '0'));
    v /= 1000n;
  } while (v > 0n);
  groups.reverse();
  return groups.map((g, i) => (i === groups.length - 1 ? g : 'x' + g)).join('/');
}

/** `tile/entries/<N>[.p/<W>]`; width 256 is a full bundle. */
export function entriesPath(index, width = 256) {
  return `tile/entries/${encodeTileIndex(index)}` + (width < 256 ? `.p/${width}` : '');
}

/** `tile/<L>/<N>[.p/<W>]`. */
export function tilePath(level, index, width = 256) {
  return `tile/${level}/${encodeTileIndex(index)}` + (width < 256 ? `.p/${width}` : '');
}
