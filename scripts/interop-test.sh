#!/usr/bin/env bash
# Independent C2SP tlog-witness interop check (Tests/interop/c2sp_witness_interop.py):
#
# 1. our witness, their log: a Python log (own RFC 9162 tree, own Ed25519 key,
#    signed-note checkpoints) drives `akashi witness serve` over HTTP and checks
#    every status code, Content-Type and cosignature/v1 the spec mandates;
# 2. our log, their witness: a Python witness (http.server, own state and
#    cosignature/v1 key) that `akashi log append` must go through; then the
#    witness refuses (500, 403, 409, bad cosignatures, 422, slow, down) and the
#    append must fail with 69 without publishing anything.
#
#   scripts/interop-test.sh [-v] [--only 1|2]
#
# Builds nothing: needs .build/debug/akashi (`swift build`; override with AKASHI).
# Needs python3 (override with PYTHON) and the `cryptography` package, installed
# here when missing: pip --user, then pip --user --break-system-packages
# (Debian's PEP 668 system python), then a venv under .build/interop-venv.
# The binary is copied to a temporary directory first (a concurrent build cannot
# swap it mid-run); work files go there too, removed on exit; every process the
# test starts is stopped on exit.
# Exit 0 when everything passes; 1 when a check fails; 69 when a tool is missing.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1

cd "$(dirname "$0")/.."
repo="$(pwd)"
akashi="${AKASHI:-$repo/.build/debug/akashi}"
py="${PYTHON:-python3}"

say() { printf '%s\n' "interop-test: $*"; }
die() { printf '%s\n' "interop-test: $2" >&2; exit "$1"; }

[ -x "$akashi" ] || die 69 "$akashi is missing: run \`swift build\` first (or set AKASHI=path/to/akashi)"
command -v "$py" >/dev/null 2>&1 || die 69 "$py not found: install Python 3 (or set PYTHON)"

has_crypto() { "$1" -c 'from cryptography.hazmat.primitives.asymmetric import ed25519' >/dev/null 2>&1; }

if ! has_crypto "$py"; then
  say "installing the Python package cryptography"
  if "$py" -m pip --version >/dev/null 2>&1; then
    "$py" -m pip install --user --quiet cryptography >/dev/null 2>&1 ||
      "$py" -m pip install --user --quiet --break-system-packages cryptography >/dev/null 2>&1 || true
  fi
  if ! has_crypto "$py"; then
    venv="$repo/.build/interop-venv"
    if [ ! -x "$venv/bin/python" ]; then
      "$py" -m venv "$venv" >/dev/null 2>&1 ||
        die 69 "cannot install cryptography: no pip and no venv (Debian: apt-get install python3-cryptography or python3-venv)"
    fi
    "$venv/bin/python" -m pip install --quiet cryptography >/dev/null 2>&1 || true
    py="$venv/bin/python"
  fi
  has_crypto "$py" || die 69 "cannot install the Python package cryptography (try: $py -m pip install --user cryptography)"
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/akashi-interop.XXXXXX")"
pid=""
cleanup() {
  # The Python side stops its own children (akashi witness serve) on SIGTERM/exit;
  # it runs in its own process group so anything left is stopped by that group id.
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -TERM -- "-$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Run a private copy: a concurrent `swift build` relinking .build/debug/akashi
# must not change the binary under test halfway (or fail with ETXTBSY).
for _ in 1 2 3 4 5 6 7 8 9 10; do
  cp "$akashi" "$tmp/akashi" 2>/dev/null && [ -x "$tmp/akashi" ] && "$tmp/akashi" --version >/dev/null 2>&1 && break
  rm -f "$tmp/akashi"; sleep 3
done
[ -x "$tmp/akashi" ] || die 69 "could not copy a working $akashi (is a build still linking it?)"
say "akashi: $akashi ($("$tmp/akashi" --version 2>&1))"
akashi="$tmp/akashi"
say "python: $("$py" --version 2>&1), cryptography $("$py" -c 'import cryptography; print(cryptography.__version__)')"
start=$SECONDS
set +e
if command -v setsid >/dev/null 2>&1; then
  setsid "$py" "$repo/Tests/interop/c2sp_witness_interop.py" --akashi "$akashi" --tmp "$tmp/work" "$@" &
else
  "$py" "$repo/Tests/interop/c2sp_witness_interop.py" --akashi "$akashi" --tmp "$tmp/work" "$@" &
fi
pid=$!
wait "$pid"
rc=$?
set -e
pid=""
say "finished in $((SECONDS - start))s (exit $rc)"
case "$rc" in
  0) exit 0 ;;
  2) exit 69 ;;
  *) exit 1 ;;
esac
