#pragma once

#include <cstddef>
#include <span>

#include <weft/framing/frame.hpp>

namespace weft::framing {

struct LineOptions {
    /// The longest line accepted, in payload bytes (the terminator, LF or CRLF, not counted).
    std::size_t max_length = 8192;
};

/// Splits a byte stream into lines. LF ends a line; a CR right before that LF is part of the
/// terminator (CRLF) and is stripped; any other CR is data. Any byte value is accepted.
///
/// parse(input): `input` starts at a frame boundary. Until a frame or an error is returned,
/// the caller may call again with the same bytes grown at the end; the parser remembers how
/// far it has scanned, so feeding one byte at a time costs O(n) in all. After a frame or an
/// error, the next call starts a new line (pass the input after `consumed`).
/// Errors: errc::line_too_long as soon as max_length + 1 payload bytes are in with no LF.
class LineParser {
public:
    explicit LineParser(LineOptions options = {}) noexcept : options_{options} {}

    ParseResult parse(std::span<const std::byte> input) noexcept;
    /// Forgets the scan state (use it when the caller discards its input).
    void reset() noexcept { scanned_ = 0; }
    /// The largest frame in bytes, terminator included: max_length + 2 (CRLF).
    std::size_t max_frame() const noexcept;
    const LineOptions& options() const noexcept { return options_; }

private:
    LineOptions options_;
    std::size_t scanned_ = 0;  // input[0, scanned_) holds no LF
};

}  // namespace weft::framing
