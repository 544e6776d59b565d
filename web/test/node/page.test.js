// The page's pure parts under node: the rows a certificate shows (withheld by
// the holder vs not issued, kind order) and the holder's QR code (js/qr.js
// with the vendored qrcode-generator 1.4.4): segments, level M, the smallest
// version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { FieldMap } from '../../js/core/claims.js';
import { displayRows } from '../../js/core/kinds.js';
import { LEVEL, makeQR, pathData, segmentBits, segmentations } from '../../js/qr.js';
import { shippedKind } from '../support/issuer.js';

const require = createRequire(import.meta.url);
const lib = require('../../js/vendor/qrcode-generator/qrcode.js');

test('displayRows: kind order; withheld fields by label; fields not issued have no row; unknown ids last in byte order', () => {
  const kind = { fields: shippedKind('residence').fields.map((f) => ({ ...f, withholdable: Boolean(f.withholdable) })) };
  const values = new FieldMap();
  for (const [id, v] of [['zz', 'x'], ['address', '住所'], ['name', '氏名'], ['Aa', 'y']]) values.set(id, { type: 'text', value: v });
  const rows = displayRows(kind, values, ['householder', 'birthDate']);
  assert.deepEqual(rows.map((r) => `${r.id}${r.withheld ? ':withheld' : ''}`), ['name', 'birthDate:withheld', 'address', 'householder:withheld', 'Aa', 'zz']);
  assert.equal(rows[1].field.label.ja, '生年月日');
  assert.equal(rows[1].value, null);
  assert.equal(rows[4].field, null);
  // Not issued and not withheld: no row (relationship, domicile, …).
  assert.ok(!rows.some((r) => r.id === 'relationship'));
  assert.deepEqual(displayRows(kind, values).map((r) => r.id), ['name', 'address', 'Aa', 'zz']);
});

const digits = '0073228686591939400323274807716381671731492595712885563199584024581013569287815588744074547150493494913491094040189500000000000000000000000000000000';
const url = 'https://iizuka.example/akashi/verify/#AK2.';

test('qr: the digits after AK2. in numeric mode, the URL part in byte mode; bare AK2. in alphanumeric mode', () => {
  assert.deepEqual(segmentations(url + digits)[0], [['Byte', url], ['Numeric', digits]]);
  assert.equal(segmentations(url + digits).length, 1); // lower-case URL: not alphanumeric
  assert.deepEqual(segmentations('AK2.' + digits).map((s) => s.map(([m]) => m)), [['Byte', 'Numeric'], ['Alphanumeric', 'Numeric']]);
  assert.deepEqual(segmentations('not a certificate'), [[['Byte', 'not a certificate']]]);
  assert.deepEqual(segmentations('AK2.12a').map((s) => s.map(([m]) => m)), [['Byte']]);
  const q = makeQR(url + digits, { lib });
  assert.deepEqual(q.segments.map(([m]) => m), ['Byte', 'Numeric']);
  const bare = makeQR('AK2.' + digits, { lib });
  assert.deepEqual(bare.segments.map(([m]) => m), ['Alphanumeric', 'Numeric']);
  assert.equal(LEVEL, 'M');
});

test('qr: bit counts (ISO/IEC 18004) and the smallest version at level M, smaller than one byte segment', () => {
  // 4 mode bits + count (8 / 10 / 9 bits below version 10) + data
  assert.equal(segmentBits([['Byte', 'AK2.']], 1), 4 + 8 + 32);
  assert.equal(segmentBits([['Numeric', '12345']], 1), 4 + 10 + 10 + 7);
  assert.equal(segmentBits([['Numeric', '1234']], 1), 4 + 10 + 10 + 4);
  assert.equal(segmentBits([['Alphanumeric', 'AK2.']], 1), 4 + 9 + 22);
  assert.equal(segmentBits([['Numeric', '1']], 27), 4 + 14 + 4);
  assert.equal(segmentBits([['Byte', 'あ']], 10), 4 + 16 + 24); // UTF-8
  const text = url + digits.repeat(8);
  const q = makeQR(text, { lib });
  assert.equal(q.size, 4 * q.version + 17);
  const one = lib(0, 'M');
  one.addData(text, 'Byte');
  one.make();
  assert.ok(q.size < one.getModuleCount(), `numeric ${q.size} < byte ${one.getModuleCount()} modules`);
  // The version is the smallest: the version below cannot hold the segments.
  const smaller = lib(q.version - 1, 'M');
  for (const [mode, data] of q.segments) smaller.addData(data, mode);
  assert.throws(() => smaller.make(), /overflow/);
  // Level M is what is used: at level H the same text needs a larger version.
  const atH = makeQR(text, { lib, level: 'H' });
  assert.ok(atH.version > q.version);
});

test('qr: the SVG path covers exactly the dark modules, offset by the quiet zone', () => {
  const q = makeQR('AK2.00258', { lib });
  let dark = 0;
  for (let r = 0; r < q.size; r++) for (let c = 0; c < q.size; c++) if (q.isDark(r, c)) dark++;
  const d = pathData(q, 4);
  const runs = [...d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\d+z/g)];
  assert.equal(runs.reduce((n, m) => n + Number(m[3]), 0), dark);
  assert.ok(runs.every((m) => Number(m[1]) >= 4 && Number(m[2]) >= 4 && Number(m[1]) + Number(m[3]) <= q.size + 4));
  assert.equal(runs[0][1], '4'); // the top-left finder pattern starts at the quiet zone's edge
  assert.equal(runs[0][2], '4');
});
