#pragma once

// The request a server handler sees: an owning copy of the head, and the body, read on
// demand from the connection.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <weft/http/fields.hpp>
#include <weft/http/message.hpp>
#include <weft/net/buffer.hpp>
#include <weft/net/endpoint.hpp>

namespace weft::http {

namespace detail {
class Exchange;
}

/// A request received by weft::http::Server. The head is copied out of the connection's
/// buffer before the handler runs, so every view here is valid for the whole handler call.
/// The body is not read ahead: the handler reads it (streaming, or whole) or leaves it, and
/// the server then discards what is left (or closes the connection if that is too much).
///
/// Reading the body may block (the server's body-idle timeout applies to each wait) and
/// sends "100 Continue" first when the client asked for it. Body errors are the stream's
/// (errc::timed_out, ECONNRESET, ...) and the parser's (http::errc::bad_chunk,
/// body_too_large, ...): when one escapes the handler the server answers the matching status
/// (408, 400, 413) if the response has not started, and closes the connection.
class Request {
public:
    Request() = default;
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;

    std::string_view method() const noexcept { return method_; }
    /// The request-target as received ("/a%20b?x=1").
    std::string_view target() const noexcept { return target_; }
    /// The target up to '?', still percent-encoded ("/a%20b").
    std::string_view path() const noexcept;
    /// The target after '?' ("x=1"), empty if none.
    std::string_view query() const noexcept;
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    int version_minor() const noexcept { return version_minor_; }
    const Fields& headers() const noexcept { return headers_; }
    /// The first header named `name`, or "".
    std::string_view header(std::string_view name) const noexcept { return headers_.get(name); }
    /// A path parameter captured by the Router ("{id}" in "/users/{id}"), percent-decoded,
    /// or "" if the route has none of that name.
    std::string_view param(std::string_view name) const noexcept;
    const net::Endpoint& peer() const noexcept { return peer_; }

    /// How the body is delimited: none, content_length or chunked.
    BodyKind body_kind() const noexcept { return body_kind_; }
    /// The Content-Length, when the body has one.
    std::optional<std::uint64_t> content_length() const noexcept;

    /// The next piece of the body: a view into the connection's buffer, valid until the
    /// next body read. Empty at the end of the body. No copy.
    net::ConstBuffer read_body_some();
    net::ConstBuffer read_body_some(std::error_code& ec) noexcept;
    /// Copies body bytes into `out`: at least one, or 0 at the end of the body.
    std::size_t read_body(net::MutableBuffer out);
    /// The whole (rest of the) body. Bounded by Limits::max_body (http::errc::body_too_large).
    std::string read_body_all();
    /// Whether the whole body has been read (true for a request without one).
    bool body_done() const noexcept;
    /// The trailer fields of a chunked body, once it has been read to the end.
    const Fields& trailers() const noexcept { return trailers_; }

private:
    friend class detail::Exchange;
    friend class Router;

    detail::Exchange* exchange_ = nullptr;
    std::string method_;
    std::string target_;
    int version_minor_ = 1;
    Fields headers_;
    Fields trailers_;
    BodyKind body_kind_ = BodyKind::none;
    std::uint64_t content_length_ = 0;
    net::Endpoint peer_;
    std::vector<std::pair<std::string, std::string>> params_;
    net::ConstBuffer pending_;  // read_body(): the rest of a piece that did not fit
};

/// Decodes %XX escapes ("a%20b" → "a b"); std::nullopt for a malformed escape or an
/// encoded NUL. '+' stays '+' (it means a space only in form bodies).
std::optional<std::string> percent_decode(std::string_view text);

}  // namespace weft::http
