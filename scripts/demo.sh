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

echo "== akashi-verify: read every printed QR image and verify offline"
".build/debug/akashi-verify" --trust "$out/trust.json" "$out"/certificates/*.png | grep -E '^(✔|✘)'
".build/debug/akashi-verify" --trust "$out/trust.json" --lang en "$(ls "$out"/certificates/*.png | head -1)"
echo "demo: certificates verified"
