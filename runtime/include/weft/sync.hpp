#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <system_error>

#include <weft/deadline.hpp>
#include <weft/detail/wait_queue.hpp>

namespace weft {

/// A mutex for fibers: lock() parks the calling fiber (never its thread) while another fiber
/// holds it. Works across workers; a fiber may lock on one worker and unlock on another.
///
/// lock() is not cancellable and takes no deadline, as in Go: a critical section is short
/// and ends on its own, and a holder that is cancelled unwinds and unlocks. (Cancellation
/// and runtime shutdown therefore cannot hang on a Mutex, unless a holder never unlocks.)
/// Do not park in a blocking call for long while holding one.
///
/// Lockable, so std::lock_guard / std::unique_lock / std::scoped_lock work. Not recursive:
/// locking it twice from one fiber throws std::system_error (resource_deadlock_would_occur);
/// unlocking it from a fiber that does not hold it throws (operation_not_permitted).
///
/// No waiter starves: as in Go, a fiber that locks while the oldest waiter is being woken may
/// take the mutex first (no convoy), but a waiter passed over once is then handed the mutex
/// directly by unlock(). try_lock() never parks; when it fails it yields, so that a loop on
/// it lets the holder run. Uncontended, lock() and unlock() are one inline spinlock round
/// each and never run Boost.Fiber's out-of-line mutex or spinlock code.
class Mutex {
public:
    Mutex() noexcept = default;
    Mutex(const Mutex&) = delete;
    Mutex& operator=(const Mutex&) = delete;

    void lock();
    bool try_lock();
    void unlock();

private:
    detail::SyncLock lock_;
    const void* owner_ = nullptr;  // the holding (or handed-to) fiber; under lock_
    bool starving_ = false;        // a waiter was passed over: unlock() hands off; under lock_
    detail::WaitQueue waiters_;
};

/// A condition variable for fibers, used with std::unique_lock<weft::Mutex>, with the
/// semantics of std::condition_variable plus cancellation: a wait is cancellable
/// (JoinHandle::cancel, runtime shutdown) and then throws std::system_error with
/// errc::cancelled, or sets `ec` in the std::error_code& forms. Whatever ends a wait, the
/// mutex is locked again when it returns or throws. Timeouts are not errors here, as in std:
/// wait_until returns std::cv_status::timeout (the predicate forms return pred()).
/// No spurious wake-ups, but another fiber may change the state before the woken one holds
/// the mutex again: wait with a predicate, or in a loop. notify_* may be called with or
/// without the mutex held, from any worker.
class ConditionVariable {
public:
    ConditionVariable() = default;
    ConditionVariable(const ConditionVariable&) = delete;
    ConditionVariable& operator=(const ConditionVariable&) = delete;

    void notify_one() noexcept;
    void notify_all() noexcept;

    /// Blocks: parks until notified. Errors: errc::cancelled.
    void wait(std::unique_lock<Mutex>& lk);
    void wait(std::unique_lock<Mutex>& lk, std::error_code& ec) noexcept;

    template <class Pred>
    void wait(std::unique_lock<Mutex>& lk, Pred pred) {
        while (!pred()) {
            wait(lk);
        }
    }
    /// Returns pred(); false with ec set if cancelled before it held.
    template <class Pred>
    bool wait(std::unique_lock<Mutex>& lk, Pred pred, std::error_code& ec) {
        ec.clear();
        while (!pred()) {
            wait(lk, ec);
            if (ec) {
                return pred();
            }
        }
        return true;
    }

    /// Blocks: parks until notified or `d`. Errors: errc::cancelled.
    std::cv_status wait_until(std::unique_lock<Mutex>& lk, Deadline d);
    std::cv_status wait_until(std::unique_lock<Mutex>& lk, Deadline d,
                              std::error_code& ec) noexcept;

    /// Returns pred() as it stands when `d` passes (or once it holds).
    template <class Pred>
    bool wait_until(std::unique_lock<Mutex>& lk, Deadline d, Pred pred) {
        while (!pred()) {
            if (wait_until(lk, d) == std::cv_status::timeout) {
                return pred();
            }
        }
        return true;
    }
    template <class Pred>
    bool wait_until(std::unique_lock<Mutex>& lk, Deadline d, Pred pred, std::error_code& ec) {
        ec.clear();
        while (!pred()) {
            if (wait_until(lk, d, ec) == std::cv_status::timeout || ec) {
                return pred();
            }
        }
        return true;
    }

private:
    detail::SyncLock lock_;
    detail::WaitQueue waiters_;
};

/// Waits for a collection of tasks to finish, as Go's sync.WaitGroup: add(n) before starting
/// them, done() as each ends, wait() parks until the count is zero. Works across workers.
class WaitGroup {
public:
    explicit WaitGroup(std::ptrdiff_t count = 0);
    WaitGroup(const WaitGroup&) = delete;
    WaitGroup& operator=(const WaitGroup&) = delete;

    /// Adds `n` (may be negative) to the count; at zero every waiter resumes.
    /// Errors: std::logic_error if the count would drop below zero (it is left unchanged).
    void add(std::ptrdiff_t n);
    void done() { add(-1); }
    std::ptrdiff_t count() const noexcept;

    /// Blocks: parks until the count is zero (returns at once if it is).
    /// Errors: errc::timed_out when `d` passes first, errc::cancelled.
    void wait(Deadline d = Deadline::never());
    void wait(Deadline d, std::error_code& ec) noexcept;

private:
    mutable detail::SyncLock lock_;
    std::ptrdiff_t count_;
    detail::WaitQueue waiters_;
};

}  // namespace weft
