// Reason phrases (RFC 9110 §15) and the status a rejected request is answered with.
#include <weft/http/status.hpp>

namespace weft::http {

std::string_view reason_phrase(int code) noexcept {
    switch (static_cast<StatusCode>(code)) {
        case StatusCode::continue_:
            return "Continue";
        case StatusCode::switching_protocols:
            return "Switching Protocols";
        case StatusCode::ok:
            return "OK";
        case StatusCode::created:
            return "Created";
        case StatusCode::accepted:
            return "Accepted";
        case StatusCode::no_content:
            return "No Content";
        case StatusCode::partial_content:
            return "Partial Content";
        case StatusCode::moved_permanently:
            return "Moved Permanently";
        case StatusCode::found:
            return "Found";
        case StatusCode::see_other:
            return "See Other";
        case StatusCode::not_modified:
            return "Not Modified";
        case StatusCode::temporary_redirect:
            return "Temporary Redirect";
        case StatusCode::permanent_redirect:
            return "Permanent Redirect";
        case StatusCode::bad_request:
            return "Bad Request";
        case StatusCode::unauthorized:
            return "Unauthorized";
        case StatusCode::forbidden:
            return "Forbidden";
        case StatusCode::not_found:
            return "Not Found";
        case StatusCode::method_not_allowed:
            return "Method Not Allowed";
        case StatusCode::request_timeout:
            return "Request Timeout";
        case StatusCode::length_required:
            return "Length Required";
        case StatusCode::content_too_large:
            return "Content Too Large";
        case StatusCode::uri_too_long:
            return "URI Too Long";
        case StatusCode::expectation_failed:
            return "Expectation Failed";
        case StatusCode::request_header_fields_too_large:
            return "Request Header Fields Too Large";
        case StatusCode::internal_server_error:
            return "Internal Server Error";
        case StatusCode::not_implemented:
            return "Not Implemented";
        case StatusCode::bad_gateway:
            return "Bad Gateway";
        case StatusCode::service_unavailable:
            return "Service Unavailable";
        case StatusCode::gateway_timeout:
            return "Gateway Timeout";
        case StatusCode::http_version_not_supported:
            return "HTTP Version Not Supported";
    }
    return {};
}

StatusCode status_for(errc e) noexcept {
    switch (e) {
        case errc::unsupported_version:
            return StatusCode::http_version_not_supported;
        case errc::bad_status:
            return StatusCode::bad_gateway;
        case errc::unsupported_transfer_coding:
            return StatusCode::not_implemented;
        case errc::start_line_too_long:
            return StatusCode::uri_too_long;
        case errc::headers_too_large:
        case errc::too_many_headers:
            return StatusCode::request_header_fields_too_large;
        case errc::body_too_large:
            return StatusCode::content_too_large;
        default:
            return StatusCode::bad_request;
    }
}

StatusCode status_for(const std::error_code& ec) noexcept {
    if (ec.category() != error_category()) {
        return StatusCode::bad_request;
    }
    return status_for(static_cast<errc>(ec.value()));
}

}  // namespace weft::http
