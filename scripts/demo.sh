#!/bin/bash
# Builds weft (Release), starts the echo server example and drives it with the load
# generator: 1,000 connections doing 64-byte ping-pong for 5 seconds. Prints round trips/s,
# MB/s and p50/p99/p999 latency. Override with DEMO_CONNECTIONS, DEMO_SIZE, DEMO_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."

dir=build
address=${DEMO_ADDRESS:-127.0.0.1:7000}
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release
cmake --build "$dir" -j"$(nproc)" --target echo_server echo_load

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
"$dir/examples/echo_server" "$address" &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT

# Wait (bounded) until the server accepts connections.
host=${address%:*}
port=${address##*:}
for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
        break
    fi
    if ! kill -0 "$server" 2>/dev/null; then
        echo "demo: echo_server exited" >&2
        exit 1
    fi
    sleep 0.05
done

"$dir/bench/echo_load" "$address" --connections "${DEMO_CONNECTIONS:-1000}" \
    --size "${DEMO_SIZE:-64}" --duration "${DEMO_SECONDS:-5}" --warmup 1
