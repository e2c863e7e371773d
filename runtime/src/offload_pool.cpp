// OffloadPool: the threads behind weft::offload. A job's completion reaches its fiber through
// the job's WaitSlot (waiter.cpp): notify_ready() from a pool thread wakes the fiber on its
// worker, or leaves a token if the fiber has not parked yet (or no longer waits).
#include "offload_pool.hpp"

#include <pthread.h>

#include <weft/detail/assert.hpp>

namespace weft::detail {

OffloadPool::~OffloadPool() {
    stop();
}

void OffloadPool::submit(OffloadJob& job, unsigned max_threads) {
    std::unique_lock lk{mutex_};
    job.next = nullptr;
    (tail_ != nullptr ? tail_->next : head_) = &job;
    tail_ = &job;
    ++queued_;
    if (queued_ > idle_ && threads_.size() < max_threads) {
        try {
            threads_.emplace_back([this] { thread_main(); });
        } catch (...) {
            if (threads_.empty()) {  // nobody would ever run it: take it back out
                WEFT_ASSERT(head_ == &job && tail_ == &job, "offload queue without threads");
                head_ = tail_ = nullptr;
                --queued_;
                throw;
            }
            // Otherwise the threads we have will get to it.
        }
    }
    lk.unlock();
    wake_.notify_one();
}

void OffloadPool::stop() noexcept {
    std::vector<std::thread> threads;
    {
        std::lock_guard lk{mutex_};
        stopping_ = true;
        threads.swap(threads_);
    }
    wake_.notify_all();
    for (std::thread& t : threads) {
        t.join();
    }
    std::lock_guard lk{mutex_};
    WEFT_ASSERT(head_ == nullptr, "offload jobs queued while the pool stopped");
    stopping_ = false;
}

void OffloadPool::thread_main() noexcept {
    pthread_setname_np(pthread_self(), "weft-offload");
    std::unique_lock lk{mutex_};
    for (;;) {
        while (head_ == nullptr && !stopping_) {
            ++idle_;
            wake_.wait(lk);
            --idle_;
        }
        OffloadJob* job = head_;
        if (job == nullptr) {
            return;  // stopping, and nothing left to run
        }
        head_ = job->next;
        if (head_ == nullptr) {
            tail_ = nullptr;
        }
        --queued_;
        lk.unlock();
        job->task->run();
        finish(*job);
        lk.lock();
    }
}

void OffloadPool::finish(OffloadJob& job) noexcept {
    // After notify_ready() the caller may return and free a job on its stack: touch nothing
    // of `job` after it. A shared job stays alive through `ref` until then.
    std::shared_ptr<OffloadJob> ref = std::move(job.pool_ref);
    job.done.notify_ready();
}

}  // namespace weft::detail
