// Selective disclosure (selective-disclosure.md): the holder withholds fields.
//
// The signed claims carry, for a kind with withholdable fields, the present
// mask (content key 4) and, as `cti`, a 16-byte commitment R to the present
// withholdable fields. The payload carries, between the envelope and the
// proof, the disclosures: one CBOR array of m unit entries (a shown unit's
// fields, or A0 for a withheld one) and one byte string of 16-byte nodes.
//
//   H16(x)       = SHA-256(x)[0:16]
//   salt(S, t)   = H16(0x73 ‖ S ‖ t)      t = 0x00 (first unit of a pair) or 0x01
//   leaf(s, U)   = H16(0x6C ‖ s ‖ U)      U = the unit entry's bytes as received
//   pair(A, B)   = H16(0x70 ‖ A ‖ B)      pair(A) = H16(0x70 ‖ A) for a last single unit
//   root(C…)     = H16(0x72 ‖ C₀ ‖ C₁ ‖ …)
//
// This module decodes the disclosures (decode check), runs the `disclosure`
// check (§5 step 4) and reduces a presentation (§4, the holder: no key, no
// trust file, no network).
import { CBORError, decode as decodeCBOR, head } from './cbor.js';
import { CertificateError, FieldMap, decodeClaims, fieldValue } from './claims.js';
import { decodeSign1 } from './cose.js';
import { checkValue, findField, presentUnits } from './kinds.js';
import { encode as encodeNumeric } from './numeric.js';
import { parseQRBytes, qrTextPayload, splitQRText } from './payload.js';
import { writeUvarint } from './proof.js';
import { bytesEqual, concat, sha256 } from './util.js';

export const NODE_LENGTH = 16;
export const PREFIX_SALT = 0x73;
export const PREFIX_LEAF = 0x6c;
export const PREFIX_PAIR = 0x70;
export const PREFIX_ROOT = 0x72;
/** At most 16 withholdable fields, so at most 16 units: 2 … 17 array items. */
export const MAX_UNITS = 16;
const FIELD_TAGS = [1004n, 30000n, 30001n];
const EMPTY_MAP = 0xa0;

// MARK: derivations (§2)

export async function h16(...parts) {
  return (await sha256(concat(...parts))).slice(0, NODE_LENGTH);
}
export const salt = (seed, t) => h16(Uint8Array.of(PREFIX_SALT), seed, Uint8Array.of(t));
export const leaf = (s, unitBytes) => h16(Uint8Array.of(PREFIX_LEAF), s, unitBytes);
export const pair = (a, b = null) => h16(Uint8Array.of(PREFIX_PAIR), a, ...(b ? [b] : []));
export const root = (commitments) => h16(Uint8Array.of(PREFIX_ROOT), ...commitments);

/** The number of 16-byte nodes for a shown/withheld pattern (true = shown), §3: one per pair, one more per split pair. */
export function nodeCount(shown) {
  let k = 0;
  for (let j = 0; j < shown.length; j += 2) {
    k += 1;
    if (j + 1 < shown.length && shown[j] !== shown[j + 1]) k += 1;
  }
  return k;
}

// MARK: decoding (§3, §5 step 1)

/**
 * Decodes the disclosures (D > 0 bytes): one CBOR item of Akashi's profile
 * `[ + unit-entry, nodes ]` with 1 … 16 entries, each a map from field ids
 * (text) to field values of certificate.md §4 (shown) or the empty map
 * (withheld), and `nodes` exactly 16 × k bytes for the pattern. Returns
 * {entries: [{shown, bytes, fields: FieldMap}], nodes: [Uint8Array(16)],
 * bytes}; throws CertificateError('malformedPayload') — undecodable.
 */
export function decodeDisclosures(bytes) {
  const fail = (what) => new CertificateError('malformedPayload', `the disclosures ${what}`);
  let item;
  try {
    item = decodeCBOR(bytes, { allowedTags: FIELD_TAGS, spans: true });
  } catch (error) {
    if (error instanceof CBORError) throw fail(`are not CBOR of Akashi's profile: ${error.description}`);
    throw error;
  }
  if (item.type !== 'array') throw fail('are not a CBOR array');
  const count = item.value.length;
  if (count < 2 || count > MAX_UNITS + 1) throw fail(`have ${count} items; expected 2 … ${MAX_UNITS + 1} (1 … ${MAX_UNITS} unit entries and the nodes)`);
  const entries = [];
  for (const [i, entry] of item.value.slice(0, -1).entries()) {
    if (entry.type !== 'map') throw fail(`have an entry ${i} that is not a map`);
    const fields = new FieldMap();
    for (const [key, raw] of entry.value) {
      if (key.type !== 'text') throw fail(`have a field id that is not text in entry ${i}`);
      const value = fieldValue(raw);
      if (value === null) throw fail(`have a field (${key.value}) of a form this format does not define in entry ${i}`);
      fields.set(key.value, value);
    }
    entries.push({ shown: fields.size > 0, bytes: bytes.slice(entry.start, entry.end), fields });
  }
  const nodesItem = item.value[count - 1];
  if (nodesItem.type !== 'bytes') throw fail('end in something that is not a byte string of nodes');
  const k = nodeCount(entries.map((e) => e.shown));
  if (nodesItem.value.length !== NODE_LENGTH * k) {
    throw fail(`have ${nodesItem.value.length} bytes of nodes; ${NODE_LENGTH * k} (${k} × ${NODE_LENGTH}) for this pattern of shown and withheld units`);
  }
  const nodes = [];
  for (let i = 0; i < k; i++) nodes.push(nodesItem.value.slice(i * NODE_LENGTH, (i + 1) * NODE_LENGTH));
  return { entries, nodes, bytes };
}

/** The disclosures' bytes for entries' bytes (a shown entry's as received, A0 for withheld) and nodes. */
export function encodeDisclosures(entryBytes, nodes) {
  const nodeBytes = concat(...nodes);
  return concat(Uint8Array.from(head(4, entryBytes.length + 1)), ...entryBytes, Uint8Array.from(head(2, nodeBytes.length)), nodeBytes);
}

// MARK: the commitment (§2, §3)

/**
 * Per pair, what the nodes give: [{units: [{shown, bytes, salt, leaf}], c}]
 * with every salt of a shown unit and every leaf and pair commitment that can
 * be computed (null where withheld material is not in the text).
 */
async function pairMaterial(entries, nodes) {
  const pairs = [];
  let n = 0;
  for (let j = 0; j < entries.length; j += 2) {
    const units = entries.slice(j, j + 2).map((e) => ({ shown: e.shown, bytes: e.bytes, salt: null, leaf: null }));
    const [a, b] = units;
    let c = null;
    if (units.every((u) => u.shown)) {
      const seed = nodes[n++];
      a.salt = await salt(seed, 0x00);
      if (b) b.salt = await salt(seed, 0x01);
    } else if (units.every((u) => !u.shown)) {
      c = nodes[n++];
    } else if (a.shown) {
      a.salt = nodes[n++];
      b.leaf = nodes[n++];
    } else {
      a.leaf = nodes[n++];
      b.salt = nodes[n++];
    }
    for (const u of units) if (u.shown) u.leaf = await leaf(u.salt, u.bytes);
    if (c === null) c = b ? await pair(a.leaf, b.leaf) : await pair(a.leaf);
    pairs.push({ units, c });
  }
  return pairs;
}

/** R recomputed from decoded disclosures (§2): 16 bytes. */
export async function commitment(disclosures) {
  const pairs = await pairMaterial(disclosures.entries, disclosures.nodes);
  return root(pairs.map((p) => p.c));
}

// MARK: the `disclosure` check (§5 step 4)

const fieldList = (ids) => ids.map((id) => `「${id}」`).join('');

/**
 * The `disclosure` check for verified claims, the trusted kind of their id
 * and the decoded disclosures (or null for D = 0). Returns {status:
 * 'passed'|'failed', code, ja, en, shown (FieldMap of the shown withholdable
 * fields), withheld (field ids, kind order)}; shown and withheld are null
 * unless the check passed. Step 3's three rules are applied in their order
 * over all shown entries (every unknown field id first, then every
 * non-withholdable one, then each entry's set of ids).
 */
export async function checkDisclosure(claims, kind, disclosures) {
  const failed = (code, ja, en) => ({ status: 'failed', code, ja, en, shown: null, withheld: null });
  const mismatch = (ja, en) => failed('disclosureMismatch', `提示された記載事項が署名された内容と一致しません（${ja}）`, `the shown fields do not reproduce the signed commitment: ${en}`);
  const mask = claims.presentMask;
  // 1. Key 4 and D > 0 go together.
  if (mask === null && disclosures === null) return { status: 'passed', code: null, shown: new FieldMap(), withheld: [] };
  if (mask !== null && disclosures === null) return mismatch('非開示にできる項目の提示がありません', 'the claims have a present mask but the QR carries no disclosures');
  if (mask === null) return mismatch('署名された内容にない提示部分があります', 'the QR carries disclosures but the claims have no present mask');
  // 2. One entry per present unit.
  const units = presentUnits(kind, mask);
  const entries = disclosures.entries;
  if (entries.length !== units.length) {
    return mismatch(`提示された単位が${entries.length}個、発行された単位は${units.length}個です`, `${entries.length} unit entries for ${units.length} present units`);
  }
  // 3. The shown entries' keys: known fields, withholdable ones, exactly the unit's present fields.
  const shownEntries = entries.map((e, i) => [e, units[i]]).filter(([e]) => e.shown);
  const keys = shownEntries.flatMap(([e]) => e.fields.entries().map(([id]) => id));
  const unknown = keys.filter((id) => !findField(kind, id));
  if (unknown.length > 0) {
    return failed('disclosureUnknownField', `様式にない項目${fieldList(unknown)}が提示されています（追加された項目）`,
      `a shown entry has a field the kind does not define: ${unknown.join(', ')} (added)`);
  }
  const fixed = keys.filter((id) => !findField(kind, id).withholdable);
  if (fixed.length > 0) {
    const labels = fixed.map((id) => findField(kind, id).label);
    return failed('notWithholdable', `非開示にできない項目${labels.map((l) => `「${l.ja}」`).join('')}が非開示にできる部分にあります`,
      `a field that may not be withheld is in the withholdable part: ${labels.map((l) => l.en).join(', ')}`);
  }
  for (const [entry, unit] of shownEntries) {
    const want = unit.present.map((f) => f.id).sort();
    const got = entry.fields.entries().map(([id]) => id).sort();
    if (want.length !== got.length || want.some((id, i) => id !== got[i])) {
      return mismatch(`提示された項目${fieldList(got)}が、発行された単位の項目${fieldList(want)}と異なります`,
        `a shown entry has the fields ${got.join(', ')}; the present fields of its unit are ${want.join(', ')}`);
    }
  }
  // 4. R from the entries and the nodes.
  if (!bytesEqual(await commitment(disclosures), claims.cti)) {
    return mismatch('値の改ざん、別の証明書からの流用、または作成されたもの', 'a shown value was altered, or entries or nodes come from another certificate or were made up');
  }
  // 5. The shown values fit their definitions.
  const problems = [];
  const shown = new FieldMap();
  for (const [entry] of shownEntries) {
    for (const [id, value] of entry.fields.entries()) {
      const p = checkValue(findField(kind, id), value);
      if (p) problems.push(p);
      shown.set(id, value);
    }
  }
  if (problems.length > 0) {
    return failed('invalidFields', '提示された記載事項が様式に合いません: ' + problems.map((p) => p.ja).join('、'),
      'shown fields do not match the kind: ' + problems.map((p) => p.en).join('; '));
  }
  const withheldIds = new Set(entries.flatMap((e, i) => (e.shown ? [] : units[i].present.map((f) => f.id))));
  const withheld = kind.fields.filter((f) => withheldIds.has(f.id)).map((f) => f.id);
  return { status: 'passed', code: null, shown, withheld };
}

// MARK: reducing a presentation (§4)

export class ReduceError extends Error {
  constructor(code, reason, field = null) {
    super(reason);
    this.code = code;
    this.reason = reason;
    this.field = field;
  }
}

/**
 * The holder's reduction (selective-disclosure.md §4): the presentation
 * `qrText` with the units of `hideFieldIds` withheld as well (a field of a
 * withhold group withholds its whole unit). Needs nothing but the text: no
 * key, no trust file, no network; the envelope and the proof are kept byte
 * for byte, and so is the URL part before '#'. Resolves to {text, withheld
 * (the field ids whose units are withheld now, entry order), units (the shown
 * entries' field ids before)}. Rejects with CertificateError when the text
 * does not decode, ReduceError 'noDisclosures' (nothing can be withheld),
 * 'notWithholdable' (a signed field), 'notShown' (not a shown field of this
 * presentation: unknown, or already withheld).
 */
export async function reduceDetailed(qrText, hideFieldIds) {
  const urlPart = new TextDecoder().decode(splitQRText(qrText).urlPart);
  const qr = parseQRBytes(qrTextPayload(qrText));
  if (qr.disclosures.length === 0) throw new ReduceError('noDisclosures', 'this certificate has no fields that can be withheld');
  const disclosures = decodeDisclosures(qr.disclosures);
  let signed = null;
  try {
    signed = decodeClaims(decodeSign1(qr.envelope).payload).fields;
  } catch {
    signed = null; // the verifier will say why; the holder only needs the entries
  }
  const hide = new Set();
  for (const id of hideFieldIds) {
    const index = disclosures.entries.findIndex((e) => e.shown && e.fields.has(id));
    if (index >= 0) {
      hide.add(index);
      continue;
    }
    if (signed && signed.has(id)) throw new ReduceError('notWithholdable', `the field ${id} is signed and cannot be withheld`, id);
    throw new ReduceError('notShown', `the field ${id} is not a shown field of this presentation (unknown, or withheld already)`, id);
  }
  const material = await pairMaterial(disclosures.entries, disclosures.nodes);
  const nodes = [];
  const entryBytes = [];
  for (const [j, p] of material.entries()) {
    const shownNow = p.units.map((u, t) => u.shown && !hide.has(2 * j + t));
    const [a, b] = p.units;
    if (shownNow.every(Boolean)) {
      // Every unit of the pair still shown: it was before, so the nodes had the seed.
      nodes.push(disclosures.nodes[nodeIndex(disclosures.entries, j)]);
    } else if (shownNow.every((s) => !s)) {
      nodes.push(p.c);
    } else if (shownNow[0]) {
      nodes.push(a.salt, b.leaf);
    } else {
      nodes.push(a.leaf, b.salt);
    }
    p.units.forEach((u, t) => entryBytes.push(shownNow[t] ? u.bytes : Uint8Array.of(EMPTY_MAP)));
  }
  const newDisclosures = encodeDisclosures(entryBytes, nodes);
  const bytes = concat(Uint8Array.of(2), writeUvarint(qr.envelope.length), qr.envelope, writeUvarint(newDisclosures.length), newDisclosures, qr.proof);
  const withheld = [];
  disclosures.entries.forEach((e, i) => {
    if (hide.has(i)) withheld.push(...e.fields.entries().map(([id]) => id));
  });
  return {
    text: `${urlPart}AK2.${encodeNumeric(bytes)}`,
    withheld,
    units: disclosures.entries.filter((e) => e.shown).map((e) => e.fields.entries().map(([id]) => id)),
  };
}

/** The index of pair j's first node in the nodes list. */
function nodeIndex(entries, j) {
  return nodeCount(entries.slice(0, 2 * j).map((e) => e.shown));
}

/** reduceDetailed(…).text: the new QR text. */
export async function reduce(qrText, hideFieldIds) {
  return (await reduceDetailed(qrText, hideFieldIds)).text;
}
