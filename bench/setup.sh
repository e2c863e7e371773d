#!/bin/sh
# bench/setup.sh: installs the Debian 12 packages that bench/run needs beyond the build
# (scripts/setup.sh): Boost headers with Asio, Google Benchmark, Go, nginx, wrk, gnuplot.
# Idempotent, as scripts/setup.sh (which does the work). A package that cannot be installed
# only skips its part of bench/run (reported as skipped).
set -eu
exec "$(dirname "$0")/../scripts/setup.sh" libboost1.81-dev libbenchmark-dev golang-go nginx \
    wrk gnuplot-nox liburing-dev
