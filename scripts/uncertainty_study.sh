#!/usr/bin/env bash
# The baseline uncertainty study quoted in README.md: the distribution of the conductor's gain over
# the baseline's uncertain: ranges, then one-at-a-time, Morris and Sobol' sensitivity. Each command
# keeps its finished runs in <out>/cells/, so running this again after a stop resumes.
#   scripts/uncertainty_study.sh              # writes results/baseline-{uncertainty,oat,morris,sobol}/
#   SIM="python -m sim" OUT=/tmp/study scripts/uncertainty_study.sh
set -euo pipefail
cd "$(dirname "$0")/.."
SIM=${SIM:-campaign-sim}
OUT=${OUT:-results}
SCENARIO=scenarios/baseline.yaml

run() {
    local start=$SECONDS
    $SIM "$@"
    echo "elapsed: $((SECONDS - start)) s for: $*"
}

run uncertainty "$SCENARIO" --samples 64 --replications 2 --seed 1 --out "$OUT/baseline-uncertainty"
run sensitivity "$SCENARIO" --method oat --replications 10 --seed 1 --out "$OUT/baseline-oat"
run sensitivity "$SCENARIO" --method morris --samples 10 --replications 2 --seed 1 \
    --out "$OUT/baseline-morris"
run sensitivity "$SCENARIO" --method sobol --samples 64 --replications 2 --seed 1 \
    --out "$OUT/baseline-sobol"
