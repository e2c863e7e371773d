// http::errc's category: messages and the portable conditions they compare equal to.
#include <string>

#include <weft/http/errc.hpp>

namespace weft::http {

namespace {

const char* describe(errc e) noexcept {
    switch (e) {
        case errc::bad_method:
            return "invalid method (not a token)";
        case errc::bad_target:
            return "invalid request-target";
        case errc::bad_version:
            return "invalid HTTP version";
        case errc::unsupported_version:
            return "unsupported HTTP major version";
        case errc::bad_status:
            return "invalid status line";
        case errc::bare_cr:
            return "CR not followed by LF";
        case errc::bare_lf:
            return "LF not preceded by CR";
        case errc::bad_header_name:
            return "invalid header field name";
        case errc::whitespace_before_colon:
            return "whitespace between field name and colon";
        case errc::obs_fold:
            return "obsolete line folding (field line starting with whitespace)";
        case errc::bad_header_value:
            return "invalid byte in header field value";
        case errc::bad_host:
            return "missing, duplicate or invalid Host";
        case errc::bad_content_length:
            return "invalid or duplicate Content-Length";
        case errc::content_length_and_transfer_encoding:
            return "both Content-Length and Transfer-Encoding";
        case errc::bad_transfer_encoding:
            return "invalid Transfer-Encoding";
        case errc::unsupported_transfer_coding:
            return "unsupported transfer coding";
        case errc::bad_chunk:
            return "invalid chunk framing";
        case errc::start_line_too_long:
            return "request line or status line too long";
        case errc::headers_too_large:
            return "header section too large";
        case errc::too_many_headers:
            return "too many header fields";
        case errc::body_too_large:
            return "message body too large";
        case errc::unexpected_eof:
            return "stream ended inside a message";
    }
    return nullptr;
}

class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "weft.http"; }

    std::string message(int code) const override {
        const char* text = describe(static_cast<errc>(code));
        return text ? text : "unknown http error " + std::to_string(code);
    }

    std::error_condition default_error_condition(int code) const noexcept override {
        switch (static_cast<errc>(code)) {
            case errc::start_line_too_long:
            case errc::headers_too_large:
            case errc::too_many_headers:
            case errc::body_too_large:
                return std::errc::message_size;
            case errc::unsupported_version:
            case errc::unsupported_transfer_coding:
                return std::errc::not_supported;
            default:
                break;
        }
        if (describe(static_cast<errc>(code)) != nullptr) {
            return std::errc::bad_message;
        }
        return {code, *this};
    }
};

}  // namespace

const std::error_category& error_category() noexcept {
    static const Category category;
    return category;
}

}  // namespace weft::http
