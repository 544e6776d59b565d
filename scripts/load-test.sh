#!/usr/bin/env bash
# Load test of the issuer service (a benchmark, not a test: nothing is asserted).
#
# Builds `akashi` in release mode, creates a fresh authority and a clerk API
# token in a temporary directory, starts `.build/release/akashi serve` on
# loopback and drives `POST /api/v1/certificates` (an energy-origin
# certificate, certs/examples/energy-origin.json) with wrk at 1, 16 and 64
# concurrent connections, DURATION each. Prints issuances/s, latency
# percentiles (wrk --latency) and the server's CPU use per run.
#
#   scripts/load-test.sh                      # 1, 16, 64 clients, 10 s each
#   CLIENTS="64" DURATION=30s scripts/load-test.sh
#   PROFILE=1 scripts/load-test.sh            # perf record -g of the server during the last run
#   SKIP_BUILD=1 KEEP=1 scripts/load-test.sh  # reuse the binary; keep the data directory
#   WITNESSES=3 QUORUM=2 scripts/load-test.sh # the log's checkpoints cosigned by 2 of 3 local
#                                             # `akashi witness` processes (the witnessing cost)
#
# Needs wrk (apt-get install wrk) and curl. wrk and the server share the machine's
# cores, so on a small machine the numbers include wrk's own CPU use.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10s}"
CLIENTS="${CLIENTS:-1 16 64}"
WARMUP="${WARMUP:-3s}"
KIND="${KIND:-energy-origin}"
CORES="$(nproc)"

for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "load-test: $tool is required (apt-get install $tool)" >&2; exit 69; }
done

if [ -z "${SKIP_BUILD:-}" ]; then
  echo "== swift build -c release --product akashi" >&2
  swift build -c release --product akashi >&2
fi
akashi="${AKASHI:-.build/release/akashi}"
[ -x "$akashi" ] || { echo "load-test: $akashi is missing (run without SKIP_BUILD)" >&2; exit 66; }

work="$(mktemp -d "${TMPDIR:-/tmp}/akashi-load.XXXXXX")"
server_pid=""
perf_pid=""
witness_pids=()
cleanup() {
  for pid in "${witness_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  if [ -n "$perf_pid" ] && kill -0 "$perf_pid" 2>/dev/null; then kill -INT "$perf_pid" 2>/dev/null || true; fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null || true
  fi
  if [ -n "${KEEP:-}" ]; then echo "load-test: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

data="$work/authority"
"$akashi" init --data "$data" --origin load.example/akashi/log --name 飯塚市 --code 402052 \
  --verifier-url https://iizuka.example/akashi/verify/ >/dev/null
token="$("$akashi" token create --data "$data" --name load-test --role clerk 2>/dev/null)"
WITNESSES="${WITNESSES:-0}"
if [ "$WITNESSES" -gt 0 ]; then
  vkey="$("$akashi" log verifier-key --data "$data")"
  for i in $(seq "$WITNESSES"); do
    w="$work/witness-$i"
    "$akashi" witness init --data "$w" --name "w$i.example/witness" >/dev/null
    "$akashi" witness add-log --data "$w" --vkey "$vkey" >/dev/null
    LOG_LEVEL=warning "$akashi" witness serve --data "$w" --port 0 > "$w.out" 2> "$w.err" &
    witness_pids+=("$!")
    wport=""
    for _ in $(seq 100); do
      wport="$(sed -n 's|^akashi witness: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$w.out" | head -1)"
      [ -n "$wport" ] && break
      sleep 0.1
    done
    [ -n "$wport" ] || { echo "load-test: witness $i did not start" >&2; cat "$w.err" >&2; exit 70; }
    "$akashi" log witness add --data "$data" --vkey "$("$akashi" witness vkey --data "$w")" \
      --url "http://127.0.0.1:$wport" --quorum "$(( i < ${QUORUM:-$WITNESSES} ? i : ${QUORUM:-$WITNESSES} ))" >/dev/null
  done
  echo "== witnesses: $("$akashi" log witness list --data "$data" | tail -1)" >&2
fi
printf '{"kind":"%s","fields":%s}' "$KIND" "$(cat "certs/examples/$KIND.json")" > "$work/body.json"

LOG_LEVEL=warning "$akashi" serve --data "$data" --port 0 --certs certs \
  > "$work/serve.out" 2> "$work/serve.err" &
server_pid=$!
port=""
for _ in $(seq 300); do
  port="$(sed -n 's|^akashi serve: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/serve.out" | head -1)"
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "load-test: akashi serve did not start" >&2
  cat "$work/serve.out" "$work/serve.err" >&2
  exit 70
fi
base="http://127.0.0.1:$port"
url="$base/api/v1/certificates"

status="$(curl -s -o "$work/first.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
  -H 'Content-Type: application/json' --data-binary "@$work/body.json" "$url")"
if [ "$status" != 201 ]; then
  echo "load-test: a single issuance answered HTTP $status: $(cat "$work/first.json")" >&2
  exit 70
fi

# CPU seconds (user+system) the server has used so far.
server_cpu() {
  local ticks
  ticks="$(awk '{print $14 + $15}' "/proc/$server_pid/stat")"
  echo "$ticks $(getconf CLK_TCK)" | awk '{printf "%.3f", $1 / $2}'
}

log_size() { curl -s "$base/log/checkpoint" | sed -n 2p; }

# CPU seconds (user+system, all processes) the machine has used so far.
machine_cpu() {
  awk -v hz="$(getconf CLK_TCK)" '/^cpu /{printf "%.3f", ($2 + $3 + $4 + $7 + $8) / hz}' /proc/stat
}

export AKASHI_TOKEN="$token" AKASHI_BODY="$work/body.json"
run_wrk() { # connections duration
  local c="$1" d="$2" t
  t=$(( c < CORES ? c : CORES ))
  wrk -t"$t" -c"$c" -d"$d" --timeout 10s --latency -s scripts/load/issue.lua "$url"
}

echo "== warm-up: 4 clients for $WARMUP" >&2
run_wrk 4 "$WARMUP" > "$work/warmup.txt"

last_clients="${CLIENTS##* }"
rows=()
total_created=0
size_before="$(log_size)"
for c in $CLIENTS; do
  echo "== $c concurrent clients for $DURATION: wrk -t$(( c < CORES ? c : CORES )) -c$c -d$DURATION --timeout 10s --latency -s scripts/load/issue.lua $url" >&2
  if [ -n "${PROFILE:-}" ] && [ "$c" = "$last_clients" ]; then
    perf record -F 499 -g -o "$work/perf.data" -p "$server_pid" >/dev/null 2>"$work/perf.err" &
    perf_pid=$!
  fi
  cpu0="$(server_cpu)"
  all0="$(machine_cpu)"
  TIMEFORMAT='%U %S'
  { time run_wrk "$c" "$DURATION" > "$work/wrk-$c.txt"; } 2> "$work/wrk-$c.time"
  cpu1="$(server_cpu)"
  all1="$(machine_cpu)"
  grep -v '^AKASHI' "$work/wrk-$c.txt" >&2
  if [ -n "$perf_pid" ]; then
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" 2>/dev/null || true
    perf_pid=""
  fi
  line="$(grep '^AKASHI ' "$work/wrk-$c.txt")"
  get() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
  seconds="$(get seconds)"
  cpu_pct="$(echo "$cpu0 $cpu1 $seconds" | awk '{printf "%.0f", 100 * ($2 - $1) / $3}')"
  wrk_pct="$(awk -v s="$seconds" '{printf "%.0f", 100 * ($1 + $2) / s}' "$work/wrk-$c.time")"
  # Everything else on the machine (other builds, tests…) during the run: keep it near 0%.
  other_pct="$(echo "$all0 $all1 $seconds $cpu_pct $wrk_pct" | awk '{o = 100 * ($2 - $1) / $3 - $4 - $5; printf "%.0f", o < 0 ? 0 : o}')"
  total_created=$(( total_created + $(get created) ))
  rows+=("$(printf '%7s %9s %10s %8s %8s %8s %8s %7s %7s %8s %8s %8s' "$c" "$(get created)" "$(get rate)" \
    "$(get p50_ms)" "$(get p90_ms)" "$(get p99_ms)" "$(get max_ms)" "$(get other)" "$(get errors)" "$cpu_pct%" "$wrk_pct%" "$other_pct%")")
done
size_after="$(log_size)"

echo
echo "POST /api/v1/certificates ($KIND), witnesses: $WITNESSES (quorum ${QUORUM:-$WITNESSES}), $(nproc) cores, $DURATION per row, release build, loopback, wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}')"
printf '%7s %9s %10s %8s %8s %8s %8s %7s %7s %8s %8s %8s\n' clients issued "issued/s" "p50 ms" "p90 ms" "p99 ms" "max ms" non-201 sockerr "srv CPU" "wrk CPU" "other"
for row in "${rows[@]}"; do echo "$row"; done
echo "log entries added during the runs: $(( size_after - size_before )) (201s counted by wrk: $total_created; requests cut off when wrk stops may be committed without being counted)"
echo "CPU columns: user+system time over the run of akashi serve, of wrk, and of everything else on the machine (100% = one core of $CORES)"

if [ -n "${PROFILE:-}" ] && [ -s "$work/perf.data" ]; then
  echo
  echo "== perf report (server, $last_clients clients): top symbols by self time"
  perf report -i "$work/perf.data" --no-children --sort symbol --percent-limit 1 --stdio 2>/dev/null | grep -E '^ +[0-9]' | head -40
  echo "(perf data kept in $work/perf.data when KEEP=1)"
fi
