#pragma once

#include <chrono>

#include <boost/fiber/algo/algorithm.hpp>

#include "fiber_state.hpp"

namespace weft::detail {

class Worker;

/// The Boost.Fiber scheduling algorithm of a worker: a FIFO ready queue that idle workers
/// steal from, an idle wait that is the backend's wait, and a notify() that is the
/// backend's wake-up.
class PollingAlgorithm final : public boost::fibers::algo::algorithm_with_properties<FiberProps> {
public:
    // Tokio's event_interval (61, a prime taken over from Go's scheduler): how many picks a
    // busy worker makes before it polls its backend without blocking.
    static constexpr unsigned poll_interval = 61;

    explicit PollingAlgorithm(Worker& worker) noexcept : worker_(worker) {}

    void awakened(boost::fibers::context* ctx, FiberProps& props) noexcept override;
    boost::fibers::context* pick_next() noexcept override;
    bool has_ready_fibers() const noexcept override;
    void suspend_until(std::chrono::steady_clock::time_point const& tp) noexcept override;
    void notify() noexcept override;
    boost::fibers::fiber_properties* new_properties(boost::fibers::context* ctx) override;

private:
    Worker& worker_;
    boost::fibers::context* dispatcher_ = nullptr;
    unsigned picks_since_poll_ = 0;
    bool polled_in_pick_ = false;  // see suspend_until()
};

}  // namespace weft::detail
