#!/bin/bash
# Builds weft and runs the test suite through CTest, once per configuration.
# WEFT_CHECK_CONFIGS picks configurations (default: release asan tsan fuzz, in this order):
#   release  Release build, every test under every backend
#   asan     AddressSanitizer + UndefinedBehaviorSanitizer build of the whole suite
#   tsan     ThreadSanitizer build of the scheduler, channel, wake-up race and sync tests
#   fuzz     clang + libFuzzer (WEFT_FUZZ=ON): builds only the parser fuzz targets and runs
#            the CTest label "fuzz" (60 s per target, two at a time)
# The sanitizer configurations link Boost.Context/Fiber rebuilt with ucontext and
# sanitizer-annotated fiber switches (scripts/build-sanitizer-boost.sh; built once, cached
# outside the repository). docs/reliability.md explains them.
# Each configuration has its own build directory (build, build-asan, build-tsan, each with
# WEFT_CHECK_BUILD_SUFFIX appended), so reruns are incremental.
set -euo pipefail
cd "$(dirname "$0")/.."

jobs=$(nproc)
configs=${WEFT_CHECK_CONFIGS:-release asan tsan fuzz}
suffix=${WEFT_CHECK_BUILD_SUFFIX:-}
# The ThreadSanitizer subset: the tests of the scheduler, channels and cross-thread wake-ups.
tsan_tests="test_scheduler test_channel test_waiter_races test_sync"
# tests/threads (std::thread tests of the hand-off code) is not a weft_add_test executable and
# is built and run in every configuration.
sanitizer_env=(
    "ASAN_OPTIONS=detect_leaks=1"
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1"
    "TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1"
)

for config in $configs; do
    tests=""
    run_env=()
    case "$config" in
        release)
            dir=build$suffix
            args=(-DCMAKE_BUILD_TYPE=Release)
            ;;
        asan)
            dir=build-asan$suffix
            boost=$(./scripts/build-sanitizer-boost.sh asan)
            args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEFT_SANITIZE=address,undefined
                  "-DWEFT_SANITIZER_BOOST=$boost" -DWEFT_BUILD_BENCH=OFF)
            run_env=("${sanitizer_env[@]}")
            ;;
        tsan)
            dir=build-tsan$suffix
            boost=$(./scripts/build-sanitizer-boost.sh tsan)
            args=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEFT_SANITIZE=thread
                  "-DWEFT_SANITIZER_BOOST=$boost" -DWEFT_BUILD_BENCH=OFF
                  -DWEFT_BUILD_EXAMPLES=OFF)
            tests=${tsan_tests// /;}
            run_env=("${sanitizer_env[@]}")
            ;;
        fuzz)
            # Only the fuzz targets are built (target weft_fuzz) and run, so this
            # configuration does not depend on the rest of the tree building with clang.
            dir=build-fuzz$suffix
            echo "=== check: $config ($dir) ==="
            cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang \
                -DCMAKE_CXX_COMPILER=clang++ -DWEFT_FUZZ=ON -DWEFT_BUILD_BENCH=OFF \
                -DWEFT_BUILD_EXAMPLES=OFF
            cmake --build "$dir" -j"$jobs" --target weft_fuzz
            ctest --test-dir "$dir" -j"$jobs" -L fuzz --output-on-failure
            continue
            ;;
        *)
            echo "check: unknown configuration '$config'" >&2
            exit 2
            ;;
    esac
    echo "=== check: $config ($dir) ==="
    start=$SECONDS
    cmake -S . -B "$dir" "${args[@]}" "-DWEFT_TESTS=$tests"
    cmake --build "$dir" -j"$jobs"
    env "${run_env[@]}" ctest --test-dir "$dir" -j"$jobs" --output-on-failure
    echo "=== check: $config passed in $((SECONDS - start)) s ==="
done
echo "=== check: all configurations passed: $configs ==="
