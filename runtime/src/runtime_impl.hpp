#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include <weft/runtime.hpp>

#include "fd_state_pool.hpp"
#include "fiber_state.hpp"
#include "waiter.hpp"
#include "worker.hpp"

namespace weft::detail {

/// Everything a Runtime owns. Nothing in weft is process-global.
class RuntimeImpl {
public:
    explicit RuntimeImpl(RuntimeOptions options);
    ~RuntimeImpl();

    const RuntimeOptions& options() const noexcept { return options_; }
    BackendKind backend_kind() const noexcept { return backend_kind_; }
    Worker& worker(unsigned i) noexcept { return *workers_[i]; }
    unsigned worker_count() const noexcept { return static_cast<unsigned>(workers_.size()); }
    FdStatePool& fd_states() noexcept { return fd_states_; }

    /// Runs body(arg) as fiber "main" on this thread's worker 0, then cancels and drains
    /// every fiber still alive. Rethrows main's exception.
    void run(void (*body)(void*), void* arg);

    // The registry of live fibers: cancellation at shutdown and the drain wait.
    void register_fiber(FiberState& fiber) noexcept;
    void unregister_fiber(FiberState& fiber) noexcept;
    std::size_t live_fibers() const noexcept;
    void report_exception(std::string_view fiber_name, std::exception_ptr error) noexcept;

private:
    void cancel_all_and_drain();

    RuntimeOptions options_;
    BackendKind backend_kind_;
    FdStatePool fd_states_;  // before workers_: backends may still name states on teardown
    std::vector<std::unique_ptr<Worker>> workers_;

    mutable std::mutex registry_mutex_;
    FiberState* fibers_ = nullptr;  // intrusive list through FiberState::prev/next
    std::size_t live_ = 0;
    std::atomic<bool> stopping_{false};
    WaitSlot drained_;  // notified when stopping_ and live_ reaches 0
};

}  // namespace weft::detail
