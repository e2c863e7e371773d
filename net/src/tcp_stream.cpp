// TcpStream: blocking-style TCP over IoHandle. The ec forms hold the logic; the throwing
// forms are three-line wrappers that add the op and the endpoints to the message.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <weft/detail/sock_addr.hpp>
#include <weft/detail/sys.hpp>
#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>
#include <weft/net/resolve.hpp>
#include <weft/net/tcp_stream.hpp>

#include "host_port.hpp"

namespace weft::net {

namespace {

using weft::detail::IoResult;
using weft::detail::throw_error;

constexpr std::size_t max_iov = 64;  // per sendmsg; IOV_MAX is 1024, 64 fits a stack frame

std::error_code closed_error() noexcept {
    return make_error_code(errc::closed);
}

}  // namespace

TcpStream TcpStream::connect(const Endpoint& to, Deadline d, std::error_code& ec) noexcept {
    ec.clear();
    if (!to.is_v4() && !to.is_v6()) {
        ec = std::make_error_code(std::errc::address_family_not_supported);
        return {};
    }
    detail::Socket s = detail::Socket::open(to.family(), SOCK_STREAM, ec);
    if (ec) {
        return {};
    }
    weft::detail::SockAddr addr;
    std::memcpy(&addr.storage, to.data(), to.size());
    addr.len = to.size();
    IoResult r = s.io().connect(addr, d);
    if (r.ec) {
        ec = r.ec;
        return {};
    }
    // Go's default: request/response traffic should not wait for Nagle's timer.
    s.set_option(IPPROTO_TCP, TCP_NODELAY, 1);
    return TcpStream{std::move(s)};
}

TcpStream TcpStream::connect(const Endpoint& to, Deadline d) {
    std::error_code ec;
    TcpStream s = connect(to, d, ec);
    if (ec) {
        throw_error(ec, "connect", "to " + to.to_string());
    }
    return s;
}

TcpStream TcpStream::connect(std::span<const Endpoint> candidates, Deadline d,
                             std::error_code& ec) noexcept {
    ec = std::make_error_code(std::errc::invalid_argument);
    std::error_code first;
    for (const Endpoint& to : candidates) {
        TcpStream s = connect(to, d, ec);
        if (!ec) {
            return s;
        }
        if (!first) {
            first = ec;
        }
        if (ec == errc::timed_out || ec == errc::cancelled || ec == errc::not_in_fiber) {
            break;
        }
    }
    if (first) {
        ec = first;
    }
    return {};
}

TcpStream TcpStream::connect(std::span<const Endpoint> candidates, Deadline d) {
    std::error_code ec;
    TcpStream s = connect(candidates, d, ec);
    if (ec) {
        std::string to = candidates.empty() ? "(no address)" : candidates.front().to_string();
        if (candidates.size() > 1) {
            to += " and " + std::to_string(candidates.size() - 1) + " more";
        }
        throw_error(ec, "connect", "to " + to);
    }
    return s;
}

TcpStream TcpStream::connect(std::string_view host, std::uint16_t port, Deadline d,
                             std::error_code& ec) noexcept {
    char digits[8];
    auto [end, err] = std::to_chars(digits, digits + sizeof(digits), port);
    (void)err;
    std::vector<Endpoint> candidates = resolve(host, {digits, end}, d, ec);
    if (ec) {
        return {};
    }
    return connect(candidates, d, ec);
}

TcpStream TcpStream::connect(std::string_view host, std::uint16_t port, Deadline d) {
    std::error_code ec;
    TcpStream s = connect(host, port, d, ec);
    if (ec) {
        throw_error(ec, "connect",
                    "to " +
                        (host.find(':') != std::string_view::npos ? '[' + std::string{host} + ']'
                                                                  : std::string{host}) +
                        ':' + std::to_string(port));
    }
    return s;
}

TcpStream TcpStream::connect(std::string_view address, Deadline d, std::error_code& ec) noexcept {
    ec.clear();
    if (std::optional<Endpoint> numeric = Endpoint::try_parse(address)) {
        return connect(*numeric, d, ec);
    }
    std::string_view host, port;
    if (!detail::split_host_port(address, host, port)) {
        ec = std::make_error_code(std::errc::invalid_argument);
        return {};
    }
    std::vector<Endpoint> candidates = resolve(host, port, d, ec);
    if (ec) {
        return {};
    }
    return connect(candidates, d, ec);
}

TcpStream TcpStream::connect(std::string_view address, Deadline d) {
    std::string_view host, port;
    if (!Endpoint::try_parse(address) && !detail::split_host_port(address, host, port)) {
        throw std::invalid_argument("bad address '" + std::string{address} +
                                    "': expected host:port or [v6]:port");
    }
    std::error_code ec;
    TcpStream s = connect(address, d, ec);
    if (ec) {
        throw_error(ec, "connect", "to " + std::string{address});
    }
    return s;
}

std::size_t TcpStream::read_some(MutableBuffer buf, std::error_code& ec) noexcept {
    ec.clear();
    weft::detail::IoLock* m = socket_.io().read_lock();
    if (m == nullptr) {
        ec = closed_error();
        return 0;
    }
    if (buf.empty()) {
        return 0;
    }
    weft::detail::IoLock::Guard lk{*m, socket_.io().read_deadline(), ec};
    if (ec) {
        return 0;
    }
    IoResult r = socket_.io().recv(buf);
    ec = r.ec;
    return r.n;
}

std::size_t TcpStream::read_some(MutableBuffer buf) {
    std::error_code ec;
    std::size_t n = read_some(buf, ec);
    if (ec) {
        throw_error(ec, "read_some", socket_.describe());
    }
    return n;
}

void TcpStream::wait_readable(std::error_code& ec) noexcept {
    ec.clear();
    weft::detail::IoLock* m = socket_.io().read_lock();
    if (m == nullptr) {
        ec = closed_error();
        return;
    }
    weft::detail::IoLock::Guard lk{*m, socket_.io().read_deadline(), ec};
    if (ec) {
        return;
    }
    ec = socket_.io().wait(weft::detail::Interest::read, socket_.io().read_deadline()).ec;
}

void TcpStream::wait_readable() {
    std::error_code ec;
    wait_readable(ec);
    if (ec) {
        throw_error(ec, "wait_readable", socket_.describe());
    }
}

std::size_t TcpStream::read_exact(MutableBuffer buf, std::error_code& ec) noexcept {
    ec.clear();
    weft::detail::IoLock* m = socket_.io().read_lock();
    if (m == nullptr) {
        ec = closed_error();
        return 0;
    }
    weft::detail::IoLock::Guard lk{*m, socket_.io().read_deadline(), ec};
    if (ec) {
        return 0;
    }
    std::size_t done = 0;
    while (done < buf.size()) {
        IoResult r = socket_.io().recv(buf.subspan(done));
        if (r.ec) {
            ec = r.ec;
            break;
        }
        if (r.n == 0) {
            ec = make_error_code(errc::unexpected_eof);
            break;
        }
        done += r.n;
    }
    return done;
}

std::size_t TcpStream::read_exact(MutableBuffer buf) {
    std::error_code ec;
    std::size_t n = read_exact(buf, ec);
    if (ec) {
        throw_error(ec, "read_exact", socket_.describe());
    }
    return n;
}

std::size_t TcpStream::write_some(ConstBuffer buf, std::error_code& ec) noexcept {
    ec.clear();
    weft::detail::IoLock* m = socket_.io().write_lock();
    if (m == nullptr) {
        ec = closed_error();
        return 0;
    }
    if (buf.empty()) {
        return 0;
    }
    weft::detail::IoLock::Guard lk{*m, socket_.io().write_deadline(), ec};
    if (ec) {
        return 0;
    }
    IoResult r = socket_.io().send(buf);
    ec = r.ec;
    return r.n;
}

std::size_t TcpStream::write_some(ConstBuffer buf) {
    std::error_code ec;
    std::size_t n = write_some(buf, ec);
    if (ec) {
        throw_error(ec, "write_some", socket_.describe());
    }
    return n;
}

std::size_t TcpStream::write_all(ConstBuffer buf, std::error_code& ec) noexcept {
    ec.clear();
    weft::detail::IoLock* m = socket_.io().write_lock();
    if (m == nullptr) {
        ec = closed_error();
        return 0;
    }
    weft::detail::IoLock::Guard lk{*m, socket_.io().write_deadline(), ec};
    if (ec) {
        return 0;
    }
    std::size_t done = 0;
    while (done < buf.size()) {
        IoResult r = socket_.io().send(buf.subspan(done));
        if (r.ec) {
            ec = r.ec;
            break;
        }
        done += r.n;
    }
    return done;
}

void TcpStream::write_all(ConstBuffer buf) {
    std::error_code ec;
    write_all(buf, ec);
    if (ec) {
        throw_error(ec, "write_all", socket_.describe());
    }
}

std::size_t TcpStream::write_all(std::span<const ConstBuffer> bufs, std::error_code& ec) noexcept {
    ec.clear();
    weft::detail::IoLock* m = socket_.io().write_lock();
    if (m == nullptr) {
        ec = closed_error();
        return 0;
    }
    weft::detail::IoLock::Guard lk{*m, socket_.io().write_deadline(), ec};
    if (ec) {
        return 0;
    }
    std::size_t done = 0;
    std::size_t index = 0;   // first buffer not yet fully sent
    std::size_t offset = 0;  // bytes of bufs[index] already sent
    iovec iov[max_iov];
    for (;;) {
        while (index < bufs.size() && offset == bufs[index].size()) {
            ++index;
            offset = 0;
        }
        if (index == bufs.size()) {
            return done;
        }
        std::size_t count = 0;
        for (std::size_t i = index; i < bufs.size() && count < max_iov; ++i) {
            std::size_t skip = i == index ? offset : 0;
            if (bufs[i].size() > skip) {
                iov[count].iov_base = const_cast<std::byte*>(bufs[i].data() + skip);
                iov[count].iov_len = bufs[i].size() - skip;
                ++count;
            }
        }
        IoResult r = socket_.io().sendv({iov, count});
        if (r.ec) {
            ec = r.ec;
            return done;
        }
        done += r.n;
        for (std::size_t left = r.n; left > 0;) {
            std::size_t take = std::min(left, bufs[index].size() - offset);
            offset += take;
            left -= take;
            if (offset == bufs[index].size() && left > 0) {
                ++index;
                offset = 0;
            }
        }
    }
}

void TcpStream::write_all(std::span<const ConstBuffer> bufs) {
    std::error_code ec;
    write_all(bufs, ec);
    if (ec) {
        throw_error(ec, "write_all", socket_.describe());
    }
}

void TcpStream::shutdown(Shutdown how, std::error_code& ec) noexcept {
    ec.clear();
    if (!socket_.is_open()) {
        ec = closed_error();
        return;
    }
    int h = how == Shutdown::read ? SHUT_RD : how == Shutdown::write ? SHUT_WR : SHUT_RDWR;
    weft::detail::sys::SysResult r = weft::detail::sys::shutdown(socket_.native_handle(), h);
    if (!r.ok()) {
        ec = {r.err, std::system_category()};
    }
}

void TcpStream::shutdown(Shutdown how) {
    std::error_code ec;
    shutdown(how, ec);
    if (ec) {
        throw_error(ec, "shutdown", socket_.describe());
    }
}

void TcpStream::set_nodelay(bool on, std::error_code& ec) noexcept {
    ec = socket_.is_open() ? socket_.set_option(IPPROTO_TCP, TCP_NODELAY, on ? 1 : 0)
                           : closed_error();
}

void TcpStream::set_nodelay(bool on) {
    std::error_code ec;
    set_nodelay(on, ec);
    if (ec) {
        throw_error(ec, "set_nodelay", socket_.describe());
    }
}

Endpoint TcpStream::local_endpoint(std::error_code& ec) const noexcept {
    return socket_.local_endpoint(ec);
}

Endpoint TcpStream::local_endpoint() const {
    std::error_code ec;
    Endpoint e = local_endpoint(ec);
    if (ec) {
        throw_error(ec, "local_endpoint");
    }
    return e;
}

Endpoint TcpStream::peer_endpoint(std::error_code& ec) const noexcept {
    return socket_.peer_endpoint(ec);
}

Endpoint TcpStream::peer_endpoint() const {
    std::error_code ec;
    Endpoint e = peer_endpoint(ec);
    if (ec) {
        throw_error(ec, "peer_endpoint");
    }
    return e;
}

}  // namespace weft::net
