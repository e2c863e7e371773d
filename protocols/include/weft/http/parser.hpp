#pragma once

// Incremental HTTP/1.1 message parsers (RFC 9112), sans-I/O: fed bytes, they answer what the
// bytes are, allocate nothing per call, keep no pointer into the input between calls, and
// depend on nothing but the standard library (target weft_parsers). docs/http.md has the
// contract with examples; this header is the reference.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>

#include <weft/http/detail/message_parser.hpp>
#include <weft/http/errc.hpp>
#include <weft/http/message.hpp>

namespace weft::http {

/// Parses HTTP/1.1 (and 1.0) requests, one message at a time. Contract (both parsers):
///
/// - parse(input): `input` is every byte received and not consumed yet, starting where the
///   previous call's `consumed` ended. After EVERY call the caller drops `consumed` bytes
///   from the front and passes the rest, with new bytes appended, to the next call.
/// - A message comes out as: head, then zero or more body results, then done. need_more
///   may come in between (append bytes and call again). After done, the next call starts
///   the next message (pipelining: the parser never reads past the end of a message).
/// - The head is answered only when the whole head is in `input` (at most max_head_size()
///   bytes: buffer that much). Until then need_more consumes nothing, and the parser
///   remembers how far it has scanned, so byte-by-byte feeding costs O(n) in all. The same
///   holds for the trailer section of a chunked body.
/// - Views (head(), trailers(), ParseResult::body) point INTO the caller's input. A body
///   view is valid while those bytes are; head() and trailers() views are valid while the
///   bytes of the head (or trailer section) are, i.e. they must be copied before the
///   caller's buffer moves or is refilled over them. head() and trailers() describe the
///   last message until the next head completes.
/// - error: sticky until reset(). Close the connection after answering status_for(error).
/// - finish(): call it at EOF (see ParseResult).
class RequestParser {
public:
    /// Allocates the field table (limits.max_headers entries) once; nothing after that.
    explicit RequestParser(const Limits& limits = {})
        : impl_{detail::MessageParser::Kind::request, limits} {}

    ParseResult parse(std::span<const std::byte> input) noexcept { return impl_.parse(input); }
    /// At EOF: done if the message was complete without more bytes; need_more (nothing to
    /// report) if no message had begun, i.e. a clean close; else errc::unexpected_eof.
    ParseResult finish() noexcept { return impl_.finish(); }

    /// The head of the current message (after Status::head).
    const RequestHead& head() const noexcept { return impl_.request_head(); }
    /// The trailer fields of a chunked message (after Status::done; empty otherwise).
    std::span<const Header> trailers() const noexcept { return impl_.trailers(); }

    /// Forgets all state (also a sticky error): the next byte starts a new message.
    void reset() noexcept { impl_.reset(); }
    const Limits& limits() const noexcept { return impl_.limits(); }
    /// The most bytes a head can take: max_start_line + CRLF + max_header_bytes.
    std::size_t max_head_size() const noexcept { return impl_.max_head_size(); }

private:
    detail::MessageParser impl_;
};

/// Parses HTTP/1.1 (and 1.0) responses; the same contract as RequestParser. Whether a
/// response has a body depends on the request it answers (RFC 9112 §6.3): tell the parser
/// with set_request_method() when that request was HEAD or CONNECT.
class ResponseParser {
public:
    explicit ResponseParser(const Limits& limits = {})
        : impl_{detail::MessageParser::Kind::response, limits} {}

    ParseResult parse(std::span<const std::byte> input) noexcept { return impl_.parse(input); }
    /// At EOF: done for a body delimited by the close (BodyKind::until_close) or a message
    /// complete without more bytes; need_more if no message had begun; else unexpected_eof.
    ParseResult finish() noexcept { return impl_.finish(); }

    /// The method of the request the next response answers ("HEAD": no body; "CONNECT": a
    /// 2xx has no body and is an upgrade). Holds until a final (non-1xx) response is done,
    /// then goes back to the default (GET-like).
    void set_request_method(std::string_view method) noexcept { impl_.set_request_method(method); }

    const ResponseHead& head() const noexcept { return impl_.response_head(); }
    std::span<const Header> trailers() const noexcept { return impl_.trailers(); }

    void reset() noexcept { impl_.reset(); }
    const Limits& limits() const noexcept { return impl_.limits(); }
    std::size_t max_head_size() const noexcept { return impl_.max_head_size(); }

private:
    detail::MessageParser impl_;
};

}  // namespace weft::http
