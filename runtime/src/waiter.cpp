// Waiter and WaitSlot: the park/wake protocol. The only file that touches Boost.Fiber's
// context, waker and detail::spinlock (STYLE.md 3.8 rule 2).
//
// A Waiter lives on the parked fiber's stack; a WaitSlot holds at most one. Every field of
// the slot and of its waiter is changed only under the slot's lock.
//
//   slot state        meaning                                    next
//   empty             no waiter, no token                        wait() parks / notify sets token
//   token (ready_)    readiness arrived with nobody parked       next wait() consumes it, no park
//   parked (waiter_)  a fiber is suspended here                  first claimer resumes it
//   closed (closed_)  the fd is closing                          every wait() returns closed
//
// 1. Publish under the lock, then park with that lock: Boost.Fiber unlocks it only once the
//    fiber is off its stack, so no waker ever sees a half-parked fiber.
// 2. A waker takes the lock, claims the waiter (unlinks it, stores the reason) and calls
//    waker.wake() while still holding the lock, so the waiter's frame cannot go away under it.
// 3. On resume the fiber takes the lock: if it is still linked, nobody claimed it, so the
//    deadline did (timed_out). Otherwise the stored reason stands. A waker that lost the race
//    to the timer calls wake() with a stale epoch, which Boost makes a no-op: the fiber
//    resumes exactly once.
// 4. Cancellation reaches a parked fiber through its FiberState (parked_on_), taking the
//    FiberState lock, then the slot lock. The fiber never holds both, so there is no
//    lock-order cycle. A cancel that arrives before the fiber is linked is seen by the
//    check under the slot lock (the flag is set before the canceller takes any lock).
// 5. An uninterruptible waiter (wait_uninterruptible) is claimed by notify_ready() only:
//    close() marks the slot closed but leaves it parked, and it never names a FiberState,
//    so cancellation cannot reach it. io_uring ops use it to wait for their own CQE, and
//    Mutex::lock to wait for the mutex (wait_queue.cpp).
#include "waiter.hpp"

#include <atomic>
#include <utility>

#include <boost/fiber/context.hpp>
#include <boost/fiber/operations.hpp>
#include <boost/fiber/waker.hpp>

#include <weft/detail/assert.hpp>
#include <weft/detail/diagnostics.hpp>

#include "fiber_state.hpp"

namespace weft::detail {

namespace {

// Parks in flight, parks with a deadline in flight (pending timers) and parks completed (the
// watchdog's progress), for weft/detail/diagnostics.hpp: one word, so a park costs one atomic
// add and its resumption one more, and a reader sees the three fields together. Each field
// takes 21 bits; `completed` wraps, which only its change matters for.
std::atomic<std::uint64_t> park_counters{0};
constexpr std::uint64_t parked_unit = 1;
constexpr std::uint64_t timed_unit = std::uint64_t{1} << 21;
constexpr std::uint64_t completed_unit = std::uint64_t{1} << 42;
constexpr std::uint64_t field_mask = timed_unit - 1;

struct ParkCount {
    explicit ParkCount(bool timed) noexcept : units_(parked_unit + (timed ? timed_unit : 0)) {
        park_counters.fetch_add(units_, std::memory_order_relaxed);
    }
    ~ParkCount() { park_counters.fetch_add(completed_unit - units_, std::memory_order_relaxed); }
    ParkCount(const ParkCount&) = delete;
    ParkCount& operator=(const ParkCount&) = delete;

private:
    std::uint64_t units_;
};

}  // namespace

std::size_t parked_fibers() noexcept {
    return park_counters.load(std::memory_order_relaxed) & field_mask;
}

std::size_t pending_deadlines() noexcept {
    return (park_counters.load(std::memory_order_relaxed) >> 21) & field_mask;
}

std::uint64_t parks_completed() noexcept {
    return park_counters.load(std::memory_order_relaxed) >> 42;
}

struct Waiter {
    boost::fibers::waker waker;
    const FiberState* owner = nullptr;
    WakeReason reason = WakeReason::none;
    bool interruptible = true;
};

namespace {

// The FiberState of `ctx`, for callers that already hold the active context: each
// context::active() is a call into libboost_fiber and a TLS lookup through __tls_get_addr,
// a few percent of an echo round trip's user-space instructions when repeated.
FiberState* fiber_state_of(boost::fibers::context* ctx) noexcept {
    auto* props = static_cast<FiberProps*>(ctx->get_properties());
    return props != nullptr ? props->state.get() : nullptr;
}

}  // namespace

FiberState* current_fiber_state() noexcept {
    return fiber_state_of(boost::fibers::context::active());
}

const void* current_fiber_key() noexcept {
    return boost::fibers::context::active();
}

namespace {

WakeReason early_reason(bool closed, bool& ready, const FiberState* fs, Deadline d) noexcept {
    if (closed) {
        return WakeReason::closed;
    }
    if (ready) {
        ready = false;
        return WakeReason::ready;
    }
    if (fs != nullptr && fs->cancel_pending()) {
        return WakeReason::cancelled;
    }
    if (d.has_passed()) {
        return WakeReason::timed_out;
    }
    return WakeReason::none;
}

}  // namespace

WakeReason WaitSlot::wait(Deadline d) noexcept {
    boost::fibers::context* ctx = boost::fibers::context::active();
    FiberState* fs = fiber_state_of(ctx);
    if (fs != nullptr) {
        if (fs->consume_cancel()) {
            return WakeReason::cancelled;
        }
        fs->set_parked_on(this);
    }
    Waiter w;
    bool parked = false;
    SlotGuard lk{lock_};
    w.reason = early_reason(closed_, ready_, fs, d);
    if (w.reason == WakeReason::none) {
        WEFT_ASSERT(waiter_ == nullptr, "two fibers parked in one wait slot");
        w.owner = fs;
        w.waker = ctx->create_waker();
        waiter_ = &w;
        parked = true;
        ParkCount count{!d.is_never()};
        if (d.is_never()) {
            ctx->suspend(lk);
        } else {
            boost::fibers::waker timer_waker = w.waker;
            ctx->wait_until(d.time_point(), lk, std::move(timer_waker));
        }
        lk.lock();
        if (waiter_ == &w) {
            WEFT_ASSERT(!d.is_never(), "fiber resumed without a claim");
            waiter_ = nullptr;
            w.reason = WakeReason::timed_out;
        }
    }
    lk.unlock();
    if (!parked && w.reason == WakeReason::timed_out) {
        boost::this_fiber::yield();  // see expired() in the backends: no starving retry loops
    }
    if (fs != nullptr) {
        fs->set_parked_on(nullptr);
        if (w.reason == WakeReason::cancelled) {
            fs->consume_cancel();
        }
    }
    return w.reason;
}

void WaitSlot::wait_uninterruptible() noexcept {
    boost::fibers::context* ctx = boost::fibers::context::active();
    Waiter w;
    w.interruptible = false;
    {
        SlotGuard lk{lock_};
        if (ready_) {
            ready_ = false;
            return;
        }
    }
    // Only for the watchdog's dump: a cancel passes over a waiter that is not interruptible.
    FiberState* fs = fiber_state_of(ctx);
    if (fs != nullptr) {
        fs->set_parked_on(this);
    }
    SlotGuard lk{lock_};
    if (ready_) {  // a notify_ready() came meanwhile
        ready_ = false;
    } else {
        WEFT_ASSERT(waiter_ == nullptr, "two fibers parked in one wait slot");
        w.waker = ctx->create_waker();
        waiter_ = &w;
        ParkCount count{false};
        ctx->suspend(lk);
        // The claimer wakes us under the lock: taking it once more means it is done with `w`.
        lk.lock();
        WEFT_ASSERT(waiter_ != &w && w.reason == WakeReason::ready, "uninterruptible wait broken");
    }
    lk.unlock();
    if (fs != nullptr) {
        fs->set_parked_on(nullptr);
    }
}

void WaitSlot::claim_locked(WakeReason reason) noexcept {
    Waiter* w = waiter_;
    waiter_ = nullptr;
    w->reason = reason;
    w->waker.wake();
}

void WaitSlot::notify_ready() noexcept {
    SlotGuard lk{lock_};
    if (waiter_ != nullptr) {
        claim_locked(WakeReason::ready);
    } else {
        ready_ = true;
    }
}

void WaitSlot::close() noexcept {
    SlotGuard lk{lock_};
    closed_ = true;
    if (waiter_ != nullptr && waiter_->interruptible) {
        claim_locked(WakeReason::closed);
    }
}

void WaitSlot::reset() noexcept {
    SlotGuard lk{lock_};
    WEFT_ASSERT(waiter_ == nullptr, "reset of a wait slot with a parked fiber");
    ready_ = false;
    closed_ = false;
}

bool WaitSlot::take_token() noexcept {
    SlotGuard lk{lock_};
    return std::exchange(ready_, false);
}

bool WaitSlot::has_waiter() const noexcept {
    SlotGuard lk{lock_};
    return waiter_ != nullptr;
}

void WaitSlot::cancel_waiter_of(const FiberState* owner) noexcept {
    SlotGuard lk{lock_};
    if (waiter_ != nullptr && waiter_->interruptible && waiter_->owner == owner) {
        claim_locked(WakeReason::cancelled);
    }
}

void FiberState::request_cancel(bool sticky) noexcept {
    std::uint8_t want = sticky ? cancel_always : cancel_once;
    std::uint8_t cur = cancel_.load(std::memory_order_relaxed);
    while (cur < want && !cancel_.compare_exchange_weak(cur, want, std::memory_order_acq_rel)) {
    }
    SlotGuard lk{lock_};
    if (parked_on_ != nullptr) {
        parked_on_->cancel_waiter_of(this);
    }
}

bool FiberState::consume_cancel() noexcept {
    std::uint8_t cur = cancel_.load(std::memory_order_acquire);
    if (cur == cancel_once) {
        return cancel_.compare_exchange_strong(cur, no_cancel, std::memory_order_acq_rel) ||
               cur != no_cancel;
    }
    return cur == cancel_always;
}

void FiberState::set_parked_on(WaitSlot* slot) noexcept {
    SlotGuard lk{lock_};
    parked_on_ = slot;
}

bool FiberState::is_parked() const noexcept {
    SlotGuard lk{lock_};
    return parked_on_ != nullptr;
}

std::exception_ptr FiberState::finish(std::exception_ptr error) noexcept {
    SlotGuard lk{lock_};
    finished_ = true;
    error_ = std::move(error);
    return detached_ ? std::exchange(error_, nullptr) : nullptr;
}

std::exception_ptr FiberState::detach() noexcept {
    SlotGuard lk{lock_};
    detached_ = true;
    return finished_ ? std::exchange(error_, nullptr) : nullptr;
}

std::exception_ptr FiberState::take_error() noexcept {
    SlotGuard lk{lock_};
    return std::exchange(error_, nullptr);
}

}  // namespace weft::detail
