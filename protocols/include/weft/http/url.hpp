#pragma once

// http:// URLs for the client: parsing and resolving a redirect's Location. Pure functions
// of the standard library (target weft_parsers).

#include <cstdint>
#include <string>
#include <string_view>
#include <system_error>

#include <weft/http/client_errc.hpp>

namespace weft::http {

/// An absolute http URL, split the way a request needs it:
///
///     http://Example.com:8080/a/b?q=1#frag  ->  host "example.com", port 8080,
///                                               target "/a/b?q=1" (the fragment is dropped)
///     http://[::1]/                         ->  host "::1" (no brackets), port 80, target "/"
///
/// Accepted: scheme "http" (any case), a host name (letters, digits, '-', '.', '_'), an IPv4
/// address or a bracketed IPv6 literal, an optional port 1-65535 (an empty one means 80), and
/// a path and query of visible ASCII. Rejected, each with its own client_errc: https
/// (https_not_supported), other schemes, "user:pass@" (userinfo_not_supported), spaces and
/// control bytes, anything else malformed (invalid_url).
struct Url {
    std::string host;          ///< lower case; an IPv6 literal without its brackets
    std::uint16_t port = 80;   ///< 80 unless the URL says otherwise
    std::string target = "/";  ///< path plus "?query", never empty: the request-target

    /// Throws std::system_error (a client_errc) whose what() quotes `text`.
    static Url parse(std::string_view text);
    /// The same, reporting the error through `ec` (then the result is empty).
    static Url parse(std::string_view text, std::error_code& ec);

    bool is_ipv6() const noexcept { return host.find(':') != std::string::npos; }
    /// "host", "host:8080" or "[::1]:8080": the Host header (the port only when not 80).
    std::string authority() const;
    /// "http://" + authority() + target.
    std::string to_string() const;

    friend bool operator==(const Url&, const Url&) = default;
};

/// Resolves a redirect's Location against the URL that answered (RFC 3986 §5.2): an
/// absolute URL ("http://other/x"), a network-path ("//other/x"), an absolute path
/// ("/x"), a query ("?y") or a relative path ("x", "../x"). Dot segments are removed; a
/// fragment is dropped. Errors as Url::parse.
Url resolve_reference(const Url& base, std::string_view location);
Url resolve_reference(const Url& base, std::string_view location, std::error_code& ec);

}  // namespace weft::http
