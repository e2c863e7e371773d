#pragma once

#include <system_error>

#include <weft/deadline.hpp>
#include <weft/detail/wait_queue.hpp>

namespace weft::detail {

/// Serializes the readers (or the writers) of one fd for a whole op (read_exact, write_all).
/// Uncontended it costs a spinlock round in lock() and one in unlock(); a second fiber parks
/// in a WaitQueue, so its wait honours the op's deadline and cancellation, and shutdown never
/// hangs on it.
///
/// Not boost::fibers::mutex: its lock() and unlock() run Boost's spinlock out of line in
/// libboost_fiber, whose ~5 KiB frame touches a second page of every fiber stack that takes
/// it — a page each idle connection would keep resident.
class IoLock {
public:
    IoLock() noexcept = default;
    IoLock(const IoLock&) = delete;
    IoLock& operator=(const IoLock&) = delete;

    /// Parks while another fiber holds it. Returns {} once held; errc::timed_out when `d`
    /// passes or errc::cancelled when the caller is cancelled while waiting (then it is not
    /// held).
    std::error_code lock(Deadline d) noexcept;
    void unlock() noexcept;

    /// Holds `lock` for a scope; on failure sets `ec` and holds nothing.
    class Guard {
    public:
        Guard(IoLock& lock, Deadline d, std::error_code& ec) noexcept : lock_(&lock) {
            ec = lock.lock(d);
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
