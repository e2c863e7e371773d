#pragma once

// The response a server handler fills in: status, headers, and a body that is either
// buffered (sent with Content-Length when the handler returns) or streamed.

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <weft/http/fields.hpp>
#include <weft/http/status.hpp>
#include <weft/net/buffer.hpp>

namespace weft::http {

namespace detail {
class Exchange;
}

/// What a handler answers. Two ways to send a body:
///
/// - Buffered: set_body() / body() += ...; the server sends it when the handler returns,
///   with Content-Length. Nothing reaches the client before that.
/// - Streamed: write() sends the head at once (status and headers are frozen from then on),
///   then the bytes. The body is framed with the Content-Length the handler set before the
///   first write() (it must then write exactly that many bytes), else chunked (HTTP/1.1) or
///   delimited by closing the connection (HTTP/1.0). The server ends it when the handler
///   returns. Text in the buffered body when streaming starts goes out first; text added
///   to it afterwards goes out before the end.
///
/// The server adds Date, Content-Length or Transfer-Encoding, Connection when it closes,
/// and Server (ServerOptions::server_header); a HEAD request gets the head only. Writes
/// may block (the write-idle timeout applies) and throw std::system_error if the client is
/// gone; let that escape the handler: the server then closes the connection.
class Response {
public:
    Response() = default;
    Response(const Response&) = delete;
    Response& operator=(const Response&) = delete;

    /// 200 unless set. Errors: std::invalid_argument outside 200..599 (1xx are the server's).
    void set_status(int code);
    void set_status(StatusCode code) { set_status(static_cast<int>(code)); }
    int status() const noexcept { return status_; }

    /// Replaces (set) or adds a header. Errors: std::invalid_argument for a name that is
    /// not a token or a value with CR, LF or NUL (header injection), and std::logic_error
    /// once the head is sent. Date, Transfer-Encoding and Connection are managed by the
    /// server; setting Content-Length selects identity framing for a streamed body.
    void set_header(std::string_view name, std::string_view value);
    void add_header(std::string_view name, std::string_view value);
    const Fields& headers() const noexcept { return headers_; }

    /// Replaces the buffered body. For a streamed body use write().
    void set_body(std::string_view body);
    /// Replaces the buffered body and sets Content-Type.
    void set_body(std::string_view body, std::string_view content_type);
    /// The buffered body, to append to.
    std::string& body() noexcept { return body_; }

    /// Streams `data`: sends the head first if it has not gone yet. Data goes out when the
    /// connection's buffer fills or at flush(). Blocks: while the client does not read.
    void write(net::ConstBuffer data);
    void write(std::string_view text) { write(net::as_bytes(text)); }
    /// Sends what write() buffered (and the head).
    void flush();
    /// Whether the head has been sent (status and headers can no longer change).
    bool head_sent() const noexcept { return head_sent_; }

private:
    friend class detail::Exchange;

    void check_not_sent(const char* what) const;

    detail::Exchange* exchange_ = nullptr;
    int status_ = 200;
    Fields headers_;
    std::string body_;
    bool head_sent_ = false;
};

}  // namespace weft::http
