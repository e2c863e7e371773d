// FdState lifetime: the reference count of ops in flight, and the pool.
//
// refs_ layout (Go's fdMutex, reduced to what one-reader/one-writer sockets need):
//   bit 0      closing: close() has begun; enter() fails from then on
//   bits 1..   ops in flight, 2 per op
// The fd is closed exactly once: by begin_close() if no op is in flight, else by the leave()
// that takes the count to zero while closing is set. enter() never adds a reference once
// closing is set (CAS), so no op starts on an fd that is about to be closed.
#include "fd_state_pool.hpp"

#include <weft/detail/assert.hpp>

namespace weft::detail {

bool FdState::enter() noexcept {
    std::uint32_t cur = refs_.load(std::memory_order_acquire);
    do {
        if ((cur & 1) != 0) {
            return false;
        }
    } while (!refs_.compare_exchange_weak(cur, cur + 2, std::memory_order_acq_rel));
    return true;
}

bool FdState::leave() noexcept {
    return refs_.fetch_sub(2, std::memory_order_acq_rel) == 3;
}

bool FdState::begin_close() noexcept {
    std::uint32_t old = refs_.fetch_or(1, std::memory_order_acq_rel);
    return old == 0;
}

FdState* FdStatePool::acquire() {
    std::lock_guard lk{mutex_};
    if (free_ == nullptr) {
        auto chunk = std::make_unique<FdState[]>(chunk_size);
        for (std::size_t i = 0; i < chunk_size; ++i) {
            chunk[i].next_free = free_;
            free_ = &chunk[i];
        }
        chunks_.push_back(std::move(chunk));
    }
    FdState* s = free_;
    free_ = s->next_free;
    s->next_free = nullptr;
    ++in_use_;
    return s;
}

void FdStatePool::release(FdState* s) noexcept {
    WEFT_ASSERT(!s->read_slot.has_waiter() && !s->write_slot.has_waiter(),
                "fd state released with a parked fiber");
    s->generation.fetch_add(1, std::memory_order_relaxed);
    s->fd = -1;
    s->home = nullptr;
    s->read_drained = false;
    s->read_hup.store(false, std::memory_order_relaxed);
    s->read_slot.reset();
    s->write_slot.reset();
    s->reset_refs();
    std::lock_guard lk{mutex_};
    s->next_free = free_;
    free_ = s;
    --in_use_;
}

std::size_t FdStatePool::in_use() const noexcept {
    std::lock_guard lk{mutex_};
    return in_use_;
}

}  // namespace weft::detail
