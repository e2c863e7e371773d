#pragma once

// For stress tests of fibers on several workers: a watchdog that turns a hang into a failure
// with a message. (FiberOptions{.pinned = true, .worker = k} puts a fiber on worker k.)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace weft::test {

/// Aborts the process with a message when the code it guards hangs: when `progress` (if
/// given) has not changed for `limit`, or (without one) when it is still alive `limit` after
/// construction. A hang guard for stress tests, never a timing assertion: with a progress
/// counter a slow machine is not mistaken for a hang.
///
/// The second form takes the progress as a function (sampled once a second) and a function
/// that reports the hang (it prints what it knows, then ends the process; the leak listener
/// uses it to guard every test case and dump every parked fiber).
class Watchdog {
public:
    Watchdog(std::string what, std::chrono::seconds limit,
             const std::atomic<long>* progress = nullptr)
        : what_(std::move(what)), progress_(progress), thread_([this, limit] { watch(limit); }) {}
    Watchdog(std::string what, std::chrono::seconds limit, std::function<long()> progress,
             std::function<void(const std::string& what)> on_hang)
        : what_(std::move(what)),
          progress_fn_(std::move(progress)),
          on_hang_(std::move(on_hang)),
          thread_([this, limit] { watch(limit); }) {}
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
    long sample() const {
        if (progress_fn_) {
            return progress_fn_();
        }
        return progress_ != nullptr ? progress_->load() : 0;
    }

    void watch(std::chrono::seconds limit) {
        using clock = std::chrono::steady_clock;
        // Sample often enough that a hang is caught about `limit` after the last progress.
        const auto period = progress_fn_ ? std::min<clock::duration>(limit, std::chrono::seconds{1})
                                         : clock::duration{limit};
        std::unique_lock lk{mutex_};
        long seen = sample();
        auto since = clock::now();
        while (!cv_.wait_for(lk, period, [this] { return done_; })) {
            const long now = sample();
            if (now != seen) {
                seen = now;
                since = clock::now();
                continue;
            }
            if (clock::now() - since < limit) {
                continue;
            }
            if (on_hang_) {
                on_hang_(what_);
            }
            std::fprintf(stderr, "WATCHDOG: '%s' made no progress for %lld s: hang, aborting\n",
                         what_.c_str(), static_cast<long long>(limit.count()));
            std::abort();
        }
    }

    std::string what_;
    const std::atomic<long>* progress_ = nullptr;
    std::function<long()> progress_fn_;
    std::function<void(const std::string&)> on_hang_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::thread thread_;
};

}  // namespace weft::test
