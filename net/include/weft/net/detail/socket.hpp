#pragma once

#include <string>
#include <system_error>

#include <weft/detail/io_handle.hpp>
#include <weft/net/endpoint.hpp>

namespace weft::net::detail {

/// An owned, non-blocking socket attached to the current Runtime, shared by the socket
/// types. Knows no protocol.
class Socket {
public:
    Socket() noexcept = default;
    /// socket(2) with SOCK_NONBLOCK | SOCK_CLOEXEC, attached to the current worker's backend.
    static Socket open(int family, int type, std::error_code& ec) noexcept;
    /// Takes ownership of a non-blocking fd.
    static Socket adopt(int fd, std::error_code& ec) noexcept;

    weft::detail::IoHandle& io() noexcept { return io_; }
    const weft::detail::IoHandle& io() const noexcept { return io_; }
    bool is_open() const noexcept { return io_.is_open(); }
    int native_handle() const noexcept { return io_.fd(); }

    std::error_code set_option(int level, int name, int value) noexcept;
    Endpoint local_endpoint(std::error_code& ec) const noexcept;
    Endpoint peer_endpoint(std::error_code& ec) const noexcept;
    /// "local->peer" for error messages; only called on the throw path.
    std::string describe() const;

    void close() noexcept { io_.close(); }

private:
    weft::detail::IoHandle io_;
};

}  // namespace weft::net::detail
