#pragma once

#include <cstddef>
#include <mutex>
#include <system_error>

#include <weft/deadline.hpp>
#include <weft/detail/spinlock.hpp>

namespace weft::detail {

/// The lock of a weft sync primitive (channel, mutex, condition variable, wait group,
/// IoLock). Held only for a few pointer moves, never across a park.
using SyncLock = Spinlock;
using SyncGuard = std::unique_lock<SyncLock>;

struct WaitNode;

/// A FIFO of fibers parked on a sync primitive; the fiber side of a condition variable.
/// Each waiter's node lives on its own stack and owns a WaitSlot, so every park goes through
/// the one park/wake protocol: cancellation and deadlines work (except in the uninterruptible
/// wait of Mutex::lock), and shutdown never hangs.
/// Every member is called with the primitive's lock held. Protocol in wait_queue.cpp.
class WaitQueue {
public:
    WaitQueue() noexcept = default;
    WaitQueue(const WaitQueue&) = delete;
    WaitQueue& operator=(const WaitQueue&) = delete;
    ~WaitQueue();

    /// Queues the calling fiber, unlocks `lk`, parks until notified, `d` or cancellation,
    /// then relocks `lk`. Returns {} when notified, errc::timed_out or errc::cancelled
    /// otherwise. Spurious wake-ups do not happen, but the state the caller waits for may
    /// be gone again by the time it holds the lock: callers recheck in a loop.
    std::error_code wait(SyncGuard& lk, Deadline d) noexcept;
    /// For Mutex::lock: the same, but only a notify resumes it (no deadline; a cancel stays
    /// pending for the fiber's next blocking call). `tag` names the waiter for front_tag();
    /// `front` queues it at the head instead of the tail.
    void wait_uninterruptible(SyncGuard& lk, const void* tag, bool front) noexcept;
    /// The tag of the oldest waiter (nullptr if none, or queued by wait()).
    const void* front_tag() const noexcept;
    /// Wakes the oldest waiter, if any. Returns whether there was one.
    bool notify_one() noexcept;
    /// Wakes every waiter queued now. Returns how many.
    std::size_t notify_all() noexcept;
    bool empty() const noexcept { return head_ == nullptr; }

private:
    void link(WaitNode& n, bool front) noexcept;
    void unlink(WaitNode& n) noexcept;
    WaitNode* pop() noexcept;

    WaitNode* head_ = nullptr;
    WaitNode* tail_ = nullptr;
};

}  // namespace weft::detail
