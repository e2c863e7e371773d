#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <netinet/in.h>
#include <sys/socket.h>

namespace weft::net {

/// An IPv4 or IPv6 address with a port: "127.0.0.1:80", "[::1]:80".
class Endpoint {
public:
    Endpoint() noexcept;  ///< unspecified (family AF_UNSPEC)

    /// Parses a numeric "a.b.c.d:port" or "[v6]:port". Throws std::invalid_argument with
    /// the reason. Host names are resolved elsewhere (they need a blocking lookup).
    static Endpoint parse(std::string_view text);
    static std::optional<Endpoint> try_parse(std::string_view text) noexcept;
    static Endpoint loopback_v4(std::uint16_t port) noexcept;
    static Endpoint loopback_v6(std::uint16_t port) noexcept;
    /// From a kernel-filled address; unspecified if the family is not IPv4/IPv6.
    static Endpoint from_sockaddr(const sockaddr* addr, socklen_t len) noexcept;

    bool is_v4() const noexcept { return addr_.sa.sa_family == AF_INET; }
    bool is_v6() const noexcept { return addr_.sa.sa_family == AF_INET6; }
    int family() const noexcept { return addr_.sa.sa_family; }
    std::uint16_t port() const noexcept;
    void set_port(std::uint16_t port) noexcept;

    /// "127.0.0.1:80" or "[::1]:80"; "unspecified" for the default value.
    std::string to_string() const;

    const sockaddr* data() const noexcept { return &addr_.sa; }
    socklen_t size() const noexcept;

    friend bool operator==(const Endpoint& a, const Endpoint& b) noexcept;

private:
    union {
        sockaddr sa;
        sockaddr_in v4;
        sockaddr_in6 v6;
    } addr_;
};

}  // namespace weft::net
