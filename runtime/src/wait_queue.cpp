// WaitQueue: fibers parked on a sync primitive (channel, mutex, condition variable, wait
// group, a stream's IoLock).
//
// Each waiter puts a WaitNode on its own stack and links it at the tail of the queue; the
// node owns a WaitSlot, so parking, deadlines and cancellation are the slot's (waiter.cpp).
// The queue and the `notified` flags are guarded by the primitive's lock (L).
//
//   node state            how it got there                      who unlinks it
//   linked                wait() or wait_uninterruptible()      notify_*() (popped) or its
//                         queued it under L                     own fiber (timed out/cancelled)
//   popped (!linked)      notify_*() under L, then the slot's   nobody: already out
//                         notify_ready(), still under L
//
// 1. wait(): link under L, release L, park in the slot. A notify that comes between the
//    release and the park finds the slot empty and leaves a token there, so it is not lost.
// 2. notify_*(): pop under L and call the slot's notify_ready() while still holding L. The
//    waiter retakes L before its node may leave its stack, so the notifier is done with the
//    node by then, whatever woke the waiter.
// 3. On resume the waiter retakes L. Still linked: nobody notified it; the slot's reason
//    (timed_out, cancelled) stands, and it unlinks itself. Popped and reason ready: it was
//    notified. Popped but timed_out or cancelled: the deadline or the cancel claimed the slot
//    first and the notify left a token that dies with the node. The notification was meant
//    for some waiter, so this one passes it on (notify_one) before it reports its error:
//    the lost-notification race. The waiter it passes it to rechecks the primitive's state
//    like any other, so a pass-on that finds nothing to do costs one spurious wake.
// 4. wait_uninterruptible() (Mutex::lock) parks in the slot's uninterruptible wait: only a
//    notify resumes it, so on resume it is always popped and has nothing to pass on. It may
//    queue at the front (a locker passed over once), and tags its node with its fiber so
//    that the mutex can be handed to the oldest waiter by name (front_tag()).
// 5. Nothing parks while holding L (the primitive's lock is released before the park), so L
//    may be a spinlock. Lock order: L, then a slot's lock, then Boost's scheduler locks.
#include <weft/detail/assert.hpp>
#include <weft/detail/wait_queue.hpp>
#include <weft/error.hpp>

#include "fiber_state.hpp"
#include "waiter.hpp"

namespace weft::detail {

struct WaitNode {
    WaitSlot slot;
    const void* tag = nullptr;  // wait_uninterruptible's waiter, for front_tag()
    WaitNode* prev = nullptr;
    WaitNode* next = nullptr;
    bool linked = false;
};

WaitQueue::~WaitQueue() {
    WEFT_ASSERT(head_ == nullptr, "a sync primitive destroyed while fibers wait on it");
}

std::error_code WaitQueue::wait(SyncGuard& lk, Deadline d) noexcept {
    WaitNode node;
    link(node, false);
    lk.unlock();
    OpNote note{
        "a weft sync wait (ConditionVariable, Channel, WaitGroup, or a stream another fiber "
        "is reading or writing)"};
    const WakeReason reason = node.slot.wait(d);
    lk.lock();
    if (node.linked) {
        unlink(node);
        WEFT_ASSERT(reason == WakeReason::timed_out || reason == WakeReason::cancelled,
                    "a queued waiter woke without a notify, deadline or cancel");
    } else if (reason != WakeReason::ready) {
        notify_one();  // rule 3: pass on the notification this waiter cannot use
    }
    switch (reason) {
        case WakeReason::ready:
            return {};
        case WakeReason::timed_out:
            return make_error_code(errc::timed_out);
        default:
            return make_error_code(errc::cancelled);
    }
}

void WaitQueue::wait_uninterruptible(SyncGuard& lk, const void* tag, bool front) noexcept {
    WaitNode node;
    node.tag = tag;
    link(node, front);
    lk.unlock();
    OpNote note{"weft::Mutex lock (another fiber holds it)"};
    node.slot.wait_uninterruptible();  // only notify_*() resumes it: the node is popped
    lk.lock();
    WEFT_ASSERT(!node.linked, "an uninterruptible waiter woke while still queued");
}

bool WaitQueue::notify_one() noexcept {
    WaitNode* n = pop();
    if (n == nullptr) {
        return false;
    }
    n->slot.notify_ready();
    return true;
}

std::size_t WaitQueue::notify_all() noexcept {
    std::size_t count = 0;
    while (WaitNode* n = pop()) {
        n->slot.notify_ready();
        ++count;
    }
    return count;
}

const void* WaitQueue::front_tag() const noexcept {
    return head_ != nullptr ? head_->tag : nullptr;
}

void WaitQueue::link(WaitNode& n, bool front) noexcept {
    if (front) {
        n.next = head_;
        (head_ != nullptr ? head_->prev : tail_) = &n;
        head_ = &n;
    } else {
        n.prev = tail_;
        (tail_ != nullptr ? tail_->next : head_) = &n;
        tail_ = &n;
    }
    n.linked = true;
}

void WaitQueue::unlink(WaitNode& n) noexcept {
    (n.prev != nullptr ? n.prev->next : head_) = n.next;
    (n.next != nullptr ? n.next->prev : tail_) = n.prev;
    n.prev = n.next = nullptr;
    n.linked = false;
}

WaitNode* WaitQueue::pop() noexcept {
    WaitNode* n = head_;
    if (n != nullptr) {
        unlink(*n);
    }
    return n;
}

}  // namespace weft::detail
