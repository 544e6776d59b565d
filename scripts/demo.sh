#!/usr/bin/env bash
# The main job on the embedded SQLite store: create an authority, anchor
# documents in its transparency log, prove and verify them offline, publish tiles.
set -euo pipefail
out="${1:-demo-out}"
akashi=".build/debug/akashi"
rm -rf "$out"
mkdir -p "$out"

echo "== akashi init"
"$akashi" init --data "$out/iizuka" --origin iizuka.example/akashi/log --name 飯塚市 --code 402052 \
  --verifier-url https://iizuka.example/akashi/verify/

echo "== akashi log append (Kumamoto's use case: prove a public document was not altered)"
printf '令和7年度 予算書（公開版）\n' > "$out/budget.txt"
printf '議事録 第3回定例会\n' > "$out/minutes.txt"
"$akashi" log append --data "$out/iizuka" "$out/budget.txt" "$out/minutes.txt"

echo "== akashi log checkpoint"
"$akashi" log checkpoint --data "$out/iizuka"

echo "== akashi log prove --tlog-proof, then verify offline with only the vkey"
"$akashi" log prove --data "$out/iizuka" --file "$out/budget.txt" --tlog-proof > "$out/budget.tlog-proof"
vkey="$("$akashi" log verifier-key --data "$out/iizuka")"
"$akashi" log verify --vkey "$vkey" "$out/budget.tlog-proof" --file "$out/budget.txt"

echo "== an altered document is refused"
printf '令和7年度 予算書（改ざん）\n' > "$out/budget-altered.txt"
if "$akashi" log verify --vkey "$vkey" "$out/budget.tlog-proof" --file "$out/budget-altered.txt"; then
  echo "demo: an altered document verified — this is a bug" >&2; exit 1
fi

echo "== akashi log tiles (static C2SP tlog-tiles for any web server)"
"$akashi" log tiles --data "$out/iizuka" --out "$out/site/log"
find "$out/site" -type f | sort
echo "demo: done"

echo
echo "== certificates: one of each kind from certs/examples, plus a CSV batch"
for kind in residence partnership energy-origin graduation; do
  "$akashi" issue --data "$out/iizuka" --kind "$kind" --input "certs/examples/$kind.json" --out "$out/certificates"
done
"$akashi" issue --data "$out/iizuka" --kind residence --input certs/examples/residence.csv --out "$out/certificates"

echo "== akashi trust export"
"$akashi" trust export --data "$out/iizuka" --out "$out/trust.json"

echo "== akashi status export (the signed revocation list verifiers carry offline)"
"$akashi" status export --data "$out/iizuka" --out "$out/status.cose"

echo "== akashi-verify: read every printed QR image and verify offline (valid: checked against the status list)"
".build/debug/akashi-verify" --trust "$out/trust.json" --status "$out/status.cose" "$out"/certificates/*.png | grep -E '^(✔|✘|？)'
".build/debug/akashi-verify" --trust "$out/trust.json" --status "$out/status.cose" --lang en "$(ls "$out"/certificates/*.png | head -1)"
echo "== without a status list the same certificate is genuine but unconfirmed (exit 2), never invalid"
status=0
".build/debug/akashi-verify" --trust "$out/trust.json" --lang en "$(ls "$out"/certificates/*.png | head -1)" | head -2 || status=$?
".build/debug/akashi-verify" --trust "$out/trust.json" "$(ls "$out"/certificates/*.png | head -1)" > /dev/null || status=$?
[ "$status" = 2 ] || { echo "demo: expected exit 2 (unconfirmed) without a status list, got $status" >&2; exit 1; }
echo "demo: certificates verified"

echo
echo "== the issuer service: akashi serve on the same authority (real HTTP on loopback)"
printf '%s\n' "demo-admin-password-0001" | "$akashi" user add --data "$out/iizuka" --login admin --role admin --name デモ管理者
token="$("$akashi" token create --data "$out/iizuka" --name resident-system --role clerk 2>/dev/null)"
"$akashi" serve --data "$out/iizuka" --port 0 --certs certs > "$out/serve.log" 2>&1 &
serve_pid=$!
trap 'kill "$serve_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q 'listening on' "$out/serve.log" && break; sleep 0.1; done
base="$(sed -n 's/.*listening on \(http:[^ ]*\)\/ .*/\1/p' "$out/serve.log" | head -1)"
echo "service at $base"
body="$(printf '{"kind":"partnership","fields":%s}' "$(cat certs/examples/partnership.json)")"
curl -sS -f -X POST "$base/api/v1/certificates" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d "$body" > "$out/api-issued.json"
cat "$out/api-issued.json"; echo
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["qr"])' "$out/api-issued.json" > "$out/api-qr.txt"
curl -sS -f "$base/trust.json" > "$out/trust-served.json"
curl -sS -f "$base/log/checkpoint"
curl -sS -f "$base/status/latest.cose" > "$out/status-served.cose"
".build/debug/akashi-verify" --trust "$out/trust-served.json" --status "$out/status-served.cose" "$out/api-qr.txt" | head -3
code="$(curl -s -o /dev/null -w '%{http_code}' -X POST "$base/api/v1/certificates" -H 'Content-Type: application/json' -d "$body")"
[ "$code" = 401 ] || { echo "demo: unauthenticated issuance answered $code, not 401" >&2; exit 1; }
kill -TERM "$serve_pid"; wait "$serve_pid"; trap - EXIT
"$akashi" audit verify --data "$out/iizuka"
echo "demo: service verified (SIGTERM stopped it cleanly)"
