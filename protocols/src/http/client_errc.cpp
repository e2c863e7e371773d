// http::client_errc's category.
#include <string>

#include <weft/http/client_errc.hpp>

namespace weft::http {

namespace {

const char* describe(client_errc e) noexcept {
    switch (e) {
        case client_errc::invalid_url:
            return "invalid URL (expected http://host[:port][/path][?query])";
        case client_errc::https_not_supported:
            return "https is not supported (weft has no TLS)";
        case client_errc::unsupported_scheme:
            return "unsupported URL scheme (only http is supported)";
        case client_errc::userinfo_not_supported:
            return "credentials in the URL (user@host) are not supported";
        case client_errc::invalid_request:
            return "invalid request (method not a token, or CR, LF or NUL in a header)";
        case client_errc::no_response:
            return "the server closed the connection without responding";
        case client_errc::too_many_redirects:
            return "too many redirects";
        case client_errc::body_too_large:
            return "response body larger than the client's max_body";
        case client_errc::unexpected_upgrade:
            return "unexpected 101 Switching Protocols";
    }
    return "unknown HTTP client error";
}

class ClientCategory final : public std::error_category {
public:
    const char* name() const noexcept override { return "weft.http.client"; }
    std::string message(int ev) const override { return describe(static_cast<client_errc>(ev)); }
};

}  // namespace

const std::error_category& client_error_category() noexcept {
    static const ClientCategory category;  // immutable: the one kind of global allowed
    return category;
}

}  // namespace weft::http
