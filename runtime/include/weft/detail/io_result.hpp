#pragma once

#include <cstddef>
#include <system_error>

namespace weft::detail {

/// The internal currency of I/O: how much was transferred, and the error that stopped it.
/// Both matter: a write can send 3,000 of 5,000 bytes and then fail.
struct IoResult {
    std::size_t n = 0;
    std::error_code ec;
};

}  // namespace weft::detail
