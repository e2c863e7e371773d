// weft/detail/diagnostics.hpp: what the leak listener and the test watchdog read. The counts
// are process-wide; each check compares with the value before the fiber parked.
#include <chrono>
#include <mutex>
#include <string>

#include <catch2/catch.hpp>

#include <weft/channel.hpp>
#include <weft/detail/diagnostics.hpp>
#include <weft/sync.hpp>

#include "support/weft_test.hpp"

using namespace std::chrono_literals;
namespace diag = weft::detail;

namespace {
/// Yields until `cond` holds: the parked fiber gets there in a few scheduling rounds.
template <class F>
void until(F cond) {
    while (!cond()) {
        weft::this_fiber::yield();
    }
}
}  // namespace

TEST_CASE("parked fibers and pending deadlines are counted and described") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        const std::size_t parked = diag::parked_fibers();
        const std::size_t timers = diag::pending_deadlines();
        const auto completed = diag::parks_completed();

        weft::Channel<int> ch{1};
        auto popper =
            weft::spawn([&] { CHECK(ch.pop() == 7); }, weft::FiberOptions{.name = "popper"});
        until([&] { return diag::parked_fibers() == parked + 1; });
        CHECK(diag::pending_deadlines() == timers);  // no deadline: no timer
        auto sleeper = weft::spawn(
            [] {
                std::error_code ec;
                weft::this_fiber::sleep_for(1h, ec);  // intended: parked until cancelled
            },
            weft::FiberOptions{.name = "sleeper"});
        until([&] { return diag::parked_fibers() == parked + 2; });
        CHECK(diag::pending_deadlines() == timers + 1);
        weft::Mutex m;
        m.lock();
        auto locker =
            weft::spawn([&] { std::lock_guard lk{m}; }, weft::FiberOptions{.name = "locker"});
        until([&] { return diag::parked_fibers() == parked + 3; });

        const std::string d = diag::describe_fibers();
        INFO(d);
        CHECK(d.find("fiber 'sleeper': parked in sleep") != std::string::npos);
        CHECK(d.find("fiber 'popper': parked in a weft sync wait") != std::string::npos);
        CHECK(d.find("fiber 'locker': parked in weft::Mutex lock") != std::string::npos);
        CHECK(d.find("fiber 'main': not parked") != std::string::npos);

        m.unlock();
        locker.join();
        ch.push(7);
        popper.join();
        sleeper.cancel();
        sleeper.join();
        CHECK(diag::parked_fibers() == parked);
        CHECK(diag::pending_deadlines() == timers);
        CHECK(diag::parks_completed() != completed);
    });
}
