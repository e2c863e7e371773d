// The registry behind track_child(): a fixed table of atomics, so that the watchdog thread
// can read it while test fibers change it, without a lock or an allocation.
#include <array>
#include <atomic>
#include <csignal>

#include "support/weft_test.hpp"

namespace weft::test {

namespace {

std::array<std::atomic<pid_t>, 64> children{};

}  // namespace

void track_child(pid_t pid) noexcept {
    for (auto& slot : children) {
        pid_t empty = 0;
        if (slot.compare_exchange_strong(empty, pid)) {
            return;
        }
    }
    // Table full: this child is simply not killed by the watchdog (tests start a few).
}

void untrack_child(pid_t pid) noexcept {
    for (auto& slot : children) {
        pid_t expected = pid;
        if (slot.compare_exchange_strong(expected, 0)) {
            return;
        }
    }
}

void kill_tracked_children() noexcept {
    for (auto& slot : children) {
        if (const pid_t pid = slot.exchange(0); pid > 0) {
            ::kill(pid, SIGKILL);
        }
    }
}

}  // namespace weft::test
