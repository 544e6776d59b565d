#!/usr/bin/env python3
"""Independent verifier for Akashi v2 ("AK2") certificates.

Written from docs/spec/ (format version 2) ALONE, as a conformance check of
that specification.  No Akashi source code was read.  Section references in
comments are to the files of docs/spec/.

Library + CLI:

    python3 akashi_spec_verify.py --trust TRUST.json [--status FILE]... \
        [--at TIME] [--max-status-age DAYS] --json INPUT...

Only the standard library and the `cryptography` package (ECDSA P-256,
Ed25519, X25519) are used.
"""

from __future__ import annotations

import base64
import calendar
import hashlib
import json
import re
import sys
import time
import unicodedata
import zlib
from fractions import Fraction

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

# ---------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------


class Undecodable(Exception):
    """Any failure that the spec calls *undecodable*."""


class TrustFileError(Exception):
    """The trust file is invalid (akashi-verify exit 65)."""


class StatusListError(Exception):
    """The status list is refused (akashi-verify exit 65)."""


JS_SAFE_MAX = 2 ** 53 - 1
SKEW = 300
DEFAULT_MAX_STATUS_AGE = 7 * 86400
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
MIB = 1024 * 1024

# ---------------------------------------------------------------------------
# uvarint (README "Conventions")
# ---------------------------------------------------------------------------


def read_uvarint(buf: bytes, pos: int):
    """Minimal unsigned LEB128, at most 64 bits.  Returns (value, new_pos)."""
    value = 0
    shift = 0
    start = pos
    while True:
        if pos >= len(buf):
            raise Undecodable("uvarint truncated")
        b = buf[pos]
        pos += 1
        nbytes = pos - start
        if nbytes == 10 and b > 0x01:
            raise Undecodable("uvarint exceeds 64 bits")
        value |= (b & 0x7F) << shift
        shift += 7
        if not (b & 0x80):
            if b == 0x00 and nbytes > 1:
                raise Undecodable("uvarint not minimal")
            return value, pos
        if nbytes >= 10:
            raise Undecodable("uvarint exceeds 64 bits")


def encode_uvarint(v: int) -> bytes:
    if v < 0 or v >= 2 ** 64:
        raise ValueError("uvarint range")
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


# ---------------------------------------------------------------------------
# Numeric codec (qr-text.md §2)
# ---------------------------------------------------------------------------

WIDTH = {0: 0, 1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15, 7: 17}
K_FOR_WIDTH = {w: k for k, w in WIDTH.items() if k not in (0, 7)}


def numeric_encode(data: bytes) -> str:
    parts = []
    for i in range(0, len(data), 7):
        g = data[i:i + 7]
        parts.append(str(int.from_bytes(g, "big")).rjust(WIDTH[len(g)], "0"))
    return "".join(parts)


def numeric_decode(digits) -> bytes:
    if isinstance(digits, str):
        digits = digits.encode("utf-8")
    for b in digits:
        if not 0x30 <= b <= 0x39:
            raise Undecodable("non-digit in DIGITS")
    d = len(digits)
    r = d % 17
    if r != 0 and r not in K_FOR_WIDTH:
        raise Undecodable("digit count remainder %d is no encoder's output" % r)
    out = bytearray()
    full = d - r
    for i in range(0, full, 17):
        v = int(digits[i:i + 17])
        if v > 2 ** 56 - 1:
            raise Undecodable("17-digit group too large")
        out += v.to_bytes(7, "big")
    if r:
        k = K_FOR_WIDTH[r]
        v = int(digits[full:])
        if v > 2 ** (8 * k) - 1:
            raise Undecodable("final group too large")
        out += v.to_bytes(k, "big")
    return bytes(out)


# ---------------------------------------------------------------------------
# QR text (qr-text.md §1)
# ---------------------------------------------------------------------------

QR_PREFIX = b"AK2."


def parse_qr_text(text) -> bytes:
    """QR text (bytes or str) -> payload bytes."""
    if isinstance(text, str):
        try:
            raw = text.encode("utf-8")  # a str with lone surrogates fails here
        except UnicodeEncodeError:
            raise Undecodable("not well-formed UTF-8")
    else:
        raw = bytes(text)
    try:
        raw.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        raise Undecodable("not well-formed UTF-8")
    ws = b" \t\n\r"
    s, e = 0, len(raw)
    while s < e and raw[s] in ws:
        s += 1
    while e > s and raw[e - 1] in ws:
        e -= 1
    raw = raw[s:e]
    h = raw.find(b"#")
    payload_text = raw[h + 1:] if h >= 0 else raw
    if not payload_text.startswith(QR_PREFIX):
        raise Undecodable("missing AK2. prefix")
    return numeric_decode(payload_text[len(QR_PREFIX):])


def make_qr_text(payload: bytes, url: str | None = None) -> str:
    t = "AK2." + numeric_encode(payload)
    return (url + "#" + t) if url else t


# ---------------------------------------------------------------------------
# Payload framing (payload.md)
# ---------------------------------------------------------------------------


def parse_payload(payload: bytes):
    """payload.md §2 -> (envelope, disclosures, proof); disclosures is b"" when D = 0."""
    if len(payload) < 1 or payload[0] != 0x02:
        raise Undecodable("payload version is not 0x02")
    L, pos = read_uvarint(payload, 1)  # steps 2-3: a single 0x00 is minimal but L >= 1
    remaining = len(payload) - pos
    if L < 1 or L >= remaining:
        raise Undecodable("envelope length out of range")
    env = payload[pos:pos + L]
    pos += L
    D, pos = read_uvarint(payload, pos)  # step 5: D = 0 (the single byte 0x00) allowed
    remaining = len(payload) - pos
    if D >= remaining:  # Python ints: no overflow
        raise Undecodable("disclosures length leaves no proof")
    return env, payload[pos:pos + D], payload[pos + D:]


def make_payload(envelope: bytes, proof: bytes, disclosures: bytes = b"") -> bytes:
    return (b"\x02" + encode_uvarint(len(envelope)) + envelope
            + encode_uvarint(len(disclosures)) + disclosures + proof)


# ---------------------------------------------------------------------------
# Strict deterministic CBOR (certificate.md §1)
# ---------------------------------------------------------------------------

# certificate.md §1 rule 6: which tags a decoder accepts at all depends on
# what it decodes — tag 18 for the envelope, 1004/30000/30001 for the claims,
# none for the protected header and the status list payload.  Where the
# accepted ones may stand is checked by the structure checks of the caller.
ENVELOPE_TAGS = (18,)
FIELD_TAGS = (1004, 30000, 30001)
ALLOWED_TAGS = ENVELOPE_TAGS + FIELD_TAGS
# Arrays, maps and tags nest at most this deep (certificate.md §1: "SHOULD
# bound nesting depth"; the format nests at most 5 levels): a container at
# depth 16 (the top item is depth 0) is refused.
MAX_DEPTH = 16


class Tag:
    __slots__ = ("tag", "value")

    def __init__(self, tag, value):
        self.tag = tag
        self.value = value

    def __eq__(self, other):
        return isinstance(other, Tag) and other.tag == self.tag and other.value == self.value

    __hash__ = None

    def __repr__(self):
        return "Tag(%d, %r)" % (self.tag, self.value)


class _CBORDecoder:
    def __init__(self, data: bytes, tags=()):
        self.data = data
        self.pos = 0
        self.tags = frozenset(tags)

    @staticmethod
    def _enter(depth):
        if depth >= MAX_DEPTH:
            raise Undecodable("CBOR nesting too deep (more than %d levels)" % MAX_DEPTH)

    def _head(self):
        d = self.data
        if self.pos >= len(d):
            raise Undecodable("CBOR truncated")
        ib = d[self.pos]
        self.pos += 1
        major, ai = ib >> 5, ib & 0x1F
        if ai < 24:
            return major, ai, ai
        if ai in (24, 25, 26, 27):
            n = 1 << (ai - 24)
            if self.pos + n > len(d):
                raise Undecodable("CBOR head truncated")
            v = int.from_bytes(d[self.pos:self.pos + n], "big")
            self.pos += n
            minimum = {24: 24, 25: 256, 26: 65536, 27: 2 ** 32}[ai]
            if v < minimum:
                raise Undecodable("CBOR argument not in preferred (shortest) form")
            return major, ai, v
        if ai == 31:
            raise Undecodable("CBOR indefinite length / break")
        raise Undecodable("CBOR reserved additional information")

    def item(self, depth=0):
        start = self.pos
        major, ai, v = self._head()
        if major == 7:
            raise Undecodable("CBOR major type 7 (simple/float) not allowed")
        if major == 0:
            return v
        if major == 1:
            return -1 - v
        if major in (2, 3):
            if v > len(self.data) - self.pos:
                raise Undecodable("CBOR string longer than remaining bytes")
            raw = self.data[self.pos:self.pos + v]
            self.pos += v
            if major == 2:
                return bytes(raw)
            try:
                return raw.decode("utf-8", errors="strict")
            except UnicodeDecodeError:
                raise Undecodable("CBOR text not well-formed UTF-8")
        if major == 4:
            self._enter(depth)
            if v > len(self.data) - self.pos:
                raise Undecodable("CBOR array count exceeds remaining bytes")
            return [self.item(depth + 1) for _ in range(v)]
        if major == 5:
            self._enter(depth)
            if 2 * v > len(self.data) - self.pos:
                raise Undecodable("CBOR map count exceeds remaining bytes")
            out = {}
            prev = None
            for _ in range(v):
                ks = self.pos
                k = self.item(depth + 1)
                kraw = self.data[ks:self.pos]
                if type(k) not in (int, str):
                    raise Undecodable("CBOR map key of a type the format does not use")
                if prev is not None:
                    if kraw == prev:
                        raise Undecodable("CBOR duplicate map key")
                    if kraw < prev:
                        raise Undecodable("CBOR map keys not in deterministic order")
                prev = kraw
                out[k] = self.item(depth + 1)
            return out
        if major == 6:
            if v not in self.tags:
                raise Undecodable("CBOR tag %d not allowed here" % v)
            self._enter(depth)
            return Tag(v, self.item(depth + 1))
        raise AssertionError("unreachable")


def cbor_decode(data: bytes, tags=()):
    """Decode exactly one strict, deterministic CBOR item; nothing may follow.

    `tags`: the tag numbers accepted (anywhere in the item); every other tag,
    and by default every tag, is undecodable (certificate.md §1 rule 6).
    """
    dec = _CBORDecoder(bytes(data), tags)
    v = dec.item()
    if dec.pos != len(dec.data):
        raise Undecodable("bytes after the CBOR item")
    return v


def _cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for ai, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 2 ** (8 * size):
            return bytes([major << 5 | ai]) + n.to_bytes(size, "big")
    raise ValueError("too large")


def cbor_encode(v) -> bytes:
    """Deterministic encoder (test helper, for building our own certificates)."""
    if type(v) is int:
        return _cbor_head(0, v) if v >= 0 else _cbor_head(1, -1 - v)
    if isinstance(v, (bytes, bytearray)):
        return _cbor_head(2, len(v)) + bytes(v)
    if isinstance(v, str):
        b = v.encode("utf-8")
        return _cbor_head(3, len(b)) + b
    if isinstance(v, list):
        return _cbor_head(4, len(v)) + b"".join(cbor_encode(x) for x in v)
    if isinstance(v, dict):
        items = sorted((cbor_encode(k), cbor_encode(x)) for k, x in v.items())
        return _cbor_head(5, len(items)) + b"".join(k + x for k, x in items)
    if isinstance(v, Tag):
        return _cbor_head(6, v.tag) + cbor_encode(v.value)
    raise TypeError("cannot encode %r" % (v,))


# ---------------------------------------------------------------------------
# base64 helpers (README "Conventions": canonical only)
# ---------------------------------------------------------------------------

_B64_RE = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z")
_B64URL_RE = re.compile(r"^[A-Za-z0-9_-]*\Z")


def b64decode_canonical(s: str) -> bytes:
    if not isinstance(s, str) or not _B64_RE.match(s):
        raise ValueError("not canonical base64")
    b = base64.b64decode(s, validate=True)
    if base64.b64encode(b).decode("ascii") != s:
        raise ValueError("not canonical base64 (unused bits)")
    return b


def b64url_decode_canonical(s: str) -> bytes:
    if not isinstance(s, str) or not _B64URL_RE.match(s) or len(s) % 4 == 1:
        raise ValueError("not canonical base64url")
    b = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    if base64.urlsafe_b64encode(b).decode("ascii").rstrip("=") != s:
        raise ValueError("not canonical base64url (unused bits)")
    return b


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode("ascii").rstrip("=")


# ---------------------------------------------------------------------------
# COSE_Sign1 envelope (certificate.md §2)
# ---------------------------------------------------------------------------


class Envelope:
    def __init__(self, raw, protected, kid, payload, signature):
        self.raw = raw
        self.protected = protected
        self.kid = kid
        self.payload = payload
        self.signature = signature


def decode_envelope(raw: bytes) -> Envelope:
    item = cbor_decode(raw, ENVELOPE_TAGS)
    if not isinstance(item, Tag) or item.tag != 18:
        raise Undecodable("envelope is not tagged COSE_Sign1 (tag 18)")
    arr = item.value
    if type(arr) is not list or len(arr) != 4:
        raise Undecodable("COSE_Sign1 is not an array of 4")
    prot, unprot, payload, sig = arr
    if type(prot) is not bytes or len(prot) != 13:
        raise Undecodable("protected header is not a 13-byte bstr")
    ph = cbor_decode(prot)
    if type(ph) is not dict or set(ph.keys()) != {1, 4} or any(type(k) is not int for k in ph):
        raise Undecodable("protected header must be exactly {1, 4}")
    if type(ph[1]) is not int or ph[1] != -7:
        raise Undecodable("alg is not ES256 (-7)")
    if type(ph[4]) is not bytes or len(ph[4]) != 8:
        raise Undecodable("kid is not an 8-byte bstr")
    if type(unprot) is not dict or unprot:
        raise Undecodable("unprotected header is not the empty map")
    if type(payload) is not bytes:
        raise Undecodable("payload is not a bstr")
    if type(sig) is not bytes or len(sig) != 64:
        raise Undecodable("signature is not a 64-byte bstr")
    return Envelope(bytes(raw), prot, ph[4], payload, sig)


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    return cbor_encode(["Signature1", protected, b"", payload])


def es256_verify(pub: ec.EllipticCurvePublicKey, env: Envelope) -> bool:
    r = int.from_bytes(env.signature[:32], "big")
    s = int.from_bytes(env.signature[32:], "big")
    if not (1 <= r < P256_N and 1 <= s < P256_N):
        return False
    try:
        pub.verify(encode_dss_signature(r, s), sig_structure(env.protected, env.payload),
                   ec.ECDSA(hashes.SHA256()))
        return True
    except InvalidSignature:
        return False


def kid_of(x: bytes, y: bytes) -> bytes:
    return hashlib.sha256(b"\x04" + x + y).digest()[:8]


# ---------------------------------------------------------------------------
# Claims (certificate.md §3, §4 CBOR forms)
# ---------------------------------------------------------------------------

KIND_ID_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}\Z")


class Claims:
    pass


def field_value_type(v):
    """CBOR form -> value type (certificate.md §4); other forms are undecodable."""
    if type(v) is str:
        return "text"
    if type(v) is int:
        if not -2 ** 63 <= v <= 2 ** 63 - 1:
            raise Undecodable("integer field outside int64")
        return "integer"
    if isinstance(v, Tag):
        if type(v.value) is not str:
            raise Undecodable("field tag on a non-text item")
        t = {1004: "date", 30000: "decimal", 30001: "enum"}.get(v.tag)
        if t is None:
            raise Undecodable("tag %d not allowed on a field value" % v.tag)
        return t
    if type(v) is list:
        if not v or any(type(x) is not str for x in v):
            raise Undecodable("field array must be a non-empty array of text")
        return "textList"
    raise Undecodable("field value of a CBOR form the format does not use")


def decode_claims(payload: bytes) -> Claims:
    m = cbor_decode(payload, FIELD_TAGS)  # and only on field values (field_value_type)
    if type(m) is not dict:
        raise Undecodable("claims are not a map")
    keys = set(m.keys())
    if not ({1, 6, 7, -70000} <= keys <= {1, 4, 6, 7, -70000}) or any(type(k) is not int for k in keys):
        raise Undecodable("claims keys are not exactly iss, [exp], iat, cti, -70000")
    c = Claims()
    c.iss = m[1]
    if type(c.iss) is not str:
        raise Undecodable("iss is not tstr")
    for k in (4, 6):
        if k in m and (type(m[k]) is not int or not 0 <= m[k] <= JS_SAFE_MAX):
            raise Undecodable("time claim out of range")
    c.exp = m.get(4)
    c.iat = m[6]
    c.cti = m[7]
    a = m[-70000]
    if type(a) is not dict or any(type(k) is not int for k in a) or not {1, 2, 3} <= set(a) <= {1, 2, 3, 4, 5}:
        raise Undecodable("Akashi content keys are not exactly 1..3 (and optionally 4, 5)")
    # certificate.md §3 / subject-transparency.md §2: key 5, the subject keys,
    # an array of 1 ... 4 byte strings of exactly 32 bytes.  [] when absent.
    c.subject_keys = []
    if 5 in a:
        sk = a[5]
        if type(sk) is not list or not 1 <= len(sk) <= MAX_SUBJECTS or any(
                type(x) is not bytes or len(x) != 32 for x in sk):
            raise Undecodable("subject keys (content key 5) are not 1..4 byte strings of 32 bytes")
        c.subject_keys = list(sk)
    # certificate.md §3: cti is 10 random bytes, or with a present mask (key 4)
    # the 16-byte commitment R (selective-disclosure.md §2); mask 1 ... 65 535.
    c.mask = a.get(4)
    if c.mask is not None and (type(c.mask) is not int or not 1 <= c.mask <= 65535):
        raise Undecodable("present mask out of 1..65535")
    want = 10 if c.mask is None else 16
    if type(c.cti) is not bytes or len(c.cti) != want:
        raise Undecodable("cti is not %d bytes" % want)
    c.kind = a[1]
    if type(c.kind) is not str or not KIND_ID_RE.match(c.kind):
        raise Undecodable("kind id grammar")
    c.kind_version = a[2]
    if type(c.kind_version) is not int or not 1 <= c.kind_version <= 2 ** 31 - 1:
        raise Undecodable("kind version range")
    fields = a[3]
    if type(fields) is not dict or any(type(k) is not str for k in fields):
        raise Undecodable("fields is not a map with text keys")
    c.fields = {}
    for k, v in fields.items():
        c.fields[k] = (field_value_type(v), v)
    return c


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def serial_text(cti: bytes) -> str:
    """certificate.md §3.1: the serial is the first 10 bytes of cti."""
    n = int.from_bytes(cti[:10], "big")
    chars = "".join(CROCKFORD[(n >> (75 - 5 * i)) & 31] for i in range(16))
    return "-".join(chars[i:i + 4] for i in range(0, 16, 4))


# ---------------------------------------------------------------------------
# Text rule (certificate.md §5)
# ---------------------------------------------------------------------------

_CONTROL_RANGES = [(0x0000, 0x001F), (0x007F, 0x009F), (0x2028, 0x2029)]
_DISALLOWED_RANGES = [
    (0x061C, 0x061C), (0x200E, 0x200F), (0x202A, 0x202E), (0x2066, 0x2069),
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200D), (0x2060, 0x2065), (0x206A, 0x206F),
    (0x3164, 0x3164), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFFB),
    (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE007F),
    (0xE000, 0xF8FF), (0xF0000, 0xFFFFD), (0x100000, 0x10FFFD),
    (0xFDD0, 0xFDEF), (0xFFFD, 0xFFFD),
]
WHITE_SPACE = set([0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000]
                  + list(range(0x09, 0x0E)) + list(range(0x2000, 0x200B)))


def is_noncharacter(cp: int) -> bool:
    return 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE


def code_point_reason(cp: int):
    for lo, hi in _CONTROL_RANGES:
        if lo <= cp <= hi:
            return "controlCharacter"
    if is_noncharacter(cp):
        return "disallowedCharacter"
    for lo, hi in _DISALLOWED_RANGES:
        if lo <= cp <= hi:
            return "disallowedCharacter"
    if 0xD800 <= cp <= 0xDFFF:
        return "disallowedCharacter"  # not a scalar value at all
    return None


def text_rule_reason(s: str, max_length: int | None = None):
    """None if `s` satisfies the text rule (and 1..max_length), else a reason:
    controlCharacter / disallowedCharacter (§5.1), notNFC (§5.2),
    edgeWhiteSpace (§5.3), empty, tooLong — checked in that order (an edge
    U+2000 is notNFC: NFC maps it to U+2002)."""
    for ch in s:
        r = code_point_reason(ord(ch))
        if r:
            return r
    if not unicodedata.is_normalized("NFC", s):
        return "notNFC"
    if s and (ord(s[0]) in WHITE_SPACE or ord(s[-1]) in WHITE_SPACE):
        return "edgeWhiteSpace"
    if len(s) == 0:
        return "empty"
    if max_length is not None and len(s) > max_length:
        return "tooLong"
    return None


# ---------------------------------------------------------------------------
# Field checks against the kind (certificate.md §4)
# ---------------------------------------------------------------------------

DATE_RE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
DECIMAL_RE = re.compile(r"^(-?)(0|[1-9][0-9]*)(?:\.([0-9]*[1-9]))?\Z")


def valid_date(s: str) -> bool:
    if not DATE_RE.match(s):
        return False
    y, m, d = int(s[0:4]), int(s[5:7]), int(s[8:10])
    if not 1868 <= y <= 2999 or not 1 <= m <= 12:
        return False
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    mdays = [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return 1 <= d <= mdays


def decimal_value(s: str, scale: int):
    """Fraction if canonical and within digit limits, else None."""
    m = DECIMAL_RE.match(s)
    if not m:
        return None
    sign, ip, fp = m.group(1), m.group(2), m.group(3) or ""
    if len(ip) > 15 or len(fp) > scale:
        return None
    v = Fraction(ip + ("." + fp if fp else ""))
    if sign:
        if v == 0:
            return None  # "-0" (or "-0.0…" which the grammar already refuses)
        v = -v
    return v


def check_field(fdef: dict, vtype: str, v) -> str | None:
    """None if ok, else a short description of why `invalidFields`."""
    if vtype != fdef["type"]:
        return "type %s, kind says %s" % (vtype, fdef["type"])
    t = vtype
    if t == "text":
        r = text_rule_reason(v, fdef["maxLength"])
        return r and "text: " + r
    if t == "textList":
        if "maxItems" in fdef and len(v) > fdef["maxItems"]:
            return "too many items"
        for item in v:
            r = text_rule_reason(item, fdef["maxLength"])
            if r:
                return "textList item: " + r
        return None
    if t == "date":
        return None if valid_date(v.value) else "not a canonical real date 1868..2999"
    if t == "integer":
        if abs(v) > 999_999_999_999_999_999:
            return "integer beyond 18 digits"
        if "minimum" in fdef and v < fdef["minimum"]:
            return "below minimum"
        if "maximum" in fdef and v > fdef["maximum"]:
            return "above maximum"
        return None
    if t == "decimal":
        val = decimal_value(v.value, fdef.get("scale", 3))
        if val is None:
            return "decimal not canonical or too many digits"
        if "minimum" in fdef and val < fdef["minimum"]:
            return "below minimum"
        if "maximum" in fdef and val > fdef["maximum"]:
            return "above maximum"
        return None
    if t == "enum":
        if any(o["value"].encode("utf-8") == v.value.encode("utf-8") for o in fdef["options"]):
            return None
        return "not an option value"
    return "unknown type"


def check_fields(kind: dict, fields: dict, mask=None) -> list:
    """kindValid (verification.md §3 check 6, selective-disclosure.md §5 step 3):
    the signed fields against the kind; `mask` the present mask (key 4) or None."""
    problems = []
    defs = {f["id"]: f for f in kind["fields"]}
    wids = withholdable_ids(kind)
    for fid, (vtype, v) in fields.items():
        fdef = defs.get(fid)
        if fdef is None:
            problems.append("%s: not a field of the kind" % fid)
            continue
        if fdef.get("withholdable") is True:
            problems.append("%s: a withholdable field in the signed fields" % fid)
            continue
        r = check_field(fdef, vtype, v)
        if r:
            problems.append("%s: %s" % (fid, r))
    m = mask or 0
    if m >> len(wids):
        problems.append("present mask 0x%x has a bit at or above the kind's %d withholdable fields"
                        % (m, len(wids)))
    issued_w = {fid for i, fid in enumerate(wids) if m >> i & 1}
    for fid, fdef in defs.items():
        if fdef["required"] and fid not in fields and fid not in issued_w:
            problems.append("%s: required field missing" % fid)
    return problems


def field_json(vtype, v):
    if vtype in ("date", "decimal", "enum"):
        return v.value
    return v


# ---------------------------------------------------------------------------
# Selective disclosure (selective-disclosure.md)
# ---------------------------------------------------------------------------

MAX_WITHHOLDABLE = 16


def withholdable_ids(kind: dict) -> list:
    """§1: the kind's fields with `withholdable` true, in the order of `fields`;
    bit i of the present mask is the i-th of them."""
    return [f["id"] for f in kind["fields"] if f.get("withholdable") is True]


def kind_units(kind: dict) -> list:
    """§1: the units, each a list of bit indexes (ascending), ordered by the
    position of their first field: a field without `withholdGroup` is a unit by
    itself, fields with the same group form one unit."""
    units = []
    by_group = {}
    for i, f in enumerate(f for f in kind["fields"] if f.get("withholdable") is True):
        g = f.get("withholdGroup")
        if g is None:
            units.append([i])
        elif g in by_group:
            by_group[g].append(i)
        else:
            by_group[g] = [i]
            units.append(by_group[g])
    return units


def present_units(kind: dict, mask: int) -> list:
    """§1.1: the present units u_0 ... u_{m-1}, each the list of its present
    fields' ids (kind order).  Bits at or above the kind's withholdable count
    name no field (kindValid reports them) and are ignored here."""
    wids = withholdable_ids(kind)
    out = []
    for u in kind_units(kind):
        ids = [wids[i] for i in u if mask >> i & 1]
        if ids:
            out.append(ids)
    return out


def h16(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()[:16]


def sd_salt(seed: bytes, t: int) -> bytes:
    return h16(b"\x73" + seed + bytes([t]))


def sd_leaf(salt: bytes, unit: bytes) -> bytes:
    return h16(b"\x6c" + salt + unit)


def sd_pair(*leaves: bytes) -> bytes:
    return h16(b"\x70" + b"".join(leaves))


def sd_root(commitments) -> bytes:
    return h16(b"\x72" + b"".join(commitments))


def sd_pairs(m: int) -> list:
    """§2: pair j is (u_2j, u_2j+1); when m is odd the last pair has one unit."""
    return [list(range(j, min(j + 2, m))) for j in range(0, m, 2)]


def sd_node_count(shown: list) -> int:
    """§3: k = p + the number of pairs with exactly one unit withheld."""
    return sum(1 if len({shown[i] for i in pr}) == 1 else 2 for pr in sd_pairs(len(shown)))


class Disclosures:
    """The decoded disclosures (§3): `entries` a list of (bytes U as received,
    dict id -> (type, value)) for a shown entry, (b"\xa0", None) for a withheld
    one; `nodes` the node byte string."""

    def __init__(self, entries, nodes):
        self.entries = entries
        self.nodes = nodes

    @property
    def shown(self):
        return [e[1] is not None for e in self.entries]


def decode_disclosures(raw: bytes):
    """§5 step 1 (in decode): None for D = 0, else the Disclosures; any
    violation of §3 or certificate.md §1, §4 (CBOR forms) is Undecodable."""
    if not raw:
        return None
    item = cbor_decode(raw, FIELD_TAGS)  # strict profile; tags only on field values (below)
    if type(item) is not list or not 2 <= len(item) <= 1 + MAX_WITHHOLDABLE:
        raise Undecodable("disclosures are not an array of 2..17 items")
    # the exact bytes of each entry (deterministic: they are its only encoding)
    dec = _CBORDecoder(bytes(raw), FIELD_TAGS)
    dec._head()
    spans = []
    for _ in item:
        st = dec.pos
        dec.item(1)
        spans.append(bytes(raw[st:dec.pos]))
    entries = []
    for e, u in zip(item[:-1], spans[:-1]):
        if type(e) is not dict:
            raise Undecodable("a unit entry is not a map")
        if not e:
            entries.append((u, None))
            continue
        vals = {}
        for k, x in e.items():
            if type(k) is not str:
                raise Undecodable("a unit entry key is not a text string")
            vals[k] = (field_value_type(x), x)  # no id twice: the CBOR decoder refuses duplicates
        entries.append((u, vals))
    nodes = item[-1]
    if type(nodes) is not bytes:
        raise Undecodable("nodes is not a byte string")
    d = Disclosures(entries, nodes)
    if len(nodes) != 16 * sd_node_count(d.shown):
        raise Undecodable("nodes are %d bytes, the shown/withheld pattern needs %d"
                          % (len(nodes), 16 * sd_node_count(d.shown)))
    return d


def sd_materials(d: Disclosures):
    """§3/§4 step 1-2: per pair, its commitment C, its leaves (None where
    unknown), its salts (None where unknown) and its seed (or None)."""
    nodes = [d.nodes[i:i + 16] for i in range(0, len(d.nodes), 16)]
    pos = 0
    out = []
    for pr in sd_pairs(len(d.entries)):
        units = [d.entries[i][0] for i in pr]
        shown = [d.entries[i][1] is not None for i in pr]
        seed = None
        if all(shown):
            seed = nodes[pos]
            pos += 1
            salts = [sd_salt(seed, t) for t in range(len(pr))]
            leaves = [sd_leaf(s, u) for s, u in zip(salts, units)]
            c = sd_pair(*leaves)
        elif not any(shown):
            c = nodes[pos]
            pos += 1
            salts = [None] * len(pr)
            leaves = [None] * len(pr)
        elif shown[0]:
            s0, l1 = nodes[pos], nodes[pos + 1]
            pos += 2
            salts, leaves = [s0, None], [sd_leaf(s0, units[0]), l1]
            c = sd_pair(*leaves)
        else:
            l0, s1 = nodes[pos], nodes[pos + 1]
            pos += 2
            salts, leaves = [None, s1], [l0, sd_leaf(s1, units[1])]
            c = sd_pair(*leaves)
        out.append({"pair": pr, "C": c, "leaves": leaves, "salts": salts, "seed": seed})
    assert pos == len(nodes)  # decode_disclosures checked the length
    return out


def sd_commitment(d: Disclosures) -> bytes:
    """§5 step 4: R recomputed from the entries and the nodes."""
    return sd_root(m["C"] for m in sd_materials(d))


def check_disclosure(kind, mask, d: Disclosures, cti: bytes):
    """The `disclosure` check (§5 step 4) for a known kind.
    Returns (code or None, detail, shown fields dict, withheld ids)."""
    if mask is None and d is None:
        return None, None, {}, []
    if mask is None or d is None:
        return "disclosureMismatch", "present mask %s but D %s" % (
            "absent" if mask is None else "set", "= 0" if d is None else "> 0"), None, None
    units = present_units(kind, mask)
    if len(d.entries) != len(units):
        return "disclosureMismatch", "%d unit entries, the mask gives %d present units" % (
            len(d.entries), len(units)), None, None
    defs = {f["id"]: f for f in kind["fields"]}
    shown = [(i, e[1]) for i, e in enumerate(d.entries) if e[1] is not None]
    for i, vals in shown:
        for k in vals:
            if k not in defs:
                return "disclosureUnknownField", "entry %d: %r is not a field of the kind" % (i, k), None, None
    for i, vals in shown:
        for k in vals:
            if defs[k].get("withholdable") is not True:
                return "notWithholdable", "entry %d: %r is not withholdable" % (i, k), None, None
    for i, vals in shown:
        if sorted(vals) != sorted(units[i]):
            return "disclosureMismatch", "entry %d holds %s, unit %d's present fields are %s" % (
                i, sorted(vals), i, units[i]), None, None
    r = sd_commitment(d)
    if r != cti:
        return "disclosureMismatch", "recomputed R %s differs from cti %s" % (r.hex(), cti.hex()), None, None
    problems = []
    for i, vals in shown:
        for k, (vtype, x) in vals.items():
            p = check_field(defs[k], vtype, x)
            if p:
                problems.append("%s: %s" % (k, p))
    if problems:
        return "invalidFields", "; ".join(problems), None, None
    shown_fields = {}
    withheld = set()
    for i, (u, vals) in enumerate(d.entries):
        if vals is None:
            withheld.update(units[i])
        else:
            shown_fields.update(vals)
    order = [f["id"] for f in kind["fields"]]
    return None, None, shown_fields, [fid for fid in order if fid in withheld]


def encode_disclosures(entries_bytes: list, nodes: bytes) -> bytes:
    return _cbor_head(4, len(entries_bytes) + 1) + b"".join(entries_bytes) + cbor_encode(bytes(nodes))


def reduce(qr_text, hide_field_ids) -> str:
    """§4: the holder's reduction.  Withholds the units of the shown entries
    that hold any of `hide_field_ids` (a field withholds its whole unit) and
    returns the new QR text (the URL part, if any, kept).  Needs nothing but
    the text: no key, no trust file.  Raises ValueError for an id that is in the
    signed fields (not withholdable) or in no shown entry (already withheld,
    not issued, or not a field: the text cannot tell which); Undecodable if the
    presentation does not decode (§5 step 1)."""
    raw = qr_text.encode("utf-8") if isinstance(qr_text, str) else bytes(qr_text)
    payload = parse_qr_text(raw)
    env_bytes, disc_bytes, proof_bytes = parse_payload(payload)
    decode_envelope(env_bytes)
    decode_compact_proof(proof_bytes)
    d = decode_disclosures(disc_bytes)
    hide = list(hide_field_ids)
    signed = {}
    try:  # the claims, unverified, only to name a signed field in the refusal
        signed = decode_claims(decode_envelope(env_bytes).payload).fields
    except Undecodable:
        pass
    new_shown = d.shown if d is not None else []
    new_shown = list(new_shown)
    for fid in hide:
        if fid in signed:
            raise ValueError("%s is a signed field: it is not withholdable" % fid)
        hit = [i for i, (u, vals) in enumerate(d.entries if d else []) if vals is not None and fid in vals]
        if not hit:
            raise ValueError("%s is in no shown unit of this presentation" % fid)
        for i in hit:
            new_shown[i] = False
    if d is None:
        return _qr_like(raw, payload)
    nodes = b""
    for mat in sd_materials(d):
        pr = mat["pair"]
        want = [new_shown[i] for i in pr]
        if all(want):
            nodes += mat["seed"]          # all shown now, so all were shown: the seed is known
        elif not any(want):
            nodes += mat["C"]
        else:
            shown_i = 0 if want[0] else 1
            salt = mat["salts"][shown_i]  # known: a unit shown now was shown before
            assert salt is not None
            other = mat["leaves"][1 - shown_i]
            nodes += (salt + other) if shown_i == 0 else (other + salt)
    entries = [u if new_shown[i] else b"\xa0" for i, (u, _) in enumerate(d.entries)]
    new_payload = make_payload(env_bytes, proof_bytes, encode_disclosures(entries, nodes))
    return _qr_like(raw, new_payload)


def _qr_like(raw: bytes, payload: bytes) -> str:
    """A QR text for `payload` with the URL part (before '#') of `raw` kept."""
    ws = b" \t\n\r"
    t = raw.strip(ws)
    h = t.find(b"#")
    url = t[:h].decode("utf-8") if h >= 0 else None
    return make_qr_text(payload, url)


# ---------------------------------------------------------------------------
# Subject transparency (subject-transparency.md)
# ---------------------------------------------------------------------------

MAX_SUBJECTS = 4
ZERO32 = bytes(32)


def x25519(k: bytes, u: bytes) -> bytes:
    """RFC 7748 §5 X25519(k, u): the scalar clamped, the u-coordinate's top bit
    masked (both by the library).  An all-zero result (a low-order u, §6.1) is
    returned as 32 zero bytes — the library refuses to output it, but the
    function's value is defined, and callers test for it."""
    priv = X25519PrivateKey.from_private_bytes(k)
    try:
        return priv.exchange(X25519PublicKey.from_public_bytes(u))
    except ValueError:
        return ZERO32


def x25519_base(k: bytes) -> bytes:
    """X25519(k, 9): the public key of the scalar k."""
    return X25519PrivateKey.from_private_bytes(k).public_key().public_bytes_raw()


def sha256(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def subject_r(cti: bytes, i: int) -> bytes:
    """§3: r_i = H(0x65 ‖ c ‖ byte(i)), c the whole cti (10 or 16 bytes)."""
    return sha256(b"\x65" + cti + bytes([i]))


def subject_k(S: bytes, R: bytes) -> bytes:
    """§3: k = H(0x6B ‖ S ‖ R)."""
    return sha256(b"\x6b" + S + R)


def xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


class SubjectLine:
    """The derivation of §3 for subject i, every intermediate value kept."""

    def __init__(self, cti: bytes, i: int, V: bytes):
        self.i, self.V = i, V
        self.r = subject_r(cti, i)
        self.R = x25519_base(self.r)
        self.S = x25519(self.r, V)
        self.k = subject_k(self.S, self.R)
        self.tag = self.k[0:8]
        self.enc = xor(cti[:10], self.k[8:18])
        self.data = self.R + self.tag + self.enc          # 50 bytes
        self.line = b"subject " + b64url(self.data).encode("ascii") + b"\n"   # 8 + 67 + 1 bytes

    @property
    def low_order(self) -> bool:
        return self.S == ZERO32


def subject_lines(cti: bytes, keys) -> list:
    """One SubjectLine per subject key of the claims (content key 5), in order."""
    return [SubjectLine(cti, i, V) for i, V in enumerate(keys)]


def check_subject(kind, keys, lines):
    """The `subject` check (§4).  `kind` None when kindValid found no kind of
    the id (then nothing is required).  Returns (code or None, detail)."""
    n = kind.get("subjects", 0) if kind is not None else 0
    if n >= 1 and len(keys) != n:
        return "subjectNotFindable", "the kind has %d subject(s), the claims %d subject key(s)" % (n, len(keys))
    for ln in lines:
        if ln.low_order:
            return "subjectNotFindable", "subject key %d is of low order: S is 32 zero bytes" % ln.i
    return None, None


def _numeric_text(prefix: str, data: bytes) -> str:
    return prefix + numeric_encode(data)


def _parse_numeric_text(prefix: str, text) -> bytes:
    if isinstance(text, bytes):
        text = text.decode("ascii")
    text = text.strip(" \t\r\n")
    if not text.startswith(prefix) or len(text) != len(prefix) + 78:
        raise ValueError("not %s followed by 78 digits" % prefix)
    b = numeric_decode(text[len(prefix):])
    assert len(b) == 32
    return b


def secret_text(v: bytes) -> str:
    """§1: the secret text AKS1. ‖ the 32 bytes in the numeric codec (78 digits)."""
    return _numeric_text("AKS1.", v)


def key_text(V: bytes) -> str:
    """§1: the key text AKP1. ‖ digits."""
    return _numeric_text("AKP1.", V)


def parse_secret_text(t) -> bytes:
    return _parse_numeric_text("AKS1.", t)


def parse_key_text(t) -> bytes:
    return _parse_numeric_text("AKP1.", t)


def subject_public_key(v: bytes) -> bytes:
    """§1: V = X25519(v, 9)."""
    return x25519_base(v)


# ---------------------------------------------------------------------------
# Log entries, Merkle tree (log.md §2, §3; compact-proof.md §2, §4)
# ---------------------------------------------------------------------------


def certificate_entry(envelope: bytes, kind_id: str, iat: int, lines=()) -> bytes:
    """log.md §2.1: lines 1-5, then one subject line per subject key (`lines`:
    SubjectLine objects or their bytes)."""
    head = ("akashi-entry/v1\ntype certificate\nsha256 %s\nkind %s\nissued %d\n"
            % (hashlib.sha256(envelope).hexdigest(), kind_id, iat)).encode("utf-8")
    return head + b"".join(ln.line if isinstance(ln, SubjectLine) else ln for ln in lines)


HEX64_RE = re.compile(rb"^[0-9a-f]{64}\Z")
DEC_RE = re.compile(rb"^(0|[1-9][0-9]*)\Z")
KIND_ID_BYTES_RE = re.compile(rb"^[a-z][a-z0-9-]{0,39}\Z")
REASONS = ("error", "moved", "ended", "other")


class Entry:
    """A parsed log entry (log.md §2): `type`, `sha256` (bytes), and per type
    `kind`, `issued`, `subjects` (list of 50-byte values); `name`; `target`,
    `reason`, `at`; `target`, `successor`, `at`."""

    def __init__(self, **kw):
        self.__dict__.update(kw)


def _dec(b: bytes, what: str) -> int:
    if not DEC_RE.match(b):
        raise ValueError("%s is not canonical decimal" % what)
    n = int(b)
    if n > JS_SAFE_MAX:
        raise ValueError("%s beyond 2^53 - 1" % what)
    return n


def encode_entry(e: Entry) -> bytes:
    out = b"akashi-entry/v1\ntype " + e.type.encode() + b"\nsha256 " + e.sha256.hex().encode() + b"\n"
    if e.type == "certificate":
        out += b"kind %s\nissued %d\n" % (e.kind.encode(), e.issued)
        out += b"".join(b"subject " + b64url(x).encode() + b"\n" for x in e.subjects)
    elif e.type == "document":
        if e.name is not None:
            out += b"name " + e.name + b"\n"
    elif e.type == "revocation":
        out += b"target %d\nreason %s\nat %d\n" % (e.target, e.reason.encode(), e.at)
    elif e.type == "supersession":
        out += b"target %d\nsuccessor %d\nat %d\n" % (e.target, e.successor, e.at)
    return out


def parse_entry(raw: bytes) -> Entry:
    """log.md §2: the grammar, then re-encode and refuse unless identical.
    Raises ValueError."""
    raw = bytes(raw)
    if len(raw) > 65535:
        raise ValueError("entry longer than 65 535 bytes")
    if not raw.endswith(b"\n"):
        raise ValueError("entry does not end in LF")
    lines = raw[:-1].split(b"\n")
    if lines[0] != b"akashi-entry/v1" or len(lines) < 3:
        raise ValueError("not an akashi-entry/v1 header")

    def kv(line, key):
        if not line.startswith(key + b" "):
            raise ValueError("expected a %r line" % key.decode())
        return line[len(key) + 1:]
    typ = kv(lines[1], b"type")
    h = kv(lines[2], b"sha256")
    if not HEX64_RE.match(h):
        raise ValueError("sha256 is not 64 lowercase hex digits")
    rest = lines[3:]
    e = Entry(type=typ.decode("ascii", "replace"), sha256=bytes.fromhex(h.decode()))
    if typ == b"certificate":
        if len(rest) < 2 or len(rest) > 6:
            raise ValueError("certificate entry: kind, issued and at most 4 subject lines")
        kid = kv(rest[0], b"kind")
        if not KIND_ID_BYTES_RE.match(kid):
            raise ValueError("kind id grammar")
        e.kind = kid.decode()
        e.issued = _dec(kv(rest[1], b"issued"), "issued")
        e.subjects = []
        for ln in rest[2:]:
            b = kv(ln, b"subject")
            if len(b) != 67:
                raise ValueError("subject line is not 67 base64url characters")
            e.subjects.append(b64url_decode_canonical(b.decode("ascii")))
    elif typ == b"document":
        e.name = None
        if len(rest) > 1:
            raise ValueError("document entry: at most a name line")
        if rest:
            nm = kv(rest[0], b"name")
            if not 1 <= len(nm) <= 200:
                raise ValueError("name is not 1-200 bytes")
            t = nm.decode("utf-8")
            if any(ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F or ch in "\u2028\u2029" for ch in t):
                raise ValueError("name has a refused code point")
            e.name = nm
    elif typ == b"revocation":
        if len(rest) != 3:
            raise ValueError("revocation entry: target, reason, at")
        e.target = _dec(kv(rest[0], b"target"), "target")
        r = kv(rest[1], b"reason").decode("ascii", "replace")
        if r not in REASONS:
            raise ValueError("unknown revocation reason")
        e.reason = r
        e.at = _dec(kv(rest[2], b"at"), "at")
    elif typ == b"supersession":
        if len(rest) != 3:
            raise ValueError("supersession entry: target, successor, at")
        e.target = _dec(kv(rest[0], b"target"), "target")
        e.successor = _dec(kv(rest[1], b"successor"), "successor")
        e.at = _dec(kv(rest[2], b"at"), "at")
    else:
        raise ValueError("unknown entry type")
    if encode_entry(e) != raw:
        raise ValueError("entry is not in its canonical encoding")
    return e


def leaf_hash(entry: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _largest_pow2_below(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def pathlen_recursive(m: int, n: int) -> int:
    if n == 1:
        return 0
    k = _largest_pow2_below(n)
    if m < k:
        return 1 + pathlen_recursive(m, k)
    return 1 + pathlen_recursive(m - k, n - k)


def pathlen(m: int, n: int) -> int:
    inner = (m ^ (n - 1)).bit_length()
    border = bin(m >> inner).count("1")
    return inner + border


def mth(leaves: list) -> bytes:
    """RFC 9162 §2.1.1 MTH over a list of *entries* (test helper)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hash(leaves[0])
    k = _largest_pow2_below(n)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def audit_path(m: int, leaves: list) -> list:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]) (test helper)."""
    n = len(leaves)
    if n <= 1:
        return []
    k = _largest_pow2_below(n)
    if m < k:
        return audit_path(m, leaves[:k]) + [mth(leaves[k:])]
    return audit_path(m - k, leaves[k:]) + [mth(leaves[:k])]


def root_from_inclusion(leaf: bytes, index: int, tree_size: int, path: list) -> bytes:
    """RFC 9162 §2.1.3.2 as written in compact-proof.md §4 step 2."""
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            raise ValueError("proof too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ValueError("proof too short")
    return r


def checkpoint_text(origin: str, tree_size: int, root: bytes) -> bytes:
    return ("%s\n%d\n%s\n" % (origin, tree_size, b64(root))).encode("utf-8")


def note_key_id(name: str, sig_type: int, pub: bytes) -> bytes:
    return hashlib.sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + pub).digest()[:4]


def cosignature_message(t: int, text: bytes) -> bytes:
    return b"cosignature/v1\ntime %d\n" % t + text


def ed25519_verify(pub: bytes, sig: bytes, msg: bytes) -> bool:
    if len(sig) != 64:
        return False
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(pub).verify(sig, msg)
        return True
    except (InvalidSignature, ValueError):
        return False


# ---------------------------------------------------------------------------
# Compact proof (compact-proof.md §1, §3)
# ---------------------------------------------------------------------------


class CompactProof:
    def __init__(self, index, tree_size, hashes, records):
        self.index = index
        self.tree_size = tree_size
        self.hashes = hashes
        self.records = records  # list of (key_id bytes[4], sig bytes)


def decode_compact_proof(b: bytes) -> CompactProof:
    index, pos = read_uvarint(b, 0)
    tree_size, pos = read_uvarint(b, pos)
    if not 1 <= tree_size <= JS_SAFE_MAX:
        raise Undecodable("tree size out of range")
    if not index < tree_size:
        raise Undecodable("index not below tree size")
    h = pathlen(index, tree_size)
    if pos + 32 * h > len(b):
        raise Undecodable("proof hashes truncated")
    hashes = [b[pos + 32 * i:pos + 32 * (i + 1)] for i in range(h)]
    pos += 32 * h
    records = []
    seen = set()
    while pos < len(b):
        if pos + 5 > len(b):
            raise Undecodable("signature record truncated")
        kid = b[pos:pos + 4]
        n = b[pos + 4]
        pos += 5
        if pos + n > len(b):
            raise Undecodable("signature bytes truncated")
        if kid in seen:
            raise Undecodable("duplicate signature key ID")
        seen.add(kid)
        records.append((kid, b[pos:pos + n]))
        pos += n
    if not records:
        raise Undecodable("no signature record")
    return CompactProof(index, tree_size, hashes, records)


def encode_compact_proof(index, tree_size, hashes, records) -> bytes:
    out = encode_uvarint(index) + encode_uvarint(tree_size) + b"".join(hashes)
    for kid, sig in records:
        out += kid + bytes([len(sig)]) + sig
    return out


# ---------------------------------------------------------------------------
# Signed-note keys (vkeys) and key names (log.md §1)
# ---------------------------------------------------------------------------


def valid_key_name(name: str) -> bool:
    b = name.encode("utf-8")
    return 1 <= len(b) <= 255 and all(0x21 <= c <= 0x7E and c != 0x2B for c in b)


class VKey:
    def __init__(self, name, key_id, sig_type, pub, text):
        self.name = name
        self.key_id = key_id
        self.sig_type = sig_type
        self.pub = pub
        self.text = text


def parse_vkey(s: str, want_type: int) -> VKey:
    parts = s.split("+", 2)  # the base64 part may itself contain '+'
    if len(parts) != 3:
        raise ValueError("vkey must have three '+'-separated parts")
    name, hexid, b = parts
    if not valid_key_name(name):
        raise ValueError("vkey name violates log.md §1")
    if not re.match(r"^[0-9a-f]{8}\Z", hexid):
        raise ValueError("vkey key ID is not 8 lowercase hex digits")
    raw = b64decode_canonical(b)
    if len(raw) != 33 or raw[0] != want_type:
        raise ValueError("vkey key material is not type 0x%02x + 32 bytes" % want_type)
    pub = raw[1:]
    kid = note_key_id(name, want_type, pub)
    if kid.hex() != hexid:
        raise ValueError("vkey key ID does not match the key")
    try:
        ed25519.Ed25519PublicKey.from_public_bytes(pub)
    except ValueError:
        raise ValueError("bad Ed25519 key")
    return VKey(name, kid, want_type, pub, s)


# ---------------------------------------------------------------------------
# Witness policy (c2sp.org/tlog-policy, trust-file.md §3)
# ---------------------------------------------------------------------------


class Policy:
    def __init__(self):
        self.log = None
        self.witnesses = {}   # name(bytes) -> VKey
        self.groups = {}      # name(bytes) -> (k, [member names])
        self.quorum = None    # name(bytes)

    def satisfied(self, cosigned_names: set) -> bool:
        def sat(name):
            if name == b"none":
                return True
            if name in self.witnesses:
                return name in cosigned_names
            k, members = self.groups[name]
            return sum(1 for m in members if sat(m)) >= k
        return sat(self.quorum)


def parse_policy(text: str, log_vkey: VKey) -> Policy:
    raw = text.encode("utf-8")
    if len(raw) > MIB:
        raise ValueError("policy larger than 1 MiB")
    for c in raw:
        if not (c in (0x09, 0x0A) or 0x20 <= c <= 0x7E or c >= 0x80):
            raise ValueError("policy has a forbidden octet 0x%02x" % c)
    if not raw.endswith(b"\n"):
        raise ValueError("policy's last line does not end in LF")
    p = Policy()
    defined = set()
    used_members = set()
    pubkeys = set()
    log_lines = 0
    for line in raw[:-1].split(b"\n"):
        items = [x for x in re.split(rb"[ \t]+", line) if x]
        if not items or items[0].startswith(b"#"):
            continue
        kw = items[0]

        def check_name(nm):
            if nm == b"none":
                raise ValueError("'none' is reserved")
            if nm in defined:
                raise ValueError("name defined twice")
            if any(c < 0x20 or c == 0x7F for c in nm):
                raise ValueError("control character in a name")

        if kw == b"log":
            if len(items) not in (2, 3):
                raise ValueError("log line arity")
            log_lines += 1
            vk = items[1].decode("utf-8", errors="strict")
            if vk != log_vkey.text:
                raise ValueError("policy's log vkey differs from log.vkey")
            p.log = log_vkey
        elif kw == b"witness":
            if len(items) not in (3, 4):
                raise ValueError("witness line arity")
            nm = items[1]
            check_name(nm)
            vk = parse_vkey(items[2].decode("utf-8", errors="strict"), 0x04)
            if vk.pub in pubkeys:
                raise ValueError("two witnesses wrap the same public key")
            pubkeys.add(vk.pub)
            p.witnesses[nm] = vk
            defined.add(nm)
            if len(p.witnesses) > 1024:
                raise ValueError("too many witnesses")
        elif kw == b"group":
            if len(items) < 4:
                raise ValueError("group needs a name, a threshold and a member")
            nm = items[1]
            check_name(nm)
            members = items[3:]
            for mem in members:
                if mem == b"none":
                    raise ValueError("'none' is not a group member")
                if mem not in defined:
                    raise ValueError("group member not defined on an earlier line")
                if mem in used_members:
                    raise ValueError("name used as a member twice")
                used_members.add(mem)
            th = items[2]
            if th == b"all":
                k = len(members)
            elif th == b"any":
                k = 1
            elif re.match(rb"^[1-9][0-9]*\Z", th):
                k = int(th)
                if not 1 <= k <= len(members):
                    raise ValueError("group threshold out of 1..n")
            else:
                raise ValueError("bad group threshold")
            p.groups[nm] = (k, members)
            defined.add(nm)
            if len(p.groups) > 1024:
                raise ValueError("too many groups")
        elif kw == b"quorum":
            if len(items) != 2:
                raise ValueError("quorum line arity")
            if p.quorum is not None:
                raise ValueError("more than one quorum line")
            q = items[1]
            if q != b"none" and q not in defined:
                raise ValueError("quorum names nothing defined earlier")
            p.quorum = q
        else:
            raise ValueError("unknown policy line %r" % kw)
    if log_lines != 1:
        raise ValueError("policy must have exactly one log line")
    if p.quorum is None:
        raise ValueError("policy has no quorum line")
    ids = [log_vkey.key_id] + [w.key_id for w in p.witnesses.values()]
    if len(set(ids)) != len(ids):
        raise ValueError("log and witness key IDs are not pairwise distinct")
    return p


# ---------------------------------------------------------------------------
# Trust file (trust-file.md)
# ---------------------------------------------------------------------------

TIME_RE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z\Z")
ISSUER_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*\Z")
FIELD_ID_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9]{0,39}\Z")
FIELD_TYPES = ("text", "date", "integer", "decimal", "enum", "textList")


def parse_time(s) -> int:
    if type(s) is not str:
        raise ValueError("time is not a string")
    m = TIME_RE.match(s)
    if not m:
        raise ValueError("time %r not YYYY-MM-DDTHH:MM:SSZ" % s)
    y, mo, d, h, mi, se = (int(x) for x in m.groups())
    if not valid_date_any_year(y, mo, d) or h > 23 or mi > 59 or se > 59:
        raise ValueError("time %r is not a real date and time" % s)
    return calendar.timegm((y, mo, d, h, mi, se, 0, 0, 0))


def valid_date_any_year(y, m, d):
    if not 1 <= m <= 12:
        return False
    leap = y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)
    return 1 <= d <= [31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]


class _Dup(Exception):
    pass


def _pairs_hook(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise _Dup(k)
        d[k] = v
    return d


def _bad_float(s):
    raise ValueError("non-integer number %s" % s)


def _json_int(s):
    # trust-file.md §1: -?(0|[1-9][0-9]*) and not -0 (0 has one form).
    if s == "-0":
        raise ValueError("the number -0 (write 0)")
    return int(s)


def strict_json_loads(raw: bytes):
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ValueError("byte order mark")
    text = raw.decode("utf-8", errors="strict")
    try:
        return json.loads(text, object_pairs_hook=_pairs_hook, parse_float=_bad_float,
                          parse_int=_json_int, parse_constant=_bad_float)
    except _Dup as e:
        raise ValueError("duplicate member name %r" % e.args[0])


def _walk_ijson(v, path="$"):
    """I-JSON string checks (no lone surrogates, no noncharacters), and no
    null anywhere (trust-file.md §1: every member is present with its type,
    or absent)."""
    def chk(s, where):
        for ch in s:
            cp = ord(ch)
            if 0xD800 <= cp <= 0xDFFF:
                raise ValueError("%s: lone surrogate" % where)
            if is_noncharacter(cp):
                raise ValueError("%s: noncharacter" % where)
    if v is None:
        raise ValueError("%s: null" % path)
    if isinstance(v, str):
        chk(v, path)
    elif isinstance(v, list):
        for i, x in enumerate(v):
            _walk_ijson(x, "%s[%d]" % (path, i))
    elif isinstance(v, dict):
        for k, x in v.items():
            chk(k, path + " member name")
            _walk_ijson(x, "%s.%s" % (path, k))


class IssuerKey:
    pass


class Authority:
    pass


class Trust:
    def __init__(self):
        self.authorities = []
        self.keys_by_kid = {}   # kid bytes -> (IssuerKey, Authority)


def _obj(v, where, required, optional=()):
    if type(v) is not dict:
        raise TrustFileError("%s: not an object" % where)
    for k in v:
        if k not in required and k not in optional:
            raise TrustFileError("%s: unknown member %r" % (where, k))
    for k in required:
        if k not in v:
            raise TrustFileError("%s: missing member %r" % (where, k))
    return v


def _text(v, where, lo=1, hi=None, grammar=None):
    if type(v) is not str:
        raise TrustFileError("%s: not a string" % where)
    r = text_rule_reason(v)
    if r:
        raise TrustFileError("%s: text rule: %s" % (where, r))
    if len(v) < lo or (hi is not None and len(v) > hi):
        raise TrustFileError("%s: length out of %s..%s scalar values" % (where, lo, hi))
    if grammar is not None and not grammar.match(v):
        raise TrustFileError("%s: grammar" % where)
    return v


def _int(v, where, lo, hi):
    if type(v) is not int or not lo <= v <= hi:
        raise TrustFileError("%s: integer not in %d..%d" % (where, lo, hi))
    return v


def _bool(v, where):
    if type(v) is not bool:
        raise TrustFileError("%s: not a boolean" % where)
    return v


def _localized(v, where):
    _obj(v, where, ("ja", "en"))
    _text(v["ja"], where + ".ja", 1, 200)
    _text(v["en"], where + ".en", 1, 200)


def _time(v, where):
    try:
        _text(v, where)
        return parse_time(v)
    except ValueError as e:
        raise TrustFileError("%s: %s" % (where, e))


FIELD_MEMBERS = {
    "maxLength": ("text", "textList"),
    "maxItems": ("textList",),
    "options": ("enum",),
    "scale": ("decimal",),
    "minimum": ("integer", "decimal"),
    "maximum": ("integer", "decimal"),
    "unit": ("integer", "decimal"),
}


def validate_kind(k, where):
    _obj(k, where, ("id", "version", "label", "fields"),
         ("description", "statement", "validityDays", "forbiddenFields", "subjects"))
    if "subjects" in k:  # trust-file.md §2.4, subject-transparency.md §2
        _int(k["subjects"], where + ".subjects", 0, MAX_SUBJECTS)
    _text(k["id"], where + ".id", grammar=KIND_ID_RE)
    _int(k["version"], where + ".version", 1, 2 ** 31 - 1)
    _localized(k["label"], where + ".label")
    for m in ("description", "statement"):
        if m in k:
            _localized(k[m], where + "." + m)
    if "validityDays" in k:
        _int(k["validityDays"], where + ".validityDays", 1, 36500)
    fs = k["fields"]
    if type(fs) is not list or not 1 <= len(fs) <= 100:
        raise TrustFileError(where + ".fields: 1..100 fields")
    ids = set()
    for i, f in enumerate(fs):
        w = "%s.fields[%d]" % (where, i)
        _obj(f, w, ("id", "type", "label", "required"),
             ("maxLength", "maxItems", "options", "scale", "minimum", "maximum", "unit",
              "printed", "omittedByDefault", "help", "withholdable", "withholdGroup"))
        _text(f["id"], w + ".id", grammar=FIELD_ID_RE)
        if f["id"] in ids:
            raise TrustFileError(w + ": duplicate field id")
        ids.add(f["id"])
        t = f["type"]
        if t not in FIELD_TYPES:
            raise TrustFileError(w + ".type: unknown type")
        _localized(f["label"], w + ".label")
        _bool(f["required"], w + ".required")
        for m, allowed in FIELD_MEMBERS.items():
            if m in f and t not in allowed:
                raise TrustFileError("%s.%s not allowed for type %s" % (w, m, t))
        if t in ("text", "textList"):
            if "maxLength" not in f:
                raise TrustFileError(w + ": maxLength required")
            _int(f["maxLength"], w + ".maxLength", 1, 10000)
        if "maxItems" in f:
            _int(f["maxItems"], w + ".maxItems", 1, 1000)
        if t == "enum":
            opts = f.get("options")
            if opts is None:
                raise TrustFileError(w + ": options required")
            if type(opts) is not list or not 1 <= len(opts) <= 100:
                raise TrustFileError(w + ".options: 1..100")
            vals = set()
            for j, o in enumerate(opts):
                ow = "%s.options[%d]" % (w, j)
                _obj(o, ow, ("value", "label"))
                _text(o["value"], ow + ".value", 1, 64)
                if o["value"] in vals:
                    raise TrustFileError(ow + ": duplicate option value")
                vals.add(o["value"])
                _localized(o["label"], ow + ".label")
        if "scale" in f:
            _int(f["scale"], w + ".scale", 0, 15)
        for m in ("minimum", "maximum"):
            if m in f:
                _int(f[m], w + "." + m, -JS_SAFE_MAX, JS_SAFE_MAX)
        if "minimum" in f and "maximum" in f and f["minimum"] > f["maximum"]:
            raise TrustFileError(w + ": minimum > maximum")
        for m in ("unit", "help"):
            if m in f:
                _localized(f[m], w + "." + m)
        for m in ("printed", "omittedByDefault"):
            if m in f:
                _bool(f[m], w + "." + m)
        if f.get("omittedByDefault") is True and f["required"] is True:
            raise TrustFileError(w + ": omittedByDefault with required")
        # selective-disclosure.md §1, trust-file.md §2.4
        if "withholdable" in f:
            _bool(f["withholdable"], w + ".withholdable")
        if "withholdGroup" in f:
            if f.get("withholdable") is not True:
                raise TrustFileError(w + ".withholdGroup only with withholdable true")
            _text(f["withholdGroup"], w + ".withholdGroup", grammar=FIELD_ID_RE)
    if len(withholdable_ids(k)) > MAX_WITHHOLDABLE:
        raise TrustFileError(where + ": more than %d withholdable fields" % MAX_WITHHOLDABLE)
    if "forbiddenFields" in k:
        ff = k["forbiddenFields"]
        if type(ff) is not list:
            raise TrustFileError(where + ".forbiddenFields: not an array")
        for i, x in enumerate(ff):
            w = "%s.forbiddenFields[%d]" % (where, i)
            _obj(x, w, ("id", "label", "reason"))
            _text(x["id"], w + ".id", grammar=FIELD_ID_RE)
            if x["id"] in ids:
                raise TrustFileError(w + ": id equals a field id")
            _localized(x["label"], w + ".label")
            _localized(x["reason"], w + ".reason")


def load_trust(raw: bytes) -> Trust:
    try:
        doc = strict_json_loads(raw)
        _walk_ijson(doc)
    except (ValueError, UnicodeDecodeError, RecursionError) as e:
        raise TrustFileError("not strict I-JSON: %s" % e)
    _obj(doc, "$", ("format", "generatedAt", "authorities"))
    if doc["format"] != "akashi-trust/v2":
        raise TrustFileError("format is not akashi-trust/v2")
    _time(doc["generatedAt"], "$.generatedAt")
    auths = doc["authorities"]
    if type(auths) is not list or not 1 <= len(auths) <= 1024:
        raise TrustFileError("authorities: 1..1024")
    trust = Trust()
    issuers = set()
    for ai, a in enumerate(auths):
        w = "$.authorities[%d]" % ai
        _obj(a, w, ("issuer", "name", "keys", "kinds", "log"), ("verifierURL",))
        A = Authority()
        A.issuer = _text(a["issuer"], w + ".issuer", grammar=ISSUER_RE)
        if len(A.issuer.encode()) > 64:
            raise TrustFileError(w + ".issuer: longer than 64 bytes")
        if A.issuer in issuers:
            raise TrustFileError(w + ".issuer: duplicate issuer")
        issuers.add(A.issuer)
        A.name = _text(a["name"], w + ".name", 1, 100)
        if "verifierURL" in a:
            u = _text(a["verifierURL"], w + ".verifierURL")
            if not re.match(r"^https?://[!-\"$-~]+\Z", u) or len(u) > 2000:
                raise TrustFileError(w + ".verifierURL: not as qr-text.md §1.1")
        keys = a["keys"]
        if type(keys) is not list or not 1 <= len(keys) <= 64:
            raise TrustFileError(w + ".keys: 1..64")
        A.keys = []
        for ki, k in enumerate(keys):
            kw = "%s.keys[%d]" % (w, ki)
            _obj(k, kw, ("kty", "crv", "x", "y", "kid", "alg", "use", "notBefore", "status"),
                 ("notAfter", "compromisedAt", "compromisedFromLogIndex"))
            for m, val in (("kty", "EC"), ("crv", "P-256"), ("alg", "ES256"), ("use", "sig")):
                if k[m] != val:
                    raise TrustFileError("%s.%s must be %s" % (kw, m, val))
            try:
                x = b64url_decode_canonical(_text(k["x"], kw + ".x"))
                y = b64url_decode_canonical(_text(k["y"], kw + ".y"))
                kid = b64url_decode_canonical(_text(k["kid"], kw + ".kid"))
            except ValueError as e:
                raise TrustFileError("%s: %s" % (kw, e))
            if len(x) != 32 or len(y) != 32 or len(kid) != 8:
                raise TrustFileError(kw + ": x/y must be 32 bytes, kid 8 bytes")
            try:
                pub = ec.EllipticCurvePublicNumbers(
                    int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()).public_key()
            except ValueError:
                raise TrustFileError(kw + ": not a point on P-256")
            if kid_of(x, y) != kid:
                raise TrustFileError(kw + ".kid does not match the key")
            if kid in trust.keys_by_kid:
                raise TrustFileError(kw + ".kid not unique in the file")
            K = IssuerKey()
            K.kid, K.pub, K.kid_text = kid, pub, k["kid"]
            K.not_before = _time(k["notBefore"], kw + ".notBefore")
            K.not_after = _time(k["notAfter"], kw + ".notAfter") if "notAfter" in k else None
            K.status = k["status"]
            if K.status not in ("active", "retired", "compromised"):
                raise TrustFileError(kw + ".status unknown")
            if K.status in ("retired", "compromised") and K.not_after is None:
                raise TrustFileError(kw + ": notAfter required for " + K.status)
            if K.not_after is not None and K.not_after < K.not_before:
                raise TrustFileError(kw + ": notAfter < notBefore")
            if K.status != "compromised" and ("compromisedAt" in k or "compromisedFromLogIndex" in k):
                raise TrustFileError(kw + ": compromise members on a non-compromised key")
            if "compromisedAt" in k:
                _time(k["compromisedAt"], kw + ".compromisedAt")
            K.compromised_from = None
            if "compromisedFromLogIndex" in k:
                K.compromised_from = _int(k["compromisedFromLogIndex"],
                                          kw + ".compromisedFromLogIndex", 0, JS_SAFE_MAX)
            trust.keys_by_kid[kid] = (K, A)
            A.keys.append(K)
        kinds = a["kinds"]
        if type(kinds) is not list or len(kinds) > 256:
            raise TrustFileError(w + ".kinds: 0..256")
        A.kinds = {}
        for kk, kd in enumerate(kinds):
            validate_kind(kd, "%s.kinds[%d]" % (w, kk))
            if kd["id"] in A.kinds:
                raise TrustFileError("%s.kinds[%d]: duplicate kind id" % (w, kk))
            A.kinds[kd["id"]] = kd
        lg = _obj(a["log"], w + ".log", ("origin", "vkey", "policy"))
        A.origin = _text(lg["origin"], w + ".log.origin")
        if not valid_key_name(A.origin):
            raise TrustFileError(w + ".log.origin violates log.md §1")
        _text(lg["vkey"], w + ".log.vkey")
        try:
            A.log_vkey = parse_vkey(lg["vkey"], 0x01)
        except ValueError as e:
            raise TrustFileError("%s.log.vkey: %s" % (w, e))
        if A.log_vkey.name != A.origin:
            raise TrustFileError(w + ".log.origin differs from the vkey's name")
        if type(lg["policy"]) is not str:
            raise TrustFileError(w + ".log.policy: not a string")
        try:
            A.policy = parse_policy(lg["policy"], A.log_vkey)
        except (ValueError, UnicodeDecodeError) as e:
            raise TrustFileError("%s.log.policy: %s" % (w, e))
        for nm in A.policy.witnesses:
            if not valid_key_name(A.policy.witnesses[nm].name):
                raise TrustFileError(w + ": witness key name violates log.md §1")
        A.witness_by_kid = {wv.key_id: (nm, wv) for nm, wv in A.policy.witnesses.items()}
        trust.authorities.append(A)
    return trust


# ---------------------------------------------------------------------------
# Signed notes (log.md §4 parsing notes) and status lists (status-list.md)
# ---------------------------------------------------------------------------


def parse_signed_note(note: str):
    """-> (text bytes, [(name, key_id, sig_bytes, line)])"""
    raw = note.encode("utf-8")
    if len(raw) > MIB:
        raise ValueError("note larger than 1 MiB")
    if any(c < 0x20 and c != 0x0A for c in raw):
        raise ValueError("control character in note")
    if not raw.endswith(b"\n"):
        raise ValueError("note does not end in LF")
    idx = raw.rfind(b"\n\n")
    if idx < 0:
        raise ValueError("no empty line in note")
    text, sigpart = raw[:idx + 1], raw[idx + 2:]
    sigs = []
    if not sigpart:
        raise ValueError("no signature lines")
    for line in sigpart[:-1].split(b"\n"):
        ln = line.decode("utf-8")
        if not ln.startswith("\u2014 "):
            raise ValueError("signature line does not start with em dash + space")
        rest = ln[2:].split(" ")
        if len(rest) != 2 or not rest[0]:
            raise ValueError("signature line grammar")
        name, blob = rest
        data = b64decode_canonical(blob)
        if len(data) <= 4:
            raise ValueError("signature blob too short")
        sigs.append((name, data[:4], data[4:], ln))
    return text, sigs


def parse_checkpoint_text(text: bytes):
    lines = text.split(b"\n")
    if len(lines) != 4 or lines[3] != b"":
        raise ValueError("checkpoint must have exactly three lines (no extensions)")
    origin = lines[0].decode("utf-8")
    if not re.match(rb"^(0|[1-9][0-9]*)\Z", lines[1]):
        raise ValueError("tree size not canonical decimal")
    size = int(lines[1])
    if size > JS_SAFE_MAX:
        raise ValueError("tree size too large")
    root = b64decode_canonical(lines[2].decode("ascii"))
    if len(root) != 32:
        raise ValueError("root hash is not 32 bytes")
    return origin, size, root


def verify_checkpoint_note(note: str, A: Authority):
    """status-list.md §4 step 6. Returns (origin, size, root); raises ValueError."""
    return checkpoint_note_cosigned(note, A)[:3]


def checkpoint_note_cosigned(note: str, A: Authority):
    """verify_checkpoint_note, also returning the names (policy names, bytes) of
    the witnesses whose cosignature verified: (origin, size, root, names)."""
    text, sigs = parse_signed_note(note)
    origin, size, root = parse_checkpoint_text(text)
    if origin != A.origin:
        raise ValueError("checkpoint origin is not the authority's")
    log_ok = False
    cosigned = set()
    wit_by_name_id = {(wv.name, wv.key_id): nm for nm, wv in A.policy.witnesses.items()}
    for name, kid, sig, _ in sigs:
        if name == A.log_vkey.name and kid == A.log_vkey.key_id:
            if not ed25519_verify(A.log_vkey.pub, sig, text):
                raise ValueError("log signature does not verify")
            log_ok = True
        elif (name, kid) in wit_by_name_id:
            nm = wit_by_name_id[(name, kid)]
            wv = A.policy.witnesses[nm]
            if len(sig) == 72:
                t = int.from_bytes(sig[:8], "big")
                if t <= 2 ** 63 - 1 and ed25519_verify(wv.pub, sig[8:], cosignature_message(t, text)):
                    cosigned.add(nm)
    if not log_ok:
        raise ValueError("no valid log signature")
    if not A.policy.satisfied(cosigned):
        raise ValueError("cosignatures do not meet the witness policy")
    return origin, size, root, cosigned


class StatusList:
    pass


def day_jst(t: int) -> int:
    return (t + 32400) // 86400


def verify_status_list(raw: bytes, trust: Trust) -> StatusList:
    try:
        env = decode_envelope(raw)
    except Undecodable as e:
        raise StatusListError("envelope undecodable: %s" % e)
    hit = trust.keys_by_kid.get(env.kid)
    if hit is None:
        raise StatusListError("no key with this kid in the trust file")
    K, A = hit
    if K.status == "compromised":
        raise StatusListError("signing key is compromised")
    if not es256_verify(K.pub, env):
        raise StatusListError("bad signature")
    try:
        m = cbor_decode(env.payload)
    except Undecodable as e:
        raise StatusListError("payload undecodable: %s" % e)
    if type(m) is not dict or set(m.keys()) != {1, 2, 3, 4, 5, 6} or any(type(k) is not int for k in m):
        raise StatusListError("payload keys are not exactly 1..6")
    if m[1] != "akashi-status/v1" or type(m[1]) is not str:
        raise StatusListError("format is not akashi-status/v1")
    if type(m[2]) is not str or not ISSUER_RE.match(m[2]) or len(m[2].encode()) > 64:
        raise StatusListError("issuer grammar")
    if type(m[3]) is not int or not 0 <= m[3] <= JS_SAFE_MAX:
        raise StatusListError("issued-at range")
    if type(m[4]) is not str or len(m[4].encode("utf-8")) > MIB:
        raise StatusListError("checkpoint note")
    if type(m[5]) is not int or not 0 <= m[5] <= 2 ** 32 - 1:
        raise StatusListError("count range")
    if type(m[6]) is not bytes:
        raise StatusListError("table is not a bstr")
    try:
        d = zlib.decompressobj()
        table = d.decompress(m[6], 512 * MIB + 1)
        if len(table) > 512 * MIB or d.unconsumed_tail:
            raise StatusListError("table larger than 512 MiB")
        if not d.eof or d.unused_data:
            raise StatusListError("zlib stream does not end exactly at the end")
    except zlib.error as e:
        raise StatusListError("zlib: %s" % e)
    issued_at = m[3]
    today = day_jst(issued_at)
    entries = {}
    pos = 0
    prev = None
    try:
        while pos < len(table):
            gap, pos = read_uvarint(table, pos)
            idx = gap if prev is None else prev + gap + 1
            if idx > JS_SAFE_MAX:
                raise StatusListError("index out of range")
            if pos >= len(table):
                raise StatusListError("table truncated (state)")
            state = table[pos]
            pos += 1
            if not 1 <= state <= 5:
                raise StatusListError("state out of 1..5")
            age, pos = read_uvarint(table, pos)
            if age > today:
                raise StatusListError("age before 1970-01-01 JST")
            e = {"state": state, "age": age, "day": today - age}
            if state == 5:
                succ, pos = read_uvarint(table, pos)
                if succ > JS_SAFE_MAX or succ <= idx:
                    raise StatusListError("successor index")
                if pos + 10 > len(table):
                    raise StatusListError("serial truncated")
                e["successor"] = succ
                e["serial"] = table[pos:pos + 10]
                pos += 10
            entries[idx] = e
            prev = idx
    except Undecodable as e:
        raise StatusListError("table: %s" % e)
    if len(entries) != m[5]:
        raise StatusListError("entry count differs from key 5")
    if m[2] != A.issuer:
        raise StatusListError("issuer differs from the signing key's authority")
    if issued_at < K.not_before - SKEW or (K.not_after is not None and issued_at > K.not_after):
        raise StatusListError("issued-at outside the key's validity window")
    try:
        _, size, _ = verify_checkpoint_note(m[4], A)
    except (ValueError, UnicodeDecodeError) as e:
        raise StatusListError("checkpoint: %s" % e)
    sl = StatusList()
    sl.issuer, sl.issued_at, sl.tree_size, sl.entries, sl.authority = A.issuer, issued_at, size, entries, A
    return sl


# ---------------------------------------------------------------------------
# The resident's scan (subject-transparency.md §5)
# ---------------------------------------------------------------------------


class ScanError(Exception):
    """The scan is not complete (`akashi subject scan` exit 1): the checkpoint
    does not verify, or the entries do not give its root.  Nothing is listed."""


def parse_entry_bundle(data: bytes) -> list:
    """log.md §7: an entry bundle, each entry preceded by its big-endian u16 length."""
    out, pos = [], 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise ValueError("entry bundle: truncated length")
        n = int.from_bytes(data[pos:pos + 2], "big")
        pos += 2
        if pos + n > len(data):
            raise ValueError("entry bundle: truncated entry")
        out.append(bytes(data[pos:pos + n]))
        pos += n
    return out


def merkle_root(leaves: list) -> bytes:
    """RFC 9162 §2.1.1 MTH over a list of leaf hashes (iterative)."""
    if not leaves:
        return hashlib.sha256(b"").digest()

    def rec(lo, hi):
        if hi - lo == 1:
            return leaves[lo]
        k = _largest_pow2_below(hi - lo)
        return node_hash(rec(lo, lo + k), rec(lo + k, hi))
    return rec(0, len(leaves))


def scan(secret, entries, checkpoint, trust: Trust) -> dict:
    """subject-transparency.md §5 over the entries [0, n) already fetched.

    `secret`: the 32-byte v or its secret text `AKS1.…`; `entries`: the bytes
    of every entry of the log, in order; `checkpoint`: the signed checkpoint
    note (str); `trust`: a loaded trust file (the log key and the witness policy
    of the authority whose origin the checkpoint names).  Returns the output of
    §5 without `bytesDownloaded` (nothing is downloaded here); raises ScanError.

    A subject line whose R gives S = 32 zero bytes (R of low order) is never
    the resident's: its tag is computable by anyone, so every resident would
    "find" it (SPEC-GAPS 44)."""
    if isinstance(secret, str) or (isinstance(secret, bytes) and secret.startswith(b"AKS1.")):
        secret = parse_secret_text(secret)
    secret = bytes(secret)
    if len(secret) != 32:
        raise ValueError("a subject secret is 32 bytes")
    # 1. the checkpoint: log signature and witness policy
    if isinstance(checkpoint, bytes):
        checkpoint = checkpoint.decode("utf-8")
    try:
        text, _ = parse_signed_note(checkpoint)
        origin = parse_checkpoint_text(text)[0]
    except (ValueError, UnicodeDecodeError) as e:
        raise ScanError("checkpoint: %s" % e)
    A = next((a for a in trust.authorities if a.origin == origin), None)
    if A is None:
        raise ScanError("checkpoint of %r, a log not in the trust file" % origin)
    try:
        _, n, root, cosigned = checkpoint_note_cosigned(checkpoint, A)
    except (ValueError, UnicodeDecodeError) as e:
        raise ScanError("checkpoint: %s" % e)
    # 2. every entry of [0, n), parsed; the recomputed root must be the checkpoint's
    entries = [bytes(e) for e in entries]
    if len(entries) != n:
        raise ScanError("%d entries for a tree of size %d" % (len(entries), n))
    parsed = []
    for i, e in enumerate(entries):
        try:
            parsed.append(parse_entry(e))
        except (ValueError, UnicodeDecodeError) as ex:
            raise ScanError("entry %d: %s" % (i, ex))
    got = merkle_root([leaf_hash(e) for e in entries])
    if got != root:
        raise ScanError("the entries give root %s, the checkpoint has %s" % (got.hex(), root.hex()))
    # 3. every subject line of every certificate entry
    found = []
    tested = 0
    for idx, e in enumerate(parsed):
        if e.type != "certificate":
            continue
        for role, data in enumerate(e.subjects):
            tested += 1
            R, tag, enc = data[0:32], data[32:40], data[40:50]
            S = x25519(secret, R)
            if S == ZERO32:
                continue  # refused: R of low order
            k = subject_k(S, R)
            if k[0:8] == tag:
                found.append({"index": idx, "kind": e.kind, "issuedAt": jst_time(e.issued),
                              "serial": serial_text(xor(enc, k[8:18])), "role": role, "state": "valid"})
    # 4. the lifecycle entries naming a found index (the first one in log order)
    by_index = {}
    for c in found:
        by_index.setdefault(c["index"], []).append(c)
    done = set()
    for e in parsed:
        if e.type in ("revocation", "supersession") and e.target in by_index and e.target not in done:
            done.add(e.target)
            for c in by_index[e.target]:
                if e.type == "revocation":
                    c["state"], c["reason"] = "revoked", e.reason
                else:
                    c["state"], c["successorIndex"] = "superseded", e.successor
    names = [nm.decode("utf-8", "replace") for nm in A.policy.witnesses if nm in cosigned]
    return {
        "checkpoint": {"origin": origin, "size": n, "rootHash": root.hex(), "cosigners": names},
        "certificates": found,
        "entriesScanned": n,
        "subjectLinesTested": tested,
    }


# ---------------------------------------------------------------------------
# Verification (verification.md)
# ---------------------------------------------------------------------------

CHECKS = ["decode", "issuerKnown", "signature", "claims", "keyValid", "kindValid",
          "disclosure", "validityPeriod", "subject", "logEntry", "inclusion", "checkpoint", "status"]
STOP_CHECKS = {"decode", "issuerKnown", "signature", "claims", "disclosure"}
MESSAGES = {
    "undecodable": "not an Akashi v2 QR text, payload, envelope, proof or claims set",
    "unknownKey": "no key in the trust file has this kid",
    "badSignature": "the ES256 signature does not verify",
    "issuerMismatch": "the claims' iss is not the issuer of the authority whose key signed",
    "keyCompromised": "the key is declared compromised",
    "keyNotValidAtIssue": "iat is outside the key's validity window",
    "kindNotAllowed": "the authority may not issue this kind",
    "kindVersion": "the kind version differs from the trusted definition",
    "invalidFields": "a field is unknown, missing, of the wrong type or not in canonical form",
    "notYetValid": "issued more than 300 s after the verification time",
    "expired": "expired",
    "inclusionFailed": "not proven to be in the log",
    "checkpointUntrusted": "the valid cosignatures do not meet the witness policy",
    "revoked": "revoked",
    "superseded": "superseded",
    "disclosureMismatch": "the shown withholdable fields do not reproduce the signed commitment",
    "disclosureUnknownField": "a shown entry holds a field the kind does not define",
    "notWithholdable": "a field the kind says may not be withheld is in the withholdable part",
    "subjectNotFindable": "the certificate is about a person but is not bound to their key, "
                          "or the log holds it without the subject lines they would find it by",
    "statusMissing": "revocation status unknown: no status list",
    "statusNotApplicable": "only status lists of other authorities were supplied",
    "statusUnknown": "the status list predates the certificate",
    "statusStale": "the status list is older than maxStatusAge",
}


def jst_time(t: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S+09:00", time.gmtime(t + 32400))


class Report:
    def __init__(self):
        self.checks = {}  # name -> (status, code)
        self.details = {}
        self.out = {}

    def set(self, name, status, code=None, detail=None):
        self.checks[name] = (status, code)
        if detail:
            self.details[name] = detail

    @property
    def verdict(self):
        if any(s == "failed" for s, _ in self.checks.values()):
            return "invalid"
        if self.checks.get("status", ("skipped", None))[1] is not None:
            return "unconfirmed"
        return "valid"

    @property
    def codes(self):
        return [self.checks[n][1] for n in CHECKS if self.checks[n][1] is not None]

    def to_json(self, input_name="stdin"):
        o = dict(self.out)
        o["input"] = input_name
        o["verdict"] = self.verdict
        o["valid"] = self.verdict == "valid"
        checks = []
        reasons = []
        for n in CHECKS:
            s, c = self.checks[n]
            e = {"name": n, "status": s}
            if c:
                e["code"] = c
                reasons.append({"check": n, "code": c, "message": MESSAGES.get(c, c)})
            checks.append(e)
        o["checks"] = checks
        o["reasons"] = reasons
        return o


def sig_line(name: str, kid: bytes, sig: bytes) -> str:
    return "\u2014 %s %s\n" % (name, b64(kid + sig))


def verify(qr_text, trust: Trust, status_lists=(), at=None, max_status_age=DEFAULT_MAX_STATUS_AGE) -> Report:
    if at is None:
        at = int(time.time())
    rep = Report()
    done = []

    def stop():
        for n in CHECKS:
            if n not in rep.checks:
                rep.set(n, "skipped")
        return rep

    # 1 decode
    try:
        payload = parse_qr_text(qr_text)
        env_bytes, disc_bytes, proof_bytes = parse_payload(payload)
        env = decode_envelope(env_bytes)
        disc = decode_disclosures(disc_bytes)  # selective-disclosure.md §5 step 1
        proof = decode_compact_proof(proof_bytes)
    except Undecodable as e:
        rep.set("decode", "failed", "undecodable", str(e))
        return stop()
    rep.set("decode", "passed")
    rep.out["envelope"] = b64(env.raw)
    # 2 issuerKnown
    hit = trust.keys_by_kid.get(env.kid)
    if hit is None:
        rep.set("issuerKnown", "failed", "unknownKey")
        return stop()
    K, A = hit
    rep.set("issuerKnown", "passed")
    # 3 signature
    if not es256_verify(K.pub, env):
        rep.set("signature", "failed", "badSignature")
        return stop()
    rep.set("signature", "passed")
    # 4 claims
    try:
        c = decode_claims(env.payload)
    except Undecodable as e:
        rep.set("claims", "failed", "undecodable", str(e))
        return stop()
    if c.iss.encode("utf-8") != A.issuer.encode("utf-8"):
        rep.set("claims", "failed", "issuerMismatch")
        return stop()
    rep.set("claims", "passed")
    rep.out.update({
        "issuer": c.iss, "kind": c.kind, "serial": serial_text(c.cti),
        "issuedAt": jst_time(c.iat), "expiresAt": jst_time(c.exp) if c.exp is not None else None,
        "fields": {k: field_json(t, v) for k, (t, v) in c.fields.items()},
    })
    failed = False
    # 5 keyValid (§3.1)
    code = None
    if K.status == "compromised" and not (K.compromised_from is not None and proof.index < K.compromised_from):
        code = "keyCompromised"
    elif c.iat < K.not_before - SKEW or (K.not_after is not None and c.iat > K.not_after):
        code = "keyNotValidAtIssue"
    rep.set("keyValid", "failed" if code else "passed", code)
    failed |= bool(code)
    # 6 kindValid
    kind = A.kinds.get(c.kind)
    if kind is None:
        rep.set("kindValid", "failed", "kindNotAllowed")
        failed = True
    elif kind["version"] != c.kind_version:
        rep.set("kindValid", "failed", "kindVersion")
        failed = True
    else:
        problems = check_fields(kind, c.fields, c.mask)
        if problems:
            rep.set("kindValid", "failed", "invalidFields", "; ".join(problems))
            failed = True
        else:
            rep.set("kindValid", "passed")
    # 7 disclosure (selective-disclosure.md §5 step 4) — stop.  The kind is the
    # one kindValid found by id ("that kind"), also when its version differs
    # (kindVersion).  With no kind of that id (kindNotAllowed) the check is
    # skipped without a code; `withheld` is then absent (SPEC-GAPS 29).
    if kind is None:
        rep.set("disclosure", "skipped", None, "the authority has no kind %r" % c.kind)
    else:
        code, detail, shown, withheld = check_disclosure(kind, c.mask, disc, c.cti)
        if code:
            rep.set("disclosure", "failed", code, detail)
            return stop()
        rep.set("disclosure", "passed")
        rep.out["fields"].update({k: field_json(t, x) for k, (t, x) in shown.items()})
        rep.out["withheld"] = withheld
    # 8 validityPeriod
    if c.iat > at + SKEW:
        rep.set("validityPeriod", "failed", "notYetValid")
        failed = True
    elif c.exp is not None and c.exp <= at:
        rep.set("validityPeriod", "failed", "expired")
        failed = True
    else:
        rep.set("validityPeriod", "passed")
    # 9 subject (subject-transparency.md §4).  The kind is the one of that id,
    # as for `disclosure` (also with kindVersion); with no kind of the id
    # nothing is required and the check passes (SPEC-GAPS 41).
    lines = subject_lines(c.cti, c.subject_keys)
    code, detail = check_subject(kind, c.subject_keys, lines)
    rep.set("subject", "failed" if code else "passed", code, detail)
    failed |= bool(code)
    # 10 logEntry: the entry with one subject line per subject key (log.md §2.1)
    entry = certificate_entry(env.raw, c.kind, c.iat, lines)
    leaf = leaf_hash(entry)
    rep.set("logEntry", "passed")
    # 11 inclusion
    recs = dict(proof.records)
    log_sig = recs.get(A.log_vkey.key_id)

    def included(lf):
        rt = root_from_inclusion(lf, proof.index, proof.tree_size, proof.hashes)
        tx = checkpoint_text(A.origin, proof.tree_size, rt)
        ok = log_sig is not None and len(log_sig) == 64 and ed25519_verify(A.log_vkey.pub, log_sig, tx)
        return ok, rt, tx
    ok, root, text = included(leaf)
    if not ok:
        # §4: when the same entry without its subject lines is the one in the log,
        # the town logged it so that its subject cannot find it.
        code = "inclusionFailed"
        if lines and included(leaf_hash(certificate_entry(env.raw, c.kind, c.iat)))[0]:
            code = "subjectNotFindable"
            rep.details["inclusion"] = "the entry without its %d subject line(s) is in the log" % len(lines)
        rep.set("inclusion", "failed", code)
        rep.set("checkpoint", "skipped")
        failed = True
    else:
        rep.set("inclusion", "passed")
        # 12 checkpoint
        cosigned = {}
        for kid, sig in proof.records:
            w = A.witness_by_kid.get(kid)
            if w is None or len(sig) != 72:
                continue
            t = int.from_bytes(sig[:8], "big")
            if t > 2 ** 63 - 1:
                continue
            if ed25519_verify(w[1].pub, sig[8:], cosignature_message(t, text)):
                cosigned[w[0]] = (w[1], sig)
        if A.policy.satisfied(set(cosigned)):
            rep.set("checkpoint", "passed")
        else:
            rep.set("checkpoint", "failed", "checkpointUntrusted")
            failed = True
        note = text.decode() + "\n" + sig_line(A.origin, A.log_vkey.key_id, log_sig)
        for nm, (wv, sig) in cosigned.items():
            note += sig_line(wv.name, wv.key_id, sig)
        rep.out["log"] = {
            "origin": A.origin, "index": proof.index, "treeSize": proof.tree_size,
            "entry": entry.hex(), "leafHash": leaf.hex(),
            "inclusionProof": [h.hex() for h in proof.hashes], "rootHash": root.hex(),
            "checkpoint": note,
        }
        rep.out["tlogProof"] = ("c2sp.org/tlog-proof@v1\nextra %s\nindex %d\n%s\n%s" % (
            b64(entry), proof.index, "".join(b64(h) + "\n" for h in proof.hashes), note))
    # 13 status (§3.2)
    if failed:
        rep.set("status", "skipped")
        return rep
    mine = [s for s in status_lists if s.issuer.encode() == A.issuer.encode()]
    if not mine:
        rep.set("status", "skipped", "statusNotApplicable" if status_lists else "statusMissing")
        return rep
    sl = max(mine, key=lambda s: (s.issued_at, s.tree_size))
    if proof.index >= sl.tree_size:
        rep.set("status", "skipped", "statusUnknown")
    elif proof.index in sl.entries:
        e = sl.entries[proof.index]
        rep.set("status", "failed", "superseded" if e["state"] == 5 else "revoked", repr(e))
    elif at - sl.issued_at > max_status_age:
        rep.set("status", "skipped", "statusStale")
    else:
        rep.set("status", "passed")
        rep.out["statusAsOf"] = jst_time(sl.issued_at)
    return rep


# ---------------------------------------------------------------------------
# CLI (verification.md §5)
# ---------------------------------------------------------------------------


def parse_at(s: str) -> int:
    m = re.match(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})\Z", s)
    if m:
        y, mo, d = (int(x) for x in m.groups())
        if not valid_date_any_year(y, mo, d):
            raise ValueError("bad date")
        return calendar.timegm((y, mo, d, 0, 0, 0, 0, 0, 0)) - 32400
    m = re.match(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]+)?"
                 r"([Zz]|[+-][0-9]{2}:[0-9]{2})\Z", s)
    if not m:
        raise ValueError("--at must be YYYY-MM-DD or an RFC 3339 date-time")
    y, mo, d, h, mi, se = (int(x) for x in m.groups()[:6])
    if not valid_date_any_year(y, mo, d) or h > 23 or mi > 59 or se > 60:
        raise ValueError("bad date-time")
    t = calendar.timegm((y, mo, d, h, mi, min(se, 59), 0, 0, 0))
    off = m.group(8)
    if off not in ("Z", "z"):
        sign = 1 if off[0] == "+" else -1
        t -= sign * (int(off[1:3]) * 3600 + int(off[4:6]) * 60)
    return t


def main(argv=None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description="Independent Akashi v2 verifier (from docs/spec only)")
    ap.add_argument("--trust", required=True)
    ap.add_argument("--status", action="append", default=[])
    ap.add_argument("--at")
    ap.add_argument("--max-status-age", type=float, default=7)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--lang", choices=["ja", "en"], default="en")
    ap.add_argument("--explain", action="store_true", help="add non-normative 'details' member")
    ap.add_argument("inputs", nargs="*")
    try:
        args = ap.parse_args(argv)
    except SystemExit:
        return 64
    try:
        at = parse_at(args.at) if args.at else int(time.time())
    except ValueError as e:
        print("usage: %s" % e, file=sys.stderr)
        return 64
    try:
        traw = open(args.trust, "rb").read()
    except OSError as e:
        print("cannot read trust file: %s" % e, file=sys.stderr)
        return 66
    try:
        trust = load_trust(traw)
    except TrustFileError as e:
        print("invalid trust file: %s" % e, file=sys.stderr)
        return 65
    lists = []
    for sp in args.status:
        try:
            sraw = open(sp, "rb").read()
        except OSError as e:
            print("cannot read status list: %s" % e, file=sys.stderr)
            return 66
        try:
            lists.append(verify_status_list(sraw, trust))
        except StatusListError as e:
            print("status list %s refused: %s" % (sp, e), file=sys.stderr)
            return 65
    texts = []
    for inp in args.inputs:
        if inp == "-":
            data = sys.stdin.buffer.read()
            if data:
                lines = data.split(b"\n")
                if data.endswith(b"\n"):
                    lines = lines[:-1]
                texts += [("stdin", ln) for ln in lines]
            continue
        try:
            data = open(inp, "rb").read()
        except OSError as e:
            print("cannot read %s: %s" % (inp, e), file=sys.stderr)
            return 66
        if data.startswith(b"\x89PNG") or data.startswith(b"\xff\xd8\xff"):
            # This verifier has no QR image decoder: no readable symbol -> undecodable.
            texts.append((inp, b"<image>"))
            continue
        texts.append((inp, data))
    if not texts:
        return 66
    verdicts = []
    for name, data in texts:
        rep = verify(data, trust, lists, at, int(args.max_status_age * 86400))
        verdicts.append(rep.verdict)
        o = rep.to_json(name)
        if args.explain and rep.details:
            o["details"] = rep.details
        if args.json:
            print(json.dumps(o, sort_keys=True, ensure_ascii=False, separators=(",", ":")))
        else:
            print("%s: %s %s" % (name, rep.verdict, " ".join(rep.codes)))
    if "invalid" in verdicts:
        return 1
    if "unconfirmed" in verdicts:
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # pragma: no cover
        print("internal error: %r" % e, file=sys.stderr)
        sys.exit(70)
