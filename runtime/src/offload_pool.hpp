#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include <weft/offload.hpp>

#include "waiter.hpp"

namespace weft::detail {

/// One offload call in flight: on the caller's stack (offload) or shared between the caller
/// and the pool (offload_until, which may stop waiting before the call returns).
struct OffloadJob {
    OffloadTask* task = nullptr;
    WaitSlot done;                         // notify_ready() once task->run() has returned
    std::shared_ptr<OffloadJob> pool_ref;  // offload_until: the pool's reference while it runs
    std::shared_ptr<OffloadTask> owned;    // offload_until: the call, kept alive with the job
    OffloadJob* next = nullptr;            // the pool's queue, under its mutex
};

/// A Runtime's threads for blocking calls: plain threads, started on demand up to a bound,
/// parked on a condition variable when idle, joined by stop(). Not fibers: a job may block.
class OffloadPool {
public:
    OffloadPool() = default;
    OffloadPool(const OffloadPool&) = delete;
    OffloadPool& operator=(const OffloadPool&) = delete;
    ~OffloadPool();

    /// Queues `job`, starting a thread if every thread is busy and fewer than max_threads
    /// run. Errors: std::system_error if no thread runs and none can be started.
    void submit(OffloadJob& job, unsigned max_threads);
    /// Joins every thread once it has run the jobs still queued (abandoned offload_until
    /// calls). A later submit() starts threads again.
    void stop() noexcept;

private:
    void thread_main() noexcept;
    static void finish(OffloadJob& job) noexcept;

    std::mutex mutex_;
    std::condition_variable wake_;
    OffloadJob* head_ = nullptr;  // FIFO of queued jobs
    OffloadJob* tail_ = nullptr;
    std::size_t queued_ = 0;
    std::size_t idle_ = 0;  // threads waiting on wake_
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

}  // namespace weft::detail
