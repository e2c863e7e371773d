// Mutex, ConditionVariable and WaitGroup: every op and error path, deadlines, cancellation
// of a parked fiber, shutdown with fibers parked in each, and use across workers.
// Ordering tests use one worker, where the ready queue is FIFO and yield() lets every
// fiber that is ready run up to its next park.
#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/sync.hpp>

#include "support/watchdog.hpp"
#include "support/weft_test.hpp"

using namespace std::chrono_literals;

namespace {

// Lets every ready fiber of a one-worker runtime run until it parks.
void settle() {
    for (int i = 0; i < 3; ++i) {
        weft::this_fiber::yield();
    }
}

}  // namespace

// ---- Mutex ----------------------------------------------------------------------------------

TEST_CASE("Mutex: mutual exclusion across workers", "[sync][mutex]") {
    auto threads = GENERATE(1u, 2u, 4u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        weft::Mutex m;
        long counter = 0;  // not atomic: the mutex guards it
        int inside = 0;
        std::atomic<int> overlaps{0};
        std::vector<weft::JoinHandle> hs;
        for (int f = 0; f < 16; ++f) {
            hs.push_back(weft::spawn([&] {
                for (int i = 0; i < 500; ++i) {
                    std::lock_guard lk{m};
                    if (++inside != 1) {
                        ++overlaps;
                    }
                    long v = counter;
                    if (i % 7 == 0) {
                        weft::this_fiber::yield();  // may migrate while holding the mutex
                    }
                    counter = v + 1;
                    --inside;
                }
            }));
        }
        for (auto& h : hs) {
            h.join();
        }
        CHECK(counter == 16 * 500);
        CHECK(overlaps == 0);
    });
}

TEST_CASE("Mutex: try_lock, relocking and unlocking without ownership", "[sync][mutex]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Mutex m;
        REQUIRE(m.try_lock());
        bool other_got_it = true;
        weft::spawn([&] { other_got_it = m.try_lock(); }).join();
        CHECK_FALSE(other_got_it);
        try {
            m.lock();
            FAIL("locking a held mutex from its holder must throw");
        } catch (const std::system_error& e) {
            CHECK(e.code() == std::errc::resource_deadlock_would_occur);
        }
        std::error_code unlock_error;
        weft::spawn([&] {
            try {
                m.unlock();
            } catch (const std::system_error& e) {
                unlock_error = e.code();
            }
        }).join();
        CHECK(unlock_error == std::errc::operation_not_permitted);
        m.unlock();
        CHECK(m.try_lock());
        m.unlock();
    });
}

TEST_CASE("Mutex: a waiter passed over once is handed the mutex next", "[sync][mutex]") {
    weft::Runtime rt{weft::test::runtime_options(1)};
    rt.run([] {
        weft::Mutex m;
        m.lock();
        std::vector<int> order;
        auto locker = [&](int i) {
            return weft::spawn([&, i] {
                std::lock_guard lk{m};
                order.push_back(i);
            });
        };
        auto first = locker(1);
        settle();  // 1 is queued
        m.unlock();
        // 1 is woken but has not run: the mutex is free, and a fiber that asks now takes it
        // (no convoy). 1 then finds it taken and queues again, at the front.
        REQUIRE(m.try_lock());
        settle();
        auto second = locker(2);
        settle();  // 2 is queued behind 1
        m.unlock();
        // Now it is handed to 1 before 1 runs: the unlocking fiber cannot take it back.
        if (m.try_lock()) {
            FAIL_CHECK("the mutex was taken from the waiter that had been passed over");
            m.unlock();
        }
        first.join();
        second.join();
        CHECK(order == std::vector<int>{1, 2});
        CHECK(m.try_lock());  // free once nobody waits
        m.unlock();
    });
}

TEST_CASE("Mutex: lock is not cancellable, the next blocking call is", "[sync][mutex][cancel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Mutex m;
        m.lock();
        bool locked = false;
        std::error_code after;
        auto h = weft::spawn([&] {
            std::lock_guard lk{m};
            locked = true;
            weft::this_fiber::sleep_for(1h, after);  // intended: the next blocking call, cancelled
        });
        settle();
        h.cancel();
        settle();
        CHECK_FALSE(locked);  // still parked in lock()
        m.unlock();
        h.join();
        CHECK(locked);
        CHECK(after == weft::errc::cancelled);
    });
}

TEST_CASE("Mutex: shutdown with a fiber parked in lock does not hang", "[sync][mutex][shutdown]") {
    auto threads = GENERATE(1u, 2u);
    weft::test::Watchdog dog{"mutex shutdown", std::chrono::seconds(60)};
    weft::Runtime rt{weft::test::runtime_options(threads)};
    std::atomic<int> holder_cancelled{0}, waiter_locked{0};
    rt.run([&] {
        auto m = std::make_shared<weft::Mutex>();
        std::atomic<bool> held{false};
        weft::spawn([m, &held, &holder_cancelled] {
            std::lock_guard lk{*m};
            held = true;
            std::error_code ec;
            weft::this_fiber::sleep_for(1h, ec);  // intended: parked, holding the mutex
            holder_cancelled += ec == weft::errc::cancelled ? 1 : 0;
        }).detach();
        while (!held) {
            weft::this_fiber::yield();
        }
        weft::spawn([m, &waiter_locked] {
            std::lock_guard lk{*m};
            ++waiter_locked;
        }).detach();
        weft::this_fiber::yield();
    });
    CHECK(holder_cancelled == 1);
    CHECK(waiter_locked == 1);
}

// ---- ConditionVariable ------------------------------------------------------------------------

TEST_CASE("ConditionVariable: producer and consumers across workers", "[sync][cv]") {
    auto threads = GENERATE(1u, 2u, 4u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        weft::Mutex m;
        weft::ConditionVariable cv;
        std::vector<int> queue;
        bool finished = false;
        constexpr int items = 20'000;
        std::atomic<long> sum{0};
        std::atomic<int> taken{0};
        std::vector<weft::JoinHandle> consumers;
        for (int c = 0; c < 4; ++c) {
            consumers.push_back(weft::spawn([&] {
                std::unique_lock lk{m};
                for (;;) {
                    cv.wait(lk, [&] { return !queue.empty() || finished; });
                    if (queue.empty()) {
                        return;
                    }
                    sum += queue.back();
                    queue.pop_back();
                    ++taken;
                }
            }));
        }
        for (int i = 1; i <= items; ++i) {
            {
                std::lock_guard lk{m};
                queue.push_back(i);
            }
            cv.notify_one();
            if (i % 64 == 0) {
                weft::this_fiber::yield();
            }
        }
        {
            std::lock_guard lk{m};
            finished = true;
        }
        cv.notify_all();
        for (auto& h : consumers) {
            h.join();
        }
        CHECK(taken == items);
        CHECK(sum == static_cast<long>(items) * (items + 1) / 2);
    });
}

TEST_CASE("ConditionVariable: notify_one wakes the oldest waiter, notify_all the rest",
          "[sync][cv]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Mutex m;
        weft::ConditionVariable cv;
        std::vector<int> woken;
        std::vector<weft::JoinHandle> hs;
        for (int i = 0; i < 3; ++i) {
            hs.push_back(weft::spawn([&, i] {
                std::unique_lock lk{m};
                cv.wait(lk);
                CHECK(lk.owns_lock());
                woken.push_back(i);
            }));
            settle();  // parks in order 0, 1, 2
        }
        cv.notify_one();
        settle();
        CHECK(woken == std::vector<int>{0});
        cv.notify_one();
        settle();
        CHECK(woken == std::vector<int>{0, 1});
        cv.notify_all();
        for (auto& h : hs) {
            h.join();
        }
        CHECK(woken == std::vector<int>{0, 1, 2});
        cv.notify_one();  // nobody waits: a no-op
        cv.notify_all();
    });
}

TEST_CASE("ConditionVariable: wait_until times out with the mutex held", "[sync][cv][deadline]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Mutex m;
        weft::ConditionVariable cv;
        std::unique_lock lk{m};
        CHECK(cv.wait_until(lk, weft::Deadline::after(2ms)) == std::cv_status::timeout);
        CHECK(lk.owns_lock());
        // A deadline in the past still unlocks and relocks, and times out at once.
        CHECK(cv.wait_until(lk, weft::Deadline::after(-1s)) == std::cv_status::timeout);
        CHECK(lk.owns_lock());
        std::error_code ec;
        CHECK(cv.wait_until(lk, weft::Deadline::after(1ms), ec) == std::cv_status::timeout);
        CHECK_FALSE(ec);
        // The predicate forms return the predicate.
        CHECK_FALSE(cv.wait_until(lk, weft::Deadline::after(1ms), [] { return false; }));
        CHECK(cv.wait_until(lk, weft::Deadline::after(-1s), [] { return true; }));
        CHECK_FALSE(cv.wait_until(
            lk, weft::Deadline::after(1ms), [] { return false; }, ec));
        CHECK_FALSE(ec);
        CHECK(lk.owns_lock());
    });
}

TEST_CASE("ConditionVariable: a notify before the deadline wins", "[sync][cv][deadline]") {
    auto threads = GENERATE(1u, 2u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        weft::Mutex m;
        weft::ConditionVariable cv;
        bool flag = false;
        bool result = false;
        auto waiter = weft::spawn([&] {
            std::unique_lock lk{m};
            result = cv.wait_until(lk, weft::Deadline::after(60s), [&] { return flag; });
        });
        {
            std::lock_guard lk{m};
            flag = true;
        }
        cv.notify_all();
        waiter.join();
        CHECK(result);
    });
}

TEST_CASE("ConditionVariable: cancelling a waiter throws with the mutex held",
          "[sync][cv][cancel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Mutex m;
        weft::ConditionVariable cv;
        bool held_on_throw = false;
        std::error_code code, ec_form;
        bool pred_result = true;
        auto thrower = weft::spawn([&] {
            std::unique_lock lk{m};
            try {
                cv.wait(lk, [] { return false; });
            } catch (const std::system_error& e) {
                code = e.code();
                held_on_throw = lk.owns_lock();
            }
        });
        auto ec_waiter = weft::spawn([&] {
            std::unique_lock lk{m};
            pred_result = cv.wait(
                lk, [] { return false; }, ec_form);
        });
        settle();
        thrower.cancel();
        ec_waiter.cancel();
        thrower.join();
        ec_waiter.join();
        CHECK(code == weft::errc::cancelled);
        CHECK(held_on_throw);
        CHECK(ec_form == weft::errc::cancelled);
        CHECK_FALSE(pred_result);
        // A cancel that comes before the wait fails it at once.
        std::error_code early_ec;
        auto early = weft::spawn([&] {
            std::unique_lock lk{m};
            cv.wait_until(lk, weft::Deadline::never(), early_ec);
        });
        early.cancel();
        early.join();
        CHECK(early_ec == weft::errc::cancelled);
    });
}

// The lost-notification race (wait_queue.cpp rule 3), made deterministic on one worker: a
// waiter that a notify_one picked, but whose park was already claimed by its deadline or a
// cancel, must hand the notification to the next waiter, or that one sleeps forever.
TEST_CASE("ConditionVariable: a timed-out waiter passes its notification on", "[sync][cv][races]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Mutex m;
        weft::ConditionVariable cv;
        std::cv_status first = std::cv_status::no_timeout;
        bool second = false;
        // w0 queues first with a deadline already past: its slot times out at once, but it
        // yields before it leaves the queue. w1 queues behind it; n notifies meanwhile and
        // picks w0.
        auto w0 = weft::spawn([&] {
            std::unique_lock lk{m};
            first = cv.wait_until(lk, weft::Deadline::after(-1s));
        });
        auto w1 = weft::spawn([&] {
            std::unique_lock lk{m};
            // Woken by the notification, not by this hang guard.
            second = cv.wait_until(lk, weft::Deadline::after(10s)) == std::cv_status::no_timeout;
        });
        auto n = weft::spawn([&] { cv.notify_one(); });
        n.join();
        w0.join();
        w1.join();
        CHECK(first == std::cv_status::timeout);
        CHECK(second);
    });
}

TEST_CASE("ConditionVariable: a cancelled waiter passes its notification on",
          "[sync][cv][races][cancel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::Mutex m;
        weft::ConditionVariable cv;
        std::error_code first;
        bool second = false;
        auto w0 = weft::spawn([&] {
            std::unique_lock lk{m};
            cv.wait(lk, first);
        });
        settle();
        auto w1 = weft::spawn([&] {
            std::unique_lock lk{m};
            // Woken by the notification, not by this hang guard.
            second = cv.wait_until(lk, weft::Deadline::after(10s)) == std::cv_status::no_timeout;
        });
        settle();
        // Both land before w0 runs again: the cancel claims w0's park, the notify picks w0.
        w0.cancel();
        cv.notify_one();
        w0.join();
        w1.join();
        CHECK(first == weft::errc::cancelled);
        CHECK(second);
    });
}

TEST_CASE("ConditionVariable: notifies racing deadlines and cancels lose no wake-up",
          "[sync][cv][races]") {
    auto threads = GENERATE(1u, 2u, 4u);
    weft::test::Watchdog dog{"cv races", std::chrono::seconds(120)};
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        weft::Mutex m;
        weft::ConditionVariable cv;
        int tokens = 0;  // guarded by m; each notify_one hands out one
        constexpr int total = 20'000, waiters = 8;
        std::atomic<int> consumed{0}, timeouts{0}, cancels{0};
        std::atomic<bool> stop{false};
        std::vector<weft::JoinHandle> hs;
        for (int w = 0; w < waiters; ++w) {
            hs.push_back(weft::spawn([&, w] {
                unsigned k = static_cast<unsigned>(w);
                std::unique_lock lk{m};
                while (consumed < total) {
                    std::error_code ec;
                    auto d = ++k % 3 == 0 ? weft::Deadline::after(std::chrono::microseconds(k % 40))
                                          : weft::Deadline::never();
                    bool ok = cv.wait_until(
                        lk, d, [&] { return tokens > 0 || stop; }, ec);
                    if (ec) {
                        ++cancels;
                    } else if (!ok) {
                        ++timeouts;
                    }
                    if (tokens > 0) {
                        --tokens;
                        ++consumed;
                    } else if (stop) {
                        return;
                    }
                }
            }));
        }
        auto canceller = weft::spawn([&] {
            for (int i = 0; !stop; ++i) {
                hs[static_cast<std::size_t>(i) % waiters].cancel();
                weft::this_fiber::sleep_for(std::chrono::microseconds(i % 30));  // intended: jitter
            }
        });
        for (int i = 0; i < total; ++i) {
            {
                std::lock_guard lk{m};
                ++tokens;
            }
            cv.notify_one();
            if (i % 16 == 0) {
                weft::this_fiber::yield();
            }
        }
        while (consumed < total) {
            weft::this_fiber::yield();
        }
        stop = true;
        cv.notify_all();
        for (auto& h : hs) {
            h.join();
        }
        canceller.join();
        CHECK(consumed == total);
        std::lock_guard lk{m};
        CHECK(tokens == 0);
    });
}

TEST_CASE("ConditionVariable: shutdown with fibers parked in wait does not hang",
          "[sync][cv][shutdown]") {
    auto threads = GENERATE(1u, 2u, 4u);
    weft::test::Watchdog dog{"cv shutdown", std::chrono::seconds(60)};
    weft::Runtime rt{weft::test::runtime_options(threads)};
    auto m = std::make_shared<weft::Mutex>();
    auto cv = std::make_shared<weft::ConditionVariable>();
    std::atomic<int> cancelled{0};
    rt.run([&] {
        for (int i = 0; i < 16; ++i) {
            weft::spawn([m, cv, &cancelled] {
                std::unique_lock lk{*m};
                try {
                    cv->wait(lk, [] { return false; });
                } catch (const std::system_error& e) {
                    cancelled += e.code() == weft::errc::cancelled ? 1 : 0;
                    throw;
                }
            }).detach();
        }
        weft::this_fiber::sleep_for(1ms);  // intended: most waiters park first; holds either way
    });
    CHECK(cancelled == 16);
}

// ---- WaitGroup ------------------------------------------------------------------------------

TEST_CASE("WaitGroup: wait returns once every task is done", "[sync][waitgroup]") {
    auto threads = GENERATE(1u, 2u, 4u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        weft::WaitGroup wg;
        std::atomic<int> done{0};
        wg.add(100);
        CHECK(wg.count() == 100);
        for (int i = 0; i < 100; ++i) {
            weft::spawn([&, i] {
                if (i % 4 == 0) {
                    weft::this_fiber::yield();
                }
                ++done;
                wg.done();
            }).detach();
        }
        std::vector<weft::JoinHandle> waiters;
        std::atomic<int> saw_all{0};
        for (int i = 0; i < 3; ++i) {
            waiters.push_back(weft::spawn([&] {
                wg.wait();
                saw_all += done == 100 ? 1 : 0;
            }));
        }
        wg.wait();
        CHECK(done == 100);
        for (auto& h : waiters) {
            h.join();
        }
        CHECK(saw_all == 3);
        CHECK(wg.count() == 0);
        wg.wait();  // zero: returns at once
    });
}

TEST_CASE("WaitGroup: errors, deadlines, reuse", "[sync][waitgroup][deadline]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        CHECK_THROWS_AS(weft::WaitGroup{-1}, std::logic_error);
        weft::WaitGroup wg{1};
        CHECK_THROWS_AS(wg.add(-2), std::logic_error);
        CHECK(wg.count() == 1);  // unchanged by the failed add
        try {
            wg.wait(weft::Deadline::after(1ms));
            FAIL("wait must time out");
        } catch (const std::system_error& e) {
            CHECK(e.code() == weft::errc::timed_out);
        }
        std::error_code ec;
        wg.wait(weft::Deadline::after(-1s), ec);
        CHECK(ec == weft::errc::timed_out);
        wg.done();
        wg.wait(weft::Deadline::after(-1s), ec);  // zero: no wait, so no timeout
        CHECK_FALSE(ec);
        CHECK_THROWS_AS(wg.done(), std::logic_error);
        // Reuse: counting up again after zero.
        wg.add(2);
        auto h = weft::spawn([&] {
            wg.done();
            wg.done();
        });
        wg.wait(weft::Deadline::after(60s));
        h.join();
    });
}

TEST_CASE("WaitGroup: cancelling a waiter", "[sync][waitgroup][cancel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::WaitGroup wg{1};
        std::error_code thrown, ec_form;
        auto a = weft::spawn([&] {
            try {
                wg.wait();
            } catch (const std::system_error& e) {
                thrown = e.code();
            }
        });
        auto b = weft::spawn([&] { wg.wait(weft::Deadline::never(), ec_form); });
        settle();
        a.cancel();
        b.cancel();
        a.join();
        b.join();
        CHECK(thrown == weft::errc::cancelled);
        CHECK(ec_form == weft::errc::cancelled);
        wg.done();
    });
}

TEST_CASE("WaitGroup: shutdown with fibers parked in wait does not hang",
          "[sync][waitgroup][shutdown]") {
    auto threads = GENERATE(1u, 2u);
    weft::test::Watchdog dog{"wait group shutdown", std::chrono::seconds(60)};
    weft::Runtime rt{weft::test::runtime_options(threads)};
    auto wg = std::make_shared<weft::WaitGroup>(1);
    std::atomic<int> cancelled{0};
    rt.run([&] {
        for (int i = 0; i < 8; ++i) {
            weft::spawn([wg, &cancelled] {
                std::error_code ec;
                wg->wait(weft::Deadline::never(), ec);
                cancelled += ec == weft::errc::cancelled ? 1 : 0;
            }).detach();
        }
        weft::this_fiber::yield();
    });
    CHECK(cancelled == 8);
}
