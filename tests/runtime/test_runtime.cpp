#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "support/weft_test.hpp"

using namespace std::chrono_literals;

TEST_CASE("run returns the value of its function", "[runtime]") {
    weft::Runtime rt{weft::test::runtime_options()};
    CHECK(rt.run([] { return 42; }) == 42);
    CHECK(rt.run([] { return std::string{"again"}; }) == "again");
}

TEST_CASE("run rethrows the exception its function ended with", "[runtime]") {
    weft::Runtime rt{weft::test::runtime_options()};
    CHECK_THROWS_WITH(rt.run([] { throw std::runtime_error("boom"); }), "boom");
    CHECK(rt.run([] { return 1; }) == 1);  // still usable afterwards
}

TEST_CASE("the requested backend is the one used", "[runtime]") {
    weft::Runtime rt{weft::test::runtime_options()};
    CHECK(
        (rt.backend() == weft::BackendKind::epoll || rt.backend() == weft::BackendKind::io_uring));
    CHECK(rt.threads() == 1);
}

TEST_CASE("backend names parse, and unknown ones are rejected with a message", "[runtime]") {
    CHECK(weft::parse_backend_kind("epoll") == weft::BackendKind::epoll);
    CHECK(weft::parse_backend_kind("io_uring") == weft::BackendKind::io_uring);
    CHECK(weft::parse_backend_kind("auto") == weft::BackendKind::automatic);
    CHECK_THROWS_WITH(weft::parse_backend_kind("kqueue"), Catch::Contains("kqueue"));
}

TEST_CASE("two runtimes work one after another and side by side", "[runtime]") {
    for (int i = 0; i < 2; ++i) {
        weft::Runtime rt{weft::test::runtime_options()};
        CHECK(rt.run([i] { return i; }) == i);
    }
    std::atomic<int> done{0};
    auto body = [&] {
        weft::Runtime rt{weft::test::runtime_options()};
        rt.run([&] {
            auto [a, b] = weft::test::connected_pair();
            a.write_all(weft::net::as_bytes("x"));
            std::array<std::byte, 1> c;
            b.read_exact(c);
            done.fetch_add(1);
        });
    };
    std::thread t1{body}, t2{body};
    t1.join();
    t2.join();
    CHECK(done.load() == 2);
}

TEST_CASE("spawned fibers run and join rethrows their exception", "[runtime]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        int value = 0;
        auto h = weft::spawn([&] { value = 7; });
        h.join();
        CHECK(value == 7);
        CHECK_FALSE(h.joinable());
        auto bad = weft::spawn([] { throw std::logic_error("fiber failed"); });
        CHECK_THROWS_WITH(bad.join(), "fiber failed");
        CHECK_THROWS_AS(bad.join(), std::logic_error);  // not joinable any more
    });
}

TEST_CASE("a detached fiber's exception goes to on_fiber_exception with its name", "[runtime]") {
    auto options = weft::test::runtime_options();
    std::string seen_name, seen_what;
    options.on_fiber_exception = [&](std::string_view name, std::exception_ptr e) {
        seen_name = name;
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            seen_what = ex.what();
        }
    };
    weft::Runtime rt{options};
    rt.run([] {
        weft::spawn([] { throw std::runtime_error("lost"); }, {.name = "worker-1"});
        weft::this_fiber::yield();
    });
    CHECK(seen_name == "worker-1");
    CHECK(seen_what == "lost");
}

TEST_CASE("fibers know their names", "[runtime]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        CHECK(weft::this_fiber::name() == "main");
        std::string inner;
        weft::spawn([&] { inner = weft::this_fiber::name(); }, {.name = "conn 42"}).join();
        CHECK(inner == "conn 42");
    });
}

TEST_CASE("yield lets the other ready fibers run", "[runtime]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        std::vector<int> order;
        auto a = weft::spawn([&] {
            order.push_back(1);
            weft::this_fiber::yield();
            order.push_back(3);
        });
        auto b = weft::spawn([&] {
            order.push_back(2);
            weft::this_fiber::yield();
            order.push_back(4);
        });
        a.join();
        b.join();
        CHECK(order == std::vector<int>{1, 2, 3, 4});
    });
}

// The sleep is the subject of this case, not a means of synchronization.
TEST_CASE("sleep_for returns no earlier than its deadline", "[runtime]") {  // intended
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto start = std::chrono::steady_clock::now();
        weft::this_fiber::sleep_for(2ms);  // intended: the sleep under test
        CHECK(std::chrono::steady_clock::now() - start >= 2ms);
        std::error_code ec;
        weft::this_fiber::sleep_until(weft::Deadline::after(-1s), ec);  // intended: already past
        CHECK_FALSE(ec);
    });
}

TEST_CASE("sleeping fibers wake in deadline order", "[runtime]") {
    weft::Runtime rt{weft::test::runtime_options(1)};
    rt.run([] {
        // The order is defined only if every fiber is in the sleep queue before the first
        // deadline passes. On one worker, after one yield of this fiber each of the three has
        // run up to its park; if the clock is still short of the first deadline then, they are
        // all queued in time. A slow machine (sanitizers, a loaded CI host) can miss a short
        // spacing: such a round is not judged, and the next one spaces the deadlines wider.
        bool judged = false;
        for (auto gap : {10ms, 100ms, 1000ms}) {
            std::vector<int> order;
            const auto first = std::chrono::steady_clock::now() + gap;
            std::vector<weft::JoinHandle> hs;
            for (int i : {3, 1, 2}) {
                hs.push_back(weft::spawn([&, i] {
                    const auto wake = weft::Deadline::at(first + (i - 1) * gap);
                    weft::this_fiber::sleep_until(wake);  // intended: the sleep under test
                    order.push_back(i);
                }));
            }
            weft::this_fiber::yield();
            const bool queued_in_time = std::chrono::steady_clock::now() < first;
            for (auto& h : hs) {
                h.join();
            }
            if (queued_in_time) {
                CHECK(order == std::vector<int>{1, 2, 3});
                judged = true;
                break;
            }
        }
        CHECK(judged);
    });
}

TEST_CASE("cancel wakes a parked fiber with errc::cancelled", "[runtime][cancel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        std::error_code seen;
        // A sleep that only the cancel can end (what is tested).
        auto h = weft::spawn([&] { weft::this_fiber::sleep_for(1h, seen); });  // intended
        weft::this_fiber::yield();                                             // let it park
        h.cancel();
        h.join();
        CHECK(seen == weft::errc::cancelled);
        CHECK(seen == std::errc::operation_canceled);
    });
}

TEST_CASE("a cancel that arrives before the park fails the next blocking op once",
          "[runtime][cancel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        std::error_code first, second;
        auto h = weft::spawn([&] {
            weft::this_fiber::sleep_for(1h, first);  // intended: the op the early cancel must fail
            weft::this_fiber::sleep_for(1ms, second);  // intended: the next op, which must not
        });
        h.cancel();  // the fiber has not started yet
        h.join();
        CHECK(first == weft::errc::cancelled);
        CHECK_FALSE(second);
    });
}

TEST_CASE("run cancels and drains fibers still parked when main returns", "[runtime][cancel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    std::atomic<int> unwound{0};
    rt.run([&] {
        for (int i = 0; i < 10; ++i) {
            weft::spawn([&] {
                struct Guard {
                    std::atomic<int>& n;
                    ~Guard() { n.fetch_add(1); }
                } g{unwound};
                weft::this_fiber::sleep_for(1h);  // intended: parked until run() cancels it
            });
        }
        weft::this_fiber::yield();
    });
    CHECK(unwound.load() == 10);
}

TEST_CASE("spawn outside a runtime is a clear error", "[runtime]") {
    CHECK_THROWS_AS(weft::spawn([] {}), std::logic_error);
}
