// COSE_Sign1 (RFC 9052) in Akashi's strict profile (certificate.md §2), used
// for certificates and status lists:
//   D2 84 4D A2 01 26 04 48 <kid[8]> A0 <bstr payload> 58 40 <r||s>
// tag 18 required; the protected header exactly {1: -7, 4: h'<8 bytes>'};
// the unprotected header the empty map; an attached byte-string payload; a
// 64-byte signature. The payload is NOT interpreted here: the caller verifies
// the signature first. The signature is checked over the received bytes:
// ["Signature1", protected, h'', payload].
import { CBORError, decode as decodeCBOR, containsTag, head } from './cbor.js';
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

const PROTECTED_PREFIX = [0xa2, 0x01, 0x26, 0x04, 0x48];

/**
 * Decodes the envelope and its protected header (not the payload):
 * {encoded, protectedBytes, payload, signature, kid}; throws COSEError.
 */
export function decodeSign1(bytes) {
  let message;
  try {
    message = decodeCBOR(bytes);
  } catch (error) {
    if (error instanceof CBORError) throw new COSEError('malformedCBOR', 'the message is not acceptable CBOR', error);
    throw error;
  }
  if (message.type !== 'tag' || message.tag !== 18n) {
    throw new COSEError('untagged', 'the message is not tagged COSE_Sign1 (tag 18)');
  }
  const body = message.value;
  if (body.type !== 'array' || body.value.length !== 4) {
    throw new COSEError('malformedStructure', 'a COSE_Sign1 is an array of four items');
  }
  const [p, u, payloadItem, signatureItem] = body.value;
  if (p.type !== 'bytes') throw new COSEError('malformedStructure', 'the protected header must be a byte string');
  const protectedBytes = p.value;
  if (protectedBytes.length !== 13 || !PROTECTED_PREFIX.every((b, i) => protectedBytes[i] === b)) {
    throw new COSEError('malformedHeader', 'the protected header must be exactly {1: -7 (ES256), 4: an 8-byte kid}');
  }
  if (u.type !== 'map' || u.value.length !== 0) {
    throw new COSEError('malformedHeader', 'the unprotected header must be the empty map');
  }
  if (payloadItem.type !== 'bytes') throw new COSEError('malformedStructure', 'the payload must be an attached byte string');
  if (signatureItem.type !== 'bytes') throw new COSEError('malformedStructure', 'the signature must be a byte string');
  if (signatureItem.value.length !== 64) {
    throw new COSEError('malformedSignature', `an ES256 signature is 64 bytes (r || s), not ${signatureItem.value.length}`);
  }
  if (body.value.some(containsTag)) throw new COSEError('unexpectedTag', 'a tag inside the COSE_Sign1 structure');
  return { encoded: bytes, protectedBytes, payload: payloadItem.value, signature: signatureItem.value, kid: protectedBytes.slice(5, 13) };
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
