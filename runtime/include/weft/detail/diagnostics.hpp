#pragma once

#include <cstddef>

namespace weft::detail {

/// Fibers spawned and not yet destroyed, in every Runtime of the process (the test suite's
/// leak listener checks it is back to its old value after each test case).
std::size_t live_fibers() noexcept;

}  // namespace weft::detail
