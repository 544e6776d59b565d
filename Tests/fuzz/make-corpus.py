#!/usr/bin/env python3
"""Writes the fuzzers' seed corpus, Tests/fuzz/corpus/<target>/, their dictionaries,
Tests/fuzz/dict/<target>.dict, and the trust file, status list and valid QR texts that the
status-list and verify harnesses embed (Fuzz/Sources/FuzzVectors/FuzzVectors.swift, between
its EMBEDDED DATA markers) and the log key that four others name (`let logKey = ...`), from the
conformance vectors (vectors/) and fixtures (Tests/spec-conformance/fixtures/, Tests/Fixtures/).
Payloads are split as payload.md §1 says: version, envelope, disclosures (D bytes, D = 0 when
unused), proof; the `disclosures` seeds are the disclosures of every vector that has them.
Certificate log entries are rebuilt with their subject lines (X25519 below, RFC 7748).

Standard library only, and self-contained (it reads the formats itself, just enough to cut
real inputs out of real files). Run it again after the vectors are regenerated:

    python3 Tests/fuzz/make-corpus.py

It replaces the corpus directories, dictionaries and embedded blocks it writes; nothing else. See docs/fuzzing.md.
"""

import base64
import calendar
import hashlib
import json
import os
import re
import shutil
import sys
import time
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "Tests", "fuzz", "corpus")
DICT = os.path.join(ROOT, "Tests", "fuzz", "dict")
VECTORS = os.path.join(ROOT, "vectors")


def read(*path, mode="rb"):
    with open(os.path.join(ROOT, *path), mode) as f:
        return f.read()


# --- QR text → payload → envelope / disclosures / proof (docs/spec/qr-text.md, payload.md) -

WIDTH = {1: 3, 2: 5, 3: 8, 4: 10, 5: 13, 6: 15}
K_FOR_WIDTH = {w: k for k, w in WIDTH.items()}


def numeric_decode(digits: bytes) -> bytes:
    r = len(digits) % 17
    out = bytearray()
    full = len(digits) - r
    for i in range(0, full, 17):
        out += int(digits[i:i + 17]).to_bytes(7, "big")
    if r:
        out += int(digits[full:]).to_bytes(K_FOR_WIDTH[r], "big")
    return bytes(out)


def uvarint(buf: bytes, pos: int):
    value = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def enc_uvarint(v: int) -> bytes:
    out = bytearray()
    while v >= 0x80:
        out.append(v & 0x7F | 0x80)
        v >>= 7
    out.append(v)
    return bytes(out)


def qr_payload(text: bytes):
    """The payload bytes of a QR text, or None if it is not a decodable AK2 text."""
    t = text.strip(b" \t\r\n")
    if b"#" in t:
        t = t.split(b"#", 1)[1]
    if not t.startswith(b"AK2.") or not t[4:].isdigit():
        return None
    try:
        return numeric_decode(t[4:])
    except (KeyError, OverflowError, ValueError):
        return None


def split_payload(payload: bytes):
    """version 2 | uvarint L | envelope | uvarint D | disclosures | proof (payload.md §1)
    → (envelope, disclosures, proof); the disclosures are b"" when D = 0."""
    n, pos = uvarint(payload, 1)
    env = payload[pos:pos + n]
    if len(env) != n:
        raise IndexError("the envelope runs past the payload")
    d, pos = uvarint(payload, pos + n)
    disclosures = payload[pos:pos + d]
    if len(disclosures) != d:
        raise IndexError("the disclosures run past the payload")
    return env, disclosures, payload[pos + d:]


# --- CBOR, just enough to read claims and status lists ------------------------------------

def cbor_item(b: bytes, pos: int):
    ib = b[pos]
    pos += 1
    major, info = ib >> 5, ib & 31
    if info < 24:
        arg = info
    else:
        n = 1 << (info - 24)
        arg = int.from_bytes(b[pos:pos + n], "big")
        pos += n
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if major in (2, 3):
        s = b[pos:pos + arg]
        return (s if major == 2 else s.decode()), pos + arg
    if major == 4:
        items = []
        for _ in range(arg):
            v, pos = cbor_item(b, pos)
            items.append(v)
        return items, pos
    if major == 5:
        m = {}
        for _ in range(arg):
            k, pos = cbor_item(b, pos)
            v, pos = cbor_item(b, pos)
            m[k] = v
        return m, pos
    if major == 6:
        v, pos = cbor_item(b, pos)
        return ("tag", arg, v), pos
    raise ValueError("major type 7 is not in Akashi's data")


def cbor(b: bytes):
    return cbor_item(b, 0)[0]


def envelope_payload(env: bytes) -> bytes:
    """COSE_Sign1 18([h'A2 01 26 04 48 kid', {}, payload, sig]) → payload."""
    msg = cbor(env)
    return msg[2][2]


# --- Merkle (RFC 9162) for the tlog-proof seeds -------------------------------------------

def path_length(index: int, size: int) -> int:
    inner = (index ^ (size - 1)).bit_length()
    return inner + bin(index >> inner).count("1")


def node(a: bytes, b: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + a + b).digest()


def root_from_inclusion(leaf: bytes, index: int, size: int, path: list) -> bytes:
    inner = (index ^ (size - 1)).bit_length()
    r = leaf
    for i, h in enumerate(path):
        if i < inner:
            r = node(r, h) if (index >> i) & 1 == 0 else node(h, r)
        else:
            r = node(h, r)
    return r


def compact_proof(b: bytes):
    index, pos = uvarint(b, 0)
    size, pos = uvarint(b, pos)
    hashes = []
    for _ in range(path_length(index, size)):
        hashes.append(b[pos:pos + 32])
        pos += 32
    sigs = []
    while pos < len(b):
        kid = b[pos:pos + 4]
        n = b[pos + 4]
        sigs.append((kid, b[pos + 5:pos + 5 + n]))
        pos += 5 + n
    return index, size, hashes, sigs


# --- subject lines (docs/spec/subject-transparency.md §3), for the certificate entries -----

P25519 = 2 ** 255 - 19


def x25519(k: bytes, u: bytes) -> bytes:
    """RFC 7748 §5 (the Montgomery ladder), for the subject lines of a log entry."""
    k = bytearray(k)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    n = int.from_bytes(k, "little")
    x1 = int.from_bytes(u, "little") & ((1 << 255) - 1)
    x2, z2, x3, z3, swap = 1, 0, x1, 1, 0
    for t in reversed(range(255)):
        bit = (n >> t) & 1
        swap ^= bit
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = bit
        a, b = (x2 + z2) % P25519, (x2 - z2) % P25519
        aa, bb = a * a % P25519, b * b % P25519
        e = (aa - bb) % P25519
        c, d = (x3 + z3) % P25519, (x3 - z3) % P25519
        da, cb = d * a % P25519, c * b % P25519
        x3, z3 = (da + cb) ** 2 % P25519, x1 * (da - cb) ** 2 % P25519
        x2, z2 = aa * bb % P25519, e * (aa + 121665 * e) % P25519
    if swap:
        x2, z2 = x3, z3
    return (x2 * pow(z2, P25519 - 2, P25519) % P25519).to_bytes(32, "little")


def subject_lines(cti: bytes, keys: list) -> str:
    out = ""
    for i, v in enumerate(keys):
        r = hashlib.sha256(b"\x65" + cti + bytes([i])).digest()
        big_r = x25519(r, (9).to_bytes(32, "little"))
        k = hashlib.sha256(b"\x6b" + x25519(r, v) + big_r).digest()
        enc = bytes(a ^ b for a, b in zip(cti[:10], k[8:18]))
        out += "subject " + base64.urlsafe_b64encode(big_r + k[:8] + enc).decode().rstrip("=") + "\n"
    return out


def certificate_entry(env: bytes, claims_bytes: bytes) -> bytes:
    """The log entry of a certificate (docs/spec/log.md §2.1), subject lines included."""
    claims = cbor(claims_bytes)
    content = claims[-70000]
    return ("akashi-entry/v1\ntype certificate\nsha256 %s\nkind %s\nissued %d\n"
            % (hashlib.sha256(env).hexdigest(), content[1], claims[6]) + subject_lines(claims[7], content.get(5, []))).encode()


# --- writing ------------------------------------------------------------------------------

corpus = {}
dicts = {}


def add(target: str, name: str, data):
    if isinstance(data, str):
        data = data.encode()
    corpus.setdefault(target, {})
    if data not in corpus[target].values():
        corpus[target][name] = data


def main():
    index = json.loads(read("vectors", "index.json"))
    vectors = {v["id"]: v for v in index["vectors"]}
    trust_files = {}
    for name in sorted(os.listdir(os.path.join(VECTORS, "trust"))):
        trust_files[name[:-5]] = json.loads(read("vectors", "trust", name))

    # QR texts: a spread of the vectors (valid ones of every kind, the text-rule cases,
    # witnessed proofs, broken payloads).
    qr_ids = [
        "valid-residence", "valid-graduation", "valid-partnership", "valid-energy-origin", "valid-bare-text",
        "qr-surrounding-whitespace", "qr-v1-prefix", "qr-combining-after-prefix", "payload-non-minimal-length",
        "truncated", "undecodable-url", "witness-quorum-met", "witness-group-policy", "tampered-field",
        "invalid-fields", "kind-version", "sd-residence-bare", "sd-residence-name-address",
        "sd-partnership-both-birth-dates", "sd-node-length", "sd-disclosures-missing",
    ]
    for vid in qr_ids:
        add("qr-text", vid, read("vectors", vid + ".txt"))
    for vid in ["valid-residence", "valid-bare-text", "witness-group-policy", "qr-surrounding-whitespace",
                "tampered-digit", "unknown-key", "bad-signature", "status-revoked",
                "sd-residence-birth-date", "sd-partnership-partner1BirthDate", "sd-graduation-birthDate",
                "sd-altered-value", "sd-added-field", "sd-not-withholdable", "sd-unit-dropped"]:
        add("verify", vid, read("vectors", vid + ".txt"))

    # Envelopes, claims and proofs out of every decodable QR text.
    leaves = {}
    for vid in sorted(vectors):
        payload = qr_payload(read("vectors", vid + ".txt"))
        if payload is None or payload[0] != 2:
            continue
        try:
            env, disclosures, proof = split_payload(payload)
        except IndexError:
            continue
        # The disclosures of every vector that has them (selective-disclosure.md §3), the
        # sd-* forgeries included (an added field, a short node string, …), cut out before
        # the envelope is read: a broken envelope does not make them less interesting.
        if disclosures:
            add("disclosures", vid, disclosures)
            if vid in ("valid-residence", "sd-residence-bare", "valid-partnership", "valid-graduation"):
                add("cbor", vid + "-disclosures", disclosures)
        if vid in ("valid-residence", "valid-energy-origin", "sd-residence-name-address", "sd-graduation-birthDate",
                   "sd-node-length", "sd-disclosures-missing"):
            # The disclosures harness also reads its input as a whole payload.
            add("disclosures", vid + "-payload", payload)
        try:
            claims = envelope_payload(env)
            cbor(claims)
        except (IndexError, ValueError, TypeError, UnicodeDecodeError):
            continue
        if vid.startswith("valid-") or vid in ("tampered-field", "kind-version", "invalid-fields", "unknown-key", "bad-signature"):
            add("cose", vid, env)
            add("cwt-claims", vid, claims)
            add("cbor", vid + "-claims", claims)
        if vid in ("valid-residence", "valid-graduation"):
            add("cbor", vid + "-envelope", env)
        if vid.startswith("valid-") or vid.startswith("witness-") or vid == "proof-from-other-certificate":
            add("compact-proof", vid, proof)
        if vid in ("valid-residence", "witness-quorum-met", "witness-group-policy", "valid-graduation"):
            add_tlog_proof(vid, env, claims, proof, trust_files[vectors[vid]["trust"][6:-5]])
        if vid.startswith("valid-"):
            leaves[vid] = (hashlib.sha256(b"\x00" + certificate_entry(env, claims)).digest(), compact_proof(proof))
            add("log-entry", "certificate-" + vid[6:], certificate_entry(env, claims))
    # The entries rebuilt here are the log's: the valid vectors are leaves 0 … 3 of one log,
    # so each one's inclusion path holds the others' hashes.
    (e, _), (g, pg), (p, pp), (r, pr) = (leaves["valid-" + k] for k in ("energy-origin", "graduation", "partnership", "residence"))
    assert [x[:3] for x in (pg, pp, pr)] == [(1, 2, [e]), (2, 3, [node(e, g)]), (3, 4, [p, node(e, g)])], \
        "the certificate entries rebuilt from the vectors are not the log's (log.md §2.1, subject-transparency.md §3)"

    # Disclosures of shapes the vectors lack (§3): 16 units (all shown; 7 split pairs and a
    # shown one, 15 nodes), units of 17 bytes (where a withheld unit's node and the node
    # string's head make a reduction one byte longer, docs/fuzzing.md Findings 4), a unit of
    # two fields, a withheld pair.
    def unit(fid, value):
        return b"\xa1" + cbor_head(3, len(fid)) + fid.encode() + cbor_head(3, len(value)) + value.encode()

    def disclosures_of(units, k):
        return cbor_head(4, len(units) + 1) + b"".join(units) + cbor_head(2, 16 * k) + bytes(range(16 * k))
    letters = [chr(ord("a") + i) for i in range(16)]
    add("disclosures", "synthetic-16-units", disclosures_of([unit(c, "x") for c in letters], 8))
    split = []
    for c in letters[:14:2]:
        split += [unit(c, "x" * 13), b"\xa0"]
    add("disclosures", "synthetic-16-units-15-nodes", disclosures_of(split + [unit("o", "x" * 13), unit("p", "y" * 13)], 15))
    add("disclosures", "synthetic-17-byte-units", disclosures_of([unit("a", "x" * 13), unit("b", "y" * 13)], 1))
    two = b"\xa2" + unit("a", "1")[1:] + unit("b", "2")[1:]
    add("disclosures", "synthetic-group-and-withheld-pair", disclosures_of([two, unit("c", "3"), b"\xa0", b"\xa0", unit("e", "5")], 3))

    # Status lists: the signed files, and their payloads.
    for name in sorted(os.listdir(os.path.join(VECTORS, "status"))):
        signed = read("vectors", "status", name)
        base = name[:-5]
        add("status-list", base, signed)
        add("cose", "status-" + base, signed)
        payload = envelope_payload(signed)
        add("status-list", base + "-payload", payload)
        add("cbor", "status-" + base + "-payload", payload)
        fields = cbor(payload)
        note = fields[4]
        add("signed-note", "status-" + base, note)
        add("checkpoint", "status-" + base, note)
        add("checkpoint", "status-" + base + "-body", note.split("\n\n")[0] + "\n")
        table = zlib.decompress(fields[6])
        if table:
            add("status-list", base + "-table-empty", rebuild_status(fields, []))
    add("status-list", "example-status", read("Tests", "spec-conformance", "fixtures", "example-status.cose"))

    # Signed notes and checkpoints from the C2SP fixtures.
    sunlight = read("Tests", "Fixtures", "c2sp-sunlight",
                    "000de184301123b9278c086a7d9f68c9577e83872224c197058fd90784ea9706", "checkpoint")
    add("signed-note", "sunlight-checkpoint", sunlight)
    add("checkpoint", "sunlight-checkpoint", sunlight)
    add("signed-note", "c2sp-example",
        "This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
    add("signed-note", "c2sp-example-vkey", "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")

    # Trust files (small ones: the kinds cut out; and whole ones), policies, vkeys.
    for name in ["iizuka", "kaga", "iizuka-compromised-after-residence", "iizuka-witness-group-policy", "iizuka-witness-quorum-met"]:
        t = trust_files[name]
        if name in ("iizuka", "iizuka-witness-group-policy"):
            add("trust-file", name, read("vectors", "trust", name + ".json"))
        small = json.loads(json.dumps(t))
        for a in small["authorities"]:
            a["kinds"] = a["kinds"][:1] if name == "kaga" else []
        add("trust-file", name + "-small", json.dumps(small, ensure_ascii=False, indent=1, sort_keys=True))
        for a in t["authorities"]:
            add("tlog-policy", name, a["log"]["policy"])
            add("signed-note", "vkey-" + name, a["log"]["vkey"])
            for line in a["log"]["policy"].splitlines():
                parts = line.split()
                if parts and parts[0] == "witness":
                    add("signed-note", "vkey-witness-" + parts[1], parts[2])
    add("tlog-policy", "comments-and-blank-lines",
        "# c2sp.org/tlog-policy\n\n" + trust_files["iizuka-witness-group-policy"]["authorities"][0]["log"]["policy"].replace(" ", "\t", 1))

    # Log entries: one of each type (docs/spec/log.md §2).
    digest = hashlib.sha256(b"akashi").hexdigest()
    add("log-entry", "certificate", "akashi-entry/v1\ntype certificate\nsha256 %s\nkind residence\nissued 1763856000\n" % digest)
    add("log-entry", "document", "akashi-entry/v1\ntype document\nsha256 %s\nname \u4ee4\u548c7\u5e74\u5ea6\u4e88\u7b97\u66f8.pdf\n" % digest)
    add("log-entry", "document-unnamed", "akashi-entry/v1\ntype document\nsha256 %s\n" % digest)
    add("log-entry", "revocation", "akashi-entry/v1\ntype revocation\nsha256 %s\ntarget 12\nreason moved\nat 1763856000\n" % digest)
    add("log-entry", "supersession", "akashi-entry/v1\ntype supersession\nsha256 %s\ntarget 12\nsuccessor 40\nat 1763856000\n" % digest)

    # Tiles: a partial and a full hash tile, an entry bundle, request paths.
    hashes = b"".join(hashlib.sha256(bytes([i])).digest() for i in range(256))
    add("tiles", "tile-partial-5", hashes[:5 * 32])
    add("tiles", "tile-full", hashes)
    bundle = b""
    for e in corpus["log-entry"].values():
        bundle += len(e).to_bytes(2, "big") + e
    add("tiles", "entry-bundle", bundle)
    for p in ["0/000", "1/x001/234.p/17", "entries/x123/456", "entries/000.p/1", "63/x018/x446/x744/x073/709/551"]:
        add("tiles", "path-" + p.replace("/", "_"), p)

    # CBOR of other shapes (RFC 8949 Appendix A): floats, simple values, indefinite lengths, tags.
    for name, h in [
        ("half-float", "f93c00"), ("double", "fb3ff199999999999a"), ("nan", "f97e00"), ("simple", "83f4f5f6"),
        ("indefinite", "9f018202039f0405ffff"), ("indefinite-map", "bf61610161629f0203ffff"),
        ("indefinite-text", "7f657374726561646d696e67ff"), ("tag-date", "c074323031332d30332d32315432303a30343a30305a"),
        ("bignum", "c249010000000000000000"), ("map", "a201020304"), ("negative", "3bffffffffffffffff"),
        ("nested", "8301820203820405"), ("cose-untagged", "84" + read("vectors", "status", "iizuka.cose")[2:].hex()),
    ]:
        add("cbor", name, bytes.fromhex(h))
    add("cose", "untagged", bytes.fromhex("84" + read("vectors", "status", "iizuka.cose")[2:].hex()))

    # Dictionaries: the formats' keywords and byte patterns (libFuzzer -dict).
    cbor_tokens = [
        b"\xd2\x84\x4d\xa2\x01\x26\x04\x48", b"\xa2\x01\x26\x04\x48", b"\x58\x40", b"\xa0", b"\xd2",
        b"\x3a\x00\x01\x11\x6f", b"\xd9\x03\xec", b"\xd9\x75\x30", b"\xd9\x75\x31", b"\x9f", b"\xbf", b"\xff",
        b"\xf9", b"\xfa", b"\xfb", b"\xf6", b"\x1b\xff\xff\xff\xff\xff\xff\xff\xff", b"\x3b\x7f\xff\xff\xff\xff\xff\xff\xff",
        b"\x1b\x00\x1f\xff\xff\xff\xff\xff\xff", b"\x1a\x69\x2e\x1c\x00",
    ]
    dicts["cbor"] = cbor_tokens
    dicts["cose"] = cbor_tokens
    dicts["cwt-claims"] = cbor_tokens + [b"residence", b"birthDate", b"1990-04-01", b"402052", b"K", "\u212a".encode(), "e\u0301".encode(), "\u00e9".encode()]
    dicts["status-list"] = cbor_tokens + [b"akashi-status/v1", b"\x78\x9c", b"\x78\xda", b"\x78\x01", b"\x03\x00"]
    note_tokens = ["\u2014 ".encode(), b"\n\n", b"\n", b"=", b"+", b"iizuka.example/akashi/log", b"c2sp.org/tlog-proof@v1\n",
                   b"index ", b"extra ", b"cosignature/v1", b"\r\n", "\u00a0".encode(), "\u2028".encode()]
    vkeys = set()
    for t in trust_files.values():
        for a in t["authorities"]:
            vkeys.add(a["log"]["vkey"].encode())
            for line in a["log"]["policy"].splitlines():
                parts = line.split()
                if len(parts) >= 3 and parts[0] == "witness":
                    vkeys.add(parts[2].encode())
                    vkeys.add(parts[1].encode())
    dicts["signed-note"] = note_tokens + sorted(vkeys)
    dicts["checkpoint"] = note_tokens
    dicts["tlog-proof"] = note_tokens
    dicts["tlog-policy"] = [b"log ", b"witness ", b"group ", b"quorum ", b"any", b"all", b"none", b"#", b"\t", b"\n",
                            b"18446744073709551616", b"https://"] + sorted(vkeys)
    dicts["log-entry"] = [b"akashi-entry/v1\n", b"type ", b"certificate", b"document", b"revocation", b"supersession",
                          b"sha256 ", b"kind ", b"issued ", b"subject ", b"target ", b"reason ", b"successor ", b"at ", b"name ", b"moved",
                          b"error", b"ended", b"other", b"9007199254740991", b"9007199254740992", "\u0085".encode(), "\u2028".encode()]
    dicts["tiles"] = [b"tile/", b"entries/", b"x", b".p/", b"/", b"000", b"255", b"256", b"18446744073709551615"]
    dicts["qr-text"] = [b"AK2.", b"AK1.", b"#", b"https://iizuka.example/akashi/verify/#", b"\xe2\x80\x8b", b"\xc2\xa0",
                        b"72057594037927935", b"72057594037927936", b"255", b"256"]
    dicts["verify"] = dicts["qr-text"]
    # The disclosures: entry heads, the withheld entry A0, node strings of 1 … 3 nodes, the
    # field forms' tags and the shipped kinds' withholdable field ids.
    field_ids = set()
    for t in trust_files.values():
        for a in t["authorities"]:
            for k in a["kinds"]:
                for fd in k["fields"]:
                    if fd.get("withholdable"):
                        field_ids.add(fd["id"].encode())
    dicts["disclosures"] = [b"\xa0", b"\xa1", b"\xa2", b"\x82", b"\x85", b"\x91", b"\x50", b"\x58\x20", b"\x58\x30",
                            b"\x59\x01\x00", b"\xd9\x03\xec", b"\xd9\x75\x30", b"\xd9\x75\x31", b"1990-04-01",
                            b"\x02", b"\x00", b"\x81\x01"] + sorted(field_ids)
    json_tokens = set()

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                json_tokens.add(json.dumps(k, ensure_ascii=False).encode())
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and len(v.encode()) <= 24:
            json_tokens.add(json.dumps(v, ensure_ascii=False).encode())
    for t in trust_files.values():
        walk(t)
    dicts["trust-file"] = sorted(json_tokens) + [b"null", b"true", b"false", b"1e3", b"-0", b"\\u0000", b"\\ud800",
                                                 b"9007199254740993", b"\"2026-02-29T00:00:00Z\"", b"\"retired\"", b"\"compromised\""]
    shutil.rmtree(DICT, ignore_errors=True)
    os.makedirs(DICT)
    for target, tokens in sorted(dicts.items()):
        with open(os.path.join(DICT, target + ".dict"), "w") as f:
            f.write("# libFuzzer dictionary for fuzz-%s, written by Tests/fuzz/make-corpus.py\n" % target)
            for i, tok in enumerate(tokens):
                esc = "".join(chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else "\\x%02x" % b for b in tok)
                f.write('t%d="%s"\n' % (i, esc))

    # The data the status-list and verify harnesses embed (between their EMBEDDED DATA markers).
    embed_data(index)

    # Write.
    for target, files in corpus.items():
        d = os.path.join(OUT, target)
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
        for name, data in files.items():
            with open(os.path.join(d, name), "wb") as f:
                f.write(data)
    total = sum(len(v) for files in corpus.values() for v in files.values())
    for target in sorted(corpus):
        print("%-14s %3d files %7d bytes" % (target, len(corpus[target]), sum(map(len, corpus[target].values()))))
    print("total %d bytes" % total)


def embed_data(index):
    trust = read("vectors", "trust", "iizuka.json", mode="r").rstrip()
    assert '"##' not in trust
    status = read("vectors", "status", "iizuka.cose").hex()
    valid = [v for v in index["vectors"] if v["expected"]["verdict"] == "valid"]
    ats = {v["at"] for v in valid}
    assert len(ats) == 1, "the valid vectors have more than one verification time: %r" % ats
    at = ats.pop()
    seconds = calendar.timegm(time.strptime(at, "%Y-%m-%dT%H:%M:%SZ"))
    texts = []
    for v in valid:
        q = v["qr"].strip(" \t\r\n")
        q = q.split("#", 1)[1] if "#" in q else q
        if q not in texts:
            texts.append(q)
    block = 'public let trustJSON = ##"""\n%s\n"""##\n\npublic let statusList: [UInt8] = hex([\n%s\n].joined())\n' % (
        trust, "\n".join('    "%s",' % status[i:i + 120] for i in range(0, len(status), 120)))
    block += (
        '\n/// The valid vectors\' verification time (vectors/index.json "at").\n'
        "public let at = Date(timeIntervalSince1970: %d)  // %s\n\n/// The valid vectors' QR texts (the part after '#').\n"
        "public let validTexts = [\n%s\n]\n" % (seconds, at, "\n".join('    "%s",' % t for t in texts)))
    # The harnesses that check notes against the Iizuka test log's key name it in one line.
    vkey = json.loads(trust)["authorities"][0]["log"]["vkey"]
    for target in ("compact-proof", "signed-note", "checkpoint", "tlog-proof"):
        d = os.path.join(ROOT, "Fuzz", "Sources", target)
        (name,) = [n for n in os.listdir(d) if n.endswith(".swift")]
        path = os.path.join(d, name)
        with open(path, encoding="utf-8") as f:
            source = f.read()
        source, n = re.subn(r'^let logKey = try! VerifierKey\(parsing: "[^"]*"\)$',
                            'let logKey = try! VerifierKey(parsing: "%s")' % vkey, source, flags=re.M)
        assert n == 1, path
        with open(path, "w", encoding="utf-8") as f:
            f.write(source)
    path = os.path.join(ROOT, "Fuzz", "Sources", "FuzzVectors", "FuzzVectors.swift")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    begin, end = "// BEGIN EMBEDDED DATA\n", "// END EMBEDDED DATA\n"
    head, rest = source.split(begin, 1)
    _, tail = rest.split(end, 1)
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + begin + block + end + tail)


def b64(b: bytes) -> str:
    return base64.b64encode(b).decode()


def add_tlog_proof(vid, env, claims_bytes, proof, trust):
    """The c2sp.org/tlog-proof@v1 text of a vector's compact proof (docs/spec/compact-proof.md §4)."""
    leaf = hashlib.sha256(b"\x00" + certificate_entry(env, claims_bytes)).digest()
    index, size, hashes, sigs = compact_proof(proof)
    log = trust["authorities"][0]["log"]
    names = {}
    for vkey in [log["vkey"]] + [l.split()[2] for l in log["policy"].splitlines() if l.startswith("witness ")]:
        name, kid, _ = vkey.split("+", 2)
        names[bytes.fromhex(kid)] = name
    root = root_from_inclusion(leaf, index, size, hashes)
    text = "%s\n%d\n%s\n" % (log["origin"], size, b64(root))
    lines = "".join("\u2014 %s %s\n" % (names[k], b64(k + s)) for k, s in sigs if k in names)
    out = "c2sp.org/tlog-proof@v1\nindex %d\n" % index + "".join(b64(h) + "\n" for h in hashes) + "\n" + text + "\n" + lines
    add("tlog-proof", vid, out)
    add("tlog-proof", vid + "-extra", out.replace("\nindex ", "\nextra " + b64(b"akashi") + "\nindex ", 1))


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | info]) + n.to_bytes(size, "big")


def rebuild_status(fields, table_entries):
    """The status payload with another table (an unsigned variant, for the payload reader)."""
    table = b"".join(table_entries)
    out = bytes([0xA6])
    for k in range(1, 7):
        out += cbor_head(0, k)
        v = {5: len(table_entries), 6: zlib.compress(table)}.get(k, fields[k])
        if isinstance(v, int):
            out += cbor_head(0, v)
        elif isinstance(v, str):
            out += cbor_head(3, len(v.encode())) + v.encode()
        else:
            out += cbor_head(2, len(v)) + v
    return out


if __name__ == "__main__":
    sys.exit(main())
