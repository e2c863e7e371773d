#!/bin/sh
# bench/setup.sh: installs the Debian 12 packages that bench/run needs beyond the build
# (scripts/setup.sh): Boost headers with Asio, Google Benchmark, Go, nginx, wrk, gnuplot.
# Idempotent: when every package is present it changes nothing and does not touch the network.
# A package that cannot be installed only skips its part of bench/run (reported as skipped).
set -eu

packages="libboost1.81-dev libbenchmark-dev golang-go nginx wrk gnuplot-nox liburing-dev"

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "bench/setup: all packages present"
    exit 0
fi

echo "bench/setup: installing$missing"
if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "bench/setup: need root (or sudo) to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -q
# shellcheck disable=SC2086  # the package list is meant to split
$as_root apt-get install -y -q --no-install-recommends $missing
