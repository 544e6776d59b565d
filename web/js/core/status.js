// Status lists, akashi-status/v1 (Swift Certificates/StatusList.swift): a
// COSE_Sign1 by one of the authority's issuer keys over deterministic CBOR
// {1: "akashi-status/v1", 2: issuer, 3: issued-at, 4: signed checkpoint note,
// 5: count, 6: zlib(table)}; the table lists revoked and superseded
// certificates by log index. Decompressed with DecompressionStream("deflate").
import { CBORError, decode as decodeCBOR, int, lookup, asText, asInt, asBytes, asMap } from './cbor.js';
import { decodeSign1, verifySignature } from './cose.js';
import { CertificateError, serialText } from './claims.js';
import { NoteError, parseSignedCheckpoint } from './note.js';
import { verifyLogCheckpoint } from './trust.js';
import { bytesEqual, swiftEqual } from './util.js';

export const STATUS_FORMAT = 'akashi-status/v1';
const MAX_TABLE_BYTES = 512 * 1024 * 1024;
const REASONS = { 1: 'error', 2: 'moved', 3: 'ended', 4: 'other' };

export const REASON_TEXT = {
  error: ['誤発行', 'issued in error'],
  moved: ['転出等による記載事項の変更', 'the resident moved'],
  ended: ['関係の解消', 'ended'],
  other: ['その他', 'other'],
};

async function inflate(bytes, limit) {
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

function uvarintReader(bytes) {
  let offset = 0;
  const truncated = () => new Error('truncated');
  return {
    get isAtEnd() {
      return offset === bytes.length;
    },
    byte() {
      if (offset >= bytes.length) throw truncated();
      return bytes[offset++];
    },
    take(n) {
      if (n > bytes.length - offset) throw truncated();
      const out = bytes.slice(offset, offset + n);
      offset += n;
      return out;
    },
    uvarint() {
      let value = 0n;
      let shift = 0n;
      for (;;) {
        const b = this.byte();
        if (!(shift < 64n) || (shift === 63n && b > 1)) throw truncated();
        value |= BigInt(b & 0x7f) << shift;
        if ((b & 0x80) === 0) {
          if (b === 0 && shift !== 0n) throw truncated();
          return value;
        }
        shift += 7n;
      }
    },
  };
}

/** StatusList(decodingPayload:): {issuer, issuedAt (BigInt), checkpoint (text), entries: Map<BigInt, state>}. */
export async function decodeStatusPayload(bytes) {
  const fail = (what) => new CertificateError('malformedStatus', `the status list ${what}`);
  let value;
  try {
    value = decodeCBOR(bytes);
  } catch (error) {
    if (error instanceof CBORError) throw fail(`is not deterministic CBOR: ${error.description}`);
    throw error;
  }
  const entriesCBOR = asMap(value);
  if (!entriesCBOR || entriesCBOR.length !== 6 || asText(lookup(value, int(1))) !== STATUS_FORMAT) throw fail(`is not ${STATUS_FORMAT}`);
  const issuer = asText(lookup(value, int(2)));
  const issuedAt = asInt(lookup(value, int(3)));
  const checkpoint = asText(lookup(value, int(4)));
  const countItem = lookup(value, int(5));
  const count = countItem && countItem.type === 'uint' ? countItem.value : null;
  const compressed = asBytes(lookup(value, int(6)));
  if (issuer === null || issuedAt === null || checkpoint === null || count === null || compressed === null) {
    throw fail('lacks the issuer, time, checkpoint, count or table');
  }
  let table;
  try {
    table = await inflate(compressed, MAX_TABLE_BYTES);
  } catch (error) {
    throw fail(`table cannot be decompressed: ${error.message}`);
  }
  const reader = uvarintReader(table);
  const entries = new Map();
  let previous = null;
  try {
    while (!reader.isAtEnd) {
      const delta = reader.uvarint();
      const index = previous === null ? delta : previous + delta + 1n;
      if (index > 0xffffffffffffffffn || (previous !== null && !(index > previous))) throw fail('table is not in index order');
      previous = index;
      const state = reader.byte();
      const age = reader.uvarint();
      if (age > (1n << 63n) - 1n) throw fail('table has an impossible time');
      const at = issuedAt - age;
      if (REASONS[state]) {
        entries.set(index, { type: 'revoked', reason: REASONS[state], at });
      } else if (state === 5) {
        const successorIndex = reader.uvarint();
        const serial = reader.take(10);
        entries.set(index, { type: 'superseded', successor: serialText(serial), successorIndex, at });
      } else {
        throw fail(`table has an unknown state ${state}`);
      }
    }
  } catch (error) {
    if (error instanceof CertificateError) throw error;
    throw fail('table is truncated or damaged');
  }
  if (BigInt(entries.size) !== count) throw fail(`says ${count} entries but holds ${entries.size}`);
  return { issuer, issuedAt, checkpoint, entries };
}

/**
 * VerifiedStatusList(signed:trust:): checks the signature (an active key of an
 * authority in the trust file) and the log checkpoint; throws CertificateError.
 * `trust` is a parsed trust file.
 */
export async function verifyStatusList(bytes, trust) {
  const fail = (what) => new CertificateError('malformedStatus', what);
  let envelope;
  try {
    envelope = decodeSign1(bytes);
  } catch (error) {
    throw fail(`the status list is not a COSE_Sign1 message: ${error.description || error}`);
  }
  if (!envelope.kidIsProtected) throw fail("the status list's key id is not in its signed header");
  const list = await decodeStatusPayload(envelope.payload);
  const authority = trust.authorities.find((a) => swiftEqual(a.issuer, list.issuer));
  if (!authority) throw fail(`the status list is from ${list.issuer}, which is not in the trust file`);
  const key = authority.keys.find((k) => bytesEqual(k.kidBytes, envelope.kid));
  if (!key || key.status === 'compromised' || !key.cryptoKey) throw fail(`the status list is not signed by a valid key of ${authority.name}`);
  if (!(await verifySignature(envelope, key.cryptoKey))) throw fail("the status list's signature does not verify");
  let checkpoint;
  try {
    checkpoint = parseSignedCheckpoint(list.checkpoint);
    await verifyLogCheckpoint(authority.log, checkpoint);
  } catch (error) {
    if (error && (error.code === 'noWebCrypto' || error.code === 'noEd25519')) throw error;
    throw fail(`the status list's log checkpoint does not verify: ${error instanceof NoteError ? error.reason : error}`);
  }
  return { list, checkpoint, treeSize: checkpoint.size, issuedAt: Number(list.issuedAt) };
}

/** 「2026年11月23日」 in Japan time (DateFormatter "yyyy年M月d日", Asia/Tokyo). */
export function dayTokyo(seconds) {
  const d = new Date(Number(seconds) * 1000 + 9 * 3600 * 1000);
  return `${String(d.getUTCFullYear()).padStart(4, '0')}年${d.getUTCMonth() + 1}月${d.getUTCDate()}日`;
}
