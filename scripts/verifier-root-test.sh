#!/usr/bin/env bash
# The handed-out verifier on a bare Debian: dist/akashi-verify (scripts/build-verifier.sh)
# copied into a `debootstrap --variant=minbase` root, where nothing is installed (no Swift
# runtime, no libcrypto, libzbar, libpng, libjpeg, libdbus), verifies every published
# vector (vectors/index.json) there, from its QR text and from its PNG image, and must
# give what the vector says: the verdict, `valid`, the reason codes in check order, each
# check's status, and the exit code (0 valid, 1 invalid, 2 unconfirmed; 65 with no report
# when the vector's status list must be refused). The human-readable output is checked
# too: its first line's mark (✔ / ？ / ✘), in Japanese and in English.
#
#   scripts/verifier-root-test.sh [BINARY]      (default dist/akashi-verify; as root, or through sudo)
#
# First it asserts the binary's shape: `ldd` lists only glibc (libc, libm), the loader and
# the vDSO, or says "not a dynamic executable"; the same inside the root. Prints one line
# per vector that fails, a summary, and the median time of one QR text's run in the root
# (reported, not asserted); exits 1 on any mismatch, 2 on a setup error.
#
# The root is made once and reused: ROOT (default .build/verifier-root/<suite>-minbase),
# from the mirror apt uses here (/etc/apt/sources.list*, default deb.debian.org), suite of
# this machine (/etc/os-release). The binary and the vectors are copied in fresh each run
# (to /opt/akashi). The runs see /proc, as on any running Debian (a Swift program on Linux
# reads its own arguments from /proc/self/cmdline; without it, static or not, it sees none):
# mounted in a private mount namespace (unshare), so it goes away with the test.
#
# Environment:
#   VERIFIER_ROOT=DIR       the minbase root (made if it lacks .akashi-minbase)
#   VERIFIER_SUITE=NAME     Debian suite (default: this machine's codename)
#   VERIFIER_MIRROR=URL     Debian mirror (default: the first one apt uses here)
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
BIN=${1:-$HERE/dist/akashi-verify}
say() { echo "verifier-root-test: $*" >&2; }

[ -x "$BIN" ] || { say "no executable $BIN (make verifier)"; exit 2; }
BIN=$(realpath "$BIN")
cd "$HERE"
if [ "$(id -u)" != 0 ]; then  # debootstrap, chroot and mount need root
  command -v sudo >/dev/null || { say "needs root (debootstrap, chroot)"; exit 2; }
  exec sudo --preserve-env=VERIFIER_ROOT,VERIFIER_SUITE,VERIFIER_MIRROR "$HERE/scripts/verifier-root-test.sh" "$BIN"
fi
command -v python3 >/dev/null || { say "needs python3 on this machine (the vectors' JSON)"; exit 2; }

# --- the binary's shape -------------------------------------------------------------
# Only what glibc's libc6 package ships may stay dynamic: libc.so.6, libm.so.6, the loader.
check_ldd() {  # $1: where, rest: ldd output on stdin
  local where=$1 bad=0 line
  while IFS= read -r line; do
    case "$line" in
      *"not a dynamic executable"*) ;;
      *linux-vdso.so.*) ;;
      *libc.so.6*|*libm.so.6*) ;;
      *ld-linux*.so.*) ;;
      "") ;;
      *) say "FAIL ldd ($where): $line"; bad=1 ;;
    esac
  done
  return $bad
}
ldd_out=$(ldd "$BIN" 2>&1 || true)
echo "$ldd_out" | sed 's/^/  ldd: /' >&2
check_ldd host <<<"$ldd_out" || { say "FAIL: $BIN needs more than glibc"; exit 1; }

# --- the root -----------------------------------------------------------------------
SUITE=${VERIFIER_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}
ROOT=${VERIFIER_ROOT:-.build/verifier-root/$SUITE-minbase}
if [ -z "${VERIFIER_MIRROR:-}" ]; then
  # The first Debian archive apt uses here (deb822 "URIs:" or one-line "deb URL suite"), not -security.
  VERIFIER_MIRROR=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
    grep -oE '^(URIs:[[:space:]]*|deb[[:space:]]+(\[[^]]*\][[:space:]]+)?)https?://[^[:space:]]+/debian/?([[:space:]]|$)' |
    grep -oE 'https?://[^[:space:]]+' | head -1 || true)
  VERIFIER_MIRROR=${VERIFIER_MIRROR:-http://deb.debian.org/debian}
fi
if [ ! -f "$ROOT/.akashi-minbase" ]; then
  if ! command -v debootstrap >/dev/null; then
    say "installing debootstrap"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
  fi
  say "debootstrap --variant=minbase $SUITE $ROOT $VERIFIER_MIRROR"
  rm -rf "$ROOT.partial"
  mkdir -p "$(dirname "$ROOT")"
  start=$(date +%s)
  if ! debootstrap --variant=minbase "$SUITE" "$ROOT.partial" "$VERIFIER_MIRROR" > "$ROOT.debootstrap.log" 2>&1; then
    tail -20 "$ROOT.debootstrap.log" >&2
    say "debootstrap failed (log: $ROOT.debootstrap.log)"
    exit 2
  fi
  echo "debootstrap --variant=minbase $SUITE $VERIFIER_MIRROR $(date -u +%FT%TZ)" > "$ROOT.partial/.akashi-minbase"
  rm -rf "$ROOT"
  mv "$ROOT.partial" "$ROOT"
  say "root made in $(( $(date +%s) - start )) s"
fi
ROOT=$(cd "$ROOT" && pwd)
say "root: $ROOT ($(cat "$ROOT/.akashi-minbase"); $(chroot "$ROOT" dpkg-query -W -f '.\n' | wc -l) packages)"
# What the root lacks is the point: say what of the verifier's libraries it has anyway.
present=$(cd "$ROOT" && ls usr/lib/*/ opt 2>/dev/null |
  grep -oE '^(libcrypto|libssl|libzbar|libpng16|libjpeg|libdbus-1|libz|libstdc\+\+|libgcc_s|libswiftCore|libFoundation)\.so[.0-9]*$' | sort -u | tr '\n' ' ')
say "of the libraries the dynamic build needs, the root has: ${present:-none} (none of them is loaded: see ldd)"

rm -rf "$ROOT/opt/akashi"
mkdir -p "$ROOT/opt/akashi"
cp "$BIN" "$ROOT/opt/akashi/akashi-verify"
cp -r vectors "$ROOT/opt/akashi/vectors"
ldd_root=$(env -i PATH=/usr/bin:/bin "$(command -v chroot)" "$ROOT" /usr/bin/ldd /opt/akashi/akashi-verify 2>&1 || true)
echo "$ldd_root" | sed 's/^/  ldd in the root: /' >&2
check_ldd root <<<"$ldd_root" || { say "FAIL: in the root it needs more than glibc"; exit 1; }

# --- every vector, in the root ------------------------------------------------------
ROOT="$ROOT" unshare --mount --propagation private -- \
  sh -c 'mount -t proc proc "$ROOT/proc" && exec python3 -' <<'EOF'
import json, os, shutil, statistics, subprocess, sys, time

root = os.environ["ROOT"]
base = "/opt/akashi/vectors"                      # inside the root
index = json.load(open(os.path.join(root, base.lstrip("/"), "index.json"), encoding="utf-8"))
vectors = index["vectors"]
EXIT = {"valid": 0, "invalid": 1, "unconfirmed": 2}
MARK = {"valid": "✔", "invalid": "✘", "unconfirmed": "？"}
MARK_EN = {"valid": "✔", "invalid": "✘", "unconfirmed": "?"}
ENV = {"PATH": "/usr/bin:/bin"}                   # no LANG, no HOME: a bare account
CHROOT = shutil.which("chroot")

def run(args):
    t0 = time.perf_counter()
    p = subprocess.run([CHROOT, root, "/opt/akashi/akashi-verify"] + args,
                       capture_output=True, env=ENV, timeout=60)
    return p, time.perf_counter() - t0

failures, runs, times = [], 0, []
for v in vectors:
    exp = v["expected"]
    common = ["--trust", f"{base}/{v['trust']}", "--at", v["at"]]
    if v.get("status"):
        common += ["--status", f"{base}/{v['status']}"]
    problems = []
    rejected = exp.get("status") == "rejected"
    for kind, name in (("text", f"{v['id']}.txt"), ("png", v["png"])):
        p, dt = run(["--json"] + common + [f"{base}/{name}"])
        runs += 1
        if kind == "text":
            times.append(dt)
        out = p.stdout.decode("utf-8", "replace")
        if rejected:
            # The status list itself is refused: a caller error, no verdict (verification.md §5.1).
            if p.returncode != 65 or out.strip():
                problems.append(f"{kind}: exit {p.returncode} with {len(out.splitlines())} reports, expected exit 65 and none")
            continue
        lines = out.splitlines()
        if len(lines) != 1:
            problems.append(f"{kind}: {len(lines)} reports (exit {p.returncode}; stderr {p.stderr.decode(errors='replace').strip()[:200]})")
            continue
        got = json.loads(lines[0])
        codes = [r["code"] for r in got.get("reasons", [])]
        checks = {c["name"]: c["status"] for c in got.get("checks", [])}
        if p.returncode != EXIT[exp["verdict"]]:
            problems.append(f"{kind}: exit {p.returncode}, expected {EXIT[exp['verdict']]}")
        if got.get("verdict") != exp["verdict"]:
            problems.append(f"{kind}: verdict {got.get('verdict')}, expected {exp['verdict']}")
        if got.get("valid") != exp["valid"]:
            problems.append(f"{kind}: valid {got.get('valid')}, expected {exp['valid']}")
        if codes != exp["codes"]:
            problems.append(f"{kind}: codes {codes}, expected {exp['codes']}")
        if checks != exp["checks"]:
            diff = {n: (checks.get(n), exp["checks"].get(n)) for n in set(checks) | set(exp["checks"]) if checks.get(n) != exp["checks"].get(n)}
            problems.append(f"{kind}: checks (got, expected) {diff}")
    if not rejected:
        # The human-readable report, Japanese (the default) and English, from the text.
        for lang, marks in (("ja", MARK), ("en", MARK_EN)):
            p, _ = run(["--lang", lang] + common + [f"{base}/{v['id']}.txt"])
            runs += 1
            first = p.stdout.decode("utf-8", "replace").split("\n", 1)[0]
            if p.returncode != EXIT[exp["verdict"]] or not first.startswith(marks[exp["verdict"]]):
                problems.append(f"human ({lang}): exit {p.returncode}, first line {first[:80]!r}")
    if problems:
        failures.append(v["id"])
        for pr in problems:
            print(f"FAIL {v['id']}: {pr}")

median = statistics.median(times) * 1000 if times else 0
print(f"verifier-root-test: {len(vectors) - len(failures)}/{len(vectors)} vectors as expected "
      f"({runs} runs of akashi-verify in the root: text and PNG with --json, text in ja and en); "
      f"one QR text: median {median:.1f} ms a run, chroot included (not asserted)")
sys.exit(1 if failures else 0)
EOF
