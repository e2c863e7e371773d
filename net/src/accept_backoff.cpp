// AcceptBackoff: the pause schedule of an accept loop that ran out of fds or memory.
#include <algorithm>

#include <weft/net/accept_backoff.hpp>

namespace weft::net {

bool AcceptBackoff::is_exhaustion(const std::error_code& ec) noexcept {
    return ec == std::errc::too_many_files_open || ec == std::errc::too_many_files_open_in_system ||
           ec == std::errc::no_buffer_space || ec == std::errc::not_enough_memory;
}

std::chrono::milliseconds AcceptBackoff::next() noexcept {
    // 1 << 7 = 128 ms is already past the cap: stop doubling there (no overflow).
    const unsigned shift = std::min(failures_, 7u);
    ++failures_;
    return std::min(first_pause * (1u << shift), max_pause);
}

}  // namespace weft::net
