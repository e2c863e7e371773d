// PollingAlgorithm: Boost.Fiber's scheduler hooks wired to a backend and to the other
// workers of the Runtime.
//
// Boost.Fiber calls suspend_until() only from its dispatcher context, and only when
// pick_next() found nothing ready: that is where a worker blocks in epoll_wait (or the ring),
// with the nearest timer as the timeout. notify() comes from other threads (a remote wake).
//
// A busy worker must still poll (backend.hpp rule 2). The poll cannot run inside pick_next()
// when a fiber calls it: Boost calls pick_next() from suspend(lk) while the parking fiber
// still holds its wait-slot lock, and the poll may need that very lock. So after
// poll_interval picks, a fiber's pick_next() hands over to the dispatcher (which Boost keeps
// in the ready queue while fibers run), and the dispatcher's own pick_next(), which holds no
// lock, polls with a zero timeout. Stealing runs there too, for the same reason.
//
// Migration follows Boost's work_stealing algorithm: awakened() detaches a stealable context
// from this thread's scheduler before queueing it, and whichever worker pops it attaches it
// to its own. A context in a ready queue is always fully switched out: Boost schedules the
// context that yields or parks only after the switch away from it.
#include "polling_algorithm.hpp"

#include <utility>

#include <boost/fiber/context.hpp>
#include <boost/fiber/type.hpp>

#include "ready_queue.hpp"
#include "runtime_impl.hpp"
#include "worker.hpp"

namespace weft::detail {

void PollingAlgorithm::awakened(boost::fibers::context* ctx, FiberProps& props) noexcept {
    if (ctx->is_context(boost::fibers::type::dispatcher_context)) {
        dispatcher_ = ctx;
    }
    if (props.state != nullptr) {
        // FiberOptions::worker: a new fiber goes to its worker's queue, detached (even if
        // pinned: it is pinned to where it starts), and that worker is woken to run it.
        const unsigned target = props.state->take_start_worker();
        if (target != FiberState::any_worker && target != worker_.index()) {
            ctx->detach();
            Worker& w = worker_.runtime().worker(target);
            w.queue().push(ctx);
            w.backend().wake();
            return;
        }
    }
    // With one worker nothing can be stolen: skip the detach/attach and the idle check.
    const bool stealable = worker_.runtime().worker_count() > 1 && is_stealable(ctx);
    if (stealable) {
        ctx->detach();
    }
    worker_.queue().push(ctx);
    if (stealable) {
        worker_.runtime().wake_idle_worker(worker_);
    }
}

boost::fibers::context* PollingAlgorithm::pick_next() noexcept {
    // context::active() is an out-of-line call and a TLS lookup: taken only on the paths
    // that need it (a poll turn, an empty queue, a stolen context), not on every pick.
    const auto in_dispatcher = [] {
        return boost::fibers::context::active()->is_context(
            boost::fibers::type::dispatcher_context);
    };
    if (++picks_since_poll_ >= poll_interval) {
        if (in_dispatcher()) {
            picks_since_poll_ = 0;
            worker_.backend().run_once(std::chrono::steady_clock::time_point::min());
            polled_in_pick_ = true;
        } else if (dispatcher_ != nullptr && worker_.queue().remove(dispatcher_)) {
            return dispatcher_;
        }
    }
    boost::fibers::context* ctx = worker_.queue().pop();
    if (ctx == nullptr && in_dispatcher()) {
        ctx = worker_.runtime().steal_for(worker_);
    }
    if (ctx != nullptr && ctx->get_scheduler() == nullptr) {
        // A detached (stealable) context joins this worker.
        boost::fibers::context::active()->attach(ctx);
    }
    return ctx;
}

bool PollingAlgorithm::has_ready_fibers() const noexcept {
    return !worker_.queue().empty();
}

void PollingAlgorithm::suspend_until(std::chrono::steady_clock::time_point const& tp) noexcept {
    picks_since_poll_ = 0;
    if (std::exchange(polled_in_pick_, false)) {
        // That poll may have consumed a wake-up (the eventfd) whose fiber Boost queued in
        // its remote-ready queue after the dispatcher last looked there. Blocking now would
        // strand it: loop once more instead, and Boost drains that queue first.
        return;
    }
    RuntimeImpl& rt = worker_.runtime();
    if (!rt.enter_idle(worker_)) {
        return;  // another worker has work to steal: the dispatcher loops and takes it
    }
    worker_.backend().run_once(tp);
    rt.leave_idle(worker_);
}

void PollingAlgorithm::notify() noexcept {
    worker_.backend().wake();
}

boost::fibers::fiber_properties* PollingAlgorithm::new_properties(boost::fibers::context* ctx) {
    return new FiberProps(ctx);
}

}  // namespace weft::detail
