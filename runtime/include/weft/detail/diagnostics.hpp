#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace weft::detail {

/// Fibers spawned and not yet destroyed, in every Runtime of the process (the test suite's
/// leak listener checks it is back to its old value after each test case).
std::size_t live_fibers() noexcept;

/// Fibers parked in a weft blocking call right now, in every Runtime of the process: I/O ops
/// in flight (an io_uring op waiting for its completion included), sleeps, sync waits.
std::size_t parked_fibers() noexcept;
/// Of those, the ones with a deadline: the timers pending.
std::size_t pending_deadlines() noexcept;
/// Parks that have ended so far (wraps at 2^22): what the test watchdog calls progress.
std::uint64_t parks_completed() noexcept;
/// One line per live fiber of every Runtime: its name, whether it is parked and in what
/// ("recv", "accept", "sleep", ...). For the test watchdog's dump; takes each Runtime's lock.
std::string describe_fibers();

/// Whether accept() on the calling fiber's worker uses an io_uring multishot accept (the
/// io_uring backend on Linux 5.19 or later, unless WEFT_IO_URING_MULTISHOT_ACCEPT=0). For tests.
bool multishot_accept_in_use() noexcept;

}  // namespace weft::detail
