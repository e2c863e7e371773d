// io_uring backend: completions, with the semantics of the epoll backend.
//
// Each op is "try the syscall, or submit and park", written once in io(). Whether an op tries
// the non-blocking syscall before submitting is this backend's speculation policy (STYLE.md
// 3.8 rule 4), set by measurement (try_first_policy below): accept tries first (it drains a
// backlog without a round trip); recv, send and sendmsg submit at once, so that a worker's
// sends and reads of one scheduling round go to the kernel in one io_uring_enter; connect and
// wait always submit. A deadline that has passed makes any op a non-blocking attempt, exactly
// as on epoll: it is tried, and never submitted.
//
// An op in flight (run_op): its record (UringOp) lives on the fiber's stack, its SQE names
// the record, and the fiber parks in the fd's read or write WaitSlot, so the deadline, a
// cancel and close() reach it exactly as they reach an epoll waiter. Who resumes it:
//
//   first claim of the slot      then                                      op returns
//   CQE reaped (ready)           -                                         the CQE's result
//   deadline/cancel/close        async cancel submitted; fiber parks in    the CQE's result if
//                                the slot again, uninterruptibly, until    the op completed
//                                its own CQE is reaped                     first, else
//                                                                          timed_out/cancelled/
//                                                                          closed
//
// So the record never leaves the stack before its CQE is reaped, the fiber resumes once
// per park (WaitSlot), and data (or an accepted connection) that the kernel delivered
// before the cancel took effect is returned, never lost. A cancel that loses this race is
// kept pending for the fiber's next op, as on epoll when readiness wins. The fd is not closed
// while its ops are in flight: they hold the FdState reference until they return.
//
// A slot may hold a stale token (the CQE of an op whose fiber had already been claimed):
// the waiting loops check their own op's `done`, so a token only costs one extra turn.
//
// Faults (sys.hpp): run_op asks the seam about each op it submits; an injected error is a NOP
// submitted in the op's place whose completion carries -err, a short result shortens the
// length the op is prepared with. -EAGAIN and -EINTR completions never reach the caller: an
// op starts over (recv, send, accept, poll) or is resubmitted (connect).
#include "uring_backend.hpp"

#include <algorithm>
#include <cerrno>
#include <netinet/in.h>
#include <poll.h>

#include <weft/detail/sys.hpp>
#include <weft/error.hpp>

#include "../fiber_state.hpp"

namespace weft::detail {

namespace {

constexpr int accept_flags = SOCK_NONBLOCK | SOCK_CLOEXEC;

// Try the syscall before submitting? Measured with 64 B ping-pong, one worker, 2-core VM
// (docs/backends.md): submitting recv and send at once beat trying them first by 1.5-2.5x at
// 100 connections in one process (client and server sharing the ring), and by 0-40% against
// a separate load generator: a tried send is one syscall per op with the TCP work inline,
// while submitted sends of one round share one io_uring_enter.
constexpr struct {
    bool accept = true;
    bool recv = false;
    bool send = false;
} try_first_policy;

std::error_code os_error(int err) noexcept {
    return {err, std::system_category()};
}

std::error_code wake_error(WakeReason why) noexcept {
    switch (why) {
        case WakeReason::timed_out:
            return make_error_code(errc::timed_out);
        case WakeReason::cancelled:
            return make_error_code(errc::cancelled);
        default:
            return make_error_code(errc::closed);
    }
}

bool would_block(int err) noexcept {
    return err == EAGAIN || err == EWOULDBLOCK;
}

// Why an attempt whose deadline has passed may not wait: closed, cancelled or timed_out.
// Tokens in the slot are stale completions here, not readiness: skip them.
WakeReason expired(WaitSlot& slot, Deadline d) noexcept {
    WakeReason why;
    do {
        why = slot.wait(d);
    } while (why == WakeReason::ready);
    return why;
}

// What the kernel did with an op. Only an op that the kernel cancelled reports why the fiber
// gave up on it; one that completed first reports its result, and a cancel it consumed stays
// pending for the next op.
IoResult to_result(UringCompletion c) noexcept {
    if (c.why != WakeReason::ready && c.res == -ECANCELED) {
        return {0, wake_error(c.why)};
    }
    if (c.why == WakeReason::cancelled) {
        if (FiberState* fs = current_fiber_state()) {
            fs->request_cancel(false);
        }
    }
    if (c.res < 0) {
        return {0, os_error(-c.res)};
    }
    return {static_cast<std::size_t>(c.res), {}};
}

// Try the syscall (if try_first); on EAGAIN submit the op and park until it completes.
template <class Attempt, class Prep>
IoResult io(UringBackend& ring, WaitSlot& slot, Deadline d, sys::Call kind, bool try_first,
            Attempt&& attempt, Prep&& prep) noexcept {
    for (;;) {
        if (try_first) {
            sys::SysResult r = attempt();
            if (r.ok()) {
                return {static_cast<std::size_t>(r.value), {}};
            }
            if (!would_block(r.err)) {
                return {0, os_error(r.err)};
            }
            if (d.has_passed()) {
                return {0, wake_error(expired(slot, d))};
            }
        }
        UringCompletion c = ring.run_op(slot, d, kind, prep);
        if (c.res != -EAGAIN && c.res != -EINTR) {
            return to_result(c);
        }
        if (c.why != WakeReason::ready) {
            return {0, wake_error(c.why)};
        }
        try_first = true;  // the kernel gave up without a result: start over
    }
}

}  // namespace

template <class Prep>
UringCompletion UringBackend::run_op(WaitSlot& slot, Deadline d, sys::Call kind,
                                     Prep&& prep) noexcept {
    UringOp op;
    op.slot = &slot;
    const std::uint64_t key = next_key(&op);
    const sys::Fault fault = sys::fault(kind);
    io_uring_sqe* sqe = get_sqe();
    if (fault.err != 0) {
        io_uring_prep_nop(sqe);
    } else {
        prep(sqe, fault.limit);
    }
    io_uring_sqe_set_data64(sqe, key);
    UringCompletion c;
    while (!op.done.load(std::memory_order_acquire)) {
        c.why = slot.wait(d);
        if (c.why != WakeReason::ready) {
            break;
        }
    }
    if (!op.done.load(std::memory_order_acquire)) {
        cancel(key);  // to this ring, wherever the fiber runs now
        do {
            slot.wait_uninterruptible();
        } while (!op.done.load(std::memory_order_acquire));
    }
    c.res = fault.err != 0 && op.res >= 0 ? -fault.err : op.res;
    return c;
}

IoResult UringBackend::accept_once(FdState& fd, SockAddr& peer, Deadline d) noexcept {
    return io(
        current_ring(*this), fd.read_slot, d, sys::Call::accept4,
        try_first_policy.accept || d.has_passed(),
        [&] {
            peer.len = sizeof(peer.storage);
            return sys::accept4(fd.fd, peer.get(), &peer.len, accept_flags);
        },
        [&](io_uring_sqe* sqe, std::size_t) {
            peer.len = sizeof(peer.storage);
            io_uring_prep_accept(sqe, fd.fd, peer.get(), &peer.len, accept_flags);
        });
}

IoResult UringBackend::connect(FdState& fd, const SockAddr& to, Deadline d) noexcept {
    if (d.has_passed()) {  // one non-blocking attempt, as on epoll
        sys::SysResult r = sys::connect(fd.fd, to.get(), to.len);
        if (r.ok()) {
            return {};
        }
        if (r.err != EINPROGRESS && r.err != EINTR) {
            return {0, os_error(r.err)};
        }
        return {0, wake_error(expired(fd.write_slot, d))};
    }
    UringCompletion c;
    do {  // an interrupted connect (only ever injected) is submitted again
        c = current_ring(*this).run_op(fd.write_slot, d, sys::Call::connect,
                                       [&](io_uring_sqe* sqe, std::size_t) {
                                           io_uring_prep_connect(sqe, fd.fd, to.get(), to.len);
                                       });
    } while (c.why == WakeReason::ready && c.res == -EINTR);
    if (c.why == WakeReason::ready && (c.res == -EINPROGRESS || c.res == -EALREADY)) {
        // A kernel that hands the handshake back: wait for it like epoll does.
        IoResult w = wait(fd, Interest::write, d);
        if (w.ec) {
            return w;
        }
        int soerr = 0;
        socklen_t len = sizeof(soerr);
        sys::SysResult g = sys::getsockopt(fd.fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
        return {0, !g.ok() ? os_error(g.err) : soerr != 0 ? os_error(soerr) : std::error_code{}};
    }
    IoResult r = to_result(c);
    r.n = 0;
    return r;
}

IoResult UringBackend::recv(FdState& fd, std::span<std::byte> buf, Deadline d) noexcept {
    return io(
        current_ring(*this), fd.read_slot, d, sys::Call::recv,
        try_first_policy.recv || d.has_passed(),
        [&] { return sys::recv(fd.fd, buf.data(), buf.size(), 0); },
        [&](io_uring_sqe* sqe, std::size_t limit) {
            io_uring_prep_recv(sqe, fd.fd, buf.data(), std::min(buf.size(), limit), 0);
        });
}

IoResult UringBackend::send(FdState& fd, std::span<const std::byte> buf, Deadline d) noexcept {
    return io(
        current_ring(*this), fd.write_slot, d, sys::Call::send,
        try_first_policy.send || d.has_passed(),
        [&] { return sys::send(fd.fd, buf.data(), buf.size(), MSG_NOSIGNAL); },
        [&](io_uring_sqe* sqe, std::size_t limit) {
            io_uring_prep_send(sqe, fd.fd, buf.data(), std::min(buf.size(), limit), MSG_NOSIGNAL);
        });
}

IoResult UringBackend::sendv(FdState& fd, std::span<const iovec> bufs, Deadline d) noexcept {
    msghdr msg{};  // on this frame, which outlives the op (so do `first` and `cut`)
    msg.msg_iov = const_cast<iovec*>(bufs.data());
    msg.msg_iovlen = bufs.size();
    iovec first;
    msghdr cut;
    return io(
        current_ring(*this), fd.write_slot, d, sys::Call::sendmsg,
        try_first_policy.send || d.has_passed(),
        [&] { return sys::sendmsg(fd.fd, &msg, MSG_NOSIGNAL); },
        [&](io_uring_sqe* sqe, std::size_t limit) {
            io_uring_prep_sendmsg(sqe, fd.fd, sys::limit_msg(&msg, limit, first, cut),
                                  MSG_NOSIGNAL);
        });
}

IoResult UringBackend::wait(FdState& fd, Interest interest, Deadline d) noexcept {
    const bool read = interest == Interest::read;
    WaitSlot& slot = read ? fd.read_slot : fd.write_slot;
    const unsigned mask = read ? POLLIN | POLLRDHUP : POLLOUT;
    // No shortcut for a passed deadline: the poll is submitted and cancelled at once, and
    // reports readiness the kernel already had.
    UringCompletion c;
    do {  // -EAGAIN / -EINTR: the kernel gave up without an answer; ask again
        c = current_ring(*this).run_op(
            slot, d, sys::Call::poll,
            [&](io_uring_sqe* sqe, std::size_t) { io_uring_prep_poll_add(sqe, fd.fd, mask); });
    } while (c.why == WakeReason::ready && (c.res == -EAGAIN || c.res == -EINTR));
    IoResult r = to_result(c);
    r.n = 0;
    return r;
}

}  // namespace weft::detail
