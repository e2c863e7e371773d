// Channel<T>: bounded and unbounded, every op and error path, close semantics, deadlines,
// cancellation and shutdown of parked fibers, no allocation in steady state, and the
// cross-worker ping-pong of issue 4. Ordering tests use one worker, where the ready queue is
// FIFO and yield() lets every ready fiber run up to its next park.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/count_allocations.hpp"
#include "support/watchdog.hpp"
#include "support/weft_test.hpp"

using namespace std::chrono_literals;

namespace {

void settle() {
    for (int i = 0; i < 3; ++i) {
        weft::this_fiber::yield();
    }
}

std::error_code code_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const std::system_error& e) {
        return e.code();
    }
    return {};
}

// Counts live instances: the channel must destroy exactly what it holds.
struct Counted {
    static inline std::atomic<int> live{0};
    int value;
    explicit Counted(int v) : value(v) { ++live; }
    Counted(Counted&& o) noexcept : value(o.value) { ++live; }
    Counted(const Counted&) = delete;
    ~Counted() { --live; }
};

}  // namespace

TEST_CASE("Channel: bounded basics", "[channel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        CHECK_THROWS_AS(weft::Channel<int>{0}, std::invalid_argument);
        weft::Channel<int> ch{3};
        CHECK(ch.capacity() == 3);
        CHECK(ch.size() == 0);
        CHECK_FALSE(ch.try_pop());
        CHECK(ch.try_push(1));
        ch.push(2);
        int three = 3;
        ch.push(three);  // an lvalue is copied
        CHECK(ch.size() == 3);
        CHECK_FALSE(ch.try_push(4));  // full
        std::error_code ec;
        CHECK_FALSE(ch.try_push(4, ec));
        CHECK_FALSE(ec);
        CHECK(ch.pop() == 1);
        CHECK(*ch.try_pop() == 2);
        CHECK(*ch.pop(weft::Deadline::never(), ec) == 3);
        CHECK_FALSE(ec);
        CHECK_FALSE(ch.try_pop(ec));
        CHECK_FALSE(ec);
        // Wrap around the ring a few times.
        for (int i = 0; i < 10; ++i) {
            ch.push(i);
            ch.push(i + 100);
            CHECK(ch.pop() == i);
            CHECK(ch.pop() == i + 100);
        }
        CHECK_FALSE(ch.is_closed());
    });
}

TEST_CASE("Channel: unbounded grows and keeps order", "[channel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Channel<std::string> ch{weft::unbounded};
        CHECK(ch.capacity() == std::numeric_limits<std::size_t>::max());
        for (int i = 0; i < 10'000; ++i) {
            if (i % 3 == 0) {
                CHECK(ch.try_push(std::to_string(i)));
            } else {
                ch.push(std::to_string(i), weft::Deadline::after(-1s));  // never waits
            }
            if (i % 7 == 0) {
                (void)ch.pop();
            }
        }
        CHECK(ch.size() == 10'000 - 1429);  // 1429 pops took the oldest: 0 .. 1428
        int expected = 1429;
        bool in_order = true;
        while (auto v = ch.try_pop()) {
            in_order = in_order && *v == std::to_string(expected++);
        }
        CHECK(in_order);
        CHECK(expected == 10'000);
    });
}

TEST_CASE("Channel: unbounded is FIFO across growth", "[channel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Channel<int> ch{weft::unbounded};
        int next_pop = 0;
        for (int i = 0; i < 5000; ++i) {
            ch.push(i);
            if (i % 3 == 0) {
                REQUIRE(ch.pop() == next_pop++);
            }
        }
        while (auto v = ch.try_pop()) {
            REQUIRE(*v == next_pop++);
        }
        CHECK(next_pop == 5000);
    });
}

TEST_CASE("Channel: move-only and non-default-constructible items", "[channel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Channel<std::unique_ptr<int>> ch{1};
        ch.push(std::make_unique<int>(7));
        auto extra = std::make_unique<int>(8);
        CHECK_FALSE(ch.try_push(std::move(extra)));
        REQUIRE(extra != nullptr);  // a failed push leaves its argument alone
        CHECK(*ch.pop() == 7);
        CHECK(ch.try_push(std::move(extra)));
        CHECK(extra == nullptr);
        CHECK(*ch.pop() == 8);

        {
            weft::Channel<Counted> counted{4};
            counted.push(Counted{1});
            counted.push(Counted{2});
            CHECK(counted.pop().value == 1);
            CHECK(Counted::live == 1);
        }
        CHECK(Counted::live == 0);  // the channel destroyed the item it still held
        {
            weft::Channel<Counted> counted{weft::unbounded};
            for (int i = 0; i < 100; ++i) {
                counted.push(Counted{i});
            }
            CHECK(Counted::live == 100);
        }
        CHECK(Counted::live == 0);
    });
}

TEST_CASE("Channel: push parks while full, pop while empty", "[channel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Channel<int> ch{1};
        ch.push(1);
        bool pushed = false;
        auto pusher = weft::spawn([&] {
            ch.push(2);
            pushed = true;
        });
        settle();
        CHECK_FALSE(pushed);
        CHECK(ch.pop() == 1);
        pusher.join();
        CHECK(pushed);
        CHECK(ch.pop() == 2);

        int got = 0;
        auto popper = weft::spawn([&] { got = ch.pop(); });
        settle();
        CHECK(got == 0);
        ch.push(5);
        popper.join();
        CHECK(got == 5);
    });
}

TEST_CASE("Channel: waiters are served in arrival order", "[channel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Channel<int> ch{1};
        std::vector<int> got(3, -1);
        std::vector<weft::JoinHandle> hs;
        for (int i = 0; i < 3; ++i) {
            hs.push_back(weft::spawn([&, i] { got[static_cast<std::size_t>(i)] = ch.pop(); }));
            settle();
        }
        for (int i = 0; i < 3; ++i) {
            ch.push(10 + i);
        }
        for (auto& h : hs) {
            h.join();
        }
        CHECK(got == std::vector<int>{10, 11, 12});
    });
}

TEST_CASE("Channel: close fails pushers, lets poppers drain", "[channel][close]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Channel<int> ch{2};
        ch.push(1);
        ch.push(2);
        std::error_code parked_push;
        auto pusher = weft::spawn([&] { parked_push = code_of([&] { ch.push(3); }); });
        settle();
        ch.close();
        pusher.join();
        CHECK(parked_push == weft::errc::closed);
        CHECK(ch.is_closed());
        ch.close();  // idempotent
        CHECK(code_of([&] { ch.push(4); }) == weft::errc::closed);
        CHECK(code_of([&] { ch.try_push(4); }) == weft::errc::closed);
        std::error_code ec;
        auto value = std::make_unique<int>(9);
        weft::Channel<std::unique_ptr<int>> owned{1};
        owned.close();
        owned.push(std::move(value), weft::Deadline::never(), ec);
        CHECK(ec == weft::errc::closed);
        CHECK(value != nullptr);
        CHECK_FALSE(owned.try_push(std::move(value), ec));
        CHECK(ec == weft::errc::closed);
        CHECK(value != nullptr);
        // Poppers drain what is queued, then see closed.
        CHECK(ch.pop() == 1);
        CHECK(*ch.try_pop() == 2);
        CHECK(code_of([&] { ch.pop(); }) == weft::errc::closed);
        CHECK(code_of([&] { (void)ch.try_pop(); }) == weft::errc::closed);
        CHECK_FALSE(ch.pop(weft::Deadline::never(), ec));
        CHECK(ec == weft::errc::closed);
        CHECK_FALSE(ch.try_pop(ec));
        CHECK(ec == weft::errc::closed);
    });
}

TEST_CASE("Channel: close wakes every parked popper", "[channel][close]") {
    auto threads = GENERATE(1u, 2u, 4u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        weft::Channel<int> ch{weft::unbounded};
        std::atomic<int> items{0}, closed{0};
        std::vector<weft::JoinHandle> hs;
        for (int i = 0; i < 10; ++i) {
            hs.push_back(weft::spawn([&] {
                for (;;) {
                    std::error_code ec;
                    if (!ch.pop(weft::Deadline::never(), ec)) {
                        closed += ec == weft::errc::closed ? 1 : 0;
                        return;
                    }
                    ++items;
                }
            }));
        }
        weft::this_fiber::yield();
        for (int i = 0; i < 100; ++i) {
            ch.push(i);
        }
        ch.close();
        for (auto& h : hs) {
            h.join();
        }
        CHECK(items == 100);
        CHECK(closed == 10);
    });
}

TEST_CASE("Channel: deadlines", "[channel][deadline]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Channel<int> ch{1};
        CHECK(code_of([&] { ch.pop(weft::Deadline::after(1ms)); }) == weft::errc::timed_out);
        std::error_code ec;
        CHECK_FALSE(ch.pop(weft::Deadline::after(-1s), ec));
        CHECK(ec == weft::errc::timed_out);
        ch.push(1, weft::Deadline::after(-1s));  // room: a passed deadline does not matter
        CHECK(code_of([&] { ch.push(2, weft::Deadline::after(1ms)); }) == weft::errc::timed_out);
        ch.push(2, weft::Deadline::after(-1s), ec);
        CHECK(ec == weft::errc::timed_out);
        CHECK(ch.pop(weft::Deadline::after(-1s)) == 1);  // an item: no wait, no timeout
        CHECK(ch.size() == 0);
        // An item that arrives before the deadline wins.
        auto pusher = weft::spawn([&] { ch.push(3); });
        CHECK(ch.pop(weft::Deadline::after(60s)) == 3);
        pusher.join();
    });
}

TEST_CASE("Channel: cancelling fibers parked in push and pop", "[channel][cancel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Channel<std::unique_ptr<int>> ch{1};
        std::error_code pop_error;
        auto popper = weft::spawn([&] { pop_error = code_of([&] { ch.pop(); }); });
        settle();
        popper.cancel();
        popper.join();
        CHECK(pop_error == weft::errc::cancelled);

        ch.push(std::make_unique<int>(1));
        std::error_code push_error;
        bool kept = false;
        auto pusher = weft::spawn([&] {
            auto v = std::make_unique<int>(2);
            ch.push(std::move(v), weft::Deadline::never(), push_error);
            kept = v != nullptr;
        });
        settle();
        pusher.cancel();
        pusher.join();
        CHECK(push_error == weft::errc::cancelled);
        CHECK(kept);
        CHECK(*ch.pop() == 1);
        CHECK(ch.size() == 0);  // the cancelled push stored nothing
    });
}

TEST_CASE("Channel: a popper cancelled as an item arrives passes the item on",
          "[channel][cancel][races]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Channel<int> ch{1};
        std::error_code first;
        int second = 0;
        auto w0 = weft::spawn([&] { ch.pop(weft::Deadline::never(), first); });
        settle();
        auto w1 = weft::spawn([&] {
            std::error_code ec;
            // Woken by the push (passed on by w0), not by this hang guard.
            if (auto v = ch.pop(weft::Deadline::after(10s), ec)) {
                second = *v;
            }
        });
        settle();
        w0.cancel();  // claims w0's park ...
        ch.push(42);  // ... and the push picks w0, which cannot take it
        w0.join();
        w1.join();
        CHECK(first == weft::errc::cancelled);
        CHECK(second == 42);
    });
}

TEST_CASE("Channel: many producers and consumers across workers", "[channel]") {
    auto threads = GENERATE(1u, 2u, 4u);
    auto capacity = GENERATE(as<std::size_t>{}, 1, 16, 0);  // 0: unbounded
    weft::test::Watchdog dog{"channel mpmc", std::chrono::seconds(120)};
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([capacity] {
        auto ch = capacity == 0 ? std::make_unique<weft::Channel<long>>(weft::unbounded)
                                : std::make_unique<weft::Channel<long>>(capacity);
        constexpr int producers = 4, consumers = 4, per_producer = 20'000;
        std::atomic<long> sum{0};
        std::atomic<int> count{0}, order_errors{0}, timeouts{0};
        std::vector<weft::JoinHandle> ps, cs;
        for (int p = 0; p < producers; ++p) {
            ps.push_back(weft::spawn([&, p] {
                for (int i = 0; i < per_producer; ++i) {
                    ch->push(static_cast<long>(p) << 32 | i);
                }
            }));
        }
        for (int c = 0; c < consumers; ++c) {
            cs.push_back(weft::spawn([&, c] {
                std::vector<long> last(producers, -1);
                unsigned k = static_cast<unsigned>(c);
                for (;;) {
                    std::error_code ec;
                    // Some pops race a short deadline against the pushes.
                    auto d = ++k % 4 == 0 ? weft::Deadline::after(std::chrono::microseconds(k % 30))
                                          : weft::Deadline::never();
                    auto v = ch->pop(d, ec);
                    if (ec == weft::errc::timed_out) {
                        ++timeouts;
                        continue;
                    }
                    if (!v) {
                        return;  // closed and drained
                    }
                    auto p = static_cast<std::size_t>(*v >> 32);
                    long i = *v & 0xffffffff;
                    if (i <= last[p]) {
                        ++order_errors;  // one producer's items arrive in order
                    }
                    last[p] = i;
                    sum += i;
                    ++count;
                }
            }));
        }
        for (auto& h : ps) {
            h.join();
        }
        ch->close();
        for (auto& h : cs) {
            h.join();
        }
        CHECK(count == producers * per_producer);
        CHECK(sum == static_cast<long>(producers) * per_producer * (per_producer - 1) / 2);
        CHECK(order_errors == 0);
    });
}

TEST_CASE("Channel: push and pop do not allocate in steady state", "[channel][alloc]") {
    if (!weft::test::allocation_counting()) {
        WARN("allocations are not counted in this build (AddressSanitizer)");
        return;
    }
    auto threads = GENERATE(1u, 2u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([threads] {
        weft::Channel<int> bounded{8};
        weft::Channel<int> unbounded{weft::unbounded};
        // The consumer is spawned (which allocates) before the counted window opens.
        std::atomic<int> phase{0};  // 1: warm-up done, 2: window open
        auto consumer = weft::spawn(
            [&] {
                for (int round = 0; round < 2; ++round) {
                    for (int i = 0; i < 20'000; ++i) {
                        (void)bounded.pop(weft::Deadline::after(60s));
                        (void)unbounded.pop();
                    }
                    ++phase;
                }
            },
            {.pinned = true, .worker = threads - 1});
        std::size_t before = 0;
        for (int round = 0; round < 2; ++round) {
            // Round 0 warms up: stacks, timers, the unbounded ring's growth.
            while (phase != round) {
                weft::this_fiber::yield();
            }
            before = weft::test::allocation_count();
            for (int i = 0; i < 20'000; ++i) {
                bounded.push(i);
                unbounded.push(i, weft::Deadline::after(60s));
            }
        }
        while (phase != 2) {
            weft::this_fiber::yield();
        }
        const std::size_t during = weft::test::allocation_count() - before;
        consumer.join();
        CHECK(during == 0);
    });
}

TEST_CASE("Channel: shutdown with fibers parked in push and pop does not hang",
          "[channel][shutdown]") {
    auto threads = GENERATE(1u, 2u, 4u);
    weft::test::Watchdog dog{"channel shutdown", std::chrono::seconds(60)};
    weft::Runtime rt{weft::test::runtime_options(threads)};
    auto empty = std::make_shared<weft::Channel<int>>(1);
    auto full = std::make_shared<weft::Channel<int>>(1);
    std::atomic<int> cancelled{0};
    rt.run([&] {
        full->push(0);
        for (int i = 0; i < 8; ++i) {
            weft::spawn([empty, &cancelled] {
                std::error_code ec;
                empty->pop(weft::Deadline::never(), ec);
                cancelled += ec == weft::errc::cancelled ? 1 : 0;
            }).detach();
            weft::spawn([full, &cancelled] {
                std::error_code ec;
                full->push(1, weft::Deadline::never(), ec);
                cancelled += ec == weft::errc::cancelled ? 1 : 0;
            }).detach();
        }
        weft::this_fiber::sleep_for(1ms);  // intended: most waiters park first; holds either way
    });
    CHECK(cancelled == 16);
}

TEST_CASE("Channel: plain threads hand items over without a Runtime", "[channel][threads]") {
    // Boost.Fiber gives every thread a scheduler of its own, so a blocking push/pop from a
    // plain thread parks that thread's main context: a hand-off TSan can check.
    weft::Channel<int> there{1}, back{1};
    constexpr int rounds = 20'000;
    std::thread echo([&] {
        for (;;) {
            std::error_code ec;
            auto v = there.pop(weft::Deadline::never(), ec);
            if (!v) {
                return;
            }
            back.push(*v + 1);
        }
    });
    long errors = 0;
    for (int i = 0; i < rounds; ++i) {
        there.push(i);
        errors += back.pop() != i + 1 ? 1 : 0;
    }
    there.close();
    echo.join();
    CHECK(errors == 0);
}

// Round trips of the ping-pong below: 10^6, or 10^5 in a sanitizer build, whose instrumented
// fiber switches are several times slower (docs/reliability.md); WEFT_PINGPONG_ROUNDS=n
// overrides either.
int pingpong_rounds() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    int rounds = 100'000;
#else
    int rounds = 1'000'000;
#endif
    if (const char* env = std::getenv("WEFT_PINGPONG_ROUNDS");
        env != nullptr && std::atoi(env) > 0) {
        rounds = std::atoi(env);
    }
    return rounds;
}

// Issue 4: 10^6 round trips between two fibers pinned to different workers, racing timer
// wake-ups (a sleeper per worker, and pops with short deadlines). A lost wake-up hangs (the
// watchdog aborts after 60 s without a round trip), a double resume trips WEFT_ASSERT or
// loses/duplicates a sequence number.
TEST_CASE("Channel: cross-worker ping-pong, 10^6 round trips racing timers",
          "[channel][pingpong][races]") {
    auto threads = GENERATE(1u, 2u, 4u);
    const int rounds = pingpong_rounds();
    std::atomic<long> progress{0};  // round trips done
    weft::test::Watchdog dog{"ping-pong with " + std::to_string(threads) + " worker(s)",
                             std::chrono::seconds(60), &progress};
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([threads, rounds, &progress] {
        weft::Channel<int> to_pong{1}, to_ping{1};
        std::atomic<bool> done{false};
        std::atomic<long> sequence_errors{0}, timeouts{0};
        unsigned ping_worker = 0, pong_worker = 0;
        auto pong = weft::spawn(
            [&] {
                pong_worker = weft::this_fiber::worker_index();
                for (int i = 0; i < rounds; ++i) {
                    int v = to_pong.pop();
                    if (v != i) {
                        ++sequence_errors;
                    }
                    to_ping.push(v + 1);
                }
            },
            {.name = "pong", .pinned = true, .worker = threads - 1});
        auto ping = weft::spawn(
            [&] {
                ping_worker = weft::this_fiber::worker_index();
                for (int i = 0; i < rounds; ++i) {
                    to_pong.push(i);
                    for (unsigned k = static_cast<unsigned>(i);; ++k) {
                        // Every 8th wait races a deadline of a few microseconds.
                        auto d = k % 8 == 0
                                     ? weft::Deadline::after(std::chrono::microseconds(k % 16))
                                     : weft::Deadline::never();
                        std::error_code ec;
                        auto v = to_ping.pop(d, ec);
                        if (ec == weft::errc::timed_out) {
                            ++timeouts;
                            continue;
                        }
                        if (!v || *v != i + 1) {
                            ++sequence_errors;
                        }
                        progress.store(i + 1, std::memory_order_relaxed);
                        break;
                    }
                }
            },
            {.name = "ping", .pinned = true, .worker = 0});
        std::vector<weft::JoinHandle> sleepers;
        for (unsigned w = 0; w < threads; ++w) {
            sleepers.push_back(weft::spawn(
                [&, w] {
                    for (unsigned k = w; !done; ++k) {
                        const auto pause = std::chrono::microseconds(100 + k % 400);
                        weft::this_fiber::sleep_for(pause);  // intended: busy timer queues
                    }
                },
                {.name = "sleeper", .worker = w}));
        }
        ping.join();
        pong.join();
        done = true;
        for (auto& h : sleepers) {
            h.join();
        }
        CHECK(sequence_errors == 0);
        CHECK(ping_worker == 0);
        CHECK(pong_worker == threads - 1);
        if (threads > 1) {
            CHECK(ping_worker != pong_worker);
        }
        std::printf("ping-pong, %u worker(s): %d round trips, %ld pops timed out\n", threads,
                    rounds, timeouts.load());
    });
}
