// The multithreaded scheduler: work stealing, pinning, wake-ups between workers, and what
// migration means for thread_local versus FiberLocal.
#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/detail/diagnostics.hpp>

#include "support/weft_test.hpp"

using namespace std::chrono_literals;

namespace {

// Blocks the calling *thread* (not just the fiber) until `flag` is set, so that its worker
// cannot run anything else: whatever must happen meanwhile has to happen on another worker.
// The bound is a hang guard, not a timing assertion.
bool spin_until(const std::atomic<bool>& flag) {
    auto give_up = std::chrono::steady_clock::now() + 30s;
    while (!flag.load()) {
        if (std::chrono::steady_clock::now() > give_up) {
            return false;
        }
    }
    return true;
}

// current_thread() is pthread_self(), which the compiler may treat as constant for
// the whole function and so read once, before a yield, even though the fiber resumes on
// another thread: the very hazard FiberLocal's docs warn of. Go through an opaque call.
std::thread::id (*volatile get_thread_id)() = [] {
    return std::this_thread::get_id();
};

std::thread::id current_thread() {
    return get_thread_id();
}

}  // namespace

TEST_CASE("a Runtime with several workers reports them and runs", "[scheduler]") {
    auto threads = GENERATE(2u, 4u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    CHECK(rt.threads() == threads);
    CHECK(rt.run([] { return 7; }) == 7);
    CHECK_THROWS_WITH(rt.run([] { throw std::runtime_error("boom"); }), "boom");
    CHECK(rt.run([] { return 8; }) == 8);  // the workers start again
}

TEST_CASE("threads = 0 means one worker per hardware thread", "[scheduler]") {
    weft::RuntimeOptions o = weft::test::runtime_options();
    o.threads = 0;
    weft::Runtime rt{o};
    CHECK(rt.threads() == std::max(1u, std::thread::hardware_concurrency()));
}

TEST_CASE("an idle worker steals a ready fiber from a busy one", "[scheduler]") {
    auto threads = GENERATE(2u, 4u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        std::atomic<bool> stolen_ran{false};
        const auto home = current_thread();
        std::thread::id ran_on;
        auto h = weft::spawn([&] {
            ran_on = current_thread();
            stolen_ran = true;
        });
        // This fiber now holds its worker's thread: the new fiber can only run elsewhere.
        REQUIRE(spin_until(stolen_ran));
        h.join();
        CHECK(ran_on != home);
    });
}

TEST_CASE("a migrating fiber keeps its FiberLocal values, thread_local stays behind",
          "[scheduler][fiber_local]") {
    static weft::FiberLocal<int> fiber_value;
    static thread_local int thread_value = 0;
    weft::Runtime rt{weft::test::runtime_options(2)};
    rt.run([] {
        std::atomic<bool> migrated{false};
        std::thread::id before, after;
        unsigned before_worker = 0, after_worker = 0;
        int fiber_after = 0, thread_after = 0;
        auto mover = weft::spawn([&] {
            fiber_value.set(42);
            thread_value = 42;
            before = current_thread();
            before_worker = weft::this_fiber::worker_index();
            // A pinned spinner holds this worker's thread until the mover shows up elsewhere,
            // so once the mover yields, only another worker can run it.
            auto spinner = weft::spawn([&] { spin_until(migrated); }, {.pinned = true});
            while (current_thread() == before) {
                weft::this_fiber::yield();
            }
            after = current_thread();
            after_worker = weft::this_fiber::worker_index();
            fiber_after = fiber_value.get();
            thread_after = thread_value;
            migrated = true;
            spinner.join();
        });
        mover.join();
        REQUIRE(migrated);
        CHECK(before != after);
        CHECK(before_worker != after_worker);
        CHECK(after_worker < 2);
        CHECK(fiber_after == 42);              // the fiber's own value came along
        CHECK(thread_after == 0);              // the other thread's copy, never set
        CHECK_FALSE(fiber_value.has_value());  // main fiber: a value of its own, still none
    });
}

TEST_CASE("each fiber has its own FiberLocal value", "[fiber_local]") {
    static weft::FiberLocal<std::string> name;
    weft::Runtime rt{weft::test::runtime_options(2)};
    rt.run([] {
        std::vector<weft::JoinHandle> hs;
        std::atomic<int> ok{0};
        for (int i = 0; i < 100; ++i) {
            hs.push_back(weft::spawn([&ok, i] {
                name.set("fiber " + std::to_string(i));
                for (int k = 0; k < 10; ++k) {
                    weft::this_fiber::yield();
                }
                ok += name.get() == "fiber " + std::to_string(i) ? 1 : 0;
            }));
        }
        for (auto& h : hs) {
            h.join();
        }
        CHECK(ok == 100);
    });
}

TEST_CASE("a pinned fiber never leaves its worker", "[scheduler]") {
    weft::Runtime rt{weft::test::runtime_options(2)};
    rt.run([] {
        std::set<std::thread::id> seen;
        auto pinned = weft::spawn(
            [&] {
                for (int i = 0; i < 2000; ++i) {
                    seen.insert(current_thread());
                    weft::this_fiber::yield();
                }
            },
            {.name = "pinned", .pinned = true});
        // Keep the other worker hungry: it steals whatever it can.
        std::vector<weft::JoinHandle> others;
        for (int i = 0; i < 20; ++i) {
            others.push_back(weft::spawn([] {
                for (int k = 0; k < 100; ++k) {
                    weft::this_fiber::yield();
                }
            }));
        }
        pinned.join();
        for (auto& h : others) {
            h.join();
        }
        CHECK(seen.size() == 1);
    });
}

TEST_CASE("many fibers across workers all run to completion", "[scheduler]") {
    auto threads = GENERATE(1u, 2u, 4u);
    // TSan gives every fiber a thread state of its own (__tsan_create_fiber), which costs
    // about as much as a thread: 2,000 fibers x 3 runs took minutes there.
#if defined(__SANITIZE_THREAD__)
    static constexpr int fibers = 400;
#else
    static constexpr int fibers = 2000;
#endif
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        std::atomic<int> done{0};
        std::vector<weft::JoinHandle> hs;
        for (int i = 0; i < fibers; ++i) {
            hs.push_back(weft::spawn([&done, i] {
                if (i % 3 == 0) {
                    // Short timers race the yields and the steals (what is tested).
                    weft::this_fiber::sleep_for(std::chrono::microseconds(i % 100));  // intended
                }
                weft::this_fiber::yield();
                ++done;
            }));
        }
        for (auto& h : hs) {
            h.join();
        }
        CHECK(done == fibers);
    });
}

TEST_CASE("shutdown cancels fibers parked on every worker", "[scheduler]") {
    auto threads = GENERATE(2u, 4u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    std::atomic<int> cancelled{0};
    const std::size_t parked = weft::detail::parked_fibers();
    rt.run([&] {
        for (int i = 0; i < 64; ++i) {
            weft::spawn([&] {
                std::error_code ec;
                weft::this_fiber::sleep_for(1h, ec);  // intended: a park only shutdown ends
                if (ec == weft::errc::cancelled) {
                    ++cancelled;
                }
            }).detach();
        }
        // Return (which shuts down) once all 64 are parked, wherever they run.
        while (weft::detail::parked_fibers() < parked + 64) {
            weft::this_fiber::yield();
        }
    });
    CHECK(cancelled == 64);
}

TEST_CASE("sockets work from fibers on any worker", "[scheduler][net]") {
    auto threads = GENERATE(2u, 4u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        auto listener = weft::test::listen_loopback();
        const auto at = listener.local_endpoint();
        constexpr int conns = 200, rounds = 50;
        auto server = weft::spawn([&] {
            std::vector<weft::JoinHandle> hs;
            for (int i = 0; i < conns; ++i) {
                hs.push_back(weft::spawn([c = listener.accept()]() mutable {
                    std::array<std::byte, 256> buf;
                    while (std::size_t n = c.read_some(buf)) {
                        c.write_all({buf.data(), n});
                    }
                }));
            }
            for (auto& h : hs) {
                h.join();
            }
        });
        std::atomic<int> ok{0};
        std::vector<weft::JoinHandle> clients;
        for (int i = 0; i < conns; ++i) {
            clients.push_back(weft::spawn([&, i] {
                auto c = weft::net::TcpStream::connect(at);
                std::string msg = weft::test::pattern(37, static_cast<unsigned>(i));
                std::string back(msg.size(), '\0');
                for (int r = 0; r < rounds; ++r) {
                    c.write_all(weft::net::as_bytes(msg));
                    c.read_exact(std::as_writable_bytes(std::span{back}));
                    if (back != msg) {
                        return;
                    }
                }
                ++ok;
            }));
        }
        for (auto& h : clients) {
            h.join();
        }
        server.join();
        CHECK(ok == conns);
    });
}

TEST_CASE("FiberOptions::worker places a pinned fiber on that worker", "[scheduler]") {
    auto threads = GENERATE(1u, 2u, 4u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([threads] {
        std::vector<weft::JoinHandle> hs;
        std::vector<int> wrong(threads, 0);
        for (unsigned k = 0; k < threads; ++k) {
            hs.push_back(weft::spawn(
                [&wrong, k] {
                    for (int i = 0; i < 100; ++i) {
                        wrong[k] += weft::this_fiber::worker_index() != k ? 1 : 0;
                        // Timer wake-ups on a pinned fiber's own worker (what is tested).
                        weft::this_fiber::sleep_for(std::chrono::microseconds(i % 7));  // intended
                    }
                },
                {.name = "on-" + std::to_string(k), .pinned = true, .worker = k}));
        }
        for (auto& h : hs) {
            h.join();
        }
        CHECK(wrong == std::vector<int>(threads, 0));
        CHECK_THROWS_AS(weft::spawn([] {}, {.worker = threads}), std::out_of_range);
    });
}
