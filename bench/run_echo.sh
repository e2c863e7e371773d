#!/bin/bash
# run_echo.sh [BUILD_DIR]: weft's echo server on both backends against hand-written C echo
# servers on epoll and on io_uring, side by side in one run.
#
# Builds nothing: BUILD_DIR (or $WEFT_BUILD, default build/) must already hold
# examples/echo_server, bench/echo_load, bench/epoll_echo, bench/uring_echo and
# bench/weft_echo_counted. One server at a time runs pinned to one CPU and the load generator
# to another. Servers: C epoll_echo, weft on epoll, weft on io_uring, C uring_echo (and, with
# BENCH_BUF_RING=1, uring_echo --buf-ring: provided buffers). Scenarios: 1000 connections x
# 64 B ping-pong, and 64 connections x 64 B with 16 messages in flight. The servers take turns
# in ABBA order over the rounds (odd rounds in the order above, even rounds reversed), so each
# weft server runs next to its C baseline in every round; the table shows the median of the
# rounds, and each weft/C ratio both of those medians and per round. A last pair of runs per
# backend against weft_echo_counted reports heap allocations per round trip in steady state
# (between the end of warm-up and the end of the run). Every process it starts is killed on
# exit.
#
# Environment: BENCH_DURATION (measured seconds per run, default 5, at least 1),
# BENCH_WARMUP (default 1), BENCH_ROUNDS (default 3), BENCH_PORT (first of eight ports,
# default 17000), BENCH_BUF_RING (1: also uring_echo --buf-ring), BENCH_LOAD_BACKEND (the
# load generator's backend, default epoll), BENCH_SERVER_CPU and BENCH_LOAD_CPU (default: the
# first two CPUs this process may use).
set -euo pipefail

build=${1:-${WEFT_BUILD:-build}}
duration=${BENCH_DURATION:-5}
warmup=${BENCH_WARMUP:-1}
rounds=${BENCH_ROUNDS:-3}
port=${BENCH_PORT:-17000}
buf_ring=${BENCH_BUF_RING:-0}
load_backend=${BENCH_LOAD_BACKEND:-epoll}
margin=0.3 # seconds kept clear of each end of the measured window when sampling counters

weft_server=$build/examples/echo_server
epoll_server=$build/bench/epoll_echo
uring_server=$build/bench/uring_echo
counted_server=$build/bench/weft_echo_counted
load=$build/bench/echo_load
for bin in "$weft_server" "$epoll_server" "$uring_server" "$counted_server" "$load"; do
    if [[ ! -x $bin ]]; then
        echo "run_echo: $bin not found; build first:" >&2
        echo "  cmake -S . -B $build -DCMAKE_BUILD_TYPE=Release && cmake --build $build -j" >&2
        exit 2
    fi
done
if ! awk -v d="$duration" 'BEGIN { exit !(d >= 1) }'; then
    echo "run_echo: BENCH_DURATION must be at least 1 second" >&2
    exit 2
fi

logs=$(mktemp -d "${TMPDIR:-/tmp}/run_echo.XXXXXX")
server_pid="" # the server and load generator now running, if any: killed on exit
load_pid=""
cleanup() {
    local pid
    for pid in $load_pid $server_pid; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$logs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- CPUs: server on one, load generator on another -------------------------------------
allowed_cpus() {
    local list part
    list=$(awk '/^Cpus_allowed_list/ { print $2 }' /proc/self/status)
    for part in ${list//,/ }; do
        if [[ $part == *-* ]]; then
            seq "${part%-*}" "${part#*-}"
        else
            echo "$part"
        fi
    done
}
mapfile -t cpus < <(allowed_cpus)
server_pin=()
load_pin=()
if ((${#cpus[@]} >= 2)) && command -v taskset >/dev/null; then
    server_pin=(taskset -c "${BENCH_SERVER_CPU:-${cpus[0]}}")
    load_pin=(taskset -c "${BENCH_LOAD_CPU:-${cpus[1]}}")
    pin_note="server on CPU ${server_pin[2]}, load generator on CPU ${load_pin[2]}"
else
    pin_note="not pinned (fewer than 2 CPUs, or no taskset)"
fi

# --- file descriptors: 1000 connections per process plus slack ---------------------------
need_fds=1100
if (($(ulimit -n) < need_fds)); then
    if ! ulimit -n "$need_fds" 2>/dev/null; then
        echo "run_echo: need $need_fds file descriptors; ulimit -Hn is $(ulimit -Hn)" >&2
        exit 2
    fi
fi

tick=$(getconf CLK_TCK)
# sample: CPU ticks (user + system) of the server and the load generator, and the time, without
# forking (forks are slow on a busy box and would blur the window). A gone process reads -1.
sample() {
    local f
    sample_t=$EPOCHREALTIME
    sample_server=-1 sample_load=-1
    if read -ra f <"/proc/$server_pid/stat" 2>/dev/null; then sample_server=$((f[13] + f[14])); fi
    if read -ra f <"/proc/$load_pid/stat" 2>/dev/null; then sample_load=$((f[13] + f[14])); fi
}

# start_server NAME ADDRESS BINARY ARGS...: starts it pinned, waits until it listens. The
# address goes last, except for uring_echo, whose flag follows it.
start_server() {
    local name=$1 address=$2 bin=$3
    shift 3
    local args=("$@")
    if [[ $bin == "$uring_server" ]]; then
        "${server_pin[@]}" "$bin" "$address" "${args[@]}" >"$logs/$name.out" 2>&1 &
    else
        "${server_pin[@]}" "$bin" "${args[@]}" "$address" >"$logs/$name.out" 2>&1 &
    fi
    server_pid=$!
    for _ in $(seq 200); do
        if grep -q "listening" "$logs/$name.out"; then
            return 0
        fi
        if ! kill -0 "$server_pid" 2>/dev/null; then
            break
        fi
        sleep 0.025
    done
    echo "run_echo: $name did not start:" >&2
    cat "$logs/$name.out" >&2
    exit 1
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
}

# measure NAME ADDRESS CONNS PIPELINE [counted]: one load run; appends
# "rt_per_s mb_per_s p50 p99 p999 server_cpu_pct server_cpu_us_per_rt load_cpu_pct" to
# $logs/NAME.txt. CPU times (and, for the counted server, its COUNTERS line) are sampled
# inside the measured window.
measure() {
    local name=$1 address=$2 conns=$3 pipeline=$4 counted=${5:-}
    local out=$logs/load.out
    "${load_pin[@]}" "$load" "$address" --connections "$conns" --size 64 \
        --pipeline "$pipeline" --duration "$duration" --warmup "$warmup" \
        --backend "$load_backend" >"$out" 2>&1 &
    load_pid=$!
    # The measured window starts $warmup s after echo_load reports its connections up.
    for _ in $(seq 1000); do
        if grep -q "connections up" "$out" || ! kill -0 "$load_pid" 2>/dev/null; then break; fi
        sleep 0.01
    done
    sleep "$first_sample_after"
    sample
    local t0=$sample_t c0=$sample_server l0=$sample_load
    if [[ -n $counted ]]; then kill -USR1 "$server_pid" 2>/dev/null || true; fi
    sleep "$sampled_span"
    sample
    if [[ -n $counted ]]; then kill -USR1 "$server_pid" 2>/dev/null || true; fi
    local rc=0
    wait "$load_pid" || rc=$?
    load_pid=""
    if ((rc != 0)); then
        echo "run_echo: echo_load against $name failed (exit $rc):" >&2
        cat "$out" >&2
        exit 1
    fi
    local result
    result=$(grep '^RESULT ' "$out")
    echo "  $name: ${result#RESULT }" >&2
    awk -v r="$result" -v t0="$t0" -v t1="$sample_t" -v c0="$c0" -v c1="$sample_server" \
        -v l0="$l0" -v l1="$sample_load" -v hz="$tick" 'BEGIN {
        n = split(r, kv, " ")
        for (i = 2; i <= n; ++i) { split(kv[i], p, "="); v[p[1]] = p[2] }
        wall = t1 - t0
        if (c0 < 0 || c1 < 0 || l0 < 0 || l1 < 0 || wall <= 0) { cpu = "nan"; us = "nan"; lcpu = "nan" }
        else {
            cpu = sprintf("%.1f", 100 * (c1 - c0) / hz / wall)
            us = sprintf("%.2f", 1e6 * (c1 - c0) / hz / (v["rt_per_s"] * wall))
            lcpu = sprintf("%.1f", 100 * (l1 - l0) / hz / wall)
        }
        print v["rt_per_s"], v["mb_per_s"], v["p50_us"], v["p99_us"], v["p999_us"], cpu, us, lcpu
    }' >>"$logs/$name.txt"
}

# median FILE COLUMN: the median of a column (mean of the middle two for an even count),
# skipping "nan" (a sample that missed its process); "n/a" if nothing is left.
median() {
    awk -v c="$2" '$c != "nan" { print $c }' "$1" | sort -g | awk '{ a[NR] = $1 } END {
        if (NR == 0) print "n/a"; else if (NR % 2) print a[(NR + 1) / 2];
        else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# paired_ratios SCENARIO A B: A/B rt/s of each round (A and B run next to each other in every
# round, so they share the box's mood), as "median [min–max]".
paired_ratios() {
    paste -d' ' "$logs/$1-$2.txt" "$logs/$1-$3.txt" | awk '{ print $1 / $9 }' | sort -g |
        awk '{ a[NR] = $1 } END {
            m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
            printf "%.3f [%.3f–%.3f]", m, a[1], a[NR] }'
}

first_sample_after=$(awk -v w="$warmup" -v m="$margin" 'BEGIN { print w + m }')
sampled_span=$(awk -v d="$duration" -v m="$margin" 'BEGIN { print d - 2 * m }')
scenarios=("pingpong 1000 1" "pipelined 64 16")
# name|label|baseline to compare with (empty for a baseline)
servers=("c-epoll|C epoll_echo|" "weft-epoll|weft echo_server, epoll|c-epoll"
    "weft-uring|weft echo_server, io_uring|c-uring" "c-uring|C uring_echo|")
if [[ $buf_ring == 1 ]]; then
    servers+=("c-uring-br|C uring_echo --buf-ring|c-uring")
fi

run_one() { # run_one SERVER SCENARIO CONNS PIPELINE
    local addr i
    for i in "${!servers[@]}"; do
        if [[ ${servers[$i]%%|*} == "$1" ]]; then addr=127.0.0.1:$((port + i)); fi
    done
    case $1 in
    c-epoll) start_server "$2-$1" "$addr" "$epoll_server" ;;
    c-uring) start_server "$2-$1" "$addr" "$uring_server" ;;
    c-uring-br) start_server "$2-$1" "$addr" "$uring_server" --buf-ring ;;
    weft-epoll) start_server "$2-$1" "$addr" "$weft_server" --threads 1 --backend epoll ;;
    weft-uring) start_server "$2-$1" "$addr" "$weft_server" --threads 1 --backend io_uring ;;
    esac
    measure "$2-$1" "$addr" "$3" "$4"
    stop_server
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for s in "${scenarios[@]}"; do
    read -r scen conns pipeline <<<"$s"
    for ((r = 1; r <= rounds; ++r)); do
        echo "run_echo: $scen ($conns x 64 B, pipeline $pipeline), round $r of $rounds" >&2
        order=()
        for entry in "${servers[@]}"; do order+=("${entry%%|*}"); done
        if ((r % 2 == 0)); then
            for ((i = 0, j = ${#order[@]} - 1; i < j; ++i, --j)); do
                tmp=${order[i]} order[i]=${order[j]} order[j]=$tmp
            done
        fi
        for server in "${order[@]}"; do
            run_one "$server" "$scen" "$conns" "$pipeline"
        done
    done
done

echo "run_echo: allocation count (weft_echo_counted)" >&2
counted_addr=127.0.0.1:$((port + 7))
for backend in epoll io_uring; do
    for s in "${scenarios[@]}"; do
        read -r scen conns pipeline <<<"$s"
        start_server "$scen-counted-$backend" "$counted_addr" "$counted_server" --threads 1 \
            --backend "$backend"
        measure "$scen-counted-$backend" "$counted_addr" "$conns" "$pipeline" counted
        stop_server
    done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- report --------------------------------------------------------------------------------
echo "## echo: weft (epoll, io_uring) vs hand-written C (epoll, io_uring)"
echo
echo "- machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)," \
    "Linux $(uname -r); $pin_note"
echo "- load average before / after: $load_before / $load_after"
echo "- each run: ${warmup} s warm-up + ${duration} s measured, 64 B messages;" \
    "median of $rounds rounds; weft: examples/echo_server --threads 1 --backend B;" \
    "echo_load --backend $load_backend"
echo
echo "| scenario | server | rt/s | MB/s | p50 µs | p99 µs | p99.9 µs | server CPU % | server CPU µs/rt | load gen CPU % | vs baseline rt/s | same, per round: median [min–max] |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
for s in "${scenarios[@]}"; do
    read -r scen conns pipeline <<<"$s"
    label="$conns conns × 64 B, pipeline $pipeline"
    for entry in "${servers[@]}"; do
        IFS='|' read -r name title base <<<"$entry"
        file=$logs/$scen-$name.txt
        rt=$(median "$file" 1)
        ratio="" paired=""
        if [[ -n $base ]]; then
            base_rt=$(median "$logs/$scen-$base.txt" 1)
            ratio="$(awk -v a="$rt" -v b="$base_rt" 'BEGIN { printf "%.3f", a / b }') ($base)"
            paired=$(paired_ratios "$scen" "$name" "$base")
        fi
        printf '| %s | %s | %.0f | %.2f | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$label" \
            "$title" "$rt" "$(median "$file" 2)" "$(median "$file" 3)" "$(median "$file" 4)" \
            "$(median "$file" 5)" "$(median "$file" 6)" "$(median "$file" 7)" \
            "$(median "$file" 8)" "$ratio" "$paired"
    done
done
echo
echo "rt/s: round trips per second (median of the rounds); MB/s: echoed payload per second, one direction;"
echo "latency: from a message's write to its last echoed byte; CPU %: of one CPU, sampled"
echo "inside the measured window. A server below ~95% CPU was not the bottleneck: then compare"
echo "server CPU µs/rt, the CPU the server spent per round trip."
echo
echo "Steady-state heap allocations in weft_echo_counted (between two snapshots inside the measured window):"
echo
for backend in epoll io_uring; do
    for s in "${scenarios[@]}"; do
        read -r scen conns pipeline <<<"$s"
        grep '^COUNTERS' "$logs/$scen-counted-$backend.out" | tail -n 2 |
            awk -v label="$backend, $conns conns × 64 B, pipeline $pipeline" '
            { for (i = 2; i <= NF; ++i) { split($i, p, "="); v[NR, p[1]] = p[2] } }
            END {
                a = v[2, "allocs"] - v[1, "allocs"]; r = v[2, "reads"] - v[1, "reads"]
                rt = (v[2, "bytes"] - v[1, "bytes"]) / 64
                printf "- %s: %d allocations over %d reads and %d round trips: %.4f per read, %.4f per round trip\n",
                       label, a, r, rt, (r ? a / r : 0), (rt ? a / rt : 0)
            }'
    done
done
