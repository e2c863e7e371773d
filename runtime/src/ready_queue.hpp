#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>

#include <boost/fiber/context.hpp>
#include <boost/fiber/detail/spinlock.hpp>
#include <boost/fiber/scheduler.hpp>

#include "fiber_state.hpp"

namespace weft::detail {

/// May `ctx` run on another worker? Not Boost's pinned contexts (dispatcher, a thread's main
/// context), nor fibers spawned with FiberOptions::pinned.
inline bool is_stealable(boost::fibers::context* ctx) noexcept {
    if (ctx->is_context(boost::fibers::type::pinned_context)) {
        return false;
    }
    auto* props = static_cast<FiberProps*>(ctx->get_properties());
    return props == nullptr || props->state == nullptr || !props->state->is_pinned();
}

/// A worker's ready queue: FIFO for its owner, stealable from the back by other workers.
/// Pinned contexts (the dispatcher, a thread's main context, fibers spawned pinned) share the
/// FIFO but are never stolen. A spinlock guards it: the owner's critical sections are a few
/// pointer moves, and a thief takes one context at a time.
class ReadyQueue {
public:
    void push(boost::fibers::context* ctx) noexcept {
        std::lock_guard lk{lock_};
        ctx->ready_link(queue_);
        if (is_stealable(ctx)) {
            stealable_.fetch_add(1, std::memory_order_seq_cst);
        }
        size_.store(size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    /// Owner: the oldest context, or nullptr.
    boost::fibers::context* pop() noexcept {
        std::lock_guard lk{lock_};
        if (queue_.empty()) {
            return nullptr;
        }
        boost::fibers::context* ctx = &queue_.front();
        queue_.pop_front();
        taken(ctx);
        return ctx;
    }

    /// Owner: takes `ctx` out if it is queued (the dispatcher hand-over of a busy worker).
    bool remove(boost::fibers::context* ctx) noexcept {
        std::lock_guard lk{lock_};
        if (!ctx->ready_is_linked()) {
            return false;
        }
        ctx->ready_unlink();
        size_.store(size_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
        return true;
    }

    /// Another worker: the newest stealable context, or nullptr.
    boost::fibers::context* steal() noexcept {
        if (stealable_.load(std::memory_order_seq_cst) == 0) {
            return nullptr;
        }
        std::lock_guard lk{lock_};
        for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
            boost::fibers::context* ctx = &*it;
            if (is_stealable(ctx)) {
                ctx->ready_unlink();
                taken(ctx);
                return ctx;
            }
        }
        return nullptr;
    }

    bool empty() const noexcept { return size() == 0; }
    std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
    std::size_t stealable() const noexcept { return stealable_.load(std::memory_order_seq_cst); }

private:
    void taken(boost::fibers::context* ctx) noexcept {
        if (is_stealable(ctx)) {
            stealable_.fetch_sub(1, std::memory_order_seq_cst);
        }
        size_.store(size_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    }

    boost::fibers::detail::spinlock lock_;
    boost::fibers::scheduler::ready_queue_type queue_;
    std::atomic<std::size_t> stealable_{0};  // seq_cst: the idle handshake reads it
    std::atomic<std::size_t> size_{0};       // written under lock_, read without
};

}  // namespace weft::detail
