#!/usr/bin/env bash
# The Python verifier written from docs/spec/ alone (Tests/spec-conformance/):
# its unit tests, then every conformance vector in vectors/ (verdict, reason
# codes, every check's status). Proves the spec is enough to write a verifier.
#
#   scripts/spec-conformance-test.sh
#
# Needs python3 and the `cryptography` package, installed here when missing
# (pip --user, then --break-system-packages for Debian's PEP 668 python).
# Builds nothing. Exit 0 when everything agrees; 1 when not; 69 when a tool is missing.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
cd "$(dirname "$0")/../Tests/spec-conformance"
py="${PYTHON:-python3}"
command -v "$py" >/dev/null 2>&1 || { echo "spec-conformance-test: $py not found" >&2; exit 69; }
if ! "$py" -c 'import cryptography' >/dev/null 2>&1; then
  echo "spec-conformance-test: installing the Python package cryptography"
  "$py" -m pip install --user --quiet cryptography >/dev/null 2>&1 ||
    "$py" -m pip install --user --quiet --break-system-packages cryptography >/dev/null 2>&1 || true
  "$py" -c 'import cryptography' >/dev/null 2>&1 || { echo "spec-conformance-test: cannot install cryptography" >&2; exit 69; }
fi
"$py" test_units.py 2>&1 | tail -3
"$py" run_vectors.py ../../vectors | tail -3
echo "spec-conformance-test: PASS"
