#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/net/buffer_pool.hpp>

#include "support/weft_test.hpp"

using weft::net::BufferPool;
using weft::net::PooledBuffer;

TEST_CASE("BufferPool hands out distinct buffers from one contiguous slab", "[net][pool]") {
    BufferPool pool{{.buffer_size = 1000, .buffers_per_slab = 8, .max_slabs = 1}};
    CHECK(pool.buffer_size() == 1024);  // rounded up to whole cache lines
    CHECK(pool.capacity() == 8);
    std::vector<PooledBuffer> held;
    for (int i = 0; i < 8; ++i) {
        held.push_back(pool.acquire());
        CHECK(held.back().size() == 1024);
    }
    CHECK(pool.in_use() == 8);
    std::vector<std::byte*> addresses;
    for (const PooledBuffer& b : held) {
        addresses.push_back(b.data());
    }
    std::sort(addresses.begin(), addresses.end());
    for (std::size_t i = 1; i < addresses.size(); ++i) {
        CHECK(addresses[i] - addresses[0] == static_cast<std::ptrdiff_t>(i * 1024));
    }
    held.clear();
    CHECK(pool.in_use() == 0);
}

TEST_CASE("an exhausted BufferPool fails the request with a clear error", "[net][pool]") {
    BufferPool pool{{.buffer_size = 64, .buffers_per_slab = 2, .max_slabs = 1}};
    PooledBuffer a = pool.acquire();
    PooledBuffer b = pool.acquire();
    std::error_code ec;
    PooledBuffer c = pool.acquire(ec);
    CHECK(ec == weft::errc::pool_exhausted);
    CHECK(!c);
    CHECK_THROWS_WITH(pool.acquire(), Catch::Contains("pool exhausted"));
    a.reset();  // returning one makes one available again
    PooledBuffer d = pool.acquire(ec);
    CHECK(!ec);
    CHECK(d);
}

TEST_CASE("a BufferPool grows by whole slabs up to its limit", "[net][pool]") {
    BufferPool pool{{.buffer_size = 64, .buffers_per_slab = 4, .max_slabs = 3}};
    CHECK(pool.capacity() == 4);
    CHECK(pool.max_capacity() == 12);
    std::vector<PooledBuffer> held;
    std::error_code ec;
    for (int i = 0; i < 12; ++i) {
        held.push_back(pool.acquire(ec));
        REQUIRE(!ec);
    }
    CHECK(pool.capacity() == 12);
    CHECK(!pool.acquire(ec));
    CHECK(ec == weft::errc::pool_exhausted);
    std::set<std::byte*> distinct;
    for (const PooledBuffer& b : held) {
        distinct.insert(b.data());
    }
    CHECK(distinct.size() == 12);
}

TEST_CASE("PooledBuffer is a move-only lease", "[net][pool]") {
    BufferPool pool{{.buffer_size = 64, .buffers_per_slab = 1, .max_slabs = 1}};
    PooledBuffer a = pool.acquire();
    std::byte* p = a.data();
    PooledBuffer b = std::move(a);
    CHECK(!a);  // NOLINT(bugprone-use-after-move): the moved-from lease is empty
    CHECK(b.data() == p);
    CHECK(pool.in_use() == 1);
    PooledBuffer c;
    c = std::move(b);
    CHECK(pool.in_use() == 1);
    c = PooledBuffer{};  // assigning an empty lease returns the buffer
    CHECK(pool.in_use() == 0);
    static_assert(!std::is_copy_constructible_v<PooledBuffer>);
}

TEST_CASE("BufferPool: buffers freed on one worker are found by another", "[net][pool]") {
    weft::Runtime rt{weft::test::runtime_options(2)};
    rt.run([] {
        BufferPool pool{
            {.buffer_size = 64, .buffers_per_slab = 16, .max_slabs = 1, .free_lists = 2}};
        // Worker 1 takes every buffer and frees them all onto its own list.
        weft::spawn(
            [&] {
                std::vector<PooledBuffer> all;
                for (int i = 0; i < 16; ++i) {
                    all.push_back(pool.acquire());
                }
            },
            {.pinned = true, .worker = 1})
            .join();
        // Worker 0's list is empty and nothing is left to carve: it must take worker 1's.
        weft::spawn(
            [&] {
                std::vector<PooledBuffer> all;
                for (int i = 0; i < 16; ++i) {
                    all.push_back(pool.acquire());
                }
                CHECK(pool.in_use() == 16);
            },
            {.pinned = true, .worker = 0})
            .join();
        CHECK(pool.in_use() == 0);
    });
}

TEST_CASE("BufferPool: no buffer is leased twice under concurrent use", "[net][pool]") {
    auto threads = GENERATE(1u, 2u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        BufferPool pool{{.buffer_size = 64, .buffers_per_slab = 8, .max_slabs = 1}};
        std::vector<weft::JoinHandle> fibers;
        // Counted here, checked on this fiber: Catch's assertions are not thread-safe.
        std::atomic<int> leased{0}, exhausted{0}, corrupted{0};
        for (int f = 0; f < 16; ++f) {
            fibers.push_back(weft::spawn([&, f] {
                for (int round = 0; round < 200; ++round) {
                    std::error_code ec;
                    PooledBuffer b = pool.acquire(ec);
                    if (ec) {
                        exhausted += ec == weft::errc::pool_exhausted ? 1 : 1000;
                        weft::this_fiber::yield();
                        continue;
                    }
                    ++leased;
                    std::memset(b.data(), f, b.size());
                    weft::this_fiber::yield();  // another fiber may run (and lease) meanwhile
                    const bool intact =
                        std::all_of(b.data(), b.data() + b.size(),
                                    [f](std::byte x) { return x == static_cast<std::byte>(f); });
                    corrupted += intact ? 0 : 1;
                }
            }));
        }
        for (auto& h : fibers) {
            h.join();
        }
        CHECK(corrupted == 0);
        CHECK(leased + exhausted == 16 * 200);  // every failure was pool_exhausted
        CHECK(leased > 0);
        CHECK(pool.in_use() == 0);
    });
}
