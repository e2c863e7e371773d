// weft::offload: park the calling fiber while a pool thread runs its call.
//
//   offload        the job is on the caller's stack: the caller waits for notify_ready()
//                  whatever happens (a cancel only marks the result as cancelled), so the
//                  pool never touches a dead frame.
//   offload_until  the job is shared: the caller may leave on its deadline or a cancel,
//                  and the pool's reference keeps the job alive until the call returns.
#include <algorithm>
#include <memory>

#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>
#include <weft/offload.hpp>

#include "fiber_state.hpp"
#include "offload_pool.hpp"
#include "runtime_impl.hpp"
#include "worker.hpp"

namespace weft::detail {

namespace {

// The pool of the calling fiber's Runtime, after the checks every offload makes first.
OffloadPool& pool_for_call(unsigned& max_threads) {
    Worker* w = current_worker();
    if (w == nullptr) {
        throw_error(make_error_code(errc::not_in_fiber), "offload");
    }
    FiberState* fs = current_fiber_state();
    if (fs != nullptr && fs->consume_cancel()) {
        throw_error(make_error_code(errc::cancelled), "offload");
    }
    RuntimeImpl& rt = w->runtime();
    max_threads = std::max(4u, rt.worker_count());
    return rt.offload_pool();
}

}  // namespace

void offload_wait(OffloadTask& task) {
    unsigned max_threads = 0;
    OffloadPool& pool = pool_for_call(max_threads);
    OffloadJob job;
    job.task = &task;
    pool.submit(job, max_threads);
    WakeReason why = job.done.wait(Deadline::never());
    if (why == WakeReason::ready) {
        return;
    }
    // Cancelled (nothing else can claim this slot): the call may use our stack, so wait for
    // it to return before reporting the cancel.
    job.done.wait_uninterruptible();
    throw_error(make_error_code(errc::cancelled), "offload");
}

void offload_wait_until(std::shared_ptr<OffloadTask> task, Deadline d) {
    unsigned max_threads = 0;
    OffloadPool& pool = pool_for_call(max_threads);
    if (d.has_passed()) {
        throw_error(make_error_code(errc::timed_out), "offload");
    }
    auto job = std::make_shared<OffloadJob>();
    job->owned = std::move(task);
    job->task = job->owned.get();
    job->pool_ref = job;
    try {
        pool.submit(*job, max_threads);
    } catch (...) {
        job->pool_ref.reset();
        throw;
    }
    switch (job->done.wait(d)) {
        case WakeReason::ready:
            return;
        case WakeReason::timed_out:
            throw_error(make_error_code(errc::timed_out), "offload");
        default:
            throw_error(make_error_code(errc::cancelled), "offload");
    }
}

}  // namespace weft::detail
