#pragma once

#include <system_error>

namespace weft::http {

/// Why the HTTP client gave up on a request, where neither the parser (http::errc: a
/// malformed or ambiguous response), the network (system_category) nor weft itself
/// (weft::errc::timed_out, ...) says it. Lives in weft_parsers: Url::parse uses it too.
enum class client_errc {
    invalid_url = 1,         ///< not "http://host[:port][/path][?query]"
    https_not_supported,     ///< an https:// URL: weft has no TLS
    unsupported_scheme,      ///< a scheme other than http
    userinfo_not_supported,  ///< "user:password@" in the URL (credentials are never sent)
    invalid_request,         ///< a method that is not a token, or CR/LF/NUL in a header
    no_response,             ///< the server closed the connection before any response byte
    too_many_redirects,      ///< more than ClientOptions::max_redirects redirects in a row
    body_too_large,          ///< a body read into memory above ClientOptions::max_body
    unexpected_upgrade,      ///< 101 Switching Protocols to a request that asked for none
};

const std::error_category& client_error_category() noexcept;

inline std::error_code make_error_code(client_errc e) noexcept {
    return {static_cast<int>(e), client_error_category()};
}

}  // namespace weft::http

template <>
struct std::is_error_code_enum<weft::http::client_errc> : std::true_type {};
