"""Issuer-side builder for self-made Akashi v2 certificates (test helper).

Builds, from docs/spec alone: an ES256 issuer key, an Ed25519 log key,
optional cosignature/v1 witnesses, claims, the COSE_Sign1 envelope, a log of
several entries, the compact proof with checkpoint signatures, the QR text,
a trust file and status lists.  Used by test_units.py for round trips.
Subject transparency (subject-transparency.md): residents' X25519 keys, subject
keys in the claims (content key 5), subject lines in certificate entries,
revocation and supersession entries for the resident's scan.
"""

import hashlib
import json
import os
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

import akashi_spec_verify as v

T0 = 1795420351  # 2026-11-23T07:52:31Z


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def raw_pub(pk):
    return pk.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class IssuerKey:
    def __init__(self):
        self.priv = ec.generate_private_key(ec.SECP256R1())
        n = self.priv.public_key().public_numbers()
        self.x = n.x.to_bytes(32, "big")
        self.y = n.y.to_bytes(32, "big")
        self.kid = v.kid_of(self.x, self.y)

    def sign(self, msg):
        r, s = decode_dss_signature(self.priv.sign(msg, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def jwk(self, not_before=T0, **extra):
        d = {"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig",
             "x": v.b64url(self.x), "y": v.b64url(self.y), "kid": v.b64url(self.kid),
             "notBefore": iso(not_before), "status": "active"}
        d.update(extra)
        return d


class NoteKey:
    def __init__(self, name, sig_type, seed=None):
        self.name = name
        self.sig_type = sig_type
        self.priv = (ed25519.Ed25519PrivateKey.from_private_bytes(seed) if seed
                     else ed25519.Ed25519PrivateKey.generate())
        self.pub = raw_pub(self.priv.public_key())
        self.key_id = v.note_key_id(name, sig_type, self.pub)

    @property
    def vkey(self):
        return "%s+%s+%s" % (self.name, self.key_id.hex(), v.b64(bytes([self.sig_type]) + self.pub))

    def sign_checkpoint(self, text, t=None):
        if self.sig_type == 1:
            return self.priv.sign(text)
        t = T0 + 3600 if t is None else t
        return t.to_bytes(8, "big") + self.priv.sign(v.cosignature_message(t, text))


def envelope(key: IssuerKey, claims_bytes: bytes, tagged=True, kid=None):
    prot = bytes.fromhex("a201260448") + (kid or key.kid)
    sig = key.sign(v.sig_structure(prot, claims_bytes))
    arr = v.cbor_encode([prot, {}, claims_bytes, sig])
    return (b"\xd2" + arr) if tagged else arr


def residence_claims(iss="402052", iat=T0, exp=None, kind="residence", version=1,
                     fields=None, cti=None, subject_keys=None):
    if fields is None:
        fields = {
            "name": "飯塚 花子", "kana": "いいづか はなこ", "birthDate": v.Tag(1004, "1990-04-01"),
            "sex": v.Tag(30001, "female"), "address": "福岡県飯塚市新立岩5番5号",
            "residentSince": v.Tag(1004, "2018-10-01"), "householder": "飯塚 太郎",
        }
    m = {1: iss, 6: iat, 7: cti or os.urandom(10),
         -70000: {1: kind, 2: version, 3: fields}}
    if subject_keys is not None:
        m[-70000][5] = list(subject_keys)
    if exp is not None:
        m[4] = exp
    return m


# The shipped kinds as of the selective-disclosure spec (certs/*.json at commit
# 3d2b6e0), frozen in fixtures/sd-kinds.json so that later kind members of
# other features do not change these tests.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "sd-kinds.json"),
          encoding="utf-8") as _f:
    _KINDS = {k["id"]: k for k in json.load(_f)}


def _load_kind(name):
    import copy
    return copy.deepcopy(_KINDS[name])


def plain_kind(kind):
    """The kind with every `withholdable` / `withholdGroup` removed: all its
    fields signed, no present mask, D = 0 (the format without the feature)."""
    import copy
    k = copy.deepcopy(kind)
    for f in k["fields"]:
        f.pop("withholdable", None)
        f.pop("withholdGroup", None)
    return k


# The shipped kinds: residence, partnership and graduation mark
# withholdable fields (selective-disclosure.md §7); energy-origin none.
RESIDENCE_SD_KIND = _load_kind("residence")
PARTNERSHIP_KIND = _load_kind("partnership")
GRADUATION_KIND = _load_kind("graduation")
ENERGY_KIND = _load_kind("energy-origin")
# The default kind of the older round-trip tests: residence without the feature.
RESIDENCE_KIND = plain_kind(RESIDENCE_SD_KIND)

RESIDENCE_VALUES = {
    "name": "飯塚 花子", "kana": "いいづか はなこ", "birthDate": v.Tag(1004, "1990-04-01"),
    "sex": v.Tag(30001, "female"), "address": "福岡県飯塚市新立岩5番5号",
    "residentSince": v.Tag(1004, "2018-10-01"), "householder": "飯塚 太郎", "relationship": "妻",
}


class Authority:
    def __init__(self, issuer="402052", origin="test.example/akashi/log", witnesses=(), policy_tail=None):
        self.issuer = issuer
        self.key = IssuerKey()
        self.log = NoteKey(origin, 1)
        self.witnesses = [NoteKey(n, 4) for n in witnesses]
        self.policy_tail = policy_tail  # e.g. "group g 2 W0 W1 W2\nquorum g\n"
        self.entries = []
        self.envelopes = {}      # log index -> envelope (for lifecycle entries)
        self.key_extra = {}
        self.kinds = [RESIDENCE_KIND]

    def policy(self):
        p = "log %s\n" % self.log.vkey
        for i, w in enumerate(self.witnesses):
            p += "witness W%d %s\n" % (i, w.vkey)
        p += self.policy_tail or "quorum none\n"
        return p

    def trust_authority(self):
        return {"issuer": self.issuer, "name": "テスト市", "keys": [self.key.jwk(**self.key_extra)],
                "kinds": self.kinds,
                "log": {"origin": self.log.name, "vkey": self.log.vkey, "policy": self.policy()}}

    def add_filler(self, n):
        for i in range(n):
            self.entries.append(("akashi-entry/v1\ntype document\nsha256 %s\n"
                                 % hashlib.sha256(os.urandom(8)).hexdigest()).encode())

    def issue(self, claims=None, raw_claims=None, tagged=True, kid=None, subject_lines=None,
              allow_low_order=False):
        """Sign and log.  The entry gets one subject line per subject key of the
        claims (content key 5) unless `subject_lines` says otherwise: False logs
        none, a list logs exactly those lines (bytes).  A low-order subject key
        is refused (subject-transparency.md §3) unless `allow_low_order`."""
        claims_bytes = raw_claims if raw_claims is not None else v.cbor_encode(claims or residence_claims(self.issuer))
        env = envelope(self.key, claims_bytes, tagged=tagged, kid=kid)
        c = None
        if raw_claims is None:
            try:
                c = v.cbor_decode(claims_bytes, v.ALLOWED_TAGS)
            except v.Undecodable:
                c = None  # claims the verifier must refuse: no real entry needed
        if c is not None and isinstance(c.get(-70000), dict) and 1 in c[-70000] and 6 in c:
            if subject_lines is None:
                keys = c[-70000].get(5) or []
                if type(keys) is not list or any(type(x) is not bytes or len(x) != 32 for x in keys):
                    keys = []  # claims the verifier must refuse: no lines
                subject_lines = [st_line(c[7], i, V, allow_low_order)[0] for i, V in enumerate(keys)]
            entry = st_entry(env, c[-70000][1], c[6], subject_lines or [])
        else:
            entry = b"dummy"
        self.entries.append(entry)
        self.envelopes[len(self.entries) - 1] = env
        return env, len(self.entries) - 1

    def revoke(self, index, reason="moved", at=None):
        """log.md §2.3: a revocation entry naming the certificate at `index`."""
        self.entries.append(("akashi-entry/v1\ntype revocation\nsha256 %s\ntarget %d\nreason %s\nat %d\n" % (
            hashlib.sha256(self.envelopes[index]).hexdigest(), index, reason, T0 + 60 if at is None else at)).encode())
        return len(self.entries) - 1

    def supersede(self, index, successor, at=None):
        """log.md §2.4: a supersession entry (after the successor's entry)."""
        self.entries.append(("akashi-entry/v1\ntype supersession\nsha256 %s\ntarget %d\nsuccessor %d\nat %d\n" % (
            hashlib.sha256(self.envelopes[index]).hexdigest(), index, successor,
            T0 + 60 if at is None else at)).encode())
        return len(self.entries) - 1

    def issue_sd(self, values=None, kind=None, subject_lines=None, allow_low_order=False, **kw):
        """Issue a certificate whose kind has withholdable fields; the QR of
        SDCert.text() is the full presentation (seeds as nodes)."""
        kind = kind or RESIDENCE_SD_KIND
        kw.setdefault("iss", self.issuer)
        c, units, ub, seeds, mask, R = sd_claims(kind, RESIDENCE_VALUES if values is None else values, **kw)
        env, index = self.issue(c, subject_lines=subject_lines, allow_low_order=allow_low_order)
        return SDCert(self, env, index, c, units, ub, seeds, mask, R)

    def checkpoint(self, size=None):
        size = len(self.entries) if size is None else size
        root = v.mth(self.entries[:size])
        return v.checkpoint_text(self.log.name, size, root)

    def proof(self, index, size=None, cosigners=None, extra_records=(), log_sig=True):
        size = len(self.entries) if size is None else size
        text = self.checkpoint(size)
        recs = []
        if log_sig:
            recs.append((self.log.key_id, self.log.sign_checkpoint(text)))
        for w in (self.witnesses if cosigners is None else cosigners):
            recs.append((w.key_id, w.sign_checkpoint(text)))
        recs += list(extra_records)
        return v.encode_compact_proof(index, size, v.audit_path(index, self.entries[:size]), recs)

    def note(self, size=None, cosigners=None):
        text = self.checkpoint(size)
        n = text.decode() + "\n" + v.sig_line(self.log.name, self.log.key_id, self.log.sign_checkpoint(text))
        for w in (self.witnesses if cosigners is None else cosigners):
            n += v.sig_line(w.name, w.key_id, w.sign_checkpoint(text))
        return n

    def status_list(self, issued_at, entries, size=None, issuer=None, key=None, count=None):
        """entries: list of (index, state, age[, successor, serial])"""
        table = b""
        prev = None
        for e in entries:
            idx, state, age = e[:3]
            table += v.encode_uvarint(idx if prev is None else idx - prev - 1) + bytes([state]) + v.encode_uvarint(age)
            if state == 5:
                table += v.encode_uvarint(e[3]) + e[4]
            prev = idx
        import zlib
        payload = v.cbor_encode({1: "akashi-status/v1", 2: issuer or self.issuer, 3: issued_at,
                                 4: self.note(size), 5: len(entries) if count is None else count,
                                 6: zlib.compress(table)})
        return envelope(key or self.key, payload)


# ---------------------------------------------------------------------------
# Selective disclosure, issuer side (selective-disclosure.md §1-§3), written
# out step by step apart from the verifier's code.
# ---------------------------------------------------------------------------


def _h16(b):
    return hashlib.sha256(b).digest()[:16]


def sd_split(kind, values):
    """values: every issued field id -> CBOR value.  Returns (signed fields,
    present mask or None, present units: list of {id: value} in unit order)."""
    wfields = [f for f in kind["fields"] if f.get("withholdable") is True]
    signed = {k: x for k, x in values.items() if k not in {f["id"] for f in wfields}}
    mask = 0
    units, group_pos = [], {}
    for i, f in enumerate(wfields):
        if f["id"] in values:
            mask |= 1 << i
        g = f.get("withholdGroup")
        if g is not None and g in group_pos:
            units[group_pos[g]].append(f["id"])
        else:
            if g is not None:
                group_pos[g] = len(units)
            units.append([f["id"]])
    present = [{fid: values[fid] for fid in u if fid in values} for u in units]
    present = [u for u in present if u]
    return signed, (mask or None), present


def sd_full_commitment(units_bytes, seeds):
    """R of the full presentation: one seed per pair; salts, leaves, pairs, root."""
    cs = []
    for j in range(0, len(units_bytes), 2):
        seed = seeds[j // 2]
        leaves = [_h16(b"\x6c" + _h16(b"\x73" + seed + bytes([t])) + u)
                  for t, u in enumerate(units_bytes[j:j + 2])]
        cs.append(_h16(b"\x70" + b"".join(leaves)))
    return _h16(b"\x72" + b"".join(cs))


def sd_disclosures(units_bytes, nodes):
    """The disclosures item: [entry..., nodes] (entries given as their bytes)."""
    return v.encode_disclosures(list(units_bytes), nodes)


class SDCert:
    """A certificate with withholdable fields as issued: the envelope, its log
    index, the present units' bytes, the seeds and the full disclosures."""

    def __init__(self, authority, env, index, claims, units, units_bytes, seeds, mask, R):
        self.authority, self.env, self.index, self.claims = authority, env, index, claims
        self.units, self.units_bytes, self.seeds, self.mask, self.R = units, units_bytes, seeds, mask, R
        self.disclosures = sd_disclosures(units_bytes, b"".join(seeds)) if units_bytes else b""

    def payload(self, disclosures=None, proof=None):
        return v.make_payload(self.env, self.authority.proof(self.index) if proof is None else proof,
                              self.disclosures if disclosures is None else disclosures)

    def text(self, disclosures=None, proof=None, url="https://test.example/verify/"):
        return v.make_qr_text(self.payload(disclosures, proof), url)


def sd_claims(kind, values, iss="402052", iat=T0, exp=None, seeds=None, mask=None, cti=None,
              kind_id=None, version=None, signed_extra=None, subject_keys=None):
    """Claims for `values` under `kind` (withholdable ones moved to units) ->
    (claims map, units, units' bytes, seeds, mask, R).  `mask` / `cti`
    override what is signed (for tests that break the rules)."""
    signed, real_mask, units = sd_split(kind, values)
    signed.update(signed_extra or {})
    units_bytes = [v.cbor_encode(u) for u in units]
    if seeds is None:
        seeds = [os.urandom(16) for _ in range(0, len(units), 2)]  # a CSPRNG seed per pair
    R = sd_full_commitment(units_bytes, seeds) if units else None
    content = {1: kind_id or kind["id"], 2: version or kind["version"], 3: signed}
    m = real_mask if mask is None else (mask or None)
    if m is not None:
        content[4] = m
    if subject_keys is not None:
        content[5] = list(subject_keys)
    if cti is None:
        cti = R if m is not None and R is not None else os.urandom(10 if m is None else 16)
    c = {1: iss, 6: iat, 7: cti, -70000: content}
    if exp is not None:
        c[4] = exp
    return c, units, units_bytes, seeds, m, R


def trust_file(*authorities, mutate=None):
    import copy
    d = copy.deepcopy({"format": "akashi-trust/v2", "generatedAt": iso(T0),
                       "authorities": [a.trust_authority() for a in authorities]})
    if mutate:
        mutate(d)
    return json.dumps(d, ensure_ascii=False).encode("utf-8")


# ---------------------------------------------------------------------------
# Subject transparency, issuer side (subject-transparency.md §1-§3), written
# out step by step apart from the verifier's code.
# ---------------------------------------------------------------------------


def with_subjects(kind, n):
    """The kind with `subjects` n (trust-file.md §2.4)."""
    import copy
    k = copy.deepcopy(kind)
    k["subjects"] = n
    return k


class Resident:
    """A resident's subject secret v (32 bytes from the CSPRNG) and key V = X25519(v, 9)."""

    def __init__(self, secret=None):
        self.priv = X25519PrivateKey.from_private_bytes(secret) if secret else X25519PrivateKey.generate()
        self.secret = self.priv.private_bytes_raw()
        self.V = self.priv.public_key().public_bytes_raw()


# The u-coordinates of the points of small order on Curve25519 and their
# non-canonical forms (RFC 7748 §6.1: X25519 with any of them gives zero).
LOW_ORDER_POINTS = [bytes.fromhex(h) for h in (
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
)]


def st_line(cti, i, V, allow_low_order=False):
    """§3 for subject i: (the subject line's bytes, r, R, S, k).  Refuses a
    low-order V (S all zeros) unless `allow_low_order` (then S = 32 zero bytes)."""
    r = hashlib.sha256(b"\x65" + bytes(cti) + bytes([i])).digest()
    eph = X25519PrivateKey.from_private_bytes(r)
    R = eph.public_key().public_bytes_raw()
    try:
        S = eph.exchange(X25519PublicKey.from_public_bytes(bytes(V)))
    except ValueError:
        if not allow_low_order:
            raise ValueError("subject key %d is of low order: refusing to issue" % i)
        S = bytes(32)
    k = hashlib.sha256(b"\x6b" + S + R).digest()
    enc = bytes(a ^ b for a, b in zip(bytes(cti)[:10], k[8:18]))
    import base64
    b = base64.urlsafe_b64encode(R + k[:8] + enc).rstrip(b"=")
    return b"subject " + b + b"\n", r, R, S, k


def st_entry(env, kind_id, iat, lines):
    """log.md §2.1 with the subject lines (bytes) after the `issued` line."""
    return ("akashi-entry/v1\ntype certificate\nsha256 %s\nkind %s\nissued %d\n" % (
        hashlib.sha256(env).hexdigest(), kind_id, iat)).encode("utf-8") + b"".join(lines)
