#pragma once

// For stress tests of fibers on several workers: a watchdog that turns a hang into a failure
// with a message. (FiberOptions{.pinned = true, .worker = k} puts a fiber on worker k.)
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace weft::test {

/// Aborts the process with a message when the code it guards hangs: when `progress` (if
/// given) has not changed for `limit`, or (without one) when it is still alive `limit` after
/// construction. A hang guard for stress tests, never a timing assertion: with a progress
/// counter a slow machine is not mistaken for a hang.
class Watchdog {
public:
    Watchdog(std::string what, std::chrono::seconds limit,
             const std::atomic<long>* progress = nullptr)
        : what_(std::move(what)), progress_(progress), thread_([this, limit] { watch(limit); }) {}
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
        long seen = progress_ != nullptr ? progress_->load() : 0;
        while (!cv_.wait_for(lk, limit, [this] { return done_; })) {
            const long now = progress_ != nullptr ? progress_->load() : seen;
            if (now == seen) {
                std::fprintf(stderr, "WATCHDOG: '%s' made no progress for %lld s: hang, aborting\n",
                             what_.c_str(), static_cast<long long>(limit.count()));
                std::abort();
            }
            seen = now;
        }
    }

    std::string what_;
    const std::atomic<long>* progress_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

}  // namespace weft::test
