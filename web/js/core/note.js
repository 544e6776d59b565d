// C2SP signed notes, verifier keys, checkpoints, cosignature/v1 and the
// checkpoint policy (Swift TransparencyLog: SignedNote.swift, NoteKeys.swift,
// Checkpoint.swift, Cosignature.swift). Ed25519 through WebCrypto.
import { base64, base64DecodeStrict, concat, hex, sha256, subtle, swiftEqual, utf8, utf8DecodeLossy } from './util.js';

export class NoteError extends Error {
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

export const ED25519 = 0x01;
export const COSIGNATURE_V1 = 0x04;

export function hex8(id) {
  return (id >>> 0).toString(16).padStart(8, '0');
}

/** key ID = SHA-256(name || 0x0A || type || public key)[:4], as a uint32. */
export async function noteKeyID(name, type, publicKey) {
  const h = await sha256(concat(utf8(name), Uint8Array.of(0x0a, type), publicKey));
  return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
}

/** Key names are non-empty and contain no Unicode space, no '+' and no control character. */
export function isValidKeyName(name) {
  return name !== '' && !/[+\p{White_Space}\x00-\x1f]/u.test(name);
}

// Swift trimmingSuffixNewlines: drops final "\n" and "\r" Characters (but not a "\r\n" cluster).
function trimSuffixNewlines(s) {
  while ((s.endsWith('\n') && !s.endsWith('\r\n')) || s.endsWith('\r')) s = s.slice(0, -1);
  return s;
}

let segmenter = null;

/**
 * Swift `split(separator: "+", maxSplits:, omittingEmptySubsequences: false)`
 * on a String: it compares Characters, so a '+' that begins a larger grapheme
 * cluster ('+' and a combining mark) is not a separator.
 */
export function splitMax(s, separator, maxSplits) {
  let units;
  if (/^[\x00-\x7f]*$/.test(s) && !s.includes('\r\n')) {
    units = s.split('');
  } else {
    if (segmenter === null && typeof Intl !== 'undefined' && Intl.Segmenter) segmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });
    units = segmenter ? [...segmenter.segment(s)].map((g) => g.segment) : [...s];
  }
  const parts = [];
  let current = '';
  for (const unit of units) {
    if (unit === separator && parts.length < maxSplits) {
      parts.push(current);
      current = '';
    } else {
      current += unit;
    }
  }
  parts.push(current);
  return parts;
}

const parsedKeys = new Map();

/** Parses a verifier key `<name>+<hex key ID>+base64(type || public key)` (cached per text). */
export async function parseVerifierKey(text) {
  let parsed = parsedKeys.get(text);
  if (!parsed) {
    parsed = parseVerifierKeyUncached(text);
    parsedKeys.set(text, parsed);
    parsed.catch(() => parsedKeys.delete(text));
  }
  return parsed;
}

async function parseVerifierKeyUncached(text) {
  const trimmed = trimSuffixNewlines(text);
  const parts = splitMax(trimmed, '+', 2);
  if (parts.length !== 3) {
    throw new NoteError('malformedKey', `a verifier key is '<name>+<key id>+<base64 key>'; got ${parts.length} parts`);
  }
  // UInt32(_, radix: 16) also reads "-0000000" as 0.
  if (!/^(?:[0-9a-f]{8}|-0{7})$/.test(parts[1])) {
    throw new NoteError('malformedKey', `the key ID '${parts[1]}' is not 8 lowercase hex digits`);
  }
  const id = parts[1].startsWith('-') ? 0 : parseInt(parts[1], 16) >>> 0;
  const blob = base64DecodeStrict(parts[2]);
  if (blob === null || blob.length === 0) throw new NoteError('malformedKey', 'the key material is not valid base64');
  const type = blob[0];
  if (type !== ED25519 && type !== COSIGNATURE_V1) {
    throw new NoteError('malformedKey', `signature type 0x${hex([type])} is not supported (Ed25519 0x01 and cosignature/v1 0x04 are)`);
  }
  const publicKey = blob.slice(1);
  if (publicKey.length !== 32) throw new NoteError('malformedKey', 'the key is not a 32-byte Ed25519 public key');
  const name = parts[0];
  if (!isValidKeyName(name)) {
    throw new NoteError('malformedKey', `key name '${name}' must be non-empty with no spaces and no '+'`);
  }
  const keyID = await noteKeyID(name, type, publicKey);
  if (keyID !== id) throw new NoteError('malformedKey', `key ID ${parts[1]} does not match the key (expected ${hex8(keyID)})`);
  return { name, keyID, type, publicKey, text: `${name}+${hex8(keyID)}+${base64(blob)}`, cryptoKey: null };
}

async function ed25519Verify(key, signature, message) {
  if (signature.length !== 64) return false;
  let imported;
  try {
    if (!key.cryptoKey) key.cryptoKey = await subtle().importKey('raw', key.publicKey, { name: 'Ed25519' }, false, ['verify']);
    imported = key.cryptoKey;
  } catch (error) {
    if (error && (error.code === 'noWebCrypto' || error.name === 'NotSupportedError')) throw unsupported(error);
    return false;
  }
  try {
    return await subtle().verify({ name: 'Ed25519' }, imported, signature, message);
  } catch {
    return false;
  }
}

function unsupported(error) {
  if (error.code === 'noWebCrypto') return error;
  const e = new Error('this browser cannot verify Ed25519 signatures (WebCrypto Ed25519 is unsupported)');
  e.code = 'noEd25519';
  return e;
}

/** cosignature/v1 signed message: "cosignature/v1\ntime <T>\n" + the checkpoint text. */
export function cosignatureMessage(checkpointText, timestamp) {
  return utf8(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`);
}

export function cosignatureTimestamp(signature) {
  if (signature.length !== 72) return null;
  let t = 0n;
  for (let i = 0; i < 8; i++) t = (t << 8n) | BigInt(signature[i]);
  return t;
}

/** Whether `signature` (after the key ID) by `key` signs `message` (the note text bytes). */
export async function verifyWithKey(key, message, signature) {
  if (key.type === COSIGNATURE_V1) {
    const timestamp = cosignatureTimestamp(signature);
    if (timestamp === null || timestamp > (1n << 63n) - 1n) return false;
    const signed = cosignatureMessage(utf8DecodeLossy(message), timestamp);
    return ed25519Verify(key, signature.slice(8), signed);
  }
  return ed25519Verify(key, signature, message);
}

/**
 * SignedNote.verify: signatures by unknown keys are ignored; a known key's
 * signature that fails rejects the note; at least one known key must have signed.
 */
export async function verifyNote(note, verifiers) {
  const verified = [];
  const message = utf8(note.text);
  for (const key of verifiers) {
    const mine = note.signatures.filter((s) => swiftEqual(s.name, key.name) && s.keyID === key.keyID);
    for (const signature of mine) {
      if (!(await verifyWithKey(key, message, signature.bytes))) {
        throw new NoteError('badSignature', `the signature by ${key.name} does not verify: the note was altered or signed by another key`);
      }
    }
    if (mine.length > 0) verified.push(key);
  }
  if (verified.length === 0) {
    throw new NoteError('unverified', `the note carries no signature by a trusted key (${verifiers.map((v) => v.name).join(', ')})`);
  }
  return verified;
}

/** The checkpoint body: origin, size, base64 root hash, each line ending in a newline. */
export function checkpointText(origin, size, rootHash) {
  return `${origin}\n${size}\n${base64(rootHash)}\n`;
}

/** `— <name> base64(keyID || signature)` */
export function signatureLine(signature) {
  const id = Uint8Array.of(signature.keyID >>> 24, (signature.keyID >>> 16) & 255, (signature.keyID >>> 8) & 255, signature.keyID & 255);
  return `\u2014 ${signature.name} ${base64(concat(id, signature.bytes))}`;
}

export function serializeNote(note) {
  return note.text + '\n' + note.signatures.map((s) => signatureLine(s) + '\n').join('');
}

/**
 * CheckpointPolicy.verify: the origin, the log's signature, then the witness quorum.
 * `checkpoint` = {origin, size, rootHash, note: {text, signatures}}.
 */
export async function verifyCheckpointPolicy(checkpoint, policy) {
  if (!swiftEqual(checkpoint.origin, policy.origin)) {
    throw new NoteError('unverified', `the checkpoint is from log '${checkpoint.origin}', not the trusted '${policy.origin}'`);
  }
  await verifyNote(checkpoint.note, [policy.logKey]);
  const verifiedWitnesses = [];
  const message = utf8(checkpoint.note.text);
  for (const witness of policy.witnesses) {
    for (const signature of checkpoint.note.signatures) {
      if (!(swiftEqual(signature.name, witness.name) && signature.keyID === witness.keyID)) continue;
      if (!(await verifyWithKey(witness, message, signature.bytes))) {
        throw new NoteError('badSignature', `the cosignature by witness ${witness.name} does not verify`);
      }
      verifiedWitnesses.push({ name: witness.name, timestamp: cosignatureTimestamp(signature.bytes) ?? 0n });
    }
  }
  const distinct = new Set(verifiedWitnesses.map((w) => w.name.normalize('NFC'))).size;
  if (distinct < policy.witnessQuorum) {
    throw new NoteError('unverified', `the checkpoint has ${distinct} valid witness cosignatures; the policy needs ${policy.witnessQuorum}`);
  }
  return { witnesses: verifiedWitnesses };
}

// MARK: parsing signed notes and checkpoints (text form)

/** SignedNote(parsing:): {text, signatures} or throws NoteError. */
export function parseSignedNote(note) {
  const bytes = utf8(note);
  if (bytes.length > 1 << 20) throw new NoteError('malformedNote', 'the note is larger than 1 MiB');
  for (const b of bytes) {
    if (b < 0x20 && b !== 0x0a) {
      throw new NoteError('malformedNote', `the note contains a control character (0x${hex([b])}); only newlines are allowed`);
    }
  }
  if (bytes[bytes.length - 1] !== 0x0a) throw new NoteError('malformedNote', 'the note does not end with a newline');
  let separator = -1;
  for (let i = bytes.length - 2; i >= 0; i--) {
    if (bytes[i] === 0x0a && bytes[i + 1] === 0x0a) {
      separator = i;
      break;
    }
  }
  if (separator < 0) throw new NoteError('malformedNote', 'the note has no blank line before its signatures');
  const textBytes = bytes.subarray(0, separator + 1);
  if (textBytes.length === 0 || (textBytes.length === 1 && textBytes[0] === 0x0a)) {
    throw new NoteError('malformedNote', 'the note text is empty');
  }
  const signatureBytes = bytes.subarray(separator + 2);
  const lines = [];
  let start = 0;
  for (let i = 0; i < signatureBytes.length; i++) {
    if (signatureBytes[i] === 0x0a) {
      lines.push(signatureBytes.subarray(start, i));
      start = i + 1;
    }
  }
  if (lines.length === 0) throw new NoteError('malformedNote', 'the note has no signature lines');
  if (lines.length > 100) throw new NoteError('malformedNote', 'the note has more than 100 signatures');
  const signatures = lines.map((line) => parseSignatureLine(utf8DecodeLossy(line)));
  return { text: utf8DecodeLossy(textBytes), signatures };
}

function parseSignatureLine(line) {
  const prefix = '\u2014 ';
  if (!line.startsWith(prefix)) {
    throw new NoteError('malformedSignature', `a signature line must start with an em dash and a space: ${[...line].slice(0, 40).join('')}`);
  }
  const parts = line.slice(prefix.length).split(' ');
  if (parts.length !== 2 || parts[0] === '' || !isValidKeyName(parts[0])) {
    throw new NoteError('malformedSignature', `a signature line must be '— <key name> <base64>': ${[...line].slice(0, 60).join('')}`);
  }
  const blob = base64DecodeStrict(parts[1]);
  if (blob === null || blob.length <= 4) {
    throw new NoteError('malformedSignature', `the signature of '${parts[0]}' is not valid base64 of a key ID and signature`);
  }
  const keyID = ((blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3]) >>> 0;
  return { name: parts[0], keyID, bytes: blob.slice(4) };
}

/** Checkpoint(parsing:) of a note text: {origin, size (BigInt), rootHash, extensions}. */
export function parseCheckpointText(text) {
  if (!text.endsWith('\n')) throw new NoteError('malformedCheckpoint', 'the checkpoint text does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) throw new NoteError('malformedCheckpoint', 'a checkpoint has at least three lines (origin, size, root hash)');
  if (lines[0] === '') throw new NoteError('malformedCheckpoint', 'the checkpoint origin is empty');
  const sizeLine = lines[1];
  if (!/^(?:0|[1-9][0-9]*)$/.test(sizeLine) || BigInt(sizeLine) > 0xffffffffffffffffn) {
    throw new NoteError('malformedCheckpoint', `the tree size '${[...sizeLine].slice(0, 30).join('')}' is not a decimal number without leading zeros`);
  }
  const root = base64DecodeStrict(lines[2]);
  if (root === null || root.length !== 32) throw new NoteError('malformedCheckpoint', 'the root hash is not base64 of 32 bytes');
  const extensions = lines.slice(3);
  if (extensions.some((l) => l === '')) throw new NoteError('malformedCheckpoint', 'checkpoint extension lines must not be empty');
  return { origin: lines[0], size: BigInt(sizeLine), rootHash: root, extensions };
}

/** SignedCheckpoint(parsing:): {origin, size, rootHash, note}. */
export function parseSignedCheckpoint(text) {
  const note = parseSignedNote(text);
  return { ...parseCheckpointText(note.text), note };
}
