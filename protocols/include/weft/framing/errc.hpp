#pragma once

#include <system_error>

namespace weft::framing {

/// Framing violations. Each one is an error for the connection whose bytes caused it, never
/// a crash; the blocking layer surfaces them as std::system_error / std::error_code.
enum class errc {
    line_too_long = 1,  ///< LineParser: more than LineOptions::max_length bytes without LF
    frame_too_large,    ///< DelimitedParser: no delimiter within max_frame bytes;
                        ///< LengthPrefixedParser: announced length above max_payload
    malformed,          ///< the bytes cannot be a frame of this protocol (reserved: the three
                        ///< framers accept any byte sequence; later protocols use it)
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace weft::framing

template <>
struct std::is_error_code_enum<weft::framing::errc> : std::true_type {};
