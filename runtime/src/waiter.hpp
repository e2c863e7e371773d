#pragma once

#include <cstdint>
#include <mutex>

#include <boost/fiber/detail/spinlock.hpp>

#include <weft/deadline.hpp>

namespace weft::detail {

class FiberState;
struct Waiter;

// The lock of a wait slot. Boost.Fiber releases it only after the parking fiber is off its
// stack (context::suspend(lk)), which is what makes wake-under-lock safe.
using SlotLock = boost::fibers::detail::spinlock;
using SlotGuard = std::unique_lock<SlotLock>;

enum class WakeReason : std::uint8_t { none, ready, timed_out, cancelled, closed };

/// The one park/wake primitive: at most one fiber parks in a slot, and exactly one of
/// {notify_ready, close, cancel, deadline} resumes it. Protocol in waiter.cpp.
class WaitSlot {
public:
    /// Fiber side. Returns at once if a readiness token, close or cancel is pending.
    WakeReason wait(Deadline d) noexcept;
    /// Fiber side. Parks until notify_ready() (returns at once on a pending token); close,
    /// cancellation and deadlines do not resume it. For an io_uring op that was cancelled
    /// and must still see its completion before its record leaves the stack, and for a
    /// fiber queued in Mutex::lock.
    void wait_uninterruptible() noexcept;
    /// Any thread. Resumes the parked fiber, or leaves a token for the next wait().
    void notify_ready() noexcept;
    /// Fiber side, with no fiber parked. Consumes a pending readiness token; returns whether
    /// there was one.
    bool take_token() noexcept;
    /// Any thread. Resumes the parked fiber with `closed`; every later wait() returns it.
    void close() noexcept;
    /// Makes a closed slot usable again (pooled fd states). No fiber may be parked.
    void reset() noexcept;
    bool has_waiter() const noexcept;

private:
    friend class FiberState;
    void cancel_waiter_of(const FiberState* owner) noexcept;
    void claim_locked(WakeReason reason) noexcept;

    mutable SlotLock lock_;
    Waiter* waiter_ = nullptr;
    bool ready_ = false;
    bool closed_ = false;
};

/// The FiberState of the calling fiber, or nullptr (the thread's main context, the
/// dispatcher). Never cache it across a park: it is looked up from the running context.
FiberState* current_fiber_state() noexcept;

/// Identifies the calling fiber (any context, weft's or not) while it lives: Mutex's owner.
const void* current_fiber_key() noexcept;

}  // namespace weft::detail
