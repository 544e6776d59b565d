// The compact binary log proof carried in the QR (Swift TransparencyLog/CompactProof.swift):
//   u8 version (1) | uvarint index | uvarint tree size | [32] root |
//   u8 n, n × [32] hashes | u8 m, m × (u32 key ID, u8 length, signature)
// Signer names are restored from the trusted keys by key ID; the origin is the log key's name.
import { NoteError, checkpointText } from './note.js';

class ByteReader {
  constructor(bytes) {
    this.bytes = bytes;
    this.offset = 0;
  }
  get isAtEnd() {
    return this.offset === this.bytes.length;
  }
  byte() {
    if (this.offset >= this.bytes.length) throw new NoteError('malformedProof', 'the compact proof is truncated');
    return this.bytes[this.offset++];
  }
  take(count) {
    if (count > this.bytes.length - this.offset) throw new NoteError('malformedProof', 'the compact proof is truncated');
    const out = this.bytes.slice(this.offset, this.offset + count);
    this.offset += count;
    return out;
  }
  uvarint() {
    let value = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      if (!(shift < 64n) || (shift === 63n && b > 1)) throw new NoteError('malformedProof', 'a number in the compact proof overflows');
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        if (b === 0 && shift !== 0n) throw new NoteError('malformedProof', 'a number in the compact proof is not minimally encoded');
        return value;
      }
      shift += 7n;
    }
  }
}

/**
 * Decodes a compact proof. `logKey` and `knownKeys` are parsed verifier keys;
 * signatures by other keys are dropped. Returns
 * {index, inclusionProof, checkpoint: {origin, size, rootHash, note: {text, signatures}}}.
 */
export function decodeCompactProof(bytes, logKey, knownKeys = []) {
  const reader = new ByteReader(bytes);
  if (reader.byte() !== 1) throw new NoteError('malformedProof', 'unknown compact proof version');
  const index = reader.uvarint();
  const size = reader.uvarint();
  const root = reader.take(32);
  const hashes = [];
  const hashCount = reader.byte();
  for (let i = 0; i < hashCount; i++) hashes.push(reader.take(32));
  const signatures = [];
  const keys = [logKey, ...knownKeys];
  const signatureCount = reader.byte();
  for (let i = 0; i < signatureCount; i++) {
    const idBytes = reader.take(4);
    const id = ((idBytes[0] << 24) | (idBytes[1] << 16) | (idBytes[2] << 8) | idBytes[3]) >>> 0;
    const signature = reader.take(reader.byte());
    const key = keys.find((k) => k.keyID === id);
    if (key) signatures.push({ name: key.name, keyID: id, bytes: signature });
  }
  if (!reader.isAtEnd) throw new NoteError('malformedProof', 'trailing bytes after the compact proof');
  if (signatures.length === 0) throw new NoteError('unverified', "the proof's checkpoint is not signed by any trusted key");
  const text = checkpointText(logKey.name, size, root);
  return {
    index,
    inclusionProof: hashes,
    checkpoint: { origin: logKey.name, size, rootHash: root, note: { text, signatures } },
  };
}
