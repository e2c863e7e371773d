#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
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
    bool injected = false;  // the fault seam (below) failed or shortened this call
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

// ---- The fault seam ------------------------------------------------------------------------
//
// Every call above, and every io_uring op a backend submits, first asks fault(kind) whether
// a test wants it to fail (tests/support/fault.hpp drives this). Disarmed, that is one
// relaxed load of a flag that never changes, a predictable branch. Armed, the plan counts
// the calls it matches and fails the nth one, once:
//   err != 0        the call fails with err and the kernel is not asked (EINTR goes round the
//                   retry loop like a real one). Exceptions, so that an injected error is a
//                   state the kernel can produce: close and munmap run, then report err (the
//                   fd is gone either way); connect with EINTR runs and reports EINTR (the
//                   handshake goes on in the background, as after a real interrupted connect).
//   short_to > 0    a transfer (recv, send, sendmsg, read, write) moves at most short_to bytes
//                   (sendmsg: of its first buffer only).
// io_uring ops: an err is delivered by a NOP in the op's place, so the completion takes the
// real path (CQE, reap, wake) and carries -err; a short result shortens the SQE's length.
// Multishot accept CQEs are not faulted (accept4 attempts before arming are).
//
// The plan is process-global (tests run one case per process and arm it with an RAII guard
// that disarms at scope exit); nothing outside tests arms it.

/// Call kinds. Call::any in a plan matches the socket calls (socket .. poll); the runtime's
/// own plumbing (wake-up eventfd, epoll instance, stacks) fails only when named.
enum class Call : std::uint8_t {
    any,
    socket,
    bind,
    listen,
    accept4,
    connect,
    recv,
    send,
    sendmsg,
    shutdown,
    close,
    setsockopt,
    getsockopt,
    getsockname,
    getpeername,
    epoll_ctl,
    poll,  // io_uring POLL_ADD (IoHandle::wait)
    read,
    write,
    eventfd,
    epoll_create1,
    epoll_wait,
    mmap,
    mprotect,
    munmap,
};
const char* call_name(Call c) noexcept;

struct FaultPlan {
    Call call = Call::any;
    std::uint64_t nth = 0;  // 1-based; 0 counts calls and fails none
    int err = 0;
    std::size_t short_to = 0;
};

/// The seam's answer for one call: fail with err, or move at most `limit` bytes.
struct Fault {
    int err = 0;
    std::size_t limit = SIZE_MAX;
};

extern std::atomic<bool> faults_armed;
Fault fault_slow(Call c) noexcept;
inline Fault fault(Call c) noexcept {
    if (!faults_armed.load(std::memory_order_relaxed)) [[likely]] {
        return {};
    }
    return fault_slow(c);
}

/// Arms `plan` (replacing any other) and zeroes the count; disarm_faults() stops it.
void arm_faults(const FaultPlan& plan) noexcept;
void disarm_faults() noexcept;
/// Calls the plan matched since it was armed.
std::uint64_t fault_calls() noexcept;
/// The call the plan failed, or Call::any while it has failed none.
Call fault_fired() noexcept;

/// `msg` cut to at most `limit` bytes (a short write): `msg` itself when it is no longer,
/// else `out`, made of its first buffer only (in `first`), cut to `limit`.
const msghdr* limit_msg(const msghdr* msg, std::size_t limit, iovec& first, msghdr& out) noexcept;

}  // namespace weft::detail::sys
