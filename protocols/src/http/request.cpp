#include <algorithm>
#include <cstring>

#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>
#include <weft/http/request.hpp>

#include "exchange.hpp"

namespace weft::http {

std::string_view Request::path() const noexcept {
    const std::string_view t = target_;
    return t.substr(0, t.find('?'));
}

std::string_view Request::query() const noexcept {
    const std::string_view t = target_;
    const auto q = t.find('?');
    return q == std::string_view::npos ? std::string_view{} : t.substr(q + 1);
}

std::string_view Request::param(std::string_view name) const noexcept {
    for (const auto& [key, value] : params_) {
        if (key == name) {
            return value;
        }
    }
    return {};
}

std::optional<std::uint64_t> Request::content_length() const noexcept {
    if (body_kind_ != BodyKind::content_length) {
        return std::nullopt;
    }
    return content_length_;
}

net::ConstBuffer Request::read_body_some(std::error_code& ec) noexcept {
    if (exchange_ == nullptr) {
        ec.clear();
        return {};
    }
    return exchange_->read_body_some(ec);
}

net::ConstBuffer Request::read_body_some() {
    std::error_code ec;
    const net::ConstBuffer piece = read_body_some(ec);
    if (ec) {
        weft::detail::throw_error(ec, "http::Request::read_body");
    }
    return piece;
}

std::size_t Request::read_body(net::MutableBuffer out) {
    if (out.empty()) {
        return 0;
    }
    // The exchange hands out whole pieces; what does not fit in `out` waits in pending_.
    if (pending_.empty()) {
        pending_ = read_body_some();
    }
    const std::size_t n = std::min(out.size(), pending_.size());
    std::memcpy(out.data(), pending_.data(), n);
    pending_ = pending_.subspan(n);
    return n;
}

std::string Request::read_body_all() {
    std::string body;
    body.append(pending_.empty() ? std::string_view{} : net::as_string(pending_));
    pending_ = {};
    while (true) {
        const net::ConstBuffer piece = read_body_some();
        if (piece.empty()) {
            return body;
        }
        body.append(net::as_string(piece));
    }
}

bool Request::body_done() const noexcept {
    return pending_.empty() && (exchange_ == nullptr || exchange_->body_done());
}

std::optional<std::string> percent_decode(std::string_view text) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    };
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size()) {
            return std::nullopt;
        }
        const int hi = hex(text[i + 1]);
        const int lo = hex(text[i + 2]);
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            return std::nullopt;  // malformed, or an encoded NUL
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

}  // namespace weft::http
