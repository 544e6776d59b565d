// The verification core of the web verifier: the same ten checks, in the
// same order, with the same reason codes, skip/fail rules and ja/en messages
// as Swift's CertificateVerifier (Sources/Certificates/CertificateVerifier.swift).
//
//   1 decode  2 issuerKnown  3 keyValid  4 signature  5 kindValid
//   6 validityPeriod  7 logEntry  8 inclusion  9 checkpoint  10 status
//
// verifyText(text, trust, {at, status | statusLists, maxStatusAge}) returns the
// object akashi-verify --json prints (valid, reasons, checks, envelope, kind,
// issuer, serial, issuedAt, expiresAt, fields, log, tlogProof, statusAsOf),
// except that messages carry both
// languages ({ja, en}) and checks also carry their code and message. The
// decoded values behind it are in the non-enumerable `details` property.
import { base64, bytesEqual, hex, sha256, swiftEqual, swiftTrim, utf8, PayloadError } from './util.js';
import { decode as decodeNumeric } from './numeric.js';
import { COSEError, decodeSign1, verifySignature } from './cose.js';
import { CertificateError, decodeClaims, jsonValue, serialText } from './claims.js';
import { checkFields } from './kinds.js';
import { NoteError, parseVerifierKey, serializeNote } from './note.js';
import { leafHash, verifyInclusion } from './merkle.js';
import { decodeCompactProof } from './proof.js';
import { logWitnessKeys, parseTrust, REFERENCE_DATE, verifyLogCheckpoint } from './trust.js';
import { REASON_TEXT, dayTokyo, verifyStatusList } from './status.js';

export const CHECK_NAMES = ['decode', 'issuerKnown', 'keyValid', 'signature', 'kindValid', 'validityPeriod', 'logEntry', 'inclusion', 'checkpoint', 'status'];

export const CHECK_LABELS = {
  decode: { ja: '読み取り', en: 'Decodes' },
  issuerKnown: { ja: '発行元', en: 'Issuer known' },
  keyValid: { ja: '署名鍵', en: 'Key valid at issue time' },
  signature: { ja: '電子署名', en: 'COSE signature' },
  kindValid: { ja: '様式・記載事項', en: 'Kind and fields' },
  validityPeriod: { ja: '有効期間', en: 'Validity period' },
  logEntry: { ja: '台帳記録の再構成', en: 'Log entry rebuilt' },
  inclusion: { ja: '台帳への記録', en: 'Inclusion in the log' },
  checkpoint: { ja: '台帳の署名', en: 'Checkpoint signature' },
  status: { ja: '失効状況', en: 'Revocation status' },
};

const PREFIX = 'AK1.';

// MARK: QR text

let graphemeSegmenter = null;
function graphemes(s) {
  // ASCII needs no segmentation except for "\r\n", which is one Character in Swift.
  if (/^[\x00-\x7f]*$/.test(s) && !s.includes('\r\n')) return s.split('');
  if (graphemeSegmenter === null && typeof Intl !== 'undefined' && Intl.Segmenter) {
    graphemeSegmenter = new Intl.Segmenter('und', { granularity: 'grapheme' });
  }
  return graphemeSegmenter ? [...graphemeSegmenter.segment(s)].map((g) => g.segment) : [...s];
}

/** CertificateQR(text:): {envelope, proof} or throws CertificateError. */
export function parseQRText(text) {
  let t = graphemes(swiftTrim(text));
  const hash = t.lastIndexOf('#');
  if (hash >= 0) t = t.slice(hash + 1);
  const upper = graphemes(t.join('').toUpperCase()).slice(0, 4).map((g) => g.normalize('NFC'));
  if (upper.join('\u0000') !== ['A', 'K', '1', '.'].join('\u0000')) {
    throw new CertificateError('malformedPayload', `this is not an Akashi certificate QR (no ${PREFIX} payload)`);
  }
  let bytes;
  try {
    bytes = decodeNumeric(t.slice(4).join(''));
  } catch (error) {
    if (error instanceof PayloadError) {
      throw new CertificateError('malformedPayload', `the QR payload digits are damaged: ${error.reason}`);
    }
    throw error;
  }
  return parseQRBytes(bytes);
}

/** CertificateQR(bytes:): version 1 | uvarint length | COSE_Sign1 | compact proof. */
export function parseQRBytes(bytes) {
  const fail = (what) => new CertificateError('malformedPayload', `the QR payload ${what}`);
  if (bytes.length === 0 || bytes[0] !== 1) throw fail('has an unknown version (expected 1)');
  let offset = 1;
  let length = 0n;
  let shift = 0n;
  for (;;) {
    if (!(offset < bytes.length) || !(shift < 35n)) throw fail('is truncated');
    const b = bytes[offset++];
    length |= BigInt(b & 0x7f) << shift;
    if ((b & 0x80) === 0) break;
    shift += 7n;
  }
  if (!(length > 0n) || !(BigInt(bytes.length - offset) > length)) throw fail('is truncated');
  const end = offset + Number(length);
  return { envelope: bytes.slice(offset, end), proof: bytes.slice(end) };
}

// MARK: the report

class Report {
  constructor() {
    this.checks = [];
    this.details = { envelope: new Uint8Array(0), claims: null, authority: null, kind: null, entry: null, proof: null, sign1: null, key: null };
  }
  pass(name) {
    this.checks.push({ name, status: 'passed', code: null, message: null });
  }
  skip(name) {
    this.checks.push({ name, status: 'skipped', code: null, message: null });
  }
  fail(name, code, ja, en) {
    this.checks.push({ name, status: 'failed', code, message: { ja, en } });
  }
  /** Every check ran and passed — except status, which is skipped without a status list. */
  get isValid() {
    return this.checks.length === CHECK_NAMES.length &&
      this.checks.every((c) => c.status === 'passed' || (c.name === 'status' && c.status === 'skipped'));
  }
}

// Problems of the browser, not of the certificate: never turned into a verdict.
function isEnvironmentError(error) {
  return error && (error.code === 'noWebCrypto' || error.code === 'noEd25519');
}

/** ISO 8601 in Japan time, as akashi-verify prints (ISO8601DateFormatter, Asia/Tokyo). */
export function isoTokyo(seconds) {
  const ms = Number(seconds) * 1000 + 9 * 3600 * 1000;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(seconds);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}+09:00`;
}

function toJSONInteger(n) {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

function output(report) {
  const d = report.details;
  const out = {
    valid: report.isValid,
    reasons: report.checks.filter((c) => c.status === 'failed').map((c) => ({ code: c.code, check: c.name, message: c.message })),
    checks: report.checks.map((c) => ({ ...c })),
    envelope: base64(d.envelope),
  };
  if (d.claims) {
    const c = d.claims;
    out.kind = c.kind;
    out.issuer = c.issuer;
    out.serial = serialText(c.serial);
    out.issuedAt = isoTokyo(c.issuedAt);
    out.expiresAt = c.expiresAt === null ? null : isoTokyo(c.expiresAt);
    const fields = Object.create(null);
    for (const [key, value] of c.fields.entries()) fields[key] = jsonValue(value);
    out.fields = fields;
  }
  if (d.proof && d.entry) {
    const cp = d.proof.checkpoint;
    out.log = {
      origin: cp.origin,
      index: toJSONInteger(d.proof.index),
      treeSize: toJSONInteger(cp.size),
      entry: hex(d.entry),
      leafHash: hex(d.leafHash),
      inclusionProof: d.proof.inclusionProof.map(hex),
      rootHash: hex(cp.rootHash),
      checkpoint: serializeNote(cp.note),
    };
    let tlog = `c2sp.org/tlog-proof@v1\nextra ${base64(d.entry)}\nindex ${d.proof.index}\n`;
    for (const h of d.proof.inclusionProof) tlog += base64(h) + '\n';
    out.tlogProof = tlog + '\n' + serializeNote(cp.note);
  }
  if (d.statusAsOf) out.statusAsOf = isoTokyo(Math.floor(d.statusAsOf.getTime() / 1000));
  Object.defineProperty(out, 'details', { value: d, enumerable: false });
  return out;
}

const parsedTrusts = new WeakMap();
async function ensureTrust(trust) {
  if (trust && trust.isParsedTrust) return trust;
  if (trust && typeof trust === 'object') {
    if (!parsedTrusts.has(trust)) parsedTrusts.set(trust, parseTrust(trust));
    return parsedTrusts.get(trust);
  }
  return parseTrust(trust);
}

/** LogTrust.witnessKeys(), once per log: the policy's witnesses, or the simple form's. */
async function witnessKeys(log) {
  if (!log.witnessKeys) log.witnessKeys = logWitnessKeys(log);
  return log.witnessKeys;
}

/**
 * Verifies QR text (a URL with `#AK1.…`, or `AK1.…`) against a trust file as
 * of `options.at` (a Date; default now). `trust` is the result of parseTrust()
 * or the trust file's JSON. `options.status` is an optional verified status
 * list (verifyStatusList()), used as akashi-verify --status uses it; or
 * `options.statusLists`, several, of which the certificate's authority's is
 * used. Without one the status check is skipped, as akashi-verify does
 * without --status. `options.maxStatusAge` is in seconds (default 7 days). Throws only when the browser lacks WebCrypto (or Ed25519) or
 * the trust file is invalid; everything about the certificate is in the report.
 */
export async function verifyText(text, trust, options = {}) {
  const at = options.at || new Date();
  const parsedTrust = await ensureTrust(trust);
  const report = new Report();
  let qr;
  try {
    qr = parseQRText(String(text));
  } catch (error) {
    if (!(error instanceof CertificateError)) throw error;
    report.fail('decode', 'undecodable', `QRコードの内容を読み取れません（${error.reason}）`, `cannot decode the QR content: ${error.reason}`);
    return output(report);
  }
  await verifyQR(qr, parsedTrust, at, report, options);
  return output(report);
}

async function verifyQR(qr, trust, at, report, options) {
  const d = report.details;
  d.envelope = qr.envelope;
  // 1. decode
  let envelope;
  let claims;
  try {
    envelope = decodeSign1(qr.envelope);
    // Akashi signs the key id; an unsigned one could be swapped in transit.
    if (!envelope.kidIsProtected) {
      throw new CertificateError('malformedEnvelope', 'the key id is not in the signed (protected) header');
    }
    claims = decodeClaims(envelope.payload);
  } catch (error) {
    if (!(error instanceof COSEError || error instanceof CertificateError)) throw error;
    report.fail('decode', 'undecodable', `証明書の署名データを解釈できません（${error.description}）`, `the signed certificate cannot be parsed: ${error.description}`);
    return;
  }
  d.sign1 = envelope;
  d.claims = claims;
  report.pass('decode');

  // 2. issuer known
  const authority = trust.authorities.find((a) => swiftEqual(a.issuer, claims.issuer));
  if (!authority) {
    report.fail('issuerKnown', 'unknownIssuer', `発行元（${claims.issuer}）は信頼リストにありません`, `the issuer ${claims.issuer} is not in the trust file`);
    return;
  }
  d.authority = authority;
  report.pass('issuerKnown');

  // The log position the QR claims (proven or not in step 8); a
  // compromised key's certificates are judged by it.
  let claimedIndex = null;
  try {
    claimedIndex = decodeCompactProof(qr.proof, await parseVerifierKey(authority.log.vkey), await witnessKeys(authority.log)).index;
  } catch (error) {
    if (isEnvironmentError(error)) throw error;
  }

  // 3. key valid at issue time (times as Foundation Dates: seconds since 2001)
  const issuedAt = Number(claims.issuedAt) - REFERENCE_DATE;
  const atRef = at.getTime() / 1000 - REFERENCE_DATE;
  const key = authority.keys.find((k) => bytesEqual(k.kidBytes, envelope.kid));
  let publicKey = null;
  if (key && key.cryptoKey) {
    const from = key.compromisedFromLogIndex;
    const loggedBeforeCompromise = from != null && claimedIndex !== null && claimedIndex < from;
    if (key.status === 'compromised' && !loggedBeforeCompromise) {
      report.fail('keyValid', 'keyCompromised', '署名鍵は漏えいにより無効です', 'the signing key was declared compromised');
    } else if (issuedAt < key.notBeforeRef + -300 || (key.notAfterRef !== null && issuedAt > key.notAfterRef)) {
      report.fail('keyValid', 'keyNotValidAtIssue', '発行日時に署名鍵が有効ではありません', 'the signing key was not valid when the certificate was issued');
    } else {
      report.pass('keyValid');
    }
    publicKey = key.cryptoKey;
    d.key = key;
  } else {
    report.fail('keyValid', 'unknownKey', '署名鍵が発行元の鍵ではありません（偽造の可能性）', 'the certificate is signed with a key the issuer does not have (possible forgery)');
  }

  // 4. signature
  if (publicKey) {
    if (await verifySignature(envelope, publicKey)) {
      report.pass('signature');
    } else {
      report.fail('signature', 'badSignature', '電子署名が一致しません（改ざんまたは偽造）', 'the signature does not match (altered or forged)');
    }
  } else {
    report.skip('signature');
  }

  // 5. kind known, allowed and fields valid
  const kind = authority.kinds.find((k) => swiftEqual(k.id, claims.kind));
  if (kind) {
    d.kind = kind;
    const problems = checkFields(kind, claims.fields);
    if (kind.version !== claims.kindVersion) {
      report.fail('kindValid', 'kindVersion', `証明書の様式の版（${claims.kindVersion}）が信頼リスト（${kind.version}）と異なります`, `kind version ${claims.kindVersion} differs from the trusted definition (${kind.version})`);
    } else if (problems.length > 0) {
      report.fail('kindValid', 'invalidFields', '記載事項が様式に合いません: ' + problems.map((p) => p.ja).join('、'), 'fields do not match the kind: ' + problems.map((p) => p.en).join('; '));
    } else {
      report.pass('kindValid');
    }
  } else {
    report.fail('kindValid', 'kindNotAllowed', `発行元はこの種類の証明書（${claims.kind}）を発行できません`, `the issuer may not issue certificates of kind '${claims.kind}'`);
  }

  // 6. validity period
  if (issuedAt > atRef + 300) {
    report.fail('validityPeriod', 'notYetValid', '発行日時が検証日時より後です', 'the certificate is issued after the verification time');
  } else if (claims.expiresAt !== null && Number(claims.expiresAt) - REFERENCE_DATE <= atRef) {
    report.fail('validityPeriod', 'expired', '有効期限が切れています', 'the certificate has expired');
  } else {
    report.pass('validityPeriod');
  }

  // 7. the log entry, rebuilt from the envelope alone
  const digest = await sha256(qr.envelope);
  const entry = utf8(`akashi-entry/v1\ntype certificate\nsha256 ${hex(digest)}\nkind ${claims.kind}\nissued ${claims.issuedAt}\n`);
  d.entry = entry;
  d.leafHash = await leafHash(entry);
  report.pass('logEntry');

  // 8–9. inclusion and checkpoint
  try {
    const logKey = await parseVerifierKey(authority.log.vkey);
    const witnesses = await witnessKeys(authority.log);
    const proof = decodeCompactProof(qr.proof, logKey, witnesses);
    d.proof = proof;
    try {
      await verifyInclusion(d.leafHash, proof.index, proof.checkpoint.size, proof.inclusionProof, proof.checkpoint.rootHash);
      report.pass('inclusion');
    } catch (error) {
      if (isEnvironmentError(error)) throw error;
      report.fail('inclusion', 'inclusionFailed', `台帳（透明性ログ）への記録を確認できません（${error.reason}）`, `the certificate is not proven to be in the log: ${error.reason}`);
    }
    try {
      await verifyLogCheckpoint(authority.log, proof.checkpoint);
      report.pass('checkpoint');
    } catch (error) {
      if (isEnvironmentError(error)) throw error;
      const text = error.description || String(error);
      report.fail('checkpoint', 'checkpointUntrusted', `台帳のチェックポイントが信頼できる署名を持ちません（${text}）`, `the log checkpoint is not signed as the trust file requires: ${text}`);
    }
  } catch (error) {
    if (isEnvironmentError(error)) throw error;
    if (error instanceof NoteError) {
      const code = error.code === 'unverified' ? 'checkpointUntrusted' : 'inclusionFailed';
      report.fail('inclusion', code, `台帳の証明を読み取れません（${error.reason}）`, `the log proof cannot be read: ${error.reason}`);
    } else {
      report.fail('inclusion', 'inclusionFailed', '台帳の証明を読み取れません', `the log proof cannot be read: ${error}`);
    }
    report.skip('checkpoint');
  }

  // 10. status: revoked, superseded, or valid as of the snapshot
  checkStatus(report, authority, d.proof ? d.proof.index : null, at, options);
}

function checkStatus(report, authority, index, at, { status: given = null, statusLists = [], maxStatusAge = 7 * 86400 } = {}) {
  // `status` is used as given (akashi-verify --status); from `statusLists` the
  // one of the certificate's authority is used, and none means no status list.
  const status = given || statusLists.find((s) => swiftEqual(s.list.issuer, authority.issuer)) || null;
  if (!status) {
    report.skip('status');
    return;
  }
  const asOf = dayTokyo(status.list.issuedAt);
  if (!swiftEqual(status.list.issuer, authority.issuer)) {
    report.fail('status', 'statusInvalid', `失効情報が別の発行元（${status.list.issuer}）のものです`, `the status list is from another issuer (${status.list.issuer})`);
    return;
  }
  if (index === null) {
    report.skip('status');
    return;
  }
  const age = at.getTime() / 1000 - status.issuedAt;
  if (!(age <= maxStatusAge)) {
    const days = Math.trunc(maxStatusAge / 86400);
    report.fail('status', 'statusStale', `失効情報が古いため状態は不明です（${asOf}時点、${days}日より古い）`, `status unknown: the status list (${asOf}) is older than ${days} days`);
    return;
  }
  if (!(index < status.treeSize)) {
    report.fail('status', 'statusUnknown', `失効情報（${asOf}時点）はこの証明書より古いため状態は不明です`, `status unknown: the status list (${asOf}) predates this certificate`);
    return;
  }
  const state = status.list.entries.get(index);
  if (state && state.type === 'revoked') {
    const [ja, en] = REASON_TEXT[state.reason];
    report.fail('status', 'revoked', `${dayTokyo(state.at)}に失効しています（理由: ${ja}）`, `revoked on ${dayTokyo(state.at)} (reason: ${en})`);
  } else if (state) {
    report.fail('status', 'superseded', `${dayTokyo(state.at)}に新しい証明書 ${state.successor} に置き換えられています`, `superseded by ${state.successor} on ${dayTokyo(state.at)}`);
  } else {
    report.details.statusAsOf = new Date(status.issuedAt * 1000);
    report.pass('status');
  }
}

export { parseTrust, verifyStatusList };
