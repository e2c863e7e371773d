#pragma once

#include <atomic>
#include <cstddef>
#include <mutex>

#include <boost/fiber/context.hpp>
#include <boost/fiber/scheduler.hpp>

#include <weft/detail/spinlock.hpp>

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
/// Pinned entries (the dispatcher, a thread's main context, fibers spawned pinned) share the
/// FIFO but are never stolen. A spinlock guards it: the owner's critical sections are a few
/// pointer moves, and a thief takes one entry at a time.
///
/// Traits name what is queued (Node), the intrusive list that holds it (List) and
/// link/unlink/is_linked/stealable on a Node*. The runtime queues Boost.Fiber contexts
/// (ContextQueueTraits); tests/threads drives the same hand-off with plain nodes and threads.
template <class Traits>
class BasicReadyQueue {
public:
    using Node = typename Traits::Node;

    void push(Node* n) noexcept {
        std::lock_guard lk{lock_};
        Traits::link(n, queue_);
        if (Traits::stealable(n)) {
            stealable_.fetch_add(1, std::memory_order_seq_cst);
        }
        size_.store(size_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }

    /// Owner: the oldest entry, or nullptr.
    Node* pop() noexcept {
        std::lock_guard lk{lock_};
        if (queue_.empty()) {
            return nullptr;
        }
        Node* n = &queue_.front();
        queue_.pop_front();
        taken(n);
        return n;
    }

    /// Owner: takes `n` out if it is queued (the dispatcher hand-over of a busy worker).
    bool remove(Node* n) noexcept {
        std::lock_guard lk{lock_};
        if (!Traits::is_linked(n)) {
            return false;
        }
        Traits::unlink(n);
        taken(n);  // a stealable entry leaves the count too, or idle workers never block
        return true;
    }

    /// Another worker: the newest stealable entry, or nullptr.
    Node* steal() noexcept {
        if (stealable_.load(std::memory_order_seq_cst) == 0) {
            return nullptr;
        }
        std::lock_guard lk{lock_};
        for (auto it = queue_.rbegin(); it != queue_.rend(); ++it) {
            Node* n = &*it;
            if (Traits::stealable(n)) {
                Traits::unlink(n);
                taken(n);
                return n;
            }
        }
        return nullptr;
    }

    bool empty() const noexcept { return size() == 0; }
    std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }
    std::size_t stealable() const noexcept { return stealable_.load(std::memory_order_seq_cst); }

private:
    void taken(Node* n) noexcept {
        if (Traits::stealable(n)) {
            stealable_.fetch_sub(1, std::memory_order_seq_cst);
        }
        size_.store(size_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
    }

    Spinlock lock_;
    typename Traits::List queue_;
    std::atomic<std::size_t> stealable_{0};  // seq_cst: the idle handshake reads it
    std::atomic<std::size_t> size_{0};       // written under lock_, read without
};

/// Boost.Fiber contexts, linked through their own ready hook.
struct ContextQueueTraits {
    using Node = boost::fibers::context;
    using List = boost::fibers::scheduler::ready_queue_type;
    static void link(Node* ctx, List& list) noexcept { ctx->ready_link(list); }
    static void unlink(Node* ctx) noexcept { ctx->ready_unlink(); }
    static bool is_linked(const Node* ctx) noexcept { return ctx->ready_is_linked(); }
    static bool stealable(Node* ctx) noexcept { return is_stealable(ctx); }
};

using ReadyQueue = BasicReadyQueue<ContextQueueTraits>;

}  // namespace weft::detail
