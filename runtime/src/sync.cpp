// Mutex, ConditionVariable and WaitGroup over WaitQueue (wait_queue.cpp has the protocol).
//
// Mutex hands off: unlock() with fibers queued does not free the mutex but passes it to the
// oldest (owner_ = handed_off until that fiber runs and claims it), so a fiber that keeps
// relocking cannot starve the queue. Only a notify resumes a queued locker, so the one that
// wakes is always the one it was handed to.
//
// A condition variable's wait takes its own lock before it releases the user's mutex and
// keeps it until the fiber is queued: a notifier that changed the state under the mutex
// and then calls notify_* (which takes that lock) therefore always finds the fiber queued.
// Lock order: the condition variable's lock, then the mutex's internal lock (unlock).
#include <stdexcept>
#include <string>

#include <weft/detail/assert.hpp>
#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>
#include <weft/sync.hpp>

#include "waiter.hpp"

namespace weft {

namespace {

// Owner of a mutex that unlock() passed to a queued fiber that has not run yet.
const char handed_off_tag = 0;
const void* const handed_off = &handed_off_tag;

}  // namespace

void Mutex::lock() {
    const void* self = detail::current_fiber_key();
    detail::SyncGuard g{lock_};
    if (owner_ == self) {
        detail::throw_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                            "mutex lock");
    }
    if (owner_ != nullptr) {
        waiters_.wait_uninterruptible(g);
        WEFT_ASSERT(owner_ == handed_off, "a queued mutex locker woke without the mutex");
    }
    owner_ = self;
}

bool Mutex::try_lock() {
    const void* self = detail::current_fiber_key();
    detail::SyncGuard g{lock_};
    if (owner_ == self) {
        detail::throw_error(std::make_error_code(std::errc::resource_deadlock_would_occur),
                            "mutex try_lock");
    }
    if (owner_ != nullptr) {
        return false;
    }
    owner_ = self;
    return true;
}

void Mutex::unlock() {
    const void* self = detail::current_fiber_key();
    detail::SyncGuard g{lock_};
    if (owner_ != self) {
        detail::throw_error(std::make_error_code(std::errc::operation_not_permitted),
                            "mutex unlock");
    }
    owner_ = waiters_.notify_one() ? handed_off : nullptr;
}

void ConditionVariable::notify_one() noexcept {
    detail::SyncGuard g{lock_};
    waiters_.notify_one();
}

void ConditionVariable::notify_all() noexcept {
    detail::SyncGuard g{lock_};
    waiters_.notify_all();
}

std::cv_status ConditionVariable::wait_until(std::unique_lock<Mutex>& lk, Deadline d,
                                             std::error_code& ec) noexcept {
    ec.clear();
    if (!lk.owns_lock()) {
        ec = std::make_error_code(std::errc::operation_not_permitted);
        return std::cv_status::no_timeout;
    }
    detail::SyncGuard g{lock_};
    lk.unlock();
    std::error_code why = waiters_.wait(g, d);
    g.unlock();
    lk.lock();  // not cancellable: whatever ended the wait, the caller holds the mutex again
    if (why == errc::timed_out) {
        return std::cv_status::timeout;
    }
    ec = why;
    return std::cv_status::no_timeout;
}

std::cv_status ConditionVariable::wait_until(std::unique_lock<Mutex>& lk, Deadline d) {
    std::error_code ec;
    std::cv_status s = wait_until(lk, d, ec);
    if (ec) {
        detail::throw_error(ec, "condition_variable wait");
    }
    return s;
}

void ConditionVariable::wait(std::unique_lock<Mutex>& lk, std::error_code& ec) noexcept {
    wait_until(lk, Deadline::never(), ec);
}

void ConditionVariable::wait(std::unique_lock<Mutex>& lk) {
    wait_until(lk, Deadline::never());
}

WaitGroup::WaitGroup(std::ptrdiff_t count) : count_(count) {
    if (count < 0) {
        throw std::logic_error("weft::WaitGroup: negative count " + std::to_string(count));
    }
}

void WaitGroup::add(std::ptrdiff_t n) {
    detail::SyncGuard g{lock_};
    if (count_ + n < 0) {
        throw std::logic_error("weft::WaitGroup: the count would drop below zero (" +
                               std::to_string(count_) + " + " + std::to_string(n) + ")");
    }
    count_ += n;
    if (count_ == 0) {
        waiters_.notify_all();
    }
}

std::ptrdiff_t WaitGroup::count() const noexcept {
    detail::SyncGuard g{lock_};
    return count_;
}

void WaitGroup::wait(Deadline d, std::error_code& ec) noexcept {
    ec.clear();
    detail::SyncGuard g{lock_};
    while (count_ != 0) {
        if ((ec = waiters_.wait(g, d))) {
            return;
        }
    }
}

void WaitGroup::wait(Deadline d) {
    std::error_code ec;
    wait(d, ec);
    if (ec) {
        detail::throw_error(ec, "wait_group wait");
    }
}

}  // namespace weft
