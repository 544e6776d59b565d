#!/usr/bin/env bash
# Builds a small real log with the Swift CLI for the resident's scan
# (docs/spec/subject-transparency.md §5): an authority whose checkpoints one
# witness must cosign, two residents (akashi subject keygen), and
#
#   residence    for A                        (valid)
#   partnership  for A and B (A role 0, B 1)  (valid)
#   graduation   for B                        (valid)
#   energy-origin                             (no subject)
#   residence    for A, then revoked (moved)  (revoked)
#   residence    for A, then reissued         (superseded; the successor is A's too)
#   a document entry                          (akashi log append)
#
# then the static tiles (akashi log tiles), the trust file (akashi trust
# export), and what `akashi subject scan --json` finds for each resident.
#
#   web/test/support/make-subject-log.sh OUT     (OUT must not exist)
#
# OTHERS=N first issues N residence certificates for other residents (one CSV,
# a fresh secret each, as for residents who never registered a key), so the
# log spans several entry bundles (256 entries each) and the last is partial.
#
# OUT/log/ (checkpoint, tile/…), OUT/trust.json, OUT/a.key, OUT/b.key (the
# secrets), OUT/a.pub, OUT/b.pub (their key texts, AKP1.…),
# OUT/scan-a.json, OUT/scan-b.json (the Swift scan's output), OUT/issued.json
# ({"a": [serials], "b": [serials], "none": [serials]}), OUT/qr/*.txt.
# AKASHI_BIN: folder of the akashi binary (default .build/debug).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/../../.."
out="$1"
bin="${AKASHI_BIN:-.build/debug}"
akashi="$bin/akashi"
[ -x "$akashi" ] || { echo "make-subject-log: no $akashi (swift build --product akashi)" >&2; exit 69; }
[ -e "$out" ] && { echo "make-subject-log: $out exists" >&2; exit 73; }
mkdir -p "$out/qr"
out="$(cd "$out" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/akashi-subject-log.XXXXXX")"
witness=""
server=""
cleanup() {
  for p in $witness $server; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

data="$work/authority"
"$akashi" init --data "$data" --origin iizuka.example/akashi/log --name 飯塚市 --code 402052 \
  --verifier-url https://iizuka.example/akashi/verify/ >/dev/null

# One witness that must cosign every checkpoint.
"$akashi" witness init --data "$work/witness" --name kaga.example/witness >"$work/witness.vkey"
"$akashi" witness add-log --data "$work/witness" --vkey "$("$akashi" log verifier-key --data "$data")" >/dev/null
"$akashi" witness serve --data "$work/witness" --port 0 >"$work/witness.log" 2>&1 &
witness=$!
url=""
for _ in $(seq 1 300); do
  url="$(sed -n 's|.*listening on \(http://127\.0\.0\.1:[0-9]*\).*|\1|p' "$work/witness.log" | head -1)"
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "make-subject-log: the witness did not start: $(tail -3 "$work/witness.log")" >&2; exit 1; }
"$akashi" log witness add --data "$data" --vkey "$(tail -1 "$work/witness.vkey")" --url "$url" --quorum 1 >/dev/null

a="$("$akashi" subject keygen --out "$out/a.key")"
b="$("$akashi" subject keygen --out "$out/b.key")"
printf '%s\n' "$a" >"$out/a.pub"
printf '%s\n' "$b" >"$out/b.pub"

others="${OTHERS:-0}"
if [ "$others" -gt 0 ]; then
  python3 - "$others" "$work/others.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w", encoding="utf-8") as f:
    f.write("name,kana,birthDate,sex,address,residentSince,householder,relationship\n")
    for i in range(n):
        f.write(f"飯塚 住民{i},いいづか じゅうみん,1980-01-{1 + i % 28:02d},female,福岡県飯塚市新立岩{1 + i % 9}番{1 + i % 7}号,2018-10-01,飯塚 住民{i},世帯主\n")
PY
  mkdir -p "$work/others"
  "$akashi" issue --data "$data" --kind residence --input "$work/others.csv" --out "$work/others" >/dev/null
fi

serial_of() { # the serial of the one new .txt in a folder
  basename "$(ls -t "$1"/*.txt | head -1)" .txt
}
issue() { # kind, input json, keys...
  local kind="$1" input="$2"
  shift 2
  local dir="$work/out-$RANDOM$RANDOM"
  mkdir -p "$dir"
  local args=()
  for k in "$@"; do args+=(--subject-key "$k"); done
  "$akashi" issue --data "$data" --kind "$kind" --input "$input" --out "$dir" "${args[@]}" >/dev/null
  local s
  s="$(serial_of "$dir")"
  cp "$dir/$s.txt" "$out/qr/$s.txt"
  echo "$s"
}

r1="$(issue residence certs/examples/residence.json "$a")"
# Two subject keys take 64 bytes of the QR: the shipped example with its family
# member is over the printable size, so the declarants alone.
cat >"$work/partnership.json" <<'JSON'
{"receiptNumber": "飯塚P-2025-0042", "oathDate": "2025-06-01",
 "partner1Name": "佐賀 みどり", "partner1BirthDate": "1992-02-14", "partner1Address": "福岡県飯塚市芳雄町3番1号",
 "partner2Name": "加賀 あおい", "partner2BirthDate": "1991-11-03", "partner2Address": "福岡県飯塚市芳雄町3番1号"}
JSON
p1="$(issue partnership "$work/partnership.json" "$a" "$b")"
g1="$(issue graduation certs/examples/graduation.json "$b")"
e1="$(issue energy-origin certs/examples/energy-origin.json)"
r2="$(issue residence certs/examples/residence.json "$a")"
"$akashi" revoke --data "$data" "$r2" --reason moved >/dev/null
r3="$(issue residence certs/examples/residence.json "$a")"
mkdir -p "$work/reissued"
"$akashi" reissue --data "$data" "$r3" --out "$work/reissued" >/dev/null
r4="$(serial_of "$work/reissued")"
cp "$work/reissued/$r4.txt" "$out/qr/$r4.txt"
printf 'minutes of the council\n' >"$work/minutes.txt"
"$akashi" log append --data "$data" "$work/minutes.txt" >/dev/null

"$akashi" log tiles --data "$data" --out "$out/log" >/dev/null
"$akashi" trust export --data "$data" --out "$out/trust.json" >/dev/null

printf '{"a": ["%s", "%s", "%s", "%s", "%s"], "b": ["%s", "%s"], "none": ["%s"]}\n' \
  "$r1" "$p1" "$r2" "$r3" "$r4" "$p1" "$g1" "$e1" >"$out/issued.json"

# What the Swift scan finds, from the same files over HTTP.
(cd "$out" && exec python3 -m http.server 0 --bind 127.0.0.1) >"$work/http.log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 100); do
  port="$(sed -n 's|.*port \([0-9]*\).*|\1|p' "$work/http.log" | head -1)"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "make-subject-log: http.server did not start" >&2; exit 1; }
for who in a b; do
  "$akashi" subject scan --secret "$out/$who.key" --from "http://127.0.0.1:$port/log/" --trust "$out/trust.json" --json >"$out/scan-$who.json"
done
echo "make-subject-log: wrote $out ($(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["checkpoint"]["size"])' "$out/scan-a.json") entries)"
