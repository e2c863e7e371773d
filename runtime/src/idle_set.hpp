// IdleSet: which workers block (or are about to block) in their backend, and the handshake
// that keeps a wake-up from being lost between a worker going idle and a worker queueing
// work (Go's wakep/spinning, Tokio's notify_parked).
//
//   sleeper (worker w, before it blocks)      pusher (after it queued stealable work)
//   1. idle[w] = true                         1. work is visible (seq_cst store/RMW)
//   2. count += 1                             2. if count == 0: nobody sleeps, done
//   3. work anywhere else? -> leave(w),       3. claim one w: idle[w] true -> false (CAS);
//      do not block                              the claimer wakes that worker, once
//
// Every step is seq_cst, so either the sleeper's step 3 sees the work or the pusher's
// step 2 sees the sleeper (Dekker): no wake-up is lost. A sleeper is claimed by exactly
// one waker (the exchange), so no wake-up is duplicated, and leave() after a claim is a
// no-op. Pure atomics, no fibers: tests/threads drives it with std::threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>

namespace weft::detail {

class IdleSet {
public:
    static constexpr std::size_t none = ~std::size_t{0};

    explicit IdleSet(std::size_t workers)
        : size_(workers), flags_(std::make_unique<Flag[]>(workers)) {}
    IdleSet(const IdleSet&) = delete;
    IdleSet& operator=(const IdleSet&) = delete;

    /// Worker `w` is about to block. It announces itself, then calls `work_elsewhere()`:
    /// if that finds work, `w` leaves again and enter() returns false (it must not block).
    template <class WorkElsewhere>
    bool enter(std::size_t w, WorkElsewhere&& work_elsewhere) noexcept {
        flags_[w].idle.store(true, std::memory_order_seq_cst);
        count_.fetch_add(1, std::memory_order_seq_cst);
        if (work_elsewhere()) {
            leave(w);
            return false;
        }
        return true;
    }

    /// Worker `w` no longer blocks (woken, timed out, or it never blocked). A no-op if a
    /// waker has claimed it already.
    void leave(std::size_t w) noexcept {
        if (flags_[w].idle.exchange(false, std::memory_order_seq_cst)) {
            count_.fetch_sub(1, std::memory_order_seq_cst);
        }
    }

    /// Whether any worker is idle now. Call after the work is visible (pusher step 2).
    bool any() const noexcept { return count_.load(std::memory_order_seq_cst) != 0; }

    /// Claims one idle worker other than `from`, looking from from + 1 on, and returns its
    /// index (the caller wakes it), or `none`. One worker, never all.
    std::size_t claim_one(std::size_t from) noexcept {
        for (std::size_t i = 1; i < size_; ++i) {
            const std::size_t w = (from + i) % size_;
            if (flags_[w].idle.load(std::memory_order_relaxed) &&
                flags_[w].idle.exchange(false, std::memory_order_seq_cst)) {
                count_.fetch_sub(1, std::memory_order_seq_cst);
                return w;
            }
        }
        return none;
    }

    std::size_t size() const noexcept { return size_; }
    bool is_idle(std::size_t w) const noexcept {
        return flags_[w].idle.load(std::memory_order_seq_cst);
    }

private:
    struct alignas(64) Flag {  // one cache line each: workers write their own
        std::atomic<bool> idle{false};
    };

    std::size_t size_;
    std::unique_ptr<Flag[]> flags_;
    std::atomic<unsigned> count_{0};
};

}  // namespace weft::detail
