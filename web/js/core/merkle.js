// RFC 9162 §2.1 Merkle tree hashing and inclusion proofs (log.md §3, compact-proof.md §4):
// leaf = SHA-256(0x00 || entry), node = SHA-256(0x01 || left || right).
import { bytesEqual, concat, sha256 } from './util.js';

export class ProofError extends Error {
  constructor(code, reason) {
    super(reason);
    this.code = code;
    this.reason = reason;
  }
  get description() {
    return this.reason;
  }
  toString() {
    return this.reason;
  }
}

export function leafHash(entry) {
  return sha256(concat(Uint8Array.of(0), entry));
}

export function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/** RFC 9162 §2.1.3.2; index and treeSize are BigInt. */
export async function rootFromInclusionProof(leaf, index, treeSize, proof) {
  if (treeSize <= 0n) throw new ProofError('emptyTree', 'an empty tree contains no entries');
  if (index >= treeSize) throw new ProofError('indexOutOfRange', `index ${index} is outside a tree of size ${treeSize}`);
  if (leaf.length !== 32) throw new ProofError('malformedHash', 'the leaf hash is not 32 bytes');
  for (const node of proof) {
    if (node.length !== 32) throw new ProofError('malformedHash', `a proof hash is ${node.length} bytes, not 32`);
  }
  let fn = index;
  let sn = treeSize - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) throw new ProofError('wrongProofLength', 'the inclusion proof is longer than the tree is deep');
    if ((fn & 1n) === 1n || fn === sn) {
      r = await nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        do {
          fn >>= 1n;
          sn >>= 1n;
        } while ((fn & 1n) === 0n && fn !== 0n);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) throw new ProofError('wrongProofLength', 'the inclusion proof is too short for the tree size');
  return r;
}

export async function verifyInclusion(leaf, index, treeSize, proof, root) {
  const computed = await rootFromInclusionProof(leaf, index, treeSize, proof);
  if (!bytesEqual(computed, root)) {
    throw new ProofError('rootMismatch', "the inclusion proof leads to another root than the checkpoint's");
  }
}
