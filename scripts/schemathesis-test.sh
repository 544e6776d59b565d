#!/usr/bin/env bash
# Property-based API test: schemathesis (PyPI) reads the service's own
# /openapi.yaml and throws generated requests at every operation, with an
# admin token and every check it has (server errors, status codes, content
# types, headers, response schemas, negative and positive data, unsupported
# methods, ignored auth, ...). Any failure fails `make test`.
#
#   scripts/schemathesis-test.sh [--max-examples N] [--time-bound SECONDS]
#
# Builds nothing: needs .build/debug/akashi (`swift build`; override with AKASHI).
# Installs schemathesis with pip when it is missing (--user, then
# --break-system-packages for Debian's PEP 668 python, then a venv under .build).
# Work files in a temporary directory, removed on exit; the service is stopped
# on exit. Exit 0 when schemathesis reports no failure; 1 when it does; 69
# when a tool is missing.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
cd "$(dirname "$0")/.."
repo="$(pwd)"
akashi="${AKASHI:-$repo/.build/debug/akashi}"
py="${PYTHON:-python3}"
max_examples=40
time_bound=240
while [ $# -gt 0 ]; do
  case "$1" in
    --max-examples) max_examples="$2"; shift 2 ;;
    --time-bound) time_bound="$2"; shift 2 ;;
    *) echo "usage: $0 [--max-examples N] [--time-bound SECONDS]" >&2; exit 64 ;;
  esac
done

say() { printf '%s\n' "schemathesis-test: $*"; }
die() { printf '%s\n' "schemathesis-test: $2" >&2; exit "$1"; }
[ -x "$akashi" ] || die 69 "$akashi is missing: run \`swift build\` first (or set AKASHI=path/to/akashi)"

st=""
find_st() {
  if "$py" -c 'import schemathesis' >/dev/null 2>&1; then st="$py -m schemathesis.cli"; return 0; fi
  if [ -x "$repo/.build/schemathesis-venv/bin/python" ] && "$repo/.build/schemathesis-venv/bin/python" -c 'import schemathesis' >/dev/null 2>&1; then
    st="$repo/.build/schemathesis-venv/bin/python -m schemathesis.cli"; return 0
  fi
  return 1
}
if ! find_st; then
  say "installing schemathesis"
  "$py" -m pip install --user --quiet schemathesis >/dev/null 2>&1 ||
    "$py" -m pip install --user --quiet --break-system-packages schemathesis >/dev/null 2>&1 || true
  if ! find_st; then
    "$py" -m venv "$repo/.build/schemathesis-venv" >/dev/null 2>&1 || die 69 "cannot install schemathesis: no pip and no venv"
    "$repo/.build/schemathesis-venv/bin/python" -m pip install --quiet schemathesis >/dev/null 2>&1 || true
    find_st || die 69 "cannot install schemathesis (try: $py -m pip install --user schemathesis)"
  fi
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/akashi-schemathesis.XXXXXX")"
pid=""
cleanup() {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

cp "$akashi" "$tmp/akashi"
data="$tmp/data"
"$tmp/akashi" init --data "$data" --origin iizuka.example/akashi/log --name 飯塚市 --code 402052 >/dev/null
token="$("$tmp/akashi" token create --data "$data" --name schemathesis --role admin)"
port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
"$tmp/akashi" serve --data "$data" --host 127.0.0.1 --port "$port" --certs "$repo/certs" >"$tmp/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; die 1 "akashi serve exited"; }
  sleep 0.1
done

say "schemathesis $($st --version 2>/dev/null | awk '{print $NF}') against http://127.0.0.1:$port/openapi.yaml (max $max_examples examples per operation, ${time_bound}s bound)"
status=0
# --max-failures is not set: every failure is listed. The suppressed health
# check is "filter_too_much" only (the schema's patterns are strict on purpose).
timeout --signal=INT "$time_bound" $st --config-file "$repo/Tests/schemathesis/schemathesis.toml" run "http://127.0.0.1:$port/openapi.yaml" \
  --header "Authorization: Bearer $token" \
  --checks all --max-examples "$max_examples" --phases "${ST_PHASES:-examples,coverage,fuzzing,stateful}" \
  --seed 1 --no-color --suppress-health-check filter_too_much --workers 2 \
  >"$tmp/report.txt" 2>&1 || status=$?
cat "$tmp/report.txt"
if grep -q "Internal error\|500 Internal" "$tmp/serve.log"; then say "the service logged internal errors:"; grep "error" "$tmp/serve.log" | head -20; status=1; fi
if [ "$status" -eq 124 ] || [ "$status" -eq 130 ]; then die 1 "schemathesis did not finish within ${time_bound}s"; fi
[ "$status" -eq 0 ] && say "PASS" || say "FAIL (exit $status)"
exit "$status"
