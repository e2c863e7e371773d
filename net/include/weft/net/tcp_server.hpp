#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string_view>
#include <system_error>
#include <vector>

#include <weft/net/endpoint.hpp>
#include <weft/net/tcp_listener.hpp>
#include <weft/net/tcp_stream.hpp>

namespace weft::net {

/// How a TcpServer spreads accepting over the Runtime's workers.
enum class AcceptMode {
    /// One SO_REUSEPORT listener per worker, each with an acceptor fiber pinned to that
    /// worker: the kernel spreads new connections, and each connection starts (and has its
    /// poller registration) on the worker that accepted it.
    per_worker,
    /// One listener and one acceptor fiber; connection fibers spread by work stealing.
    single,
};

struct ServerOptions {
    ListenOptions listen = {};  ///< reuse_port is forced on for AcceptMode::per_worker
    AcceptMode accept = AcceptMode::per_worker;
    /// Called in the acceptor fiber after each failed accept with the error and the pause
    /// before the next attempt (AcceptBackoff: 1 ms doubling to 100 ms, reset by a success).
    /// For metrics and logs; it must not block. Default: one stderr line when a run of
    /// failures starts.
    std::function<void(const std::error_code& ec, std::chrono::milliseconds pause)>
        on_accept_error = {};
};

/// A TCP server: listeners plus acceptor fibers that run a handler in a new fiber per
/// connection. It owns the accept loop's chores: backing off while out of fds or memory
/// (AcceptBackoff: EMFILE/ENFILE leave connections in the backlog, served once fds are
/// free), skipping aborted handshakes, and stopping on close() or Runtime shutdown.
///
///     auto server = weft::net::TcpServer::bind("127.0.0.1:7000");
///     server.serve([](weft::net::TcpStream conn) { ... });
class TcpServer {
public:
    TcpServer() noexcept = default;
    TcpServer(TcpServer&&) noexcept = default;
    TcpServer& operator=(TcpServer&&) noexcept = default;
    ~TcpServer();

    /// Binds and listens now, so that errors (EADDRINUSE, ...) come from here. Port 0
    /// picks a free port, shared by every listener. Call from a fiber.
    static TcpServer bind(std::string_view address, ServerOptions options = {});
    static TcpServer bind(const Endpoint& at, ServerOptions options = {});

    Endpoint local_endpoint() const;

    /// Accepts until close() or Runtime shutdown, running handler(conn) in a new detached
    /// fiber per connection; an exception escaping the handler goes to
    /// RuntimeOptions::on_fiber_exception and ends only that connection. Blocks: parks the
    /// calling fiber until every acceptor has stopped (connection fibers may run on).
    void serve(std::function<void(TcpStream)> handler);

    /// Stops accepting: wakes the acceptors, closes the listeners. Thread-safe.
    void close() noexcept;

private:
    struct State;
    std::shared_ptr<State> state_;
};

}  // namespace weft::net
