// Fails the run when a test case ends with more open fds or live fibers than it started with.
// Catch2 v2 listeners cannot fail an assertion after the fact, so the runner's exit code carries it
// (CTest runs one test case per process, so the failing case is the one named).
#include <cstdio>

#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

#include <weft/detail/diagnostics.hpp>

#include "support/weft_test.hpp"

namespace weft::test {

namespace {
bool leak_seen = false;
}

bool leaks_found() {
    return leak_seen;
}

class LeakListener : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;

    void testCaseStarting(const Catch::TestCaseInfo&) override {
        fds_ = count_open_fds();
        fibers_ = weft::detail::live_fibers();
    }

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        std::size_t now = count_open_fds();
        if (now > fds_) {
            leak_seen = true;
            std::fprintf(stderr, "LEAK: test case '%s' leaked %zu file descriptor(s)\n",
                         stats.testInfo.name.c_str(), now - fds_);
        }
        std::size_t fibers = weft::detail::live_fibers();
        if (fibers > fibers_) {
            leak_seen = true;
            std::fprintf(stderr, "LEAK: test case '%s' leaked %zu fiber(s)\n",
                         stats.testInfo.name.c_str(), fibers - fibers_);
        }
    }

private:
    std::size_t fds_ = 0;
    std::size_t fibers_ = 0;
};

CATCH_REGISTER_LISTENER(LeakListener)

}  // namespace weft::test
