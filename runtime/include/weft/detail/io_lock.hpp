#pragma once

#include <system_error>

#include <weft/detail/wait_queue.hpp>

namespace weft::detail {

/// Serializes the readers (or the writers) of one fd for a whole op (read_exact, write_all).
/// Uncontended it is one spinlock round; a second fiber parks in a WaitQueue, so waiting is
/// cancellable and shutdown never hangs on it.
///
/// Not boost::fibers::mutex: its lock() and unlock() run Boost's spinlock out of line in
/// libboost_fiber, whose ~5 KiB frame touches a second page of every fiber stack that takes
/// it — a page each idle connection would keep resident.
class IoLock {
public:
    IoLock() noexcept = default;
    IoLock(const IoLock&) = delete;
    IoLock& operator=(const IoLock&) = delete;

    /// Parks while another fiber holds it. Returns {} once held, errc::cancelled if the
    /// caller was cancelled while waiting (then it is not held).
    std::error_code lock() noexcept;
    void unlock() noexcept;

    /// Holds `lock` for a scope; on failure sets `ec` and holds nothing.
    class Guard {
    public:
        Guard(IoLock& lock, std::error_code& ec) noexcept : lock_(&lock) {
            ec = lock.lock();
            if (ec) {
                lock_ = nullptr;
            }
        }
        ~Guard() {
            if (lock_ != nullptr) {
                lock_->unlock();
            }
        }
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;

    private:
        IoLock* lock_;
    };

private:
    SyncLock lock_;
    bool held_ = false;  // guarded by lock_
    WaitQueue waiters_;
};

}  // namespace weft::detail
