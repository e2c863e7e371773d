#pragma once

// The parsers' vocabulary: limits, field views, message heads and ParseResult.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>

namespace weft::http {

/// Every limit of the parsers, with the defaults of issue 6. Breaking one is an error for
/// that message (errc in brackets, status a server answers in parentheses).
struct Limits {
    /// Request line or status line in bytes, CRLF excluded; empty lines before a request
    /// line count too [start_line_too_long] (414).
    std::size_t max_start_line = 8 * 1024;
    /// Field section in bytes: every field line with its CRLF, plus the final CRLF. Applies
    /// to the head and, separately, to a chunked body's trailer section [headers_too_large]
    /// (431).
    std::size_t max_header_bytes = 32 * 1024;
    /// Field lines per message, head and trailers together [too_many_headers] (431). Sizes
    /// the parser's field table, allocated once at construction.
    std::size_t max_headers = 100;
    /// Body bytes: Content-Length, the sum of the chunk sizes, or a body read until close
    /// [body_too_large] (413).
    std::uint64_t max_body = 1024 * 1024;
    /// One chunk-size line, extensions included, CRLF excluded [bad_chunk] (400).
    std::size_t max_chunk_line = 4 * 1024;
};

/// A field line: both views point into the parser's input (see the parser's contract).
/// `value` has its leading and trailing whitespace removed; names keep their case.
struct Header {
    std::string_view name;
    std::string_view value;
};

/// How the body of a message is delimited (RFC 9112 §6.3).
enum class BodyKind : std::uint8_t {
    none,            ///< no body: a request without Content-Length/Transfer-Encoding, a
                     ///< response to HEAD, a 1xx/204/304, or a 2xx to CONNECT
    content_length,  ///< exactly content_length bytes (possibly 0)
    chunked,         ///< Transfer-Encoding: chunked (trailers possible)
    until_close,     ///< a response without either: the body ends at EOF (finish())
};

struct MessageHead {
    /// 0 for HTTP/1.0, 1 for HTTP/1.1. HTTP/1.2..1.9 are read as 1.1 (RFC 9110 §2.5), and
    /// their digit is kept here.
    int version_minor = 1;
    std::span<const Header> headers;
    BodyKind body = BodyKind::none;
    /// The Content-Length value when present (also for a response without a body, e.g. to
    /// HEAD), else 0.
    std::uint64_t content_length = 0;
    /// Whether the connection may carry another message after this one: HTTP/1.1 unless
    /// "Connection: close"; HTTP/1.0 only with "Connection: keep-alive"; never for a body
    /// read until close or an upgrade.
    bool keep_alive = false;

    /// The first field named `name` (ASCII case-insensitive), or nullptr.
    const Header* find(std::string_view name) const noexcept;
};

struct RequestHead : MessageHead {
    std::string_view method;       ///< a token, case-sensitive ("GET"); unknown methods pass
    std::string_view target;       ///< origin-, absolute-, authority- (CONNECT) or asterisk-form
    bool expect_continue = false;  ///< HTTP/1.1 and "Expect: 100-continue"
};

struct ResponseHead : MessageHead {
    int status = 0;           ///< 100..599
    std::string_view reason;  ///< may be empty
    /// 101 Switching Protocols, or a 2xx to CONNECT: the bytes after this head belong to
    /// another protocol (keep_alive is false; the parser's part is over).
    bool upgrade = false;
};

/// What parse() and finish() answer.
struct ParseResult {
    enum class Status : std::uint8_t {
        need_more,  ///< append bytes and call again (finish(): nothing was in progress)
        head,       ///< the head is complete: see the parser's head()
        body,       ///< `body` holds the next body bytes (chunk framing removed)
        done,       ///< the message is complete (trailers(), if chunked)
        error,      ///< see `error` (an http::errc); sticky until reset()
    };

    Status status = Status::need_more;
    /// Bytes of input this call used up, for every status: drop them before the next call.
    /// need_more may consume chunk framing; it consumes nothing while a head or trailer
    /// section is incomplete.
    std::size_t consumed = 0;
    /// Status::body: a non-empty view into the input (within its first `consumed` bytes).
    std::span<const std::byte> body;
    std::error_code error;
};

}  // namespace weft::http
