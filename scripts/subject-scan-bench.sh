#!/usr/bin/env bash
# The resident's scan (docs/spec/subject-transparency.md §5) measured beside the
# hardware limit: for each log size, build a log of certificate entries with
# one subject line each (akashi-bench subject-log), serve its tiles on
# loopback, run `akashi subject scan --json` against it, check it found exactly
# the resident's certificates, and report time, entries/s, bytes, and the ratio
# to `openssl speed ecdhx25519` on all cores (one X25519 per subject line).
#
#   scripts/subject-scan-bench.sh [SIZE...]     default: 10000 100000 1000000
#
# Uses the release build (.build/release/akashi, akashi-bench; built if missing).
# A benchmark: it reports, it does not assert speed.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@"); [ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
[ -x .build/release/akashi ] || swift build -c release --product akashi
[ -x .build/release/akashi-bench ] || swift build -c release --product akashi-bench
cores=$(nproc)
x25519=$(openssl speed -multi "$cores" -seconds 3 ecdhx25519 2>/dev/null | awk '/X25519/ {print $NF}' | tail -1)
echo "openssl speed -multi $cores ecdhx25519: $x25519 op/s"
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
port=$((20000 + RANDOM % 20000))
printf "entries\tseconds\tentries/s\tMB downloaded\tratio to X25519 limit\tfound/expected\n"
for n in "${sizes[@]}"; do
  rm -rf "$work/site"
  .build/release/akashi-bench subject-log --certs certs --entries "$n" --out "$work/site" >/dev/null
  (cd "$work/site" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
  server=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/log/checkpoint" >/dev/null && break; sleep 0.1; done
  out=$(.build/release/akashi subject scan --secret "$work/site/resident.key" --from "http://127.0.0.1:$port/log/" --trust "$work/site/trust.json" --json --concurrency 16)
  kill $server; wait $server 2>/dev/null || true
  python3 - "$out" "$work/site/expected.txt" "$n" "$x25519" <<'PY'
import json, sys
out = json.loads(sys.argv[1]); expected = set(open(sys.argv[2]).read().split()); n = int(sys.argv[3]); limit = float(sys.argv[4])
found = {c["serial"] for c in out["certificates"]}
rate = out["subjectLinesTested"] / out["seconds"]
print(f'{n}\t{out["seconds"]:.2f}\t{n / out["seconds"]:.0f}\t{out["bytesDownloaded"] / 1e6:.1f}\t{rate / limit:.0%}\t{len(found & expected)}/{len(expected)}' + ("" if found == expected else "  MISMATCH"))
PY
done
