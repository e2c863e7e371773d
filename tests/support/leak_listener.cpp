// After every test case: fails the run when the case ended with more open fds, live fibers,
// fibers parked in a blocking call (in-flight ops) or pending deadlines (timers) than it
// started with. Catch2 v2 listeners cannot fail an assertion after the fact, so the runner's
// exit code carries it (CTest runs one test case per process, so the failing case is the one
// named).
//
// During every test case: a watchdog (support/watchdog.hpp) ends the run when fibers are
// parked and nothing has progressed for 10 s (WEFT_TEST_WATCHDOG_S overrides; 0 disables):
// no park has ended and no assertion has run. It prints every live fiber with what it is
// parked in, then exits. A fiber busy without parking is not a hang by this measure, and a
// test with no parked fiber (waiting for a child process, say) is never stopped.
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <weft/detail/diagnostics.hpp>

#include "support/watchdog.hpp"
#include "support/weft_test.hpp"

namespace weft::test {

namespace {
bool leak_seen = false;

std::chrono::seconds watchdog_limit() {
    const char* env = std::getenv("WEFT_TEST_WATCHDOG_S");
    return std::chrono::seconds{env != nullptr && *env != '\0' ? std::atol(env) : 10};
}
}  // namespace

bool leaks_found() {
    return leak_seen;
}

class LeakListener : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;

    void testCaseStarting(const Catch::TestCaseInfo& info) override {
        fds_ = count_open_fds();
        fibers_ = weft::detail::live_fibers();
        parked_ = weft::detail::parked_fibers();
        deadlines_ = weft::detail::pending_deadlines();
        if (const auto limit = watchdog_limit(); limit.count() > 0) {
            watchdog_ = std::make_unique<Watchdog>(
                "test case '" + info.name + "'", limit, [this] { return progress(); }, &dump);
        }
    }

    bool assertionEnded(const Catch::AssertionStats& stats) override {
        assertions_.fetch_add(1, std::memory_order_relaxed);
        return TestEventListenerBase::assertionEnded(stats);
    }

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        watchdog_.reset();
        const char* name = stats.testInfo.name.c_str();
        check(name, "file descriptor(s)", fds_, count_open_fds());
        check(name, "fiber(s)", fibers_, weft::detail::live_fibers());
        check(name, "parked fiber(s) (in-flight ops)", parked_, weft::detail::parked_fibers());
        check(name, "pending deadline(s) (timers)", deadlines_, weft::detail::pending_deadlines());
    }

private:
    static void check(const char* test, const char* what, std::size_t before, std::size_t now) {
        if (now > before) {
            leak_seen = true;
            std::fprintf(stderr, "LEAK: test case '%s' leaked %zu %s\n", test, now - before, what);
        }
    }

    // Changes whenever something progresses; with no fiber parked it always changes (nothing
    // is waiting, so nothing can be stuck in weft).
    long progress() {
        if (weft::detail::parked_fibers() == 0) {
            return ++idle_samples_;
        }
        return static_cast<long>(weft::detail::parks_completed()) +
               assertions_.load(std::memory_order_relaxed) + (idle_samples_ << 24);
    }

    static void dump(const std::string& what) {
        std::fprintf(stderr,
                     "WATCHDOG: %s: %zu fiber(s) parked (%zu with a deadline), no park ended "
                     "and no assertion ran for %lld s. Live fibers:\n%s",
                     what.c_str(), weft::detail::parked_fibers(), weft::detail::pending_deadlines(),
                     static_cast<long long>(watchdog_limit().count()),
                     weft::detail::describe_fibers().c_str());
        std::fflush(stderr);
        weft::test::kill_tracked_children();  // _Exit skips the destructors that would
        std::_Exit(EXIT_FAILURE);             // a failure, not a crash: CTest shows the dump
    }

    std::size_t fds_ = 0;
    std::size_t fibers_ = 0;
    std::size_t parked_ = 0;
    std::size_t deadlines_ = 0;
    std::atomic<long> assertions_{0};
    long idle_samples_ = 0;  // the watchdog thread's
    std::unique_ptr<Watchdog> watchdog_;
};

CATCH_REGISTER_LISTENER(LeakListener)

}  // namespace weft::test
