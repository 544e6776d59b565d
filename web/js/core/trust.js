// The trust file, akashi-trust/v1 (Swift Certificates/TrustFile.swift):
// authorities, each with ES256 keys as JWK (+ kid, validity, status), full
// kind definitions, and the log's origin, vkey and witness rule — either a
// c2sp.org/tlog-policy text (`policy`) or the simple `witnesses` +
// `witnessQuorum` form, never both.
// parseTrust() checks it as Swift's TrustFile.decode does — the JSON shape,
// the format, every log vkey, the witness rule (LogTrust.tlogPolicy()) and
// every key (P-256 point, kid = base64url of the first 8 bytes of SHA-256 of
// the uncompressed point) — and imports the keys into WebCrypto once.
import { base64url, base64urlDecode, bytesEqual, concat, sha256, subtle, swiftEqual } from './util.js';
import { parseVerifierKey, verifyCheckpointPolicy } from './note.js';
import { parseTlogPolicy, tlogPolicyFromSimple, verifyTlogPolicy } from './policy.js';

export const TRUST_FORMAT = 'akashi-trust/v1';
const REFERENCE_DATE = 978307200; // 2001-01-01T00:00:00Z, Foundation's reference date

export class TrustError extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

/** ISO 8601 internet date-time (ISO8601DateFormatter .withInternetDateTime): seconds since 1970, or null. */
export function parseISO8601(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:?\d{2})$/.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const t = utc(y, mo, d, h, mi, s);
  if (t === null) return null;
  let offset = 0;
  if (m[7] !== 'Z') {
    const z = m[7].replace(':', '');
    offset = (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * (z[0] === '-' ? -1 : 1);
  }
  return t / 1000 - offset * 60;
}

/** Milliseconds since 1970 of a UTC calendar time, or null when the day does not exist. */
function utc(y, mo, d, h = 0, mi = 0, s = 0) {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date.getTime();
}

/** akashi-verify's --at: ISO 8601, or YYYY-MM-DD (midnight in Tokyo). Returns a Date or null. */
export function parseAt(text) {
  const iso = parseISO8601(text);
  if (iso !== null) return new Date(iso * 1000);
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (m) {
    const t = utc(Number(m[1]), Number(m[2]), Number(m[3]));
    if (t !== null) return new Date(t - 9 * 3600 * 1000);
  }
  return null;
}

// MARK: shape checks (Swift Codable)

function at(path, key) {
  return typeof key === 'number' ? `${path}[${key}]` : `${path}.${key}`;
}
function typeName(v) {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}
function need(obj, key, path, check, optional = false) {
  const p = at(path, key);
  if (!(key in obj) || obj[key] === undefined || (obj[key] === null && optional)) {
    if (optional) return null;
    throw new TrustError(`missing "${key}" at ${path || 'top level'}`);
  }
  return check(obj[key], p);
}
const str = (v, p) => {
  if (typeof v !== 'string') throw new TrustError(`expected text, found ${typeName(v)}, at ${p}`);
  return v;
};
const int = (v, p) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new TrustError(`expected a whole number, found ${typeName(v)}, at ${p}`);
  return v;
};
const uint64 = (v, p) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new TrustError(`expected a log index (a whole number ≥ 0), found ${typeName(v)}, at ${p}`);
  return BigInt(v);
};
const bool = (v, p) => {
  if (typeof v !== 'boolean') throw new TrustError(`expected true or false, found ${typeName(v)}, at ${p}`);
  return v;
};
const obj = (v, p) => {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new TrustError(`expected an object, found ${typeName(v)}, at ${p}`);
  return v;
};
const arr = (each) => (v, p) => {
  if (!Array.isArray(v)) throw new TrustError(`expected a list, found ${typeName(v)}, at ${p}`);
  return v.map((x, i) => each(x, at(p, i)));
};
const date = (v, p) => {
  str(v, p);
  const s = parseISO8601(v);
  if (s === null) throw new TrustError(`Expected date string to be ISO8601-formatted. at ${p}`);
  return s;
};
const localized = (v, p) => {
  obj(v, p);
  return { ja: need(v, 'ja', p, str), en: need(v, 'en', p, str) };
};
const FIELD_TYPES = ['text', 'date', 'integer', 'decimal', 'enum', 'textList'];

function fieldDefinition(v, p) {
  obj(v, p);
  const type = need(v, 'type', p, str);
  if (!FIELD_TYPES.includes(type)) throw new TrustError(`Cannot initialize FieldType from invalid String value ${type} at ${at(p, 'type')}`);
  return {
    id: need(v, 'id', p, str),
    type,
    label: need(v, 'label', p, localized),
    required: need(v, 'required', p, bool),
    maxLength: need(v, 'maxLength', p, int, true),
    printed: need(v, 'printed', p, bool, true),
    omittedByDefault: need(v, 'omittedByDefault', p, bool, true),
    options: need(v, 'options', p, arr((o, q) => {
      obj(o, q);
      return { value: need(o, 'value', q, str), label: need(o, 'label', q, localized) };
    }), true),
    unit: need(v, 'unit', p, localized, true),
    scale: need(v, 'scale', p, int, true),
    minimum: need(v, 'minimum', p, int, true),
    maximum: need(v, 'maximum', p, int, true),
    maxItems: need(v, 'maxItems', p, int, true),
    help: need(v, 'help', p, localized, true),
  };
}

function kind(v, p) {
  obj(v, p);
  return {
    id: need(v, 'id', p, str),
    version: need(v, 'version', p, int),
    label: need(v, 'label', p, localized),
    description: need(v, 'description', p, localized, true),
    validityDays: need(v, 'validityDays', p, int, true),
    fields: need(v, 'fields', p, arr(fieldDefinition)),
    forbiddenFields: need(v, 'forbiddenFields', p, arr((f, q) => {
      obj(f, q);
      return { id: need(f, 'id', q, str), label: need(f, 'label', q, localized), reason: need(f, 'reason', q, localized) };
    }), true),
    statement: need(v, 'statement', p, localized, true),
  };
}

function issuerKey(v, p) {
  obj(v, p);
  return {
    kty: need(v, 'kty', p, str),
    crv: need(v, 'crv', p, str),
    x: need(v, 'x', p, str),
    y: need(v, 'y', p, str),
    kid: need(v, 'kid', p, str),
    alg: need(v, 'alg', p, str),
    use: need(v, 'use', p, str),
    notBefore: need(v, 'notBefore', p, date),
    notAfter: need(v, 'notAfter', p, date, true),
    status: need(v, 'status', p, str),
    compromisedAt: need(v, 'compromisedAt', p, date, true),
    compromisedFromLogIndex: need(v, 'compromisedFromLogIndex', p, uint64, true),
  };
}

function authority(v, p) {
  obj(v, p);
  return {
    issuer: need(v, 'issuer', p, str),
    name: need(v, 'name', p, str),
    verifierURL: need(v, 'verifierURL', p, str, true),
    keys: need(v, 'keys', p, arr(issuerKey)),
    kinds: need(v, 'kinds', p, arr(kind)),
    log: need(v, 'log', p, (l, q) => {
      obj(l, q);
      return {
        origin: need(l, 'origin', q, str),
        vkey: need(l, 'vkey', q, str),
        witnesses: need(l, 'witnesses', q, arr(str), true),
        witnessQuorum: need(l, 'witnessQuorum', q, int, true),
        policy: need(l, 'policy', q, str, true),
      };
    }),
  };
}

// MARK: the log's witness rule (Swift LogTrust)

function isEnvironmentError(error) {
  return error && (error.code === 'noWebCrypto' || error.code === 'noEd25519');
}

function describe(error) {
  return error && error.description !== undefined ? error.description : String(error && (error.reason || error.message) || error);
}

/** LogTrust.simplePolicy(): the simple form as {logKey, origin, witnesses, witnessQuorum} (parsed keys). */
async function simplePolicy(log) {
  const witnesses = [];
  for (const w of log.witnesses || []) witnesses.push(await parseVerifierKey(w));
  return { logKey: await parseVerifierKey(log.vkey), origin: log.origin, witnesses, witnessQuorum: log.witnessQuorum ?? 0 };
}

/**
 * LogTrust.tlogPolicy(): the witness rule as a c2sp.org/tlog-policy (policy.js),
 * whichever way it is written. Throws TrustError when the rule is ambiguous or
 * invalid: both forms given, a policy that does not parse, or one that does not
 * list exactly one log — this log's vkey.
 */
export async function logTlogPolicy(log) {
  let logKey;
  try {
    logKey = await parseVerifierKey(log.vkey);
  } catch (error) {
    if (isEnvironmentError(error)) throw error;
    throw new TrustError(`log ${log.origin}: the vkey is invalid: ${describe(error)}`);
  }
  if (!swiftEqual(log.origin, logKey.name)) {
    throw new TrustError(`log ${log.origin}: the origin is not the vkey's name '${logKey.name}' (a log is identified by its key name)`);
  }
  if (log.policy === null || log.policy === undefined) {
    try {
      return tlogPolicyFromSimple(await simplePolicy(log));
    } catch (error) {
      if (isEnvironmentError(error)) throw error;
      throw new TrustError(`log ${log.origin}: the witnesses and quorum do not form a valid policy: ${describe(error)}`);
    }
  }
  if (!(log.witnesses == null && log.witnessQuorum == null)) {
    throw new TrustError(`log ${log.origin}: give the witness rule either as 'policy' or as 'witnesses' + 'witnessQuorum', not both`);
  }
  let parsed;
  try {
    parsed = await parseTlogPolicy(log.policy);
  } catch (error) {
    if (isEnvironmentError(error)) throw error;
    throw new TrustError(`log ${log.origin}: the tlog-policy is invalid: ${describe(error)}`);
  }
  const listed = parsed.logs.length === 1 ? parsed.logs[0].key : null;
  if (!(listed && sameKey(listed, logKey))) {
    throw new TrustError(`log ${log.origin}: the tlog-policy must list exactly one log, this log's vkey ${log.vkey} (it lists ${parsed.logs.length})`);
  }
  return parsed;
}

/** VerifierKey ==: name (canonical equivalence), key ID, type and public key. */
function sameKey(a, b) {
  return swiftEqual(a.name, b.name) && a.keyID === b.keyID && a.type === b.type && bytesEqual(a.publicKey, b.publicKey);
}

/**
 * LogTrust.witnessKeys(): every witness key the rule names (to read the
 * cosignature lines of a QR's compact proof). `log` is a parsed trust file's.
 */
export async function logWitnessKeys(log) {
  if (log.policy != null) {
    try {
      return (log.tlogPolicy || (await logTlogPolicy(log))).witnesses.map((w) => w.key);
    } catch (error) {
      if (isEnvironmentError(error)) throw error;
      return [];
    }
  }
  const keys = [];
  for (const w of log.witnesses || []) {
    try {
      keys.push(await parseVerifierKey(w));
    } catch (error) {
      if (isEnvironmentError(error)) throw error;
    }
  }
  return keys;
}

/**
 * LogTrust.checkpointVerifier().verifyCheckpoint(_:): the simple form (no
 * `policy`) is checked as CheckpointPolicy (note.js), a tlog-policy as
 * TlogPolicy.verify (policy.js). Rejects with NoteError (or TrustError for an
 * invalid rule, which parseTrust has already refused).
 */
export async function verifyLogCheckpoint(log, checkpoint) {
  if (log.policy == null) {
    let simple = null;
    try {
      simple = await simplePolicy(log);
    } catch (error) {
      if (isEnvironmentError(error)) throw error;
    }
    if (simple) return verifyCheckpointPolicy(checkpoint, simple);
  }
  return verifyTlogPolicy(checkpoint, log.tlogPolicy || (await logTlogPolicy(log)));
}

async function importIssuerKey(key) {
  if (key.kty !== 'EC' || key.crv !== 'P-256' || key.alg !== 'ES256') {
    throw new Error(`key ${key.kid} is not an EC P-256 ES256 key`);
  }
  let x;
  let y;
  try {
    x = base64urlDecode(key.x);
    y = base64urlDecode(key.y);
  } catch (error) {
    throw new Error(error.description || String(error));
  }
  if (x.length !== 32 || y.length !== 32) throw new Error('P-256 coordinates are 32 bytes each');
  let cryptoKey;
  try {
    cryptoKey = await subtle().importKey('jwk', { kty: 'EC', crv: 'P-256', x: base64url(x), y: base64url(y), ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  } catch (error) {
    if (error && error.code === 'noWebCrypto') throw error;
    throw new Error('the point is not on the P-256 curve');
  }
  const point = concat(Uint8Array.of(4), x, y);
  const kid = base64url((await sha256(point)).slice(0, 8));
  if (kid !== key.kid) throw new Error(`key id ${key.kid} does not match its key`);
  return cryptoKey;
}

/**
 * Parses and checks a trust file (JSON text or an already parsed object).
 * Throws TrustError with a reason when it is not a usable akashi-trust/v1 file.
 */
export async function parseTrust(input) {
  let json = input;
  if (typeof input === 'string') {
    try {
      json = JSON.parse(input);
    } catch (error) {
      throw new TrustError(`the trust file is not valid JSON: ${error.message}`);
    }
  }
  let trust;
  try {
    obj(json, '');
    trust = {
      format: need(json, 'format', '', str),
      generatedAt: need(json, 'generatedAt', '', date),
      authorities: need(json, 'authorities', '', arr(authority)),
    };
  } catch (error) {
    if (error instanceof TrustError) throw new TrustError(`the trust file is not valid: ${error.reason}`);
    throw error;
  }
  if (trust.format !== TRUST_FORMAT) {
    throw new TrustError(`the trust file has format '${trust.format}'; this verifier reads ${TRUST_FORMAT}`);
  }
  for (const a of trust.authorities) {
    try {
      a.log.logKey = await parseVerifierKey(a.log.vkey);
    } catch (error) {
      if (error && error.code === 'noWebCrypto') throw error;
      throw new TrustError(`authority ${a.issuer}: log vkey is invalid: ${error.reason || error.message}`);
    }
    try {
      a.log.tlogPolicy = await logTlogPolicy(a.log);
    } catch (error) {
      if (!(error instanceof TrustError)) throw error;
      throw new TrustError(`authority ${a.issuer}: ${error.reason}`);
    }
    for (const key of a.keys) {
      try {
        key.cryptoKey = await importIssuerKey(key);
      } catch (error) {
        if (error && error.code === 'noWebCrypto') throw error;
        throw new TrustError(`authority ${a.issuer}: key ${key.kid} is invalid: ${error.message}`);
      }
      key.kidBytes = base64urlDecode(key.kid);
      key.notBeforeRef = key.notBefore - REFERENCE_DATE;
      key.notAfterRef = key.notAfter === null ? null : key.notAfter - REFERENCE_DATE;
    }
  }
  trust.generatedAtDate = new Date(trust.generatedAt * 1000);
  trust.json = json;
  Object.defineProperty(trust, 'isParsedTrust', { value: true });
  return trust;
}

export { REFERENCE_DATE };
