// Socket: the part every socket type shares (open, options, endpoints for messages).
#include <weft/detail/sock_addr.hpp>
#include <weft/detail/sys.hpp>
#include <weft/net/detail/socket.hpp>

namespace weft::net::detail {

namespace sys = weft::detail::sys;

namespace {
std::error_code os_error(int err) noexcept { return {err, std::system_category()}; }
}  // namespace

Socket Socket::open(int family, int type, std::error_code& ec) noexcept {
    sys::SysResult r = sys::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (!r.ok()) {
        ec = os_error(r.err);
        return {};
    }
    return adopt(static_cast<int>(r.value), ec);
}

Socket Socket::adopt(int fd, std::error_code& ec) noexcept {
    Socket s;
    s.io_ = weft::detail::IoHandle::adopt(fd, ec);
    return s;
}

std::error_code Socket::set_option(int level, int name, int value) noexcept {
    sys::SysResult r = sys::setsockopt(io_.fd(), level, name, &value, sizeof(value));
    return r.ok() ? std::error_code{} : os_error(r.err);
}

Endpoint Socket::local_endpoint(std::error_code& ec) const noexcept {
    weft::detail::SockAddr a;
    sys::SysResult r = sys::getsockname(io_.fd(), a.get(), &a.len);
    ec = r.ok() ? std::error_code{} : os_error(r.err);
    return r.ok() ? Endpoint::from_sockaddr(a.get(), a.len) : Endpoint{};
}

Endpoint Socket::peer_endpoint(std::error_code& ec) const noexcept {
    weft::detail::SockAddr a;
    sys::SysResult r = sys::getpeername(io_.fd(), a.get(), &a.len);
    ec = r.ok() ? std::error_code{} : os_error(r.err);
    return r.ok() ? Endpoint::from_sockaddr(a.get(), a.len) : Endpoint{};
}

std::string Socket::describe() const {
    if (!io_.is_open()) {
        return "(closed socket)";
    }
    std::error_code ec;
    std::string local = local_endpoint(ec).to_string();
    Endpoint peer = peer_endpoint(ec);
    return ec ? local : local + "->" + peer.to_string();
}

}  // namespace weft::net::detail
