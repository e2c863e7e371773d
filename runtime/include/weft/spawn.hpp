#pragma once

#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>

#include <boost/fiber/fiber.hpp>
#include <boost/fiber/properties.hpp>

#include <weft/detail/stack_allocator.hpp>

namespace weft {

struct FiberOptions {
    std::string name = {};  ///< shown in error logs and the watchdog's dump
    bool pinned = false;    ///< never migrates to another worker
    /// Queue the new fiber on this worker (0 .. Runtime::threads()-1) instead of the
    /// spawning one. With `pinned` it runs only there; without, it may still be stolen. Errors:
    /// std::out_of_range from spawn() if there is no such worker.
    std::optional<unsigned> worker = std::nullopt;
};

class JoinHandle;

namespace detail {
class FiberState;
JoinHandle make_join_handle(boost::fibers::fiber&& f, std::shared_ptr<FiberState> state) noexcept;

// The non-template half of spawn(): registers the fiber with the current Runtime.
struct FiberLaunch {
    std::shared_ptr<FiberState> state;
    boost::fibers::fiber_properties* props;  // owned by the fiber once it exists
    StackAllocator stacks;
};
FiberLaunch prepare_fiber(FiberOptions options);
void abandon_fiber(FiberState& state, boost::fibers::fiber_properties* props) noexcept;
void run_fiber(void (*body)(void*), void* arg);  // lets forced_unwind through
}  // namespace detail

/// A handle to a spawned fiber. Dropping it detaches the fiber.
class JoinHandle {
public:
    JoinHandle() noexcept = default;
    JoinHandle(JoinHandle&&) noexcept = default;
    JoinHandle& operator=(JoinHandle&& other) noexcept;
    ~JoinHandle();

    /// Waits for the fiber to end; rethrows the exception it ended with, if any.
    /// Blocks: parks the calling fiber. Errors: std::logic_error if not joinable.
    void join();
    /// Wakes the fiber's current blocking op with errc::cancelled; if it is not parked,
    /// its next blocking op fails that way instead. Thread-safe.
    void cancel() noexcept;
    /// Lets the fiber run on unobserved; an exception it ends with goes to on_fiber_exception.
    void detach() noexcept;
    bool joinable() const noexcept { return fiber_.joinable(); }

private:
    friend JoinHandle detail::make_join_handle(boost::fibers::fiber&&,
                                               std::shared_ptr<detail::FiberState>) noexcept;
    boost::fibers::fiber fiber_;
    std::shared_ptr<detail::FiberState> state_;
};

/// Starts `fn` in a new fiber on the current worker. Must be called from a weft fiber.
/// Errors: std::logic_error outside a Runtime; std::system_error if no stack can be mapped.
template <class F>
JoinHandle spawn(F&& fn, FiberOptions options = {}) {
    using Body = std::decay_t<F>;
    auto launch = detail::prepare_fiber(std::move(options));
    try {
        boost::fibers::fiber f{launch.props, std::allocator_arg, launch.stacks,
                               [body = Body(std::forward<F>(fn))]() mutable {
                                   detail::run_fiber(
                                       +[](void* p) { (*static_cast<Body*>(p))(); }, &body);
                               }};
        return detail::make_join_handle(std::move(f), std::move(launch.state));
    } catch (...) {
        detail::abandon_fiber(*launch.state, launch.props);
        throw;
    }
}

}  // namespace weft
