// The QR text (qr-text.md §1) and the payload framing (payload.md):
//   0x02 | uvarint L | envelope[L] | uvarint D | disclosures[D] | proof (≥ 1 byte)
// D = 0 (the single byte 0x00) when the certificate has no withholdable fields.
import { isWellFormed, utf8, PayloadError } from './util.js';
import { decode as decodeNumeric } from './numeric.js';
import { CertificateError } from './claims.js';
import { readUvarint } from './proof.js';

const PREFIX = [0x41, 0x4b, 0x32, 0x2e]; // "AK2."
const undecodable = (what) => new CertificateError('malformedPayload', what);
const isEdge = (b) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/** The QR text's bytes, checked: a string of scalar values, or well-formed UTF-8 bytes. */
function textBytes(input) {
  if (typeof input === 'string') {
    if (!isWellFormed(input)) throw undecodable('the QR text is not a sequence of Unicode scalar values');
    return utf8(input);
  }
  const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw undecodable('the QR text is not well-formed UTF-8');
  }
  return bytes;
}

/**
 * The QR text split as qr-text.md §1 reads it: {urlPart, digits} where
 * urlPart is the bytes up to and including the first '#' of the trimmed text
 * (empty without one) and digits the bytes after "AK2.". Throws CertificateError.
 */
export function splitQRText(input) {
  const bytes = textBytes(input);
  let start = 0;
  let end = bytes.length;
  while (start < end && isEdge(bytes[start])) start++;
  while (end > start && isEdge(bytes[end - 1])) end--;
  const textStart = start;
  const hash = bytes.subarray(start, end).indexOf(0x23);
  if (hash >= 0) start += hash + 1;
  if (end - start < 4 || !PREFIX.every((b, i) => bytes[start + i] === b)) {
    throw undecodable('this is not an Akashi v2 certificate QR (no AK2. payload)');
  }
  const digits = bytes.subarray(start + 4, end);
  for (const [i, b] of digits.entries()) {
    if (b < 0x30 || b > 0x39) throw undecodable(`the QR payload has a character that is not a digit at position ${i + 1} after AK2.`);
  }
  return { urlPart: bytes.slice(textStart, start), digits };
}

/**
 * The payload bytes of a QR text (a string of scalar values, or the bytes a QR
 * decoder returned, which must be well-formed UTF-8). Throws CertificateError.
 */
export function qrTextPayload(input) {
  const { digits } = splitQRText(input);
  try {
    return decodeNumeric(new TextDecoder().decode(digits));
  } catch (error) {
    if (error instanceof PayloadError) throw undecodable(`the QR payload digits are damaged: ${error.reason}`);
    throw error;
  }
}

/**
 * The payload framing (payload.md §2): {envelope, disclosures (D bytes, empty
 * for D = 0), proof (≥ 1 byte)}. Lengths are compared as BigInts (no overflow).
 */
export function parseQRBytes(bytes) {
  const fail = (what) => undecodable(`the QR payload ${what}`);
  if (bytes.length === 0 || bytes[0] !== 2) throw fail(`has an unknown version (${bytes.length ? bytes[0] : 'none'}; expected 2)`);
  const { value: length, offset } = readUvarint(bytes, 1, fail);
  if (length < 1n || !(length < BigInt(bytes.length - offset))) throw fail('has an envelope length that leaves no envelope or no proof');
  const end = offset + Number(length);
  const d = readUvarint(bytes, end, (what) => fail(`${what} (the disclosures length)`));
  if (!(d.value < BigInt(bytes.length - d.offset))) throw fail('has a disclosures length that leaves no proof');
  const proofStart = d.offset + Number(d.value);
  return { envelope: bytes.slice(offset, end), disclosures: bytes.slice(d.offset, proofStart), proof: bytes.slice(proofStart) };
}

/** QR text → {envelope, disclosures, proof} or throws CertificateError. */
export function parseQRText(text) {
  return parseQRBytes(qrTextPayload(text));
}
