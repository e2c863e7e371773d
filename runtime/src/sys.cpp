// The syscall seam: every syscall weft makes. errno is copied on the line after the call,
// because a fiber may change threads at its next park and errno is thread-local.
// EINTR is retried here so that no caller has to (close, connect and epoll_wait excepted: a
// retried close may close a reused fd, an interrupted connect goes on in the background, and
// an interrupted wait simply returns no events).
//
// Each call first asks fault() whether a test wants it to fail (sys.hpp has the rules); the
// plan below is only read once faults_armed is set.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <weft/detail/sys.hpp>

namespace weft::detail::sys {

std::atomic<bool> faults_armed{false};

namespace {

// The armed plan. Atomics only so that a test may arm from one thread while a worker reads.
struct ArmedPlan {
    std::atomic<Call> call{Call::any};
    std::atomic<std::uint64_t> nth{0};
    std::atomic<int> err{0};
    std::atomic<std::size_t> short_to{0};
    std::atomic<std::uint64_t> calls{0};
    std::atomic<Call> fired{Call::any};
} plan;

constexpr bool is_socket_call(Call c) noexcept {
    return c != Call::any && c <= Call::poll;
}

constexpr const char* call_names[] = {
    "any",         "socket",    "bind",     "listen", "accept4",    "connect",    "recv",
    "send",        "sendmsg",   "shutdown", "close",  "setsockopt", "getsockopt", "getsockname",
    "getpeername", "epoll_ctl", "poll",     "read",   "write",      "eventfd",    "epoll_create1",
    "epoll_wait",  "mmap",      "mprotect", "munmap",
};
static_assert(std::size(call_names) == static_cast<std::size_t>(Call::munmap) + 1);

SysResult result(long r, int err, bool injected = false) noexcept {
    return r >= 0 ? SysResult{r, 0, injected} : SysResult{r, err, injected};
}

// One attempt of `call` (given the byte limit of a short result) unless the seam fails it;
// EINTR, real or injected, goes round again.
template <class Syscall>
SysResult retry(Call kind, Syscall&& call) noexcept {
    for (;;) {
        const Fault f = fault(kind);
        if (f.err != 0) {
            if (f.err == EINTR) {
                continue;
            }
            return {-1, f.err, true};
        }
        const long r = call(f.limit);
        if (r >= 0) {
            return {r, 0, f.limit != SIZE_MAX};
        }
        const int err = errno;
        if (err != EINTR) {
            return {r, err, f.limit != SIZE_MAX};
        }
    }
}

// A call that releases something: it runs whatever the seam says (Linux frees the fd even
// when close fails), and then reports the injected error.
template <class Syscall>
SysResult release(Call kind, Syscall&& call) noexcept {
    const Fault f = fault(kind);
    const long r = call();
    const int err = errno;
    return f.err != 0 ? SysResult{-1, f.err, true} : result(r, err);
}

}  // namespace

const char* call_name(Call c) noexcept {
    return call_names[static_cast<std::size_t>(c)];
}

Fault fault_slow(Call c) noexcept {
    const Call want = plan.call.load(std::memory_order_relaxed);
    if (want == Call::any ? !is_socket_call(c) : want != c) {
        return {};
    }
    const std::uint64_t n = plan.calls.fetch_add(1, std::memory_order_relaxed) + 1;
    if (n != plan.nth.load(std::memory_order_relaxed)) {
        return {};
    }
    plan.fired.store(c, std::memory_order_relaxed);
    const int err = plan.err.load(std::memory_order_relaxed);
    if (err != 0) {
        return {err, SIZE_MAX};
    }
    const std::size_t limit = plan.short_to.load(std::memory_order_relaxed);
    return {0, limit != 0 ? limit : SIZE_MAX};
}

void arm_faults(const FaultPlan& p) noexcept {
    faults_armed.store(false, std::memory_order_seq_cst);
    plan.call.store(p.call, std::memory_order_relaxed);
    plan.nth.store(p.nth, std::memory_order_relaxed);
    plan.err.store(p.err, std::memory_order_relaxed);
    plan.short_to.store(p.short_to, std::memory_order_relaxed);
    plan.calls.store(0, std::memory_order_relaxed);
    plan.fired.store(Call::any, std::memory_order_relaxed);
    faults_armed.store(true, std::memory_order_seq_cst);
}

void disarm_faults() noexcept {
    faults_armed.store(false, std::memory_order_seq_cst);
}

std::uint64_t fault_calls() noexcept {
    return plan.calls.load(std::memory_order_relaxed);
}

Call fault_fired() noexcept {
    return plan.fired.load(std::memory_order_relaxed);
}

const msghdr* limit_msg(const msghdr* msg, std::size_t limit, iovec& first, msghdr& out) noexcept {
    if (limit == SIZE_MAX || msg->msg_iovlen == 0) {
        return msg;
    }
    first = msg->msg_iov[0];
    first.iov_len = std::min(first.iov_len, limit);
    out = *msg;
    out.msg_iov = &first;
    out.msg_iovlen = 1;
    return &out;
}

SysResult socket(int domain, int type, int protocol) noexcept {
    return retry(Call::socket, [&](std::size_t) { return long{::socket(domain, type, protocol)}; });
}
SysResult bind(int fd, const sockaddr* addr, socklen_t len) noexcept {
    return retry(Call::bind, [&](std::size_t) { return long{::bind(fd, addr, len)}; });
}
SysResult listen(int fd, int backlog) noexcept {
    return retry(Call::listen, [&](std::size_t) { return long{::listen(fd, backlog)}; });
}
SysResult accept4(int fd, sockaddr* addr, socklen_t* len, int flags) noexcept {
    return retry(Call::accept4, [&](std::size_t) { return long{::accept4(fd, addr, len, flags)}; });
}
SysResult connect(int fd, const sockaddr* addr, socklen_t len) noexcept {
    // Not retried: after EINTR the connection goes on in the background (like EINPROGRESS).
    const Fault f = fault(Call::connect);
    if (f.err != 0 && f.err != EINTR) {
        return {-1, f.err, true};
    }
    const long r = ::connect(fd, addr, len);
    const int err = errno;
    if (f.err == EINTR && (r == 0 || err == EINPROGRESS)) {
        return {-1, EINTR, true};
    }
    return result(r, err);
}
SysResult recv(int fd, void* buf, std::size_t len, int flags) noexcept {
    return retry(Call::recv, [&](std::size_t limit) {
        return long{::recv(fd, buf, std::min(len, limit), flags)};
    });
}
SysResult send(int fd, const void* buf, std::size_t len, int flags) noexcept {
    return retry(Call::send, [&](std::size_t limit) {
        return long{::send(fd, buf, std::min(len, limit), flags)};
    });
}
SysResult sendmsg(int fd, const msghdr* msg, int flags) noexcept {
    return retry(Call::sendmsg, [&](std::size_t limit) {
        iovec first;
        msghdr cut;
        return long{::sendmsg(fd, limit_msg(msg, limit, first, cut), flags)};
    });
}
SysResult shutdown(int fd, int how) noexcept {
    return retry(Call::shutdown, [&](std::size_t) { return long{::shutdown(fd, how)}; });
}
SysResult close(int fd) noexcept {
    return release(Call::close, [&] { return long{::close(fd)}; });
}
SysResult setsockopt(int fd, int level, int name, const void* value, socklen_t len) noexcept {
    return retry(Call::setsockopt,
                 [&](std::size_t) { return long{::setsockopt(fd, level, name, value, len)}; });
}
SysResult getsockopt(int fd, int level, int name, void* value, socklen_t* len) noexcept {
    return retry(Call::getsockopt,
                 [&](std::size_t) { return long{::getsockopt(fd, level, name, value, len)}; });
}
SysResult getsockname(int fd, sockaddr* addr, socklen_t* len) noexcept {
    return retry(Call::getsockname,
                 [&](std::size_t) { return long{::getsockname(fd, addr, len)}; });
}
SysResult getpeername(int fd, sockaddr* addr, socklen_t* len) noexcept {
    return retry(Call::getpeername,
                 [&](std::size_t) { return long{::getpeername(fd, addr, len)}; });
}
SysResult read(int fd, void* buf, std::size_t len) noexcept {
    return retry(Call::read,
                 [&](std::size_t limit) { return long{::read(fd, buf, std::min(len, limit))}; });
}
SysResult write(int fd, const void* buf, std::size_t len) noexcept {
    return retry(Call::write,
                 [&](std::size_t limit) { return long{::write(fd, buf, std::min(len, limit))}; });
}
SysResult eventfd(unsigned initval, int flags) noexcept {
    return retry(Call::eventfd, [&](std::size_t) { return long{::eventfd(initval, flags)}; });
}
SysResult epoll_create1(int flags) noexcept {
    return retry(Call::epoll_create1, [&](std::size_t) { return long{::epoll_create1(flags)}; });
}
SysResult epoll_ctl(int epfd, int op, int fd, epoll_event* event) noexcept {
    return retry(Call::epoll_ctl,
                 [&](std::size_t) { return long{::epoll_ctl(epfd, op, fd, event)}; });
}

SysResult epoll_wait(int epfd, epoll_event* events, int max, long long timeout_ns) noexcept {
    // epoll_pwait2 (Linux 5.11) takes a timespec; the fallback takes milliseconds, rounded
    // up: truncating 0.4 ms to 0 would turn a short sleep into a busy spin (Go and mio agree).
    static std::atomic<bool> have_pwait2{true};
    if (const Fault f = fault(Call::epoll_wait); f.err != 0) {
        return f.err == EINTR ? SysResult{0, 0, true} : SysResult{-1, f.err, true};
    }
    long r;
    if (have_pwait2.load(std::memory_order_relaxed)) {
        timespec ts{static_cast<time_t>(timeout_ns / 1'000'000'000),
                    static_cast<long>(timeout_ns % 1'000'000'000)};
        r = ::epoll_pwait2(epfd, events, max, timeout_ns < 0 ? nullptr : &ts, nullptr);
        if (r >= 0 || errno != ENOSYS) {
            return r >= 0 || errno == EINTR ? SysResult{r < 0 ? 0 : r, 0} : SysResult{r, errno};
        }
        have_pwait2.store(false, std::memory_order_relaxed);
    }
    int ms = timeout_ns < 0 ? -1 : static_cast<int>((timeout_ns + 999'999) / 1'000'000);
    r = ::epoll_wait(epfd, events, max, ms);
    return r >= 0 || errno == EINTR ? SysResult{r < 0 ? 0 : r, 0} : SysResult{r, errno};
}

SysResult mmap(std::size_t len, int prot, int flags) noexcept {
    if (const Fault f = fault(Call::mmap); f.err != 0) {
        return {-1, f.err, true};
    }
    void* p = ::mmap(nullptr, len, prot, flags, -1, 0);
    if (p == MAP_FAILED) {
        return {-1, errno};
    }
    return {reinterpret_cast<long>(p), 0};
}
SysResult mprotect(void* addr, std::size_t len, int prot) noexcept {
    return retry(Call::mprotect, [&](std::size_t) { return long{::mprotect(addr, len, prot)}; });
}
SysResult munmap(void* addr, std::size_t len) noexcept {
    return release(Call::munmap, [&] { return long{::munmap(addr, len)}; });
}

}  // namespace weft::detail::sys
