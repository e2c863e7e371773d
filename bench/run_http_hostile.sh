#!/bin/bash
# run_http_hostile.sh [BUILD_DIR]: slowloris and slow-read against weft::http::Server under
# load (bench/http_hostile; docs/reliability.md, "Slowloris and slow-read under load").
# Builds nothing: build the http_hostile target first.
#
# Two runs per backend: wrk alone (--slow 0, the baseline), then wrk with K slowloris and K
# slow-read connections. Each run prints its table and exits non-zero on any FAIL (a slow
# connection open past its deadline + 1 s, or a wrk error). The server process is pinned to
# the first allowed CPU and wrk to the second when there are two.
# Environment: BENCH_DURATION (wrk seconds, default 10), BENCH_SLOW (K, default 8),
# BENCH_BACKENDS (default "epoll io_uring"), BENCH_HEADER_TIMEOUT / BENCH_WRITE_IDLE_TIMEOUT
# (ms, default 2000).
set -euo pipefail

build=${1:-${WEFT_BUILD:-build}}
bin=$build/bench/http_hostile
[[ -x $bin ]] || { echo "run_http_hostile: $bin not found; build its target first" >&2; exit 2; }
duration=${BENCH_DURATION:-10}
slow=${BENCH_SLOW:-8}
backends=${BENCH_BACKENDS:-epoll io_uring}
args=(--seconds "$duration" --header-timeout "${BENCH_HEADER_TIMEOUT:-2000}"
      --write-idle-timeout "${BENCH_WRITE_IDLE_TIMEOUT:-2000}")
ulimit -n 4096 2>/dev/null || true

read -ra cpus < <(taskset -pc $$ 2>/dev/null | awk -F': ' '{ print $2 }' | tr ',-' '  ')
server_pin=()
if ((${#cpus[@]} >= 2)); then
    server_pin=(taskset -c "${cpus[0]}")
    args+=(--wrk-cpus "${cpus[1]}")
fi

status=0
for backend in $backends; do
    for k in 0 "$slow"; do
        "${server_pin[@]}" "$bin" --backend "$backend" --slow "$k" "${args[@]}" || status=1
        echo
    done
done
exit $status
