// COSE_Sign1 (RFC 9052) in Akashi's strict profile (certificate.md §1, §2),
// used for certificates and status lists:
//   D2 84 4D A2 01 26 04 48 <kid[8]> A0 <bstr payload> 58 40 <r||s>
// tag 18 required (and no other tag, no major type 7 anywhere); the protected
// header exactly {1: -7, 4: h'<8 bytes>'}; the unprotected header the empty
// map; an attached byte-string payload; a 64-byte signature. The payload is
// NOT interpreted here: the caller verifies the signature first. The
// signature is checked over the received bytes: ["Signature1", protected,
// h'', payload].
import { CBORError, abbreviated, decode as decodeCBOR, equal, head } from './cbor.js';
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
export const COSE_SIGN1_TAG = 18n;
/** The length of an Akashi key identifier (certificate.md §2.2). */
export const KID_LENGTH = 8;
const ALG = 1n;
const CRIT = 2n;
const KID = 4n;
const ES256 = -7n;

function intLabel(item) {
  if (item.type === 'uint') return item.value;
  if (item.type === 'nint') return -1n - item.value;
  return null;
}
function header(entries, label) {
  const found = entries.find(([k]) => intLabel(k) === label);
  return found ? found[1] : null;
}
function labels(entries) {
  return entries.map(([k]) => abbreviated(k)).join(', ');
}

/**
 * Decodes an Akashi envelope — a certificate or a status list — in the one
 * byte form certificate.md §2.1 allows, and its protected header (not the
 * payload, which the caller reads only after the signature verified):
 *
 *   D2 84 4D A2 01 26 04 48 <kid[8]> A0 <bstr payload> 58 40 <r || s>
 *
 * Returns {encoded, protectedBytes, payload, signature, kid}; throws
 * COSEError with the code of Swift's COSESign1(decodingAkashiEnvelope:):
 * malformedCBOR (not CBOR of Akashi's profile: major type 7 — so a nil,
 * detached payload too —, a tag other than 18, …), malformedStructure,
 * malformedSignature, malformedHeader, duplicateHeaderLabel,
 * unsupportedCriticalHeader, missingAlgorithm, unsupportedAlgorithm,
 * missingKeyID, untagged, unprotectedKeyID, unexpectedHeader, malformedKeyID.
 */
export function decodeSign1(bytes) {
  let message;
  try {
    message = decodeCBOR(bytes, { allowedTags: [COSE_SIGN1_TAG] });
  } catch (error) {
    if (error instanceof CBORError) throw new COSEError('malformedCBOR', "the message is not CBOR of Akashi's profile", error);
    throw error;
  }
  let body = message;
  let tagged = false;
  if (message.type === 'tag') {
    body = message.value;
    tagged = true;
  }
  if (body.type !== 'array' || body.value.length !== 4) {
    throw new COSEError('malformedStructure', 'a COSE_Sign1 is an array of four items');
  }
  const [p, u, payloadItem, signatureItem] = body.value;
  if (p.type !== 'bytes') throw new COSEError('malformedStructure', 'the protected header must be a byte string');
  if (u.type !== 'map') throw new COSEError('malformedStructure', 'the unprotected header must be a map');
  if (payloadItem.type !== 'bytes') throw new COSEError('malformedStructure', 'the payload must be an attached byte string');
  if (signatureItem.type !== 'bytes') throw new COSEError('malformedStructure', 'the signature must be a byte string');
  if (signatureItem.value.length !== 64) {
    throw new COSEError('malformedSignature', `an ES256 signature is 64 bytes (r || s), not ${signatureItem.value.length}`);
  }
  const protectedBytes = p.value;
  // A zero-length protected header means an empty map (RFC 9052 §3).
  let protectedEntries = [];
  if (protectedBytes.length > 0) {
    let h;
    try {
      h = decodeCBOR(protectedBytes);
    } catch (error) {
      if (error instanceof CBORError) throw new COSEError('malformedCBOR', "the protected header is not CBOR of Akashi's profile", error);
      throw error;
    }
    if (h.type !== 'map') throw new COSEError('malformedHeader', 'the protected header must be a map');
    protectedEntries = h.value;
  }
  const unprotectedEntries = u.value;
  for (const [k] of unprotectedEntries) {
    if (protectedEntries.some(([q]) => equal(q, k))) {
      throw new COSEError('duplicateHeaderLabel', `the header label ${abbreviated(k)} is in both the protected and the unprotected header`);
    }
  }
  if (header(protectedEntries, CRIT) || header(unprotectedEntries, CRIT)) {
    throw new COSEError('unsupportedCriticalHeader', 'the message marks headers critical (crit), which Akashi does not support');
  }
  const alg = header(protectedEntries, ALG);
  if (!alg) {
    const hint = header(unprotectedEntries, ALG) ? ' (it is only in the unprotected header, which is not signed)' : '';
    throw new COSEError('missingAlgorithm', `the protected header has no alg${hint}`);
  }
  if (intLabel(alg) !== ES256) throw new COSEError('unsupportedAlgorithm', `alg ${abbreviated(alg)} is not supported; only ES256 (-7) is`);
  const protectedKid = header(protectedEntries, KID);
  const unprotectedKid = header(unprotectedEntries, KID);
  const kidItem = protectedKid || unprotectedKid;
  if (!kidItem) throw new COSEError('missingKeyID', 'the message has no kid');
  if (kidItem.type !== 'bytes') throw new COSEError('malformedHeader', 'kid must be a byte string');
  // Akashi's profile (certificate.md §2.1) on top of COSE.
  if (!tagged) throw new COSEError('untagged', 'an Akashi envelope must be tagged COSE_Sign1 (18)');
  if (!protectedKid) throw new COSEError('unprotectedKeyID', 'the kid is in the unprotected header, which the signature does not cover');
  if (unprotectedEntries.length !== 0) throw new COSEError('unexpectedHeader', 'the unprotected header of an Akashi envelope must be empty');
  if (protectedEntries.length !== 2) {
    throw new COSEError('unexpectedHeader', `the protected header of an Akashi envelope holds exactly alg and kid, not ${labels(protectedEntries)}`);
  }
  if (kidItem.value.length !== KID_LENGTH) throw new COSEError('malformedKeyID', `an Akashi kid is ${KID_LENGTH} bytes, not ${kidItem.value.length}`);
  // What is left can only be the 13 bytes A2 01 26 04 48 <kid>; said once more on the bytes.
  if (protectedBytes.length !== 13 || !PROTECTED_PREFIX.every((b, i) => protectedBytes[i] === b)) {
    throw new COSEError('unexpectedHeader', 'the protected header must be exactly {1: -7 (ES256), 4: an 8-byte kid}');
  }
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
