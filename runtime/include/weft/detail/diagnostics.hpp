#pragma once

#include <cstddef>

namespace weft::detail {

/// Fibers spawned and not yet destroyed, in every Runtime of the process (the test suite's
/// leak listener checks it is back to its old value after each test case).
std::size_t live_fibers() noexcept;

/// Whether accept() on the calling fiber's worker uses an io_uring multishot accept (the
/// io_uring backend on Linux 5.19 or later, unless WEFT_IO_URING_MULTISHOT_ACCEPT=0). For tests.
bool multishot_accept_in_use() noexcept;

}  // namespace weft::detail
