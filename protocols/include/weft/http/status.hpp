#pragma once

#include <cstdint>
#include <string_view>
#include <system_error>

#include <weft/http/errc.hpp>

namespace weft::http {

/// The status codes weft's HTTP layer knows by name (RFC 9110 §15). Any 100-599 code is
/// valid on the wire; these are the ones with a reason phrase here.
enum class StatusCode : std::uint16_t {
    continue_ = 100,
    switching_protocols = 101,
    ok = 200,
    created = 201,
    accepted = 202,
    no_content = 204,
    partial_content = 206,
    moved_permanently = 301,
    found = 302,
    see_other = 303,
    not_modified = 304,
    temporary_redirect = 307,
    permanent_redirect = 308,
    bad_request = 400,
    unauthorized = 401,
    forbidden = 403,
    not_found = 404,
    method_not_allowed = 405,
    request_timeout = 408,
    length_required = 411,
    content_too_large = 413,
    uri_too_long = 414,
    expectation_failed = 417,
    request_header_fields_too_large = 431,
    internal_server_error = 500,
    not_implemented = 501,
    bad_gateway = 502,
    service_unavailable = 503,
    gateway_timeout = 504,
    http_version_not_supported = 505,
};

/// RFC 9110's reason phrase for `code` ("Not Found"), or "" for a code not listed above.
std::string_view reason_phrase(int code) noexcept;
inline std::string_view reason_phrase(StatusCode code) noexcept {
    return reason_phrase(static_cast<int>(code));
}

/// The status a server answers a request rejected with `e` (400, 413, 414, 431, 501, 505;
/// bad_status, which only a response can have, maps to 502 as a gateway would answer).
StatusCode status_for(errc e) noexcept;
/// As above for an http::errc code; 400 for any other error code (and for no error at all).
StatusCode status_for(const std::error_code& ec) noexcept;

}  // namespace weft::http
