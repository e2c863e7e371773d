// io_uring backend, accept: one multishot accept per listener (Linux 5.19), or single shots.
//
// A multishot accept keeps producing CQEs, one per connection, while no fiber waits for
// them. So it cannot name an op record on a stack: it names the listener's UringAcceptQueue
// (FdState::ext, created by the first accept() that parks; it lives as long as the pooled
// FdState). The reaper pushes each accepted fd into the queue and notifies the listener's read
// slot; accept() takes fds from the queue and parks in the read slot while it is empty.
//
//   accept()                                   the ring's reaper (owner thread)
//   queue non-empty: take one                  CQE with an fd: push it (beyond
//   an error from a final CQE: return it         max_queued: close it; at stop_at: cancel)
//   not armed: accept4() until EAGAIN (the     CQE without IORING_CQE_F_MORE (final):
//     backlog needs no round trip), then arm     armed = false; an error other than
//     on the current ring and park               ECANCELED waits for the next accept();
//   armed: park in the read slot                 drop the op reference; wake detach()
//
// Lifetime: an armed multishot holds an op reference on the FdState (enter()/leave()), so
// the listener fd is closed only after its final CQE, and the kernel never accepts on an fd
// number that has been reused. close() calls detach(), which marks the queue detached, closes
// the queued fds, cancels the multishot on its ring (from another worker through the remote
// cancel queue) and parks, uninterruptibly, until the final CQE has been reaped; only then may
// close() return and the FdState be recycled. Off a fiber (a listener outlives Runtime::run)
// detach() cannot wait: the queue is orphaned, taken off the FdState, and the final CQE (or
// the ring's destructor) closes the listener fd and frees it.
//
// Whoever needs the queue's fields takes its mutex; the reaper calls nothing that can reap
// (get_sqe may) while it holds it. The first arm of a queue publishes it in FdState::ext
// before it takes the op reference; close() sets the closing bit (the same atomic) before it
// reads ext, so either detach() sees the queue or the arm sees closing and does not arm.
#include <cerrno>
#include <new>

#include <weft/detail/diagnostics.hpp>
#include <weft/detail/sys.hpp>
#include <weft/error.hpp>

#include "../fiber_state.hpp"
#include "../worker.hpp"
#include "uring_backend.hpp"

namespace weft::detail {

namespace {

constexpr int accept_flags = SOCK_NONBLOCK | SOCK_CLOEXEC;
// Queued connections: at stop_at the multishot is cancelled (the kernel backlog holds the
// rest, as listen()'s backlog intends); the CQEs already on their way are queued up to
// max_queued, and beyond that closed (the peer sees a reset).
constexpr std::size_t stop_at = 1024;
constexpr std::size_t max_queued = 8192;
constexpr std::size_t first_capacity = 16;

std::error_code os_error(int err) noexcept {
    return {err, std::system_category()};
}

std::uint64_t accept_key(const UringAcceptQueue& q) noexcept {
    return reinterpret_cast<std::uintptr_t>(&q) | uring_accept_tag;
}

IoResult wake_result(WakeReason why) noexcept {
    switch (why) {
        case WakeReason::timed_out:
            return {0, make_error_code(errc::timed_out)};
        case WakeReason::cancelled:
            return {0, make_error_code(errc::cancelled)};
        default:
            return {0, make_error_code(errc::closed)};
    }
}

// The queue of `fd`, created on first use; nullptr if out of memory.
UringAcceptQueue* queue_of(FdState& fd) noexcept {
    BackendFdExt* ext = fd.ext.load(std::memory_order_acquire);
    if (ext == nullptr) {
        auto* q = new (std::nothrow) UringAcceptQueue;
        if (q == nullptr) {
            return nullptr;
        }
        if (!fd.ext.compare_exchange_strong(ext, q, std::memory_order_acq_rel)) {
            delete q;  // another accept() won; use its queue
        } else {
            ext = q;
        }
    }
    return static_cast<UringAcceptQueue*>(ext);
}

// A taken connection, with its peer address (the multishot has none to give).
IoResult finish(int fd, SockAddr& peer) noexcept {
    peer.len = sizeof(peer.storage);
    if (!sys::getpeername(fd, peer.get(), &peer.len).ok()) {
        sys::close(fd);  // reset before anyone saw it: as if accept4 had said so
        return {0, os_error(ECONNABORTED)};
    }
    return {static_cast<std::size_t>(fd), {}};
}

}  // namespace

bool UringAcceptQueue::push(int fd) noexcept {
    if (count == capacity) {
        const std::size_t bigger = capacity == 0 ? first_capacity : capacity * 2;
        if (bigger > max_queued) {
            return false;
        }
        std::unique_ptr<int[]> grown{new (std::nothrow) int[bigger]};
        if (!grown) {
            return false;
        }
        for (std::size_t i = 0; i < count; ++i) {
            grown[i] = fds[(head + i) % capacity];
        }
        fds = std::move(grown);
        capacity = bigger;
        head = 0;
    }
    fds[(head + count) % capacity] = fd;
    ++count;
    return true;
}

int UringAcceptQueue::pop() noexcept {
    if (count == 0) {
        return -1;
    }
    const int fd = fds[head];
    head = (head + 1) % capacity;
    --count;
    return fd;
}

void UringAcceptQueue::close_all() noexcept {
    for (int fd = pop(); fd >= 0; fd = pop()) {
        sys::close(fd);
    }
}

IoResult UringBackend::accept(FdState& fd, SockAddr& peer, Deadline d) noexcept {
    UringBackend& ring = current_ring(*this);
    if (!ring.multishot_accept_) {
        return ring.accept_once(fd, peer, d);
    }
    return ring.accept_queued(fd, peer, d);
}

IoResult UringBackend::accept_queued(FdState& fd, SockAddr& peer, Deadline d) noexcept {
    UringAcceptQueue* q = queue_of(fd);
    if (q == nullptr) {
        return accept_once(fd, peer, d);
    }
    for (;;) {
        bool armed;
        {
            std::lock_guard lk{q->mutex};
            if (q->generation != fd.generation.load(std::memory_order_relaxed)) {
                // A recycled FdState: the previous listener's queue was detached and drained.
                q->generation = fd.generation.load(std::memory_order_relaxed);
                q->detached = false;
                q->error = 0;
            }
            if (int taken = q->pop(); taken >= 0) {
                return finish(taken, peer);
            }
            if (q->error != 0) {
                return {0, os_error(std::exchange(q->error, 0))};
            }
            armed = q->armed;
        }
        if (!armed || d.has_passed()) {
            // The backlog first (no round trip); with a passed deadline, one attempt only.
            peer.len = sizeof(peer.storage);
            sys::SysResult r = sys::accept4(fd.fd, peer.get(), &peer.len, accept_flags);
            if (r.ok()) {
                return {static_cast<std::size_t>(r.value), {}};
            }
            if (r.err != EAGAIN && r.err != EWOULDBLOCK) {
                return {0, os_error(r.err)};
            }
            if (d.has_passed()) {
                WakeReason why;
                do {  // tokens here are stale CQE notifications, not news
                    why = fd.read_slot.wait(d);
                } while (why == WakeReason::ready);
                return wake_result(why);
            }
            if (!armed && !arm_accept(*q, fd)) {
                return wake_result(WakeReason::closed);
            }
        }
        // Woken by a CQE (loop: take it), or by the deadline, a cancel or close. The
        // multishot stays armed either way: what it accepts waits in the queue.
        if (WakeReason why = fd.read_slot.wait(d); why != WakeReason::ready) {
            return wake_result(why);
        }
    }
}

bool UringBackend::arm_accept(UringAcceptQueue& q, FdState& fd) noexcept {
    {
        std::lock_guard lk{q.mutex};
        if (q.detached || !fd.enter()) {  // the multishot's op reference
            return false;
        }
        q.state = &fd;
        q.armed = true;
        q.stopping = false;
        q.ring = this;
    }
    q.prev = nullptr;
    q.next = armed_accepts_;
    if (armed_accepts_ != nullptr) {
        armed_accepts_->prev = &q;
    }
    armed_accepts_ = &q;
    io_uring_sqe* sqe = get_sqe();  // may reap: not under q.mutex
    io_uring_prep_multishot_accept(sqe, fd.fd, nullptr, nullptr, accept_flags);
    io_uring_sqe_set_data64(sqe, accept_key(q));
    return true;
}

// The fault seam for a multishot accept's completions (they come without a submission of
// their own to fail): a connection the test fails on is closed before anyone sees it, as an
// aborted handshake is, and the error goes to the next accept(). EINTR and EAGAIN are left
// alone: no accept CQE carries them, and the caller of accept() could not see them either.
static int fault_accept_cqe(int res) noexcept {
    if (res < 0) {
        return res;
    }
    const sys::Fault f = sys::fault(sys::Call::accept4);
    if (f.err == 0 || f.err == EINTR || f.err == EAGAIN) {
        return res;
    }
    sys::close(res);
    return -f.err;
}

void UringBackend::on_accept_cqe(UringAcceptQueue& q, int res, unsigned flags) noexcept {
    const bool final = (flags & IORING_CQE_F_MORE) == 0;
    res = fault_accept_cqe(res);
    if (res < 0 && !final && res != -ECANCELED) {
        std::lock_guard lk{q.mutex};
        if (!q.detached) {
            q.error = -res;  // an injected failure of one connection; the multishot goes on
            q.state->read_slot.notify_ready();
        }
        return;
    }
    bool stop = false;
    bool orphan_done = false;
    {
        std::lock_guard lk{q.mutex};
        if (res >= 0 && (q.detached || !q.push(res))) {
            sys::close(res);
        }
        if (res < 0 && final && res != -ECANCELED && !q.detached) {
            q.error = -res;  // EMFILE, ENFILE, ...: the next accept() reports it
        }
        if (!final && !q.stopping && q.count >= stop_at) {
            q.stopping = stop = true;
        }
        if (final) {
            finish_accept(q);
            orphan_done = q.state == nullptr;
        } else if (!q.detached) {
            q.state->read_slot.notify_ready();
        }
    }
    if (stop) {
        prep_cancel(accept_key(q));
    }
    if (orphan_done) {
        delete &q;
    }
}

// The final CQE, under q.mutex: the multishot is gone.
void UringBackend::finish_accept(UringAcceptQueue& q) noexcept {
    q.armed = false;
    (q.prev != nullptr ? q.prev->next : armed_accepts_) = q.next;
    if (q.next != nullptr) {
        q.next->prev = q.prev;
    }
    q.next = q.prev = nullptr;
    if (q.state == nullptr) {  // orphaned: nobody else will close these
        q.close_all();
        sys::close(q.orphan_fd);
        return;
    }
    if (q.state->leave()) {
        sys::close(q.state->fd);  // the listener closed while we held the last reference
    }
    if (!q.detached) {
        q.state->read_slot.notify_ready();  // an accept() re-arms, or takes the error
    }
    if (q.detach_waiter != nullptr) {
        q.detach_waiter->notify_ready();  // last: detach() may return, and recycle the state
    }
}

void UringBackend::detach(FdState& fd) noexcept {
    auto* q = static_cast<UringAcceptQueue*>(fd.ext.load(std::memory_order_acquire));
    if (q == nullptr) {
        return;
    }
    std::unique_lock lk{q->mutex};
    if (q->generation != fd.generation.load(std::memory_order_relaxed)) {
        return;  // a queue left by the state's previous user, already drained
    }
    q->detached = true;
    q->close_all();
    q->error = 0;
    if (!q->armed) {
        return;
    }
    const bool cancel = !std::exchange(q->stopping, true);
    UringBackend* ring = q->ring;
    if (current_fiber_state() == nullptr) {
        // Off a fiber: nothing to park. The final CQE finishes the job without the FdState.
        q->state = nullptr;
        q->orphan_fd = fd.fd;
        fd.ext.store(nullptr, std::memory_order_release);
        lk.unlock();
        if (cancel) {
            ring->cancel(accept_key(*q));
        }
        return;
    }
    WaitSlot done;
    q->detach_waiter = &done;
    lk.unlock();
    if (cancel) {
        ring->cancel(accept_key(*q));  // to its ring, wherever this fiber runs
    }
    for (;;) {
        done.wait_uninterruptible();
        lk.lock();
        if (!q->armed) {
            break;
        }
        lk.unlock();
    }
    q->detach_waiter = nullptr;
}

// Teardown, no other thread left: cancel every multishot still armed and reap them all.
void UringBackend::drain_accepts() noexcept {
    for (UringAcceptQueue* q = armed_accepts_; q != nullptr; q = q->next) {
        prep_cancel(accept_key(*q));
    }
    while (armed_accepts_ != nullptr) {
        io_uring_submit_and_wait(&ring_, 1);
        io_uring_cqe* cqe = nullptr;
        while (io_uring_peek_cqe(&ring_, &cqe) == 0 && cqe != nullptr) {
            const std::uint64_t user_data = cqe->user_data;
            const int res = cqe->res;
            const unsigned flags = cqe->flags;
            io_uring_cqe_seen(&ring_, cqe);
            if ((user_data & uring_accept_tag) != 0 && user_data != 1) {
                auto* q = reinterpret_cast<UringAcceptQueue*>(
                    static_cast<std::uintptr_t>(user_data & ~uring_accept_tag));
                std::lock_guard lk{q->mutex};
                q->stopping = true;  // no further cancel: one is on its way
            }
            complete(user_data, res, flags);
        }
    }
}

// The kernel has multishot accept if it takes the flag: on a non-socket the op then fails
// with ENOTSOCK, where an older kernel refuses the SQE with EINVAL.
bool UringBackend::probe_multishot_accept(int not_a_socket) noexcept {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe == nullptr) {
        return false;
    }
    io_uring_prep_multishot_accept(sqe, not_a_socket, nullptr, nullptr, 0);
    io_uring_sqe_set_data64(sqe, 0);
    io_uring_cqe* cqe = nullptr;
    if (io_uring_submit_and_wait(&ring_, 1) < 0 || io_uring_peek_cqe(&ring_, &cqe) != 0 ||
        cqe == nullptr) {
        return false;
    }
    const int res = cqe->res;
    io_uring_cqe_seen(&ring_, cqe);
    return res == -ENOTSOCK;
}

bool multishot_accept_in_use() noexcept {
    Worker* w = current_worker();
    return w != nullptr && w->backend().kind() == BackendKind::io_uring &&
           static_cast<UringBackend&>(w->backend()).multishot_accept();
}

}  // namespace weft::detail
