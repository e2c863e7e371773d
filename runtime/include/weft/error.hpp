#pragma once

#include <system_error>

namespace weft {

/// Conditions of weft's own (OS errors use std::system_category()).
enum class errc {
    timed_out = 1,        ///< the op's deadline passed
    cancelled,            ///< the fiber's op was cancelled (JoinHandle::cancel, runtime shutdown)
    closed,               ///< the socket or channel was closed (by this or another fiber)
    unexpected_eof,       ///< the peer closed before an exact-size read completed
    pool_exhausted,       ///< a buffer or fd-state pool has no free entry
    backend_unavailable,  ///< the requested I/O backend cannot run here
    not_in_fiber,         ///< a blocking call was made outside a weft fiber
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace weft

template <>
struct std::is_error_code_enum<weft::errc> : std::true_type {};
