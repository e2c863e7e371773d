#pragma once

#include <cstddef>

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

struct epoll_event;

namespace weft::detail::sys {

/// A syscall's result with errno captured on the next line (fibers migrate between threads,
/// and errno is thread-local). `value` is the syscall's return value when err == 0.
struct SysResult {
    long value = 0;
    int err = 0;
    bool ok() const noexcept { return err == 0; }
};

// Every syscall weft makes goes through here. EINTR is retried (except for close, which
// Linux never restarts safely), nothing throws, nothing parks.
SysResult socket(int domain, int type, int protocol) noexcept;
SysResult bind(int fd, const sockaddr* addr, socklen_t len) noexcept;
SysResult listen(int fd, int backlog) noexcept;
SysResult accept4(int fd, sockaddr* addr, socklen_t* len, int flags) noexcept;
SysResult connect(int fd, const sockaddr* addr, socklen_t len) noexcept;
SysResult recv(int fd, void* buf, std::size_t len, int flags) noexcept;
SysResult send(int fd, const void* buf, std::size_t len, int flags) noexcept;
SysResult sendmsg(int fd, const msghdr* msg, int flags) noexcept;
SysResult shutdown(int fd, int how) noexcept;
SysResult close(int fd) noexcept;
SysResult setsockopt(int fd, int level, int name, const void* value, socklen_t len) noexcept;
SysResult getsockopt(int fd, int level, int name, void* value, socklen_t* len) noexcept;
SysResult getsockname(int fd, sockaddr* addr, socklen_t* len) noexcept;
SysResult getpeername(int fd, sockaddr* addr, socklen_t* len) noexcept;
SysResult read(int fd, void* buf, std::size_t len) noexcept;
SysResult write(int fd, const void* buf, std::size_t len) noexcept;
SysResult eventfd(unsigned initval, int flags) noexcept;
SysResult epoll_create1(int flags) noexcept;
SysResult epoll_ctl(int epfd, int op, int fd, epoll_event* event) noexcept;
/// `timeout_ns` < 0 waits forever. EINTR returns 0 events (the caller loops anyway).
SysResult epoll_wait(int epfd, epoll_event* events, int max, long long timeout_ns) noexcept;
/// value is the address; err set on failure (MAP_FAILED never escapes).
SysResult mmap(std::size_t len, int prot, int flags) noexcept;
SysResult mprotect(void* addr, std::size_t len, int prot) noexcept;
SysResult munmap(void* addr, std::size_t len) noexcept;

}  // namespace weft::detail::sys
