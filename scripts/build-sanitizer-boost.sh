#!/bin/bash
# Builds Boost.Context and Boost.Fiber 1.81 for a sanitizer build of weft, from Debian's
# source package of the installed Boost, and prints the prefix they went to.
#
#   scripts/build-sanitizer-boost.sh asan|tsan
#
# Why: Debian's libboost-context switches stacks with the fcontext assembly, which neither
# ASan nor TSan can follow (exceptions unwinding on a fiber stack look like stack-buffer
# overflows; TSan sees one thread's stack change under it). Built with BOOST_USE_UCONTEXT,
# Boost.Context switches with swapcontext and, with BOOST_USE_ASAN / BOOST_USE_TSAN, tells
# the sanitizer about every switch (__sanitizer_start_switch_fiber, __tsan_switch_to_fiber).
# Code that includes Boost.Context headers must be compiled with the same BOOST_USE_* macros:
# cmake/WeftSanitizerBoost.cmake adds them when -DWEFT_SANITIZER_BOOST=<prefix> is given.
#
# Cache (outside the repository, shared by every checkout):
#   $WEFT_BOOST_CACHE (default /var/cache/weft-boost when writable, else ~/.cache/weft-boost)
#     src/<version>/        the downloaded .dsc and tarballs, and the extracted subset
#     <variant>-<version>/  include/ (Context and Fiber headers), lib/*.a, stamp
# A second run with the same script, version and flags does nothing. Touches the network and
# needs root only the first time (to add a deb-src entry and run apt-get update once).
set -euo pipefail

variant=${1:-}
case "$variant" in
    asan)
        # No vptr check: it needs a free fd for its pipe (see CMakeLists.txt).
        sanitize=(-fsanitize=address,undefined -fno-sanitize=vptr -fno-sanitize-recover=all)
        defines=(-DBOOST_USE_UCONTEXT -DBOOST_USE_ASAN)
        ;;
    tsan)
        sanitize=(-fsanitize=thread)
        defines=(-DBOOST_USE_UCONTEXT -DBOOST_USE_TSAN)
        ;;
    *)
        echo "usage: $0 asan|tsan" >&2
        exit 2
        ;;
esac

log() { echo "sanitizer-boost: $*" >&2; }

if [ -n "${WEFT_BOOST_CACHE:-}" ]; then
    cache=$WEFT_BOOST_CACHE
elif mkdir -p /var/cache/weft-boost 2>/dev/null && [ -w /var/cache/weft-boost ]; then
    cache=/var/cache/weft-boost
else
    cache=${XDG_CACHE_HOME:-$HOME/.cache}/weft-boost
fi

# The source version is the installed one's, so that headers from /usr/include (everything
# but Context and Fiber) and the rebuilt libraries come from the same release.
version=$(dpkg-query -W -f='${source:Version}' libboost-context1.81-dev 2>/dev/null || true)
if [ -z "$version" ]; then
    log "libboost-context1.81-dev is not installed (run scripts/setup.sh)"
    exit 1
fi
cxx=${CXX:-g++}
cxxflags=(-std=c++17 -O2 -g -fPIC -fno-omit-frame-pointer "${sanitize[@]}" "${defines[@]}"
          -DBOOST_CONTEXT_SOURCE -DBOOST_FIBERS_SOURCE -DBOOST_DISABLE_ASSERTS)
prefix=$cache/$variant-$version
stamp_text="$version $("$cxx" --version | head -n1) ${cxxflags[*]} $(sha256sum "$0" | cut -c1-16)"

if [ -f "$prefix/stamp" ] && [ "$(cat "$prefix/stamp")" = "$stamp_text" ]; then
    log "up to date: $prefix"
    echo "$prefix"
    exit 0
fi

# --- 1. the source package, downloaded and extracted once ------------------------------
src=$cache/src/$version
tree=$src/tree
if [ ! -f "$tree/.complete" ]; then
    mkdir -p "$src"
    if ! ls "$src"/boost1.81_*.dsc >/dev/null 2>&1; then
        if ! apt-get source --download-only --print-uris "boost1.81=$version" >/dev/null 2>&1; then
            if [ "$(id -u)" -ne 0 ]; then
                log "no deb-src entry for boost1.81 $version, and adding one needs root"
                exit 1
            fi
            list=/etc/apt/sources.list.d/weft-deb-src.sources
            log "adding the deb-src entry $list"
            cat >"$list" <<'EOF'
# Added by weft's scripts/build-sanitizer-boost.sh: Debian source packages (apt-get source).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
            # Refresh only the new entry's indexes and keep every other list as it is.
            apt-get update -q -o "Dir::Etc::sourcelist=$list" -o Dir::Etc::sourceparts=- \
                -o APT::Get::List-Cleanup=0 >&2
        fi
        log "downloading boost1.81 $version (source package) to $src"
        (cd "$src" && apt-get source -q --download-only "boost1.81=$version" >&2)
    fi
    log "extracting Boost.Context and Boost.Fiber from the source tarball"
    rm -rf "$tree"
    mkdir -p "$tree"
    orig=$(ls "$src"/boost1.81_*.orig.tar.* | head -n1)
    top=$({ tar -tf "$orig" || true; } | head -n1 | cut -d/ -f1)
    tar -xf "$orig" -C "$tree" --strip-components=1 \
        "$top/libs/context/include" "$top/libs/context/src" \
        "$top/libs/fiber/include" "$top/libs/fiber/src"
    # Debian's patches, where they touch what we extracted.
    debian_tar=$(ls "$src"/boost1.81_*.debian.tar.* | head -n1)
    mkdir -p "$src/debian"
    tar -xf "$debian_tar" -C "$src"
    if [ -f "$src/debian/patches/series" ]; then
        while read -r patch _; do
            case "$patch" in '' | '#'*) continue ;; esac
            if grep -qE '^\+\+\+ [^ ]*libs/(context|fiber)/' "$src/debian/patches/$patch"; then
                log "applying debian/patches/$patch"
                patch -d "$tree" -p1 -s --no-backup-if-mismatch <"$src/debian/patches/$patch"
            fi
        done <"$src/debian/patches/series"
    fi
    touch "$tree/.complete"
fi

# --- 2. build the two libraries ---------------------------------------------------------
log "building Boost.Context (ucontext) and Boost.Fiber for $variant in $prefix"
rm -rf "$prefix"
mkdir -p "$prefix/obj" "$prefix/lib" "$prefix/include/boost"
cp -r "$tree/libs/context/include/boost/context" "$tree/libs/fiber/include/boost/fiber" \
    "$prefix/include/boost/"
if [ "$variant" = tsan ]; then
    # TSan does not model std::atomic_thread_fence (GCC says so: -Wtsan). Boost.Fiber's
    # reference counts (context, algorithm, fss cleanup, future state) release with
    # fetch_sub(release) followed, on the last reference, by an acquire fence; TSan misses that
    # fence and would report the delete as racing with other threads' last uses. Rewrite them
    # as fetch_sub(acq_rel) -- the same ordering or stronger, and visible to TSan. (The
    # work-stealing deque's fences stay: weft does not use algo::work_stealing.)
    fence_re='fetch_sub\( 1, std::memory_order_release\) \) \{\s*std::atomic_thread_fence\( std::memory_order_acquire\);'
    for h in fiber/context.hpp fiber/algo/algorithm.hpp fiber/detail/fss.hpp \
        fiber/future/detail/shared_state.hpp; do
        perl -0pi -e "s/$fence_re/fetch_sub( 1, std::memory_order_acq_rel) ) {/g" \
            "$prefix/include/boost/$h"
        if grep -q 'atomic_thread_fence( std::memory_order_acquire)' "$prefix/include/boost/$h"; then
            log "could not rewrite the reference count fences of boost/$h"
            exit 1
        fi
    done
fi
jobs=$(nproc)

compile_lib() {  # compile_lib <name> <sources...>
    local name=$1
    shift
    local objs=() pids=() s o
    for s in "$@"; do
        o=$prefix/obj/$name-$(echo "${s#"$tree"/}" | tr / _).o
        objs+=("$o")
        # The extracted headers go first; the rest of Boost comes from /usr/include.
        "$cxx" "${cxxflags[@]}" -I"$prefix/include" -c "$s" -o "$o" &
        pids+=($!)
        if [ "${#pids[@]}" -ge "$jobs" ]; then
            wait "${pids[0]}"
            pids=("${pids[@]:1}")
        fi
    done
    for p in "${pids[@]}"; do wait "$p"; done
    ar rcs "$prefix/lib/lib$name.a" "${objs[@]}"
}

# ucontext implementation: the activation-record TLS lives in continuation.cpp and fiber.cpp
# (what Boost's Jamfile builds for <context-impl>ucontext), plus the POSIX stack traits.
compile_lib boost_context "$tree/libs/context/src/continuation.cpp" \
    "$tree/libs/context/src/fiber.cpp" "$tree/libs/context/src/posix/stack_traits.cpp"
mapfile -t fiber_sources < <(find "$tree/libs/fiber/src" -maxdepth 2 -name '*.cpp' \
    -not -path '*/numa/*' | sort)
compile_lib boost_fiber "${fiber_sources[@]}"
rm -rf "$prefix/obj"
echo "$stamp_text" >"$prefix/stamp"
log "done: $prefix"
echo "$prefix"
