// What a complete head means (RFC 9112 §6, §9.3; RFC 9110 §7.2): body framing, keep-alive,
// Host. Checked in this order, so that a head with several faults always gets the same one:
//
//   1. Transfer-Encoding in an HTTP/1.0 message              bad_transfer_encoding (§6.1)
//   2. both Content-Length and Transfer-Encoding             content_length_and_transfer_encoding
//   3. Content-Length not 1*DIGIT, overflowing, or repeated  bad_content_length
//      (identical repeats too: §6.3 lets a recipient reject them, and one rule is simpler
//      to audit than a comparison)
//   4. Transfer-Encoding: an empty list, chunked not last,   bad_transfer_encoding
//      chunked twice or with parameters
//      any other coding (gzip, ...), chunked last            unsupported_transfer_coding (501)
//   5. requests: HTTP/1.1 without Host, two Host lines, a    bad_host
//      Host value with a byte outside RFC 3986's authority
//   6. Content-Length above max_body (when there is a body)  body_too_large
#include <weft/http/detail/message_parser.hpp>

#include "chars.hpp"

namespace weft::http::detail {

namespace {

// Calls fn(element) for each non-empty element of a comma-separated list (RFC 9110 §5.6.1:
// empty elements are allowed and ignored), OWS trimmed.
template <class Fn>
void for_each_element(std::string_view list, Fn fn) {
    while (!list.empty()) {
        const std::size_t comma = list.find(',');
        std::string_view e = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view{} : list.substr(comma + 1);
        while (!e.empty() && is_ws(static_cast<unsigned char>(e.front()))) {
            e.remove_prefix(1);
        }
        while (!e.empty() && is_ws(static_cast<unsigned char>(e.back()))) {
            e.remove_suffix(1);
        }
        if (!e.empty()) {
            fn(e);
        }
    }
}

// The transfer codings of every Transfer-Encoding line, in order.
struct Codings {
    std::size_t count = 0;
    bool last_is_chunked = false;
    bool malformed = false;  // chunked not last / twice / with parameters, or not a token
    bool other = false;      // a coding we do not decode

    void add(std::string_view coding) noexcept {
        const std::size_t semi = coding.find(';');
        std::string_view name = coding.substr(0, semi);
        while (!name.empty() && is_ws(static_cast<unsigned char>(name.back()))) {
            name.remove_suffix(1);
        }
        const bool chunked = iequals(name, "chunked");
        if (!is_token(name) || last_is_chunked || (chunked && semi != std::string_view::npos)) {
            malformed = true;
        }
        other = other || !chunked;
        last_is_chunked = chunked;
        ++count;
    }

    errc check() const noexcept {
        if (malformed || count == 0 || !last_is_chunked) {
            return errc::bad_transfer_encoding;
        }
        return other ? errc::unsupported_transfer_coding : errc{};
    }
};

// 1*DIGIT without overflow.
bool parse_length(std::string_view v, std::uint64_t& out) noexcept {
    if (v.empty()) {
        return false;
    }
    std::uint64_t n = 0;
    for (char c : v) {
        if (!digit(c) || n > (UINT64_MAX - 9) / 10) {
            return false;
        }
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    out = n;
    return true;
}

bool valid_host(std::string_view v) noexcept {
    for (char c : v) {
        if (!is(static_cast<unsigned char>(c), host)) {
            return false;
        }
    }
    return true;
}

struct Semantics {
    Codings codings;
    bool has_te = false;
    std::size_t lengths = 0;
    std::string_view length;
    std::size_t hosts = 0;
    std::string_view host_value;
    bool close = false;
    bool keep_alive = false;
    bool expect_continue = false;

    void add(const Header& h, bool request) noexcept {
        if (iequals(h.name, "content-length")) {
            ++lengths;
            length = h.value;
        } else if (iequals(h.name, "transfer-encoding")) {
            has_te = true;
            for_each_element(h.value, [&](std::string_view e) { codings.add(e); });
        } else if (iequals(h.name, "connection")) {
            for_each_element(h.value, [&](std::string_view e) {
                close = close || iequals(e, "close");
                keep_alive = keep_alive || iequals(e, "keep-alive");
            });
        } else if (request && iequals(h.name, "host")) {
            ++hosts;
            host_value = h.value;
        } else if (request && iequals(h.name, "expect")) {
            expect_continue = expect_continue || iequals(h.value, "100-continue");
        }
    }
};

}  // namespace

errc MessageParser::apply_rules(MessageHead& head) noexcept {
    const bool request = kind_ == Kind::request;
    Semantics s;
    for (const Header& h : head.headers) {
        s.add(h, request);
    }
    if (s.has_te && head.version_minor == 0) {
        return errc::bad_transfer_encoding;
    }
    if (s.has_te && s.lengths > 0) {
        return errc::content_length_and_transfer_encoding;
    }
    if (s.lengths > 1 || (s.lengths == 1 && !parse_length(s.length, head.content_length))) {
        return errc::bad_content_length;
    }
    if (s.has_te) {
        if (const errc e = s.codings.check(); e != errc{}) {
            return e;
        }
    }
    if (request &&
        (s.hosts > 1 || (s.hosts == 0 && head.version_minor >= 1) || !valid_host(s.host_value))) {
        return errc::bad_host;
    }
    head.keep_alive = head.version_minor >= 1 ? !s.close : s.keep_alive && !s.close;
    if (request) {
        request_.expect_continue = s.expect_continue && head.version_minor >= 1;
    }
    return choose_body(head, s.has_te, s.lengths == 1);
}

// RFC 9112 §6.3, in its order, and the phase that reads the body.
errc MessageParser::choose_body(MessageHead& head, bool has_te, bool has_length) noexcept {
    if (kind_ == Kind::response) {
        const int status = response_.status;
        const bool tunnel = connect_request_ && status >= 200 && status < 300;
        response_.upgrade = status == 101 || tunnel;
        if (response_.upgrade) {
            head.keep_alive = false;
        }
        if (head_request_ || status < 200 || status == 204 || status == 304 || tunnel) {
            head.body = BodyKind::none;
            phase_ = Phase::body_none;
            return {};
        }
    }
    if (has_te) {
        head.body = BodyKind::chunked;
        phase_ = Phase::body_chunked;
        chunk_ = Chunk::size;
        chunk_size_ = 0;
        chunk_digits_ = 0;
        chunk_line_ = 0;
        body_total_ = 0;
    } else if (has_length) {
        if (head.content_length > limits_.max_body) {
            return errc::body_too_large;
        }
        head.body = BodyKind::content_length;
        phase_ = Phase::body_length;
        remaining_ = head.content_length;
    } else if (kind_ == Kind::response) {
        head.body = BodyKind::until_close;
        head.keep_alive = false;
        phase_ = Phase::body_close;
        body_total_ = 0;
    } else {
        head.body = BodyKind::none;
        phase_ = Phase::body_none;
    }
    return {};
}

}  // namespace weft::http::detail
