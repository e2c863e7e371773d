#pragma once

// Builders for ParseResult, shared by the framing parsers (private to weft_parsers).
#include <algorithm>
#include <cstddef>
#include <limits>
#include <span>

#include <weft/framing/errc.hpp>
#include <weft/framing/frame.hpp>

namespace weft::framing::detail {

inline ParseResult need_more(std::size_t wanted) noexcept {
    ParseResult r;
    r.wanted = wanted;
    return r;
}

inline ParseResult error(errc e) noexcept {
    ParseResult r;
    r.status = ParseResult::Status::error;
    r.error = make_error_code(e);
    return r;
}

inline ParseResult frame(std::span<const std::byte> header, std::span<const std::byte> payload,
                         std::size_t consumed) noexcept {
    ParseResult r;
    r.status = ParseResult::Status::frame;
    r.header = header;
    r.payload = payload;
    r.consumed = consumed;
    return r;
}

/// a + b, or SIZE_MAX when that overflows (limits near SIZE_MAX mean "no limit").
inline std::size_t saturating_add(std::size_t a, std::size_t b) noexcept {
    return a > std::numeric_limits<std::size_t>::max() - b ? std::numeric_limits<std::size_t>::max()
                                                           : a + b;
}

}  // namespace weft::framing::detail
