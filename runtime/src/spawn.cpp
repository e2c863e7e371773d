// spawn() and JoinHandle: the non-template half.
#include <stdexcept>
#include <string>

// forced_unwind comes from the header of the switch implementation in use (fcontext:
// detail/exception.hpp; ucontext, in sanitizer builds: fiber_ucontext.hpp defines its own).
#include <boost/context/fiber.hpp>

#include <weft/detail/diagnostics.hpp>
#include <weft/spawn.hpp>

#include "fiber_state.hpp"
#include "runtime_impl.hpp"
#include "worker.hpp"

namespace weft {
namespace detail {

FiberLaunch prepare_fiber(FiberOptions options) {
    Worker* w = current_worker();
    if (w == nullptr) {
        throw std::logic_error("weft::spawn called outside a weft Runtime");
    }
    if (options.worker && *options.worker >= w->runtime().worker_count()) {
        throw std::out_of_range(
            "weft::spawn: FiberOptions::worker = " + std::to_string(*options.worker) +
            ", but the Runtime has " + std::to_string(w->runtime().worker_count()) + " worker(s)");
    }
    auto state =
        std::make_shared<FiberState>(w->runtime(), std::move(options.name), options.pinned);
    if (options.worker && *options.worker != w->index()) {
        state->set_start_worker(*options.worker);
    }
    auto props = std::make_unique<FiberProps>(nullptr);
    props->state = state;
    w->runtime().register_fiber(*state);
    StackAllocator stacks{&w->stacks(), state->name()};  // the name outlives the allocation
    return FiberLaunch{std::move(state), props.release(), stacks};
}

void abandon_fiber(FiberState& state, boost::fibers::fiber_properties* props) noexcept {
    delete props;
    state.runtime().unregister_fiber(state);
}

void run_fiber(void (*body)(void*), void* arg) {
    FiberState& state = *current_fiber_state();
    std::exception_ptr error;
    try {
        body(arg);
    } catch (const boost::context::detail::forced_unwind&) {
        throw;
    } catch (...) {
        error = std::current_exception();
    }
    if (std::exception_ptr unobserved = state.finish(std::move(error))) {
        state.runtime().report_exception(state.name(), unobserved);
    }
    state.runtime().unregister_fiber(state);
}

JoinHandle make_join_handle(boost::fibers::fiber&& f, std::shared_ptr<FiberState> state) noexcept {
    JoinHandle h;
    h.fiber_ = std::move(f);
    h.state_ = std::move(state);
    return h;
}

}  // namespace detail

JoinHandle& JoinHandle::operator=(JoinHandle&& other) noexcept {
    if (this != &other) {
        detach();
        fiber_ = std::move(other.fiber_);
        state_ = std::move(other.state_);
    }
    return *this;
}

JoinHandle::~JoinHandle() {
    detach();
}

void JoinHandle::join() {
    if (!fiber_.joinable()) {
        throw std::logic_error("weft::JoinHandle::join: the fiber is not joinable");
    }
    fiber_.join();
    if (std::exception_ptr error = state_->take_error()) {
        std::rethrow_exception(error);
    }
}

void JoinHandle::cancel() noexcept {
    if (state_) {
        state_->request_cancel(false);
    }
}

void JoinHandle::detach() noexcept {
    if (!fiber_.joinable()) {
        return;
    }
    fiber_.detach();
    if (std::exception_ptr unobserved = state_->detach()) {
        state_->runtime().report_exception(state_->name(), unobserved);
    }
}

}  // namespace weft

namespace weft::detail {

std::size_t live_fibers() noexcept {
    return FiberState::live_count.load(std::memory_order_relaxed);
}

}  // namespace weft::detail
