#!/bin/sh
# bench/setup.sh: installs the Debian 12 packages that bench/run needs: what the build needs
# (scripts/setup.sh with no arguments), then the peers and tools: Boost headers with Asio,
# Google Benchmark, Go, nginx, wrk, gnuplot. Idempotent, as scripts/setup.sh (which does the
# work). The build's packages must install; a peer's package that cannot be installed only
# skips its part of bench/run (reported there as skipped), so it is reported here and the
# script still succeeds.
set -eu
setup="$(dirname "$0")/../scripts/setup.sh"
"$setup"

peers="libboost1.81-dev libbenchmark-dev golang-go nginx wrk gnuplot-nox"
# shellcheck disable=SC2086  # the package list is meant to split
if "$setup" $peers; then
    exit 0
fi
# apt-get gives up on the whole list when one package fails: install one at a time to keep
# the others.
failed=""
for p in $peers; do
    "$setup" "$p" || failed="$failed $p"
done
echo "bench/setup: could not install:$failed (bench/run skips what needs them)" >&2
