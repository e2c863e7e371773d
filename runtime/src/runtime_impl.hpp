#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <latch>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/mutex.hpp>

#include <weft/runtime.hpp>

#include "fd_state_pool.hpp"
#include "fiber_state.hpp"
#include "idle_set.hpp"
#include "offload_pool.hpp"
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
    OffloadPool& offload_pool() noexcept { return offload_pool_; }

    /// Runs body(arg) as fiber "main" on this thread's worker 0, then cancels and drains
    /// every fiber still alive. Rethrows main's exception.
    void run(void (*body)(void*), void* arg);

    // The registry of live fibers: cancellation at shutdown and the drain wait.
    void register_fiber(FiberState& fiber) noexcept;
    void unregister_fiber(FiberState& fiber) noexcept;
    std::size_t live_fibers() const noexcept;
    /// Calls f(const FiberState&) for each live fiber, under the registry's lock (diagnostics).
    template <class F>
    void for_each_fiber(F&& f) const {
        std::lock_guard lk{registry_mutex_};
        for (const FiberState* s = fibers_; s != nullptr; s = s->next) {
            f(*s);
        }
    }
    void report_exception(std::string_view fiber_name, std::exception_ptr error) noexcept;

    // Work stealing and idle workers (used by PollingAlgorithm).
    /// A stealable context from another worker's queue, or nullptr.
    boost::fibers::context* steal_for(Worker& thief) noexcept;
    /// `from` queued stealable work: wake one idle worker, if any, to come and take it.
    void wake_idle_worker(Worker& from) noexcept;
    /// Marks `w` idle before it blocks. Returns false (and unmarks it) if another worker
    /// has work to steal: then it must not block.
    bool enter_idle(Worker& w) noexcept;
    void leave_idle(Worker& w) noexcept;

private:
    void cancel_all_and_drain();
    void start_worker_threads();
    void stop_worker_threads() noexcept;
    void worker_thread(Worker& w, std::latch& installed) noexcept;
    std::size_t stacks_in_use() const noexcept;

    RuntimeOptions options_;
    BackendKind backend_kind_;
    FdStatePool fd_states_;  // before workers_: backends may still name states on teardown
    std::vector<std::unique_ptr<Worker>> workers_;

    mutable std::mutex registry_mutex_;
    FiberState* fibers_ = nullptr;  // intrusive list through FiberState::prev/next
    std::size_t live_ = 0;
    std::atomic<bool> stopping_{false};
    WaitSlot drained_;  // notified when stopping_ and live_ reaches 0

    IdleSet idle_;                      // one flag per worker (idle_set.hpp)
    std::vector<std::thread> threads_;  // workers 1..N-1 while run() runs
    boost::fibers::mutex stop_mutex_;
    boost::fibers::condition_variable stop_cv_;
    bool stop_ = false;  // guarded by stop_mutex_
    // Counted down by each worker thread, and by the thread that stops them, once it will
    // make no more fiber-level wake-up (stop_cv_ notify, stop_mutex_ unlock): a wake-up of a
    // worker's main context ends in that worker's scheduling algorithm (algo_->notify()), so
    // no worker may uninstall (destroy) its algorithm before every thread is past its last.
    std::unique_ptr<std::latch> wakers_done_;

    OffloadPool offload_pool_;  // last: its threads are joined first (and at the end of run)
};

/// The Runtimes alive in the process, for diagnostics only (diagnostics.cpp).
void register_runtime(RuntimeImpl& rt);
void unregister_runtime(RuntimeImpl& rt) noexcept;

}  // namespace weft::detail
