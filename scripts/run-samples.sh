#!/usr/bin/env bash
# Sets up (Debian packages, build) and runs the main job on the bundled
# samples: every image in samples/ resized to fit 200x150, into out/samples.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
build/imgbatch resize samples "${1:-out/samples}" --size 200x150
