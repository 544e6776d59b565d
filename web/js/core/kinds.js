// Kinds of certificate (Swift Certificates/CertificateKind.swift and
// FieldValues.swift): the verifier's field check `kind.check(values)` with the
// same problems (codes and ja/en sentences), and how values are displayed.
import { characterCount, swiftCompare, swiftEqual, swiftTrim } from './util.js';
import { fieldValuesEqual } from './claims.js';

export function findField(kind, id) {
  return kind.fields.find((f) => swiftEqual(f.id, id)) || null;
}

// ICU `$` (NSRegularExpression without multiline): the end of the input, or
// just before one line terminator that ends it.
const END = '(?=(?:\\r\\n|[\\n\\x0b\\f\\r\\x85\\u2028\\u2029])?$)';
const DATE_RE = new RegExp('^[0-9]{4}-[0-9]{2}-[0-9]{2}' + END);
const YEAR_RE = /^[0-9]{4}-/;
const INTEGER_RE = new RegExp('^-?[0-9]{1,18}' + END);
const DECIMAL_RE = new RegExp('^-?[0-9]{1,15}(\\.[0-9]+)?' + END);

function problem(field, code, ja, en) {
  return { field: field.id, code, ja: `${field.label.ja}: ${ja}`, en: `${field.label.en}: ${en}` };
}

/** Swift `Int64(s)`: optional sign and decimal digits only, in range. */
function parseInt64(s) {
  if (!/^[+-]?[0-9]+$/.test(s)) return null;
  const n = BigInt(s);
  return n >= -(1n << 63n) && n < 1n << 63n ? n : null;
}

function checkText(s, field) {
  for (const c of s) {
    const v = c.codePointAt(0);
    if (v < 0x20 || v === 0x7f) {
      return { field: field.id, code: 'controlCharacter', ja: `${field.label.ja}: 改行や制御文字は使えません`, en: `${field.label.en}: line breaks and control characters are not allowed` };
    }
  }
  if (field.maxLength != null) {
    const count = characterCount(s);
    if (count > field.maxLength) {
      return { field: field.id, code: 'tooLong', ja: `${field.label.ja}: ${field.maxLength}文字以内にしてください（${count}文字）`, en: `${field.label.en}: at most ${field.maxLength} characters (got ${count})` };
    }
  }
  return null;
}

function canonicalDate(s) {
  if (!DATE_RE.test(s)) return null;
  const parts = s.split('-').filter((p) => p !== '').map((p) => parseInt64(p));
  if (parts.length !== 3 || parts.some((p) => p === null)) return null; // Swift would trap here
  const [y, m, d] = parts.map(Number);
  if (y < 1868 || y > 2999 || m < 1 || m > 12 || d < 1) return null;
  const days = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const max = m === 2 && leap ? 29 : days[m - 1];
  return d <= max ? s : null;
}

function canonicalDecimal(s, scale) {
  if (!DECIMAL_RE.test(s)) return null;
  let negative = false;
  let t = s;
  if (t.startsWith('-')) {
    negative = true;
    t = t.slice(1);
  }
  const parts = t.split('.');
  let integer = parts[0].replace(/^0+/, '');
  if (integer === '') integer = '0';
  let fraction = parts.length > 1 ? parts[1] : '';
  while (fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  if (characterCount(fraction) > scale) return null;
  const body = fraction === '' ? integer : `${integer}.${fraction}`;
  return negative && body !== '0' ? '-' + body : body;
}

/** CertificateKind.convert: {ok: FieldValue} or {problem}. */
export function convert(raw, field) {
  const fail = (code, ja, en) => ({ problem: problem(field, code, ja, en) });
  const scalarText = () => (raw.type === 'string' ? swiftTrim(raw.value) : raw.type === 'number' ? raw.value : null);
  switch (field.type) {
    case 'text': {
      const s = scalarText();
      if (s === null) return fail('wrongType', '文字列で入力してください', 'must be text');
      const p = checkText(s, field);
      return p ? { problem: p } : { ok: { type: 'text', value: s } };
    }
    case 'textList': {
      let items;
      if (raw.type === 'list') {
        const out = [];
        for (const item of raw.value) {
          if (item.type !== 'string') return fail('wrongType', '文字列の一覧で入力してください', 'must be a list of text');
          out.push(swiftTrim(item.value));
        }
        items = out.filter((s) => s !== '');
      } else if (raw.type === 'string') {
        items = raw.value.split('|').filter((s) => s !== '').map(swiftTrim).filter((s) => s !== '');
      } else {
        return fail('wrongType', '文字列の一覧で入力してください', 'must be a list of text');
      }
      if (field.maxItems != null && items.length > field.maxItems) {
        return fail('tooMany', `${field.maxItems}件までです（${items.length}件あります）`, `at most ${field.maxItems} items (got ${items.length})`);
      }
      for (const item of items) {
        const p = checkText(item, field);
        if (p) return { problem: p };
      }
      return items.length === 0 ? fail('required', '入力してください', 'is empty') : { ok: { type: 'textList', value: items } };
    }
    case 'date': {
      const s = scalarText();
      const date = s === null ? null : canonicalDate(s);
      if (date === null) {
        if (s !== null && YEAR_RE.test(s)) {
          const year = Number(s.slice(0, 4));
          if (!(year >= 1868 && year <= 2999)) {
            return fail('dateOutOfRange', '1868年（明治元年）から2999年までの日付を入力してください', 'must be a date from 1868 to 2999');
          }
        }
        return fail('invalidDate', '日付は YYYY-MM-DD 形式の実在する日付で入力してください（例: 2025-04-01）', 'must be a real date written YYYY-MM-DD (e.g. 2025-04-01)');
      }
      return { ok: { type: 'date', value: date } };
    }
    case 'integer': {
      const s = scalarText();
      const n = s !== null && INTEGER_RE.test(s) ? parseInt64(s) : null;
      if (n === null) return fail('invalidInteger', '整数で入力してください', 'must be a whole number');
      if (field.minimum != null && n < BigInt(field.minimum)) return fail('outOfRange', `${field.minimum}以上にしてください`, `must be at least ${field.minimum}`);
      if (field.maximum != null && n > BigInt(field.maximum)) return fail('outOfRange', `${field.maximum}以下にしてください`, `must be at most ${field.maximum}`);
      return { ok: { type: 'integer', value: n } };
    }
    case 'decimal': {
      const scale = field.scale != null ? field.scale : 3;
      const s = scalarText();
      const canonical = s === null ? null : canonicalDecimal(s, scale);
      if (canonical === null) {
        return fail('invalidDecimal', `小数点以下${scale}桁までの数値で入力してください（例: 1234.5）`, `must be a number with at most ${scale} decimal places (e.g. 1234.5)`);
      }
      if (field.minimum != null && canonical.startsWith('-') && BigInt(field.minimum) >= 0n) {
        return fail('outOfRange', `${field.minimum}以上にしてください`, `must be at least ${field.minimum}`);
      }
      return { ok: { type: 'decimal', value: canonical } };
    }
    case 'enum': {
      const options = field.options || [];
      const s = scalarText();
      if (s === null) return fail('wrongType', '選択肢から選んでください', 'must be one of the options');
      const option = options.find((o) => swiftEqual(o.value, s) || swiftEqual(o.label.ja, s) || swiftEqual(o.label.en.toLowerCase(), s.toLowerCase()));
      if (option) return { ok: { type: 'enumValue', value: option.value } };
      const list = options.map((o) => `${o.value}（${o.label.ja}）`).join(', ');
      return fail('invalidOption', `「${s}」は選択肢にありません。選択肢: ${list}`, `'${s}' is not an option; options: ${options.map((o) => o.value).join(', ')}`);
    }
  }
  return fail('wrongType', '形式が正しくありません', 'has an unknown type');
}

/** CertificateKind.check: the problems of decoded values (empty when all fit). */
export function checkFields(kind, values) {
  const problems = [];
  const entries = values.entries().sort((a, b) => swiftCompare(a[0], b[0]));
  for (const [key, value] of entries) {
    const field = findField(kind, key);
    if (!field) {
      problems.push({ field: key, code: 'unknownField', ja: `未定義の項目「${key}」`, en: `unknown field '${key}'` });
      continue;
    }
    let input;
    switch (value.type) {
      case 'text': case 'date': case 'enumValue': input = { type: 'string', value: value.value }; break;
      case 'decimal': input = { type: 'number', value: value.value }; break;
      case 'integer': input = { type: 'number', value: value.value.toString() }; break;
      default: input = { type: 'list', value: value.value.map((s) => ({ type: 'string', value: s })) };
    }
    const result = convert(input, field);
    if (result.ok) {
      if (!fieldValuesEqual(result.ok, value)) {
        problems.push({ field: key, code: 'notCanonical', ja: `${field.label.ja}の形式が正しくありません`, en: `${field.label.en} is not in canonical form` });
      }
    } else {
      problems.push(result.problem);
    }
  }
  for (const field of kind.fields) {
    if (field.required && !values.has(field.id)) {
      problems.push({ field: field.id, code: 'required', ja: `必須項目${field.label.ja}がありません`, en: `required field ${field.label.en} is missing` });
    }
  }
  return problems;
}

/** FieldValue.display: the value as a person reads it ("1990年4月1日" in Japanese). */
export function displayValue(value, field, lang) {
  const unit = field && field.unit ? ' ' + field.unit[lang] : '';
  switch (value.type) {
    case 'text':
      return value.value;
    case 'date': {
      if (lang !== 'ja') return value.value;
      const parts = value.value.split('-').filter((p) => p !== '').map((p) => (/^[+-]?[0-9]+$/.test(p) ? Number(p) : null)).filter((n) => n !== null);
      return parts.length === 3 ? `${parts[0]}年${parts[1]}月${parts[2]}日` : value.value;
    }
    case 'integer':
      return value.value.toString() + unit;
    case 'decimal':
      return value.value + unit;
    case 'enumValue': {
      const option = field && (field.options || []).find((o) => swiftEqual(o.value, value.value));
      return option ? option.label[lang] : value.value;
    }
    case 'textList':
      return value.value.join(lang === 'ja' ? '、' : ', ');
  }
  return String(value.value);
}

/** The keys to show, in the kind's order, then any others sorted (as akashi-verify prints them). */
export function displayOrder(kind, values) {
  const order = [];
  const seen = new Set();
  const push = (key) => {
    const k = key.normalize('NFC');
    if (seen.has(k)) return;
    seen.add(k);
    if (values.has(key)) order.push(key);
  };
  for (const f of kind ? kind.fields : []) push(f.id);
  for (const [key] of values.entries().sort((a, b) => swiftCompare(a[0], b[0]))) push(key);
  return order;
}
