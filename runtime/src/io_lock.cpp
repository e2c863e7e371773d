// IoLock: `held_` and the queue are guarded by a spinlock that is never held across a park
// (WaitQueue::wait releases it). unlock() wakes the oldest waiter, which rechecks `held_`:
// a fiber that locks in between may take it first, and the woken one queues again.
#include <weft/detail/io_lock.hpp>

namespace weft::detail {

std::error_code IoLock::lock(Deadline d) noexcept {
    SyncGuard lk{lock_};
    while (held_) {
        if (std::error_code ec = waiters_.wait(lk, d)) {
            return ec;
        }
    }
    held_ = true;
    return {};
}

void IoLock::unlock() noexcept {
    SyncGuard lk{lock_};
    held_ = false;
    waiters_.notify_one();
}

}  // namespace weft::detail
