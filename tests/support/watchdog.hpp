#pragma once

// For stress tests of fibers on several workers: a watchdog that turns a hang into a failure
// with a message. (FiberOptions{.pinned = true, .worker = k} puts a fiber on worker k.)
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

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

}  // namespace weft::test
