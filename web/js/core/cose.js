// COSE_Sign1 (RFC 9052) with Akashi's profile, as Swift COSE/COSESign1.swift:
// tag 18 optional, four items, protected header a deterministic map with
// alg ES256 (-7), a kid (4), no crit, no label in both headers, attached
// payload, 64-byte r||s signature. The signature is checked over the
// received bytes: ["Signature1", protected, h'', payload].
import { CBORError, decode as decodeCBOR, lookup, asInt, int, abbreviated, head } from './cbor.js';
import { concat, utf8, subtle } from './util.js';

export class COSEError extends Error {
  constructor(code, reason, underlying = null) {
    super(reason);
    this.code = code;
    this.reason = reason;
    this.underlying = underlying;
  }
  get description() {
    return this.underlying ? `${this.code}: ${this.reason} (${this.underlying.description})` : `${this.code}: ${this.reason}`;
  }
  toString() {
    return this.description;
  }
}

const ALG = int(1);
const CRIT = int(2);
const KID = int(4);

export function decodeSign1(bytes) {
  let message;
  try {
    message = decodeCBOR(bytes);
  } catch (error) {
    if (error instanceof CBORError) throw new COSEError('malformedCBOR', 'the message is not acceptable CBOR', error);
    throw error;
  }
  let body = message;
  let isTagged = false;
  if (message.type === 'tag') {
    if (message.tag !== 18n) throw new COSEError('unexpectedTag', `tag ${message.tag} is not COSE_Sign1 (18)`);
    body = message.value;
    isTagged = true;
  }
  if (body.type !== 'array' || body.value.length !== 4) {
    throw new COSEError('malformedStructure', 'a COSE_Sign1 is an array of four items');
  }
  const items = body.value;
  if (items[0].type !== 'bytes') throw new COSEError('malformedStructure', 'the protected header must be a byte string');
  if (items[1].type !== 'map') throw new COSEError('malformedStructure', 'the unprotected header must be a map');
  let payload;
  if (items[2].type === 'bytes') payload = items[2].value;
  else if (items[2].type === 'null') throw new COSEError('detachedPayload', 'the payload is detached (nil); Akashi needs it attached');
  else throw new COSEError('malformedStructure', 'the payload must be a byte string');
  if (items[3].type !== 'bytes') throw new COSEError('malformedStructure', 'the signature must be a byte string');
  const signature = items[3].value;
  if (signature.length !== 64) {
    throw new COSEError('malformedSignature', `an ES256 signature is 64 bytes (r || s), not ${signature.length}`);
  }
  const protectedBytes = items[0].value;
  let protectedHeader = { type: 'map', value: [] };
  if (protectedBytes.length > 0) {
    let header;
    try {
      header = decodeCBOR(protectedBytes);
    } catch (error) {
      if (error instanceof CBORError) throw new COSEError('malformedCBOR', 'the protected header is not acceptable CBOR', error);
      throw error;
    }
    if (header.type !== 'map') throw new COSEError('malformedHeader', 'the protected header must be a map');
    protectedHeader = header;
  }
  const unprotectedHeader = items[1];
  for (const [key] of unprotectedHeader.value) {
    if (lookup(protectedHeader, key) !== null) {
      throw new COSEError('duplicateHeaderLabel', `the header label ${abbreviated(key)} is in both the protected and the unprotected header`);
    }
  }
  if (lookup(protectedHeader, CRIT) !== null || lookup(unprotectedHeader, CRIT) !== null) {
    throw new COSEError('unsupportedCriticalHeader', 'the message marks headers critical (crit), which Akashi does not support');
  }
  const alg = lookup(protectedHeader, ALG);
  if (alg === null) {
    const hint = lookup(unprotectedHeader, ALG) !== null ? ' (it is only in the unprotected header, which is not signed)' : '';
    throw new COSEError('missingAlgorithm', `the protected header has no alg${hint}`);
  }
  if (asInt(alg) !== -7n) {
    throw new COSEError('unsupportedAlgorithm', `alg ${abbreviated(alg)} is not supported; only ES256 (-7) is`);
  }
  let kid;
  let kidIsProtected;
  const pk = lookup(protectedHeader, KID);
  const uk = lookup(unprotectedHeader, KID);
  if (pk !== null) {
    if (pk.type !== 'bytes') throw new COSEError('malformedHeader', 'kid must be a byte string');
    kid = pk.value;
    kidIsProtected = true;
  } else if (uk !== null) {
    if (uk.type !== 'bytes') throw new COSEError('malformedHeader', 'kid must be a byte string');
    kid = uk.value;
    kidIsProtected = false;
  } else {
    throw new COSEError('missingKeyID', 'the message has no kid');
  }
  return { encoded: bytes, isTagged, protectedBytes, protectedHeader, unprotectedHeader, payload, signature, kid, kidIsProtected };
}

/** Sig_structure = ["Signature1", protected, external_aad, payload] (RFC 9052 §4.4). */
export function signatureStructure(protectedBytes, payload, externalAAD = new Uint8Array(0)) {
  const context = utf8('Signature1');
  return concat(
    Uint8Array.from(head(4, 4)),
    Uint8Array.from(head(3, context.length)), context,
    Uint8Array.from(head(2, protectedBytes.length)), protectedBytes,
    Uint8Array.from(head(2, externalAAD.length)), externalAAD,
    Uint8Array.from(head(2, payload.length)), payload);
}

/** Whether the ES256 signature verifies with `publicKey` (a WebCrypto ECDSA P-256 key). */
export async function verifySignature(sign1, publicKey) {
  if (sign1.signature.length !== 64) return false;
  try {
    return await subtle().verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, sign1.signature,
      signatureStructure(sign1.protectedBytes, sign1.payload));
  } catch (error) {
    if (error && error.code === 'noWebCrypto') throw error;
    return false;
  }
}
