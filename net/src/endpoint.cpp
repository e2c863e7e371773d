// Endpoint: numeric IPv4/IPv6 address + port, parsed and printed without any lookup.
#include <weft/net/endpoint.hpp>

#include <arpa/inet.h>

#include <charconv>
#include <cstring>
#include <stdexcept>

namespace weft::net {

namespace {

// Splits "host:port" / "[v6]:port". Returns an error message, or nullptr on success.
const char* split(std::string_view text, std::string_view& host, std::uint16_t& port,
                  bool& bracketed) noexcept {
    std::size_t colon;
    bracketed = !text.empty() && text.front() == '[';
    if (bracketed) {
        std::size_t close = text.find(']');
        if (close == std::string_view::npos) {
            return "missing ']' after the IPv6 address";
        }
        host = text.substr(1, close - 1);
        if (close + 1 >= text.size() || text[close + 1] != ':') {
            return "missing ':port' after ']'";
        }
        colon = close + 1;
    } else {
        colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            return "missing ':port'";
        }
        host = text.substr(0, colon);
        if (host.find(':') != std::string_view::npos) {
            return "an IPv6 address must be written in brackets, as [::1]:80";
        }
    }
    std::string_view digits = text.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() ||
        value > 65535) {
        return "the port must be a number from 0 to 65535";
    }
    port = static_cast<std::uint16_t>(value);
    return nullptr;
}

const char* parse_into(std::string_view text, Endpoint& out) noexcept {
    std::string_view host;
    std::uint16_t port = 0;
    bool bracketed = false;
    if (const char* err = split(text, host, port, bracketed)) {
        return err;
    }
    char buf[INET6_ADDRSTRLEN + 1];
    if (host.size() >= sizeof(buf)) {
        return "the address is too long";
    }
    std::memcpy(buf, host.data(), host.size());
    buf[host.size()] = '\0';
    if (bracketed) {
        sockaddr_in6 a{};
        a.sin6_family = AF_INET6;
        a.sin6_port = htons(port);
        if (inet_pton(AF_INET6, buf, &a.sin6_addr) != 1) {
            return "not a numeric IPv6 address";
        }
        out = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&a), sizeof(a));
        return nullptr;
    }
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    if (host.empty()) {
        a.sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (inet_pton(AF_INET, buf, &a.sin_addr) != 1) {
        return "not a numeric IPv4 address (host names need weft::net::resolve)";
    }
    out = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&a), sizeof(a));
    return nullptr;
}

}  // namespace

Endpoint::Endpoint() noexcept { std::memset(&addr_, 0, sizeof(addr_)); }

Endpoint Endpoint::parse(std::string_view text) {
    Endpoint e;
    if (const char* err = parse_into(text, e)) {
        throw std::invalid_argument("bad endpoint '" + std::string{text} + "': " + err);
    }
    return e;
}

std::optional<Endpoint> Endpoint::try_parse(std::string_view text) noexcept {
    Endpoint e;
    if (parse_into(text, e) != nullptr) {
        return std::nullopt;
    }
    return e;
}

Endpoint Endpoint::loopback_v4(std::uint16_t port) noexcept {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return from_sockaddr(reinterpret_cast<const sockaddr*>(&a), sizeof(a));
}

Endpoint Endpoint::loopback_v6(std::uint16_t port) noexcept {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = in6addr_loopback;
    return from_sockaddr(reinterpret_cast<const sockaddr*>(&a), sizeof(a));
}

Endpoint Endpoint::from_sockaddr(const sockaddr* addr, socklen_t len) noexcept {
    Endpoint e;
    if (addr->sa_family == AF_INET && len >= static_cast<socklen_t>(sizeof(sockaddr_in))) {
        std::memcpy(&e.addr_.v4, addr, sizeof(sockaddr_in));
    } else if (addr->sa_family == AF_INET6 &&
               len >= static_cast<socklen_t>(sizeof(sockaddr_in6))) {
        std::memcpy(&e.addr_.v6, addr, sizeof(sockaddr_in6));
    }
    return e;
}

std::uint16_t Endpoint::port() const noexcept {
    if (is_v4()) {
        return ntohs(addr_.v4.sin_port);
    }
    return is_v6() ? ntohs(addr_.v6.sin6_port) : 0;
}

void Endpoint::set_port(std::uint16_t port) noexcept {
    if (is_v4()) {
        addr_.v4.sin_port = htons(port);
    } else if (is_v6()) {
        addr_.v6.sin6_port = htons(port);
    }
}

socklen_t Endpoint::size() const noexcept {
    if (is_v4()) {
        return sizeof(sockaddr_in);
    }
    return is_v6() ? sizeof(sockaddr_in6) : 0;
}

std::string Endpoint::to_string() const {
    char buf[INET6_ADDRSTRLEN];
    if (is_v4()) {
        inet_ntop(AF_INET, &addr_.v4.sin_addr, buf, sizeof(buf));
        return std::string{buf} + ':' + std::to_string(port());
    }
    if (is_v6()) {
        inet_ntop(AF_INET6, &addr_.v6.sin6_addr, buf, sizeof(buf));
        return '[' + std::string{buf} + "]:" + std::to_string(port());
    }
    return "unspecified";
}

bool operator==(const Endpoint& a, const Endpoint& b) noexcept {
    if (a.family() != b.family()) {
        return false;
    }
    if (a.is_v4()) {
        return a.addr_.v4.sin_port == b.addr_.v4.sin_port &&
               a.addr_.v4.sin_addr.s_addr == b.addr_.v4.sin_addr.s_addr;
    }
    if (a.is_v6()) {
        return a.addr_.v6.sin6_port == b.addr_.v6.sin6_port &&
               std::memcmp(&a.addr_.v6.sin6_addr, &b.addr_.v6.sin6_addr, 16) == 0 &&
               a.addr_.v6.sin6_scope_id == b.addr_.v6.sin6_scope_id;
    }
    return true;
}

}  // namespace weft::net
