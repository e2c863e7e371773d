#!/bin/bash
# run_line_echo.sh [BUILD_DIR]: the framing benchmark. weft's line echo server (read_line /
# write_line over pooled buffers, bench/line_echo) against weft's raw echo server
# (examples/echo_server, read_some / write_all), 1000 connections x 64 B ping-pong, every
# message one line (echo_load --framing line). Target: line >= 0.9 x raw, 0 heap
# allocations per line in steady state.
#
# Rounds alternate ABBA; the table gives the medians and the line/raw ratio of each round.
# Allocations: two COUNTERS snapshots of line_echo (SIGUSR1) inside one measured window.
# Environment: BENCH_ROUNDS (default 3), BENCH_DURATION (default 5), BENCH_WARMUP (default
# 1), BENCH_BACKEND (both servers and the load generator, default epoll), BENCH_PORT
# (default 17600). Server pinned to the first allowed CPU, load generator to the second.
set -euo pipefail

build=${1:-${WEFT_BUILD:-build}}
rounds=${BENCH_ROUNDS:-3}
duration=${BENCH_DURATION:-5}
warmup=${BENCH_WARMUP:-1}
backend=${BENCH_BACKEND:-epoll}
port=${BENCH_PORT:-17600}
raw=$build/examples/echo_server
line=$build/bench/line_echo
load=$build/bench/echo_load
for bin in "$raw" "$line" "$load"; do
    [[ -x $bin ]] || { echo "run_line_echo: $bin not found; build $build first" >&2; exit 2; }
done
ulimit -n 4096 2>/dev/null || true

read -ra cpus < <(taskset -pc $$ 2>/dev/null | awk -F': ' '{ print $2 }' | tr ',-' '  ')
server_pin=() load_pin=()
if ((${#cpus[@]} >= 2)); then
    server_pin=(taskset -c "${cpus[0]}") load_pin=(taskset -c "${cpus[1]}")
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/run_line_echo.XXXXXX")
server_pid=""
trap 'kill $server_pid 2>/dev/null || true; rm -rf "$logs"' EXIT

# run NAME BINARY [counted]: one server, one load run; appends rt/s to $logs/NAME.
run() {
    local name=$1 bin=$2 counted=${3:-} addr=127.0.0.1:$port
    port=$((port + 1))
    "${server_pin[@]}" "$bin" "$addr" --threads 1 --backend "$backend" >"$logs/$name.out" 2>&1 &
    server_pid=$!
    for _ in $(seq 200); do grep -q listening "$logs/$name.out" && break; sleep 0.025; done
    "${load_pin[@]}" "$load" "$addr" --connections 1000 --size 64 --framing line \
        --duration "$duration" --warmup "$warmup" --backend "$backend" >"$logs/load.out" 2>&1 &
    local load_pid=$!
    if [[ -n $counted ]]; then  # snapshots 0.5 s into and 0.5 s before the end of the window
        until grep -q "connections up" "$logs/load.out"; do sleep 0.01; done
        sleep "$(awk -v w="$warmup" 'BEGIN { print w + 0.5 }')"
        kill -USR1 "$server_pid"
        sleep "$(awk -v d="$duration" 'BEGIN { print d - 1 }')"
        kill -USR1 "$server_pid"
    fi
    wait "$load_pid" || { cat "$logs/load.out" >&2; exit 1; }
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
    grep '^RESULT' "$logs/load.out" | sed 's/.*rt_per_s=\([0-9]*\).*/\1/' >>"$logs/$name"
    echo "  $name: $(tail -n 1 "$logs/$name") round trips/s" >&2
}

echo "run_line_echo: $rounds rounds of ${duration} s, backend $backend, load average $(cut -d' ' -f1 /proc/loadavg)" >&2
for ((r = 0; r < rounds; ++r)); do
    if ((r % 2 == 0)); then run raw "$raw"; run line "$line"; else run line "$line"; run raw "$raw"; fi
done
run counted "$line" counted

median() { sort -g "$1" | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
raw_m=$(median "$logs/raw") line_m=$(median "$logs/line")
per_round=$(paste "$logs/line" "$logs/raw" | awk '{ printf "%s%.3f", (NR > 1 ? " " : ""), $1 / $2 }')
allocs=$(grep '^COUNTERS' "$logs/counted.out" | tail -n 2 | awk '{
    for (i = 2; i <= NF; ++i) { split($i, p, "="); if (NR == 1) a[p[1]] = p[2]; else b[p[1]] = p[2] }
} END {
    n = b["reads"] - a["reads"]; k = b["allocs"] - a["allocs"]
    printf "%d allocations over %d lines (%.4f per line)", k, n, (n > 0 ? k / n : 0)
}')
cat <<TABLE
| 1000 x 64 B, one line per message ($backend) | round trips/s (median of $rounds) |
|---|---:|
| weft raw echo (read_some/write_all) | $raw_m |
| weft line echo (read_line/write_line) | $line_m |
| line / raw | $(awk -v a="$line_m" -v b="$raw_m" 'BEGIN { printf "%.3f", a / b }') (per round: $per_round) |

Steady state, line_echo: $allocs.
TABLE
