// WakeupFd: the cross-thread wake-up of a backend, an eventfd written at most once per burst
// of wake() calls (Go's netpollBreak with netpollWakeSig, Asio's interrupter).
//
//   pending_   eventfd   meaning
//   false      0         idle: the next wake() writes
//   true       1         a wake-up is on its way; further wake() calls return at once
//
// wake():    if pending_ false -> true (exchange), write 1.
// consume(): the poller saw the fd readable: read it (back to 0), THEN pending_ = false.
// A wake() that finds pending_ true ran before that store, so the poller's round that is
// consuming the wake-up has not yet looked for work (it does after run_once returns) and
// sees whatever that waker published first. A wake() after the store writes again. So no
// wake-up is lost, and the counter never exceeds 1. Pure atomics and syscalls, no fibers:
// tests/threads drives it with std::threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <sys/eventfd.h>
#include <system_error>

#include <weft/detail/sys.hpp>

namespace weft::detail {

class WakeupFd {
public:
    /// Throws std::system_error ("eventfd") if the eventfd cannot be made.
    WakeupFd() {
        sys::SysResult ev = sys::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
        if (!ev.ok()) {
            throw std::system_error(ev.err, std::system_category(), "eventfd");
        }
        fd_ = static_cast<int>(ev.value);
    }
    ~WakeupFd() { sys::close(fd_); }
    WakeupFd(const WakeupFd&) = delete;
    WakeupFd& operator=(const WakeupFd&) = delete;

    /// The fd to poll for readability.
    int fd() const noexcept { return fd_; }

    /// Any thread: makes fd() readable, unless a wake-up is pending already.
    void wake() noexcept {
        if (!pending_.exchange(true, std::memory_order_seq_cst)) {
            const std::uint64_t one = 1;
            sys::write(fd_, &one, sizeof(one));
        }
    }

    /// The poller, once fd() polled readable: takes the wake-up; the next wake() writes
    /// again. Returns the counter it read (1; 0 if there was nothing to read).
    std::uint64_t consume() noexcept {
        std::uint64_t count = 0;
        sys::read(fd_, &count, sizeof(count));
        pending_.store(false, std::memory_order_seq_cst);
        return count;
    }

private:
    int fd_ = -1;
    std::atomic<bool> pending_{false};
};

}  // namespace weft::detail
