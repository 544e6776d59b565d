// The verification core of the web verifier (verification.md): the thirteen
// checks, in order, with the stop rules, reason codes and verdicts of the
// specification, the same as Swift's CertificateVerifier.
//
//   1 decode  2 issuerKnown  3 signature  4 claims  5 keyValid  6 kindValid
//   7 disclosure  8 validityPeriod  9 subject  10 logEntry  11 inclusion
//   12 checkpoint  13 status
//
// verifyText(text, trust, {at, status | statusLists, maxStatusAge}) returns the
// object akashi-verify --json prints (verdict, valid, checks, reasons,
// envelope, issuer, kind, serial, issuedAt, expiresAt, fields, withheld, log,
// tlogProof, statusAsOf), except that messages carry both languages ({ja,
// en}). The decoded values behind it are in the non-enumerable `details`
// property.
import { base64, bytesEqual, hex, sha256, utf8 } from './util.js';
import { certificateEntry } from './entry.js';
import { subjectLines } from './subject.js';
import { COSEError, decodeSign1, verifySignature } from './cose.js';
import { CertificateError, FieldMap, decodeClaims, jsonValue, serialText } from './claims.js';
import { checkFields } from './kinds.js';
import { NoteError, checkpointText, serializeNote, verifyWithKey } from './note.js';
import { ProofError, leafHash, rootFromInclusionProof } from './merkle.js';
import { decodeCompactProof } from './proof.js';
import { parseQRText } from './payload.js';
import { checkDisclosure, decodeDisclosures } from './disclosure.js';
import { findKey, parseTrust } from './trust.js';
import { isSatisfied, validCosigners, text as tokenText } from './policy.js';
import { REASON_TEXT, dayTokyo, verifyStatusList } from './status.js';

export const CHECK_NAMES = ['decode', 'issuerKnown', 'signature', 'claims', 'keyValid', 'kindValid', 'disclosure', 'validityPeriod', 'subject', 'logEntry', 'inclusion', 'checkpoint', 'status'];

export const CHECK_LABELS = {
  decode: { ja: '読み取り', en: 'Decodes' },
  issuerKnown: { ja: '発行元の鍵', en: 'Issuer key known' },
  signature: { ja: '電子署名', en: 'COSE signature' },
  claims: { ja: '記載内容の読み取り', en: 'Claims' },
  keyValid: { ja: '署名鍵の有効性', en: 'Key valid at issue time' },
  kindValid: { ja: '様式・記載事項', en: 'Kind and fields' },
  disclosure: { ja: '提示された項目', en: 'Shown fields' },
  validityPeriod: { ja: '有効期間', en: 'Validity period' },
  subject: { ja: '本人による確認可能性', en: 'Findable by its subject' },
  logEntry: { ja: '台帳記録の再構成', en: 'Log entry rebuilt' },
  inclusion: { ja: '台帳への記録', en: 'Inclusion in the log' },
  checkpoint: { ja: '台帳の立会人署名', en: 'Witness policy' },
  status: { ja: '失効状況', en: 'Revocation status' },
};

/** The verdicts (verification.md §2). */
export const VERDICTS = ['valid', 'invalid', 'unconfirmed'];
/** Codes of a `skipped` status check that make the verdict unconfirmed. */
export const UNCONFIRMED_CODES = ['statusMissing', 'statusNotApplicable', 'statusUnknown', 'statusStale'];

export const SKEW = 300;
export const DEFAULT_MAX_STATUS_AGE = 7 * 86400;

// MARK: QR text (qr-text.md §1) and payload (payload.md §2): payload.js

export { parseQRBytes, parseQRText, qrTextPayload, splitQRText } from './payload.js';

// MARK: the report

class Report {
  constructor() {
    this.checks = [];
    // fields: the signed fields and, once `disclosure` passed, the shown withholdable ones;
    // withheld: the ids withheld by the holder (null when `disclosure` did not pass).
    this.details = { envelope: null, claims: null, authority: null, kind: null, entry: null, proof: null, sign1: null, key: null,
      disclosures: null, fields: null, withheld: null };
  }
  add(name, status, code = null, message = null) {
    this.checks.push({ name, status, code, message });
  }
  pass(name) {
    this.add(name, 'passed');
  }
  skip(name, code = null, ja = null, en = null) {
    this.add(name, 'skipped', code, code ? { ja, en } : null);
  }
  fail(name, code, ja, en) {
    this.add(name, 'failed', code, { ja, en });
  }
  /** After a stop: every remaining check is skipped without a code. */
  stop() {
    for (const name of CHECK_NAMES.slice(this.checks.length)) this.skip(name);
  }
  get failed() {
    return this.checks.some((c) => c.status === 'failed');
  }
  /** verification.md §2: invalid if any check failed; unconfirmed if status is skipped with a code; else valid. */
  get verdict() {
    if (this.failed || this.checks.length !== CHECK_NAMES.length) return 'invalid';
    const status = this.checks[CHECK_NAMES.length - 1];
    if (status.status === 'skipped' && status.code) return 'unconfirmed';
    return status.status === 'passed' ? 'valid' : 'invalid';
  }
}

function isEnvironmentError(error) {
  return error && (error.code === 'noWebCrypto' || error.code === 'noEd25519');
}

/** ISO 8601 in Japan time: YYYY-MM-DDTHH:MM:SS+09:00. */
export function isoTokyo(seconds) {
  const ms = Number(seconds) * 1000 + 9 * 3600 * 1000;
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return String(seconds);
  const p = (n, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}T${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}+09:00`;
}

/** Field ids in the order of their UTF-8 bytes. */
function compareIds(a, b) {
  const x = utf8(a);
  const y = utf8(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function toJSONInteger(n) {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

function output(report) {
  const d = report.details;
  const verdict = report.verdict;
  const out = {
    verdict,
    valid: verdict === 'valid',
    checks: report.checks.map((c) => {
      const check = { name: c.name, status: c.status };
      if (c.code) {
        check.code = c.code;
        check.message = c.message;
      }
      return check;
    }),
    reasons: report.checks.filter((c) => c.code).map((c) => ({ check: c.name, code: c.code, message: c.message })),
  };
  if (d.envelope) out.envelope = base64(d.envelope);
  if (d.claims) {
    const c = d.claims;
    out.issuer = c.issuer;
    out.kind = c.kind;
    out.serial = serialText(c.serial);
    out.issuedAt = isoTokyo(c.issuedAt);
    out.expiresAt = c.expiresAt === null ? null : isoTokyo(c.expiresAt);
    const fields = Object.create(null);
    for (const [key, value] of (d.fields || c.fields).entries()) fields[key] = jsonValue(value);
    out.fields = fields;
    if (d.withheld) out.withheld = [...d.withheld];
  }
  if (d.checkpoint) {
    const cp = d.checkpoint;
    out.log = {
      origin: cp.origin,
      index: toJSONInteger(d.proof.index),
      treeSize: toJSONInteger(cp.size),
      entry: hex(d.entry),
      leafHash: hex(d.leafHash),
      inclusionProof: d.proof.hashes.map(hex),
      rootHash: hex(cp.rootHash),
      checkpoint: serializeNote(cp.note),
    };
    let tlog = `c2sp.org/tlog-proof@v1\nextra ${base64(d.entry)}\nindex ${d.proof.index}\n`;
    for (const h of d.proof.hashes) tlog += base64(h) + '\n';
    out.tlogProof = tlog + '\n' + serializeNote(cp.note);
  }
  if (d.statusAsOf) out.statusAsOf = isoTokyo(Math.floor(d.statusAsOf.getTime() / 1000));
  Object.defineProperty(out, 'details', { value: d, enumerable: false });
  return out;
}

/** The parsed trust file (parseTrust's model), or the file's text or bytes parsed now. */
async function ensureTrust(trust) {
  if (trust && trust.isParsedTrust) return trust;
  return parseTrust(trust);
}

/**
 * Verifies a QR text (a URL with `#AK2.…`, or `AK2.…`; a string or the
 * decoder's bytes) against a trust file as of `options.at` (a Date; default
 * now). `trust` is the result of parseTrust() (parse it once) or the trust
 * file's text or bytes.
 * `options.statusLists` (or `options.status`, one) are status lists already
 * verified with verifyStatusList() against the same trust file;
 * `options.maxStatusAge` is in seconds (default 7 days). Throws only when
 * the browser lacks WebCrypto (or Ed25519) or the trust file is invalid;
 * everything about the certificate is in the report.
 */
export async function verifyText(text, trust, options = {}) {
  const at = options.at || new Date();
  const parsedTrust = await ensureTrust(trust);
  const report = new Report();
  await verifyQR(text, parsedTrust, at, report, options);
  if (report.checks.length < CHECK_NAMES.length) report.stop();
  return output(report);
}

async function verifyQR(text, trust, at, report, options) {
  const d = report.details;
  const atSeconds = at.getTime() / 1000;

  // 1. decode: QR text, payload, envelope and protected header, proof structure.
  let qr;
  let envelope;
  let proof;
  let disclosures;
  try {
    qr = parseQRText(text);
    envelope = decodeSign1(qr.envelope);
    disclosures = qr.disclosures.length > 0 ? decodeDisclosures(qr.disclosures) : null;
    proof = decodeCompactProof(qr.proof);
  } catch (error) {
    if (!(error instanceof CertificateError || error instanceof COSEError || error instanceof NoteError)) throw error;
    const why = error.description || error.reason;
    report.fail('decode', 'undecodable', `QRコードの内容を読み取れません（${why}）`, `cannot decode the QR content: ${why}`);
    return;
  }
  d.envelope = qr.envelope;
  d.disclosures = disclosures;
  d.sign1 = envelope;
  d.proof = proof;
  report.pass('decode');

  // 2. issuerKnown: the key with the protected kid, across all authorities.
  const found = findKey(trust, envelope.kid);
  if (!found) {
    report.fail('issuerKnown', 'unknownKey', '署名鍵が信頼リストのどの発行元の鍵でもありません（信頼リストにない発行元か、偽造）',
      'no issuer in the trust file has the signing key (an issuer not in the trust file, or a forgery)');
    return;
  }
  const { key, authority } = found;
  d.key = key;
  d.authority = authority;
  report.pass('issuerKnown');

  // 3. signature, before anything it covers is interpreted.
  if (!(await verifySignature(envelope, key.cryptoKey))) {
    report.fail('signature', 'badSignature', '電子署名が一致しません（改ざんまたは偽造）', 'the signature does not match (altered or forged)');
    return;
  }
  report.pass('signature');

  // 4. claims
  let claims;
  try {
    claims = decodeClaims(envelope.payload);
  } catch (error) {
    if (!(error instanceof CertificateError)) throw error;
    report.fail('claims', 'undecodable', `署名された記載内容を解釈できません（${error.reason}）`, `the signed claims cannot be parsed: ${error.reason}`);
    return;
  }
  if (claims.issuer !== authority.issuer) {
    report.fail('claims', 'issuerMismatch', `証明書の発行元（${claims.issuer}）が署名した発行元（${authority.issuer}）と異なります`,
      `the certificate names issuer ${claims.issuer}, but it is signed by a key of ${authority.issuer}`);
    return;
  }
  d.claims = claims;
  d.fields = claims.fields;
  report.pass('claims');

  // 5. keyValid (§3.1): the log's order decides for compromised keys.
  const index = proof.index;
  const from = key.compromisedFromLogIndex;
  if (key.status === 'compromised' && !(from !== null && index < BigInt(from))) {
    report.fail('keyValid', 'keyCompromised', '署名鍵は漏えいにより無効です', 'the signing key was declared compromised');
  } else if (claims.issuedAt < key.notBefore - SKEW || (key.notAfter !== null && claims.issuedAt > key.notAfter)) {
    report.fail('keyValid', 'keyNotValidAtIssue', '発行日時に署名鍵が有効ではありません', 'the signing key was not valid when the certificate was issued');
  } else {
    report.pass('keyValid');
  }

  // 6. kindValid
  const kind = authority.kinds.find((k) => k.id === claims.kind);
  if (!kind) {
    report.fail('kindValid', 'kindNotAllowed', `発行元はこの種類の証明書（${claims.kind}）を発行できません`, `the issuer may not issue certificates of kind '${claims.kind}'`);
  } else {
    d.kind = kind;
    const problems = checkFields(kind, claims.fields, claims.presentMask);
    if (kind.version !== claims.kindVersion) {
      report.fail('kindValid', 'kindVersion', `証明書の様式の版（${claims.kindVersion}）が信頼リスト（${kind.version}）と異なります`, `kind version ${claims.kindVersion} differs from the trusted definition (${kind.version})`);
    } else if (problems.length > 0) {
      report.fail('kindValid', 'invalidFields', '記載事項が様式に合いません: ' + problems.map((p) => p.ja).join('、'), 'fields do not match the kind: ' + problems.map((p) => p.en).join('; '));
    } else {
      report.pass('kindValid');
    }
  }

  // 7. disclosure (selective-disclosure.md §5 step 4): the shown withholdable
  // fields against the signed commitment; stop when it fails. It needs the
  // kind's units: skipped when the trust file has no kind of that id (as
  // Swift's verifier and the vectors do); with another version of the kind,
  // the trusted definition is used (kindValid has failed already).
  const disclosed = d.kind ? await checkDisclosure(claims, d.kind, disclosures) : { status: 'skipped' };
  if (disclosed.status === 'failed') {
    report.fail('disclosure', disclosed.code, disclosed.ja, disclosed.en);
    return;
  }
  if (disclosed.status === 'passed') {
    const merged = new FieldMap();
    const all = [...claims.fields.entries(), ...disclosed.shown.entries()].sort((a, b) => compareIds(a[0], b[0]));
    for (const [key, value] of all) merged.set(key, value);
    d.fields = merged;
    d.withheld = disclosed.withheld;
    report.pass('disclosure');
  } else {
    report.skip('disclosure');
  }

  // 8. validityPeriod
  if (claims.issuedAt > atSeconds + SKEW) {
    report.fail('validityPeriod', 'notYetValid', '発行日時が検証日時より後です', 'the certificate is issued after the verification time');
  } else if (claims.expiresAt !== null && claims.expiresAt <= atSeconds) {
    report.fail('validityPeriod', 'expired', '有効期限が切れています', 'the certificate has expired');
  } else {
    report.pass('validityPeriod');
  }

  // 9. subject (subject-transparency.md §4): bound to the key of each person
  // it is about, so they can find it. Without a trusted kind, the claims'
  // own count is expected (as Swift's verifier: kindValid has failed then).
  let lines = [];
  const expectedSubjects = d.kind ? d.kind.subjects : claims.subjectKeys.length;
  if (claims.subjectKeys.length !== expectedSubjects) {
    report.fail('subject', 'subjectNotFindable',
      `この種類の証明書は本人が台帳で見つけられるよう本人の鍵に結び付ける必要がありますが、鍵が${claims.subjectKeys.length}個です（必要: ${expectedSubjects}個）`,
      `a certificate of this kind must be bound to the key of each of its ${expectedSubjects} subject(s) so they can find it; it has ${claims.subjectKeys.length}`);
  } else {
    const built = await subjectLines(claims.cti, claims.serial, claims.subjectKeys);
    if (built) {
      lines = built;
      report.pass('subject');
    } else {
      report.fail('subject', 'subjectNotFindable', '本人の鍵が不正（位数の小さい点）で、本人はこの証明書を見つけられません', 'a subject key is of low order: no secret finds this certificate');
    }
  }
  d.subjectLines = lines;

  // 10. logEntry, rebuilt from the envelope and the subject lines (log.md §2.1)
  const digest = await sha256(qr.envelope);
  const entry = certificateEntry(digest, claims.kind, claims.issuedAt, lines);
  d.entry = entry;
  d.leafHash = await leafHash(entry);
  report.pass('logEntry');

  // 11. inclusion: root recomputed, checkpoint text rebuilt, log signature verified.
  const logKey = authority.log.logKey;
  const logRecord = proof.records.find((r) => r.keyID === logKey.keyID);
  const logSignedFor = async (leaf) => {
    let root = null;
    try {
      root = await rootFromInclusionProof(leaf, proof.index, proof.treeSize, proof.hashes);
    } catch (error) {
      if (isEnvironmentError(error) || !(error instanceof ProofError)) throw error;
    }
    const text = root && checkpointText(logKey.name, proof.treeSize, root);
    const signed = root && logRecord && logRecord.bytes.length === 64 && (await verifyWithKey(logKey, text, logRecord.bytes));
    return signed ? { root, text } : null;
  };
  const included = await logSignedFor(d.leafHash);
  if (!included) {
    // Logged without the subject lines a person could find it by?
    const unbound = lines.length > 0 && (await logSignedFor(await leafHash(certificateEntry(digest, claims.kind, claims.issuedAt))));
    if (unbound) {
      report.fail('inclusion', 'subjectNotFindable', '台帳には本人が見つけられない形（本人の行なし）で記録されています',
        'the log holds this certificate without the subject lines its subject would find it by');
    } else {
      report.fail('inclusion', 'inclusionFailed',
        logRecord ? '台帳（透明性ログ）の署名がこの証明書の記録と一致しません' : '台帳（透明性ログ）の署名がありません',
        logRecord ? "the log's signature does not verify over the checkpoint rebuilt from this certificate" : 'the proof carries no signature by the log key');
    }
    report.skip('checkpoint');
    report.skip('status');
    return;
  }
  const { root, text: cpText } = included;
  report.pass('inclusion');

  // 12. checkpoint: valid cosignatures (others ignored) meet the witness policy.
  const policy = authority.log.policy;
  const cosigners = await validCosigners(policy, cpText, proof.records);
  const signatures = [{ name: logKey.name, keyID: logKey.keyID, bytes: logRecord.bytes }];
  for (const c of cosigners) {
    const record = proof.records.find((r) => r.keyID === c.key.keyID);
    signatures.push({ name: c.key.name, keyID: c.key.keyID, bytes: record.bytes });
  }
  d.checkpoint = { origin: logKey.name, size: proof.treeSize, rootHash: root, note: { text: cpText, signatures }, cosigners };
  if (!isSatisfied(policy, new Set(cosigners.map((c) => c.name)))) {
    const who = cosigners.length === 0 ? 'none' : cosigners.map((c) => tokenText(c.name)).join(', ');
    report.fail('checkpoint', 'checkpointUntrusted', `台帳のチェックポイントが立会人（witness）の要件を満たしません（有効な連署: ${who}）`,
      `the checkpoint's valid cosignatures do not meet the witness policy (valid: ${who})`);
  } else {
    report.pass('checkpoint');
  }

  // 13. status
  if (report.failed) {
    report.skip('status');
    return;
  }
  checkStatus(report, authority, index, atSeconds, options);
}

function checkStatus(report, authority, index, atSeconds, { status = null, statusLists = [], maxStatusAge = DEFAULT_MAX_STATUS_AGE } = {}) {
  const supplied = [...(status ? [status] : []), ...(statusLists || [])];
  const mine = supplied.filter((s) => s.list.issuer === authority.issuer);
  if (mine.length === 0) {
    if (supplied.length > 0) {
      report.skip('status', 'statusNotApplicable', '失効情報が別の発行元のものなので、失効の有無を確認できません', 'revocation status unknown: the status lists are of other issuers');
    } else {
      report.skip('status', 'statusMissing', '失効情報がないため、失効の有無を確認できません', 'revocation status unknown: no status list');
    }
    return;
  }
  const list = mine.reduce((best, s) => (s.issuedAt > best.issuedAt || (s.issuedAt === best.issuedAt && s.treeSize > best.treeSize) ? s : best));
  const asOf = dayTokyo(list.issuedAt);
  if (!(index < list.treeSize)) {
    report.skip('status', 'statusUnknown', `失効情報（${asOf}時点）はこの証明書より古いため、失効の有無を確認できません`, `revocation status unknown: the status list (${asOf}) predates this certificate`);
    return;
  }
  const state = list.list.entries.get(index);
  if (state && state.type === 'revoked') {
    const [ja, en] = REASON_TEXT[state.reason];
    report.fail('status', 'revoked', `${dayTokyo(state.at)}に失効しています（理由: ${ja}）`, `revoked on ${dayTokyo(state.at)} (reason: ${en})`);
    return;
  }
  if (state) {
    report.fail('status', 'superseded', `${dayTokyo(state.at)}に新しい証明書 ${state.successor} に置き換えられています`, `superseded by ${state.successor} on ${dayTokyo(state.at)}`);
    return;
  }
  if (atSeconds - list.issuedAt > maxStatusAge) {
    const days = Math.trunc(maxStatusAge / 86400);
    report.skip('status', 'statusStale', `失効情報が古いため（${asOf}時点、${days}日より前）、失効の有無を確認できません`, `revocation status unknown: the status list (${asOf}) is older than ${days} days`);
    return;
  }
  report.details.statusAsOf = new Date(list.issuedAt * 1000);
  report.details.statusList = list;
  report.pass('status');
}

export { parseTrust, verifyStatusList, bytesEqual };
