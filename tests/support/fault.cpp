// ScopedFault, and a listener that keeps one test case's plan from reaching the next.
#include "support/fault.hpp"

#include <cstdio>

#define CATCH_CONFIG_EXTERNAL_INTERFACES
#include <catch2/catch.hpp>

namespace weft::test {

namespace sys = weft::detail::sys;

namespace {
bool armed = false;  // this test process's one ScopedFault
}

ScopedFault::ScopedFault(const FaultPlan& plan) noexcept {
    armed = true;
    sys::arm_faults(plan);
}

ScopedFault::~ScopedFault() {
    sys::disarm_faults();
    armed = false;
}

std::uint64_t ScopedFault::calls() const noexcept {
    return sys::fault_calls();
}

Call ScopedFault::fired_call() const noexcept {
    return sys::fault_fired();
}

const char* call_name(Call c) noexcept {
    return sys::call_name(c);
}

class FaultListener : public Catch::TestEventListenerBase {
public:
    using TestEventListenerBase::TestEventListenerBase;

    void testCaseEnded(const Catch::TestCaseStats& stats) override {
        if (armed || sys::faults_armed.load()) {
            std::fprintf(stderr, "FAULT: test case '%s' ended with a fault plan armed\n",
                         stats.testInfo.name.c_str());
            sys::disarm_faults();
        }
    }
};

CATCH_REGISTER_LISTENER(FaultListener)

}  // namespace weft::test
