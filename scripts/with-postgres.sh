#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL cluster (scripts/postgres.sh) in
# a temporary directory, its URL in AKASHI_TEST_DATABASE; stops and removes the
# cluster afterwards, whatever the command's outcome.
#   scripts/with-postgres.sh swift test
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(mktemp -d -t akashi-pg.XXXXXX)"
cleanup() {
  "$here/postgres.sh" stop "$dir" || true
  rm -rf "$dir"
}
trap cleanup EXIT
AKASHI_TEST_DATABASE="$("$here/postgres.sh" start "$dir")"
export AKASHI_TEST_DATABASE
echo "PostgreSQL for the tests: $AKASHI_TEST_DATABASE ($dir)"
"$@"
