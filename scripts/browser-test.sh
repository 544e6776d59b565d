#!/usr/bin/env bash
# Browser test of the clerk UI: a fresh authority in a temporary directory, an
# admin and a clerk, `akashi serve` in the background, then a headless Chromium
# run through login → dashboard → form errors → issue → print (PNG, one-page
# PDF, QR) → search → phone width → English (Tests/browser/test_clerk_flow.py).
# Afterwards the QR the browser printed must verify offline with akashi-verify
# against the served trust.json, and must be exactly the text the JSON API
# returns for that serial. Then the holder's flow on the web verifier at /verify/
# (web/test/browser/test_present.py, 375 px): a 住民票の写し issued with every
# field, reduced on the page — offline — to name and address (and the fields that
# cannot be withheld); the new QR read back from the screenshot by zbarimg and
# verified by akashi-verify (valid, the withheld fields named), its A4 copy and
# the reduced copy's verdict on the page (OUTDIR/present/). Last, the resident's page
# 「わたしの証明書の記録」 (web/test/browser/test_record.py, 375 px): a log built with the
# CLI (a witness, residents from `akashi subject keygen`, `akashi issue --subject-key`,
# revoke, reissue, 300 other residents' certificates, `akashi log tiles`) served by
# python3 -m http.server; each resident's scan on the page lists exactly what
# `akashi subject scan` finds, also from a mirror-style static copy and from a real
# `akashi mirror`; a tampered copy lists nothing; offline through the service worker
# (OUTDIR/record/).
#
#   scripts/browser-test.sh [OUTDIR]        (default .build/browser-artifacts)
#   SCREENSHOTS_DIR=docs/screenshots scripts/browser-test.sh
#                                           (also copies present-qr-375.png,
#                                           present-verdict-375.png and
#                                           record-375.png there)
#
# Needs: the debug binaries (built here if missing: swift build --product akashi,
# --product akashi-verify), python3 with selenium 4 (pip install selenium, or
# Debian 12: apt-get install -y python3-selenium),
# chromium and chromedriver (Debian: apt-get install -y chromium chromium-driver),
# libzbar0 (already there with libzbar-dev), zbarimg (apt-get install -y zbar-tools) and a Japanese font, fonts-noto-cjk
# (without one the test fails: Japanese would print as boxes). Override with AKASHI_BIN (folder of the
# binaries), CERTS_DIR (the kinds to serve, default certs), CHROMIUM, CHROMEDRIVER;
# HEADED=1 shows the browser.
# Exit 0 when everything passes; 1 when a check fails; 69 when a tool is missing.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in Tests/browser

cd "$(dirname "$0")/.."
repo="$(pwd)"
out="${1:-.build/browser-artifacts}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
bin="${AKASHI_BIN:-$repo/.build/debug}"
certs="${CERTS_DIR:-certs}"
started=$SECONDS

say() { printf '%s\n' "browser-test: $*"; }
die() { printf '%s\n' "browser-test: $2" >&2; exit "$1"; }

# Tools first, with the package that provides each.
command -v python3 >/dev/null || die 69 "python3 is missing (apt-get install -y python3)"
python3 -c 'import selenium, sys; sys.exit(0 if int(selenium.__version__.split(".")[0]) >= 4 else 1)' 2>/dev/null ||
  die 69 "python3 cannot import selenium 4 (pip install selenium, or apt-get install -y python3-selenium)"
if [ -z "${CHROMIUM:-}" ]; then
  for c in chromium chromium-browser google-chrome; do command -v "$c" >/dev/null && { CHROMIUM="$(command -v "$c")"; break; }; done
fi
[ -n "${CHROMIUM:-}" ] || die 69 "no Chromium (apt-get install -y chromium)"
CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver || true)}"
[ -n "$CHROMEDRIVER" ] || die 69 "no chromedriver (apt-get install -y chromium-driver)"
export CHROMIUM CHROMEDRIVER
command -v zbarimg >/dev/null || die 69 "zbarimg is missing: the reduced QR is read back with it (apt-get install -y zbar-tools)"
if command -v fc-list >/dev/null && ! fc-list :lang=ja 2>/dev/null | grep -q .; then
  die 69 "no Japanese font: Japanese would render as boxes (apt-get install -y fonts-noto-cjk)"
fi

for product in akashi akashi-verify; do
  if [ ! -x "$bin/$product" ]; then
    [ -z "${AKASHI_BIN:-}" ] || die 69 "no $bin/$product"
    say "building $product"
    swift build --product "$product"
  fi
done

# Artifacts of an earlier run must not pass for this one's.
rm -f "$out"/*.png "$out"/print.pdf "$out"/trust.json "$out"/serial.txt "$out"/result.json "$out"/failure.html "$out"/server.log

tmp="$(mktemp -d "${TMPDIR:-/tmp}/akashi-browser.XXXXXX")"
server=""
cleanup() {
  status=$?
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
  [ -f "$tmp/server.log" ] && cp "$tmp/server.log" "$out/server.log"
  rm -rf "$tmp"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

password() { python3 -c 'import secrets; print(secrets.token_urlsafe(18))'; }
admin_password="$(password)"
clerk_password="$(password)"

# The verifier URL is fixed at `akashi init` and goes into every QR, so it must
# name the port the server will listen on: take a free port first, then serve on
# it (and still read the port back from serve's "listening" line). If another
# process takes the port in between, start over with a new authority.
port=""
for attempt in 1 2 3; do
  want="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  data="$tmp/authority-$attempt"
  "$bin/akashi" init --data "$data" --origin iizuka.example/akashi/log --name 飯塚市 --code 402052 \
    --verifier-url "http://127.0.0.1:$want/verify/" >"$tmp/init.log"
  printf '%s\n' "$admin_password" | "$bin/akashi" user add --data "$data" --login admin --role admin --name '管理 太郎' >>"$tmp/init.log"
  printf '%s\n' "$clerk_password" | "$bin/akashi" user add --data "$data" --login clerk --role clerk --name '窓口 花子' >>"$tmp/init.log"

  : >"$tmp/server.log"
  "$bin/akashi" serve --data "$data" --port "$want" --certs "$certs" >>"$tmp/server.log" 2>&1 &
  server=$!
  for _ in $(seq 1 300); do # up to 30 s: a debug build starts slowly
    line="$(grep -m1 '^akashi serve: listening on ' "$tmp/server.log" || true)"
    if [ -n "$line" ]; then
      port="$(printf '%s' "$line" | sed -n 's|^akashi serve: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p')"
      break
    fi
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$port" ] && break
  say "server did not start on port $want (attempt $attempt): $(tail -n 3 "$tmp/server.log" | tr '\n' ' ')"
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=""
done
[ -n "$port" ] || die 1 "akashi serve did not start"
[ "$port" = "$want" ] || die 1 "akashi serve listens on $port, not on the port $want in the verifier URL"
base="http://127.0.0.1:$port"
say "server: $base (pid $server), authority $data"

# An API token for comparing the QR with what the JSON API returns.
token="$("$bin/akashi" token create --data "$data" --name browser-test --role clerk 2>>"$tmp/init.log")"

say "running Tests/browser/test_clerk_flow.py"
browser_started=$SECONDS
if ! AKASHI_TEST_PASSWORD="$clerk_password" python3 Tests/browser/test_clerk_flow.py \
  --base "$base" --out "$out" --login clerk --name '窓口 花子'; then
  die 1 "FAIL: the browser test failed (artifacts and failure.png in $out, server log in $out/server.log)"
fi
browser_seconds=$((SECONDS - browser_started))

serial="$(cat "$out/serial.txt")"
# With the service's current status list the printed certificate is valid (exit
# 0); without one it would be genuine but unconfirmed (exit 2).
curl -fsS "$base/status/latest.cose" -o "$out/status.cose" || die 1 "FAIL: GET /status/latest.cose"
say "akashi-verify --trust $out/trust.json --status $out/status.cose $out/print-qr.png"
if ! "$bin/akashi-verify" --trust "$out/trust.json" --status "$out/status.cose" "$out/print-qr.png"; then
  die 1 "FAIL: the QR printed in the browser does not verify as valid"
fi
AKASHI_TEST_TOKEN="$token" python3 Tests/browser/api_qr_check.py --base "$base" --serial "$serial" \
  --png "$out/print-qr.png" --verify "$bin/akashi-verify" --trust "$out/trust.json" --status "$out/status.cose" ||
  die 1 "FAIL: the printed QR does not match the API"

say "running web/test/browser/test_present.py (the holder's reduced copy, 375 px)"
present_args=(--base "$base" --out "$out/present" --verify "$bin/akashi-verify")
[ -n "${SCREENSHOTS_DIR:-}" ] && present_args+=(--screenshots "$SCREENSHOTS_DIR")
if ! AKASHI_TEST_TOKEN="$token" python3 web/test/browser/test_present.py "${present_args[@]}"; then
  die 1 "FAIL: the holder's flow failed (present-failure.png, result.json in $out/present)"
fi

say "running web/test/browser/test_record.py (the resident's record page, 375 px)"
record_args=(--out "$out/record" --akashi "$bin/akashi")
[ -n "${SCREENSHOTS_DIR:-}" ] && record_args+=(--screenshots "$SCREENSHOTS_DIR")
if ! python3 web/test/browser/test_record.py "${record_args[@]}"; then
  die 1 "FAIL: the record page failed (record-failure.png, result.json in $out/record)"
fi

say "PASS in $((SECONDS - started)) s (browser part ${browser_seconds} s); artifacts in $out:"
(cd "$out" && ls -1 *.png print.pdf trust.json present/*.png present/*.pdf record/*.png | sed 's/^/  /')
