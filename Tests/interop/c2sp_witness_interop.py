#!/usr/bin/env python3
"""Independent interop check of Akashi's C2SP tlog-witness implementation.

Written from the specification texts only (c2sp.org/tlog-witness,
tlog-cosignature, signed-note, tlog-checkpoint, tlog-tiles for the entry
bundles, RFC 9162 §2.1 for the Merkle tree). Nothing here is shared with the
Swift sources: the Merkle tree, the consistency proofs, the signed notes, the
vkeys and the cosignatures are all computed by this file. The akashi binary is
driven through its CLI only.

  1. Our witness, their log: this file is a log (its own tree and Ed25519 key)
     and talks HTTP to `akashi witness serve`.
  2. Our log, their witness: this file is a witness (http.server, its own
     state and cosignature/v1 key) that `akashi log append` must go through.

  python3 Tests/interop/c2sp_witness_interop.py --akashi .build/debug/akashi \
      [--tmp DIR] [--only 1|2] [-v]

Exit 0 when every check passes, 1 when one fails, 2 on a setup problem.
Normally run through scripts/interop-test.sh.
"""

import argparse
import atexit
import base64
import gzip
import hashlib
import http.client
import http.server
import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


def _import_cryptography():
    try:
        from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: F401
        return
    except ImportError:
        pass
    # Last resort when run directly (the shell script installs it first).
    for extra in ([], ["--break-system-packages"]):
        cmd = [sys.executable, "-m", "pip", "install", "--user", "--quiet", *extra, "cryptography"]
        if subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0:
            import site
            import importlib
            site.addsitedir(site.getusersitepackages())
            importlib.invalidate_caches()
            try:
                from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: F401
                return
            except ImportError:
                continue
    print("interop: the Python package `cryptography` is missing and could not be installed "
          "(run scripts/interop-test.sh, or: python3 -m pip install --user cryptography)", file=sys.stderr)
    sys.exit(2)


_import_cryptography()
from cryptography.exceptions import InvalidSignature  # noqa: E402
from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import (  # noqa: E402
    Ed25519PrivateKey, Ed25519PublicKey)

# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------

FAILURES = []
VERBOSE = False
STATS = {}


class Fatal(Exception):
    """A failed check after which the current direction cannot go on."""


def check(cond, what, detail=""):
    if cond:
        print(f"  ok    {what}")
    else:
        FAILURES.append(what if not detail else f"{what}: {detail}")
        print(f"  FAIL  {what}" + (f"\n        {detail}" if detail else ""))
    return bool(cond)


def require(cond, what, detail=""):
    if not check(cond, what, detail):
        raise Fatal(what)


def note(msg):
    print(f"  info  {msg}")


def debug(msg):
    if VERBOSE:
        print(f"  ..    {msg}")


def section(title):
    print(f"\n== {title}")


# --------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------

def b64e(b):
    return base64.b64encode(b).decode("ascii")


B64_RE = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


def b64d(s):
    """Strict standard base64 (RFC 4648 §4), padding required."""
    if isinstance(s, bytes):
        s = s.decode("ascii")
    if len(s) % 4 != 0 or not B64_RE.match(s):
        raise ValueError(f"not canonical base64: {s!r}")
    out = base64.b64decode(s, validate=True)
    if b64e(out) != s:
        raise ValueError(f"non-canonical base64: {s!r}")
    return out


def sha256(b):
    return hashlib.sha256(b).digest()


DECIMAL_RE = re.compile(r"^(0|[1-9][0-9]*)$")

# --------------------------------------------------------------------------
# RFC 9162 §2.1 Merkle tree
# --------------------------------------------------------------------------


def leaf_hash(data):
    return sha256(b"\x00" + data)


def node_hash(left, right):
    return sha256(b"\x01" + left + right)


def split_point(n):
    """Largest power of two strictly smaller than n (n >= 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class Tree:
    def __init__(self, leaf_hashes=()):
        self.leaves = list(leaf_hashes)
        self._memo = {}

    def append_data(self, data):
        self.leaves.append(leaf_hash(data))

    def __len__(self):
        return len(self.leaves)

    def mth(self, lo, hi):
        n = hi - lo
        if n == 0:
            return sha256(b"")
        if n == 1:
            return self.leaves[lo]
        key = (lo, hi)
        if key not in self._memo:
            k = split_point(n)
            self._memo[key] = node_hash(self.mth(lo, lo + k), self.mth(lo + k, hi))
        return self._memo[key]

    def root(self, n):
        assert n <= len(self.leaves)
        return self.mth(0, n)

    def consistency(self, m, n):
        """PROOF(m, D[n]) of RFC 9162 §2.1.4.1 (empty for m == 0 per tlog-witness)."""
        assert 0 <= m <= n <= len(self.leaves)
        if m == 0:
            return []
        return self._subproof(m, 0, n, True)

    def _subproof(self, m, lo, hi, b):
        n = hi - lo
        if m == n:
            return [] if b else [self.mth(lo, hi)]
        k = split_point(n)
        if m <= k:
            return self._subproof(m, lo, lo + k, b) + [self.mth(lo + k, hi)]
        return self._subproof(m - k, lo + k, hi, False) + [self.mth(lo, lo + k)]


def verify_consistency(first, second, first_hash, second_hash, proof):
    """RFC 9162 §2.1.4.2, plus the tlog-witness rules for sizes 0 and equal."""
    if first > second:
        return False
    if first == second:
        return len(proof) == 0 and first_hash == second_hash
    if first == 0:
        return len(proof) == 0
    if len(proof) == 0:
        return False
    path = list(proof)
    if first & (first - 1) == 0:
        path = [first_hash] + path
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not (fn & 1 or fn == 0):
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


def self_test_merkle():
    """Our own Merkle code must be right before it can judge anyone else's."""
    # RFC 6962 / RFC 9162 test vector: the empty tree.
    assert Tree().root(0).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    # Leaves i -> bytes([i]) (the RFC 6962 / CT reference test data uses
    # different inputs; here we cross-check against a naive recursive MTH).
    def naive(hs):
        if len(hs) == 0:
            return sha256(b"")
        if len(hs) == 1:
            return hs[0]
        k = split_point(len(hs))
        return node_hash(naive(hs[:k]), naive(hs[k:]))
    t = Tree()
    for i in range(70):
        t.append_data(b"self-test %d" % i)
    for n in range(71):
        assert t.root(n) == naive(t.leaves[:n]), n
    for n in range(1, 71):
        for m in range(0, n + 1):
            p = t.consistency(m, n)
            assert verify_consistency(m, n, t.root(m), t.root(n), p), (m, n)
            if p:
                bad = list(p)
                bad[0] = bytes([bad[0][0] ^ 1]) + bad[0][1:]
                assert not verify_consistency(m, n, t.root(m), t.root(n), bad), (m, n)
                assert not verify_consistency(m, n, t.root(m), t.root(n), p[:-1]), (m, n)
                assert not verify_consistency(m, n, t.root(m), t.root(n), p + [p[0]]), (m, n)
            if 0 < m < n:
                assert not verify_consistency(m, n, t.root(m), t.root(n - 1), p), (m, n)


# --------------------------------------------------------------------------
# Signed notes (c2sp.org/signed-note), vkeys, checkpoints, cosignatures
# --------------------------------------------------------------------------

EM_DASH = "\u2014"
SIG_ED25519 = 0x01
SIG_COSIG_V1 = 0x04


def key_id(name, sig_type, pub):
    return sha256(name.encode("utf-8") + b"\n" + bytes([sig_type]) + pub)[:4]


def raw_pub(priv):
    return priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class Signer:
    def __init__(self, name, sig_type, priv=None):
        self.name = name
        self.type = sig_type
        self.priv = priv or Ed25519PrivateKey.generate()
        self.pub = raw_pub(self.priv)
        self.kid = key_id(name, sig_type, self.pub)

    def vkey(self):
        return f"{self.name}+{self.kid.hex()}+{b64e(bytes([self.type]) + self.pub)}"

    def note_sig_line(self, text):
        assert self.type == SIG_ED25519
        return f"{EM_DASH} {self.name} {b64e(self.kid + self.priv.sign(text))}\n"

    def cosig_line(self, text, ts):
        assert self.type == SIG_COSIG_V1
        sig = self.priv.sign(cosigned_message(text, ts))
        return f"{EM_DASH} {self.name} {b64e(self.kid + ts.to_bytes(8, 'big') + sig)}\n"


class VKey:
    def __init__(self, s):
        s = s.strip()
        parts = s.split("+", 2)  # key names MUST NOT contain '+'; base64 may.
        if len(parts) != 3:
            raise ValueError(f"vkey must be name+keyid+base64: {s!r}")
        self.name, hexid, key = parts
        if not self.name or re.search(r"\s", self.name):
            raise ValueError(f"bad vkey name {self.name!r}")
        if not re.fullmatch(r"[0-9a-f]{8}", hexid):
            raise ValueError(f"vkey key id must be 8 lowercase hex digits: {hexid!r}")
        raw = b64d(key)
        if len(raw) != 33:
            raise ValueError(f"vkey key material must be type byte + 32-byte Ed25519 key, got {len(raw)} bytes")
        self.type, self.pub = raw[0], raw[1:]
        self.kid = bytes.fromhex(hexid)
        self.expected_kid = key_id(self.name, self.type, self.pub)
        self.text = s

    def kid_ok(self):
        return self.kid == self.expected_kid


def cosigned_message(text, ts):
    return b"cosignature/v1\ntime %d\n" % ts + text


def sign_note(text, signers):
    assert text.endswith(b"\n")
    return text + b"\n" + "".join(s.note_sig_line(text) for s in signers).encode("utf-8")


SIG_LINE_RE = re.compile("^" + EM_DASH + r" ([^\s+]+) ([A-Za-z0-9+/=]+)$")


def parse_note(data):
    """-> (text, [(name, key_id, signature_bytes, line)]); raises ValueError."""
    try:
        s = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ValueError(f"note is not UTF-8: {e}")
    if any(ord(c) < 0x20 and c != "\n" for c in s):
        raise ValueError("note contains a control character other than newline")
    if not s.endswith("\n"):
        raise ValueError("note does not end in a newline")
    idx = data.rfind(b"\n\n")
    if idx < 0:
        raise ValueError("note has no blank line before its signatures")
    text = data[: idx + 1]
    sigs = []
    for line in data[idx + 2:].decode("utf-8").split("\n")[:-1]:
        m = SIG_LINE_RE.match(line)
        if not m:
            raise ValueError(f"bad signature line {line!r}")
        raw = b64d(m.group(2))
        if len(raw) < 5:
            raise ValueError(f"signature too short in {line!r}")
        sigs.append((m.group(1), raw[:4], raw[4:], line + "\n"))
    if not sigs:
        raise ValueError("note has no signature lines")
    return text, sigs


class Checkpoint:
    def __init__(self, text):
        s = text.decode("utf-8")
        if not s.endswith("\n"):
            raise ValueError("checkpoint text does not end in a newline")
        lines = s[:-1].split("\n")
        if len(lines) < 3:
            raise ValueError(f"checkpoint has {len(lines)} lines, needs at least 3")
        if any(line == "" for line in lines):
            raise ValueError("checkpoint has an empty line in its text")
        self.origin = lines[0]
        if not DECIMAL_RE.match(lines[1]):
            raise ValueError(f"bad tree size line {lines[1]!r}")
        self.size = int(lines[1])
        self.root = b64d(lines[2])
        if len(self.root) != 32:
            raise ValueError(f"root hash is {len(self.root)} bytes, not 32")
        self.extensions = lines[3:]
        self.text = text


def verify_ed25519(text, sigs, vkey):
    """-> (number of valid signatures by vkey, number of invalid ones)."""
    good = bad = 0
    for name, kid, sig, _ in sigs:
        if name == vkey.name and kid == vkey.kid:
            try:
                Ed25519PublicKey.from_public_bytes(vkey.pub).verify(sig, text)
                good += 1
            except InvalidSignature:
                bad += 1
    return good, bad


def verify_cosigs(text, sigs, vkey, now=None, skew=300):
    """-> (list of verified timestamps, list of problems) for cosignature/v1 sigs by vkey."""
    now = now or time.time()
    good, problems = [], []
    for name, kid, sig, line in sigs:
        if name != vkey.name or kid != vkey.kid:
            continue
        if len(sig) != 72:
            problems.append(f"cosignature is {len(sig)} bytes after the key id, not 8+64: {line!r}")
            continue
        ts = int.from_bytes(sig[:8], "big")
        if ts > 2 ** 63 - 1:
            problems.append(f"timestamp {ts} exceeds 2^63-1")
            continue
        try:
            Ed25519PublicKey.from_public_bytes(vkey.pub).verify(sig[8:], cosigned_message(text, ts))
        except InvalidSignature:
            problems.append(f"cosignature does not verify over cosignature/v1 + time {ts} + checkpoint: {line!r}")
            continue
        if abs(ts - now) > skew:
            problems.append(f"cosignature timestamp {ts} is {ts - now:+.0f}s from now")
            continue
        good.append(ts)
    return good, problems


# --------------------------------------------------------------------------
# Processes
# --------------------------------------------------------------------------

CHILDREN = []


def cleanup_children():
    for p in list(CHILDREN):
        p.stop()


class Proc:
    """A long-running child (akashi witness serve) whose output we collect."""

    def __init__(self, args, env=None):
        self.args = args
        self.lines = []
        self.q = queue.Queue()
        self.p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL, env=env)
        CHILDREN.append(self)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for raw in self.p.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            self.q.put(line)
            debug(f"[witness] {line}")
        self.q.put(None)

    def wait_for(self, pattern, timeout=20):
        rx = re.compile(pattern)
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                line = self.q.get(timeout=max(0.05, deadline - time.time()))
            except queue.Empty:
                break
            if line is None:
                break
            m = rx.search(line)
            if m:
                return m
        raise Fatal(f"{' '.join(self.args)}: no line matching {pattern!r} within {timeout}s; output:\n"
                    + "\n".join(self.lines[-20:]))

    def stop(self):
        if self in CHILDREN:
            CHILDREN.remove(self)
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)
        return self.p.returncode


class Akashi:
    def __init__(self, binary):
        self.binary = binary

    def run(self, *args, env=None, timeout=60):
        e = dict(os.environ)
        e.update(env or {})
        r = subprocess.run([self.binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           stdin=subprocess.DEVNULL, env=e, timeout=timeout)
        debug(f"akashi {' '.join(args)} -> {r.returncode}")
        return r

    def ok(self, *args, env=None):
        r = self.run(*args, env=env)
        if r.returncode != 0:
            raise Fatal(f"akashi {' '.join(args)} exited {r.returncode}: "
                        f"{r.stderr.decode('utf-8', 'replace').strip()}")
        return r.stdout


# --------------------------------------------------------------------------
# HTTP client (keep-alive, as the spec recommends)
# --------------------------------------------------------------------------

class Client:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in (0, 1):
            fresh = self.conn is None
            if fresh:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=15)
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                resp = self.conn.getresponse()
                data = resp.read()
                if resp.will_close:
                    self.conn.close()
                    self.conn = None
                return resp.status, resp.getheader("Content-Type"), data
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.conn.close()
                self.conn = None
                if fresh or attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def add_checkpoint(self, body):
        return self.request("POST", "/add-checkpoint", body=body)

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None


def request_body(old, proof, checkpoint_note):
    return (f"old {old}\n".encode() + b"".join(b64e(h).encode() + b"\n" for h in proof)
            + b"\n" + checkpoint_note)


# --------------------------------------------------------------------------
# Direction 1: our witness, their (Python) log
# --------------------------------------------------------------------------

class PyLog:
    def __init__(self, origin):
        self.origin = origin
        self.signer = Signer(origin, SIG_ED25519)
        self.tree = Tree()

    def grow_to(self, n):
        while len(self.tree) < n:
            self.tree.append_data(f"{self.origin} entry {len(self.tree)}".encode())

    def text(self, n, root=None, extensions=()):
        root = self.tree.root(n) if root is None else root
        return (f"{self.origin}\n{n}\n{b64e(root)}\n" + "".join(e + "\n" for e in extensions)).encode()

    def checkpoint(self, n, root=None, signers=None, extensions=()):
        return sign_note(self.text(n, root, extensions), signers or [self.signer])


def direction1(ak, tmp):
    section("1. Our witness (akashi witness serve), their log (Python)")
    wdir = os.path.join(tmp, "witness")
    wname = "interop-witness.example/w1"
    out = ak.ok("witness", "init", "--data", wdir, "--name", wname).decode()
    wv = VKey(ak.ok("witness", "vkey", "--data", wdir).decode())
    check(wv.text in out, "`witness init` prints the same vkey as `witness vkey`", out.strip())
    check(wv.name == wname, "witness vkey name is the --name given", wv.name)
    require(wv.type == SIG_COSIG_V1, "witness vkey has signature type 0x04 (cosignature/v1)", f"type {wv.type:#04x}")
    require(wv.kid_ok(), "witness vkey key id = SHA-256(name || 0x0A || 0x04 || pubkey)[:4]",
            f"vkey says {wv.kid.hex()}, expected {wv.expected_kid.hex()}")

    log = PyLog("py-log.example/interop/log1")
    check(VKey(log.signer.vkey()).kid_ok(), "own log vkey is self-consistent")
    ak.ok("witness", "add-log", "--data", wdir, "--vkey", log.signer.vkey())

    serve = Proc([ak.binary, "witness", "serve", "--data", wdir, "--port", "0"])
    m = serve.wait_for(r"listening on http://([0-9.]+):(\d+)/")
    host, port = m.group(1), int(m.group(2))
    note(f"witness listening on {host}:{port}")
    c = Client(host, port)

    def post(body):
        st, ct, data = c.add_checkpoint(body)
        debug(f"-> {st} {ct} {data[:200]!r}")
        return st, ct, data

    state = {"size": 0}

    def expect_cosigned(what, old, n, proof=None, cp=None, text=None):
        proof = log.tree.consistency(old, n) if proof is None else proof
        cp = log.checkpoint(n) if cp is None else cp
        text = text or parse_note(cp)[0]
        st, ct, data = post(request_body(old, proof, cp))
        if not check(st == 200, f"{what}: 200", f"got {st} {ct} {data[:300]!r}"):
            return None
        ok_lines = data.endswith(b"\n") and all(
            line.startswith(EM_DASH + " ") for line in data.decode("utf-8", "replace").split("\n")[:-1])
        check(ok_lines and data.strip() != b"",
              f"{what}: body is one or more '— name sig' lines, each ending in a newline", repr(data[:300]))
        try:
            t2, sigs = parse_note(cp + data)  # "the client MAY concatenate it to the checkpoint"
        except ValueError as e:
            check(False, f"{what}: checkpoint + response parses as a signed note", str(e))
            return None
        check(t2 == text, f"{what}: concatenated note keeps the checkpoint text")
        resp_sigs = [s for s in sigs if s[3].encode() in data]
        good, problems = verify_cosigs(text, resp_sigs, wv)
        check(len(good) >= 1 and not problems,
              f"{what}: cosignature/v1 by the witness vkey verifies (timestamp, key id, message)",
              "; ".join(problems) or f"no signature line with name {wv.name} and key id {wv.kid.hex()}")
        state["size"] = n
        return good

    def expect_status(what, body, status, allowed=None):
        st, ct, data = post(body)
        allowed = allowed or {status}
        check(st in allowed, f"{what}: {status}" + (f" (or {sorted(allowed - {status})})" if len(allowed) > 1 else ""),
              f"got {st} {ct} {data[:300]!r}")
        return st, ct, data

    def expect_conflict(what, body, size_expected):
        st, ct, data = post(body)
        check(st == 409, f"{what}: 409 Conflict", f"got {st} {ct} {data[:300]!r}")
        if st == 409:
            mime = (ct or "").split(";")[0].strip().lower()
            check(mime == "text/x.tlog.size", f"{what}: Content-Type text/x.tlog.size", f"got {ct!r}")
            check(data == f"{size_expected}\n".encode(),
                  f"{what}: body is the latest cosigned size + newline ({size_expected})", repr(data))

    def probe_unchanged(what):
        # An old size one past the witness's: it must answer 409 with its size.
        s = state["size"]
        log.grow_to(s + 2)
        expect_conflict(f"{what} (probe old {s + 1} -> 409 with size {s})",
                        request_body(s + 1, log.tree.consistency(s + 1, s + 2), log.checkpoint(s + 2)), s)

    log.grow_to(4)

    section("1a. origin and signature checks (404, 403)")
    other = PyLog("unknown.example/log")
    other.grow_to(1)
    expect_status("unknown origin", request_body(0, [], other.checkpoint(1)), 404)
    impostor = Signer(log.origin, SIG_ED25519)  # same name, other key -> other key id
    expect_status("checkpoint signed only by another key with the log's name",
                  request_body(0, [], log.checkpoint(1, signers=[impostor])), 403)
    good_cp = log.checkpoint(1)
    forged = good_cp.replace(b64e(log.tree.root(1)).encode(), b64e(sha256(b"forged")).encode())
    expect_status("known key id but the signature does not verify (text altered)", request_body(0, [], forged), 403)
    # Flip one bit inside the signature bytes (keep name + key id).
    text, sigs = parse_note(good_cp)
    raw = bytearray(sigs[0][1] + sigs[0][2])
    raw[10] ^= 0x40
    bad_sig = text + b"\n" + f"{EM_DASH} {log.origin} {b64e(bytes(raw))}\n".encode()
    expect_status("signature bytes corrupted", request_body(0, [], bad_sig), 403)
    foreign_cosig = Signer("someone.example/w", SIG_COSIG_V1).cosig_line(text, int(time.time())).encode()
    expect_status("only a foreign cosignature, no log signature", request_body(0, [], text + b"\n" + foreign_cosig), 403)

    section("1b. malformed requests (400)")
    cp1 = log.checkpoint(1)
    malformed = [
        ("empty body", b""),
        ("no old line", b"\n" + cp1),
        ("old size with leading zero", b"old 00\n\n" + cp1),
        ("old size negative", b"old -1\n\n" + cp1),
        ("old size not a number", b"old one\n\n" + cp1),
        ("old line with two spaces", b"old  0\n\n" + cp1),
        ("old line capitalised", b"Old 0\n\n" + cp1),
        ("CRLF line endings", b"old 0\r\n\r\n" + cp1.replace(b"\n", b"\r\n")),
        ("missing blank line before the checkpoint", b"old 0\n" + cp1),
        ("proof line not base64", b"old 0\n!!!notbase64!!!\n\n" + cp1),
        ("checkpoint truncated (no signatures)", b"old 0\n\n" + parse_note(cp1)[0]),
        ("checkpoint without trailing newline", b"old 0\n\n" + cp1[:-1]),
        ("not UTF-8", b"old 0\n\n\xff\xfe" + cp1),
    ]
    for what, body in malformed:
        # The spec names 400 only for old > size; 400 is the HTTP meaning of a malformed request.
        st, ct, data = post(body)
        check(st == 400, f"malformed ({what}): 400 Bad Request", f"got {st} {data[:200]!r}")
    # Wrong-length hash / too many lines: the spec names no code; any 4xx but 200/409.
    for what, body, allowed in [
        ("proof line of 31 bytes", request_body(0, [b"\x01" * 31], cp1), {400, 422}),
        ("old 0 with a non-empty proof", request_body(0, [sha256(b"x")], cp1), {400, 422}),
        ("64 consistency proof lines (clients MUST NOT send more than 63)",
         request_body(0, [sha256(b"%d" % i) for i in range(64)], cp1), {400, 422}),
    ]:
        expect_status(what, body, 400, allowed)
    probe_unchanged("after rejected requests nothing was cosigned")

    section("1c. growth with RFC 9162 consistency proofs (200 + cosignature/v1)")
    expect_cosigned("first checkpoint, old 0, size 1", 0, 1)
    expect_cosigned("same size, same root again (old 1, size 1)", 1, 1, proof=[])
    sizes = [2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 128, 129,
             255, 256, 257, 1000, 1023, 1024, 1025, 4096, 5000]
    log.grow_to(sizes[-1] + 64)
    prev = 1
    results = []
    for n in sizes:
        proof = log.tree.consistency(prev, n)
        assert verify_consistency(prev, n, log.tree.root(prev), log.tree.root(n), proof)
        st, ct, data = post(request_body(prev, proof, log.checkpoint(n)))
        ok = st == 200
        if ok:
            text = log.text(n)
            t, sigs = parse_note(log.checkpoint(n) + data)
            good, problems = verify_cosigs(text, [s for s in sigs if s[3].encode() in data], wv)
            ok = bool(good) and not problems
            if not ok:
                results.append(f"{prev}->{n}: {problems or 'no cosignature'}")
        else:
            results.append(f"{prev}->{n}: {st} {data[:120]!r}")
        if ok:
            prev = n
    check(not results, f"grew 1 -> {sizes[-1]} through {len(sizes)} sizes (powers of two and neighbours), "
          "each 200 with a verifying cosignature", "; ".join(results))
    state["size"] = prev
    S = prev
    note(f"witness now at size {S}")

    section("1d. conflicts (409 text/x.tlog.size)")
    n = S + 10
    expect_conflict("stale old size (old < latest)", request_body(S - 1, log.tree.consistency(S - 1, n), log.checkpoint(n)), S)
    expect_conflict("old size 0 when the witness knows the log", request_body(0, [], log.checkpoint(n)), S)
    expect_conflict("old size ahead of the witness", request_body(S + 5, log.tree.consistency(S + 5, n), log.checkpoint(n)), S)
    st, ct, data = post(request_body(S, [], log.checkpoint(S, root=sha256(b"other root"))))
    check(st == 409, "same size, different root: 409 Conflict", f"got {st} {ct} {data[:200]!r}")
    expect_status("old size > checkpoint size", request_body(S, [], log.checkpoint(S - 1)), 400)

    section("1e. bad consistency proofs (422)")
    n = S + 7
    good_proof = log.tree.consistency(S, n)
    flipped = list(good_proof)
    flipped[-1] = bytes([flipped[-1][0] ^ 0x80]) + flipped[-1][1:]
    expect_status("one proof hash altered", request_body(S, flipped, log.checkpoint(n)), 422)
    expect_status("proof missing its last hash", request_body(S, good_proof[:-1], log.checkpoint(n)), 422)
    expect_status("proof with an extra hash", request_body(S, good_proof + [sha256(b"x")], log.checkpoint(n)), 422)
    expect_status("empty proof from a non-zero old size", request_body(S, [], log.checkpoint(n)), 422)
    expect_status("valid proof, but the checkpoint root is of another tree",
                  request_body(S, good_proof, log.checkpoint(n, root=sha256(b"not the root"))), 422)
    fork = Tree(log.tree.leaves[:S - 1])
    for i in range(n - (S - 1)):
        fork.append_data(b"fork %d" % i)
    expect_status("fork: proof and root of a tree that rewrote leaf S-1",
                  request_body(S, fork.consistency(S, n), log.checkpoint(n, root=fork.root(n))), 422)
    expect_status("proof for another old size (S-1 -> n) sent as old S",
                  request_body(S, log.tree.consistency(S - 1, n), log.checkpoint(n)), 422)
    probe_unchanged("after 409/422 the witness state did not move")

    section("1f. signatures the witness must ignore, extension lines")
    n = S + 3
    st, ct, data = post(request_body(S, log.tree.consistency(S, n),
                                     log.checkpoint(n, signers=[impostor, Signer("x.example/k", SIG_ED25519), log.signer])))
    check(st == 200, "unknown signatures before the log's one are ignored: 200", f"got {st} {data[:200]!r}")
    if st == 200:
        S = state["size"] = n
    n = S + 2
    cp = log.checkpoint(n) + foreign_cosig
    st, ct, data = post(request_body(S, log.tree.consistency(S, n), cp))
    check(st == 200, "checkpoint already carrying a foreign cosignature: 200", f"got {st} {data[:200]!r}")
    if st == 200:
        S = state["size"] = n
    n = S + 1
    ext = ["extension line one", "ext2"]
    cp = log.checkpoint(n, extensions=ext)
    st, ct, data = post(request_body(S, log.tree.consistency(S, n), cp))
    if st == 200:
        good, problems = verify_cosigs(log.text(n, extensions=ext), parse_note(cp + data)[1], wv)
        check(good and not problems, "checkpoint with extension lines: the cosignature covers them", "; ".join(problems))
        S = state["size"] = n
    else:
        note(f"checkpoint with extension lines refused with {st} {data[:120]!r} (extension lines are optional, "
             "NOT RECOMMENDED; not counted as a failure)")

    section("1g. atomic check-and-update under concurrent requests")
    rounds_ok = []
    for r in range(4):
        targets = [S + 1 + i for i in range(4)]
        results_c = [None] * len(targets)

        def worker(i, t):
            cl = Client(host, port)
            try:
                results_c[i] = cl.add_checkpoint(request_body(S, log.tree.consistency(S, t), log.checkpoint(t)))[0]
            finally:
                cl.close()
        threads = [threading.Thread(target=worker, args=(i, t)) for i, t in enumerate(targets)]
        for th in threads:
            th.start()
        for th in threads:
            th.join(30)
        wins = [targets[i] for i, s in enumerate(results_c) if s == 200]
        rounds_ok.append((results_c, wins))
        if len(wins) == 1:
            S = state["size"] = wins[0]
        else:
            break
    check(all(len(w) == 1 and all(s in (200, 409) for s in res) for res, w in rounds_ok),
          "4 concurrent requests from the same old size: exactly one 200, the others 409",
          str([res for res, _ in rounds_ok]))
    probe_unchanged("state after the concurrent rounds is the winner's size")

    section("1h. a second log added while the witness runs")
    log2 = PyLog("py-log.example/interop/log2")
    log2.grow_to(3)
    ak.ok("witness", "add-log", "--data", wdir, "--vkey", log2.signer.vkey())
    st, ct, data = post(request_body(0, [], log2.checkpoint(3, signers=[log.signer])))
    check(st == 403, "log2 checkpoint signed by log1's key: 403", f"got {st} {data[:200]!r}")
    st, ct, data = post(request_body(0, [], log2.checkpoint(3)))
    check(st == 200, "log2 first checkpoint (old 0, size 3) without restarting the witness: 200", f"got {st} {data[:200]!r}")
    if st == 200:
        good, problems = verify_cosigs(log2.text(3), parse_note(log2.checkpoint(3) + data)[1], wv)
        check(good and not problems, "log2 cosignature verifies", "; ".join(problems))

    section("1i. other methods, persistence across a restart")
    st, ct, data = c.request("GET", "/add-checkpoint")
    check(st != 200, "GET /add-checkpoint is not accepted (the request MUST be a POST)", f"got {st}")
    c.close()
    rc = serve.stop()
    check(rc == 0, "witness stops cleanly on SIGTERM (exit 0)", f"exit {rc}")
    serve = Proc([ak.binary, "witness", "serve", "--data", wdir, "--port", "0"])
    m = serve.wait_for(r"listening on http://([0-9.]+):(\d+)/")
    c = Client(m.group(1), int(m.group(2)))
    probe_unchanged("after a restart the witness remembers the latest cosigned size")
    n = S + 5
    expect_cosigned("growth after the restart", S, n)
    c.close()
    serve.stop()


# --------------------------------------------------------------------------
# Direction 2: our log, their (Python) witness
# --------------------------------------------------------------------------

class PyWitness:
    """A tlog-witness server: verifies, keeps state, cosigns (cosignature/v1)."""

    def __init__(self, name, prefix, log_vkey):
        self.signer = Signer(name, SIG_COSIG_V1)
        self.prefix = prefix.rstrip("/")
        self.log_vkey = log_vkey
        self.origin = log_vkey.name
        self.state = {}  # origin -> (size, root)
        self.lock = threading.Lock()
        self.mode = "ok"
        self.requests = []
        self.httpd = None
        self.port = 0

    def vkey(self):
        return self.signer.vkey()

    # -- server plumbing
    def start(self, port=0):
        w = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, fmt, *args):
                debug("[py-witness] " + fmt % args)

            def _serve(self, method):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                res = w.handle(method, self.path, dict(self.headers), body)
                if res is None:  # drop the connection without answering
                    self.close_connection = True
                    return
                status, ctype, data = res
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                self._serve("POST")

            def do_GET(self):
                self._serve("GET")

        class Server(http.server.ThreadingHTTPServer):
            allow_reuse_address = True
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self.port

    def stop(self):
        if self.httpd:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    # -- protocol
    def handle(self, method, path, headers, body):
        rec = {"method": method, "path": path, "body": body, "violations": [], "status": None,
               "mode": self.mode, "t": time.time()}
        self.requests.append(rec)

        def reply(status, data=b"", ctype="text/plain; charset=utf-8", violation=None):
            rec["status"] = status
            if violation:
                rec["violations"].append(violation)
            return status, ctype, data if isinstance(data, bytes) else data.encode()

        if method != "POST":
            return reply(405, violation=f"{method} instead of POST")
        if path != self.prefix + "/add-checkpoint":
            return reply(404, violation=f"path {path!r} is not <submission prefix>/add-checkpoint "
                                        f"({self.prefix}/add-checkpoint)")
        if self.mode == "http500":
            return reply(500, "internal error (test)\n")
        if self.mode == "http403":
            return reply(403, "forbidden (test)\n")
        if self.mode == "slow":
            time.sleep(3)
            rec["status"] = "dropped"
            return None

        # Parse the request body (tlog-witness §add-checkpoint).
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return reply(400, violation="body is not UTF-8")
        lines, pos = [], 0
        while True:
            nl = body.find(b"\n", pos)
            if nl < 0:
                return reply(400, violation="request has no empty line before the checkpoint")
            line = body[pos:nl]
            pos = nl + 1
            if line == b"":
                break
            lines.append(line)
        if not lines:
            return reply(400, violation="no old size line")
        m = re.fullmatch(rb"old (0|[1-9][0-9]*)", lines[0])
        if not m:
            return reply(400, violation=f"bad old size line {lines[0]!r}")
        old = int(m.group(1))
        proof = []
        for line in lines[1:]:
            try:
                h = b64d(line)
            except ValueError:
                return reply(400, violation=f"proof line is not base64: {line!r}")
            if len(h) != 32:
                return reply(400, violation=f"proof line is not a 32-byte hash: {line!r}")
            proof.append(h)
        if len(proof) > 63:
            return reply(400, violation=f"{len(proof)} proof lines (MUST NOT exceed 63)")
        rec["old"], rec["proof"] = old, proof
        note_bytes = body[pos:]
        try:
            text, sigs = parse_note(note_bytes)
            cp = Checkpoint(text)
        except ValueError as e:
            return reply(400, violation=f"checkpoint does not parse: {e}")
        rec["checkpoint"], rec["note"] = cp, note_bytes
        if cp.origin != self.origin:
            return reply(404, violation=f"unknown origin {cp.origin!r}")
        good, bad = verify_ed25519(text, sigs, self.log_vkey)
        if bad or not good:
            return reply(403, violation=f"log signature: {good} valid, {bad} invalid")
        if old > cp.size:
            return reply(400, violation=f"old size {old} > checkpoint size {cp.size}")
        with self.lock:
            cur_size, cur_root = self.state.get(cp.origin, (0, None))
            rec["witness_size"] = cur_size
            if self.mode == "conflict-larger":
                return reply(409, f"{cur_size + 5}\n", "text/x.tlog.size")
            if old != cur_size:
                # "If a client doesn't have information on the latest cosigned checkpoint, it MAY
                # initially make a request with a old size of zero to obtain it."
                rec["probe0"] = old == 0
                return reply(409, f"{cur_size}\n", "text/x.tlog.size",
                             violation=None if old == 0 or self.mode == "lost-state" else
                             f"old size {old} but the latest cosigned size is {cur_size}")
            if old == cp.size:
                if cur_root is not None and cur_root != cp.root:
                    return reply(409, f"{cur_size}\n", "text/x.tlog.size",
                                 violation="same size, different root")
                if proof:
                    return reply(422, violation="non-empty proof for equal sizes")
            elif old == 0:
                if proof:
                    return reply(400, violation="non-empty proof with old size 0")
            elif not verify_consistency(old, cp.size, cur_root, cp.root, proof):
                return reply(422, violation=None if self.mode == "fork-root" else
                             f"consistency proof {old} -> {cp.size} does not verify")
            ts = int(time.time())
            if self.mode == "bad-cosig":
                line = self.signer.cosig_line(text, ts)
                raw = bytearray(b64d(line.split(" ")[2].strip()))
                raw[-1] ^= 0x01
                line = f"{EM_DASH} {self.signer.name} {b64e(bytes(raw))}\n"
            elif self.mode == "wrong-key":
                line = Signer(self.signer.name, SIG_COSIG_V1).cosig_line(text, ts)
            elif self.mode == "wrong-time":
                line = self.signer.cosig_line(text, ts)
                raw = bytearray(b64d(line.split(" ")[2].strip()))
                raw[4:12] = (ts + 1).to_bytes(8, "big")  # signature over ts, claims ts+1
                line = f"{EM_DASH} {self.signer.name} {b64e(bytes(raw))}\n"
            else:
                line = self.signer.cosig_line(text, ts)
                self.state[cp.origin] = (cp.size, cp.root)  # persisted (in memory) before answering
            rec["cosig_line"] = line
            return reply(200, line)


def parse_published_checkpoint(out, lv, what):
    """Parse `akashi log checkpoint` output as a C2SP checkpoint and verify its log signature."""
    try:
        text, sigs = parse_note(out)
        cp = Checkpoint(text)
    except ValueError as e:
        require(False, f"{what}: parses as a C2SP checkpoint (signed note)", f"{e}: {out!r}")
    good, bad = verify_ed25519(text, sigs, lv)
    check(good == 1 and bad == 0, f"{what}: the log's Ed25519 signature verifies with `log verifier-key`",
          f"{good} valid, {bad} invalid; lines {[s[3] for s in sigs]}")
    return cp, sigs


def direction2(ak, tmp):
    section("2. Our log (akashi log), their witness (Python)")
    adir = os.path.join(tmp, "authority")
    origin = "interop.example/akashi/log"
    ak.ok("init", "--data", adir, "--origin", origin, "--name", "飯塚市", "--code", "402052")
    lv = VKey(ak.ok("log", "verifier-key", "--data", adir).decode())
    check(lv.type == SIG_ED25519, "log vkey has signature type 0x01 (Ed25519)", f"{lv.type:#04x}")
    require(lv.kid_ok(), "log vkey key id = SHA-256(name || 0x0A || 0x01 || pubkey)[:4]",
            f"vkey says {lv.kid.hex()}, expected {lv.expected_kid.hex()}")
    check(lv.name == origin, "log key name matches the origin line (SHOULD)", lv.name)

    out0 = ak.ok("log", "checkpoint", "--data", adir)
    cp0, _ = parse_published_checkpoint(out0, lv, "empty log checkpoint")
    check(cp0.origin == origin and cp0.size == 0 and cp0.root == sha256(b""),
          "empty log: origin, size 0, root = SHA-256(\"\") (RFC 9162 MTH of the empty tree)",
          f"{cp0.origin} {cp0.size} {cp0.root.hex()}")
    check(out0.count(b"\n\n") == 1 and out0.split(b"\n\n")[1].startswith(EM_DASH.encode() + b" "),
          "checkpoint layout: text, one blank line, '— name base64' signature lines")

    w = PyWitness("py-witness.example/interop/w1", "/prefix/w1", lv)
    port = w.start()
    note(f"Python witness on 127.0.0.1:{port}{w.prefix}")
    wv = VKey(w.vkey())
    ak.ok("log", "witness", "add", "--data", adir, "--vkey", w.vkey(), "--url", f"http://127.0.0.1:{port}{w.prefix}",
          "--quorum", "1")
    debug(ak.ok("log", "witness", "list", "--data", adir).decode())

    files_dir = os.path.join(tmp, "docs")
    os.makedirs(files_dir)
    counter = [0]

    def new_files(k):
        paths = []
        for _ in range(k):
            counter[0] += 1
            p = os.path.join(files_dir, f"doc{counter[0]}.txt")
            with open(p, "wb") as f:
                f.write(os.urandom(16) + b" interop document %d\n" % counter[0])
            paths.append(p)
        return paths

    published = {"cp": cp0, "raw": out0}
    STATS.update(probe0=0, requests=0, appends=0, multi=[])
    cosigned = []  # (old, proof, size, root) of every request we cosigned

    def append_ok(k, what):
        before = len(w.requests)
        prev = published["cp"]
        r = ak.run("log", "append", "--data", adir, *new_files(k))
        reqs = w.requests[before:]
        if not check(r.returncode == 0, f"{what}: `log append` of {k} file(s) exits 0",
                     f"exit {r.returncode}: {r.stderr.decode('utf-8', 'replace').strip()}"):
            return
        check(len(reqs) >= 1, f"{what}: the log asked the witness to cosign", f"{len(reqs)} requests")
        viol = [v for q in reqs for v in q["violations"]]
        check(not viol, f"{what}: every add-checkpoint request was valid per tlog-witness", "; ".join(viol))
        oks = [q for q in reqs if q["status"] == 200]
        if not check(len(oks) >= 1, f"{what}: a request was cosigned", str([q["status"] for q in reqs])):
            return
        q = oks[-1]
        real = [x for x in reqs if not x.get("probe0")]
        STATS["probe0"] += len(reqs) - len(real)
        STATS["requests"] += len(reqs)
        STATS["appends"] += 1
        if len(oks) > 1:
            STATS["multi"].append(f"{k} file(s): cosigned sizes {[x['checkpoint'].size for x in oks]}")
        check(real and real[0].get("old") == prev.size,
              f"{what}: first non-probe request has old size = previous published size {prev.size}",
              str([(x.get("old"), x["status"]) for x in reqs]))
        check(all(x["old"] == 0 or x["proof"] for x in oks), f"{what}: non-empty consistency proofs from old size > 0")
        for x in oks:
            cosigned.append((x["old"], x["proof"], x["checkpoint"].size, x["checkpoint"].root))
        out = ak.ok("log", "checkpoint", "--data", adir)
        cp, sigs = parse_published_checkpoint(out, lv, f"{what}: published checkpoint")
        check(cp.text == q["checkpoint"].text, f"{what}: published checkpoint is the one the witness cosigned",
              f"published size {cp.size}, cosigned size {q['checkpoint'].size}")
        check(cp.size >= prev.size + k, f"{what}: size grew by at least {k} ({prev.size} -> {cp.size})")
        check(q["cosig_line"].encode() in out, f"{what}: published checkpoint carries our cosignature line verbatim")
        good, problems = verify_cosigs(cp.text, sigs, wv)
        check(len(good) == 1 and not problems, f"{what}: our cosignature/v1 on the published checkpoint verifies",
              "; ".join(problems) or "not found")
        published["cp"], published["raw"] = cp, out

    def append_refused(mode, what, env=None):
        w.mode = mode
        before_raw = ak.ok("log", "checkpoint", "--data", adir)
        state_before = dict(w.state)
        nreq = len(w.requests)
        t0 = time.time()
        r = ak.run("log", "append", "--data", adir, *new_files(1), env=env)
        dt = time.time() - t0
        w.mode = "ok"
        reqs = w.requests[nreq:]
        check(r.returncode == 69, f"{what}: `log append` exits 69",
              f"exit {r.returncode} after {dt:.1f}s; stdout {r.stdout[:200]!r}; stderr "
              f"{r.stderr.decode('utf-8', 'replace').strip()[:300]}")
        after_raw = ak.ok("log", "checkpoint", "--data", adir)
        check(after_raw == before_raw, f"{what}: published checkpoint unchanged",
              f"before {before_raw!r}\nafter {after_raw!r}")
        if mode != "down":
            viol = [v for q in reqs for v in q["violations"]]
            check(reqs and not viol, f"{what}: the log's requests were still valid", "; ".join(viol) or "no request")
        check(w.state == state_before or mode in ("fork-root",), f"{what}: witness state untouched")
        return r

    section("2a. appends cosigned by the Python witness")
    for i, k in enumerate([1, 1, 2, 1, 3, 1, 4]):
        append_ok(k, f"append #{i + 1}")

    section("2b. the witness refuses: append must fail with 69, nothing published")
    append_refused("http500", "witness answers 500")
    append_refused("http403", "witness answers 403")
    append_refused("conflict-larger", "witness answers 409 with a larger cosigned size (log rolled back?)")
    append_refused("bad-cosig", "witness answers 200 with a corrupted cosignature")
    append_refused("wrong-key", "witness answers 200 with a cosignature by another key (same name)")
    append_refused("wrong-time", "witness answers 200 with a cosignature whose timestamp was altered")
    saved = dict(w.state)
    w.state[origin] = (saved[origin][0], sha256(b"the witness saw another tree"))
    append_refused("fork-root", "witness saw a different tree (proof does not verify: 422)")
    w.state = saved
    append_refused("slow", "witness slower than AKASHI_WITNESS_TIMEOUT=1", env={"AKASHI_WITNESS_TIMEOUT": "1"})
    w.stop()
    append_refused("down", "witness down (connection refused)")
    w.start(port)
    size_before = published["cp"].size
    append_ok(1, "after the witness is back")
    if published["cp"].size > size_before + 1:
        note(f"entries of the refused appends were kept and published with the next cosigned checkpoint "
             f"(size {size_before} -> {published['cp'].size} for a 1-file append)")
    append_ok(2, "and again")

    section("2c. witness that lost its state (answers 409 with size 0)")
    saved = dict(w.state)
    w.state = {}
    w.mode = "lost-state"
    before_raw = ak.ok("log", "checkpoint", "--data", adir)
    nreq = len(w.requests)
    r = ak.run("log", "append", "--data", adir, *new_files(1))
    w.mode = "ok"
    reqs = w.requests[nreq:]
    olds = [(q.get("old"), q["status"]) for q in reqs]
    if r.returncode == 0:
        retried = any(q.get("old") == 0 and q["status"] == 200 for q in reqs)
        check(retried, "log re-established the witness with old 0 and an empty proof, and was cosigned", str(olds))
        out = ak.ok("log", "checkpoint", "--data", adir)
        cp, sigs = parse_published_checkpoint(out, lv, "checkpoint after the retry")
        good, problems = verify_cosigs(cp.text, sigs, wv)
        check(good and not problems, "checkpoint after the retry carries our valid cosignature", "; ".join(problems))
        published["cp"], published["raw"] = cp, out
        note(f"lost-state witness: requests (old, status) {olds}")
    else:
        check(r.returncode == 69, "lost-state witness: append fails with 69 if the log does not retry",
              f"exit {r.returncode}")
        check(ak.ok("log", "checkpoint", "--data", adir) == before_raw, "lost-state witness: checkpoint unchanged")
        note(f"log does not retry after 409 text/x.tlog.size (optional in the spec); requests {olds}")
        w.state = saved

    note(f"{STATS['appends']} successful appends made {STATS['requests']} add-checkpoint requests, "
         f"{STATS['probe0']} of them 'old 0' probes answered 409 (allowed: spec MAY; costs a round trip)")
    for m_ in STATS["multi"]:
        note(f"one append, several cosigned checkpoints: {m_}")

    section("2d. the log's tree, recomputed from its tiles (tlog-tiles entry bundles)")
    tdir = os.path.join(tmp, "tiles")
    ak.ok("log", "tiles", "--data", adir, "--out", tdir)
    cp = published["cp"]
    entries = read_entry_bundles(tdir, cp.size)
    require(len(entries) == cp.size, f"entry bundles hold {cp.size} entries", f"got {len(entries)}")
    t = Tree(leaf_hash(e) for e in entries)
    check(t.root(cp.size) == cp.root, "root hash recomputed from the entries (RFC 9162 leaf/node hashing) "
          "equals the published checkpoint's", f"{t.root(cp.size).hex()} vs {cp.root.hex()}")
    mism = []
    for old, proof, n, root in cosigned:
        if n <= cp.size:
            if t.root(n) != root:
                mism.append(f"root at {n}")
            if proof != t.consistency(old, n):
                mism.append(f"proof {old}->{n}")
    check(not mism, f"all {len(cosigned)} cosigned roots and consistency proofs equal our own RFC 9162 "
          "computation from the entries", ", ".join(mism))
    for m_, n_ in [(1, cp.size), (2, cp.size), (4, cp.size), (3, 7)]:
        if n_ <= cp.size and m_ < n_:
            outp = ak.ok("log", "consistency", "--data", adir, "--from", str(m_), "--to", str(n_)).decode().split()
            check([bytes.fromhex(x) for x in outp] == t.consistency(m_, n_),
                  f"`log consistency --from {m_} --to {n_}` equals our RFC 9162 proof")
    cpf = os.path.join(tdir, "checkpoint")
    if os.path.exists(cpf):
        with open(cpf, "rb") as f:
            tcp, _ = parse_published_checkpoint(f.read(), lv, "tiles/checkpoint")
        check(tcp.text == cp.text, "tiles/checkpoint has the published checkpoint's text")
    w.stop()


def tile_index_path(n):
    parts = []
    while True:
        parts.insert(0, f"{n % 1000:03d}")
        n //= 1000
        if n == 0:
            break
    return "/".join(["x" + p for p in parts[:-1]] + [parts[-1]])


def read_entry_bundles(tdir, size):
    entries = []
    for i in range((size + 255) // 256):
        width = min(256, size - i * 256)
        rel = "tile/entries/" + tile_index_path(i) + ("" if width == 256 else f".p/{width}")
        path = os.path.join(tdir, rel)
        if not os.path.exists(path):
            raise Fatal(f"missing entry bundle {rel}")
        with open(path, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        pos, got = 0, []
        while pos < len(data):
            ln = int.from_bytes(data[pos:pos + 2], "big")
            got.append(data[pos + 2:pos + 2 + ln])
            pos += 2 + ln
        if len(got) != width:
            raise Fatal(f"{rel}: {len(got)} entries, expected {width}")
        entries.extend(got)
    return entries


# --------------------------------------------------------------------------


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--akashi", default=".build/debug/akashi")
    ap.add_argument("--tmp", help="work directory (default: a fresh temporary one, removed afterwards)")
    ap.add_argument("--only", choices=["1", "2"])
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    VERBOSE = args.verbose
    akashi = os.path.abspath(args.akashi)
    if not os.access(akashi, os.X_OK):
        print(f"interop: {akashi} not found or not executable (swift build first)", file=sys.stderr)
        return 2

    atexit.register(cleanup_children)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, lambda *_: sys.exit(130))

    t0 = time.time()
    section("0. self-test of this file's RFC 9162 Merkle code")
    self_test_merkle()
    print("  ok    tree hashes and consistency proofs (sizes 0..70, altered proofs rejected)")
    # The example of c2sp.org/signed-note (§Verifier keys, Example).
    v = VKey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k")
    text, sigs = parse_note(("This is an example message.\n\n" + EM_DASH + " example.com/foo Uw2QOkn8srV1yJGh2VYRlL1"
                             "Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n").encode())
    assert v.kid_ok() and verify_ed25519(text, sigs, v) == (1, 0), "signed-note spec example"
    assert verify_ed25519(text + b"x", sigs, v) == (0, 1)
    assert tile_index_path(1234067) == "x001/x234/067" and tile_index_path(0) == "000"
    print("  ok    signed-note spec example: vkey key id and Ed25519 note signature")

    ak = Akashi(akashi)
    own_tmp = None
    tmp = args.tmp
    if not tmp:
        own_tmp = tempfile.TemporaryDirectory(prefix="akashi-interop-")
        tmp = own_tmp.name
    os.makedirs(tmp, exist_ok=True)
    try:
        for name, fn in (("1", direction1), ("2", direction2)):
            if args.only and args.only != name:
                continue
            d = os.path.join(tmp, f"direction{name}")
            os.makedirs(d, exist_ok=True)
            try:
                fn(ak, d)
            except Fatal as e:
                FAILURES.append(f"direction {name} stopped: {e}")
                print(f"  FATAL {e}")
            finally:
                cleanup_children()
    finally:
        cleanup_children()
        if own_tmp:
            own_tmp.cleanup()

    print(f"\n{'PASS' if not FAILURES else 'FAIL'}: {len(FAILURES)} failure(s) in {time.time() - t0:.1f}s")
    for f in FAILURES:
        print(f"  - {f}")
    return 0 if not FAILURES else 1


if __name__ == "__main__":
    sys.exit(main())
