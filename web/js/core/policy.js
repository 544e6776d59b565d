// Witness policies, c2sp.org/tlog-policy, as trust-file.md §3 profiles them:
// the log a verifier accepts, the witnesses it knows, and the quorum of
// witness cosignatures a checkpoint needs.
//
//   log <vkey> [<url>]
//   witness <name> <vkey> [<url>]
//   group <name> all|any|<k> <name>...
//   quorum <name>|none
//
// The text is read as octets: only tab, newline, 0x20–0x7E and 0x80–0xFF may
// appear; items are separated by spaces and tabs only; every line ends in a
// newline; empty lines and lines whose first item starts with '#' are
// ignored. Names and URLs are opaque octet strings ("K" and the Kelvin sign
// are different names). Decisions (trust-file.md §3): a last line without a
// newline is refused, a name is a group member at most once in the whole
// file, thresholds are ASCII digits, logs are Ed25519 (0x01) and witnesses
// cosignature/v1 (0x04) with Akashi key names (log.md §1), at most 1 MiB and
// 1024 witnesses and groups each, and the key IDs of the log and of every
// witness pairwise distinct (compact proofs match signatures by key ID).
//
// Names and URLs are kept as "octet strings": JS strings whose code units
// are the octets (0–255), so Map/Set/=== compare octets exactly; octets()
// and text() convert.
import { COSIGNATURE_V1, ED25519, NoteError, cosignatureTimestamp, hex8, parseVerifierKey, verifyWithKey } from './note.js';
import { base64DecodeStrict, hex, utf8, utf8Decode } from './util.js';

/** The predefined name: `quorum none` needs no cosignatures. */
export const NONE = 'none';
/** Largest policy text accepted. */
export const MAX_SIZE = 1 << 20;
/** Most logs, witnesses and groups (each) accepted. */
export const MAX_ENTRIES = 1024;
const INT_MAX = (1n << 63n) - 1n;

/** Why a tlog-policy was refused: code, line (1-based or null), reason. */
export class TlogPolicyError extends Error {
  constructor(code, line, reason) {
    super(line === null ? reason : `line ${line}: ${reason}`);
    this.code = code;
    this.line = line;
    this.reason = reason;
  }
  get description() {
    return this.line === null ? this.reason : `line ${this.line}: ${this.reason}`;
  }
  toString() {
    return this.description;
  }
}

// MARK: octet strings

function octetString(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096));
  return s;
}

/** The octets of a name or URL. */
export function octets(token) {
  const out = new Uint8Array(token.length);
  for (let i = 0; i < token.length; i++) out[i] = token.charCodeAt(i);
  return out;
}

/** A name or URL as text (invalid UTF-8 shows as U+FFFD), for messages. */
export function text(token) {
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(octets(token));
}

/** The octet string of a JS string's UTF-8. */
export function tokenOf(string) {
  return octetString(utf8(string));
}

/** Non-empty, no whitespace (space, tab, newline) and no control characters. */
function isValidToken(token) {
  if (token.length === 0) return false;
  for (let i = 0; i < token.length; i++) {
    const b = token.charCodeAt(i);
    if (!(b > 0x20 && b !== 0x7f)) return false;
  }
  return true;
}

// MARK: the builder (every rule)

function requiredOf(threshold, n) {
  return threshold.kind === 'any' ? 1 : threshold.kind === 'all' ? n : Number(threshold.k);
}

class Builder {
  constructor() {
    this.logs = [];
    this.definitions = [];
    this.names = new Set([NONE]);
    this.members = new Set();
    this.logKeys = new Set();
    this.witnessKeys = new Set();
    this.keyIDs = new Set();
    this.groupCount = 0;
    this.quorum = null;
  }

  checkToken(token, what, line) {
    if (!isValidToken(token)) {
      throw new TlogPolicyError('invalidToken', line, `the ${what} '${text(token)}' is empty or contains whitespace or control characters`);
    }
  }

  addLog(key, url, line) {
    if (key.type !== ED25519) {
      throw new TlogPolicyError('wrongKeyType', line, `log key ${key.name} is a cosignature/v1 key; a log signs checkpoints with an Ed25519 (type 0x01) key`);
    }
    const raw = hex(key.publicKey);
    if (this.logKeys.has(raw)) {
      throw new TlogPolicyError('duplicateLog', line, `log key ${key.name} wraps the same public key as an earlier log`);
    }
    this.logKeys.add(raw);
    this.claimKeyID(key, line);
    if (!(this.logs.length < MAX_ENTRIES)) throw new TlogPolicyError('tooLarge', line, `more than ${MAX_ENTRIES} logs`);
    this.logs.push({ key, url });
  }

  addWitness(name, key, url, line) {
    if (key.type !== COSIGNATURE_V1) {
      throw new TlogPolicyError('wrongKeyType', line, `witness ${text(name)} has an Ed25519 (type 0x01) key; witnesses cosign with cosignature/v1 (type 0x04) keys`);
    }
    this.define(name, line);
    const raw = hex(key.publicKey);
    if (this.witnessKeys.has(raw)) {
      throw new TlogPolicyError('duplicateWitness', line, `witness ${text(name)} wraps the same public key as an earlier witness`);
    }
    this.witnessKeys.add(raw);
    this.claimKeyID(key, line);
    if (!(this.witnessKeys.size <= MAX_ENTRIES)) throw new TlogPolicyError('tooLarge', line, `more than ${MAX_ENTRIES} witnesses`);
    this.definitions.push({ type: 'witness', name, key, url });
  }

  addGroup(name, threshold, list, line) {
    this.define(name, line);
    if (list.length === 0) {
      throw new TlogPolicyError('emptyGroup', line, `group '${text(name)}' lists no members; a group needs at least one`);
    }
    for (const member of list) {
      if (member === NONE) {
        throw new TlogPolicyError('noneAsMember', line, `group '${text(name)}' lists 'none', which cannot be a group member`);
      }
      if (!this.names.has(member) || member === name) {
        throw new TlogPolicyError('undefinedName', line, `group '${text(name)}' lists '${text(member)}', which is not defined on an earlier line`);
      }
      if (this.members.has(member)) {
        throw new TlogPolicyError('duplicateMember', line, `'${text(member)}' is already a group member (in this or an earlier group); each name can be a member only once`);
      }
      this.members.add(member);
    }
    if (threshold.kind === 'atLeast' && (threshold.k < 1n || threshold.k > BigInt(list.length))) {
      throw new TlogPolicyError('thresholdOutOfRange', line, `group '${text(name)}' has threshold ${threshold.k} with ${list.length} members; it must be from 1 to ${list.length}`);
    }
    this.groupCount += 1;
    if (!(this.groupCount <= MAX_ENTRIES)) throw new TlogPolicyError('tooLarge', line, `more than ${MAX_ENTRIES} groups`);
    const t = threshold.kind === 'atLeast' ? { kind: 'atLeast', k: Number(threshold.k) } : threshold;
    this.definitions.push({ type: 'group', name, threshold: t, members: list, required: requiredOf(t, list.length) });
  }

  setQuorum(name, line) {
    if (this.quorum !== null) throw new TlogPolicyError('duplicateQuorum', line, 'a second quorum line; a policy has exactly one');
    if (!this.names.has(name)) {
      throw new TlogPolicyError('undefinedName', line, `the quorum '${text(name)}' is not a witness or group defined on an earlier line (or none)`);
    }
    this.quorum = name;
  }

  /** Key IDs of the log and the witnesses are pairwise distinct (trust-file.md §3 rule 7). */
  claimKeyID(key, line) {
    if (this.keyIDs.has(key.keyID)) {
      throw new TlogPolicyError('duplicateKeyID', line, `key ${key.name} has the key ID ${hex8(key.keyID)} of an earlier log or witness key`);
    }
    this.keyIDs.add(key.keyID);
  }

  /** Claims a name in the one namespace of witnesses and groups. */
  define(name, line) {
    if (this.names.has(name)) {
      throw new TlogPolicyError('duplicateName', line, name === NONE
        ? "'none' is predefined and cannot name a witness or group"
        : `the name '${text(name)}' is already defined`);
    }
    this.names.add(name);
  }

  finish() {
    if (this.quorum === null) throw new TlogPolicyError('missingQuorum', null, "the policy has no quorum line (use 'quorum none' for no witnesses)");
    return makePolicy(this.logs, this.definitions, this.quorum);
  }
}

/**
 * A policy: {logs: [{key, url}], definitions: [{type: 'witness', name, key, url} |
 * {type: 'group', name, threshold: {kind: 'any'|'all'|'atLeast', k}, members, required}],
 * quorum, witnesses, groups}. Names and URLs are octet strings; keys are parsed
 * verifier keys (note.js).
 */
function makePolicy(logs, definitions, quorum) {
  return {
    logs,
    definitions,
    quorum,
    witnesses: definitions.filter((d) => d.type === 'witness'),
    groups: definitions.filter((d) => d.type === 'group'),
  };
}

// MARK: parsing

async function parseKey(token, line) {
  const keyText = utf8Decode(octets(token));
  if (keyText === null) throw new TlogPolicyError('invalidKey', line, `the vkey '${text(token)}' is not UTF-8`);
  // A well-formed vkey of a type this implementation does not verify is
  // "unsupported", not "malformed".
  const parts = keyText.split('+');
  if (parts.length >= 3) {
    const blob = base64DecodeStrict(parts.slice(2).join('+'));
    if (blob !== null && blob.length > 0 && blob[0] !== ED25519 && blob[0] !== COSIGNATURE_V1) {
      throw new TlogPolicyError('unsupportedKeyType', line,
        `vkey '${parts[0]}' has signature type 0x${hex([blob[0]])}; this implementation verifies Ed25519 (0x01) logs and cosignature/v1 (0x04) witnesses`);
    }
  }
  try {
    return await parseVerifierKey(keyText);
  } catch (error) {
    if (!(error instanceof NoteError)) throw error;
    const shown = [...text(token)].slice(0, 80).join('');
    throw new TlogPolicyError('invalidKey', line, `'${shown}' is not a valid vkey: ${error.reason}`);
  }
}

/** all, any, or decimal digits (a value beyond Int becomes Int.max: out of range anyway). */
function parseThreshold(token, group, line) {
  if (token === 'any') return { kind: 'any' };
  if (token === 'all') return { kind: 'all' };
  if (!/^[0-9]+$/.test(token)) {
    throw new TlogPolicyError('invalidThreshold', line, `the threshold of group '${text(group)}' is '${text(token)}'; it must be all, any or a decimal number`);
  }
  const k = BigInt(token);
  return { kind: 'atLeast', k: k > INT_MAX ? INT_MAX : k };
}

/**
 * Parses a policy file strictly (TlogPolicy(parsing:)): `input` is its text or
 * its octets. Resolves to a policy or rejects with TlogPolicyError.
 */
export async function parseTlogPolicy(input) {
  const bytes = typeof input === 'string' ? utf8(input) : input;
  if (bytes.length > MAX_SIZE) throw new TlogPolicyError('tooLarge', null, `the policy is larger than ${MAX_SIZE} bytes`);
  const builder = new Builder();
  let start = 0;
  let lineNumber = 0;
  while (start < bytes.length) {
    lineNumber += 1;
    const newline = bytes.indexOf(0x0a, start);
    const end = newline < 0 ? bytes.length : newline;
    const line = bytes.subarray(start, end);
    for (const byte of line) {
      if (!(byte === 0x09 || (byte >= 0x20 && byte !== 0x7f))) {
        throw new TlogPolicyError('invalidCharacter', lineNumber,
          `octet 0x${hex([byte])} is not allowed (only tab, newline, 0x20-0x7E and 0x80-0xFF are)`);
      }
    }
    if (newline < 0) throw new TlogPolicyError('missingNewline', lineNumber, 'the last line does not end with a newline');
    start = newline + 1;
    const items = octetString(line).split(/[ \t]+/).filter((item) => item !== '');
    if (items.length === 0 || items[0].charCodeAt(0) === 0x23 /* # */) continue;
    const [keyword, ...args] = items;
    switch (keyword) {
      case 'log':
        if (args.length < 1 || args.length > 2) {
          throw new TlogPolicyError('wrongArgumentCount', lineNumber, `a log line is 'log <vkey> [<url>]'; it has ${args.length} items after 'log'`);
        }
        builder.addLog(await parseKey(args[0], lineNumber), args.length === 2 ? args[1] : null, lineNumber);
        break;
      case 'witness':
        if (args.length < 2 || args.length > 3) {
          throw new TlogPolicyError('wrongArgumentCount', lineNumber, `a witness line is 'witness <name> <vkey> [<url>]'; it has ${args.length} items after 'witness'`);
        }
        builder.addWitness(args[0], await parseKey(args[1], lineNumber), args.length === 3 ? args[2] : null, lineNumber);
        break;
      case 'group': {
        if (args.length < 2) {
          throw new TlogPolicyError('wrongArgumentCount', lineNumber, "a group line is 'group <name> all|any|<k> <name>...'");
        }
        if (args.length < 3) {
          throw new TlogPolicyError('emptyGroup', lineNumber, `group '${text(args[0])}' lists no members; a group needs at least one`);
        }
        const threshold = parseThreshold(args[1], args[0], lineNumber);
        builder.addGroup(args[0], threshold, args.slice(2), lineNumber);
        break;
      }
      case 'quorum':
        if (args.length !== 1) {
          throw new TlogPolicyError('wrongArgumentCount', lineNumber, `a quorum line is 'quorum <name>'; it has ${args.length} items after 'quorum'`);
        }
        builder.setQuorum(args[0], lineNumber);
        break;
      default:
        throw new TlogPolicyError('unknownKeyword', lineNumber, `unknown keyword '${text(keyword)}' (expected log, witness, group or quorum)`);
    }
  }
  return builder.finish();
}

// MARK: verifying

/** Whether the quorum holds when exactly the named witnesses (a Set of names) have cosigned. */
export function isSatisfied(policy, cosigned) {
  if (policy.quorum === NONE) return true;
  const witnessed = new Map();
  for (const d of policy.definitions) {
    if (d.type === 'witness') {
      witnessed.set(d.name, cosigned.has(d.name));
    } else {
      let count = 0;
      for (const member of d.members) if (witnessed.get(member) === true) count += 1;
      witnessed.set(d.name, count >= d.required);
    }
  }
  return witnessed.get(policy.quorum) === true;
}

/**
 * The witnesses of the policy whose cosignature is valid, by key ID alone
 * (compact proofs, compact-proof.md §4 step 5) or by key name and key ID
 * (signed notes, status-list.md §4): `records` = [{keyID, name?, bytes}].
 * A record that is not a valid cosignature is ignored — as if absent.
 * Resolves to [{name, key, timestamp}].
 */
export async function validCosigners(policy, checkpointText, records, { matchName = false } = {}) {
  const cosigners = [];
  for (const witness of policy.witnesses) {
    let latest = null;
    for (const record of records) {
      if (record.keyID !== witness.key.keyID) continue;
      if (matchName && record.name !== witness.key.name) continue;
      const time = cosignatureTimestamp(record.bytes);
      if (time === null || !(await verifyWithKey(witness.key, checkpointText, record.bytes))) continue;
      latest = latest === null || time > latest ? time : latest;
    }
    if (latest !== null) cosigners.push({ name: witness.name, key: witness.key, timestamp: latest });
  }
  return cosigners;
}

/**
 * Verifies a signed checkpoint note against a log key and its policy
 * (status-list.md §4 step 6): lines match a key by name and key ID; the log's
 * line(s) must all verify and there must be one; lines of unknown keys and
 * cosignatures that do not verify are ignored; the valid cosignatures must
 * meet the quorum. `checkpoint` = {origin, size, rootHash, note: {text, signatures}}.
 * Resolves to {cosigners}; rejects with NoteError.
 */
export async function verifyCheckpointNote(checkpoint, logKey, policy) {
  if (checkpoint.origin !== logKey.name) {
    throw new NoteError('unverified', `the checkpoint is from log '${checkpoint.origin}', not '${logKey.name}'`);
  }
  const noteText = checkpoint.note.text;
  const mine = checkpoint.note.signatures.filter((s) => s.keyID === logKey.keyID && s.name === logKey.name);
  if (mine.length === 0) throw new NoteError('unverified', `the checkpoint carries no signature by the log key ${logKey.name}`);
  for (const line of mine) {
    if (!(await verifyWithKey(logKey, noteText, line.bytes))) {
      throw new NoteError('badSignature', `the signature by log ${logKey.name} does not verify: the checkpoint was altered or signed by another key`);
    }
  }
  const cosigners = await validCosigners(policy, noteText, checkpoint.note.signatures, { matchName: true });
  if (!isSatisfied(policy, new Set(cosigners.map((c) => c.name)))) {
    const who = cosigners.length === 0 ? 'none of the listed witnesses' : cosigners.map((c) => text(c.name)).join(', ');
    throw new NoteError('unverified', `the witness quorum '${text(policy.quorum)}' is not satisfied: valid cosignatures by ${who}`);
  }
  return { cosigners };
}

/** The policy as a file (TlogPolicy.bytes): logs, then witnesses and groups in order, then the quorum. */
export function policyText(policy) {
  const lines = [];
  for (const log of policy.logs) lines.push(['log', tokenOf(log.key.text), ...(log.url ? [log.url] : [])]);
  for (const d of policy.definitions) {
    if (d.type === 'witness') lines.push(['witness', d.name, tokenOf(d.key.text), ...(d.url ? [d.url] : [])]);
    else lines.push(['group', d.name, d.threshold.kind === 'atLeast' ? String(d.threshold.k) : d.threshold.kind, ...d.members]);
  }
  lines.push(['quorum', policy.quorum]);
  return text(lines.map((l) => l.join(' ') + '\n').join(''));
}
