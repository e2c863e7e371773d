#pragma once

// Helpers for tests about fibers on several workers: a watchdog that turns a hang into a
// failure with a message, and a way to put a fiber on a worker other than the caller's.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include "support/weft_test.hpp"

namespace weft::test {

/// Aborts the process with a message if it is still alive `limit` after construction: a
/// hang guard for stress tests (never a timing assertion).
class Watchdog {
public:
    Watchdog(std::string what, std::chrono::seconds limit)
        : what_(std::move(what)), thread_([this, limit] { watch(limit); }) {}
    ~Watchdog() {
        {
            std::lock_guard lk{mutex_};
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    Watchdog(const Watchdog&) = delete;
    Watchdog& operator=(const Watchdog&) = delete;

private:
    void watch(std::chrono::seconds limit) {
        std::unique_lock lk{mutex_};
        if (!cv_.wait_for(lk, limit, [this] { return done_; })) {
            std::fprintf(stderr, "WATCHDOG: '%s' still running after %lld s: hang, aborting\n",
                         what_.c_str(), static_cast<long long>(limit.count()));
            std::abort();
        }
    }

    std::string what_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

/// Blocks the calling *thread* until `flag` is set, so that its worker runs nothing else
/// meanwhile. The bound is a hang guard. Returns whether the flag was set.
inline bool spin_until(const std::atomic<bool>& flag) {
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!flag.load()) {
        if (std::chrono::steady_clock::now() > give_up) {
            return false;
        }
    }
    return true;
}

/// Spawns `fn` pinned to a worker other than the one running the caller now (the Runtime
/// must have two or more). A pinned spinner holds the caller's worker until a launcher fiber
/// has been stolen by another worker; the launcher spawns `fn` pinned there.
template <class F>
JoinHandle spawn_pinned_elsewhere(F fn, std::string name = "elsewhere") {
    const unsigned home = this_fiber::worker_index();
    std::atomic<bool> placed{false};
    JoinHandle pinned;
    auto spinner = spawn([&] { spin_until(placed); }, {.name = "spinner", .pinned = true});
    auto launcher = spawn([&] {
        while (this_fiber::worker_index() == home) {
            this_fiber::yield();
        }
        pinned = spawn(std::move(fn), {.name = std::move(name), .pinned = true});
        placed = true;
    });
    launcher.join();
    spinner.join();
    return pinned;
}

}  // namespace weft::test
