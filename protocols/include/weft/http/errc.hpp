#pragma once

#include <system_error>

namespace weft::http {

/// Why a parser rejected a message (RFC 9112). Each one is an error for the connection whose
/// bytes caused it, never a crash: the parser stays in that error until reset(), and the
/// connection should be closed (after sending status_for(e), for a server; status.hpp).
/// The status each maps to is in the comment and in docs/http.md.
enum class errc {
    bad_method = 1,           ///< 400: the method is not a token
    bad_target,               ///< 400: request-target with a forbidden byte, bad %-escape or form
    bad_version,              ///< 400: not "HTTP/" DIGIT "." DIGIT
    unsupported_version,      ///< 505: a major version other than 1
    bad_status,               ///< 502: a malformed status line (responses only)
    bare_cr,                  ///< 400: CR not followed by LF in the head
    bare_lf,                  ///< 400: LF not preceded by CR in the head
    bad_header_name,          ///< 400: a field name that is empty or not a token
    whitespace_before_colon,  ///< 400: "Name : value" (RFC 9112 §5.1 MUST reject)
    obs_fold,                 ///< 400: a field line starting with SP/HTAB (obsolete folding,
                              ///< or whitespace between the start line and the first field)
    bad_header_value,         ///< 400: a control byte (NUL, DEL, ...) in a field value
    bad_host,                 ///< 400: HTTP/1.1 request without Host, more than one Host,
                              ///< or an invalid Host value
    bad_content_length,       ///< 400: Content-Length that is not 1*DIGIT, overflows, or
                              ///< appears more than once (even with the same value)
    content_length_and_transfer_encoding,  ///< 400: both present (request smuggling)
    bad_transfer_encoding,        ///< 400: chunked not last, chunked twice, an empty list, or
                                  ///< Transfer-Encoding in an HTTP/1.0 message
    unsupported_transfer_coding,  ///< 501: a coding other than chunked (gzip, chunked)
    bad_chunk,                    ///< 400: chunk size not hex or overflowing, a malformed chunk
                                  ///< extension, missing CRLF after the data, line too long
    start_line_too_long,          ///< 414: request line (or status line) above the limit
    headers_too_large,            ///< 431: field section (or trailer section) above the limit
    too_many_headers,             ///< 431: more field lines than the limit
    body_too_large,               ///< 413: Content-Length or the chunks' sum above the limit
    unexpected_eof,               ///< 400: the stream ended inside a message (finish())
};

const std::error_category& error_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), error_category()};
}

}  // namespace weft::http

template <>
struct std::is_error_code_enum<weft::http::errc> : std::true_type {};
