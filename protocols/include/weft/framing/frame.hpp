#pragma once

#include <cstddef>
#include <span>
#include <system_error>

namespace weft::framing {

/// What a framing parser's parse() answers. The parsers are sans-I/O: they never read,
/// allocate per call, or keep a pointer into the input after parse() returns.
///
/// Ownership: `header` and `payload` are views INTO the `input` span the caller passed to
/// parse(); they are valid exactly as long as those caller-owned bytes are, and the caller
/// consumes `consumed` bytes from its buffer when it is done with them.
struct ParseResult {
    enum class Status {
        need_more,  ///< no complete frame yet: call again with more bytes appended
        frame,      ///< a complete frame starts at input[0]
        error,      ///< the input can never become a valid frame; see `error`
    };

    Status status = Status::need_more;
    /// frame: the header bytes (length-prefixed: header_offset bytes + length field);
    /// empty for line and delimited frames and for need_more/error.
    std::span<const std::byte> header;
    /// frame: the payload (line: without LF/CRLF; delimited: without the delimiter).
    std::span<const std::byte> payload;
    /// frame: how many bytes of input the whole frame occupies (header, payload and
    /// terminator); the next frame starts at input[consumed]. 0 otherwise.
    std::size_t consumed = 0;
    /// need_more: the smallest total input size that could change the answer
    /// (>= input.size() + 1). A length-prefixed parser knows the exact frame size once its
    /// header is in. 0 otherwise.
    std::size_t wanted = 0;
    /// error: a framing::errc value. Empty otherwise.
    std::error_code error;
};

}  // namespace weft::framing
