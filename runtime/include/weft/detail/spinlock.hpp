#pragma once

#include <atomic>

namespace weft::detail {

/// A test-and-test-and-set spinlock for critical sections of a few pointer moves (queues,
/// free lists). Lockable. The fast path is inline: one exchange to lock, one store to unlock.
/// A waiter spins with `pause`, then yields its thread, so a holder the OS preempted costs
/// time, not correctness.
///
/// Not Boost.Fiber's spinlock: that one is out of line with a ~5 KiB frame (a thread_local
/// random engine for its backoff), which costs a call per lock and, where it calls out, a
/// second stack page of the fiber that takes it. Locks that Boost itself releases
/// (context::suspend) stay Boost's: see waiter.hpp.
class Spinlock {
public:
    void lock() noexcept {
        while (locked_.exchange(true, std::memory_order_acquire)) {
            wait_unlocked();
        }
    }
    bool try_lock() noexcept {
        return !locked_.load(std::memory_order_relaxed) &&
               !locked_.exchange(true, std::memory_order_acquire);
    }
    void unlock() noexcept { locked_.store(false, std::memory_order_release); }

private:
    void wait_unlocked() noexcept;  // spins until it reads unlocked (spinlock.cpp)

    std::atomic<bool> locked_{false};
};

}  // namespace weft::detail
