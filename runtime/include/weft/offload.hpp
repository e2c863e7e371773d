#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include <weft/deadline.hpp>

namespace weft {

namespace detail {

/// A call to run on the offload pool: run() invokes it and keeps its result or exception.
class OffloadTask {
public:
    virtual ~OffloadTask() = default;
    virtual void run() noexcept = 0;
};

/// Runs `task` on the current Runtime's offload pool and parks until it has returned.
void offload_wait(OffloadTask& task);
/// Runs `task` on the pool and parks until it has returned, `d` passes or the fiber is
/// cancelled; in the last two cases the pool's reference keeps `task` alive while it runs.
void offload_wait_until(std::shared_ptr<OffloadTask> task, Deadline d);

/// What a call produced: a value, a reference, nothing, or an exception.
template <class R>
class CallResult {
public:
    template <class F>
    void capture(F& fn) noexcept {
        try {
            if constexpr (std::is_void_v<R>) {
                std::invoke(fn);
                value_.emplace();
            } else if constexpr (std::is_reference_v<R>) {
                value_.emplace(std::addressof(std::invoke(fn)));
            } else {
                value_.emplace(std::invoke(fn));
            }
        } catch (...) {
            error_ = std::current_exception();
        }
    }

    R take() {
        if (error_) {
            std::rethrow_exception(error_);
        }
        if constexpr (std::is_reference_v<R>) {
            return static_cast<R>(**value_);
        } else if constexpr (!std::is_void_v<R>) {
            return std::move(*value_);
        }
    }

private:
    struct Nothing {};
    using Stored = std::conditional_t<
        std::is_void_v<R>, Nothing,
        std::conditional_t<std::is_reference_v<R>, std::remove_reference_t<R>*, R>>;
    std::optional<Stored> value_;
    std::exception_ptr error_;
};

template <class F, class R>
class OffloadCall final : public OffloadTask {
public:
    template <class G>
    explicit OffloadCall(G&& fn) : fn_(std::forward<G>(fn)) {}
    void run() noexcept override { result_.capture(fn_); }
    R take() { return result_.take(); }

private:
    F fn_;  // a reference (offload) or the callable itself (offload_until)
    CallResult<R> result_;
};

}  // namespace detail

/// Runs `fn()` on the Runtime's offload pool, a few threads apart from the workers, and parks
/// only the calling fiber until it returns; then returns its value or rethrows its exception.
/// For work that blocks a thread and cannot be made non-blocking: getaddrinfo, file I/O,
/// a CPU-heavy job, a blocking third-party library.
///
/// The pool starts its threads on demand, at most max(4, RuntimeOptions::threads); further
/// calls queue. Its threads end with Runtime::run (and with the Runtime).
///
/// Cancellation: `fn` is called by reference and may use the caller's stack, so a running
/// call is never abandoned. A cancel (JoinHandle::cancel, runtime shutdown) that arrives
/// while `fn` runs takes effect when `fn` returns: offload then throws errc::cancelled and
/// drops fn's result or exception. A cancel pending before the call throws at once, without
/// running `fn`. Hence Runtime::run's shutdown waits for every call in flight: a call that
/// never returns keeps run() from returning. offload_until can stop waiting instead.
///
/// Errors: whatever `fn` throws; errc::cancelled; errc::not_in_fiber outside a weft fiber;
/// std::system_error if no pool thread can be started at all.
template <class F>
std::invoke_result_t<F&> offload(F&& fn) {
    using R = std::invoke_result_t<F&>;
    detail::OffloadCall<std::remove_reference_t<F>&, R> call{fn};
    detail::offload_wait(call);
    return call.take();
}

/// offload(), but the caller stops waiting when `d` passes or the fiber is cancelled: it
/// then throws errc::timed_out or errc::cancelled at once, while `fn` runs on unobserved
/// and its result is destroyed when it returns. So `fn` is moved (or copied) into the call
/// and must not refer to the caller's stack: capture by value. Runtime::run still waits
/// for such calls when it ends (no thread outlives it). A deadline that has already passed
/// throws without running `fn`.
template <class F>
std::invoke_result_t<std::decay_t<F>&> offload_until(Deadline d, F&& fn) {
    using R = std::invoke_result_t<std::decay_t<F>&>;
    auto call = std::make_shared<detail::OffloadCall<std::decay_t<F>, R>>(std::forward<F>(fn));
    detail::offload_wait_until(call, d);
    return call->take();
}

}  // namespace weft
