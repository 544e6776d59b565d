// The trust file, akashi-trust/v2 (trust-file.md): authorities, each with its
// ES256 issuer keys (JWK + kid, validity, status), full kind definitions, and
// its log (origin, vkey, witness policy as c2sp.org/tlog-policy text).
// parseTrust() decodes and validates the WHOLE file at load — strict JSON
// (json.js), closed objects, every range, the text rule, every key (P-256
// point, derived kid, unique across the file), every kind, the log's vkey and
// policy — and refuses it on any violation; it imports the keys into
// WebCrypto once. An invalid trust file is an error of the caller, never a
// verdict about a certificate.
import { base64url, base64urlDecode, concat, scalarCount, sha256, subtle, textRuleProblem } from './util.js';
import { COSIGNATURE_V1, ED25519, NoteError, parseVerifierKey } from './note.js';
import { parseTlogPolicy } from './policy.js';
import { parseStrictJSON, JSONError } from './json.js';

export const TRUST_FORMAT = 'akashi-trust/v2';
const MAX_SAFE = 2 ** 53 - 1;

export class TrustError extends Error {
  constructor(reason) {
    super(reason);
    this.reason = reason;
  }
}

/** Milliseconds since 1970 of a UTC calendar time, or null when the day does not exist. */
function utc(y, mo, d, h = 0, mi = 0, s = 0) {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, 0);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return null;
  return date.getTime();
}

/** A trust file time `YYYY-MM-DDTHH:MM:SSZ` (UTC, whole seconds, a real date): seconds since 1970, or null. */
export function parseTrustTime(text) {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z$/.exec(text);
  if (!m) return null;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59) return null;
  const t = utc(y, mo, d, h, mi, s);
  return t === null ? null : t / 1000;
}

/**
 * A verification time (akashi-verify --at, vectors' `at`): `YYYY-MM-DD`
 * (midnight in Japan time) or an RFC 3339 date-time. Returns a Date or null.
 */
export function parseAt(text) {
  const m = /^([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$/.exec(text);
  if (!m) return null;
  const [y, mo, d] = m.slice(1, 4).map(Number);
  if (m[4] === undefined) {
    const t = utc(y, mo, d);
    return t === null ? null : new Date(t - 9 * 3600 * 1000);
  }
  const [h, mi, s] = m.slice(4, 7).map(Number);
  if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 60) return null;
  const t = utc(y, mo, d, h, mi, Math.min(s, 59));
  if (t === null) return null;
  const fraction = m[7] ? Number(m[7]) * 1000 : 0;
  let offset = 0;
  if (m[8] !== 'Z' && m[8] !== 'z') {
    offset = (Number(m[8].slice(1, 3)) * 60 + Number(m[8].slice(4, 6))) * (m[8][0] === '-' ? -1 : 1);
  }
  return new Date(t + fraction - offset * 60000);
}

// MARK: shape checks

const fail = (p, why) => new TrustError(`${p || 'top level'}: ${why}`);
const at = (path, key) => (typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key);
function typeName(v) {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** An object with exactly these members (required and optional); returns it. */
function closed(v, p, required, optional = []) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw fail(p, `expected an object, found ${typeName(v)}`);
  for (const key of Object.keys(v)) {
    if (!required.includes(key) && !optional.includes(key)) throw fail(p, `unknown member "${key}" (every object of ${TRUST_FORMAT} is closed)`);
  }
  for (const key of required) if (!Object.hasOwn(v, key)) throw fail(p, `missing "${key}"`);
  return v;
}
function str(v, p) {
  if (typeof v !== 'string') throw fail(p, `expected text, found ${typeName(v)}`);
  return v;
}
/** A string under the text rule (certificate.md §5), of minLen … maxLen scalar values. */
function text(v, p, minLen = 0, maxLen = Infinity) {
  str(v, p);
  const problem = textRuleProblem(v);
  if (problem) throw fail(p, `the text breaks the text rule (${problem})`);
  const n = scalarCount(v);
  if (n < minLen || n > maxLen) throw fail(p, `expected ${minLen} … ${maxLen} characters, found ${n}`);
  return v;
}
function pattern(v, p, re, what) {
  str(v, p);
  if (!re.test(v)) throw fail(p, `"${[...v].slice(0, 60).join('')}" is not ${what}`);
  return v;
}
function int(v, p, min, max) {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw fail(p, `expected an integer, found ${typeName(v)}`);
  if (v < min || v > max) throw fail(p, `expected an integer in ${min} … ${max}, found ${v}`);
  return v;
}
function bool(v, p) {
  if (typeof v !== 'boolean') throw fail(p, `expected true or false, found ${typeName(v)}`);
  return v;
}
function list(v, p, min, max, each) {
  if (!Array.isArray(v)) throw fail(p, `expected a list, found ${typeName(v)}`);
  if (v.length < min || v.length > max) throw fail(p, `expected ${min} … ${max} items, found ${v.length}`);
  return v.map((x, i) => each(x, at(p, i)));
}
function time(v, p) {
  str(v, p);
  const s = parseTrustTime(v);
  if (s === null) throw fail(p, `"${v}" is not a time YYYY-MM-DDTHH:MM:SSZ`);
  return s;
}
function localized(v, p) {
  closed(v, p, ['ja', 'en']);
  return { ja: text(v.ja, at(p, 'ja'), 1, 200), en: text(v.en, at(p, 'en'), 1, 200) };
}
const opt = (v, key, p, check, ...args) => (Object.hasOwn(v, key) ? check(v[key], at(p, key), ...args) : null);

const FIELD_TYPES = ['text', 'date', 'integer', 'decimal', 'enum', 'textList'];
const FIELD_ID = /^[a-zA-Z][a-zA-Z0-9]{0,39}$/;
const WITHHOLD_GROUP = /^[a-zA-Z][a-zA-Z0-9]{0,39}$/;
/** selective-disclosure.md §1: the present mask has 16 bits. */
export const MAX_WITHHOLDABLE = 16;
/** subject-transparency.md §2: a certificate is about at most 4 persons. */
export const MAX_SUBJECTS = 4;
const KIND_ID = /^[a-z][a-z0-9-]{0,39}$/;
const ALLOWED_FOR = {
  maxLength: ['text', 'textList'],
  maxItems: ['textList'],
  options: ['enum'],
  scale: ['decimal'],
  minimum: ['integer', 'decimal'],
  maximum: ['integer', 'decimal'],
  unit: ['integer', 'decimal'],
};

function fieldDefinition(v, p) {
  closed(v, p, ['id', 'type', 'label', 'required'], ['maxLength', 'maxItems', 'options', 'scale', 'minimum', 'maximum', 'unit', 'printed', 'omittedByDefault', 'help', 'withholdable', 'withholdGroup']);
  const id = pattern(v.id, at(p, 'id'), FIELD_ID, 'a field id');
  const type = str(v.type, at(p, 'type'));
  if (!FIELD_TYPES.includes(type)) throw fail(at(p, 'type'), `unknown field type "${type}"`);
  for (const [member, types] of Object.entries(ALLOWED_FOR)) {
    if (Object.hasOwn(v, member) && !types.includes(type)) throw fail(at(p, member), `not allowed for a ${type} field`);
  }
  if ((type === 'text' || type === 'textList') && !Object.hasOwn(v, 'maxLength')) throw fail(p, `a ${type} field needs maxLength`);
  if (type === 'enum' && !Object.hasOwn(v, 'options')) throw fail(p, 'an enum field needs options');
  const field = {
    id,
    type,
    label: localized(v.label, at(p, 'label')),
    required: bool(v.required, at(p, 'required')),
    maxLength: opt(v, 'maxLength', p, int, 1, 10000),
    maxItems: opt(v, 'maxItems', p, int, 1, 1000),
    options: opt(v, 'options', p, (o, q) => list(o, q, 1, 100, (x, r) => {
      closed(x, r, ['value', 'label']);
      return { value: text(x.value, at(r, 'value'), 1, 64), label: localized(x.label, at(r, 'label')) };
    })),
    scale: opt(v, 'scale', p, int, 0, 15),
    minimum: opt(v, 'minimum', p, int, -MAX_SAFE, MAX_SAFE),
    maximum: opt(v, 'maximum', p, int, -MAX_SAFE, MAX_SAFE),
    unit: opt(v, 'unit', p, localized),
    printed: opt(v, 'printed', p, bool) ?? true,
    omittedByDefault: opt(v, 'omittedByDefault', p, bool) ?? false,
    help: opt(v, 'help', p, localized),
    withholdable: opt(v, 'withholdable', p, bool) ?? false,
    withholdGroup: opt(v, 'withholdGroup', p, pattern, WITHHOLD_GROUP, 'a withhold group ([a-zA-Z][a-zA-Z0-9]{0,39})'),
  };
  if (field.withholdGroup !== null && !field.withholdable) throw fail(at(p, 'withholdGroup'), 'only a withholdable field (withholdable: true) has a withholdGroup');
  if (field.options && new Set(field.options.map((o) => o.value)).size !== field.options.length) throw fail(at(p, 'options'), 'option values are not unique');
  if (field.minimum !== null && field.maximum !== null && field.minimum > field.maximum) throw fail(p, 'minimum > maximum');
  if (field.required && field.omittedByDefault) throw fail(p, 'a required field cannot be omittedByDefault');
  return field;
}

function kindDefinition(v, p) {
  closed(v, p, ['id', 'version', 'label', 'fields'], ['description', 'statement', 'validityDays', 'forbiddenFields', 'subjects']);
  const kind = {
    id: pattern(v.id, at(p, 'id'), KIND_ID, 'a kind id'),
    version: int(v.version, at(p, 'version'), 1, 2147483647),
    label: localized(v.label, at(p, 'label')),
    description: opt(v, 'description', p, localized),
    statement: opt(v, 'statement', p, localized),
    validityDays: opt(v, 'validityDays', p, int, 1, 36500),
    // How many persons the certificate is about (subject-transparency.md §2): 0 … 4, default 0.
    subjects: opt(v, 'subjects', p, int, 0, MAX_SUBJECTS) ?? 0,
    fields: list(v.fields, at(p, 'fields'), 1, 100, fieldDefinition),
    forbiddenFields: opt(v, 'forbiddenFields', p, (f, q) => list(f, q, 0, Infinity, (x, r) => {
      closed(x, r, ['id', 'label', 'reason']);
      return { id: pattern(x.id, at(r, 'id'), FIELD_ID, 'a field id'), label: localized(x.label, at(r, 'label')), reason: localized(x.reason, at(r, 'reason')) };
    })),
  };
  const ids = kind.fields.map((f) => f.id);
  if (new Set(ids).size !== ids.length) throw fail(at(p, 'fields'), 'field ids are not unique');
  for (const f of kind.forbiddenFields || []) if (ids.includes(f.id)) throw fail(at(p, 'forbiddenFields'), `"${f.id}" is also a field`);
  const withholdable = kind.fields.filter((f) => f.withholdable).length;
  if (withholdable > MAX_WITHHOLDABLE) throw fail(at(p, 'fields'), `${withholdable} withholdable fields; a kind has at most ${MAX_WITHHOLDABLE}`);
  return kind;
}

const B64URL32 = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;
const B64URL8 = /^[A-Za-z0-9_-]{10}[AEIMQUYcgkosw048]$/;
const STATUSES = ['active', 'retired', 'compromised'];

function issuerKey(v, p) {
  closed(v, p, ['kty', 'crv', 'x', 'y', 'kid', 'alg', 'use', 'notBefore', 'status'], ['notAfter', 'compromisedAt', 'compromisedFromLogIndex']);
  if (v.kty !== 'EC') throw fail(at(p, 'kty'), 'must be "EC"');
  if (v.crv !== 'P-256') throw fail(at(p, 'crv'), 'must be "P-256"');
  if (v.alg !== 'ES256') throw fail(at(p, 'alg'), 'must be "ES256"');
  if (v.use !== 'sig') throw fail(at(p, 'use'), 'must be "sig"');
  const status = str(v.status, at(p, 'status'));
  if (!STATUSES.includes(status)) throw fail(at(p, 'status'), `"${status}" is not active, retired or compromised`);
  const key = {
    kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig',
    x: pattern(v.x, at(p, 'x'), B64URL32, 'base64url of 32 bytes'),
    y: pattern(v.y, at(p, 'y'), B64URL32, 'base64url of 32 bytes'),
    kid: pattern(v.kid, at(p, 'kid'), B64URL8, 'base64url of 8 bytes'),
    notBefore: time(v.notBefore, at(p, 'notBefore')),
    notAfter: opt(v, 'notAfter', p, time),
    status,
    compromisedAt: opt(v, 'compromisedAt', p, time),
    compromisedFromLogIndex: opt(v, 'compromisedFromLogIndex', p, int, 0, MAX_SAFE),
  };
  if (status !== 'compromised' && (key.compromisedAt !== null || key.compromisedFromLogIndex !== null)) {
    throw fail(p, 'compromisedAt and compromisedFromLogIndex are only for compromised keys');
  }
  if (status !== 'active' && key.notAfter === null) throw fail(p, `a ${status} key needs notAfter`);
  if (key.notAfter !== null && key.notAfter < key.notBefore) throw fail(p, 'notAfter is before notBefore');
  return key;
}

const ISSUER = /^[0-9A-Za-z][0-9A-Za-z._-]{0,63}$/;
const ORIGIN = /^[\x21-\x2a\x2c-\x7e]{1,255}$/;
/** qr-text.md §1.1: an absolute http(s) URL of bytes 0x21–0x7E without '#'. */
const VERIFIER_URL = /^https?:\/\/[\x21\x22\x24-\x7e]+$/;

function authority(v, p) {
  closed(v, p, ['issuer', 'name', 'keys', 'kinds', 'log'], ['verifierURL']);
  const a = {
    issuer: pattern(v.issuer, at(p, 'issuer'), ISSUER, 'an issuer id'),
    name: text(v.name, at(p, 'name'), 1, 100),
    verifierURL: opt(v, 'verifierURL', p, (u, q) => {
      pattern(u, q, VERIFIER_URL, 'an absolute https URL of printable ASCII without "#"');
      if (u.length > 2000) throw fail(q, 'longer than 2000 characters');
      return u;
    }),
    keys: list(v.keys, at(p, 'keys'), 1, 64, issuerKey),
    kinds: list(v.kinds, at(p, 'kinds'), 0, 256, kindDefinition),
    log: (() => {
      const q = at(p, 'log');
      const l = closed(v.log, q, ['origin', 'vkey', 'policy']);
      const policy = str(l.policy, at(q, 'policy'));
      if (policy.length === 0 || policy.length > 1 << 20) throw fail(at(q, 'policy'), 'expected 1 … 1 MiB of text');
      return {
        origin: pattern(l.origin, at(q, 'origin'), ORIGIN, 'a log origin (1–255 bytes of 0x21–0x7E without "+")'),
        vkey: str(l.vkey, at(q, 'vkey')),
        policy,
      };
    })(),
  };
  const ids = a.kinds.map((k) => k.id);
  if (new Set(ids).size !== ids.length) throw fail(at(p, 'kinds'), 'kind ids are not unique');
  return a;
}

// MARK: keys and logs

function isEnvironmentError(error) {
  return error && (error.code === 'noWebCrypto' || error.code === 'noEd25519');
}

// P-256 (SEC 2 §2.4.2, FIPS 186-5): y² = x³ − 3x + b over GF(p).
const P256_P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const P256_B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const bigOf = (bytes) => bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);

/** Whether (x, y), 32-byte big-endian coordinates, is a point on P-256 (affine, so never the point at infinity). */
export function isP256Point(x, y) {
  const X = bigOf(x);
  const Y = bigOf(y);
  if (X >= P256_P || Y >= P256_P) return false;
  const m = (n) => ((n % P256_P) + P256_P) % P256_P;
  return m(Y * Y) === m(X * X * X - 3n * X + P256_B);
}

/** Imports a P-256 key and checks its kid = base64url(SHA-256(0x04 || x || y)[0:8]). */
async function importIssuerKey(key, p) {
  let x;
  let y;
  try {
    x = base64urlDecode(key.x);
    y = base64urlDecode(key.y);
  } catch (error) {
    throw fail(p, `the coordinates are not canonical base64url: ${error.reason || error}`);
  }
  if (x.length !== 32 || y.length !== 32) throw fail(p, 'P-256 coordinates are 32 bytes each');
  // Checked here, not left to the platform's importKey: one rule for every browser.
  if (!isP256Point(x, y)) throw fail(p, 'the point is not on the P-256 curve');
  let cryptoKey;
  try {
    cryptoKey = await subtle().importKey('jwk', { kty: 'EC', crv: 'P-256', x: key.x, y: key.y, ext: true },
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  } catch (error) {
    if (isEnvironmentError(error)) throw error;
    throw fail(p, 'the point is not on the P-256 curve');
  }
  const kidBytes = (await sha256(concat(Uint8Array.of(4), x, y))).slice(0, 8);
  if (base64url(kidBytes) !== key.kid) throw fail(p, `kid ${key.kid} is not the key's id (${base64url(kidBytes)})`);
  return { cryptoKey, kidBytes };
}

/** The log's vkey and policy (trust-file.md §2.5, §3). */
async function checkLog(log, p) {
  let logKey;
  try {
    logKey = await parseVerifierKey(log.vkey);
  } catch (error) {
    if (isEnvironmentError(error) || !(error instanceof NoteError)) throw error;
    throw fail(at(p, 'vkey'), `invalid vkey: ${error.reason}`);
  }
  if (logKey.type !== ED25519) throw fail(at(p, 'vkey'), 'the log key must be an Ed25519 (type 0x01) key');
  if (log.origin !== logKey.name) throw fail(at(p, 'origin'), `the origin is not the vkey's name '${logKey.name}'`);
  let policy;
  try {
    policy = await parseTlogPolicy(log.policy);
  } catch (error) {
    if (isEnvironmentError(error)) throw error;
    throw fail(at(p, 'policy'), `invalid tlog-policy: ${error.description || error.reason || error}`);
  }
  if (!(policy.logs.length === 1 && policy.logs[0].key.text === log.vkey)) {
    throw fail(at(p, 'policy'), `the tlog-policy must list exactly one log, ${log.vkey} (it lists ${policy.logs.length})`);
  }
  for (const w of policy.witnesses) {
    if (w.key.type !== COSIGNATURE_V1) throw fail(at(p, 'policy'), 'witness keys must be cosignature/v1 (0x04)');
  }
  return { logKey, policy };
}

/**
 * No null anywhere (every member is present with its type or absent), and
 * every string except log.policy satisfies the text rule (trust-file.md §1,
 * certificate.md §5: refused code points, NFC, no white space at either end).
 */
function checkAllStrings(v, p) {
  if (v === null) throw fail(p, 'null is not a value of any member (leave an optional member out instead)');
  if (typeof v === 'string') {
    if (p.endsWith('.log.policy')) return;
    const problem = textRuleProblem(v);
    if (problem) throw fail(p, `the text breaks the text rule (${problem})`);
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => checkAllStrings(x, at(p, i)));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) checkAllStrings(x, at(p, k));
  }
}

/**
 * Parses and validates a trust file, once, into the model every verification
 * uses: its JSON text (a string, or the file's bytes, which must be UTF-8).
 * One strict reading (json.js: I-JSON, no duplicate names, integers only),
 * then closed objects, no null, the text rule, times, and every rule of
 * trust-file.md §2–§4; the keys are imported once. An object parsed
 * elsewhere (JSON.parse) is refused: it has already lost duplicate names and
 * the written form of its numbers (1.0 and 1e0 are both 1). Resolves to the
 * model; rejects with TrustError when it is not a valid akashi-trust/v2 file.
 */
export async function parseTrust(input) {
  if (!(typeof input === 'string' || input instanceof Uint8Array || input instanceof ArrayBuffer)) {
    throw new TrustError('the trust file must be given as its text or its bytes, not as a parsed object');
  }
  let json;
  try {
    json = parseStrictJSON(input instanceof ArrayBuffer ? new Uint8Array(input) : input);
  } catch (error) {
    if (error instanceof JSONError) throw new TrustError(`the trust file is not valid (strict) JSON: ${error.reason}`);
    throw error;
  }
  if (json && typeof json === 'object' && !Array.isArray(json) && json.format !== undefined && json.format !== TRUST_FORMAT) {
    throw new TrustError(`the trust file has format '${typeof json.format === 'string' ? json.format : typeName(json.format)}'; this verifier reads only ${TRUST_FORMAT}`);
  }
  let trust;
  try {
    closed(json, '', ['format', 'generatedAt', 'authorities']);
    checkAllStrings(json, '');
    trust = {
      format: TRUST_FORMAT,
      generatedAt: time(json.generatedAt, 'generatedAt'),
      authorities: list(json.authorities, 'authorities', 1, 1024, authority),
    };
    const issuers = trust.authorities.map((a) => a.issuer);
    if (new Set(issuers).size !== issuers.length) throw fail('authorities', 'issuer ids are not unique');
    const kids = new Set();
    for (const [i, a] of trust.authorities.entries()) {
      const p = at('authorities', i);
      for (const [j, key] of a.keys.entries()) {
        if (kids.has(key.kid)) throw fail(at(at(p, 'keys'), j), `kid ${key.kid} is not unique in the trust file`);
        kids.add(key.kid);
        Object.assign(key, await importIssuerKey(key, at(at(p, 'keys'), j)));
      }
      Object.assign(a.log, await checkLog(a.log, at(p, 'log')));
    }
  } catch (error) {
    if (error instanceof TrustError) throw new TrustError(`the trust file is not valid: ${error.reason}`);
    throw error;
  }
  trust.generatedAtDate = new Date(trust.generatedAt * 1000);
  trust.json = json;
  Object.defineProperty(trust, 'isParsedTrust', { value: true });
  return trust;
}

/** The key with this kid (8 bytes) among all keys of the trust file, with its authority: {key, authority} or null. */
export function findKey(trust, kid) {
  for (const authority of trust.authorities) {
    for (const key of authority.keys) {
      if (key.kidBytes.length === kid.length && key.kidBytes.every((b, i) => b === kid[i])) return { key, authority };
    }
  }
  return null;
}

