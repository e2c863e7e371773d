#!/bin/bash
# Builds weft and runs the whole test suite through CTest, once per configuration.
# WEFT_CHECK_CONFIGS picks configurations (default: all of them, in this order):
#   release  Release build, every test under every backend
# Each configuration has its own build directory, so reruns are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
configs=${WEFT_CHECK_CONFIGS:-release}

for config in $configs; do
    case "$config" in
        release)
            dir=build
            args=(-DCMAKE_BUILD_TYPE=Release)
            ;;
        *)
            echo "check: unknown configuration '$config'" >&2
            exit 2
            ;;
    esac
    echo "=== check: $config ($dir) ==="
    cmake -S . -B "$dir" "${args[@]}"
    cmake --build "$dir" -j"$jobs"
    ctest --test-dir "$dir" -j"$jobs" --output-on-failure
done
echo "=== check: all configurations passed: $configs ==="
