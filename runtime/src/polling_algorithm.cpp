// PollingAlgorithm: Boost.Fiber's scheduler hooks wired to a backend.
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
// lock, polls with a zero timeout.
#include "polling_algorithm.hpp"

#include <boost/fiber/context.hpp>
#include <boost/fiber/type.hpp>

#include "backend/backend.hpp"

namespace weft::detail {

void PollingAlgorithm::awakened(boost::fibers::context* ctx, FiberProps&) noexcept {
    if (ctx->is_context(boost::fibers::type::dispatcher_context)) {
        dispatcher_ = ctx;
    }
    ctx->ready_link(ready_);
}

boost::fibers::context* PollingAlgorithm::pick_next() noexcept {
    if (ready_.empty()) {
        return nullptr;
    }
    if (++picks_since_poll_ >= poll_interval) {
        boost::fibers::context* active = boost::fibers::context::active();
        if (active->is_context(boost::fibers::type::dispatcher_context)) {
            picks_since_poll_ = 0;
            backend_.run_once(std::chrono::steady_clock::time_point::min());
        } else if (dispatcher_ != nullptr && dispatcher_->ready_is_linked()) {
            dispatcher_->ready_unlink();
            return dispatcher_;
        }
    }
    boost::fibers::context* ctx = &ready_.front();
    ready_.pop_front();
    return ctx;
}

void PollingAlgorithm::suspend_until(std::chrono::steady_clock::time_point const& tp) noexcept {
    picks_since_poll_ = 0;
    backend_.run_once(tp);
}

void PollingAlgorithm::notify() noexcept {
    backend_.wake();
}

boost::fibers::fiber_properties* PollingAlgorithm::new_properties(boost::fibers::context* ctx) {
    return new FiberProps(ctx);
}

}  // namespace weft::detail
