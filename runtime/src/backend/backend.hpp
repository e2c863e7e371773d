#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <sys/uio.h>

#include <weft/deadline.hpp>
#include <weft/detail/io_handle.hpp>
#include <weft/detail/io_result.hpp>
#include <weft/detail/sock_addr.hpp>
#include <weft/runtime.hpp>

#include "../waiter.hpp"

namespace weft::detail {

class Backend;
class FdStatePool;

/// What a backend keeps on an fd between ops (io_uring: a listener's multishot accept and
/// the connections it queued). Owned by the FdState: it lives, and is reused, as long as the
/// pooled state does. Backend::detach() ends what it has in flight when the fd closes.
struct BackendFdExt {
    virtual ~BackendFdExt() = default;
};

/// Per-fd state (Go's pollDesc). Pooled by the Runtime, never freed while it lives, so a
/// stale event naming a recycled FdState is harmless: `generation` filters most, and a
/// spurious readiness only costs the next op one EAGAIN.
class FdState {
public:
    int fd = -1;
    std::atomic<std::uint16_t> generation{0};  // bumped on recycle; read by pollers
    Backend* home = nullptr;  // the backend the fd is attached to; it never changes
    WaitSlot read_slot;
    WaitSlot write_slot;
    IoLock read_lock;  // see IoHandle::read_lock()
    IoLock write_lock;
    // Reader-side hint: the last recv returned less than asked, so the socket was drained
    // and the next read parks for readiness without trying the syscall (saves one EAGAIN).
    bool read_drained = false;
    // Set by the epoll poller once the peer has shut down its side (EPOLLRDHUP/HUP/ERR): no
    // further edge will come, so read_drained must not make a read wait for one.
    std::atomic<bool> read_hup{false};
    FdState* next_free = nullptr;             // the pool's free list
    FdStatePool* pool = nullptr;              // where release() returns it
    std::atomic<BackendFdExt*> ext{nullptr};  // owned; set once by `home`, kept across recycling

    FdState() = default;
    FdState(const FdState&) = delete;
    FdState& operator=(const FdState&) = delete;
    ~FdState() { delete ext.load(std::memory_order_relaxed); }

    /// Op entry: false once close() has begun. Each true must be paired with leave().
    bool enter() noexcept;
    /// Op exit: true if this was the last op of a closing fd (the caller closes it).
    bool leave() noexcept;
    /// true if no op is in flight (the caller closes the fd now); else the last leave() does.
    bool begin_close() noexcept;
    bool is_closing() const noexcept { return (refs_.load(std::memory_order_acquire) & 1) != 0; }
    void reset_refs() noexcept { refs_.store(0, std::memory_order_relaxed); }

private:
    // bit 0: closing; bits 1..31: ops in flight (Go's fdMutex, reduced to one reference count).
    std::atomic<std::uint32_t> refs_{0};
};

/// One I/O backend per worker (DESIGN.md 7). Op-level, so that a readiness backend (epoll)
/// and a completion backend (io_uring) fit without either pretending to be the other.
///
/// Rules for per-worker backends with migrating fibers:
/// 1. Readiness has a home, completions do not: an fd is attached once, to the backend of
///    the worker that opened it, and that poller wakes its parked fibers wherever they live
///    (cross-thread wakes go through Boost.Fiber's remote ready queue).
/// 2. A busy worker still polls: PollingAlgorithm polls with a zero timeout every
///    poll_interval picks, or ready I/O would wait until the ready queue drains.
/// 3. Wake one idle worker, never all.
class Backend {
public:
    virtual ~Backend() = default;
    virtual BackendKind kind() const noexcept = 0;

    /// Any thread, once per fd, cheap (epoll: EPOLL_CTL_ADD with EPOLLET).
    virtual std::error_code attach(FdState& fd) noexcept = 0;

    // Ops: called from a fiber. Each tries the syscall first where that can succeed, parks
    // otherwise, and returns once the kernel is done with the caller's buffer.
    virtual IoResult accept(FdState& fd, SockAddr& peer, Deadline d) noexcept = 0;
    virtual IoResult connect(FdState& fd, const SockAddr& to, Deadline d) noexcept = 0;
    virtual IoResult recv(FdState& fd, std::span<std::byte> buf, Deadline d) noexcept = 0;
    virtual IoResult send(FdState& fd, std::span<const std::byte> buf, Deadline d) noexcept = 0;
    virtual IoResult sendv(FdState& fd, std::span<const iovec> bufs, Deadline d) noexcept = 0;
    virtual IoResult wait(FdState& fd, Interest interest, Deadline d) noexcept = 0;

    /// Called by close() once the fd's wait slots are closed and before the fd itself is
    /// closed: ends whatever the backend keeps going on the fd between ops (io_uring: a
    /// multishot accept, whose queued connections it closes). On a fiber it may park until
    /// the kernel is done with the fd.
    virtual void detach(FdState& fd) noexcept { (void)fd; }

    /// Owner thread only: block until an event, a wake() or `until`, then resume every fiber
    /// whose op is ready. until == time_point::min() polls without blocking.
    virtual void run_once(std::chrono::steady_clock::time_point until) noexcept = 0;
    /// Any thread: makes a blocked run_once return. A no-op while a wake-up is pending.
    virtual void wake() noexcept = 0;
};

/// Builds the backend for `kind`. For automatic, `fallback_reason` receives why io_uring was
/// not used (empty if it was). Throws std::system_error if the backend cannot start.
std::unique_ptr<Backend> make_backend(BackendKind kind, std::string* fallback_reason);

}  // namespace weft::detail
