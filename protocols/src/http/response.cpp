#include <stdexcept>

#include <weft/detail/throw_error.hpp>
#include <weft/http/response.hpp>

#include "chars.hpp"
#include "exchange.hpp"

namespace weft::http {

namespace {

void check_field(std::string_view name, std::string_view value) {
    if (!detail::is_token(name)) {
        throw std::invalid_argument("weft::http::Response: invalid header name '" +
                                    std::string(name) + "'");
    }
    if (!detail::is_field_value(value)) {
        throw std::invalid_argument("weft::http::Response: CR, LF or NUL in the value of '" +
                                    std::string(name) + "'");
    }
}

}  // namespace

void Response::check_not_sent(const char* what) const {
    if (head_sent_) {
        throw std::logic_error(std::string("weft::http::Response::") + what +
                               ": the head has already been sent");
    }
}

void Response::set_status(int code) {
    check_not_sent("set_status");
    if (code < 200 || code > 599) {
        throw std::invalid_argument("weft::http::Response::set_status: " + std::to_string(code) +
                                    " is not a final status (200..599)");
    }
    status_ = code;
}

void Response::set_header(std::string_view name, std::string_view value) {
    check_not_sent("set_header");
    check_field(name, value);
    headers_.set(name, value);
}

void Response::add_header(std::string_view name, std::string_view value) {
    check_not_sent("add_header");
    check_field(name, value);
    headers_.add(name, value);
}

void Response::set_body(std::string_view body) {
    check_not_sent("set_body");
    body_.assign(body);
}

void Response::set_body(std::string_view body, std::string_view content_type) {
    set_body(body);
    set_header("Content-Type", content_type);
}

void Response::write(net::ConstBuffer data) {
    if (exchange_ == nullptr) {
        throw std::logic_error("weft::http::Response::write: not part of a server exchange");
    }
    std::error_code ec;
    exchange_->write(data, ec);
    if (ec) {
        weft::detail::throw_error(ec, "http::Response::write");
    }
}

void Response::flush() {
    if (exchange_ == nullptr) {
        return;
    }
    std::error_code ec;
    if (!head_sent_) {
        exchange_->write({}, ec);
    }
    if (!ec) {
        exchange_->flush(ec);
    }
    if (ec) {
        weft::detail::throw_error(ec, "http::Response::flush");
    }
}

}  // namespace weft::http
