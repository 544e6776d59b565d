// Status lists, akashi-status/v1 (status-list.md): a COSE_Sign1 by one of the
// authority's issuer keys over deterministic CBOR {1: "akashi-status/v1",
// 2: issuer, 3: issued-at, 4: signed checkpoint note, 5: count, 6: zlib(table)};
// the table lists revoked and superseded certificates by log index.
// Verified as status-list.md §4 says: the signature FIRST (kid lookup across
// the trust file), then the payload with all its ranges, then the checkpoint.
// Decompressed with DecompressionStream("deflate") (zlib, RFC 1950).
import { CBORError, decode as decodeCBOR, containsTag } from './cbor.js';
import { decodeSign1, verifySignature } from './cose.js';
import { CertificateError, serialText } from './claims.js';
import { NoteError, parseSignedCheckpoint } from './note.js';
import { verifyCheckpointNote } from './policy.js';
import { findKey } from './trust.js';
import { readUvarint } from './proof.js';
import { utf8 } from './util.js';

export const STATUS_FORMAT = 'akashi-status/v1';
const MAX_TABLE_BYTES = 512 * 1024 * 1024;
const MAX_NOTE_BYTES = 1 << 20;
const REASONS = { 1: 'error', 2: 'moved', 3: 'ended', 4: 'other' };

export const REASON_TEXT = {
  error: ['誤発行', 'issued in error'],
  moved: ['転出等による記載事項の変更', 'the resident moved'],
  ended: ['関係の解消', 'ended'],
  other: ['その他', 'other'],
};

async function inflateOnce(bytes, limit) {
  if (typeof DecompressionStream === 'undefined') throw new Error('this browser cannot decompress (no DecompressionStream)');
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    let result;
    try {
      result = await reader.read();
    } catch {
      throw new Error('the compressed data is damaged or truncated');
    }
    if (result.done) break;
    total += result.value.length;
    if (total > limit) {
      reader.cancel().catch(() => {});
      throw new Error(`the compressed data expands beyond ${limit} bytes`);
    }
    chunks.push(result.value);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/**
 * zlib (RFC 1950) that MUST end exactly at the end of the bytes with a valid
 * Adler-32 (status-list.md §2). Some DecompressionStream implementations
 * ignore data after the end of the stream; a stream that ends exactly at the
 * end cannot lose its last byte and still decompress, which detects that.
 */
async function inflate(bytes, limit) {
  const out = await inflateOnce(bytes, limit);
  let shortened = true;
  try {
    await inflateOnce(bytes.subarray(0, bytes.length - 1), limit);
  } catch {
    shortened = false;
  }
  if (shortened) throw new Error('data follows the end of the zlib stream');
  return out;
}

const MAX_SAFE = (1n << 53n) - 1n;
const ISSUER = /^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/;

/** day(t) = ⌊(t + 32 400) / 86 400⌋, the day number in Japan time (t ≥ 0). */
export function dayNumber(t) {
  return (BigInt(t) + 32400n) / 86400n;
}

/**
 * Decodes a status list payload (status-list.md §1, §2), after its signature
 * verified: {issuer, issuedAt (Number), checkpoint (note text), entries:
 * Map<BigInt index, {type: 'revoked', reason, at} | {type: 'superseded',
 * successor (serial text), successorIndex, at}>}; `at` = midnight JST of the change's day (s).
 */
export async function decodeStatusPayload(bytes) {
  const fail = (what) => new CertificateError('malformedStatus', `the status list ${what}`);
  let value;
  try {
    // Akashi's CBOR profile with no tags at all (status-list.md §1).
    value = decodeCBOR(bytes);
  } catch (error) {
    if (error instanceof CBORError) throw fail(`is not CBOR of Akashi's profile: ${error.description}`);
    throw error;
  }
  if (containsTag(value)) throw fail('has a tag (none is allowed in a status list)');
  if (value.type !== 'map' || value.value.length !== 6) throw fail(`is not ${STATUS_FORMAT} (a map of six keys)`);
  const items = value.value;
  for (const [i, [k]] of items.entries()) {
    if (!(k.type === 'uint' && k.value === BigInt(i + 1))) throw fail('does not have exactly the keys 1 … 6');
  }
  const [format, issuerItem, issuedAtItem, checkpointItem, countItem, tableItem] = items.map(([, v]) => v);
  if (format.type !== 'text' || format.value !== STATUS_FORMAT) throw fail(`is not ${STATUS_FORMAT}`);
  if (issuerItem.type !== 'text' || !ISSUER.test(issuerItem.value)) throw fail('names an issuer id that is not [0-9A-Za-z][0-9A-Za-z._-]{0,63}');
  if (issuedAtItem.type !== 'uint' || issuedAtItem.value > MAX_SAFE) throw fail('has an issue time that is not an unsigned integer 0 … 2^53 − 1');
  if (checkpointItem.type !== 'text') throw fail('has no checkpoint note');
  if (utf8(checkpointItem.value).length > MAX_NOTE_BYTES) throw fail('carries a checkpoint note larger than 1 MiB');
  if (countItem.type !== 'uint' || countItem.value > 0xffffffffn) throw fail('has an entry count that is not an unsigned integer 0 … 2^32 − 1');
  if (tableItem.type !== 'bytes') throw fail('has no compressed table');
  const issuedAt = issuedAtItem.value;
  const listDay = dayNumber(issuedAt);
  let table;
  try {
    table = await inflate(tableItem.value, MAX_TABLE_BYTES);
  } catch (error) {
    throw fail(`table cannot be decompressed: ${error.message}`);
  }
  const entries = new Map();
  let previous = null;
  let offset = 0;
  const bad = (what) => fail(`table ${what}`);
  const uvarint = () => {
    const r = readUvarint(table, offset, bad);
    offset = r.offset;
    return r.value;
  };
  while (offset < table.length) {
    const gap = uvarint();
    const index = previous === null ? gap : previous + gap + 1n;
    if (index > MAX_SAFE) throw bad('has an index beyond 2^53 − 1');
    previous = index;
    if (offset >= table.length) throw bad('is truncated');
    const state = table[offset++];
    const age = uvarint();
    if (age > listDay) throw bad('has a change before 1970-01-01 (Japan time)');
    const at = Number((listDay - age) * 86400n - 32400n);
    if (REASONS[state]) {
      entries.set(index, { type: 'revoked', reason: REASONS[state], at });
    } else if (state === 5) {
      const successorIndex = uvarint();
      if (successorIndex > MAX_SAFE || !(successorIndex > index)) throw bad('has a successor index not after the entry');
      if (table.length - offset < 10) throw bad('is truncated');
      const serial = table.slice(offset, offset + 10);
      offset += 10;
      entries.set(index, { type: 'superseded', successor: serialText(serial), successorIndex, at });
    } else {
      throw bad(`has an unknown state ${state}`);
    }
  }
  if (BigInt(entries.size) !== countItem.value) throw fail(`says ${countItem.value} entries but holds ${entries.size}`);
  return { issuer: issuerItem.value, issuedAt: Number(issuedAt), checkpoint: checkpointItem.value, entries };
}

/**
 * Verifies a signed status list against a parsed trust file (status-list.md §4).
 * Resolves to {authority, list, checkpoint, treeSize (BigInt), issuedAt (Number, s)};
 * rejects with CertificateError('malformedStatus') when the list is refused.
 */
export async function verifyStatusList(bytes, trust) {
  const fail = (what) => new CertificateError('malformedStatus', what);
  let envelope;
  try {
    envelope = decodeSign1(bytes);
  } catch (error) {
    throw fail(`the status list is not an Akashi COSE_Sign1 message: ${error.description || error}`);
  }
  const found = findKey(trust, envelope.kid);
  if (!found) throw fail('the status list is not signed by a key of the trust file');
  const { key, authority } = found;
  if (key.status === 'compromised') throw fail(`the status list is signed by a compromised key of ${authority.name}`);
  if (!(await verifySignature(envelope, key.cryptoKey))) throw fail("the status list's signature does not verify");
  const list = await decodeStatusPayload(envelope.payload);
  if (list.issuer !== authority.issuer) throw fail(`the status list names issuer ${list.issuer}, but ${authority.issuer}'s key signed it`);
  if (list.issuedAt < key.notBefore - 300 || (key.notAfter !== null && list.issuedAt > key.notAfter)) {
    throw fail("the status list's issue time is outside its key's validity");
  }
  let checkpoint;
  try {
    checkpoint = parseSignedCheckpoint(list.checkpoint);
    if (checkpoint.origin !== authority.log.origin) throw new NoteError('unverified', `the checkpoint is from log '${checkpoint.origin}'`);
    await verifyCheckpointNote(checkpoint, authority.log.logKey, authority.log.policy);
  } catch (error) {
    if (error && (error.code === 'noWebCrypto' || error.code === 'noEd25519')) throw error;
    if (!(error instanceof NoteError)) throw error;
    throw fail(`the status list's log checkpoint does not verify: ${error.reason}`);
  }
  return { authority, list, checkpoint, treeSize: checkpoint.size, issuedAt: list.issuedAt };
}

/** 「2026年11月23日」 in Japan time (DateFormatter "yyyy年M月d日", Asia/Tokyo). */
export function dayTokyo(seconds) {
  const d = new Date(Number(seconds) * 1000 + 9 * 3600 * 1000);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}
