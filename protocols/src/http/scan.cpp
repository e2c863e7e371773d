// The head / trailer section scanner: one pass, one byte at a time, resumable.
//
// A section is a request line or status line followed by field lines and an empty line
// (the head), or field lines and an empty line alone (a chunked body's trailers). Offsets
// are relative to the section's first byte; nothing is consumed until the section is
// complete, so the caller passes the same bytes grown at the end and scanned_ says where
// to resume. Every decision depends only on the bytes before it, never on how they were
// split, so an error comes at the same byte offset whatever the chunking.
//
//   state         byte                          next / action
//   lead_lf       LF                            method (an empty line before a request
//                                               line is skipped, RFC 9112 §2.2)
//   method        tchar | SP (non-empty)        method | target;  CR (empty) -> lead_lf
//   target        target char | SP (non-empty)  target | req_version (form checked)
//   req_version   VCHAR (<= 8) | CR             req_version | start_lf (version checked)
//   resp_version  VCHAR (<= 8) | SP             resp_version | status_code
//   status_code   DIGIT (3) | SP                status_code | reason (100..599)
//   reason        HTAB SP VCHAR obs-text | CR   reason | start_lf
//   start_lf      LF                            line_begin
//   line_begin    tchar | CR | SP HTAB          name | end_lf | error obs_fold
//   name          tchar | ":" | SP HTAB         name | value_ows | error whitespace_before_colon
//   value_ows     SP HTAB | VCHAR | CR          value_ows | value | value_lf (empty value)
//   value         VCHAR obs-text SP HTAB | CR   value | value_lf
//   value_lf      LF                            line_begin (field stored)
//   end_lf        LF                            complete
//
// Everywhere: LF outside the *_lf states is errc::bare_lf; a byte other than LF in a *_lf
// state is errc::bare_cr; any other byte not listed is the state's error. Limits: a byte
// before the start line's CR at offset >= max_start_line is start_line_too_long; a byte of
// the field section at offset >= max_header_bytes (from the first field line) is
// headers_too_large; a field line beginning when max_headers fields are stored is
// too_many_headers.
#include <algorithm>

#include <weft/http/detail/message_parser.hpp>

#include "chars.hpp"

namespace weft::http::detail {

namespace {

bool in_start_line(Scan s) noexcept {
    return s < Scan::start_lf;
}

bool expects_lf(Scan s) noexcept {
    return s == Scan::lead_lf || s == Scan::start_lf || s == Scan::value_lf || s == Scan::end_lf;
}

// "HTTP/" DIGIT "." DIGIT; sets the minor version.
errc check_version(std::string_view v, int& minor) noexcept {
    if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !digit(v[5]) || v[6] != '.' || !digit(v[7])) {
        return errc::bad_version;
    }
    if (v[5] != '1') {
        return errc::unsupported_version;
    }
    minor = v[7] - '0';
    return {};
}

bool valid_percent_escapes(std::string_view s) noexcept {
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%') {
            if (i + 2 >= s.size()) {
                return false;
            }
            const auto a = static_cast<unsigned char>(s[i + 1]);
            const auto b = static_cast<unsigned char>(s[i + 2]);
            if (!is(a, hexdig) || !is(b, hexdig)) {
                return false;
            }
            i += 2;
        }
    }
    return true;
}

// authority-form (RFC 9112 §3.2.3): uri-host ":" port, as CONNECT needs.
bool authority_form(std::string_view t) noexcept {
    const std::size_t colon = t.rfind(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == t.size()) {
        return false;
    }
    const std::string_view port = t.substr(colon + 1);
    const std::string_view host = t.substr(0, colon);
    return std::all_of(port.begin(), port.end(), [](char c) { return digit(c); }) &&
           host.find_first_of("/?@") == std::string_view::npos;
}

// absolute-form starts with a scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) ":".
bool absolute_form(std::string_view t) noexcept {
    const std::size_t colon = t.find(':');
    if (colon == std::string_view::npos || colon == 0 || !alpha(t[0])) {
        return false;
    }
    return std::all_of(t.begin(), t.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
        return alpha(c) || digit(c) || c == '+' || c == '-' || c == '.';
    });
}

std::string_view text(const unsigned char* p, Run r) noexcept {
    return {reinterpret_cast<const char*>(p) + r.at, r.size};
}

}  // namespace

void MessageParser::start_section() noexcept {
    first_field_ = phase_ == Phase::trailers ? count_ : 0;
    restart_section();
}

void MessageParser::restart_section() noexcept {
    state_ = phase_ == Phase::trailers ? Scan::line_begin
             : kind_ == Kind::request  ? Scan::method
                                       : Scan::resp_version;
    scanned_ = 0;
    fields_at_ = 0;
    mark_ = 0;
    count_ = first_field_;
    status_ = 0;
    version_minor_ = 1;
}

errc MessageParser::check_target(const unsigned char* p) const noexcept {
    const std::string_view t = text(p, target_);
    const std::string_view method = text(p, method_);
    if (!valid_percent_escapes(t)) {
        return errc::bad_target;
    }
    if (method == "CONNECT") {
        return authority_form(t) ? errc{} : errc::bad_target;
    }
    if (t == "*") {
        return method == "OPTIONS" ? errc{} : errc::bad_target;
    }
    return t[0] == '/' || absolute_form(t) ? errc{} : errc::bad_target;
}

// One byte of the request line or status line (the states before start_lf).
errc MessageParser::scan_start_line(const unsigned char* p, std::size_t i) noexcept {
    const unsigned char c = p[i];
    const std::size_t len = i - mark_;
    switch (state_) {
        case Scan::lead_lf:
            mark_ = i + 1;
            state_ = Scan::method;
            return {};
        case Scan::method:
            if (is(c, tchar)) {
                return {};
            }
            if (c == '\r' && len == 0) {
                state_ = Scan::lead_lf;
                return {};
            }
            if (c != ' ' || len == 0) {
                return errc::bad_method;
            }
            method_ = {mark_, len};
            mark_ = i + 1;
            state_ = Scan::target;
            return {};
        case Scan::target:
            if (is(c, target)) {
                return {};
            }
            if (c == '\r') {
                return errc::bad_version;  // "GET /" with no version (HTTP/0.9)
            }
            if (c != ' ' || len == 0) {
                return errc::bad_target;
            }
            target_ = {mark_, len};
            mark_ = i + 1;
            state_ = Scan::req_version;
            return check_target(p);
        case Scan::req_version:
            if (c == '\r') {
                state_ = Scan::start_lf;
                return check_version(text(p, {mark_, len}), version_minor_);
            }
            return is(c, field_vchar) && c < 0x80 && len < 8 ? errc{} : errc::bad_version;
        case Scan::resp_version:
            if (c == ' ') {
                const errc e = check_version(text(p, {mark_, len}), version_minor_);
                mark_ = i + 1;
                state_ = Scan::status_code;
                return e;
            }
            return is(c, field_vchar) && c < 0x80 && len < 8 ? errc{} : errc::bad_version;
        case Scan::status_code:
            if (digit(c) && len < 3) {
                status_ = status_ * 10 + (c - '0');
                return {};
            }
            if (c != ' ' || len != 3 || status_ < 100 || status_ > 599) {
                return errc::bad_status;
            }
            mark_ = i + 1;
            state_ = Scan::reason;
            return {};
        default:  // Scan::reason
            if (c == '\r') {
                reason_ = {mark_, len};
                state_ = Scan::start_lf;
                return {};
            }
            return is(c, field_vchar) || is_ws(c) ? errc{} : errc::bad_status;
    }
}

// One byte from start_lf on: the field lines and the empty line that ends the section.
errc MessageParser::scan_field_line(unsigned char c, std::size_t i) noexcept {
    switch (state_) {
        case Scan::start_lf:
            fields_at_ = i + 1;
            state_ = Scan::line_begin;
            return {};
        case Scan::line_begin:
            if (c == '\r') {
                state_ = Scan::end_lf;
                return {};
            }
            if (is_ws(c)) {
                return errc::obs_fold;
            }
            if (!is(c, tchar)) {
                return errc::bad_header_name;
            }
            if (count_ >= limits_.max_headers) {
                return errc::too_many_headers;
            }
            mark_ = i;
            state_ = Scan::name;
            return {};
        case Scan::name:
            if (is(c, tchar)) {
                return {};
            }
            if (c != ':') {
                return is_ws(c) ? errc::whitespace_before_colon : errc::bad_header_name;
            }
            runs_[count_].name = {mark_, i - mark_};
            runs_[count_].value = {i + 1, 0};
            state_ = Scan::value_ows;
            return {};
        case Scan::value_ows:
        case Scan::value:
            if (is(c, field_vchar)) {
                if (state_ == Scan::value_ows) {
                    mark_ = i;
                    state_ = Scan::value;
                }
                value_end_ = i + 1;
                return {};
            }
            if (is_ws(c)) {
                return {};
            }
            if (c != '\r') {
                return errc::bad_header_value;
            }
            if (state_ == Scan::value) {
                runs_[count_].value = {mark_, value_end_ - mark_};
            }
            state_ = Scan::value_lf;
            return {};
        case Scan::value_lf:
            ++count_;
            state_ = Scan::line_begin;
            return {};
        default:  // Scan::end_lf
            section_end_ = i + 1;
            return {};
    }
}

MessageParser::Scanned MessageParser::scan(Bytes in) noexcept {
    if (scanned_ > in.size()) {
        restart_section();  // not the bytes we scanned (a broken contract): start over
    }
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    for (std::size_t i = scanned_; i < in.size(); ++i) {
        const unsigned char c = p[i];
        errc e{};
        if (c == '\n' && !expects_lf(state_)) {
            e = errc::bare_lf;
        } else if (c != '\n' && expects_lf(state_)) {
            e = errc::bare_cr;
        } else if (in_start_line(state_)) {
            e = c != '\r' && i >= limits_.max_start_line ? errc::start_line_too_long
                                                         : scan_start_line(p, i);
        } else if (state_ != Scan::start_lf && i - fields_at_ >= limits_.max_header_bytes) {
            e = errc::headers_too_large;
        } else {
            const Scan before = state_;
            e = scan_field_line(c, i);
            if (before == Scan::end_lf) {
                scanned_ = i + 1;
                return Scanned::complete;
            }
        }
        if (e != errc{}) {
            fail(e);
            return Scanned::failed;
        }
    }
    scanned_ = in.size();
    return Scanned::more;
}

}  // namespace weft::http::detail
