#pragma once

// weft::http::Server: HTTP/1.1 over TcpServer, one fiber per connection, a blocking handler
// per request. docs/http-server.md has the guide; this header is the reference.

#include <chrono>
#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <string_view>

#include <weft/deadline.hpp>
#include <weft/http/message.hpp>
#include <weft/http/request.hpp>
#include <weft/http/response.hpp>
#include <weft/net/endpoint.hpp>
#include <weft/net/tcp_server.hpp>

namespace weft::http {

namespace detail {
class ServerState;
}

/// A request handler. It runs in the connection's fiber and may block (read the body,
/// call other services, sleep). A lambda taking `const Request&` fits too.
using Handler = std::function<void(Request&, Response&)>;

struct ServerOptions {
    /// The request parser's limits (start line 8 KiB, head 32 KiB, 100 fields, body 1 MiB).
    Limits limits = {};
    /// From a request's first byte (or from accept, for a connection's first request) to
    /// its complete head: an absolute deadline, so a client that drips bytes (slowloris)
    /// cannot extend it. Exceeded: 408 and close.
    std::chrono::milliseconds header_timeout{10'000};
    /// The longest wait for more bytes of a request body. Exceeded: the body read fails
    /// with errc::timed_out (408 if the response has not started) and the connection closes.
    std::chrono::milliseconds body_idle_timeout{30'000};
    /// How long a kept-alive connection may wait for its next request; then it is closed.
    std::chrono::milliseconds keep_alive_timeout{60'000};
    /// The longest a response write may wait for the client to read. Exceeded: the
    /// connection closes (a slow-read client cannot hold a fiber forever).
    std::chrono::milliseconds write_idle_timeout{30'000};
    /// After an error response (or a close with unread input), the server stops writing and
    /// reads and discards the client's bytes for at most this long, so that the client can
    /// read the response before the connection closes (closing with unread input would
    /// reset it and could destroy the response in flight).
    std::chrono::milliseconds linger_timeout{2'000};
    /// Connections served at once. One more is answered 503 and closed.
    std::size_t max_connections = 10'000;
    /// Request bodies a handler left unread are read and discarded up to this many bytes so
    /// that the connection can be reused; a longer remainder closes the connection.
    std::size_t max_discard = 256 * 1024;
    /// "Server: weft" on every response.
    bool server_header = true;
    /// Listening and accepting (accept mode, backlog, ...).
    net::ServerOptions tcp = {};
    /// Called when a handler throws something other than a stream error (the client still
    /// gets a 500 if the response had not started). Default: one line on stderr.
    std::function<void(const Request&, std::exception_ptr)> on_handler_error = {};
};

/// An HTTP/1.1 server: keep-alive, pipelining, chunked bodies both ways, 100-continue,
/// strict parsing (RFC 9112; a rejected request gets its status and the connection
/// closes after lingering), timeouts, a connection limit and graceful shutdown.
///
///     auto server = weft::http::Server::bind("127.0.0.1:8080", [](auto& req, auto& res) {
///         res.set_body("Hello, World!", "text/plain");
///     });
///     server.serve();
class Server {
public:
    Server() noexcept = default;
    Server(Server&&) noexcept = default;
    Server& operator=(Server&&) noexcept = default;
    ~Server();

    /// Binds and listens now (errors such as EADDRINUSE come from here). Call from a fiber.
    static Server bind(std::string_view address, Handler handler, ServerOptions options = {});
    static Server bind(const net::Endpoint& at, Handler handler, ServerOptions options = {});

    net::Endpoint local_endpoint() const;

    /// Serves until shutdown() (or Runtime shutdown) and every connection has ended.
    /// Blocks: parks the calling fiber.
    void serve();

    /// Graceful shutdown: stops accepting, closes idle keep-alive connections, lets requests
    /// in flight finish (their responses say "Connection: close"), and at `grace` closes
    /// whatever is still open. Returns at once; serve() returns when it is all over.
    /// Call from a fiber of the server's Runtime.
    void shutdown(Deadline grace = Deadline::never());

    /// Connections open now (for tests and metrics).
    std::size_t connections() const noexcept;

private:
    std::shared_ptr<detail::ServerState> state_;
};

}  // namespace weft::http
