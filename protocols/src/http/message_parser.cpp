// MessageParser: the phases of one message, and the body framings that need no decoder.
//
//   phase          parse(input)                                  next
//   head           scan the head; when complete, apply the rules  body_* by BodyKind
//                  and answer head (consumed = head size)
//   body_none      done (consumed 0)                             head
//   body_length    body = the next min(remaining, input) bytes;  head
//                  done once remaining is 0
//   body_chunked   chunked.cpp: body views, need_more consuming   trailers
//                  chunk framing
//   body_close     body = all input (up to max_body); done only  head
//                  at finish()
//   trailers       scan the trailer section; when complete, done  head
//   failed         the same error again (sticky until reset())   -
//
// Body views never extend past the limit: bytes beyond max_body are not delivered before
// the error, so the body bytes seen before an error do not depend on the chunking.
#include <algorithm>
#include <limits>

#include <weft/http/detail/message_parser.hpp>

#include "chars.hpp"

namespace weft::http {

const Header* MessageHead::find(std::string_view name) const noexcept {
    for (const Header& h : headers) {
        if (detail::iequals(h.name, name)) {
            return &h;
        }
    }
    return nullptr;
}

namespace detail {

namespace {

ParseResult result(ParseResult::Status s, std::size_t consumed, Bytes body = {}) noexcept {
    ParseResult r;
    r.status = s;
    r.consumed = consumed;
    r.body = body;
    return r;
}

}  // namespace

MessageParser::MessageParser(Kind kind, const Limits& limits)
    : kind_{kind}, limits_{limits}, runs_(limits.max_headers), fields_(limits.max_headers) {
    start_section();
}

std::size_t MessageParser::max_head_size() const noexcept {
    constexpr std::size_t max = std::numeric_limits<std::size_t>::max();
    const std::size_t line = limits_.max_start_line > max - 2 ? max : limits_.max_start_line + 2;
    return limits_.max_header_bytes > max - line ? max : line + limits_.max_header_bytes;
}

void MessageParser::reset() noexcept {
    phase_ = Phase::head;
    error_ = {};
    head_request_ = false;
    connect_request_ = false;
    start_section();
}

void MessageParser::set_request_method(std::string_view method) noexcept {
    head_request_ = method == "HEAD";
    connect_request_ = method == "CONNECT";
}

ParseResult MessageParser::fail(errc e) noexcept {
    phase_ = Phase::failed;
    error_ = e;
    ParseResult r = result(ParseResult::Status::error, 0);
    r.error = make_error_code(e);
    return r;
}

ParseResult MessageParser::done(std::size_t consumed) noexcept {
    if (kind_ == Kind::response && response_.status >= 200) {
        head_request_ = false;  // the request is answered; a 1xx leaves it pending
        connect_request_ = false;
    }
    phase_ = Phase::head;
    start_section();
    return result(ParseResult::Status::done, consumed);
}

std::span<const Header> MessageParser::materialize(Bytes in) noexcept {
    const char* p = reinterpret_cast<const char*>(in.data());
    for (std::size_t k = first_field_; k < count_; ++k) {
        const FieldRun& f = runs_[k];
        fields_[k] = {{p + f.name.at, f.name.size}, {p + f.value.at, f.value.size}};
    }
    return std::span<const Header>{fields_}.subspan(first_field_, count_ - first_field_);
}

ParseResult MessageParser::parse_head(Bytes in) noexcept {
    switch (scan(in)) {
        case Scanned::more:
            return result(ParseResult::Status::need_more, 0);
        case Scanned::failed:
            return fail(error_);
        case Scanned::complete:
            break;
    }
    const char* p = reinterpret_cast<const char*>(in.data());
    MessageHead* head = &request_;
    if (kind_ == Kind::request) {
        request_ = {};
        request_.method = {p + method_.at, method_.size};
        request_.target = {p + target_.at, target_.size};
    } else {
        response_ = {};
        response_.status = status_;
        response_.reason = {p + reason_.at, reason_.size};
        head = &response_;
    }
    head->version_minor = version_minor_;
    head->headers = materialize(in);
    trailers_ = {};
    if (const errc e = apply_rules(*head); e != errc{}) {
        return fail(e);
    }
    return result(ParseResult::Status::head, section_end_);
}

ParseResult MessageParser::parse_trailers(Bytes in, std::size_t from) noexcept {
    const Bytes section = in.subspan(from);
    switch (scan(section)) {
        case Scanned::more:
            return result(ParseResult::Status::need_more, from);
        case Scanned::failed:
            return fail(error_);
        case Scanned::complete:
            break;
    }
    trailers_ = materialize(section);
    return done(from + section_end_);
}

// Delivers up to `limit` more body bytes; an input beyond the limit is an error only once
// the limit is used up.
ParseResult MessageParser::body_bytes(Bytes in, std::uint64_t limit) noexcept {
    if (in.empty()) {
        return result(ParseResult::Status::need_more, 0);
    }
    if (limit == 0) {
        return fail(errc::body_too_large);
    }
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(limit, in.size()));
    return result(ParseResult::Status::body, n, in.first(n));
}

ParseResult MessageParser::parse(Bytes in) noexcept {
    switch (phase_) {
        case Phase::head:
            return parse_head(in);
        case Phase::body_none:
            return done(0);
        case Phase::body_length: {
            if (remaining_ == 0) {
                return done(0);
            }
            ParseResult r = body_bytes(in, remaining_);
            remaining_ -= r.body.size();
            return r;
        }
        case Phase::body_chunked:
            return parse_chunked(in);
        case Phase::body_close: {
            ParseResult r = body_bytes(in, limits_.max_body - body_total_);
            body_total_ += r.body.size();
            return r;
        }
        case Phase::trailers:
            return parse_trailers(in, 0);
        case Phase::failed:
            break;
    }
    ParseResult r = result(ParseResult::Status::error, 0);
    r.error = make_error_code(error_);
    return r;
}

ParseResult MessageParser::finish() noexcept {
    switch (phase_) {
        case Phase::head:
            if (scanned_ == 0) {
                return result(ParseResult::Status::need_more, 0);  // a clean close
            }
            break;
        case Phase::body_none:
        case Phase::body_close:
            return done(0);
        case Phase::body_length:
            if (remaining_ == 0) {
                return done(0);
            }
            break;
        case Phase::failed:
            return parse({});
        default:
            break;
    }
    return fail(errc::unexpected_eof);
}

}  // namespace detail
}  // namespace weft::http
