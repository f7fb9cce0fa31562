#!/usr/bin/env bash
# Sets up (Debian packages, builds) and runs every test: unit, pool and
# end-to-end with ctest; then all of them again in a build with
# AddressSanitizer and UndefinedBehaviorSanitizer (build-sanitize; the e2e
# tests run its imgbatch); then the libFuzzer targets for 15 s each
# (build-fuzz, clang; scripts/fuzz.sh runs them for longer).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
ctest --test-dir build --output-on-failure -j "$(nproc)" -LE slurm
# The real Slurm test alone and verbose, so that the log shows what the cluster did
# (the four array tasks, the requeue), or why the test was skipped.
ctest --test-dir build --output-on-failure -V -L slurm

# abort_on_error: a report in a forked worker kills it with SIGABRT, so the
# master fails that file and the e2e test that expected it to succeed fails.
# Leaks are checked at exit() in the unit and pool programs and in the master.
# Workers leave with _exit(), where LeakSanitizer does not run, so libvips
# needs no suppressions (a check forced there after vips_shutdown finds none).
BUILD_DIR=build-sanitize scripts/setup.sh -DIMGBATCH_SANITIZE=ON
# The real Slurm test ran above: it drives the cluster scripts and the
# daemons, not imgbatch's memory, so it is not run again here.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1:strict_string_checks=1 \
UBSAN_OPTIONS=print_stacktrace=1:abort_on_error=1 \
    ctest --test-dir build-sanitize --output-on-failure -j "$(nproc)" -LE slurm

BUILD_DIR=build-fuzz CC=clang scripts/setup.sh -DIMGBATCH_FUZZ=ON
ctest --test-dir build-fuzz --output-on-failure -j "$(nproc)" -L fuzz
