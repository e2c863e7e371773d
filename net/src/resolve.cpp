// resolve(): numeric addresses at once, names through getaddrinfo on the offload pool.
//
// The lookup runs under offload_until, so it owns copies of its strings and the caller may
// leave at its deadline or on a cancel: getaddrinfo cannot be interrupted, and its own
// timeouts (resolv.conf) bound how long the pool thread stays busy after that.
#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <cstring>
#include <netdb.h>
#include <new>
#include <string>

#include <weft/detail/throw_error.hpp>
#include <weft/net/resolve.hpp>
#include <weft/offload.hpp>

namespace weft::net {

namespace {

class ResolveCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "getaddrinfo"; }
    std::string message(int code) const override { return ::gai_strerror(code); }
};

// A numeric host with a numeric port needs no lookup (and no pool thread).
bool parse_numeric(std::string_view host, std::string_view service, Endpoint& out) noexcept {
    unsigned port = 0;
    auto [end, err] = std::from_chars(service.data(), service.data() + service.size(), port);
    if (service.empty() || err != std::errc{} || end != service.data() + service.size() ||
        port > 65535) {
        return false;
    }
    char buf[INET6_ADDRSTRLEN + 1];
    if (host.empty() || host.size() >= sizeof(buf)) {
        return false;
    }
    std::memcpy(buf, host.data(), host.size());
    buf[host.size()] = '\0';
    sockaddr_in v4{};
    if (inet_pton(AF_INET, buf, &v4.sin_addr) == 1) {
        v4.sin_family = AF_INET;
        v4.sin_port = htons(static_cast<std::uint16_t>(port));
        out = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&v4), sizeof(v4));
        return true;
    }
    sockaddr_in6 v6{};
    if (inet_pton(AF_INET6, buf, &v6.sin6_addr) == 1) {
        v6.sin6_family = AF_INET6;
        v6.sin6_port = htons(static_cast<std::uint16_t>(port));
        out = Endpoint::from_sockaddr(reinterpret_cast<const sockaddr*>(&v6), sizeof(v6));
        return true;
    }
    return false;
}

struct Lookup {
    std::error_code ec;
    std::vector<Endpoint> endpoints;
};

// Runs on a pool thread: blocking is fine here.
Lookup lookup(const std::string& host, const std::string& service) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    addrinfo* list = nullptr;
    Lookup out;
    int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(),
                           service.empty() ? nullptr : service.c_str(), &hints, &list);
    if (rc != 0) {
        out.ec = rc == EAI_SYSTEM ? std::error_code{errno, std::system_category()}
                                  : std::error_code{rc, resolve_category()};
        return out;
    }
    try {
        for (addrinfo* ai = list; ai != nullptr; ai = ai->ai_next) {
            Endpoint e = Endpoint::from_sockaddr(ai->ai_addr, ai->ai_addrlen);
            if ((e.is_v4() || e.is_v6()) &&
                std::find(out.endpoints.begin(), out.endpoints.end(), e) == out.endpoints.end()) {
                out.endpoints.push_back(e);
            }
        }
    } catch (...) {
        ::freeaddrinfo(list);
        throw;
    }
    ::freeaddrinfo(list);
    if (out.endpoints.empty()) {
        out.ec = {EAI_NONAME, resolve_category()};
    }
    return out;
}

std::string describe(std::string_view host, std::string_view service) {
    std::string s = host.find(':') != std::string_view::npos ? '[' + std::string{host} + ']'
                                                             : std::string{host};
    s += ':';
    s += service;
    return s;
}

}  // namespace

const std::error_category& resolve_category() noexcept {
    static const ResolveCategory category;
    return category;
}

std::vector<Endpoint> resolve(std::string_view host, std::string_view service, Deadline d,
                              std::error_code& ec) noexcept {
    ec.clear();
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        host = host.substr(1, host.size() - 2);
    }
    try {
        Endpoint numeric;
        if (parse_numeric(host, service, numeric)) {
            return {numeric};
        }
        Lookup r = offload_until(
            d, [h = std::string{host}, s = std::string{service}] { return lookup(h, s); });
        ec = r.ec;
        return std::move(r.endpoints);
    } catch (const std::system_error& e) {
        ec = e.code();  // timed_out, cancelled, not_in_fiber, no pool thread
    } catch (const std::bad_alloc&) {
        ec = std::make_error_code(std::errc::not_enough_memory);
    }
    return {};
}

std::vector<Endpoint> resolve(std::string_view host, std::string_view service, Deadline d) {
    std::error_code ec;
    std::vector<Endpoint> endpoints = resolve(host, service, d, ec);
    if (ec) {
        weft::detail::throw_error(ec, "resolve", describe(host, service));
    }
    return endpoints;
}

}  // namespace weft::net
