// C2SP signed notes, verifier keys, checkpoints and cosignature/v1 (log.md §1,
// §4, §5). Ed25519 through WebCrypto. Akashi key names (origins, witness names)
// are 1–255 bytes of 0x21–0x7E except '+' (log.md §1).
import { base64, base64DecodeStrict, concat, hex, sha256, subtle, utf8 } from './util.js';

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

/** An Akashi key name (log.md §1): 1–255 bytes of 0x21–0x7E except '+'. */
export function isValidKeyName(name) {
  return /^[\x21-\x2a\x2c-\x7e]{1,255}$/.test(name);
}

/**
 * A key name in a signature line of a note (c2sp.org/signed-note, "Format"):
 * non-empty, no Unicode white space, no '+'. Lines of keys a verifier does not
 * know are ignored, so this general rule is enough for them.
 */
function isNoteKeyName(name) {
  return name !== '' && !/[+\p{White_Space}\x00-\x1f]/u.test(name);
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
  // <name>+<8 lowercase hex>+<base64(type || key)>; the name has no '+', the base64 may.
  const first = text.indexOf('+');
  const second = first < 0 ? -1 : text.indexOf('+', first + 1);
  if (first < 0 || second < 0) throw new NoteError('malformedKey', "a verifier key is '<name>+<key id>+<base64 key>'");
  const name = text.slice(0, first);
  const idText = text.slice(first + 1, second);
  const blob = base64DecodeStrict(text.slice(second + 1));
  if (!isValidKeyName(name)) {
    throw new NoteError('malformedKey', `key name '${[...name].slice(0, 80).join('')}' must be 1–255 printable ASCII bytes without '+'`);
  }
  if (!/^[0-9a-f]{8}$/.test(idText)) throw new NoteError('malformedKey', `the key ID '${[...idText].slice(0, 20).join('')}' is not 8 lowercase hex digits`);
  if (blob === null || blob.length === 0) throw new NoteError('malformedKey', 'the key material is not canonical base64');
  const type = blob[0];
  if (type !== ED25519 && type !== COSIGNATURE_V1) {
    throw new NoteError('malformedKey', `signature type 0x${hex([type])} is not supported (Ed25519 0x01 and cosignature/v1 0x04 are)`);
  }
  const publicKey = blob.slice(1);
  if (publicKey.length !== 32) throw new NoteError('malformedKey', 'the key is not a 32-byte Ed25519 public key');
  const keyID = await noteKeyID(name, type, publicKey);
  if (keyID !== parseInt(idText, 16) >>> 0) throw new NoteError('malformedKey', `key ID ${idText} does not match the key (expected ${hex8(keyID)})`);
  return { name, keyID, type, publicKey, text, cryptoKey: null };
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

/**
 * Whether `signature` (the bytes after the key ID) by `key` signs the note
 * text `text`: Ed25519 over the text, or for cosignature/v1 a 72-byte
 * timestamped signature (T ≤ 2^63 − 1) over "cosignature/v1\ntime T\n" + text.
 */
export async function verifyWithKey(key, text, signature) {
  if (key.type === COSIGNATURE_V1) {
    const timestamp = cosignatureTimestamp(signature);
    if (timestamp === null || timestamp > (1n << 63n) - 1n) return false;
    return ed25519Verify(key, signature.slice(8), cosignatureMessage(text, timestamp));
  }
  return ed25519Verify(key, signature, utf8(text));
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

// MARK: parsing signed notes and checkpoints (text form)

/** Parses a signed note (log.md §4): {text, signatures: [{name, keyID, bytes}]} or throws NoteError. */
export function parseSignedNote(note) {
  const bytes = utf8(note);
  if (bytes.length > 1 << 20) throw new NoteError('malformedNote', 'the note is larger than 1 MiB');
  for (const b of bytes) {
    if ((b < 0x20 && b !== 0x0a) || b === 0x7f) {
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
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  const signatures = lines.map((line) => parseSignatureLine(decoder.decode(line)));
  return { text: decoder.decode(textBytes), signatures };
}

function parseSignatureLine(line) {
  const prefix = '\u2014 ';
  if (!line.startsWith(prefix)) {
    throw new NoteError('malformedSignature', `a signature line must start with an em dash and a space: ${[...line].slice(0, 40).join('')}`);
  }
  const parts = line.slice(prefix.length).split(' ');
  if (parts.length !== 2 || !isNoteKeyName(parts[0])) {
    throw new NoteError('malformedSignature', `a signature line must be '— <key name> <base64>': ${[...line].slice(0, 60).join('')}`);
  }
  const blob = base64DecodeStrict(parts[1]);
  if (blob === null || blob.length <= 4) {
    throw new NoteError('malformedSignature', `the signature of '${parts[0]}' is not valid base64 of a key ID and signature`);
  }
  const keyID = ((blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3]) >>> 0;
  return { name: parts[0], keyID, bytes: blob.slice(4) };
}

/**
 * Parses a checkpoint note text (log.md §4) without extension lines:
 * {origin, size (BigInt, ≤ 2^53 − 1), rootHash}.
 */
export function parseCheckpointText(text) {
  if (!text.endsWith('\n')) throw new NoteError('malformedCheckpoint', 'the checkpoint text does not end with a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 3) {
    throw new NoteError('malformedCheckpoint', 'a checkpoint has exactly three lines (origin, size, root hash) and no extension lines');
  }
  if (lines[0] === '') throw new NoteError('malformedCheckpoint', 'the checkpoint origin is empty');
  const sizeLine = lines[1];
  if (!/^(?:0|[1-9][0-9]{0,15})$/.test(sizeLine) || BigInt(sizeLine) > (1n << 53n) - 1n) {
    throw new NoteError('malformedCheckpoint', `the tree size '${[...sizeLine].slice(0, 30).join('')}' is not a decimal number 0 … 2^53 − 1 without leading zeros`);
  }
  const root = base64DecodeStrict(lines[2]);
  if (root === null || root.length !== 32) throw new NoteError('malformedCheckpoint', 'the root hash is not base64 of 32 bytes');
  return { origin: lines[0], size: BigInt(sizeLine), rootHash: root };
}

/** A signed checkpoint note: {origin, size, rootHash, note}. */
export function parseSignedCheckpoint(text) {
  const note = parseSignedNote(text);
  return { ...parseCheckpointText(note.text), note };
}
