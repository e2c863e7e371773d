// The backends' cross-thread wake-up (runtime/src/backend/wakeup_fd.hpp), driven by plain
// std::threads so that TSan can follow it: one eventfd write per burst of wake() calls
// (the poller always reads a counter of exactly 1), and a wake() after work is published is
// never lost (a lost one leaves the poller blocked in poll(): the watchdog fails the test).
#include <atomic>
#include <cstdint>
#include <poll.h>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "backend/wakeup_fd.hpp"
#include "support/watchdog.hpp"

using weft::detail::WakeupFd;

namespace {

bool readable(const WakeupFd& w) {
    pollfd p{w.fd(), POLLIN, 0};
    return ::poll(&p, 1, 0) == 1;
}

}  // namespace

TEST_CASE("WakeupFd: a burst of wake() calls writes once", "[threads]") {
    WakeupFd w;
    CHECK_FALSE(readable(w));
    w.wake();
    w.wake();
    w.wake();
    REQUIRE(readable(w));
    CHECK(w.consume() == 1);  // three wakes, one write
    CHECK_FALSE(readable(w));
    w.wake();  // consumed: the next wake writes again
    REQUIRE(readable(w));
    CHECK(w.consume() == 1);
}

TEST_CASE("WakeupFd: racing wakers, one poller: no lost and no doubled wake-up", "[threads]") {
    constexpr int wakers = 3;
    constexpr long per_waker = 20'000;
    constexpr long total = wakers * per_waker;
    WakeupFd w;
    std::atomic<long> published{0};
    std::atomic<long> seen{0};
    weft::test::Watchdog watchdog{"wake-up eventfd (a lost wake-up hangs here)",
                                  std::chrono::seconds(60), &seen};

    std::vector<std::thread> threads;
    for (int t = 0; t < wakers; ++t) {
        threads.emplace_back([&] {
            for (long i = 0; i < per_waker; ++i) {
                const long mine = published.fetch_add(1) + 1;  // publish, then wake: as
                w.wake();                                      // notify() after a push
                // Wait until the poller has seen it, so that every wake-up meets a poller
                // that is consuming, blocking or about to block (a lost one hangs here).
                for (int spins = 0; seen.load() < mine; ++spins) {
                    if (spins % 64 == 63) {
                        std::this_thread::yield();
                    }
                }
            }
        });
    }
    // The poller, as a worker's loop: look for work, else block until woken, consume.
    long rounds = 0;
    long bad_counts = 0;
    for (;;) {
        seen.store(published.load());
        if (seen.load() == total) {
            break;
        }
        pollfd p{w.fd(), POLLIN, 0};
        while (::poll(&p, 1, -1) != 1) {
        }
        if (w.consume() != 1) {
            ++bad_counts;  // two writes within one pending period: de-duplication broke
        }
        ++rounds;
    }
    for (auto& t : threads) {
        t.join();
    }
    CHECK(bad_counts == 0);
    CHECK(rounds <= total);
    // The last wake-up may still be pending (its waker published before the poller looked);
    // consuming it leaves the fd quiet.
    if (readable(w)) {
        CHECK(w.consume() == 1);
    }
    CHECK_FALSE(readable(w));
}
