// Kinds of certificate: the verifier's field check (certificate.md §4, §5) —
// which gives `invalidFields` at verification — and how values are displayed.
// Field ids and enum values are compared byte for byte (JS === on strings
// decoded from UTF-8 compares code units, hence bytes; nothing is normalized,
// trimmed, case-folded or mapped); lengths are counted in Unicode scalar
// values; the text rule (explicit code point ranges, NFC, the explicit white
// space list of §5.3) is util.js textRuleProblem; decimals are compared with
// their integer bounds exactly, as BigInt fractions, never as floats.
//
// Problem codes (the same as Swift's FieldValues.swift `check`):
//   unknownField, required (missing field), wrongType,
//   controlCharacter, disallowedCharacter, notNFC, edgeWhiteSpace, empty,
//   tooLong, tooMany, invalidDate, invalidInteger, outOfRange, notCanonical,
//   invalidOption (not an option's value); and for selective disclosure
//   (selective-disclosure.md §5 step 3) withholdableSigned (a withholdable
//   field in the signed fields) and maskBeyondFields (a present-mask bit with
//   no withholdable field).
import { compareBytes, scalarCount, textRuleProblem, utf8 } from './util.js';

export function findField(kind, id) {
  return kind.fields.find((f) => f.id === id) || null;
}

const DATE_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const DECIMAL_RE = /^(-?)(0|[1-9][0-9]{0,14})(?:\.([0-9]*[1-9]))?$/;
const MAX_INTEGER = 999999999999999999n;

const TEXT_PROBLEM = {
  notScalarValues: ['文字として読めない部分があります', 'contains text that is not Unicode scalar values'],
  controlCharacter: ['改行や制御文字は使えません', 'line breaks and control characters are not allowed'],
  disallowedCharacter: ['使えない文字（不可視の文字・外字など）が含まれています', 'contains a character that is not allowed (invisible, private use, …)'],
  notNFC: ['文字の表現が正規化（NFC）されていません', 'is not in Unicode normalization form C'],
  edgeWhiteSpace: ['前後に空白があります', 'begins or ends with white space'],
};

function problem(field, code, ja, en) {
  return { field: field.id, code, ja: `${field.label.ja}: ${ja}`, en: `${field.label.en}: ${en}` };
}

/** A real proleptic Gregorian date YYYY-MM-DD, year 1868 … 2999. */
export function isCanonicalDate(s) {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const [y, mo, d] = m.slice(1).map(Number);
  if (y < 1868 || y > 2999 || mo < 1 || mo > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[mo - 1];
}

/** A canonical decimal (certificate.md §4) as an exact fraction {num: BigInt, scale}, or null. */
export function parseCanonicalDecimal(s) {
  const m = DECIMAL_RE.exec(s);
  if (!m) return null;
  const [, sign, int, frac = ''] = m;
  if (sign === '-' && int === '0' && frac === '') return null; // -0
  const num = BigInt(int + frac) * (sign === '-' ? -1n : 1n);
  return { num, scale: frac.length };
}

/** a/10^sa compared with the integer b: -1, 0, 1. */
function compareDecimal(d, b) {
  const rhs = BigInt(b) * 10n ** BigInt(d.scale);
  return d.num < rhs ? -1 : d.num > rhs ? 1 : 0;
}

function checkText(s, field, what = '') {
  const code = textRuleProblem(s);
  if (code) {
    const [ja, en] = TEXT_PROBLEM[code];
    return problem(field, code, what + ja, what + en);
  }
  const n = scalarCount(s);
  if (n === 0) return problem(field, 'empty', `${what}空です`, `${what}is empty`);
  if (field.maxLength != null && n > field.maxLength) {
    return problem(field, 'tooLong', `${what}${field.maxLength}文字以内です（${n}文字）`, `${what}at most ${field.maxLength} characters (got ${n})`);
  }
  return null;
}

const TYPE_OF_VALUE = { text: 'text', date: 'date', integer: 'integer', decimal: 'decimal', enumValue: 'enum', textList: 'textList' };

/** The problem of one value for its field, or null. */
export function checkValue(field, value) {
  if (TYPE_OF_VALUE[value.type] !== field.type) {
    return problem(field, 'wrongType', '値の種類が様式と異なります', `a ${value.type} value for a ${field.type} field`);
  }
  switch (field.type) {
    case 'text':
      return checkText(value.value, field);
    case 'textList': {
      const items = value.value;
      // Undecodable already (claims.js); Swift's code for it, should a caller build one.
      if (items.length === 0) return problem(field, 'required', '入力してください', 'is empty');
      if (field.maxItems != null && items.length > field.maxItems) {
        return problem(field, 'tooMany', `${field.maxItems}件までです（${items.length}件）`, `at most ${field.maxItems} items (got ${items.length})`);
      }
      for (const [i, item] of items.entries()) {
        const p = checkText(item, field, `${i + 1}件目: `);
        if (p) return p;
      }
      return null;
    }
    case 'date':
      return isCanonicalDate(value.value) ? null
        : problem(field, 'invalidDate', '1868年から2999年の実在する日付（YYYY-MM-DD）ではありません', 'is not a real date YYYY-MM-DD from 1868 to 2999');
    case 'integer': {
      const n = value.value;
      if (n < -MAX_INTEGER || n > MAX_INTEGER) return problem(field, 'invalidInteger', '18桁までの整数にしてください', 'must have at most 18 digits');
      if (field.minimum != null && n < BigInt(field.minimum)) return problem(field, 'outOfRange', `${field.minimum}未満です`, `is below ${field.minimum}`);
      if (field.maximum != null && n > BigInt(field.maximum)) return problem(field, 'outOfRange', `${field.maximum}を超えています`, `is above ${field.maximum}`);
      return null;
    }
    case 'decimal': {
      const d = parseCanonicalDecimal(value.value);
      const scale = field.scale != null ? field.scale : 3;
      if (d === null || d.scale > scale) {
        return problem(field, 'notCanonical', `小数点以下${scale}桁までの正規の表記の数値ではありません`, `is not a canonical decimal with at most ${scale} fraction digits`);
      }
      if (field.minimum != null && compareDecimal(d, field.minimum) < 0) return problem(field, 'outOfRange', `${field.minimum}未満です`, `is below ${field.minimum}`);
      if (field.maximum != null && compareDecimal(d, field.maximum) > 0) return problem(field, 'outOfRange', `${field.maximum}を超えています`, `is above ${field.maximum}`);
      return null;
    }
    case 'enum':
      return (field.options || []).some((o) => o.value === value.value) ? null
        : problem(field, 'invalidOption', `「${value.value}」は選択肢の値ではありません`, `'${value.value}' is not an option value`);
  }
  return problem(field, 'wrongType', '形式が正しくありません', 'has an unknown type');
}

const byBytes = (a, b) => compareBytes(utf8(a), utf8(b));

/** The withholdable fields of a kind, in the order of `fields`; the i-th is bit i of the present mask. */
export function withholdableFields(kind) {
  return kind.fields.filter((f) => f.withholdable);
}

/**
 * The units of a kind (selective-disclosure.md §1): each withholdable field
 * without a withholdGroup alone, the fields of one withholdGroup together,
 * ordered by their first field. [{fields: [{field, bit}]}].
 */
export function unitsOf(kind) {
  const units = [];
  const byGroup = new Map();
  withholdableFields(kind).forEach((field, bit) => {
    const member = { field, bit };
    if (field.withholdGroup) {
      const known = byGroup.get(field.withholdGroup);
      if (known) {
        known.fields.push(member);
        return;
      }
      const unit = { group: field.withholdGroup, fields: [member] };
      byGroup.set(field.withholdGroup, unit);
      units.push(unit);
    } else {
      units.push({ group: null, fields: [member] });
    }
  });
  return units;
}

/** Whether bit i of the present mask (a Number or null) is set. */
export function maskHas(mask, bit) {
  return mask !== null && mask !== undefined && bit < 16 && ((mask >> bit) & 1) === 1;
}

/**
 * The present units (selective-disclosure.md §1.1), in unit order, each with
 * its present fields: [{fields: [{field, bit}], present: [field]}]. Bits with
 * no withholdable field are not counted here (kindValid reports them).
 */
export function presentUnits(kind, mask) {
  const out = [];
  for (const unit of unitsOf(kind)) {
    const present = unit.fields.filter((m) => maskHas(mask, m.bit)).map((m) => m.field);
    if (present.length > 0) out.push({ ...unit, present });
  }
  return out;
}

/**
 * The problems of decoded values for a kind (empty when all fit): unknown,
 * wrong or missing fields. `presentMask` (content key 4, or null): a set bit
 * beyond the kind's withholdable fields is a problem, and a required
 * withholdable field counts as present when its bit is set
 * (selective-disclosure.md §5 step 3). The withholdable fields' values are
 * not here but in the disclosures (checked by the `disclosure` check).
 */
export function checkFields(kind, values, presentMask = null) {
  const problems = [];
  const entries = values.entries().sort((a, b) => byBytes(a[0], b[0]));
  for (const [key, value] of entries) {
    const field = findField(kind, key);
    if (!field) {
      problems.push({ field: key, code: 'unknownField', ja: `未定義の項目「${key}」`, en: `unknown field '${key}'` });
      continue;
    }
    if (field.withholdable) {
      problems.push(problem(field, 'withholdableSigned', '非開示にできる項目が署名された項目の中にあります', 'a withholdable field is among the signed fields'));
      continue;
    }
    const p = checkValue(field, value);
    if (p) problems.push(p);
  }
  const withholdable = withholdableFields(kind);
  if (presentMask !== null && presentMask >> withholdable.length !== 0) {
    const bits = [];
    for (let bit = withholdable.length; bit < 16; bit++) if (maskHas(presentMask, bit)) bits.push(bit);
    problems.push({ field: null, code: 'maskBeyondFields', ja: `発行された項目の印（ビット ${bits.join('、')}）に当たる非開示可能な項目が様式にありません`,
      en: `the present mask sets bit ${bits.join(', ')}, beyond the kind's ${withholdable.length} withholdable fields` });
  }
  for (const field of kind.fields) {
    const bit = withholdable.indexOf(field);
    if (field.required && !values.has(field.id) && !(bit >= 0 && maskHas(presentMask, bit))) {
      problems.push({ field: field.id, code: 'required', ja: `必須項目${field.label.ja}がありません`, en: `required field ${field.label.en} is missing` });
    }
  }
  return problems;
}

/** The value as a person reads it ("1990年4月1日" in Japanese). */
export function displayValue(value, field, lang) {
  const unit = field && field.unit ? ' ' + field.unit[lang] : '';
  switch (value.type) {
    case 'text':
      return value.value;
    case 'date': {
      const m = DATE_RE.exec(value.value);
      if (lang !== 'ja' || !m) return value.value;
      return `${Number(m[1])}年${Number(m[2])}月${Number(m[3])}日`;
    }
    case 'integer':
      return value.value.toString() + unit;
    case 'decimal':
      return value.value + unit;
    case 'enumValue': {
      const option = field && (field.options || []).find((o) => o.value === value.value);
      return option ? option.label[lang] : value.value;
    }
    case 'textList':
      return value.value.join(lang === 'ja' ? '、' : ', ');
  }
  return String(value.value);
}

/** The keys to show, in the kind's order, then any others in byte order. */
export function displayOrder(kind, values) {
  const order = [];
  const seen = new Set();
  const push = (key) => {
    if (seen.has(key)) return;
    seen.add(key);
    if (values.has(key)) order.push(key);
  };
  for (const f of kind ? kind.fields : []) push(f.id);
  for (const [key] of values.entries().sort((a, b) => byBytes(a[0], b[0]))) push(key);
  return order;
}

/**
 * The rows a display shows (selective-disclosure.md §6): the kind's fields in
 * its order — a value for each field in `values`, a withheld row for each id
 * in `withheld` (the holder's choice; not the same as a field not issued,
 * which has no row) — then any fields the kind does not define, in byte
 * order. [{id, field (or null), value (or null), withheld}].
 */
export function displayRows(kind, values, withheld = []) {
  const hidden = new Set(withheld || []);
  const rows = [];
  const seen = new Set();
  for (const field of kind ? kind.fields : []) {
    seen.add(field.id);
    if (values.has(field.id)) rows.push({ id: field.id, field, value: values.get(field.id), withheld: false });
    else if (hidden.has(field.id)) rows.push({ id: field.id, field, value: null, withheld: true });
  }
  for (const [key, value] of values.entries().sort((a, b) => byBytes(a[0], b[0]))) {
    if (!seen.has(key)) rows.push({ id: key, field: null, value, withheld: false });
  }
  return rows;
}
