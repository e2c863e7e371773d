// TcpListener: bind/listen and accept. accept's fast path takes a queued connection without
// parking, so an accept loop drains the backlog before the next poll.
#include <weft/net/tcp_listener.hpp>

#include <cerrno>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <weft/detail/sock_addr.hpp>
#include <weft/detail/sys.hpp>
#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>

namespace weft::net {

namespace sys = weft::detail::sys;
using weft::detail::throw_error;

TcpListener TcpListener::bind(const Endpoint& at, ListenOptions options,
                              std::error_code& ec) noexcept {
    ec.clear();
    if (!at.is_v4() && !at.is_v6()) {
        ec = std::make_error_code(std::errc::address_family_not_supported);
        return {};
    }
    TcpListener l;
    l.socket_ = detail::Socket::open(at.family(), SOCK_STREAM, ec);
    if (ec) {
        return {};
    }
    if (options.reuse_address) {
        ec = l.socket_.set_option(SOL_SOCKET, SO_REUSEADDR, 1);
    }
    if (!ec && options.reuse_port) {
        ec = l.socket_.set_option(SOL_SOCKET, SO_REUSEPORT, 1);
    }
    if (ec) {
        return {};
    }
    sys::SysResult r = sys::bind(l.socket_.native_handle(), at.data(), at.size());
    if (r.ok()) {
        r = sys::listen(l.socket_.native_handle(), options.backlog);
    }
    if (!r.ok()) {
        ec = {r.err, std::system_category()};
        return {};
    }
    return l;
}

TcpListener TcpListener::bind(const Endpoint& at, ListenOptions options) {
    std::error_code ec;
    TcpListener l = bind(at, options, ec);
    if (ec) {
        throw_error(ec, "bind", at.to_string());
    }
    return l;
}

TcpListener TcpListener::bind(std::string_view address, ListenOptions options) {
    return bind(Endpoint::parse(address), options);
}

TcpStream TcpListener::accept(Deadline d, std::error_code& ec, Endpoint* peer) noexcept {
    ec.clear();
    weft::detail::SockAddr addr;
    for (;;) {
        weft::detail::IoResult r = socket_.io().accept(addr, d);
        if (r.ec == std::errc::connection_aborted || r.ec == std::errc::protocol_error) {
            continue;  // the client gave up during the handshake: not the listener's error
        }
        if (r.ec) {
            ec = r.ec;
            return {};
        }
        detail::Socket s = detail::Socket::adopt(static_cast<int>(r.n), ec);
        if (ec) {
            return {};
        }
        s.set_option(IPPROTO_TCP, TCP_NODELAY, 1);
        if (peer != nullptr) {
            *peer = Endpoint::from_sockaddr(addr.get(), addr.len);
        }
        return TcpStream{std::move(s)};
    }
}

TcpStream TcpListener::accept(Deadline d) {
    std::error_code ec;
    TcpStream s = accept(d, ec);
    if (ec) {
        throw_error(ec, "accept", socket_.describe());
    }
    return s;
}

Endpoint TcpListener::local_endpoint(std::error_code& ec) const noexcept {
    return socket_.local_endpoint(ec);
}

Endpoint TcpListener::local_endpoint() const {
    std::error_code ec;
    Endpoint e = local_endpoint(ec);
    if (ec) {
        throw_error(ec, "local_endpoint");
    }
    return e;
}

}  // namespace weft::net
