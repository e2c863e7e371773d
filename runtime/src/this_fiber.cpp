// this_fiber: sleeps go through a WaitSlot like every other park, so they are cancellable.
#include <boost/fiber/context.hpp>
#include <boost/fiber/operations.hpp>

#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>
#include <weft/this_fiber.hpp>

#include "fiber_state.hpp"
#include "runtime_impl.hpp"
#include "waiter.hpp"
#include "worker.hpp"

namespace weft::this_fiber {

void sleep_until(Deadline d) {
    std::error_code ec;
    sleep_until(d, ec);
    if (ec) {
        detail::throw_error(ec, "sleep");
    }
}

void sleep_until(Deadline d, std::error_code& ec) noexcept {
    ec.clear();
    if (d.has_passed()) {
        detail::FiberState* fs = detail::current_fiber_state();
        if (fs != nullptr && fs->consume_cancel()) {
            ec = make_error_code(errc::cancelled);
            return;
        }
        // Still a trip through the timer queue, so expired sleeps yield and wake in deadline
        // order like the others.
        boost::fibers::context::active()->wait_until(d.time_point());
        return;
    }
    detail::WaitSlot slot;
    detail::OpNote note{"sleep"};
    for (;;) {
        switch (slot.wait(d)) {
            case detail::WakeReason::timed_out:
                return;
            case detail::WakeReason::cancelled:
                ec = make_error_code(errc::cancelled);
                return;
            default:
                break;  // nothing else can claim a private slot; wait on
        }
    }
}

void yield() noexcept {
    boost::this_fiber::yield();
}

unsigned worker_index() noexcept {
    detail::Worker* w = detail::current_worker();
    return w != nullptr ? w->index() : 0;
}

unsigned worker_count() noexcept {
    detail::Worker* w = detail::current_worker();
    return w != nullptr ? w->runtime().worker_count() : 0;
}

std::string_view name() noexcept {
    detail::FiberState* fs = detail::current_fiber_state();
    return fs != nullptr ? std::string_view{fs->name()} : std::string_view{};
}

}  // namespace weft::this_fiber
