#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <weft/deadline.hpp>
#include <weft/http/fields.hpp>
#include <weft/http/message.hpp>
#include <weft/net/buffer.hpp>

namespace weft::http {

namespace detail {
struct ClientConnection;
class ConnectionPool;
}  // namespace detail

/// A response whose head is in and whose body is read piecewise (Client::stream). It owns
/// the pooled connection while the body is being read:
///
/// - read to the end (read_chunk()/read_some() returned empty/0): the connection goes back
///   to the pool if the response allowed keep-alive and nothing followed it;
/// - close(), destruction or an error first: the connection is closed, never reused.
///
/// Move-only; one fiber at a time. It shares the Client's pool, so either may be destroyed
/// first (inside the Runtime). Errors are those of Client; the throwing forms' what() names
/// the method, the URL and "read body".
class ResponseStream {
public:
    ResponseStream() noexcept;
    ResponseStream(ResponseStream&& other) noexcept;
    ResponseStream& operator=(ResponseStream&& other) noexcept;
    ~ResponseStream();

    int status() const noexcept { return status_; }
    std::string_view reason() const noexcept { return reason_; }
    const Fields& headers() const noexcept { return headers_; }
    /// The trailer fields of a chunked body, once it has been read to the end.
    const Fields& trailers() const noexcept { return trailers_; }
    /// How the body is delimited (none for HEAD, 1xx, 204, 304).
    BodyKind body_kind() const noexcept { return body_kind_; }
    /// The Content-Length, or -1 when the body is chunked, delimited by close, or absent.
    std::int64_t content_length() const noexcept { return content_length_; }
    /// The URL that answered (after redirects) and how many redirects led there.
    const std::string& url() const noexcept { return url_; }
    int redirects() const noexcept { return redirects_; }
    /// Body bytes handed out so far.
    std::uint64_t body_read() const noexcept { return body_read_; }
    /// True once the body has been read to its end (or there is none).
    bool at_end() const noexcept { return state_ == State::done; }

    /// The next body bytes, chunk framing removed: a view valid until the next call on this
    /// stream. Empty at the end of the body. Blocks: parks until bytes arrive.
    /// Errors: http::errc (bad chunk, unexpected_eof: the server closed mid-body),
    /// weft::errc::timed_out (read_timeout), OS errors. The first error is sticky.
    net::ConstBuffer read_chunk();
    net::ConstBuffer read_chunk(std::error_code& ec) noexcept;
    /// Copies body bytes into `out`; returns 0 at the end of the body.
    std::size_t read_some(net::MutableBuffer out);
    std::size_t read_some(net::MutableBuffer out, std::error_code& ec) noexcept;

    /// Reads and drops the rest of the body if it is at most `limit` bytes, so that the
    /// connection can be reused (e.g. after a 404 or a redirect); otherwise closes it.
    void discard(std::uint64_t limit = 64 * 1024) noexcept;
    /// Abandons the body and closes the connection. Idempotent.
    void close() noexcept;

private:
    friend class Client;
    enum class State : std::uint8_t { empty, reading, done, failed };

    ResponseStream(std::shared_ptr<detail::ConnectionPool> pool,
                   std::unique_ptr<detail::ClientConnection> conn, std::string method,
                   std::string url, std::chrono::milliseconds read_timeout,
                   Deadline deadline) noexcept;
    // Reads up to the final response head (1xx skipped). `got_bytes`: whether any byte of a
    // response arrived (a failure before that may be retried on a fresh connection).
    void read_head(bool& got_bytes, std::error_code& ec) noexcept;
    void take_head() noexcept;
    std::size_t fill(std::error_code& ec) noexcept;
    net::ConstBuffer next(std::error_code& ec) noexcept;
    net::ConstBuffer on_eof(std::error_code& ec) noexcept;
    void fail(std::error_code ec) noexcept;
    void finish() noexcept;
    [[noreturn]] void throw_read_error(std::error_code ec) const;

    std::shared_ptr<detail::ConnectionPool> pool_;
    std::unique_ptr<detail::ClientConnection> conn_;
    State state_ = State::empty;
    std::error_code error_;
    net::ConstBuffer pending_;  // read_some: the rest of the last chunk
    int status_ = 0;
    std::string reason_;
    Fields headers_;
    Fields trailers_;
    BodyKind body_kind_ = BodyKind::none;
    std::int64_t content_length_ = -1;
    bool keep_alive_ = false;
    std::string method_;
    std::string url_;
    int redirects_ = 0;
    std::uint64_t body_read_ = 0;
    std::chrono::milliseconds read_timeout_{0};
    Deadline deadline_;  // the whole exchange: the head, and the body of Client::request
};

}  // namespace weft::http
