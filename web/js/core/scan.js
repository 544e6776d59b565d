// The resident's scan (subject-transparency.md §5): with their secret, find
// every certificate bound to their key in one log — the authority's tiles or
// any mirror's copy — checked against the cosigned checkpoint.
//
//   1. fetch the checkpoint; verify the log's signature and the witness
//      policy with the trust file (policy.js's verifyCheckpointNote);
//   2. fetch every entry bundle of [0, n) (c2sp.org/tlog-tiles, partial
//      bundles `.p/W`), parse every entry strictly (entry.js), hash every
//      leaf into a streaming tree hasher (O(log n) memory) and require the
//      root to equal the checkpoint's — the proof that nothing was left out;
//   3. test every subject line with the secret (one X25519 each, WebCrypto,
//      batched with Promise.all);
//   4. later revocation / supersession entries targeting a found index give
//      its state.
//
// Nothing is sent anywhere but GET requests for the checkpoint and the
// bundles. The certificates are returned only after the root matched: a scan
// that fails lists nothing.
import { NoteError, parseSignedCheckpoint } from './note.js';
import { verifyCheckpointNote, text as tokenText } from './policy.js';
import { bytesEqual, hex, utf8, utf8Decode } from './util.js';
import { entriesPath, parseEntry, parseEntryBundle } from './entry.js';
import { leafHashSync, nodeHashSync, sha256Sync } from './sha256.js';
import { importScalar, openWithShared, x25519 } from './subject.js';
import { serialText } from './claims.js';

export const BUNDLE_WIDTH = 256;
/** A checkpoint is a signed note: at most 1 MiB (log.md §4). */
export const MAX_CHECKPOINT_BYTES = 1 << 20;
/** A full bundle: 256 entries of at most 65 535 bytes, each with its 2-byte length. */
export const MAX_BUNDLE_BYTES = BUNDLE_WIDTH * (2 + 65535);

export class ScanError extends Error {
  /** code: 'source' (cannot read), 'unverifiedCheckpoint', 'rootMismatch', 'malformedEntry', 'aborted'. */
  constructor(code, reason, { ja = null, url = null } = {}) {
    super(reason);
    this.code = code;
    this.reason = reason;
    this.ja = ja;
    this.url = url;
  }
}

// MARK: the tree (RFC 9162 §2.1.1), streamed

/** MTH of leaves appended one by one: only the right edge's perfect subtrees are kept (≤ 64 hashes). */
export class StreamingTreeHasher {
  constructor() {
    this.stack = []; // [{height, hash}], left to right
    this.size = 0;
  }
  append(leafHash) {
    let height = 0;
    let hash = leafHash;
    while (this.stack.length > 0 && this.stack[this.stack.length - 1].height === height) {
      hash = nodeHashSync(this.stack.pop().hash, hash);
      height += 1;
    }
    this.stack.push({ height, hash });
    this.size += 1;
  }
  get rootHash() {
    if (this.stack.length === 0) return sha256Sync(new Uint8Array(0));
    let root = this.stack[this.stack.length - 1].hash;
    for (let i = this.stack.length - 2; i >= 0; i--) root = nodeHashSync(this.stack[i].hash, root);
    return root;
  }
}

// MARK: the source

/** The lowercase hex SHA-256 of an origin: where a mirror serves that log (c2sp.org/tlog-mirror). */
export function originHash(origin) {
  return hex(sha256Sync(utf8(origin)));
}

function withSlash(url) {
  return url.endsWith('/') ? url : url + '/';
}

/**
 * GETs with a size limit, counting the bytes received. `fetchImpl` is
 * fetch() (injected by tests). Resolves to {status, bytes}; rejects with
 * ScanError('source') when the request cannot be made or the body is too large.
 */
export function makeGetter(fetchImpl = globalThis.fetch.bind(globalThis), { signal = null } = {}) {
  const getter = async (url, limit, { fresh = false } = {}) => {
    let response;
    try {
      response = await fetchImpl(url, { method: 'GET', credentials: 'omit', referrerPolicy: 'no-referrer', cache: fresh ? 'no-cache' : 'default', signal });
    } catch (error) {
      if (signal && signal.aborted) throw new ScanError('aborted', 'the scan was stopped', { ja: 'スキャンを中止しました' });
      throw new ScanError('source', `${url} cannot be read: ${error && error.message ? error.message : error}`, { ja: `${url} を読み込めません`, url });
    }
    const length = Number(response.headers && response.headers.get ? response.headers.get('content-length') : NaN);
    if (Number.isFinite(length) && length > limit) {
      throw new ScanError('source', `${url} is larger than ${limit} bytes`, { ja: `${url} が大きすぎます`, url });
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    getter.bytes += bytes.length;
    getter.requests += 1;
    if (bytes.length > limit) throw new ScanError('source', `${url} is larger than ${limit} bytes`, { ja: `${url} が大きすぎます`, url });
    return { status: response.status, bytes };
  };
  getter.bytes = 0;
  getter.requests = 0;
  return getter;
}

/**
 * The tlog-tiles prefix for `url`, which may be the log's own prefix or a
 * mirror's monitoring prefix (c2sp.org/tlog-mirror), and its checkpoint's
 * bytes: a URL whose last path element is one of the origins' hashes is used
 * as is; otherwise `<url>/checkpoint` is fetched and, when it answers 200,
 * `<url>` is the log; otherwise `<url>/<origin hash>/checkpoint` is tried for
 * each origin, and the first that answers 200 is a mirror's copy. (Swift's
 * TileLogClient.resolve tries the mirror path first; the same prefix results
 * wherever a URL is a log or a mirror but not both, and the log's own
 * checkpoint, which is needed anyway, is the one request in the common case.)
 * Resolves to {prefix, mirrored, checkpoint (bytes)}; rejects with
 * ScanError('source') with the plain URL's answer.
 */
export async function resolveSource(url, origins, get) {
  const plain = withSlash(url);
  const hashes = origins.map(originHash);
  const mirrored = hashes.some((h) => plain.endsWith('/' + h + '/'));
  let first;
  try {
    first = await getOK(get, plain + 'checkpoint', MAX_CHECKPOINT_BYTES, { fresh: true });
  } catch (error) {
    if (error.code === 'aborted' || mirrored) throw error;
    for (const h of hashes) {
      let answer = null;
      try {
        answer = await get(plain + h + '/checkpoint', MAX_CHECKPOINT_BYTES, { fresh: true });
      } catch (probe) {
        if (probe.code === 'aborted') throw probe;
      }
      if (answer && answer.status === 200) return { prefix: plain + h + '/', mirrored: true, checkpoint: answer.bytes };
    }
    throw error;
  }
  return { prefix: plain, mirrored, checkpoint: first };
}

async function getOK(get, url, limit, options) {
  const answer = await get(url, limit, options);
  if (answer.status !== 200) {
    throw Object.assign(new ScanError('source', `${url} answered ${answer.status}`, { ja: `${url} が ${answer.status} を返しました`, url }), { status: answer.status });
  }
  return answer.bytes;
}

/** The bundle `b` with exactly `width` entries; a missing partial bundle is fetched as the full one and cut. */
async function fetchBundle(get, prefix, b, width) {
  const url = prefix + entriesPath(b, width);
  let bytes;
  let full = false;
  try {
    bytes = await getOK(get, url, MAX_BUNDLE_BYTES);
  } catch (error) {
    if (!(error.status && width < BUNDLE_WIDTH)) throw error;
    bytes = await getOK(get, prefix + entriesPath(b), MAX_BUNDLE_BYTES);
    full = true;
  }
  const entries = parseEntryBundle(bytes);
  if (!entries) throw new ScanError('source', `${url} is not an entry bundle (its length prefixes do not add up)`, { ja: `${url} はエントリーの束の形式ではありません`, url });
  const expected = full ? BUNDLE_WIDTH : width;
  if (entries.length !== expected) {
    throw new ScanError('source', `${url} holds ${entries.length} entries; ${expected} were expected`, { ja: `${url} のエントリー数が ${entries.length} です（期待: ${expected}）`, url });
  }
  return entries.slice(0, width);
}

// MARK: the scan

/**
 * Scans the log at `source` (a URL: the log's tlog-tiles prefix or a mirror)
 * for certificates bound to `secret` (32 bytes), verifying its checkpoint with
 * `trust` (parseTrust's model).
 *
 * options: fetch (a fetch() to use), signal (an AbortSignal), concurrency
 * (bundles fetched at once, default 8), batch (subject lines handed to
 * WebCrypto at once, default 1024), x25519Batch(points) → Promise of one
 * shared secret (or null) per 32-byte point, computed with the secret (e.g.
 * by a pool of workers, x25519-worker.js; default: here, Promise.all),
 * onProgress({entries, size, bytes, lines, seconds}) called after each
 * bundle, now() (ms clock). While one batch is being tested the next bundles
 * are parsed and hashed (at most two batches outstanding).
 *
 * Resolves to {checkpoint: {origin, size, rootHash (hex), cosigners (names),
 * text}, authority, prefix, mirrored, certificates: [{index, kind, issuedAt,
 * serial, role, state, reason?, successorIndex?}], entriesScanned,
 * subjectLinesTested, bytesDownloaded, requests, seconds}. Rejects with
 * ScanError; nothing is returned unless the root matched.
 */
export async function scanLog({ source, trust, secret }, options = {}) {
  const now = options.now || (() => performance.now());
  const started = now();
  const signal = options.signal || null;
  const get = options.get || makeGetter(options.fetch || globalThis.fetch.bind(globalThis), { signal });
  const concurrency = Math.max(1, options.concurrency || 8);
  const batchSize = Math.max(1, options.batch || 1024);
  const stopIfAborted = () => {
    if (signal && signal.aborted) throw new ScanError('aborted', 'the scan was stopped', { ja: 'スキャンを中止しました' });
  };
  const secretKey = await importScalar(secret);
  const x25519Batch = options.x25519Batch || ((points) => Promise.all(points.map((u) => x25519(secretKey, u))));

  // 1. the checkpoint, verified with the trust file.
  const origins = trust.authorities.map((a) => a.log.origin);
  const { prefix, mirrored, checkpoint: checkpointBytes } = await resolveSource(source, origins, get);
  const noteText = utf8Decode(checkpointBytes);
  let checkpoint;
  try {
    if (noteText === null) throw new NoteError('malformedNote', 'the checkpoint is not UTF-8 text');
    checkpoint = parseSignedCheckpoint(noteText);
  } catch (error) {
    if (!(error instanceof NoteError)) throw error;
    throw new ScanError('source', `${prefix}checkpoint is not a signed checkpoint: ${error.reason}`, { ja: `${prefix}checkpoint はチェックポイントの形式ではありません`, url: prefix + 'checkpoint' });
  }
  const authority = trust.authorities.find((a) => a.log.origin === checkpoint.origin);
  if (!authority) {
    throw new ScanError('unverifiedCheckpoint', `the checkpoint is of log '${checkpoint.origin}', which the trust file does not list`,
      { ja: `チェックポイントの台帳（${checkpoint.origin}）は信頼リストにありません` });
  }
  let cosigners;
  try {
    ({ cosigners } = await verifyCheckpointNote(checkpoint, authority.log.logKey, authority.log.policy));
  } catch (error) {
    if (!(error instanceof NoteError)) throw error;
    throw new ScanError('unverifiedCheckpoint', `the checkpoint does not verify with the trust file: ${error.reason}`,
      { ja: `チェックポイントが信頼リストの台帳の鍵・立会人の要件で確認できません（${error.reason}）` });
  }
  const size = Number(checkpoint.size);

  // 2.–3. every bundle in order, a window of fetches in flight; the leaves
  // hashed in order; the subject lines tested in batches.
  const hasher = new StreamingTreeHasher();
  const found = [];
  const foundIndexes = new Set();
  // Lifecycle entries kept only while their target may still turn out to be ours.
  let lifecycle = [];
  let frontier = 0; // every line of an entry below this index has been tested
  let pendingLines = []; // [{index, role, kind, issuedAt, line}]
  let linesTested = 0;
  let entriesDone = 0;

  // Hands the pending lines to X25519 now; their results are taken in order.
  let chain = Promise.resolve();
  const outstanding = [];
  const flushLines = () => {
    const batch = pendingLines;
    const upTo = entriesDone;
    pendingLines = [];
    const computing = batch.length > 0 ? x25519Batch(batch.map((p) => p.line.subarray(0, 32))) : Promise.resolve([]);
    computing.catch(() => {}); // awaited in the chain
    chain = chain.then(async () => {
      const shared = await computing;
      for (let i = 0; i < batch.length; i++) {
        if (!shared[i]) continue;
        const serial = openWithShared(batch[i].line, shared[i]);
        if (!serial) continue;
        const p = batch[i];
        found.push({ index: p.index, kind: p.kind, issuedAt: p.issuedAt, serial: serialText(serial), role: p.role, state: 'valid' });
        foundIndexes.add(p.index);
      }
      linesTested += batch.length;
      frontier = upTo;
      lifecycle = lifecycle.filter((l) => foundIndexes.has(l.target) || l.target >= frontier);
    });
    chain.catch(() => {}); // handled where it is awaited (or the scan failed already)
    outstanding.push(chain);
  };

  const bundles = Math.ceil(size / BUNDLE_WIDTH);
  const inFlight = new Map();
  const request = (b) => {
    if (b < bundles && !inFlight.has(b)) {
      const width = Math.min(BUNDLE_WIDTH, size - b * BUNDLE_WIDTH);
      const p = fetchBundle(get, prefix, b, width);
      p.catch(() => {}); // awaited in order below
      inFlight.set(b, p);
    }
  };
  for (let b = 0; b < Math.min(concurrency, bundles); b++) request(b);
  for (let b = 0; b < bundles; b++) {
    stopIfAborted();
    const entries = await inFlight.get(b);
    inFlight.delete(b);
    request(b + concurrency);
    for (let offset = 0; offset < entries.length; offset++) {
      const index = b * BUNDLE_WIDTH + offset;
      const bytes = entries[offset];
      hasher.append(leafHashSync(bytes));
      let entry;
      try {
        entry = parseEntry(bytes);
      } catch (error) {
        if (!(error instanceof NoteError)) throw error;
        throw new ScanError('malformedEntry', `entry ${index} is not a canonical log entry: ${error.reason}`,
          { ja: `台帳の ${index} 番目の記録が正しい形式ではありません` });
      }
      if (entry.type === 'certificate') {
        entry.subjects.forEach((line, role) => pendingLines.push({ index, role, kind: entry.kind, issuedAt: entry.issuedAt, line }));
      } else if (entry.type === 'revocation' || entry.type === 'supersession') {
        lifecycle.push({ index, ...entry });
      }
    }
    entriesDone += entries.length;
    if (pendingLines.length >= batchSize) {
      flushLines();
      while (outstanding.length > 2) await outstanding.shift();
    }
    if (options.onProgress) {
      options.onProgress({ entries: entriesDone, size, bytes: get.bytes, lines: linesTested, seconds: (now() - started) / 1000 });
    }
  }
  flushLines();
  await chain;
  stopIfAborted();

  const root = hasher.rootHash;
  if (hasher.size !== size || !bytesEqual(root, checkpoint.rootHash)) {
    throw new ScanError('rootMismatch',
      `the ${size} entries downloaded do not hash to the checkpoint's root: the source left out or changed entries`,
      { ja: `ダウンロードした ${size} 件の記録から計算した木の根がチェックポイントと一致しません。取得元が記録を省いたか改ざんしています` });
  }

  // 4. states from later entries that name a found certificate (in log order).
  for (const l of lifecycle) {
    for (const f of found) {
      if (f.index !== l.target) continue;
      if (l.type === 'revocation') {
        f.state = 'revoked';
        f.reason = l.reason;
      } else {
        f.state = 'superseded';
        f.successorIndex = l.successor;
      }
    }
  }
  found.sort((a, b) => a.index - b.index || a.role - b.role);
  return {
    checkpoint: {
      origin: checkpoint.origin, size, rootHash: hex(checkpoint.rootHash), cosigners: cosigners.map((c) => tokenText(c.name)), text: noteText,
    },
    authority,
    prefix,
    mirrored,
    certificates: found,
    entriesScanned: size,
    subjectLinesTested: linesTested,
    bytesDownloaded: get.bytes,
    requests: get.requests,
    seconds: (now() - started) / 1000,
  };
}
