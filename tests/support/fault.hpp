#pragma once

// Drives the syscall seam (weft/detail/sys.hpp): fail the nth call of a kind with an errno,
// or shorten it. The plan is process-global (the seam's, not a Runtime's): arm it with a
// ScopedFault, which disarms it when it goes out of scope, and the fault listener fails a
// test case that ends with a plan still armed.
#include <cstddef>
#include <cstdint>

#include <weft/detail/sys.hpp>

namespace weft::test {

using weft::detail::sys::Call;
using weft::detail::sys::FaultPlan;  // {.call, .nth (1-based; 0 = count only), .err, .short_to}

/// Arms `plan` for its lifetime. Not copyable; one at a time.
class ScopedFault {
public:
    explicit ScopedFault(const FaultPlan& plan) noexcept;
    ~ScopedFault();
    ScopedFault(const ScopedFault&) = delete;
    ScopedFault& operator=(const ScopedFault&) = delete;

    /// Calls the plan matched so far (with nth = 0: a clean run's count).
    std::uint64_t calls() const noexcept;
    /// Whether the nth call has come, and which kind it was.
    bool fired() const noexcept { return fired_call() != Call::any; }
    Call fired_call() const noexcept;
};

/// The seam's name for a call kind ("recv", ...).
const char* call_name(Call c) noexcept;

}  // namespace weft::test
