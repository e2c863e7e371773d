#!/bin/sh
# Installs the Debian 12 packages weft needs to build and test (or, given arguments, those
# packages instead: bench/setup.sh uses it so). Idempotent: when every package is already
# installed it changes nothing and does not touch the network.
set -eu

packages="cmake make g++ gcc pkg-config libboost-fiber1.81-dev libboost-context1.81-dev
liburing-dev catch2 clang libclang-rt-14-dev nginx curl"
if [ "$#" -gt 0 ]; then
    packages="$*"
fi

missing=""
for p in $packages; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "setup: all packages present"
    exit 0
fi

echo "setup: installing$missing"
if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1; then
    as_root="sudo"
else
    echo "setup: need root (or sudo) to install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get update -q
# shellcheck disable=SC2086  # the package list is meant to split
$as_root apt-get install -y -q --no-install-recommends $missing
