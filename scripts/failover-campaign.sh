#!/usr/bin/env bash
# The failover crash campaign (issue 17): two `akashi serve` nodes on one town's
# log in PostgreSQL, API load through both, kill -9 of a random node at a random
# instant, KILLS times per run, RUNS runs (each on a fresh database); after each
# run every acknowledged serial must be recorded exactly once at the log index it
# was acknowledged with, verify with akashi-verify, and the audit chain verify
# (Tests/AkashiCLITests/PostgresCLITests.swift, twoNodesAndAKill).
#
#   scripts/failover-campaign.sh [TOTAL_KILLS=1000] [KILLS_PER_RUN=100]
#
# Needs a built package (swift build --build-tests) and Debian's postgresql
# (make test-deps); starts its own throw-away cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
total="${1:-1000}"
per="${2:-100}"
runs=$(( (total + per - 1) / per ))
echo "failover campaign: $runs run(s) of $per kill(s) -9"
for run in $(seq 1 "$runs"); do
  out="$(AKASHI_FAILOVER_KILLS="$per" ./scripts/with-postgres.sh swift test --skip-build --filter twoNodesAndAKill 2>&1)" || {
    echo "$out" | tail -40
    echo "failover campaign: run $run FAILED"
    exit 1
  }
  echo "run $run: $(echo "$out" | grep -o 'two nodes: .*' | head -1)"
done
echo "failover campaign: PASS — $(( runs * per )) kills"
