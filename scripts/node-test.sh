#!/usr/bin/env bash
# Runs the web verifier's core (web/js/core, no browser) under node --test:
# every conformance vector of vectors/index.json (verdict, reason codes,
# per-check statuses) and the unit tests in web/test/node/.
#
#   scripts/node-test.sh            (VECTORS_DIR=... to use another vectors folder)
#
# Needs Node.js 20 or later (WebCrypto Ed25519, node:test). Builds nothing.
# Exit 0 when every test passes; 1 when one fails; 69 when node is missing or too old.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v node >/dev/null 2>&1; then
  echo "node-test: node is missing (install Node.js 20 or later, e.g. apt-get install -y nodejs)" >&2
  exit 69
fi
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [ "$major" -lt 20 ]; then
  echo "node-test: node $(node --version) is too old; Node.js 20 or later is needed" >&2
  exit 69
fi

if node --test web/test/node/; then
  echo "node-test: all tests passed"
  exit 0
else
  echo "node-test: FAILED" >&2
  exit 1
fi
