#!/usr/bin/env bash
# Browser test of the static web verifier (web/) against the published
# conformance vectors (vectors/index.json):
#
# 1. assembles one site per distinct (trust file, status list) of the vectors in
#    a temporary folder — a copy of web/ + the trust file as trust.json + the
#    status list as status.cose (none when the vectors have none) — and a copy of
#    vectors/ next to them;
# 2. serves that folder from one loopback static server (Python http.server) that
#    sends the verifier's Content-Security-Policy of `akashi serve`, so the page is
#    proven to run under it; stopped on exit (trap);
# 3. runs Tests/browser/test_web_verifier.py in headless Chromium: every vector
#    through the link and through the text field, timings (data-ms), hashchange,
#    keyboard only, English, screenshots at 1280×900 and 375×812, the conformance
#    page, console errors, and offline use through the service worker (last: it
#    stops the server).
#
#   scripts/web-test.sh [OUTDIR]        (default .build/web-artifacts)
#
# Builds nothing: the verifier is plain JS. Needs python3 with selenium 4,
# chromium + chromedriver, a Japanese font (fonts-noto-cjk). Override with
# CHROMIUM, CHROMEDRIVER, WEB_DIR (another copy of web/, e.g. a patched one),
# VECTORS_DIR, WEB_TEST_MS_GOAL (median data-ms goal, default 50); HEADED=1 shows
# the browser.
# Exit 0 when everything passes; 1 when a check fails; 69 when a tool is missing.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in Tests/browser

cd "$(dirname "$0")/.."
repo="$(pwd)"
out="${1:-.build/web-artifacts}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
web="${WEB_DIR:-$repo/web}"
vectors="${VECTORS_DIR:-$repo/vectors}"
started=$SECONDS

say() { printf '%s\n' "web-test: $*"; }
die() { printf '%s\n' "web-test: $2" >&2; exit "$1"; }

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
if command -v fc-list >/dev/null && ! fc-list :lang=ja 2>/dev/null | grep -q .; then
  die 69 "no Japanese font: Japanese would render as boxes (apt-get install -y fonts-noto-cjk)"
fi
[ -f "$web/index.html" ] || die 66 "no $web/index.html"
[ -f "$vectors/index.json" ] || die 66 "no $vectors/index.json"

# Artifacts of an earlier run must not pass for this one's.
rm -f "$out"/verifier-*.png "$out"/conformance.png "$out"/failure-*.png "$out"/failure-*.html "$out"/result.json "$out"/server.log

tmp="$(mktemp -d "${TMPDIR:-/tmp}/akashi-web.XXXXXX")"
server=""
cleanup() {
  status=$?
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill -TERM "$server" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server" 2>/dev/null || true
  fi
  [ -n "$server" ] && wait "$server" 2>/dev/null || true
  [ -f "$tmp/server.log" ] && cp "$tmp/server.log" "$out/server.log"
  rm -rf "$tmp"
  exit $status
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "assembling the sites from $vectors (web: $web)"
python3 Tests/browser/test_web_verifier.py assemble --web "$web" --vectors "$vectors" --root "$tmp/root"

# One server on a free port (bound by the server itself: no race), read back from its first line.
: >"$tmp/server.log"
python3 -u Tests/browser/test_web_verifier.py serve "$tmp/root" >"$tmp/server.out" 2>>"$tmp/server.log" &
server=$!
base=""
for _ in $(seq 1 100); do
  base="$(sed -n 's|^listening on \(http://127\.0\.0\.1:[0-9]*\)/$|\1|p' "$tmp/server.out")"
  [ -n "$base" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
[ -n "$base" ] || die 1 "the static server did not start: $(tail -n 3 "$tmp/server.log" | tr '\n' ' ')"
say "server: $base (pid $server), sites in $tmp/root/sites"

say "running Tests/browser/test_web_verifier.py"
if ! python3 Tests/browser/test_web_verifier.py test --base "$base" --root "$tmp/root" --out "$out" --server-pid "$server"; then
  die 1 "FAIL after $((SECONDS - started)) s: see the failures above (result.json, failure-*.png, server.log in $out)"
fi
say "PASS in $((SECONDS - started)) s; artifacts in $out:"
(cd "$out" && ls -1 *.png result.json | sed 's/^/  /')
