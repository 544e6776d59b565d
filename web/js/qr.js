// The holder's QR code, drawn on this device (nothing is sent anywhere):
// js/vendor/qrcode-generator/qrcode.js (Kazuhiko Arase, MIT, 1.4.4) loaded as a
// plain script before the modules, so it is the global `qrcode`.
//
// A QR text is `[URL part "#"] "AK2." DIGITS` (qr-text.md). The digits go in
// one numeric-mode segment (3 digits in 10 bits); what comes before them in a
// byte-mode segment (UTF-8), or — when it is made only of QR's alphanumeric
// characters, as the bare "AK2." — an alphanumeric one. Each segmentation is
// tried and the one giving the smallest symbol (then the fewest bits) is
// kept. A text that is not an Akashi QR text is one byte-mode segment. Error correction
// level M, as the issuer's QR codes (Sources/QRCode: .medium).
export const LEVEL = 'M';
const ALPHANUMERIC = /^[0-9A-Z $%*+\-./:]*$/;

function library(lib) {
  const q = lib || globalThis.qrcode;
  if (typeof q !== 'function') throw new Error('the QR code generator (js/vendor/qrcode-generator/qrcode.js) is not loaded');
  q.stringToBytes = q.stringToBytesFuncs['UTF-8'];
  return q;
}

const utf8Length = (s) => new TextEncoder().encode(s).length;

/** Bits of a segmentation at a version (ISO/IEC 18004 §7.4: mode 4 bits, count, data). */
export function segmentBits(segments, version) {
  const cls = version < 10 ? 0 : version < 27 ? 1 : 2;
  const count = { Numeric: [10, 12, 14], Alphanumeric: [9, 11, 13], Byte: [8, 16, 16] };
  let bits = 0;
  for (const [mode, data] of segments) {
    bits += 4 + count[mode][cls];
    if (mode === 'Numeric') bits += Math.floor(data.length / 3) * 10 + [0, 4, 7][data.length % 3];
    else if (mode === 'Alphanumeric') bits += Math.floor(data.length / 2) * 11 + (data.length % 2) * 6;
    else bits += utf8Length(data) * 8;
  }
  return bits;
}

/** The candidate segmentations of a QR text: [[mode, data], …] each. */
export function segmentations(text) {
  const at = text.lastIndexOf('AK2.');
  const digits = at >= 0 ? text.slice(at + 4) : '';
  if (at < 0 || !/^[0-9]+$/.test(digits)) return [[['Byte', text]]];
  const head = text.slice(0, at + 4);
  const out = [[['Byte', head], ['Numeric', digits]]];
  // "AK2." alone (bare text), or an upper-case URL: alphanumeric mode is smaller.
  // (A separate alphanumeric segment for "AK2." after a byte-mode URL costs
  // 3–7 bits more than its 4 bytes in the byte segment, so it is not tried.)
  if (ALPHANUMERIC.test(head)) out.push([['Alphanumeric', head], ['Numeric', digits]]);
  return out;
}

/**
 * The QR code of `text`: {version, size (modules), isDark(row, col),
 * segments, bits}. `lib`: the qrcode-generator function (default: the global).
 */
export function makeQR(text, { lib, level = LEVEL } = {}) {
  const q = library(lib);
  let best = null;
  for (const segments of segmentations(text)) {
    const code = q(0, level);
    for (const [mode, data] of segments) code.addData(data, mode);
    try {
      code.make();
    } catch {
      continue; // too long for version 40
    }
    const size = code.getModuleCount();
    const version = (size - 17) / 4;
    const bits = segmentBits(segments, version);
    if (!best || version < best.version || (version === best.version && bits < best.bits)) {
      best = { version, size, isDark: (r, c) => code.isDark(r, c), segments, bits };
    }
  }
  if (!best) throw new Error('the text does not fit in a QR code (version 40)');
  return best;
}

/** One SVG path of the dark modules (`M x y h1 v1 h-1 z` per run), quiet zone `margin` modules. */
export function pathData(qr, margin = 4) {
  let d = '';
  for (let r = 0; r < qr.size; r++) {
    let c = 0;
    while (c < qr.size) {
      if (!qr.isDark(r, c)) {
        c++;
        continue;
      }
      const start = c;
      while (c < qr.size && qr.isDark(r, c)) c++;
      d += `M${start + margin} ${r + margin}h${c - start}v1h${start - c}z`;
    }
  }
  return d;
}

/** An <svg> of the QR code (scales to its box; crisp edges), for the page and for print. */
export function qrSVG(qr, { margin = 4, title = '' } = {}) {
  const ns = 'http://www.w3.org/2000/svg';
  const n = qr.size + 2 * margin;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 ${n} ${n}`);
  svg.setAttribute('shape-rendering', 'crispEdges');
  svg.setAttribute('role', 'img');
  if (title) svg.setAttribute('aria-label', title);
  const back = document.createElementNS(ns, 'rect');
  back.setAttribute('width', n);
  back.setAttribute('height', n);
  back.setAttribute('fill', '#fff');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', pathData(qr, margin));
  path.setAttribute('fill', '#000');
  svg.append(back, path);
  return svg;
}
