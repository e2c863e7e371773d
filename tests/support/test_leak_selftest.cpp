// Hidden cases that leak on purpose: CTest runs each with WILL_FAIL, proving that the leak
// listener turns a leaked fd or fiber into a failed run.
#include <sys/eventfd.h>

#include <catch2/catch.hpp>

#include "support/weft_test.hpp"

TEST_CASE("leaks a file descriptor", "[.leak-selftest]") {
    int fd = ::eventfd(0, EFD_CLOEXEC);
    CHECK(fd >= 0);  // and never closed
}

TEST_CASE("leaks a fiber", "[.leak-selftest]") {
    static weft::JoinHandle kept;  // keeps the fiber's state alive past the test case
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        kept = weft::spawn([] {});
        kept.join();
    });
    CHECK_FALSE(kept.joinable());
}

TEST_CASE("hangs with a parked fiber", "[.watchdog-selftest]") {
    // Run with WEFT_TEST_WATCHDOG_S=1: the watchdog must end the run and name the fiber.
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::spawn([] { weft::this_fiber::sleep_for(std::chrono::hours{1}); },  // intended
                    weft::FiberOptions{.name = "stuck"})
            .join();
    });
}
