#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <utility>

#include <boost/fiber/properties.hpp>

#include "waiter.hpp"

namespace weft::detail {

class RuntimeImpl;

/// What a Runtime knows of one of its fibers: name, cancellation, how it ended.
/// Shared by the fiber (through FiberProps), its JoinHandle and the Runtime's registry.
class FiberState {
public:
    FiberState(RuntimeImpl& runtime, std::string name, bool pinned)
        : runtime_(runtime), name_(std::move(name)), pinned_(pinned) {
        live_count.fetch_add(1, std::memory_order_relaxed);
    }
    ~FiberState() { live_count.fetch_sub(1, std::memory_order_relaxed); }
    FiberState(const FiberState&) = delete;
    FiberState& operator=(const FiberState&) = delete;

    static inline std::atomic<std::size_t> live_count{0};  // see weft/detail/diagnostics.hpp

    RuntimeImpl& runtime() const noexcept { return runtime_; }
    const std::string& name() const noexcept { return name_; }
    bool is_pinned() const noexcept { return pinned_; }

    /// The worker the fiber must start on (FiberOptions::worker), once: the first
    /// awakened() takes it. Only the scheduler that queues the fiber touches it.
    static constexpr unsigned any_worker = ~0u;
    void set_start_worker(unsigned w) noexcept { start_worker_ = w; }
    unsigned take_start_worker() noexcept { return std::exchange(start_worker_, any_worker); }

    /// Any thread. `sticky` (runtime shutdown) fails every later park too, not just one.
    void request_cancel(bool sticky) noexcept;
    /// Fiber side: true if a cancel is pending; a one-shot cancel is used up.
    bool consume_cancel() noexcept;
    bool cancel_pending() const noexcept { return cancel_.load(std::memory_order_acquire) != 0; }
    /// Fiber side: the slot the fiber is about to park in (nullptr once it has left it).
    void set_parked_on(WaitSlot* slot) noexcept;
    /// Any thread (the watchdog's dump): whether the fiber is parked in a weft wait now.
    bool is_parked() const noexcept;

    /// What the fiber's current blocking call is ("recv", "sleep", ...; nullptr: none named),
    /// for the watchdog's dump. Set by OpNote on the fiber, read from any thread.
    const char* op() const noexcept { return op_.load(std::memory_order_relaxed); }
    /// Fiber side only, so a load and a store suffice: an atomic exchange would be a locked
    /// instruction twice per I/O call for a name only the dump reads.
    const char* exchange_op(const char* op) noexcept {
        const char* previous = op_.load(std::memory_order_relaxed);
        op_.store(op, std::memory_order_relaxed);
        return previous;
    }

    /// Fiber side, at the very end. Returns the exception to report (detached, unobserved).
    std::exception_ptr finish(std::exception_ptr error) noexcept;
    /// Handle side. Returns the exception to report if the fiber already ended with one.
    std::exception_ptr detach() noexcept;
    /// After join(): the exception the fiber ended with.
    std::exception_ptr take_error() noexcept;

    // The Runtime's registry of live fibers (guarded by the registry's mutex).
    FiberState* prev = nullptr;
    FiberState* next = nullptr;

private:
    enum : std::uint8_t { no_cancel = 0, cancel_once = 1, cancel_always = 2 };

    RuntimeImpl& runtime_;
    const std::string name_;
    const bool pinned_;
    unsigned start_worker_ = any_worker;
    std::atomic<std::uint8_t> cancel_{no_cancel};
    std::atomic<const char*> op_{nullptr};
    mutable SlotLock lock_;  // guards parked_on_, detached_, finished_, error_
    WaitSlot* parked_on_ = nullptr;
    bool detached_ = false;
    bool finished_ = false;
    std::exception_ptr error_;
};

/// Names the blocking call the calling fiber is in until the scope ends (what the watchdog
/// prints for a parked fiber). Cheap: a context lookup and two relaxed stores, no lock.
class OpNote {
public:
    explicit OpNote(const char* what) noexcept : fiber_(current_fiber_state()) {
        if (fiber_ != nullptr) {
            previous_ = fiber_->exchange_op(what);
        }
    }
    ~OpNote() {
        if (fiber_ != nullptr) {
            fiber_->exchange_op(previous_);
        }
    }
    OpNote(const OpNote&) = delete;
    OpNote& operator=(const OpNote&) = delete;

private:
    FiberState* fiber_;
    const char* previous_ = nullptr;
};

/// Boost.Fiber properties of a weft fiber: the link from a context to its FiberState.
/// Contexts weft did not spawn (main, dispatcher) get one with a null state.
class FiberProps : public boost::fibers::fiber_properties {
public:
    explicit FiberProps(boost::fibers::context* ctx) : fiber_properties(ctx) {}
    std::shared_ptr<FiberState> state;
};

}  // namespace weft::detail
