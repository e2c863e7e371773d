// Mutex, ConditionVariable and WaitGroup over WaitQueue (wait_queue.cpp has the protocol).
//
// Mutex, as Go's: unlock() frees the mutex and wakes the oldest queued fiber, and a fiber
// that locks meanwhile may take it first (no convoy: the mutex is never idle while a woken
// fiber waits to be scheduled, perhaps on another worker). A woken fiber that finds it taken
// again queues at the front and the mutex turns "starving": from then on unlock() hands it
// straight to the oldest waiter (owner_ = that fiber, before it even runs; the queue tags
// each node with its fiber), until the queue is empty. So a waiter is passed over at most
// once. Only a notify resumes a queued locker.
//
// A condition variable's wait takes its own lock before it releases the user's mutex and
// keeps it until the fiber is queued: a notifier that changed the state under the mutex
// and then calls notify_* (which takes that lock) therefore always finds the fiber queued.
// Lock order: the condition variable's lock, then the mutex's internal lock (unlock).
#include <stdexcept>
#include <string>

#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>
#include <weft/sync.hpp>
#include <weft/this_fiber.hpp>

#include "waiter.hpp"

namespace weft {

namespace {

[[noreturn]] void throw_unlocked(detail::SyncGuard& g, std::errc e, std::string_view op) {
    g.unlock();  // not while formatting the message
    detail::throw_error(std::make_error_code(e), op);
}

}  // namespace

void Mutex::lock() {
    const void* self = detail::current_fiber_key();
    detail::SyncGuard g{lock_};
    if (owner_ == self) {
        throw_unlocked(g, std::errc::resource_deadlock_would_occur, "mutex lock");
    }
    bool passed_over = false;
    while (owner_ != nullptr) {
        waiters_.wait_uninterruptible(g, self, passed_over);
        if (owner_ == self) {
            return;  // handed to this fiber by unlock()
        }
        passed_over = true;  // another fiber took it first: queue at the front, and starve
        starving_ = true;
    }
    owner_ = self;
}

bool Mutex::try_lock() {
    const void* self = detail::current_fiber_key();
    detail::SyncGuard g{lock_};
    if (owner_ == self) {
        throw_unlocked(g, std::errc::resource_deadlock_would_occur, "mutex try_lock");
    }
    if (owner_ == nullptr) {
        owner_ = self;
        return true;
    }
    g.unlock();
    this_fiber::yield();  // a loop on try_lock() lets the holder (or the fiber handed it) run
    return false;
}

void Mutex::unlock() {
    const void* self = detail::current_fiber_key();
    detail::SyncGuard g{lock_};
    if (owner_ != self) {
        throw_unlocked(g, std::errc::operation_not_permitted, "mutex unlock");
    }
    owner_ = starving_ ? waiters_.front_tag() : nullptr;  // nullptr if nobody waits
    waiters_.notify_one();
    if (waiters_.empty()) {
        starving_ = false;
    }
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
