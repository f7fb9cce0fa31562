#!/usr/bin/env bash
# Sets up (Debian packages, build) and runs every test: unit, pool and
# end-to-end with ctest, then the unit and pool tests again in a build with
# AddressSanitizer and UndefinedBehaviorSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
ctest --test-dir build --output-on-failure -j "$(nproc)"

BUILD_DIR=build-sanitize scripts/setup.sh -DIMGBATCH_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-sanitize --output-on-failure -j "$(nproc)" -L 'unit|pool'
