// The syscall seam: every syscall weft makes. errno is copied on the line after the call,
// because a fiber may change threads at its next park and errno is thread-local.
// EINTR is retried here so that no caller has to (close and epoll_wait excepted: a retried
// close may close a reused fd, and an interrupted wait simply returns no events).
#include <atomic>
#include <cerrno>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <weft/detail/sys.hpp>

namespace weft::detail::sys {

namespace {

template <class Call>
SysResult retry(Call&& call) noexcept {
    for (;;) {
        long r = call();
        if (r >= 0) {
            return {r, 0};
        }
        int err = errno;
        if (err != EINTR) {
            return {r, err};
        }
    }
}

SysResult once(long r) noexcept {
    return r >= 0 ? SysResult{r, 0} : SysResult{r, errno};
}

}  // namespace

SysResult socket(int domain, int type, int protocol) noexcept {
    return once(::socket(domain, type, protocol));
}
SysResult bind(int fd, const sockaddr* addr, socklen_t len) noexcept {
    return once(::bind(fd, addr, len));
}
SysResult listen(int fd, int backlog) noexcept {
    return once(::listen(fd, backlog));
}
SysResult accept4(int fd, sockaddr* addr, socklen_t* len, int flags) noexcept {
    return retry([&] { return long{::accept4(fd, addr, len, flags)}; });
}
SysResult connect(int fd, const sockaddr* addr, socklen_t len) noexcept {
    // Not retried: after EINTR the connection goes on in the background (like EINPROGRESS).
    return once(::connect(fd, addr, len));
}
SysResult recv(int fd, void* buf, std::size_t len, int flags) noexcept {
    return retry([&] { return long{::recv(fd, buf, len, flags)}; });
}
SysResult send(int fd, const void* buf, std::size_t len, int flags) noexcept {
    return retry([&] { return long{::send(fd, buf, len, flags)}; });
}
SysResult sendmsg(int fd, const msghdr* msg, int flags) noexcept {
    return retry([&] { return long{::sendmsg(fd, msg, flags)}; });
}
SysResult shutdown(int fd, int how) noexcept {
    return once(::shutdown(fd, how));
}
SysResult close(int fd) noexcept {
    return once(::close(fd));
}
SysResult setsockopt(int fd, int level, int name, const void* value, socklen_t len) noexcept {
    return once(::setsockopt(fd, level, name, value, len));
}
SysResult getsockopt(int fd, int level, int name, void* value, socklen_t* len) noexcept {
    return once(::getsockopt(fd, level, name, value, len));
}
SysResult getsockname(int fd, sockaddr* addr, socklen_t* len) noexcept {
    return once(::getsockname(fd, addr, len));
}
SysResult getpeername(int fd, sockaddr* addr, socklen_t* len) noexcept {
    return once(::getpeername(fd, addr, len));
}
SysResult read(int fd, void* buf, std::size_t len) noexcept {
    return retry([&] { return long{::read(fd, buf, len)}; });
}
SysResult write(int fd, const void* buf, std::size_t len) noexcept {
    return retry([&] { return long{::write(fd, buf, len)}; });
}
SysResult eventfd(unsigned initval, int flags) noexcept {
    return once(::eventfd(initval, flags));
}
SysResult epoll_create1(int flags) noexcept {
    return once(::epoll_create1(flags));
}
SysResult epoll_ctl(int epfd, int op, int fd, epoll_event* event) noexcept {
    return once(::epoll_ctl(epfd, op, fd, event));
}

SysResult epoll_wait(int epfd, epoll_event* events, int max, long long timeout_ns) noexcept {
    // epoll_pwait2 (Linux 5.11) takes a timespec; the fallback takes milliseconds, rounded
    // up: truncating 0.4 ms to 0 would turn a short sleep into a busy spin (Go and mio agree).
    static std::atomic<bool> have_pwait2{true};
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
    void* p = ::mmap(nullptr, len, prot, flags, -1, 0);
    if (p == MAP_FAILED) {
        return {-1, errno};
    }
    return {reinterpret_cast<long>(p), 0};
}
SysResult mprotect(void* addr, std::size_t len, int prot) noexcept {
    return once(::mprotect(addr, len, prot));
}
SysResult munmap(void* addr, std::size_t len) noexcept {
    return once(::munmap(addr, len));
}

}  // namespace weft::detail::sys
