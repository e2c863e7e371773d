#pragma once

#include <chrono>

namespace weft {

/// An absolute point on the steady clock by which an operation must finish, or never().
/// Deadlines are state (Go's SetReadDeadline), not durations: a peer that drips one byte
/// at a time cannot extend one.
class Deadline {
public:
    using clock = std::chrono::steady_clock;

    constexpr Deadline() noexcept = default;  ///< never
    constexpr explicit Deadline(clock::time_point tp) noexcept : tp_(tp) {}

    static constexpr Deadline never() noexcept { return Deadline{}; }
    static Deadline at(clock::time_point tp) noexcept { return Deadline{tp}; }
    static Deadline after(clock::duration d) noexcept { return Deadline{clock::now() + d}; }

    constexpr bool is_never() const noexcept { return tp_ == clock::time_point::max(); }
    bool has_passed() const noexcept { return !is_never() && clock::now() >= tp_; }
    constexpr clock::time_point time_point() const noexcept { return tp_; }

    friend constexpr bool operator==(Deadline, Deadline) noexcept = default;

private:
    clock::time_point tp_ = clock::time_point::max();
};

}  // namespace weft
