// The v2 compact proof carried in the QR (compact-proof.md):
//   uvarint index | uvarint tree size | H × [32] hashes | signature records to the end
// H = PATHLEN(index, tree size) is not encoded; nor are the root (recomputed),
// the origin (the trust file's log key name) or the number of signatures.
// A record is u32 key ID | u8 length | bytes; which records matter is decided
// later, with the trust file (verify.js): unknown key IDs are skipped.
import { NoteError } from './note.js';

const MAX_TREE_SIZE = (1n << 53n) - 1n;
/** A verifier MAY treat more than 100 records as undecodable (compact-proof.md §3 step 4). */
export const MAX_RECORDS = 100;

/** Minimal unsigned LEB128 of at most 64 bits (README "Conventions"); BigInt. */
export function readUvarint(bytes, offset, fail) {
  let value = 0n;
  let shift = 0n;
  for (let i = 0; ; i++) {
    if (offset >= bytes.length) throw fail('is truncated inside a number');
    const b = bytes[offset++];
    if (i === 9 && b > 1) throw fail('has a number beyond 64 bits');
    value |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) {
      if (b === 0 && i > 0) throw fail('has a number that is not minimally encoded');
      return { value, offset };
    }
    shift += 7n;
  }
}

/** Minimal unsigned LEB128 of a non-negative integer (Number or BigInt). */
export function writeUvarint(n) {
  let v = BigInt(n);
  const out = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Uint8Array.from(out);
}

/** The length of the RFC 9162 audit path PATH(m, D[n]) (compact-proof.md §2); BigInt arguments, Number result. */
export function pathLength(m, n) {
  const x = m ^ (n - 1n);
  const inner = x === 0n ? 0 : x.toString(2).length;
  let border = 0;
  for (let v = m >> BigInt(inner); v > 0n; v >>= 1n) if (v & 1n) border++;
  return inner + border;
}

/**
 * Decodes a compact proof's structure (compact-proof.md §3); nothing from the
 * trust file is used. Returns {index, treeSize (BigInt), hashes: [Uint8Array(32)],
 * records: [{keyID, bytes}]}; throws NoteError('malformedProof').
 */
export function decodeCompactProof(bytes) {
  const fail = (what) => new NoteError('malformedProof', `the compact proof ${what}`);
  let r = readUvarint(bytes, 0, fail);
  const index = r.value;
  r = readUvarint(bytes, r.offset, fail);
  const treeSize = r.value;
  let offset = r.offset;
  if (treeSize < 1n || treeSize > MAX_TREE_SIZE) throw fail(`has a tree size ${treeSize} outside 1 … 2^53 − 1`);
  if (!(index < treeSize)) throw fail(`has an index ${index} not below the tree size ${treeSize}`);
  const count = pathLength(index, treeSize);
  if (count * 32 > bytes.length - offset) throw fail(`is truncated: ${count} proof hashes needed`);
  const hashes = [];
  for (let i = 0; i < count; i++) {
    hashes.push(bytes.slice(offset, offset + 32));
    offset += 32;
  }
  const records = [];
  const seen = new Set();
  while (offset < bytes.length) {
    if (bytes.length - offset < 5) throw fail('ends inside a signature record');
    const keyID = ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3]) >>> 0;
    const length = bytes[offset + 4];
    offset += 5;
    if (length > bytes.length - offset) throw fail('ends inside a signature record');
    if (seen.has(keyID)) throw fail('has two signature records with the same key ID');
    seen.add(keyID);
    records.push({ keyID, bytes: bytes.slice(offset, offset + length) });
    offset += length;
    if (records.length > MAX_RECORDS) throw fail(`has more than ${MAX_RECORDS} signature records`);
  }
  if (records.length === 0) throw fail('has no signature record');
  return { index, treeSize, hashes, records };
}
