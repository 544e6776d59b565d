// Bytes as decimal digits for QR numeric mode (Swift QRPayload/NumericCodec).
// 7 bytes → 17 digits; a final group of k bytes → 3, 5, 8, 10, 13 or 15 digits.
import { PayloadError, hexNoPad, utf8 } from './util.js';

const BYTES_PER_GROUP = 7;
const DIGITS_PER_GROUP = 17;
const DIGITS_FOR_BYTES = [0, 3, 5, 8, 10, 13, 15, 17];

export function encodedLength(byteCount) {
  return Math.floor(byteCount / BYTES_PER_GROUP) * DIGITS_PER_GROUP + DIGITS_FOR_BYTES[byteCount % BYTES_PER_GROUP];
}

export function encode(bytes) {
  let out = '';
  for (let start = 0; start < bytes.length; start += BYTES_PER_GROUP) {
    const end = Math.min(start + BYTES_PER_GROUP, bytes.length);
    let value = 0n;
    for (let i = start; i < end; i++) value = (value << 8n) | BigInt(bytes[i]);
    out += value.toString().padStart(DIGITS_FOR_BYTES[end - start], '0');
  }
  return out;
}

/** Strict decoding, with the Swift decoder's errors (and their order). */
export function decode(text) {
  const digits = utf8(text);
  const remainder = digits.length % DIGITS_PER_GROUP;
  const lastGroupBytes = DIGITS_FOR_BYTES.indexOf(remainder);
  if (lastGroupBytes < 0 || lastGroupBytes >= BYTES_PER_GROUP) {
    throw new PayloadError('invalid-length',
      `numeric payload has ${digits.length} digits; the length modulo 17 must be 0, 3, 5, 8, 10, 13 or 15, not ${remainder}`);
  }
  const out = new Uint8Array(Math.floor(digits.length / DIGITS_PER_GROUP) * BYTES_PER_GROUP + lastGroupBytes);
  let o = 0;
  for (let start = 0; start < digits.length;) {
    const width = Math.min(DIGITS_PER_GROUP, digits.length - start);
    const byteCount = width === DIGITS_PER_GROUP ? BYTES_PER_GROUP : lastGroupBytes;
    // Two halves keep the arithmetic exact in doubles (17 digits > 2^53).
    let high = 0;
    let low = 0;
    const split = Math.max(start, start + width - 9);
    for (let index = start; index < start + width; index++) {
      const digit = (digits[index] - 0x30) & 0xff;
      if (digit >= 10) {
        throw new PayloadError('invalid-character',
          `numeric payload has a non-digit byte 0x${hexNoPad(digits[index])} at offset ${index}`, index);
      }
      if (index < split) high = high * 10 + digit;
      else low = low * 10 + digit;
    }
    const value = BigInt(high) * 10n ** BigInt(start + width - split) + BigInt(low);
    if (value >= 1n << BigInt(8 * byteCount)) {
      throw new PayloadError('value-out-of-range',
        `numeric group at offset ${start} (${width} digits, ${byteCount} bytes) has value ${value}, which is not below 2^${8 * byteCount}`, start);
    }
    for (let shift = 8 * (byteCount - 1); shift >= 0; shift -= 8) out[o++] = Number((value >> BigInt(shift)) & 0xffn);
    start += width;
  }
  return out;
}
