// epoll backend: readiness, edge-triggered.
//
// Registration: attach() adds the fd once with EPOLLIN|EPOLLOUT|EPOLLRDHUP|EPOLLET, from any
// thread (epoll_ctl is thread-safe, the poller is not woken). epoll_event.data.u64 holds
// FdState* | generation << 48; an event whose generation differs from the FdState's is stale
// (the fd was closed and its state recycled) and is dropped. Closing the fd removes it from
// the interest list, so there is no EPOLL_CTL_DEL.
//
// Each op is "try the syscall, park on EAGAIN, retry", written once in io_loop(). The
// syscall is tried even when the deadline has passed: a deadline bounds the wait, so an
// expired one turns the op into a non-blocking attempt. Readiness
// that arrives while nobody is parked is kept as a token in the slot (Go's pdReady), so an
// edge between the EAGAIN and the park is never lost.
//
// Wake-up: a WakeupFd (wakeup_fd.hpp: one eventfd write per burst of wake() calls)
// registered with data.u64 == 0.
#include "epoll_backend.hpp"

#include <cerrno>
#include <cstdint>
#include <netinet/in.h>
#include <sys/epoll.h>

#include <weft/detail/sys.hpp>
#include <weft/error.hpp>

namespace weft::detail {

namespace {

constexpr std::uint64_t ptr_mask = (std::uint64_t{1} << 48) - 1;
constexpr int max_events = 256;

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

// Try the syscall; on EAGAIN park in `slot` until readiness, deadline, cancel or close.
template <class Syscall>
IoResult io_loop(WaitSlot& slot, Deadline d, Syscall&& call) noexcept {
    for (;;) {
        sys::SysResult r = call();
        if (r.ok()) {
            return {static_cast<std::size_t>(r.value), {}};
        }
        if (!would_block(r.err)) {
            return {0, os_error(r.err)};
        }
        if (r.injected) {
            // A fault-seam EAGAIN (sys.hpp) pretends the fd was not ready: give the edge the
            // kernel would then owe us, or a fd whose edge was already taken waits forever.
            slot.notify_ready();
        }
        WakeReason why = slot.wait(d);
        if (why != WakeReason::ready) {
            return {0, wake_error(why)};
        }
    }
}

}  // namespace

EpollBackend::EpollBackend() {
    sys::SysResult ep = sys::epoll_create1(EPOLL_CLOEXEC);
    if (!ep.ok()) {
        throw std::system_error(os_error(ep.err), "epoll_create1");
    }
    epfd_ = static_cast<int>(ep.value);
    epoll_event e{};
    e.events = EPOLLIN | EPOLLET;
    e.data.u64 = 0;
    sys::SysResult add = sys::epoll_ctl(epfd_, EPOLL_CTL_ADD, wakeup_.fd(), &e);
    if (!add.ok()) {
        sys::close(epfd_);
        throw std::system_error(os_error(add.err), "epoll_ctl(eventfd)");
    }
}

EpollBackend::~EpollBackend() {
    sys::close(epfd_);
}

std::error_code EpollBackend::attach(FdState& fd) noexcept {
    epoll_event e{};
    e.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
    e.data.u64 = reinterpret_cast<std::uintptr_t>(&fd) |
                 (std::uint64_t{fd.generation.load(std::memory_order_relaxed)} << 48);
    sys::SysResult r = sys::epoll_ctl(epfd_, EPOLL_CTL_ADD, fd.fd, &e);
    if (!r.ok()) {
        return os_error(r.err);
    }
    fd.home = this;
    return {};
}

IoResult EpollBackend::accept(FdState& fd, SockAddr& peer, Deadline d) noexcept {
    return io_loop(fd.read_slot, d, [&] {
        peer.len = sizeof(peer.storage);
        return sys::accept4(fd.fd, peer.get(), &peer.len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    });
}

IoResult EpollBackend::connect(FdState& fd, const SockAddr& to, Deadline d) noexcept {
    sys::SysResult r = sys::connect(fd.fd, to.get(), to.len);
    if (r.ok()) {
        return {};
    }
    if (r.err != EINPROGRESS && r.err != EINTR) {
        return {0, os_error(r.err)};
    }
    for (;;) {
        WakeReason why = fd.write_slot.wait(d);
        if (why != WakeReason::ready) {
            return {0, wake_error(why)};
        }
        int soerr = 0;
        socklen_t len = sizeof(soerr);
        sys::SysResult g = sys::getsockopt(fd.fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
        if (!g.ok()) {
            return {0, os_error(g.err)};
        }
        if (soerr == 0) {
            // Readiness may be spurious (a recycled state's stale event): confirm we are
            // connected, or keep waiting.
            SockAddr peer;
            sys::SysResult p = sys::getpeername(fd.fd, peer.get(), &peer.len);
            if (p.ok()) {
                return {};
            }
            if (p.err != ENOTCONN) {
                return {0, os_error(p.err)};
            }
            continue;
        }
        return {0, os_error(soerr)};
    }
}

IoResult EpollBackend::recv(FdState& fd, std::span<std::byte> buf, Deadline d) noexcept {
    // After a drained read, wait for the next edge instead of trying, unless the peer has hung
    // up: its FIN may have come in the very edge whose data that read took.
    if (fd.read_drained && !fd.read_hup.load(std::memory_order_relaxed) && !d.has_passed()) {
        WakeReason why = fd.read_slot.wait(d);
        if (why != WakeReason::ready) {
            return {0, wake_error(why)};
        }
    }
    bool injected = false;  // a short read from the fault seam drained nothing
    IoResult r = io_loop(fd.read_slot, d, [&] {
        sys::SysResult s = sys::recv(fd.fd, buf.data(), buf.size(), 0);
        injected = s.injected;
        return s;
    });
    fd.read_drained = !r.ec && r.n > 0 && r.n < buf.size() && !injected;
    return r;
}

IoResult EpollBackend::send(FdState& fd, std::span<const std::byte> buf, Deadline d) noexcept {
    return io_loop(fd.write_slot, d,
                   [&] { return sys::send(fd.fd, buf.data(), buf.size(), MSG_NOSIGNAL); });
}

IoResult EpollBackend::sendv(FdState& fd, std::span<const iovec> bufs, Deadline d) noexcept {
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(bufs.data());
    msg.msg_iovlen = bufs.size();
    return io_loop(fd.write_slot, d, [&] { return sys::sendmsg(fd.fd, &msg, MSG_NOSIGNAL); });
}

IoResult EpollBackend::wait(FdState& fd, Interest interest, Deadline d) noexcept {
    if (interest == Interest::write) {
        WakeReason why = fd.write_slot.wait(d);
        return {0, why == WakeReason::ready ? std::error_code{} : wake_error(why)};
    }
    // Read: edges are not levels, so the socket may already hold bytes whose edge an earlier
    // op used up. After a drained read the next edge is what to wait for (as in recv()), and
    // one that comes while we are parked means bytes. But a token already pending may be
    // stale: an edge whose bytes a read without parking took since. Returning on it would
    // send the caller into a read that parks, holding whatever buffer it leased for the
    // bytes. So then, or when the last read did not drain, peek one byte: "try first", with
    // no buffer of the caller's involved. (An edge that a poller on another worker reported
    // just before such a read took its bytes can still wake us spuriously: rare, and then
    // the caller's read parks as usual.)
    if (fd.read_drained && !fd.read_hup.load(std::memory_order_relaxed) && !d.has_passed() &&
        !fd.read_slot.take_token()) {
        WakeReason why = fd.read_slot.wait(d);
        if (why != WakeReason::ready) {
            return {0, wake_error(why)};
        }
        fd.read_drained = false;
        return {0, {}};
    }
    std::byte peek{};
    IoResult r = io_loop(fd.read_slot, d, [&] { return sys::recv(fd.fd, &peek, 1, MSG_PEEK); });
    if (!r.ec) {
        fd.read_drained = false;
    }
    r.n = 0;
    return r;
}

void EpollBackend::run_once(std::chrono::steady_clock::time_point until) noexcept {
    using clock = std::chrono::steady_clock;
    long long timeout_ns = -1;
    if (until == clock::time_point::min()) {
        timeout_ns = 0;
    } else if (until != clock::time_point::max()) {
        auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - clock::now());
        timeout_ns = left.count() > 0 ? left.count() : 0;
    }
    epoll_event events[max_events];
    sys::SysResult r = sys::epoll_wait(epfd_, events, max_events, timeout_ns);
    for (long i = 0; i < r.value; ++i) {
        const std::uint64_t data = events[i].data.u64;
        if (data == 0) {
            wakeup_.consume();
            continue;
        }
        auto* fd = reinterpret_cast<FdState*>(static_cast<std::uintptr_t>(data & ptr_mask));
        if (fd->generation.load(std::memory_order_relaxed) != (data >> 48)) {
            continue;
        }
        const std::uint32_t e = events[i].events;
        if ((e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
            fd->read_hup.store(true, std::memory_order_relaxed);
        }
        if ((e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
            fd->read_slot.notify_ready();
        }
        if ((e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
            fd->write_slot.notify_ready();
        }
    }
}

void EpollBackend::wake() noexcept {
    wakeup_.wake();
}

}  // namespace weft::detail
