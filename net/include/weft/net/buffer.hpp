#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace weft::net {

/// Bytes the caller lends to a read: borrowed for the call only.
using MutableBuffer = std::span<std::byte>;
/// Bytes the caller lends to a write: borrowed for the call only, never copied.
using ConstBuffer = std::span<const std::byte>;

/// Views text as bytes to write. Lifetime: that of `text`.
inline ConstBuffer as_bytes(std::string_view text) noexcept {
    return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

/// Views bytes as text. Lifetime: that of `bytes`.
inline std::string_view as_string(ConstBuffer bytes) noexcept {
    return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

}  // namespace weft::net
