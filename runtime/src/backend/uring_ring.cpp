// io_uring backend, the ring: setup, submission, reaping, cross-thread wake-up.
//
// Submission is batched. A fiber only writes its SQE into the SQ; run_once() hands every
// queued SQE to the kernel in the same io_uring_enter that waits for completions
// (io_uring_submit_and_wait_timeout with the next timer), once per scheduling round. A fiber
// that parks always reaches a run_once() before its worker blocks, because run_once() is the
// worker's only way to block. A full SQ is submitted at once and the SQE taken again: an op
// is never dropped.
//
// user_data of an SQE:
//   wake_tag     the poll on the wake-up eventfd
//   cancel_tag   an async cancel; its CQE carries nothing anyone waits for
//   bit 0 set    UringAcceptQueue* | 1: a listener's multishot accept (uring_accept.cpp)
//   otherwise    UringOp* | generation << 48; the op's record, on its fiber's stack
// The generation makes a cancel target exactly one op, even when a record's stack address
// is reused by the next op of the same fiber.
//
// Reaping: each CQE is marked seen before it is acted on, so anything it triggers (re-arming
// the wake poll, a submit on a full SQ that reaps in turn) never sees it twice. The CQ never
// loses an entry: the ring is created with IORING_FEAT_NODROP, whose overflow list is flushed
// back into the CQ (io_uring_get_events) whenever IORING_SQ_CQ_OVERFLOW is set.
//
// Wake-up: a one-shot POLLIN on a WakeupFd's eventfd, re-armed after each hit (wakeup_fd.hpp
// de-duplicates the writes, as in the epoll backend).
//
// Threads: only the owner worker touches the SQ and the CQ. A fiber that resumes on another
// worker and must cancel its op queues the cancel in remote_cancels_ and wakes the owner.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <poll.h>
#include <string>

#include <weft/detail/assert.hpp>
#include <weft/detail/sys.hpp>

#include "../worker.hpp"
#include "uring_backend.hpp"

namespace weft::detail {

namespace {

constexpr std::uint64_t ptr_mask = (std::uint64_t{1} << 48) - 1;
constexpr std::uint64_t wake_tag = 1;
constexpr std::uint64_t cancel_tag = 2;
// CQ entries per SQ entry. Every op in flight owns one CQE; a ring of 256 SQEs routinely has
// thousands of ops in flight, and an overflow, though lossless, costs a kernel allocation.
constexpr unsigned cq_factor = 16;

std::error_code os_error(int err) noexcept {
    return {err, std::system_category()};
}

// The ops weft submits, and the kernel that brought each (ACCEPT/CONNECT 5.5, the rest 5.6).
constexpr struct {
    int op;
    const char* name;
} required_ops[] = {
    {IORING_OP_ACCEPT, "IORING_OP_ACCEPT"},
    {IORING_OP_CONNECT, "IORING_OP_CONNECT"},
    {IORING_OP_RECV, "IORING_OP_RECV"},
    {IORING_OP_SEND, "IORING_OP_SEND"},
    {IORING_OP_SENDMSG, "IORING_OP_SENDMSG"},
    {IORING_OP_POLL_ADD, "IORING_OP_POLL_ADD"},
    {IORING_OP_ASYNC_CANCEL, "IORING_OP_ASYNC_CANCEL"},
};

// Empty if the kernel behind `ring` has everything weft needs, else what it lacks.
std::string missing_feature(io_uring& ring) {
    if ((ring.features & IORING_FEAT_NODROP) == 0) {
        return "IORING_FEAT_NODROP (Linux 5.5)";
    }
    io_uring_probe* probe = io_uring_get_probe_ring(&ring);
    if (probe == nullptr) {
        return "the opcode probe (Linux 5.6)";
    }
    std::string missing;
    for (const auto& r : required_ops) {
        if (!io_uring_opcode_supported(probe, r.op)) {
            missing = r.name;
            break;
        }
    }
    io_uring_free_probe(probe);
    return missing;
}

}  // namespace

UringBackend::UringBackend(unsigned entries, bool multishot_accept) {
    // COOP_TASKRUN: the kernel runs completion task work when this thread next enters it
    // (every run_once does, and liburing's peek flushes when TASKRUN_FLAG says so) instead
    // of interrupting it. Measured on loopback echo: without it, a recv completed as task
    // work at the exit of the next send spins on the socket lock the peer still holds
    // (1.3x the round trips with it). Kernels before 5.19 refuse the flags: retry without.
    io_uring_params params{};
    params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG;
    params.cq_entries = entries * cq_factor;
    int r = io_uring_queue_init_params(entries, &ring_, &params);
    if (r == -EINVAL) {
        params = io_uring_params{};
        params.flags = IORING_SETUP_CQSIZE;
        params.cq_entries = entries * cq_factor;
        r = io_uring_queue_init_params(entries, &ring_, &params);
    }
    if (r < 0) {
        throw std::system_error(os_error(-r), "io_uring_setup");
    }
    if (std::string missing = missing_feature(ring_); !missing.empty()) {
        io_uring_queue_exit(&ring_);
        throw std::system_error(os_error(ENOSYS), "io_uring: the kernel lacks " + missing);
    }
    multishot_accept_ = multishot_accept && probe_multishot_accept(wakeup_.fd());
    remote_cancels_.reserve(64);
    arm_wake();
}

UringBackend::~UringBackend() {
    drain_accepts();
    io_uring_queue_exit(&ring_);
}

std::error_code UringBackend::attach(FdState& fd) noexcept {
    fd.home = this;  // nothing to register: each op names its fd
    return {};
}

UringBackend& current_ring(UringBackend& fallback) noexcept {
    Worker* w = current_worker();
    if (w == nullptr || w->backend().kind() != BackendKind::io_uring) {
        return fallback;
    }
    return static_cast<UringBackend&>(w->backend());
}

bool UringBackend::on_owner_thread() const noexcept {
    Worker* w = current_worker();
    return w == nullptr || &w->backend() == this;
}

io_uring_sqe* UringBackend::get_sqe() noexcept {
    for (;;) {
        if (io_uring_sqe* sqe = io_uring_get_sqe(&ring_)) {
            return sqe;
        }
        // SQ full: this round's batch goes to the kernel now.
        int r = io_uring_submit(&ring_);
        if (r == -EBUSY || r == -EAGAIN) {
            reap();  // the kernel wants room in the CQ first
        }
    }
}

std::uint64_t UringBackend::next_key(const void* op) noexcept {
    const auto addr = reinterpret_cast<std::uintptr_t>(op);
    WEFT_ASSERT((addr & ~ptr_mask) == 0 && addr > cancel_tag, "op record outside 48 bits");
    return addr | (std::uint64_t{++generation_} << 48);
}

void UringBackend::prep_cancel(std::uint64_t key) noexcept {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_cancel64(sqe, key, 0);
    io_uring_sqe_set_data64(sqe, cancel_tag);
}

void UringBackend::cancel(std::uint64_t key) noexcept {
    if (on_owner_thread()) {
        prep_cancel(key);
        return;
    }
    {
        std::lock_guard lk{remote_mutex_};
        remote_cancels_.push_back(key);
        has_remote_cancels_.store(true, std::memory_order_release);
    }
    wake();
}

void UringBackend::take_remote_cancels() noexcept {
    if (!has_remote_cancels_.load(std::memory_order_acquire)) {
        return;
    }
    std::lock_guard lk{remote_mutex_};
    for (std::uint64_t key : remote_cancels_) {
        prep_cancel(key);
    }
    remote_cancels_.clear();
    has_remote_cancels_.store(false, std::memory_order_relaxed);
}

void UringBackend::arm_wake() noexcept {
    io_uring_sqe* sqe = get_sqe();
    io_uring_prep_poll_add(sqe, wakeup_.fd(), POLLIN);
    io_uring_sqe_set_data64(sqe, wake_tag);
}

void UringBackend::wake() noexcept {
    wakeup_.wake();
}

void UringBackend::complete(std::uint64_t user_data, int res, unsigned flags) noexcept {
    if (user_data == cancel_tag) {
        return;
    }
    if (user_data == wake_tag) {
        wakeup_.consume();
        arm_wake();
        return;
    }
    if ((user_data & uring_accept_tag) != 0) {  // after wake_tag, which has the bit too
        auto* q = reinterpret_cast<UringAcceptQueue*>(
            static_cast<std::uintptr_t>(user_data & ~uring_accept_tag));
        on_accept_cqe(*q, res, flags);
        return;
    }
    auto* op = reinterpret_cast<UringOp*>(static_cast<std::uintptr_t>(user_data & ptr_mask));
    WaitSlot* slot = op->slot;  // read first: once `done` is set, the record may be gone
    op->res = res;
    op->done.store(true, std::memory_order_release);
    slot->notify_ready();
}

void UringBackend::reap() noexcept {
    for (;;) {
        io_uring_cqe* cqe = nullptr;
        if (io_uring_peek_cqe(&ring_, &cqe) == 0 && cqe != nullptr) {
            const std::uint64_t user_data = cqe->user_data;
            const int res = cqe->res;
            const unsigned flags = cqe->flags;
            io_uring_cqe_seen(&ring_, cqe);
            complete(user_data, res, flags);
            continue;
        }
        if (!io_uring_cq_has_overflow(&ring_)) {
            return;
        }
        io_uring_get_events(&ring_);  // moves the overflowed CQEs back into the CQ
    }
}

void UringBackend::run_once(std::chrono::steady_clock::time_point until) noexcept {
    using clock = std::chrono::steady_clock;
    take_remote_cancels();
    if (until == clock::time_point::min() || io_uring_cq_ready(&ring_) != 0) {
        if (io_uring_sq_ready(&ring_) != 0) {
            io_uring_submit(&ring_);
        }
    } else {
        __kernel_timespec ts{};
        __kernel_timespec* timeout = nullptr;
        if (until != clock::time_point::max()) {
            auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(until - clock::now());
            const long long ns = std::max<long long>(left.count(), 0);
            ts.tv_sec = ns / 1'000'000'000;
            ts.tv_nsec = ns % 1'000'000'000;
            timeout = &ts;
        }
        io_uring_cqe* cqe = nullptr;
        // -ETIME (the timer is due) and -EINTR just end the wait; errors of single SQEs
        // come back as their CQEs.
        io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, timeout, nullptr);
    }
    reap();
}

}  // namespace weft::detail
