// Url parsing and reference resolution (RFC 3986 §3, §5.2), restricted to what an http
// client sends: no userinfo, no percent-decoding (the path goes out as it came), and only
// visible ASCII in a target, so that nothing a server sent us can inject a CR/LF into the
// next request line.
#include <algorithm>
#include <charconv>
#include <vector>

#include <weft/http/url.hpp>

namespace weft::http {

namespace {

bool is_alpha(char c) noexcept {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_digit(char c) noexcept {
    return c >= '0' && c <= '9';
}
char lower(char c) noexcept {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}
bool visible(std::string_view s) noexcept {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < '\x7f'; });
}

// The scheme of an absolute reference ("http" of "http://x"), or "" if `s` has none.
std::string_view scheme_of(std::string_view s) noexcept {
    if (s.empty() || !is_alpha(s[0])) {
        return {};
    }
    for (std::size_t i = 1; i < s.size(); ++i) {
        const char c = s[i];
        if (c == ':') {
            return s.substr(0, i);
        }
        if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') {
            return {};
        }
    }
    return {};
}

std::string_view drop_fragment(std::string_view s) noexcept {
    return s.substr(0, s.find('#'));
}

bool valid_reg_name(std::string_view h) noexcept {
    return !h.empty() && std::all_of(h.begin(), h.end(), [](char c) {
        return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
    });
}

bool valid_ipv6(std::string_view h) noexcept {
    return h.find(':') != std::string_view::npos && std::all_of(h.begin(), h.end(), [](char c) {
               return is_digit(c) || (lower(c) >= 'a' && lower(c) <= 'f') || c == ':' || c == '.';
           });
}

// "host[:port]" or "[v6][:port]" into url.host and url.port.
std::error_code parse_authority(std::string_view a, Url& url) {
    if (a.find('@') != std::string_view::npos) {
        return client_errc::userinfo_not_supported;
    }
    std::string_view host = a;
    std::string_view port;
    if (a.starts_with('[')) {
        const std::size_t close = a.find(']');
        if (close == std::string_view::npos || !valid_ipv6(a.substr(1, close - 1))) {
            return client_errc::invalid_url;
        }
        host = a.substr(1, close - 1);
        std::string_view rest = a.substr(close + 1);
        if (!rest.empty() && !rest.starts_with(':')) {
            return client_errc::invalid_url;
        }
        port = rest.empty() ? rest : rest.substr(1);
    } else if (const std::size_t colon = a.find(':'); colon != std::string_view::npos) {
        host = a.substr(0, colon);
        port = a.substr(colon + 1);
    }
    if (!a.starts_with('[') && !valid_reg_name(host)) {
        return client_errc::invalid_url;
    }
    unsigned value = 80;
    if (!port.empty()) {
        const auto [end, err] = std::from_chars(port.data(), port.data() + port.size(), value);
        if (err != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535 ||
            !is_digit(port[0])) {
            return client_errc::invalid_url;
        }
    }
    url.host.assign(host);
    std::transform(url.host.begin(), url.host.end(), url.host.begin(), lower);
    url.port = static_cast<std::uint16_t>(value);
    return {};
}

// RFC 3986 §5.2.4 on a path that starts with '/'.
std::string remove_dot_segments(std::string_view path) {
    std::vector<std::string_view> out;
    bool trailing_slash = false;
    std::size_t i = 1;
    while (i <= path.size()) {
        const std::size_t end = std::min(path.find('/', i), path.size());
        const std::string_view seg = path.substr(i, end - i);
        trailing_slash = seg == "." || seg == "..";
        if (seg == "..") {
            if (!out.empty()) {
                out.pop_back();
            }
        } else if (seg != ".") {
            out.push_back(seg);
        }
        i = end + 1;
    }
    std::string result;
    for (const auto seg : out) {
        result += '/';
        result += seg;
    }
    if (trailing_slash || result.empty()) {
        result += '/';
    }
    return result;
}

// "/path?query" with dot segments removed from the path.
std::string normalize_target(std::string_view target) {
    const std::size_t q = target.find('?');
    std::string out = remove_dot_segments(target.substr(0, q));
    if (q != std::string_view::npos) {
        out += target.substr(q);
    }
    return out;
}

std::error_code parse_into(std::string_view text, Url& url) {
    text = drop_fragment(text);
    const std::string_view scheme = scheme_of(text);
    if (scheme.empty() || text.substr(scheme.size(), 3) != "://") {
        return client_errc::invalid_url;
    }
    std::string s{scheme};
    std::transform(s.begin(), s.end(), s.begin(), lower);
    if (s != "http") {
        return s == "https" ? client_errc::https_not_supported : client_errc::unsupported_scheme;
    }
    if (!visible(text)) {
        return client_errc::invalid_url;
    }
    const std::string_view rest = text.substr(scheme.size() + 3);
    const std::size_t end = std::min(rest.find_first_of("/?"), rest.size());
    if (std::error_code ec = parse_authority(rest.substr(0, end), url)) {
        return ec;
    }
    const std::string_view target = rest.substr(end);
    if (target.starts_with('/')) {
        url.target = normalize_target(target);
    } else {  // "http://h?q": the path is empty, so "/"
        url.target.assign(target);
        url.target.insert(url.target.begin(), '/');
    }
    return {};
}

[[noreturn]] void throw_url_error(std::error_code ec, std::string_view text) {
    throw std::system_error(ec, "invalid URL '" + std::string{text} + "'");
}

}  // namespace

Url Url::parse(std::string_view text, std::error_code& ec) {
    Url url;
    ec = parse_into(text, url);
    return ec ? Url{} : url;
}

Url Url::parse(std::string_view text) {
    std::error_code ec;
    Url url = parse(text, ec);
    if (ec) {
        throw_url_error(ec, text);
    }
    return url;
}

std::string Url::authority() const {
    std::string a = is_ipv6() ? "[" + host + "]" : host;
    if (port != 80) {
        a += ':';
        a += std::to_string(port);
    }
    return a;
}

std::string Url::to_string() const {
    return "http://" + authority() + target;
}

Url resolve_reference(const Url& base, std::string_view location, std::error_code& ec) {
    ec.clear();
    location = drop_fragment(location);
    if (!scheme_of(location).empty()) {
        return Url::parse(location, ec);
    }
    if (location.starts_with("//")) {
        return Url::parse("http:" + std::string{location}, ec);
    }
    if (!visible(location)) {
        ec = client_errc::invalid_url;
        return {};
    }
    Url url = base;
    if (location.empty()) {
        return url;
    }
    const std::string_view base_path = std::string_view{base.target}.substr(
        0, std::min(base.target.find('?'), base.target.size()));
    if (location.starts_with('/')) {
        url.target = normalize_target(location);
    } else if (location.starts_with('?')) {
        url.target = std::string{base_path} + std::string{location};
    } else {
        const std::string_view dir = base_path.substr(0, base_path.rfind('/') + 1);
        url.target = normalize_target(std::string{dir} + std::string{location});
    }
    return url;
}

Url resolve_reference(const Url& base, std::string_view location) {
    std::error_code ec;
    Url url = resolve_reference(base, location, ec);
    if (ec) {
        throw_url_error(ec, location);
    }
    return url;
}

}  // namespace weft::http
