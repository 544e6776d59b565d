#!/usr/bin/env bash
# libFuzzer runs of every parser that reads bytes from outside (docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Builds the harnesses of Fuzz/ once (release, -sanitize=fuzzer,address, scratch path
# .build-fuzz), then runs each TARGET (default: all) for SECONDS (default 60) on a copy of
# its seed corpus (Tests/fuzz/corpus/<target>/) in a work directory outside the repository;
# new corpus entries and crash files stay there. Prints executions, exec/s and crashes per
# target; exits 1 if any target crashed (its crash file and the command that reproduces it
# are printed), 2 on a usage or build error.
#
# Environment:
#   FUZZ_WORK=DIR        work directory (default: a new mktemp -d); kept afterwards
#   FUZZ_NO_BUILD=1      do not build (use the binaries already in .build-fuzz)
#   FUZZ_SCRATCH=DIR     SwiftPM scratch path (default: .build-fuzz in the repository)
#   FUZZ_TIMEOUT=S       libFuzzer -timeout per input (default 10)
#   FUZZ_ARGS="..."      more libFuzzer flags, e.g. FUZZ_ARGS="-jobs=2 -workers=2" or "-max_len=65536"
#                        (docs/fuzzing.md, "Findings")
#   SWIFT=swift          the Swift driver
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
ALL=(qr-text cbor cose cwt-claims disclosures compact-proof signed-note checkpoint tlog-policy tlog-proof tiles log-entry trust-file status-list verify)

SECS=${1:-60}
if [ $# -gt 0 ]; then shift; fi
if ! [[ "$SECS" =~ ^[0-9]+$ ]] || [ "$SECS" -lt 1 ]; then
  echo "usage: scripts/fuzz.sh [SECONDS] [TARGET...]   targets: ${ALL[*]}" >&2
  exit 2
fi
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then TARGETS=("${ALL[@]}"); fi
for t in "${TARGETS[@]}"; do
  if [[ " ${ALL[*]} " != *" $t "* ]]; then
    echo "unknown fuzz target '$t'; targets: ${ALL[*]}" >&2
    exit 2
  fi
done

SWIFT=${SWIFT:-swift}
# libFuzzer's own deadly-signal handler prints the stack trace; the Swift runtime's
# backtracer, run inside an ASan process, reports its own memory reads as ASan errors.
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
SCRATCH=${FUZZ_SCRATCH:-$ROOT/.build-fuzz}
BIN=$SCRATCH/release

WORK=${FUZZ_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/akashi-fuzz.XXXXXX")}
mkdir -p "$WORK"

if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  echo "== building the fuzz harnesses (release, -sanitize=fuzzer,address) into $SCRATCH"
  start=$(date +%s)
  build_rc=0
  "$SWIFT" build --package-path Fuzz -c release -Xswiftc -sanitize=fuzzer,address --scratch-path "$SCRATCH" \
    >"$WORK/build.log" 2>&1 || build_rc=$?
  # ld.gold warns once per binary about an ASan symbol it cannot export; harmless.
  grep -v "Cannot export local symbol '__asan_extra_spill_area'" "$WORK/build.log" | grep -v '^\[[0-9]*/[0-9]*\] ' || true
  if [ "$build_rc" != 0 ]; then
    echo "fuzz: the build failed (log: $WORK/build.log)" >&2
    exit 2
  fi
  echo "== built in $(( $(date +%s) - start )) s"
fi
for t in "${TARGETS[@]}"; do
  if [ ! -x "$BIN/fuzz-$t" ]; then
    echo "fuzz: $BIN/fuzz-$t is missing (build first, or unset FUZZ_NO_BUILD)" >&2
    exit 2
  fi
done
echo "== work directory $WORK (corpus copies, logs, crash files)"

crashed=0
summary=()
for t in "${TARGETS[@]}"; do
  dir=$WORK/$t
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp -R "$ROOT/Tests/fuzz/corpus/$t/." "$dir/corpus/"
  dict=()
  if [ -f "$ROOT/Tests/fuzz/dict/$t.dict" ]; then dict=(-dict="$ROOT/Tests/fuzz/dict/$t.dict"); fi
  before=$(find "$dir/artifacts" -type f | wc -l)
  echo "== fuzz-$t for ${SECS} s"
  rc=0
  # shellcheck disable=SC2086
  (cd "$dir" && "$BIN/fuzz-$t" -max_total_time="$SECS" -rss_limit_mb=2048 -timeout="${FUZZ_TIMEOUT:-10}" \
      -print_final_stats=1 -artifact_prefix="$dir/artifacts/" "${dict[@]}" ${FUZZ_ARGS:-} corpus) >"$dir/log" 2>&1 || rc=$?
  # With -jobs=N libFuzzer writes each job's log to fuzz-<i>.log in the working directory.
  logs=("$dir/log")
  for f in "$dir"/fuzz-*.log; do if [ -f "$f" ]; then logs+=("$f"); fi; done
  execs=$(cat "${logs[@]}" | grep '^stat::number_of_executed_units:' | awk '{s += $2} END {print s + 0}')
  speed=$(cat "${logs[@]}" | grep '^stat::average_exec_per_sec:' | awk '{s += $2} END {print s + 0}')
  corpus_n=$(find "$dir/corpus" -type f | wc -l)
  artifacts=$(find "$dir/artifacts" -type f | sort)
  n=$(( $(printf '%s' "$artifacts" | grep -c . || true) - before ))
  if [ "$rc" != 0 ] && [ "$n" -le 0 ]; then n=1; fi
  line=$(printf '%-14s %12s execs %8s exec/s %5s crashes  corpus %5s' "$t" "$execs" "$speed" "$n" "$corpus_n")
  if [ "$n" -gt 0 ]; then
    crashed=1
    echo "!! fuzz-$t failed (exit $rc); the end of its log ($dir/log):"
    cat "${logs[@]}" | grep -v '^stat::' | tail -n 60 | sed 's/^/   /'
    for a in $artifacts; do
      echo "!! crash file: $a"
      echo "!!   reproduce: $BIN/fuzz-$t $a"
      line="$line  $a"
    done
  fi
  echo "$line"
  summary+=("$line")
done

echo "== summary (${SECS} s per target; work directory $WORK)"
printf '%s\n' "${summary[@]}"
if [ "$crashed" != 0 ]; then
  echo "fuzz: CRASHES FOUND (see above; save a reproducer under Tests/fuzz/crashes/)" >&2
  exit 1
fi
echo "fuzz: no crashes"
