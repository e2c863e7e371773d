#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include <liburing.h>

#include <weft/detail/sys.hpp>

#include "backend.hpp"
#include "wakeup_fd.hpp"

namespace weft::detail {

/// How an op submitted to a ring ended: the CQE's res, and what resumed the fiber first
/// (ready: the completion; otherwise the deadline, cancel or close that made it cancel).
struct UringCompletion {
    int res = 0;
    WakeReason why = WakeReason::ready;
};

/// The record of one op in flight, on the parked fiber's stack (no allocation). Its address
/// plus a generation is the SQE's user_data, so it must outlive the CQE: run_op() returns
/// only once `done` is set.
struct UringOp {
    WaitSlot* slot = nullptr;  // notified once the CQE is reaped
    int res = 0;
    std::atomic<bool> done{false};
};

class UringBackend;

/// user_data bit 0 marks a multishot accept: its user_data is the UringAcceptQueue's address
/// (an op record's address is even; the ring's own tags are the values 1 and 2).
inline constexpr std::uint64_t uring_accept_tag = 1;

/// A listener's multishot accept (uring_accept.cpp has the protocol). Lives in FdState::ext;
/// all but `next`/`prev` are guarded by `mutex`.
struct UringAcceptQueue final : BackendFdExt {
    std::mutex mutex;
    FdState* state = nullptr;      // the listener; nullptr once orphaned (closed off a fiber)
    int orphan_fd = -1;            // an orphan's listener fd, closed by its final CQE
    std::uint16_t generation = 0;  // state->generation this queue serves
    UringBackend* ring = nullptr;  // where the multishot is (or was last) armed
    bool armed = false;            // submitted, final CQE not yet reaped
    bool stopping = false;         // a cancel is on its way
    bool detached = false;         // the listener is closing
    int error = 0;                 // a final CQE's errno, for the next accept()
    WaitSlot* detach_waiter = nullptr;
    // Accepted fds not yet taken by accept(): a ring buffer that grows up to a limit.
    std::unique_ptr<int[]> fds;
    std::size_t capacity = 0, head = 0, count = 0;
    // The ring's list of armed queues (its owner thread only), for teardown.
    UringAcceptQueue* next = nullptr;
    UringAcceptQueue* prev = nullptr;

    UringAcceptQueue() = default;
    ~UringAcceptQueue() override { close_all(); }

    bool push(int fd) noexcept;
    int pop() noexcept;
    void close_all() noexcept;
};

/// Completion backend: one io_uring per worker. An op's record lives on the parked fiber's
/// stack and is reaped before the op returns; the protocol is in uring_backend.cpp, the
/// ring itself (submission, reaping, wake-up) in uring_ring.cpp.
class UringBackend final : public Backend {
public:
    static constexpr unsigned default_entries = 256;

    /// Throws std::system_error holding the errno of io_uring_setup (or ENOSYS for a kernel
    /// that lacks an op weft needs) if the ring cannot start.
    explicit UringBackend(unsigned entries = default_entries, bool multishot_accept = true);
    ~UringBackend() override;

    BackendKind kind() const noexcept override { return BackendKind::io_uring; }
    std::error_code attach(FdState& fd) noexcept override;
    IoResult accept(FdState& fd, SockAddr& peer, Deadline d) noexcept override;
    IoResult connect(FdState& fd, const SockAddr& to, Deadline d) noexcept override;
    IoResult recv(FdState& fd, std::span<std::byte> buf, Deadline d) noexcept override;
    IoResult send(FdState& fd, std::span<const std::byte> buf, Deadline d) noexcept override;
    IoResult sendv(FdState& fd, std::span<const iovec> bufs, Deadline d) noexcept override;
    IoResult wait(FdState& fd, Interest interest, Deadline d) noexcept override;
    void detach(FdState& fd) noexcept override;
    void run_once(std::chrono::steady_clock::time_point until) noexcept override;
    void wake() noexcept override;

    /// Whether accept() uses a multishot accept on this ring (the kernel has it, Linux 5.19,
    /// and WEFT_IO_URING_MULTISHOT_ACCEPT did not turn it off).
    bool multishot_accept() const noexcept { return multishot_accept_; }

    /// Fiber side, on this ring's worker: submits the op `prep(sqe, limit)` fills in (its
    /// length at most `limit`: the fault seam's short result), parks in `slot` until its CQE,
    /// or until deadline, cancel or close, which cancel it in the kernel; returns only once
    /// its CQE has been reaped. `kind` names the op to the fault seam (sys.hpp).
    template <class Prep>
    UringCompletion run_op(WaitSlot& slot, Deadline d, sys::Call kind, Prep&& prep) noexcept;

private:
    io_uring_sqe* get_sqe() noexcept;
    std::uint64_t next_key(const void* op) noexcept;
    void cancel(std::uint64_t key) noexcept;
    void prep_cancel(std::uint64_t key) noexcept;
    void take_remote_cancels() noexcept;
    bool on_owner_thread() const noexcept;
    void arm_wake() noexcept;
    void reap() noexcept;
    void complete(std::uint64_t user_data, int res, unsigned flags) noexcept;
    // Multishot accept (uring_accept.cpp).
    IoResult accept_once(FdState& fd, SockAddr& peer, Deadline d) noexcept;
    IoResult accept_queued(FdState& fd, SockAddr& peer, Deadline d) noexcept;
    bool arm_accept(UringAcceptQueue& q, FdState& fd) noexcept;
    void on_accept_cqe(UringAcceptQueue& q, int res, unsigned flags) noexcept;
    void finish_accept(UringAcceptQueue& q) noexcept;
    void drain_accepts() noexcept;
    bool probe_multishot_accept(int not_a_socket) noexcept;

    WakeupFd wakeup_;  // before ring_: it outlives the ring, whose poll names its fd
    io_uring ring_{};
    std::uint16_t generation_ = 0;  // owner thread only: tags each op's user_data
    // Cancels asked for by a fiber that resumed on another worker (it may not touch this
    // ring's SQ): queued here, turned into SQEs by the owner's next run_once.
    std::mutex remote_mutex_;
    std::vector<std::uint64_t> remote_cancels_;
    std::atomic<bool> has_remote_cancels_{false};
    bool multishot_accept_ = false;
    UringAcceptQueue* armed_accepts_ = nullptr;  // owner thread only
};

/// The ring of the worker the calling fiber runs on now (DESIGN.md 3 rule 1: completions
/// have no home), or `fallback` off a worker.
UringBackend& current_ring(UringBackend& fallback) noexcept;

}  // namespace weft::detail
