// The head of a CBOR data item (RFC 8949 §3): major type and argument in the
// shortest form, as byte values. Shared by the node tests that build CBOR by
// hand (deterministic encodings and deliberately broken ones).
export function head(major, n) {
  n = BigInt(n);
  const m = major << 5;
  if (n < 24n) return [m | Number(n)];
  if (n < 256n) return [m | 24, Number(n)];
  if (n < 65536n) return [m | 25, Number(n >> 8n), Number(n & 255n)];
  if (n < 2n ** 32n) return [m | 26, ...[24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 255n))];
  return [m | 27, ...[56n, 48n, 40n, 32n, 24n, 16n, 8n, 0n].map((s) => Number((n >> s) & 255n))];
}
