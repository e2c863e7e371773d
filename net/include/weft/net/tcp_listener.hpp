#pragma once

#include <string_view>
#include <system_error>

#include <weft/deadline.hpp>
#include <weft/net/detail/socket.hpp>
#include <weft/net/endpoint.hpp>
#include <weft/net/tcp_stream.hpp>

namespace weft::net {

struct ListenOptions {
    int backlog = 4096;          ///< capped by net.core.somaxconn
    bool reuse_address = true;   ///< SO_REUSEADDR: rebind while old connections linger
    bool reuse_port = false;     ///< SO_REUSEPORT: several listeners share the port
};

/// A listening TCP socket.
class TcpListener {
public:
    TcpListener() noexcept = default;

    /// Binds and listens. Port 0 picks a free port (see local_endpoint()).
    /// Errors: EADDRINUSE, EACCES, ...
    static TcpListener bind(const Endpoint& at, ListenOptions options = {});
    static TcpListener bind(const Endpoint& at, ListenOptions options,
                            std::error_code& ec) noexcept;
    /// Binds to a numeric "host:port" (see Endpoint::parse).
    static TcpListener bind(std::string_view address, ListenOptions options = {});

    /// Takes the next connection; with `peer` it also tells who connected.
    /// Blocks: parks until a connection arrives, `d`, cancel or close.
    /// Errors: EMFILE/ENFILE (out of fds: back off and retry), errc::timed_out, ...
    /// Aborted handshakes (ECONNABORTED) are skipped, not reported.
    TcpStream accept(Deadline d = Deadline::never());
    TcpStream accept(Deadline d, std::error_code& ec, Endpoint* peer = nullptr) noexcept;

    Endpoint local_endpoint() const;
    Endpoint local_endpoint(std::error_code& ec) const noexcept;
    /// Wakes a fiber parked in accept() with errc::closed. The destructor closes too.
    void close() noexcept { socket_.close(); }
    bool is_open() const noexcept { return socket_.is_open(); }
    int native_handle() const noexcept { return socket_.native_handle(); }

private:
    detail::Socket socket_;
};

}  // namespace weft::net
