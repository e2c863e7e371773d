#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include <liburing.h>

#include "backend.hpp"

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

/// Completion backend: one io_uring per worker. An op's record lives on the parked fiber's
/// stack and is reaped before the op returns; the protocol is in uring_backend.cpp, the
/// ring itself (submission, reaping, wake-up) in uring_ring.cpp.
class UringBackend final : public Backend {
public:
    static constexpr unsigned default_entries = 256;

    /// Throws std::system_error holding the errno of io_uring_setup (or ENOSYS for a kernel
    /// that lacks an op weft needs) if the ring cannot start.
    explicit UringBackend(unsigned entries = default_entries);
    ~UringBackend() override;

    BackendKind kind() const noexcept override { return BackendKind::io_uring; }
    std::error_code attach(FdState& fd) noexcept override;
    IoResult accept(FdState& fd, SockAddr& peer, Deadline d) noexcept override;
    IoResult connect(FdState& fd, const SockAddr& to, Deadline d) noexcept override;
    IoResult recv(FdState& fd, std::span<std::byte> buf, Deadline d) noexcept override;
    IoResult send(FdState& fd, std::span<const std::byte> buf, Deadline d) noexcept override;
    IoResult sendv(FdState& fd, std::span<const iovec> bufs, Deadline d) noexcept override;
    IoResult wait(FdState& fd, Interest interest, Deadline d) noexcept override;
    void run_once(std::chrono::steady_clock::time_point until) noexcept override;
    void wake() noexcept override;

    /// Fiber side, on this ring's worker: submits the op `prep` fills in, parks in `slot`
    /// until its CQE, or until deadline, cancel or close, which cancel it in the kernel;
    /// returns only once its CQE has been reaped.
    template <class Prep>
    UringCompletion run_op(WaitSlot& slot, Deadline d, Prep&& prep) noexcept;

private:
    io_uring_sqe* get_sqe() noexcept;
    std::uint64_t next_key(const void* op) noexcept;
    void cancel(std::uint64_t key) noexcept;
    void prep_cancel(std::uint64_t key) noexcept;
    void take_remote_cancels() noexcept;
    bool on_owner_thread() const noexcept;
    void arm_wake() noexcept;
    void reap() noexcept;
    void complete(std::uint64_t user_data, int res) noexcept;

    io_uring ring_{};
    int wakefd_ = -1;
    std::atomic<bool> wake_pending_{false};
    std::uint16_t generation_ = 0;  // owner thread only: tags each op's user_data
    // Cancels asked for by a fiber that resumed on another worker (it may not touch this
    // ring's SQ): queued here, turned into SQEs by the owner's next run_once.
    std::mutex remote_mutex_;
    std::vector<std::uint64_t> remote_cancels_;
    std::atomic<bool> has_remote_cancels_{false};
};

/// The ring of the worker the calling fiber runs on now (DESIGN.md 3 rule 1: completions
/// have no home), or `fallback` off a worker.
UringBackend& current_ring(UringBackend& fallback) noexcept;

}  // namespace weft::detail
