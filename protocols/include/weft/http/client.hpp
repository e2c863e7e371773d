#pragma once

// weft::http::Client: an HTTP/1.1 client with a bounded per-host connection pool.
// docs/http-client.md has the contract with examples; this header is the reference.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <weft/deadline.hpp>
#include <weft/http/client_errc.hpp>
#include <weft/http/fields.hpp>
#include <weft/http/message.hpp>
#include <weft/http/response_stream.hpp>
#include <weft/http/url.hpp>
#include <weft/net/buffer.hpp>

namespace weft::http {

/// Every knob of a Client, with its default. A zero duration means "no limit".
struct ClientOptions {
    /// Connections per host (host:port) open at once, in use or idle. A request that finds
    /// them all busy waits for one (within `timeout`): the pool is bounded.
    std::size_t max_connections_per_host = 8;
    /// Idle connections kept per host for reuse; 0 disables keep-alive.
    std::size_t max_idle_per_host = 8;
    /// Resolving and connecting, each attempt.
    std::chrono::milliseconds connect_timeout = std::chrono::seconds{10};
    /// The whole exchange: waiting for a pooled connection, connecting, sending, and reading
    /// the response head and (for request()) the body. Zero: none. A ResponseStream's body
    /// is not covered (a download may take long); read_timeout still is.
    std::chrono::milliseconds timeout = std::chrono::milliseconds{0};
    /// The longest wait for the next bytes of a response (an idle read), head or body.
    std::chrono::milliseconds read_timeout = std::chrono::seconds{30};
    /// The longest wait for the socket to take the next bytes of a request.
    std::chrono::milliseconds write_timeout = std::chrono::seconds{30};
    /// Follow 301/302/303/307/308 (opt-in), at most max_redirects times in a row.
    bool follow_redirects = false;
    int max_redirects = 10;
    /// Head limits of the response parser. Its max_body is not used: see max_body.
    Limits limits = {};
    /// The largest body request()/get()/post() read into memory [client_errc::body_too_large].
    /// A ResponseStream's body has no limit.
    std::uint64_t max_body = 64 * 1024 * 1024;
    /// Sent as User-Agent unless the request sets one; empty: none.
    std::string user_agent = "weft-http-client";
};

/// A request to send. Host, Content-Length / Transfer-Encoding and User-Agent are added by
/// the client (a Host or User-Agent in `headers` replaces the default).
struct ClientRequest {
    std::string method = "GET";
    std::string url = {};  ///< "http://host[:port]/path?query"
    Fields headers = {};
    /// Sent with Content-Length (also "Content-Length: 0" for POST, PUT and PATCH).
    std::string body = {};
    /// If set, the body is sent chunked instead: called until it returns an empty buffer;
    /// each buffer must stay valid until the next call. Such a request is never retried
    /// and a 307/308 to it is not followed (it cannot be sent twice).
    std::function<net::ConstBuffer()> body_stream = {};
};

/// A whole response, body in memory.
struct ClientResponse {
    int status = 0;
    std::string reason;
    Fields headers;
    Fields trailers;  ///< of a chunked body; usually empty
    std::string body;
    std::string url;  ///< the URL that answered (after redirects)
    int redirects = 0;

    bool ok() const noexcept { return status >= 200 && status < 300; }
};

namespace detail {
class ConnectionPool;
}

/// An HTTP/1.1 client. Thread-safe: one Client may serve many fibers on several workers at
/// once (share it; it is meant to live long, as its pool is its value). Every blocking call
/// parks only the calling fiber, and must be made from a weft fiber.
///
/// Errors: the throwing forms throw std::system_error whose what() names the method, the
/// URL and the step that failed ("GET http://127.0.0.1:1/x: connect: Connection refused");
/// the std::error_code& forms report the same code. The codes: client_errc, http::errc (a
/// malformed or ambiguous response), weft::errc::timed_out / cancelled, and OS errors.
/// Statuses are not errors: a 404 is a response.
class Client {
public:
    explicit Client(ClientOptions options = {});
    ~Client();
    Client(const Client&) = delete;
    Client& operator=(const Client&) = delete;

    ClientResponse get(std::string_view url);
    ClientResponse get(std::string_view url, std::error_code& ec);
    ClientResponse post(std::string_view url, std::string body, std::string_view content_type);
    ClientResponse post(std::string_view url, std::string body, std::string_view content_type,
                        std::error_code& ec);
    ClientResponse request(const ClientRequest& req);
    ClientResponse request(const ClientRequest& req, std::error_code& ec);

    /// Sends `req` and returns once the response head is in; the body is read from the
    /// stream piecewise (large downloads never sit in memory). The stream holds a pooled
    /// connection until its body is read to the end (then the connection goes back to the
    /// pool) or the stream is closed or destroyed (then the connection is closed).
    ResponseStream stream(const ClientRequest& req);
    ResponseStream stream(const ClientRequest& req, std::error_code& ec);

    /// Closes the idle pooled connections (connections in use are not affected).
    void close_idle() noexcept;
    const ClientOptions& options() const noexcept { return options_; }

private:
    // `url` and `step` say what failed, for the error message (client.cpp).
    ResponseStream follow(const ClientRequest& req, std::string& url, std::string_view& step,
                          Deadline overall, std::error_code& ec);
    ResponseStream send_once(const ClientRequest& req, const Url& url, std::string_view& step,
                             Deadline overall, std::error_code& ec);
    ClientResponse read_whole(ResponseStream& s, std::error_code& ec);
    Deadline overall_deadline() const noexcept;

    ClientOptions options_;
    std::shared_ptr<detail::ConnectionPool> pool_;
};

}  // namespace weft::http
