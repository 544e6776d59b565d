// A worker of the resident's scan (record.js): X25519(secret, R) for a batch
// of subject lines' ephemeral keys, through WebCrypto, off the page's thread.
//
//   → {secret: Uint8Array(32)}                     once: the secret to use
//   → {id, points: Uint8Array(32 × k)}             a batch
//   ← {id, shared: Uint8Array(32 × k), ok: Uint8Array(k)}   (ok[i] = 0: no shared secret, low order)
//   ← {id, error}                                   WebCrypto failed (e.g. no X25519)
import { importScalar, x25519 } from './core/subject.js';

let key = null;

self.onmessage = async (event) => {
  const message = event.data;
  if (message.secret) {
    key = importScalar(message.secret);
    key.catch(() => {});
    return;
  }
  const { id, points } = message;
  try {
    const k = await key;
    const count = points.length / 32;
    const results = await Promise.all(Array.from({ length: count }, (_, i) => x25519(k, points.subarray(32 * i, 32 * i + 32))));
    const shared = new Uint8Array(32 * count);
    const ok = new Uint8Array(count);
    results.forEach((s, i) => {
      if (s) {
        shared.set(s, 32 * i);
        ok[i] = 1;
      }
    });
    self.postMessage({ id, shared, ok }, [shared.buffer, ok.buffer]);
  } catch (error) {
    self.postMessage({ id, error: String(error && error.message ? error.message : error) });
  }
};
