#!/usr/bin/env python3
"""Writes docs/spec/examples.md (the worked example) and the akashi-verify --json
example of docs/spec/verification.md §5.3 from the frozen fixture, every value
computed by the spec-only verifier used as a library.

    python3 make_examples.py            # check: exit 1 if either document differs
    python3 make_examples.py --write    # rewrite them

The vector generator refreezes fixtures/ with each format change; test_units.py
(WorkedExampleDocument) fails until this is run again, so that the worked
example cannot silently describe a certificate that no longer exists
(SPEC-GAPS 30).
"""

import hashlib
import json
import os
import re
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import akashi_spec_verify as v  # noqa: E402

ROOT = os.path.join(HERE, "..", "..")
EXAMPLES = os.path.join(ROOT, "docs", "spec", "examples.md")
VERIFICATION = os.path.join(ROOT, "docs", "spec", "verification.md")
FIX = os.path.join(HERE, "fixtures")
def read(*p):
    with open(os.path.join(*p), "rb") as f:
        return f.read()


VECTOR_ID = "valid-residence"
# The vector's "at" in vectors/index.json when the fixture was frozen (the fixture
# is a frozen copy of the vector; the vectors move on with each regeneration).
FROZEN_AT = "2026-12-04T14:18:22Z"


def fixture_at():
    """The vector's `at` while vectors/ still holds the fixture's certificate;
    FROZEN_AT once it does not (then FROZEN_AT must be the time of the freeze)."""
    try:
        index = json.loads(read(ROOT, "vectors", "index.json"))
        vec = next(x for x in index["vectors"] if x["id"] == VECTOR_ID)
        if read(ROOT, "vectors", VECTOR_ID + ".txt") == read(HERE, "fixtures", "example-v2.txt"):
            return vec["at"]
    except (OSError, StopIteration, KeyError, ValueError):
        pass
    return FROZEN_AT


AT_TEXT = fixture_at()


def hx(b, group=4):
    """lowercase hex in groups of `group` bytes"""
    h = b.hex()
    return " ".join(h[i:i + 2 * group] for i in range(0, len(h), 2 * group))


def HX(b):
    """upper-case hex, one byte per group"""
    return " ".join("%02X" % x for x in b)


def short(b, head=6, tail=2):
    """`A1 69 62 … 30 31` for a long byte string"""
    if len(b) <= head + tail + 1:
        return HX(b)
    return HX(b[:head]) + " … " + HX(b[-tail:])


def dump(b, base=0, width=32):
    lines = []
    for i in range(0, len(b), width):
        lines.append("%4d  %s" % (base + i, hx(b[i:i + width])))
    return "\n".join(lines)


def rng(a, n):
    """offset range text for n bytes at a"""
    return "%d" % a if n == 1 else "%d–%d" % (a, a + n - 1)


def utc(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def item_spans(raw, start=0):
    """[(start, end)] of the items of the CBOR array or map whose head is at
    `start` (map: key and value as separate items)."""
    dec = v._CBORDecoder(bytes(raw), v.ALLOWED_TAGS)
    dec.pos = start
    major, _, n = dec._head()
    count = n * 2 if major == 5 else n
    out = []
    for _ in range(count):
        s = dec.pos
        dec.item(1)
        out.append((s, dec.pos))
    return out, dec.pos


def uvarint_note(b, value):
    parts = ["0x%02X" % (b[0] & 0x7F)]
    terms = ["%d" % (b[0] & 0x7F)]
    for i, x in enumerate(b[1:], 1):
        parts.append("(0x%02X << %d)" % (x & 0x7F, 7 * i))
        terms.append("%d" % ((x & 0x7F) << (7 * i)))
    return "%s = %s = **%d**" % (" + ".join(parts), " + ".join(terms), value)


class Example:
    def __init__(self):
        self.text = read(FIX, "example-v2.txt")
        self.trust_raw = read(FIX, "example-trust-v2.json")
        self.status_raw = read(FIX, "example-status.cose")
        self.trust = v.load_trust(self.trust_raw)
        self.A = self.trust.authorities[0]
        self.sl = v.verify_status_list(self.status_raw, self.trust)
        self.at = v.parse_at(AT_TEXT)
        self.rep = v.verify(self.text, self.trust, [self.sl], self.at)
        self.json = self.rep.to_json("stdin")
        t = self.text.strip(b" \t\r\n")
        self.qr = t.decode("ascii")
        h = t.find(b"#")
        self.url = t[:h].decode()
        self.digits = t[h + 1 + 4:].decode()
        self.payload = v.parse_qr_text(self.text)
        self.env, self.disc, self.proof_bytes = v.parse_payload(self.payload)
        self.e = v.decode_envelope(self.env)
        self.c = v.decode_claims(self.e.payload)
        self.kind = self.A.kinds[self.c.kind]
        self.d = v.decode_disclosures(self.disc)
        self.proof = v.decode_compact_proof(self.proof_bytes)
        self.lines = v.subject_lines(self.c.cti, self.c.subject_keys)
        self.entry = v.certificate_entry(self.env, self.c.kind, self.c.iat, self.lines)
        self.entry5 = v.certificate_entry(self.env, self.c.kind, self.c.iat)
        self.leaf = v.leaf_hash(self.entry)
        # framing offsets
        self.lu = v.encode_uvarint(len(self.env))
        self.du = v.encode_uvarint(len(self.disc))
        self.P_env = 1 + len(self.lu)
        self.P_du = self.P_env + len(self.env)
        self.P_disc = self.P_du + len(self.du)
        self.P_proof = self.P_disc + len(self.disc)
        assert self.P_proof + len(self.proof_bytes) == len(self.payload)
        # the claims inside the envelope
        self.E_claims = self.env.find(self.e.payload)
        self.P_claims = self.P_env + self.E_claims
        kk = self.trust_raw.decode("utf-8")
        self.trust_doc = json.loads(kk)
        self.key_json = self.trust_doc["authorities"][0]["keys"][0]
        assert self.rep.verdict == "valid" and not self.rep.codes, (self.rep.verdict, self.rep.codes)
        assert len(self.A.keys) == 1 and self.A.policy.quorum == b"none" and not self.A.policy.witnesses
        assert len(self.lines) == 1 and self.c.mask is not None

    # -------------------------------------------------------------------------------

    def doc(self):
        parts = [self.intro(), self.s1(), self.s2(), self.s3(), self.s4(), self.s5(), self.s6(),
                 self.s7(), self.s8(), self.s9(), self.s10()]
        return "\n\n".join(p.strip("\n") for p in parts) + "\n"

    def intro(self):
        c = self.c
        return f"""# Worked example

The conformance vector `{VECTOR_ID}` (format v2, `AK2.`: a 住民票の写し issued with
every field, bound to its resident's subject key), decoded byte by byte. It is
frozen as `Tests/spec-conformance/fixtures/`: `example-v2.txt` (the QR text
plus one LF), `example-trust-v2.json` (its trust file, `vectors/trust/iizuka.json`
when it was frozen) and `example-status.cose` (its status list,
`vectors/status/iizuka.cose`). Its verification time is the vector's `at` in
`vectors/index.json`, `{AT_TEXT}` ({v.jst_time(self.at)}); its expected
verdict is `valid` with all {len(v.CHECKS)} checks `passed`. (The vectors get fresh
keys each time they are regenerated, so `vectors/{VECTOR_ID}.txt` may by now be
another certificate of the same shape; the fixture is the one decoded here.)
Every value below was computed from these files with the independent Python
verifier `Tests/spec-conformance/akashi_spec_verify.py` (written from this
specification alone, no Akashi code), used as a library
(`Tests/spec-conformance/make_examples.py` writes this file); every signature
below verifies.
Offsets are decimal and 0-based; `P` is an offset in the payload, `E` one in
the envelope, `C` one in the claims.

| part | bytes | see |
|---|---|---|
| payload | {len(self.payload)} | §2, [payload.md](payload.md) |
| ├ framing (version, envelope length, disclosures length) | {1 + len(self.lu) + len(self.du)} | §2 |
| ├ envelope (COSE_Sign1) | {len(self.env)} | §3, [certificate.md](certificate.md) |
| │ └ claims (CWT) | {len(self.e.payload)} | §4 |
| ├ disclosures | {len(self.disc)} | §4.3, [selective-disclosure.md](selective-disclosure.md) |
| └ compact proof | {len(self.proof_bytes)} | §6, [compact-proof.md](compact-proof.md) |
| log entry (not in the QR, rebuilt) | {len(self.entry)} | §5, [log.md](log.md), [subject-transparency.md](subject-transparency.md) |
| checkpoint text (not in the QR, rebuilt) | {len(v.checkpoint_text(self.A.origin, self.proof.tree_size, bytes(32)))} | §8 |
| status list file (separate) | {len(self.status_raw)} | §9, [status-list.md](status-list.md) |"""

    def s1(self):
        nd = len(self.digits)
        q, r = divmod(nd, 17)
        k = v.K_FOR_WIDTH[r] if r else 0
        rows = []
        for g in (0, 1, 2):
            dg = self.digits[17 * g:17 * g + 17]
            rows.append("| %d (P %s) | `%s` | %s | `%s` |" % (
                g, rng(7 * g, 7), dg, "{:,}".format(int(dg)).replace(",", " "), HX(self.payload[7 * g:7 * g + 7])))
        rows.append("| … | | | |")
        g = q - 1
        dg = self.digits[17 * g:17 * g + 17]
        rows.append("| %d (P %s) | `%s` | %s | `%s` |" % (
            g, rng(7 * g, 7), dg, "{:,}".format(int(dg)).replace(",", " "), HX(self.payload[7 * g:7 * g + 7])))
        if r:
            dg = self.digits[17 * q:]
            rows.append("| %d, final, k = %d (P %s) | `%s` | %s ≤ %s | `%s` |" % (
                q, k, rng(7 * q, k), dg, "{:,}".format(int(dg)).replace(",", " "),
                "{:,}".format(2 ** (8 * k) - 1).replace(",", " "), HX(self.payload[7 * q:])))
        rows = "\n".join(rows)
        return f"""## 1. The QR text

```
{self.qr}
```

([qr-text.md](qr-text.md) §1.) No leading or trailing white space (the `.txt`
file is these {len(self.qr)} characters plus one LF, which step 1 removes). URL part,
up to the first `#`: `{self.url}` ({len(self.url)} characters, ignored). Then `AK2.`
(`41 4B 32 2E`) and {nd} digits.

Numeric codec (qr-text.md §2.2): {nd} = {q} × 17 + {r}. The remainder
{r} = W({k}), so there are {q} full groups of 17 digits (7 bytes each) and a
final group of {k} bytes: {q} × 7 + {k} = **{len(self.payload)} payload bytes**. Every group is
within its range.

| group | digits | value | bytes |
|---|---|---|---|
{rows}"""

    def s2(self):
        n = len(self.payload)
        L, D = len(self.env), len(self.disc)
        rem_L = n - self.P_env
        rem_D = n - self.P_disc
        return f"""## 2. Payload framing ({n} bytes)

[payload.md](payload.md) §1–2:

| P | bytes | meaning |
|---|---|---|
| 0 | `02` | `version`: format v2 |
| {rng(1, len(self.lu))} | `{HX(self.lu)}` | `envelopeLength`, uvarint: {uvarint_note(self.lu, L)}; minimal (the last byte is not `00`); 1 ≤ {L} < {rem_L} (the bytes after the uvarint) |
| {rng(self.P_env, L)} | {L} bytes | `envelope` (§3) |
| {rng(self.P_du, len(self.du))} | `{HX(self.du)}` | `disclosuresLength`, uvarint: {uvarint_note(self.du, D)}; minimal; {D} < {rem_D} (the bytes after it), so the proof is not empty |
| {rng(self.P_disc, D)} | {D} bytes | `disclosures` (§4.3) |
| {rng(self.P_proof, len(self.proof_bytes))} | {len(self.proof_bytes)} bytes | `proof`, to the end of the payload (§6) |

D > 0 because the certificate has a present mask (content key 4, §4); a
certificate without withholdable fields has the single byte `00` here."""

    def s3(self):
        e, env = self.e, self.env
        Ec = self.E_claims
        head = env[Ec - 2:Ec] if env[Ec - 2] == 0x58 else env[Ec - 3:Ec]
        sig_at = len(env) - 64
        plen = len(e.payload)
        sig = e.signature
        return f"""## 3. The envelope: COSE_Sign1 ({len(env)} bytes)

```
{dump(env)}
```

(E offsets; add {self.P_env} for P.) Layout, [certificate.md](certificate.md) §2.1:

| E | P | bytes | meaning |
|---|---|---|---|
| 0 | {self.P_env} | `D2` | tag 18 (COSE_Sign1) |
| 1 | {self.P_env + 1} | `84` | array(4) |
| 2 | {self.P_env + 2} | `4D` | bstr(13): the protected header |
| 3–15 | {rng(self.P_env + 3, 13)} | `{HX(env[3:16])}` | `A2` map(2), `01` 1 (alg) → `26` −7 (ES256), `04` 4 (kid) → `48` bstr(8) + kid `{HX(e.kid)}` |
| 16 | {self.P_env + 16} | `A0` | unprotected header: `{{}}` |
| {rng(17, len(head))} | {rng(self.P_env + 17, len(head))} | `{HX(head)}` | bstr({plen}): the payload (`58 nn`, since 24 ≤ {plen} ≤ 255) |
| {rng(Ec, plen)} | {rng(self.P_claims, plen)} | {plen} bytes | the CWT claims (§4) |
| {rng(sig_at - 2, 2)} | {rng(self.P_env + sig_at - 2, 2)} | `58 40` | bstr(64): the signature |
| {rng(sig_at, 64)} | {rng(self.P_env + sig_at, 64)} | 64 bytes | r ‖ s |

In CBOR diagnostic notation (RFC 8949 §8):

```
18([
  / protected / << {{1: -7, 4: h'{e.kid.hex()}'}} >>,
  / unprotected / {{}},
  / payload / << claims, §4 >>,
  / signature / h'{sig[:32].hex()}
                  {sig[32:].hex()}'
])
```

### 3.1 Key identifier

The trust file ([trust-file.md](trust-file.md)) has one key with this kid, under authority `{self.A.issuer}`
({self.A.name}): `"kid": "{self.key_json['kid']}"` (base64url of `{e.kid.hex()}`),
`status` `{self.key_json['status']}`, `notBefore` `{self.key_json['notBefore']}`, no `notAfter`. Its

- x = `{self.key_json['x']}` = `{hx(v.b64url_decode_canonical(self.key_json['x']))}`
- y = `{self.key_json['y']}` = `{hx(v.b64url_decode_canonical(self.key_json['y']))}`

and SHA-256(`04` ‖ x ‖ y)[0:8] = `{v.kid_of(v.b64url_decode_canonical(self.key_json['x']), v.b64url_decode_canonical(self.key_json['y'])).hex()}` ([certificate.md](certificate.md) §2.2), so
the trust file is consistent and this is the key K (check `issuerKnown`).

### 3.2 Signature

Sig_structure ([certificate.md](certificate.md) §2.3), {len(v.sig_structure(e.protected, e.payload))} bytes =
1 + 1 + 10 + 1 + 13 + 1 + {len(v.sig_structure(e.protected, e.payload)) - 27 - plen} + {plen}:

```
84 6A 5369676E617475726531 4D {e.protected.hex().upper()} 40 {v._cbor_head(2, plen).hex().upper()} <{plen} claims bytes>
```

- r = `{hx(sig[:32])}`
- s = `{hx(sig[32:])}`

Both are in 1 … n − 1, and the ES256 signature verifies with K over the
received bytes (check `signature`)."""

    def s4(self):
        e, c = self.e, self.c
        cl = e.payload
        P0 = self.P_claims
        top, _ = item_spans(cl, 0)
        rows = ["| 0 | %d | `%02X` | map(%d): the claims |" % (P0, cl[0], len(top) // 2)]
        content_at = None
        for j in range(0, len(top), 2):
            ks, ke = top[j]
            vs, ve = top[j + 1]
            key = v.cbor_decode(cl[ks:ke])
            b = cl[ks:ve]
            if key == 1:
                m = '1 (`iss`): tstr(%d) "%s"' % (len(c.iss), c.iss)
            elif key == 4:
                m = "4 (`exp`): uint %d = %s" % (c.exp, utc(c.exp))
            elif key == 6:
                m = "6 (`iat`): uint %d = %s" % (c.iat, utc(c.iat))
            elif key == 7:
                m = ("7 (`cti`): bstr(%d), the disclosure commitment R (§4.3); the serial is its first 10 bytes"
                     % len(c.cti))
            else:
                content_at = vs
                rows.append("| %d | %d | `%s` | key −70000 (nint, argument 69 999): Akashi content |"
                            % (ks, P0 + ks, HX(b[:ke - ks])))
                continue
            rows.append("| %d | %d | `%s` | %s |" % (ks, P0 + ks, HX(b), m))
        cspans, _ = item_spans(cl, content_at)
        a_keys = [v.cbor_decode(cl[s:t]) for s, t in cspans[0::2]]
        rows.append("| %d | %d | `%s` | map(%d) — keys %s |" % (
            content_at, P0 + content_at, "%02X" % cl[content_at], len(a_keys),
            ", ".join(str(k) for k in a_keys)))
        fields_at = None
        for j in range(0, len(cspans), 2):
            ks, ke = cspans[j]
            vs, ve = cspans[j + 1]
            key = v.cbor_decode(cl[ks:ke])
            b = cl[ks:ve]
            if key == 1:
                m = '1 (kind id): tstr(%d) "%s"' % (len(c.kind), c.kind)
            elif key == 2:
                m = "2 (kind version): uint %d" % c.kind_version
            elif key == 3:
                fields_at = vs
                rows.append("| %d | %d | `%s` | 3 (fields): map(%d), the signed fields |" % (
                    ks, P0 + ks, HX(cl[ks:vs + 1]), len(c.fields)))
                continue
            elif key == 4:
                m = "4 (present mask): uint %d = 0b%s (§4.2)" % (c.mask, bin(c.mask)[2:])
            elif key == 5:
                b = cl[ks:vs + 3] if cl[vs + 1] == 0x58 else b
                m = ("5 (subject keys): array(%d), bstr(32) — the resident's X25519 public key V "
                     "(§5.1, [subject-transparency.md](subject-transparency.md) §2)" % len(c.subject_keys))
                rows.append("| %d | %d | `%s` + 32 bytes | %s |" % (ks, P0 + ks, HX(cl[ks:vs + 3]), m))
                continue
            rows.append("| %d | %d | `%s` | %s |" % (ks, P0 + ks, HX(b), m))
        fspans, _ = item_spans(cl, fields_at)
        frows = []
        for j in range(0, len(fspans), 2):
            ks, ke = fspans[j]
            vs, ve = fspans[j + 1]
            fid = v.cbor_decode(cl[ks:ke])
            t, val = c.fields[fid]
            frows.append("| %d | `%02X` | `%s` | `%s` | %s |" % (
                P0 + ks, cl[ks], fid, short(cl[vs:ve]), describe(t, val, cl[vs:ve])))
        rows = "\n".join(rows)
        frows = "\n".join(frows)
        diag_fields = ",\n".join("      %s" % diag_pair(k, t, x) for k, (t, x) in c.fields.items())
        V = c.subject_keys[0]
        order = ", ".join("`%s`" % k for k in c.fields)
        required = [f["id"] for f in self.kind["fields"] if f["required"]]
        wids = v.withholdable_ids(self.kind)
        signed_req = [f for f in required if f in c.fields]
        masked_req = [f for f in required if f in wids]
        texts = []
        for f in self.kind["fields"]:
            if f["id"] in c.fields and f["type"] == "text":
                texts.append("`%s` %d/%d" % (f["id"], len(c.fields[f["id"]][1]), f["maxLength"]))
        bits = ", ".join("%d `%s`" % (i, w) for i, w in enumerate(wids))
        K = self.A.keys[0]
        return f"""## 4. The CWT claims ({len(cl)} bytes)

```
{dump(cl)}
```

(C offsets; add {P0} for P.)

| C | P | bytes | meaning |
|---|---|---|---|
{rows}

The fields map ({len(c.fields)} pairs; key head, key, value) holds only the fields that
cannot be withheld; the withholdable ones are in the disclosures (§4.3):

| P | key head | key | value bytes | value |
|---|---|---|---|---|
{frows}

In CBOR diagnostic notation:

```
{{
  1: "{c.iss}",                      / iss /
  4: {c.exp},                    / exp {v.jst_time(c.exp)} /
  6: {c.iat},                    / iat {v.jst_time(c.iat)} /
  7: h'{c.cti.hex()}',   / cti = R, serial {v.serial_text(c.cti)} /
  -70000: {{
    1: "{c.kind}",
    2: {c.kind_version},
    3: {{
{diag_fields}
    }},
    4: {c.mask},                        / present mask 0b{bin(c.mask)[2:]} /
    5: [h'{V.hex()}']   / subject key V /
  }}
}}
```

### 4.1 Checks on the claims

Against [certificate.md](certificate.md) §1, §3–§5 (check `claims`, after the
signature verified):

- deterministic CBOR: preferred heads (e.g. `1A` for the 32-bit times, `78 23`
  for the 35-byte address, `18 1F` for the mask 31), definite lengths, no
  major type 7, tags only 1004/30001 on field values, and keys in bytewise
  order of their encodings: `01 04 06 07 3A…` at the top; `01 02 03 04 05` in
  the content map; field names by encoded length, then bytes: {order};
- exactly the keys `iss`, `exp`, `iat`, `cti`, −70000, and in −70000 the keys
  1, 2, 3 and the optional 4 and 5;
- `iat` and `exp` are unsigned and ≤ 2^53 − 1; the mask is an unsigned
  integer in 1 … 65 535; with key 4 present `cti` is 16 bytes (without it, it
  would have to be 10); the serial is its first 10 bytes, `{c.cti[:10].hex()}`, in
  Crockford base32: `{v.serial_text(c.cti)}` (certificate.md §3.1);
- key 5 is an array of 1 … 4 byte strings of exactly 32 bytes (here one);
- `iss` "{c.iss}" is byte-equal to the authority's `issuer`.

### 4.2 Key, kind and dates

- `keyValid` ([verification.md](verification.md) §3.1): K is `{self.key_json['status']}`;
  `iat` {c.iat} ({utc(c.iat)}) ≥ `notBefore` {K.not_before} ({utc(K.not_before)}) − 300 s;
  there is no `notAfter`.
- `kindValid`: `{c.kind}` is one of the authority's kinds, and the claims'
  version {c.kind_version} equals its `version` {self.kind['version']}. Its withholdable fields, in
  kind order, are bits {bits} of the present mask; {c.mask} = 0b{bin(c.mask)[2:]} sets
  all {len(wids)} and no bit at or above {len(wids)}, so all of them were issued. No
  withholdable field is in the signed map. Every required field is present:
  {", ".join("`%s`" % f for f in signed_req)} signed, {", ".join("`%s`" % f for f in masked_req)} by their
  mask bits (selective-disclosure.md §5 step 3); no other field id appears.
  `sex` is tag 30001 on an option `value` (`female`); `residentSince` is tag
  1004 on a real date in 1868 … 2999; the texts follow the text rule (§5): NFC,
  no refused code points, no leading or trailing white space (the inner U+0020
  in names is allowed), lengths in scalar values within `maxLength`:
  {", ".join(texts)}. (The shown withholdable values are checked by
  `disclosure`, §4.3.)
- `validityPeriod`: `at` = {self.at} ({utc(self.at)}); `iat` {c.iat} ≤ `at` + 300, and
  `exp` {c.exp} ({utc(c.exp)}) > `at`. (exp − iat = {(c.exp - c.iat) // 86400} days, the kind's
  `validityDays`.)

{self.s43()}"""

    def s43(self):
        d, c = self.d, self.c
        D = self.disc
        P0 = self.P_disc
        spans, _ = item_spans(D, 0)
        units = v.present_units(self.kind, c.mask)
        rows = ["| %d | `%02X` | array(%d): %d unit entries, then the nodes |" % (P0, D[0], len(spans), len(spans) - 1)]
        for i, (s, t) in enumerate(spans[:-1]):
            u = D[s:t]
            vals = d.entries[i][1]
            rows.append("| %s | `%s` | entry %d, shown: %s — U%s, %d bytes |" % (
                rng(P0 + s, t - s), short(u), i, diag_map(vals), sub(i), t - s))
        s, t = spans[-1]
        nh = len(v._cbor_head(2, len(d.nodes)))
        rows.append("| %s | `%s` | bstr(%d): the nodes, k = %d |" % (rng(P0 + s, nh), HX(D[s:s + nh]), len(d.nodes),
                                                                   len(d.nodes) // 16))
        mats = v.sd_materials(d)
        for j, m in enumerate(mats):
            rows.append("| %s | `%s` | seed S%s of pair %d |" % (rng(P0 + s + nh + 16 * j, 16), hx(m["seed"]), sub(j), j))
        rows = "\n".join(rows)
        unit_list = "; ".join("u%s = {%s}" % (sub(i), ", ".join(u)) for i, u in enumerate(units))
        drows = []
        for j, m in enumerate(mats):
            for tt, i in enumerate(m["pair"]):
                drows.append("| %s | %s | `%02x` | `%s` | U%s | `%s` | %s |" % (
                    ("%d" % j) if tt == 0 else "", ("S%s = `%s`" % (sub(j), hx(m["seed"]))) if tt == 0 else "",
                    tt, hx(m["salts"][tt]), sub(i), hx(m["leaves"][tt]),
                    ("C%s = `%s`" % (sub(j), hx(m["C"]))) if tt == 0 else ""))
        drows = "\n".join(drows)
        R = v.sd_commitment(d)
        assert R == c.cti
        pairs_txt = ", ".join("(u%s, u%s)" % (sub(p[0]), sub(p[1])) if len(p) == 2 else "(u%s)" % sub(p[0])
                              for p in (m["pair"] for m in mats))
        # a reduction, for orientation
        red = v.reduce(self.qr, [units[0][0]])
        _, rdisc, _ = v.parse_payload(v.parse_qr_text(red))
        rd = v.decode_disclosures(rdisc)
        rrep = v.verify(red, self.trust, [self.sl], self.at)
        assert rrep.verdict == "valid" and rrep.to_json()["log"] == self.json["log"]
        m0 = mats[0]
        return f"""### 4.3 The disclosures ({len(D)} bytes)

```
{dump(D, P0)}
```

(P offsets.) [selective-disclosure.md](selective-disclosure.md) §3: one CBOR item,
read in `decode` under every rule of certificate.md §1 (step 1 of §5):

| P | bytes | meaning |
|---|---|---|
{rows}

The kind's units (selective-disclosure.md §1): each withholdable field without
`withholdGroup` is a unit by itself, `domicile` and `domicileHead` share the
group `domicile`; all are present (mask {c.mask}), so m = {len(units)}: {unit_list}.
Entry i stands for u_i, and a shown entry's bytes as received are U_i. The
pairs are {pairs_txt}; p = {len(mats)}. Every unit is shown (the full presentation,
as issued), so each pair's node is its seed and k = p = {len(mats)}: the nodes are
exactly 16 × {len(mats)} = {len(d.nodes)} bytes, as `decode` requires for this shown/withheld
pattern.

The derivations (§2; H16 = the first 16 bytes of SHA-256):
salt = H16(`73` ‖ S_j ‖ t), leaf = H16(`6C` ‖ salt ‖ U), C_j = H16(`70` ‖ L_2j ‖ L_2j+1):

| pair | seed | t | salt | unit | leaf | commitment |
|---|---|---|---|---|---|---|
{drows}

R = H16(`72` ‖ C₀ ‖ C₁) = `{hx(R)}`, which is the claims' `cti`.

The check `disclosure` (selective-disclosure.md §5 step 4): (1) key 4 is
present and D > 0; (2) {len(d.entries)} unit entries = m; (3) every key of every shown
entry is a field of the kind, every one is `withholdable`, and each entry holds
exactly its unit's present fields; (4) the recomputed R equals `cti`; (5) the
shown values satisfy their definitions (`birthDate` a real date with tag 1004,
the texts by the text rule within `maxLength`). It passes; `fields` reports the
{len(c.fields)} signed and the {sum(len(u) for u in units)} shown fields, `withheld` is `[]`.

For orientation (not part of the vector): withholding `{units[0][0]}` (unit u₀)
replaces entry 0 by `A0` and pair 0's node S₀ by L₀ ‖ salt(S₀, `01`)
(`{hx(m0["leaves"][0])}` ‖ `{hx(m0["salts"][1])}`), since the holder can no longer
give the seed; the disclosures become {len(rdisc)} bytes (k = {len(rd.nodes) // 16}), the envelope,
the log entry and the proof stay the same, and the copy verifies `valid` with
`withheld` `["{units[0][0]}"]`."""

    def s5(self):
        c = self.c
        ln = self.lines[0]
        V = c.subject_keys[0]
        rl = bytearray(ln.r)
        rl[0] &= 248
        rl[31] &= 127
        rl[31] |= 64
        entry_txt = self.entry.decode()
        l5 = len(self.entry5)
        return f"""## 5. Log entry and leaf hash

[log.md](log.md) §2.1: SHA-256 of the {len(self.env)} envelope bytes (P {rng(self.P_env, len(self.env))},
exactly as received) is
`{hashlib.sha256(self.env).hexdigest()}`; with the kind id and `iat` from the
claims and one subject line for the one subject key (§5.1) the entry is ({len(self.entry)}
bytes = {l5} for the first five lines + {len(ln.line)} for the subject line, each line
ending in LF):

```
{entry_txt.rstrip(chr(10))}
```

Leaf hash = SHA-256(`00` ‖ entry) (log.md §3) =
`{hx(self.leaf)}` (check `logEntry`).

### 5.1 The subject line

[subject-transparency.md](subject-transparency.md) §3 for subject i = 0, with
c = the 16-byte `cti` `{c.cti.hex()}`, s = its first 10 bytes (the serial),
V₀ = the subject key of content key 5 (the key text `{v.key_text(V)}`,
§1) and H = SHA-256:

| value | derivation | bytes |
|---|---|---|
| r₀ | H(`65` ‖ c ‖ `00`) | `{hx(ln.r)}` |
| | as an X25519 scalar (RFC 7748 clamps it) | `{hx(bytes(rl))}` |
| R₀ | X25519(r₀, 9), the ephemeral public key | `{hx(ln.R)}` |
| S₀ | X25519(r₀, V₀); not 32 zero bytes | `{hx(ln.S)}` |
| k₀ | H(`6B` ‖ S₀ ‖ R₀) | `{hx(ln.k)}` |
| tag₀ | k₀[0:8] | `{hx(ln.tag)}` |
| enc₀ | s ⊕ k₀[8:18] = `{hx(c.cti[:10])}` ⊕ `{hx(ln.k[8:18])}` | `{hx(ln.enc)}` |

The line is `subject ` ‖ base64url without padding of R₀ ‖ tag₀ ‖ enc₀ (50
bytes → 67 characters) ‖ LF — line 6 above:

```
{ln.line.decode().rstrip(chr(10))}
```

The verifier derives all of it from the certificate alone: r₀ from the `cti`
(inside the envelope, never in the log — the log has only the envelope's
SHA-256), S₀ from r₀ and the signed key V₀; no secret is involved. The
resident, who holds the secret v with V₀ = X25519(v, 9), finds the line in a
scan (subject-transparency.md §5) by computing X25519(v, R₀), which is the
same S₀ (both are clamp(r₀) · clamp(v) times the base point), hence the same k₀:
tag₀ matches, and enc₀ ⊕ k₀[8:18] gives back the serial `{v.serial_text(c.cti)}`. The
secret is not in the fixture (an issuer prints a fresh one on its own sheet
and keeps only V, subject-transparency.md §6), so the resident's side cannot be
recomputed from these files; for anyone without v or r₀ the 50 bytes are
random.

Check `subject` (subject-transparency.md §4): the kind `{c.kind}` has
`subjects` {self.kind.get('subjects', 0)}, the claims have exactly {len(c.subject_keys)} subject key, and S₀ is not all
zeros (V₀ is not of low order): `passed`. The `inclusion` check (§7, §8) then
proves that exactly this entry, with its subject line, is in the log: had the
town logged the {l5}-byte entry without the line, the proof would verify for
that entry instead and the code would be `subjectNotFindable` (the vector
`subject-logged-without-line`)."""

    def s6(self):
        p = self.proof
        pb = self.proof_bytes
        P0 = self.P_proof
        h = len(p.hashes)
        inner = (p.index ^ (p.tree_size - 1)).bit_length()
        border = bin(p.index >> inner).count("1")
        rows = ["| %d | `%02X` | index | %d |" % (P0, pb[0], p.index),
                "| %d | `%02X` | treeSize | %d → H = PATHLEN(%d, %d) = %d: inner = bitlen(%d XOR %d) = %d, border = popcount(%d >> %d) = %d |"
                % (P0 + 1, pb[1], p.tree_size, p.index, p.tree_size, h, p.index, p.tree_size - 1, inner,
                   p.index, inner, border)]
        assert p.index < 128 and p.tree_size < 128
        desc = self._hash_descriptions()
        for i, x in enumerate(p.hashes):
            rows.append("| %s | `%s` | hash %d | %s |" % (rng(P0 + 2 + 32 * i, 32), hx(x), i, desc[i]))
        at = 2 + 32 * h
        kid, sig = p.records[0]
        rows.append("| %s | `%s` | key ID | `%s`, the log key `%s+%s+…` (§8) |" % (
            rng(P0 + at, 4), kid.hex(), kid.hex(), self.A.origin, kid.hex()))
        rows.append("| %d | `%02X` | sig-length | %d |" % (P0 + at + 4, len(sig), len(sig)))
        rows.append("| %s | `%s` | sig-bytes | the log's Ed25519 signature |" % (rng(P0 + at + 5, len(sig)), hx(sig)))
        rows = "\n".join(rows)
        rec = v.pathlen_recursive(p.index, p.tree_size)
        assert rec == h
        return f"""## 6. The compact proof ({len(pb)} bytes)

```
{dump(pb, P0)}
```

[compact-proof.md](compact-proof.md) §1, §3 (P offsets):

| P | bytes | field | value |
|---|---|---|---|
{rows}

H is not in the bytes: the verifier derives it (compact-proof.md §2; the
recursive PATHLEN({p.index}, {p.tree_size}) = 1 + PATHLEN(1, 2) = 1 + 1 + PATHLEN(0, 1) = {rec}
agrees). The hashes take {32 * h} bytes; the {len(pb) - at} bytes after them are signature
records to the end: exactly one record (4 + 1 + {len(sig)} bytes). Its key ID is the log
key's; there is no witness record (the policy names no witnesses)."""

    def _hash_descriptions(self):
        p = self.proof
        assert (p.index, p.tree_size) == (3, 4)
        return ["leaf 2, the sibling of leaf 3", "MTH of leaves 0–1"]

    def s7(self):
        p = self.proof
        fn, sn, r = p.index, p.tree_size - 1, self.leaf
        rows = []
        for i, x in enumerate(p.hashes):
            f0, s0 = fn, sn
            if fn & 1 or fn == sn:
                r = v.node_hash(x, r)
                step = "LSB(fn) = 1 → r = SHA-256(0x01 ‖ hash%d ‖ r)" % i
                if not fn & 1:
                    while True:
                        fn >>= 1
                        sn >>= 1
                        if fn & 1 or fn == 0:
                            break
            else:
                r = v.node_hash(r, x)
                step = "r = SHA-256(0x01 ‖ r ‖ hash%d)" % i
            fn >>= 1
            sn >>= 1
            rows.append("| %d | %d | %d | %s | `%s` | %d, %d |" % (i, f0, s0, step, hx(r), fn, sn))
        assert sn == 0
        root = r
        assert root.hex() == self.json["log"]["rootHash"]
        self.root = root
        rows = "\n".join(rows)
        return f"""## 7. The recomputed root

compact-proof.md §4 step 2, starting with fn = {p.index}, sn = {p.tree_size - 1}, r = leaf:

| hash | fn | sn | step | r | fn, sn after |
|---|---|---|---|---|---|
{rows}

sn = 0 at the end, as it must be. Root =
`{root.hex()}`, base64 `{v.b64(root)}`."""

    def s8(self):
        A = self.A
        text = v.checkpoint_text(A.origin, self.proof.tree_size, self.root)
        kid, sig = self.proof.records[0]
        note = self.json["log"]["checkpoint"]
        o = len(A.origin)
        policy = self.trust_doc["authorities"][0]["log"]["policy"]
        return f"""## 8. Checkpoint, log signature and witness policy

The checkpoint text (compact-proof.md §4 step 3, [log.md](log.md) §4), with the
origin `{A.origin}` from the trust file, {len(text)} bytes
({o} + 1 + {len(str(self.proof.tree_size))} + 1 + 44 + 1), each line ending in LF:

```
{text.decode().rstrip(chr(10))}
```

The trust file's log key is the vkey

```
{A.log_vkey.text}
```

whose base64 part decodes to `01` (type Ed25519) ‖ the 32-byte public key
`{hx(A.log_vkey.pub)}`; its key ID is
SHA-256("{A.origin}" ‖ `0A` ‖ `01` ‖ key)[0:4] = `{A.log_vkey.key_id.hex()}`, equal to
the vkey's `{A.log_vkey.text.split('+')[1]}` and to the proof's record. The record is {len(sig)} bytes long, and
the Ed25519 signature verifies over the {len(text)} checkpoint text bytes (check
`inclusion`). As a signed note (what `akashi-verify --json` reports as
`log.checkpoint`):

```
{note.rstrip(chr(10))}
```

The trust file's policy (`log.policy`) is

```
{policy.rstrip(chr(10))}
```

so the checkpoint is accepted with no cosignatures (compact-proof.md §4
steps 5–6; check `checkpoint`)."""

    def s9(self):
        raw = self.status_raw
        e = v.decode_envelope(raw)
        m = v.cbor_decode(e.payload)
        pa = raw.find(e.payload)
        sa = len(raw) - 64
        phead = raw[pa - 3:pa] if raw[pa - 3] == 0x59 else raw[pa - 2:pa]
        table = zlib.decompress(m[6])
        sl = self.sl
        # the table's entries, byte by byte
        pos, prev, rows = 0, None, []
        states = {1: "revoked, reason `error`", 2: "revoked, reason `moved`", 3: "revoked, reason `ended`",
                  4: "revoked, reason `other`", 5: "superseded"}
        today = v.day_jst(sl.issued_at)
        idxs = []
        while pos < len(table):
            st = pos
            gap, pos = v.read_uvarint(table, pos)
            state = table[pos]
            pos += 1
            age, pos = v.read_uvarint(table, pos)
            idx = gap if prev is None else prev + 1 + gap
            extra = ""
            if state == 5:
                succ, pos = v.read_uvarint(table, pos)
                ser = table[pos:pos + 10]
                pos += 10
                extra = "; successor index %d, serial `%s` (%s)" % (succ, ser.hex(), v.serial_text(ser))
            idxs.append(idx)
            rows.append("| `%s` | gap %d → index %d | %d: %s | %d → %s%s |" % (
                HX(table[st:pos]), gap, idx, state, states[state], age, day_date(today - age), extra))
            prev = idx
        rows = "\n".join(rows)
        K = self.A.keys[0]
        note = m[4]
        _, size, root = v.verify_checkpoint_note(note, self.A)
        idx = self.proof.index
        assert idx < size and idx not in sl.entries
        note_lit = note.replace("\n", "\\n")
        return f"""## 9. The status list

`fixtures/example-status.cose`, {len(raw)} bytes, an envelope as in §3
([status-list.md](status-list.md) §1): `D2 84 4D` + the same 13-byte protected
header (kid `{e.kid.hex()}`) + `A0` + `{HX(phead)}` (bstr({len(e.payload)})) + the payload +
`58 40` + the signature (payload at file offsets {rng(pa, len(e.payload))}, signature at
{rng(sa, 64)}). Verification (status-list.md §4):

1. the envelope decodes; the kid is K's, an `{K.status}` key (not `compromised`),
   so the list's authority is `{self.A.issuer}`;
2. the ES256 signature verifies with K;
3. the payload decodes:

```
{{
  1: "{m[1]}",
  2: "{m[2]}",          / issuer /
  3: {m[3]},        / issued-at {v.jst_time(m[3])} /
  4: "{note_lit}",
  5: {m[5]},                 / number of entries /
  6: h'{m[6].hex()}'  / zlib, {len(m[6])} bytes /
}}
```

4. the table (zlib, {len(table)} bytes decompressed: `{table.hex()}`):

| bytes | index | state | age (days) → day |
|---|---|---|---|
{rows}

   {m[5]} entries = key 5; day(issued-at) = ⌊({m[3]} + 32 400) / 86 400⌋ = {today} = {day_date(today)} (JST);
5. the issuer "{m[2]}" is the authority's, and issued-at {m[3]} ({utc(m[3])}) is in
   K's window (≥ `notBefore` − 300 s, no `notAfter`);
6. the checkpoint note has origin `{self.A.origin}`, tree size **{size}**, root
   `{root.hex()}`, no extension lines, and one signature line, by the log key
   (key ID `{self.A.log_vkey.key_id.hex()}`), which verifies; with `quorum none` no
   cosignature is needed.

Status check ([verification.md](verification.md) §3.2): the one list is the
authority's (issuer `{self.A.issuer}`); the certificate's proven index {idx} < the list's tree
size {size}, so the list covers it; the list has entries only for {", ".join(str(i) for i in idxs)}, not for {idx}; and
`at` − issued-at = {self.at} − {m[3]} = {self.at - m[3]} s ({(self.at - m[3]) / 86400:g} day) ≤ 7 days. The check passes, and
the certificate is valid as of `{v.jst_time(m[3])}` (`statusAsOf`)."""

    def s10(self):
        c = self.c
        K = self.A.keys[0]
        rows = [
            ("decode", "QR text and digits (§1), framing (§2), envelope and protected header (§3), the disclosures' structure (§4.3), compact proof structure (§6)"),
            ("issuerKnown", "kid `%s` is key `%s` of authority `%s` (§3.1)" % (self.e.kid.hex(), K.kid_text, self.A.issuer)),
            ("signature", "ES256 over the %d-byte Sig_structure (§3.2)" % len(v.sig_structure(self.e.protected, self.e.payload))),
            ("claims", "strict deterministic CBOR, exactly the keys of certificate.md §3; `iss` \"%s\" = the authority's `issuer` (§4.1)" % c.iss),
            ("keyValid", "key `%s`; `iat` %d ≥ `notBefore` %d − 300; no `notAfter` (§4.2)" % (K.status, c.iat, K.not_before)),
            ("kindValid", "`%s` is a kind of the authority, version %d = %d, the %d signed fields and the mask %d satisfy it (§4.2)"
             % (c.kind, c.kind_version, self.kind["version"], len(c.fields), c.mask)),
            ("disclosure", "%d shown units reproduce R = `cti` (§4.3)" % len(self.d.entries)),
            ("validityPeriod", "`iat` ≤ `at` + 300 and `exp` > `at` (§4.2)"),
            ("subject", "`subjects` %d, %d subject key, S₀ not zero (§5.1)" % (self.kind.get("subjects", 0), len(c.subject_keys))),
            ("logEntry", "the %d-byte entry with its subject line and its leaf hash (§5)" % len(self.entry)),
            ("inclusion", "root recomputed (§7), checkpoint text rebuilt, log signature verifies (§8)"),
            ("checkpoint", "policy `quorum none`: no cosignature needed (§8)"),
            ("status", "index %d < tree size %d of a fresh list of `%s`, not listed (§9)" % (
                self.proof.index, self.sl.tree_size, self.A.issuer)),
        ]
        assert [r[0] for r in rows] == v.CHECKS
        assert all(self.rep.checks[n] == ("passed", None) for n in v.CHECKS)
        table = "\n".join("| %d | `%s` | passed | %s |" % (i + 1, n, t) for i, (n, t) in enumerate(rows))
        j = self.json
        ab = {k: j[k] for k in ("checks", "expiresAt", "issuedAt", "issuer", "kind", "reasons", "serial",
                                "statusAsOf", "valid", "verdict", "withheld")}
        ab["envelope"] = j["envelope"][:28] + "…"
        ab["log"] = {k: j["log"][k] for k in ("index", "origin", "rootHash", "treeSize")}
        line = json.dumps(ab, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return f"""## 10. Verdict

The {len(v.CHECKS)} checks of [verification.md](verification.md) §3, in order:

| # | check | status | here |
|---|---|---|---|
{table}

No check failed and `status` passed, so the verdict is **`valid`**
(`akashi-verify` exit code 0), as `vectors/index.json` expects. The same result
from the command line:

```sh
cd Tests/spec-conformance
python3 akashi_spec_verify.py --trust fixtures/example-trust-v2.json \\
    --status fixtures/example-status.cose --at {AT_TEXT} --json fixtures/example-v2.txt
```

```json
{line}
```

(abbreviated: `input`, `fields`, the rest of `log` and `tlogProof` left out;
the complete line is the example of verification.md §5.3.)"""

    # -------------------------------------------------------------------------------

    def verification_block(self):
        """The §5.3 example of verification.md: the command and the complete line."""
        line = json.dumps(self.json, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return f"""```sh
cd Tests/spec-conformance/fixtures
akashi-verify --json --trust example-trust-v2.json --status example-status.cose \\
    --at {AT_TEXT} - < example-v2.txt
```

exits 0 and prints this line (complete):

```json
{line}
```"""


SUBS = "₀₁₂₃₄₅₆₇₈₉"


def sub(i):
    return "".join(SUBS[int(x)] for x in str(i))


def day_date(day):
    import time
    return time.strftime("%Y-%m-%d", time.gmtime(day * 86400))


def describe(t, val, b):
    if t == "enum":
        return 'tag 30001, tstr(%d) "%s"' % (len(val.value.encode()), val.value)
    if t == "date":
        return 'tag 1004, tstr(%d) "%s"' % (len(val.value), val.value)
    if t == "text":
        return 'tstr(%d) "%s"' % (len(val.encode()), val)
    return repr(val)


def diag_value(t, x):
    if t == "enum":
        return '30001("%s")' % x.value
    if t == "date":
        return '1004("%s")' % x.value
    if t == "decimal":
        return '30000("%s")' % x.value
    if t == "text":
        return '"%s"' % x
    if t == "textList":
        return "[" + ", ".join('"%s"' % s for s in x) + "]"
    return str(x)


def diag_pair(k, t, x):
    return '"%s": %s' % (k, diag_value(t, x))


def diag_map(vals):
    return "`{" + ", ".join(diag_pair(k, t, x) for k, (t, x) in vals.items()) + "}`"


BLOCK_RE = re.compile(r"(Example: the certificate of \[examples\.md\]\(examples\.md\) \(frozen as\n"
                      r"`Tests/spec-conformance/fixtures/`\), verified with its status list,\n\n)"
                      r"(```sh\n.*?\n```\n\nexits 0 and prints this line \(complete\):\n\n```json\n.*?\n```)",
                      re.S)


def main(argv):
    ex = Example()
    want_examples = ex.doc()
    with open(VERIFICATION, encoding="utf-8") as f:
        ver = f.read()
    m = BLOCK_RE.search(ver)
    if not m:
        print("make_examples: the §5.3 example block of verification.md was not found", file=sys.stderr)
        return 2
    want_ver = ver[:m.start(2)] + ex.verification_block() + ver[m.end(2):]
    with open(EXAMPLES, encoding="utf-8") as f:
        have_examples = f.read()
    if "--write" in argv:
        with open(EXAMPLES, "w", encoding="utf-8") as f:
            f.write(want_examples)
        with open(VERIFICATION, "w", encoding="utf-8") as f:
            f.write(want_ver)
        print("make_examples: wrote docs/spec/examples.md and the §5.3 example of docs/spec/verification.md")
        return 0
    bad = []
    if have_examples != want_examples:
        bad.append("docs/spec/examples.md")
    if ver != want_ver:
        bad.append("docs/spec/verification.md §5.3")
    if bad:
        print("make_examples: %s differ(s) from the fixture; run python3 make_examples.py --write"
              % ", ".join(bad), file=sys.stderr)
        return 1
    print("make_examples: docs/spec/examples.md and verification.md §5.3 match the fixture")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
