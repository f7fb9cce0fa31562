#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ with clang into build-fuzz/ (setup.sh
# installs clang if missing) and runs each for SECONDS (default 300), both at
# once.  New inputs are kept between runs in build-fuzz/corpus-TARGET; the
# seeds in fuzz/corpus are only read.  A crashing input is saved in
# build-fuzz/artifacts-TARGET, and the exit status is then 1.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-300}
targets=(frame cli jpeg_markers sniff)
BUILD_DIR=build-fuzz CC=clang scripts/setup.sh -DIMGBATCH_FUZZ=ON

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
# Artifacts newer than this file are this run's; older ones stay for reference.
started=$(mktemp)
trap 'rm -f "$started"' EXIT

pids=()
for t in "${targets[@]}"; do
    mkdir -p "build-fuzz/corpus-$t" "build-fuzz/artifacts-$t"
    echo "fuzz: fuzz_$t for $seconds s (log: build-fuzz/fuzz-$t.log)"
    "build-fuzz/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
        -artifact_prefix="build-fuzz/artifacts-$t/" "build-fuzz/corpus-$t" "fuzz/corpus/$t" \
        >"build-fuzz/fuzz-$t.log" 2>&1 &
    pids+=($!)
done

status=0
for i in "${!targets[@]}"; do
    t=${targets[$i]}
    rc=0
    wait "${pids[$i]}" || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build-fuzz/fuzz-$t.log")
    corpus=$(find "build-fuzz/corpus-$t" -type f | wc -l)
    crashes=$(find "build-fuzz/artifacts-$t" -type f -newer "$started" | wc -l)
    echo "fuzz_$t: ${execs:-?} executions, corpus $corpus inputs, $crashes crashes (exit $rc)"
    if ((rc || crashes)); then
        status=1
        find "build-fuzz/artifacts-$t" -type f -newer "$started" -printf '  %p\n'
        echo "  the report and its stack: build-fuzz/fuzz-$t.log"
    fi
done
exit $status
