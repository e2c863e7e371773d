#pragma once

#include <chrono>
#include <string_view>
#include <system_error>

#include <weft/deadline.hpp>

namespace weft::this_fiber {

/// Parks the calling fiber until `d` has passed.
/// Errors: errc::cancelled if the fiber is cancelled first.
void sleep_until(Deadline d);
void sleep_until(Deadline d, std::error_code& ec) noexcept;

template <class Rep, class Period>
void sleep_for(std::chrono::duration<Rep, Period> d) {
    sleep_until(Deadline::after(std::chrono::duration_cast<Deadline::clock::duration>(d)));
}
template <class Rep, class Period>
void sleep_for(std::chrono::duration<Rep, Period> d, std::error_code& ec) noexcept {
    sleep_until(Deadline::after(std::chrono::duration_cast<Deadline::clock::duration>(d)), ec);
}

/// Lets the other ready fibers of this worker run first.
void yield() noexcept;

/// The index (0 .. threads-1) of the worker running the calling fiber now. It may differ
/// after any call that parks or yields: fibers migrate between workers.
unsigned worker_index() noexcept;

/// How many workers the Runtime running the calling fiber has (0 outside a Runtime).
unsigned worker_count() noexcept;

/// The name given in FiberOptions ("" if none; "main" for Runtime::run's fiber).
/// Lifetime: valid while the calling fiber lives.
std::string_view name() noexcept;

}  // namespace weft::this_fiber
