#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "backend/backend.hpp"
#include "ready_queue.hpp"
#include "stack_pool.hpp"

namespace weft::detail {

class RuntimeImpl;

/// A worker: one thread's scheduler, its backend and its stacks.
class Worker {
public:
    Worker(RuntimeImpl& runtime, unsigned index, BackendKind kind, std::string* fallback_reason);
    ~Worker();

    /// On the thread that will run this worker: makes it current_worker() and installs the
    /// PollingAlgorithm as that thread's Boost.Fiber scheduler.
    void install();
    /// Undoes install(): the thread gets Boost's round_robin back, so no scheduler of this
    /// thread keeps a pointer into a Runtime that is going away.
    void uninstall() noexcept;

    RuntimeImpl& runtime() const noexcept { return runtime_; }
    unsigned index() const noexcept { return index_; }
    Backend& backend() const noexcept { return *backend_; }
    StackPool& stacks() noexcept { return stacks_; }
    ReadyQueue& queue() noexcept { return queue_; }

private:
    RuntimeImpl& runtime_;
    unsigned index_;
    std::unique_ptr<Backend> backend_;
    StackPool stacks_;
    ReadyQueue queue_;
};

/// The worker running on this thread, or nullptr. Never cache the result across a call that
/// can park: the fiber may resume on another worker.
Worker* current_worker() noexcept;

}  // namespace weft::detail
