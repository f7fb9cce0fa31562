#!/usr/bin/env bash
# Installs what imgbatch needs from Debian's packages (only what is missing)
# and builds it into build/ (or $BUILD_DIR).  Extra arguments go to cmake,
# e.g. scripts/setup.sh -DIMGBATCH_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."

# clang and libclang-rt-dev (libFuzzer and clang's sanitizer runtimes; clang only
# recommends it, and recommends are not installed here) are for scripts/fuzz.sh.
# The tests also use GNU parallel (shards run side by side), Prometheus' own
# Python parser (the metrics file), groff (the man page), strace (to stall a
# shard at its exit), the AVIF, JPEG XL and WebP formats' own decoders (avifdec, djxl,
# dwebp), which read back every output of those formats, and PyYAML (the Kubernetes Job's
# manifest). tests/e2e/test_slurm.py installs slurm-wlm and munge itself, when it can run
# them.
packages=(build-essential cmake pkg-config libvips-dev libturbojpeg0-dev libjpeg62-turbo-dev
          liblcms2-dev libpng-dev libheif-dev libde265-dev libdeflate-dev libwebp-dev python3 python3-pil clang libclang-rt-dev parallel
          python3-prometheus-client groff-base strace libavif-bin libjxl-tools webp python3-yaml)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
echo "setup: built $build/imgbatch"
