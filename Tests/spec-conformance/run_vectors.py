#!/usr/bin/env python3
"""Run the independent (spec-only) verifier on the published Akashi vectors.

    python3 run_vectors.py [--trust-compat] [VECTORS_DIR]   (default: ../../vectors relative to this file)

For each vector of VECTORS_DIR/index.json: load its trust file, verify its
status list (if any) against it, verify the QR text at the vector's time, and
compare verdict, reason codes and per-check status with `expected`.
Prints a table; exit status 0 only if every vector agrees.
"""

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import akashi_spec_verify as v  # noqa: E402


COMPAT = False


def trust_compat(raw):
    """--trust-compat: relabel a v1-shaped trust file as v2 (format string; a
    `quorum none` policy when the log has neither `policy` nor the v1 witness
    members; notAfter 9999-12-31T23:59:59Z on retired/compromised keys that lack
    it), then apply every v2 rule to it.  NOT conforming; diagnostic only."""
    doc = v.strict_json_loads(raw)
    if doc.get("format") == "akashi-trust/v1":
        doc["format"] = "akashi-trust/v2"
    for a in doc.get("authorities", []):
        lg = a.get("log", {})
        if "policy" not in lg and "witnesses" not in lg and "witnessQuorum" not in lg and "vkey" in lg:
            lg["policy"] = "log %s\nquorum none\n" % lg["vkey"]
        for k in a.get("keys", []):
            if k.get("status") in ("retired", "compromised") and "notAfter" not in k:
                k["notAfter"] = "9999-12-31T23:59:59Z"
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def run_one(vec, base):
    """Returns (ok, summary, problems)."""
    exp = vec.get("expected", {})
    problems = []
    try:
        with open(os.path.join(base, vec["trust"]), "rb") as f:
            raw = f.read()
        trust = v.load_trust(trust_compat(raw) if COMPAT else raw)
    except v.TrustFileError as e:
        return False, "trust file refused", ["trust file %s refused: %s" % (vec["trust"], e)]
    lists = []
    status_outcome = None
    if vec.get("status"):
        paths = vec["status"] if isinstance(vec["status"], list) else [vec["status"]]
        status_outcome = "accepted"
        for p in paths:
            with open(os.path.join(base, p), "rb") as f:
                raw = f.read()
            try:
                lists.append(v.verify_status_list(raw, trust))
            except v.StatusListError as e:
                status_outcome = "rejected"
                reason = str(e)
        want = exp.get("status")
        if want is not None and want != status_outcome:
            problems.append("status list %s, expected %s%s" % (
                status_outcome, want, (" (%s)" % reason) if status_outcome == "rejected" else ""))
        if status_outcome == "rejected":
            # akashi-verify exits 65 before verifying any input (verification.md §5.1):
            # no verdict exists; only the refusal is compared.
            return not problems, "status list rejected (%s)" % reason, problems
    at = v.parse_at(vec["at"])
    qr = vec.get("qr")
    if qr is None:
        with open(os.path.join(base, vec["id"] + ".txt"), "rb") as f:
            qr = f.read()
    else:
        qr = qr.encode("utf-8")
    rep = v.verify(qr, trust, lists, at)
    txt = os.path.join(base, vec["id"] + ".txt")
    if os.path.exists(txt):
        # The .txt holds the text plus a final LF; a file INPUT is trimmed per
        # qr-text.md §1 (verification.md §5.1), so it must give the same result.
        with open(txt, "rb") as f:
            t = f.read()
        if t not in (qr, qr + b"\n"):
            problems.append("<id>.txt is neither the qr text nor the qr text + LF")
        rep2 = v.verify(t, trust, lists, at)
        if (rep2.verdict, rep2.codes) != (rep.verdict, rep.codes):
            problems.append("<id>.txt gives %s %s, index.json qr gives %s %s" % (
                rep2.verdict, rep2.codes, rep.verdict, rep.codes))
    got_checks = {n: s for n, (s, _) in rep.checks.items()}
    if "verdict" in exp and exp["verdict"] != rep.verdict:
        problems.append("verdict %s, expected %s" % (rep.verdict, exp["verdict"]))
    if "valid" in exp and exp["valid"] != (rep.verdict == "valid"):
        problems.append("valid %s, expected %s" % (rep.verdict == "valid", exp["valid"]))
    if "codes" in exp and exp["codes"] != rep.codes:
        problems.append("codes %s, expected %s" % (rep.codes, exp["codes"]))
    ec = exp.get("checks")
    if ec:
        if isinstance(ec, list):  # [{"name", "status", "code"?}]
            ec = {c["name"]: c["status"] for c in ec}
        for n in sorted(set(ec) | set(got_checks)):
            if ec.get(n) != got_checks.get(n):
                problems.append("check %s: %s, expected %s" % (n, got_checks.get(n), ec.get(n)))
    if problems and rep.details:
        problems.append("details: %s" % rep.details)
    return not problems, "%s %s" % (rep.verdict, ",".join(rep.codes) or "-"), problems


def main(argv):
    global COMPAT
    if "--trust-compat" in argv:
        COMPAT = True
        argv = [a for a in argv if a != "--trust-compat"]
        print("NOTE: --trust-compat: v1-labelled trust files are relabelled as v2 (diagnostic, not conforming)")
    base = argv[1] if len(argv) > 1 else os.path.join(HERE, "..", "..", "vectors")
    base = os.path.abspath(base)
    with open(os.path.join(base, "index.json"), "rb") as f:
        index = json.loads(f.read().decode("utf-8"))
    vectors = index.get("vectors", [])
    print("vectors: %s (%s, %d vectors)" % (base, index.get("format"), len(vectors)))
    fails = 0
    trust_refusals = 0
    w = max([len(x["id"]) for x in vectors] + [10])
    for vec in vectors:
        try:
            ok, summary, problems = run_one(vec, base)
        except Exception as e:  # a crash is a disagreement too
            ok, summary, problems = False, "CRASH", [repr(e)]
        fails += not ok
        trust_refusals += summary == "trust file refused"
        print("%-4s %-*s %s" % ("ok" if ok else "FAIL", w, vec["id"], summary))
        for p in problems:
            print("       - " + p)
    print("%d/%d agree" % (len(vectors) - fails, len(vectors)))
    if trust_refusals and not COMPAT:
        print("%d vector(s) failed only because their trust file was refused; "
              "try --trust-compat (SPEC-GAPS.md A1-A3) for a diagnostic run" % trust_refusals)
    return 0 if fails == 0 and vectors else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
