#pragma once

// Shared by the HTTP fuzz targets: drives a RequestParser / ResponseParser over one byte
// stream delivered in chunks (as a reader would), checks every ParseResult against the
// parser's contract, and records the messages by content, so that runs with different
// chunkings compare equal. A broken invariant prints what broke and aborts (a finding).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <weft/http/parser.hpp>

#include "fuzz_driver.hpp"  // WEFT_FUZZ_CHECK, within()

namespace weft::fuzz {

struct HttpMessage {
    std::string start;
    std::vector<std::string> fields;  // "name:value", head then "|", then trailers
    std::string body;
    bool keep_alive = false;
    bool complete = false;
    bool operator==(const HttpMessage&) const = default;
};

struct HttpOutcome {
    std::vector<HttpMessage> messages;
    std::error_code error;
    std::size_t leftover = 0;
    bool operator==(const HttpOutcome&) const = default;
};

inline bool inside(std::string_view part, Bytes whole) {
    return within(std::as_bytes(std::span{part.data(), part.size()}), whole);
}

inline void check_fields(std::span<const http::Header> fields, Bytes used,
                         std::vector<std::string>& out) {
    for (const http::Header& h : fields) {
        WEFT_FUZZ_CHECK(!h.name.empty() && inside(h.name, used) && inside(h.value, used));
        WEFT_FUZZ_CHECK(h.name.find_first_of(" \t\r\n:") == std::string_view::npos);
        WEFT_FUZZ_CHECK(h.value.find_first_of(std::string_view{"\r\n\0", 3}) ==
                        std::string_view::npos);
        WEFT_FUZZ_CHECK(h.value.empty() || (h.value.front() != ' ' && h.value.back() != ' ' &&
                                            h.value.front() != '\t' && h.value.back() != '\t'));
        out.push_back(std::string{h.name} + ":" + std::string{h.value});
    }
}

inline std::string start_of(const http::RequestParser& p, Bytes used) {
    WEFT_FUZZ_CHECK(inside(p.head().method, used) && inside(p.head().target, used));
    WEFT_FUZZ_CHECK(!p.head().method.empty() && !p.head().target.empty());
    return std::string{p.head().method} + " " + std::string{p.head().target};
}

inline std::string start_of(const http::ResponseParser& p, Bytes used) {
    WEFT_FUZZ_CHECK(inside(p.head().reason, used));
    WEFT_FUZZ_CHECK(p.head().status >= 100 && p.head().status <= 599);
    return std::to_string(p.head().status) + " " + std::string{p.head().reason};
}

/// Checks and records one result; false once the stream is over (error).
template <class Parser>
bool record(Parser& p, const http::ParseResult& r, Bytes in, HttpOutcome& out) {
    using S = http::ParseResult::Status;
    WEFT_FUZZ_CHECK(r.consumed <= in.size());
    const Bytes used = in.first(r.consumed);
    const http::Limits& limits = p.limits();
    switch (r.status) {
        case S::need_more:
            WEFT_FUZZ_CHECK(!r.error && r.body.empty());
            return true;
        case S::error:
            WEFT_FUZZ_CHECK(r.error.category() == http::error_category() && r.consumed == 0);
            out.error = r.error;
            return false;
        case S::head: {
            WEFT_FUZZ_CHECK(r.consumed > 0 && r.consumed <= p.max_head_size());
            const auto& h = p.head();
            WEFT_FUZZ_CHECK(h.headers.size() <= limits.max_headers);
            WEFT_FUZZ_CHECK(h.body != http::BodyKind::until_close || !h.keep_alive);
            HttpMessage m;
            m.start = start_of(p, used);
            check_fields(h.headers, used, m.fields);
            m.keep_alive = h.keep_alive;
            out.messages.push_back(std::move(m));
            return true;
        }
        case S::body: {
            WEFT_FUZZ_CHECK(!out.messages.empty() && !r.body.empty() && within(r.body, used));
            std::string& body = out.messages.back().body;
            body.append(reinterpret_cast<const char*>(r.body.data()), r.body.size());
            WEFT_FUZZ_CHECK(body.size() <= limits.max_body);
            return true;
        }
        case S::done: {
            WEFT_FUZZ_CHECK(!out.messages.empty());
            HttpMessage& m = out.messages.back();
            WEFT_FUZZ_CHECK(!m.complete);
            if (p.head().body == http::BodyKind::content_length) {
                WEFT_FUZZ_CHECK(m.body.size() == p.head().content_length);
            }
            if (p.head().body == http::BodyKind::none) {
                WEFT_FUZZ_CHECK(m.body.empty());
            }
            m.fields.push_back("|");
            check_fields(p.trailers(), used, m.fields);
            WEFT_FUZZ_CHECK(p.head().headers.size() + p.trailers().size() <= limits.max_headers);
            m.complete = true;
            return true;
        }
    }
    WEFT_FUZZ_CHECK(false && "unknown status");
    return false;
}

/// Feeds the stream in chunks (chunk(i) bytes at the i-th delivery), parsing until need_more
/// after each, then finish().
template <class Parser, class Chunk>
HttpOutcome drive_http(Parser& parser, Bytes stream, Chunk chunk) {
    HttpOutcome out;
    std::vector<std::byte> buffer;  // received, not consumed
    std::size_t delivered = 0;
    for (std::size_t i = 0; delivered < stream.size(); ++i) {
        const std::size_t n =
            std::min(stream.size() - delivered, std::max<std::size_t>(1, chunk(i)));
        buffer.insert(buffer.end(), stream.begin() + static_cast<std::ptrdiff_t>(delivered),
                      stream.begin() + static_cast<std::ptrdiff_t>(delivered + n));
        delivered += n;
        for (std::size_t calls = 0;; ++calls) {
            WEFT_FUZZ_CHECK(calls <= 2 * stream.size() + 4);  // progress: no endless loop
            const Bytes view{buffer};
            const http::ParseResult r = parser.parse(view);
            if (!record(parser, r, view, out)) {
                return out;
            }
            buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.consumed));
            if (r.status == http::ParseResult::Status::need_more) {
                break;
            }
        }
    }
    const http::ParseResult r = parser.finish();
    WEFT_FUZZ_CHECK(r.consumed == 0 && r.status != http::ParseResult::Status::body &&
                    r.status != http::ParseResult::Status::head);
    record(parser, r, Bytes{buffer}, out);
    out.leftover = buffer.size();
    return out;
}

/// Whole, chunked by a seeded LCG, and byte by byte: all three must agree.
template <class Make>
void check_http_chunkings(Make make, Bytes stream, std::uint8_t seed) {
    auto whole_parser = make();
    const HttpOutcome whole =
        drive_http(whole_parser, stream, [&](std::size_t) { return stream.size(); });
    auto chunked_parser = make();
    std::uint32_t state = seed * 2654435761u + 1;  // as in fuzz_driver.hpp
    const HttpOutcome chunked = drive_http(chunked_parser, stream, [&](std::size_t) {
        state = state * 1664525u + 1013904223u;
        return std::size_t{1} + (state >> 24) % (seed % 32 + 1);
    });
    WEFT_FUZZ_CHECK(chunked == whole);
    auto bytewise_parser = make();
    const HttpOutcome bytewise =
        drive_http(bytewise_parser, stream, [](std::size_t) { return std::size_t{1}; });
    WEFT_FUZZ_CHECK(bytewise == whole);
}

/// Small limits from one byte (so the fuzzer reaches them), or the defaults for 255.
inline http::Limits fuzz_limits(std::uint8_t b) {
    if (b == 255) {
        return {};
    }
    http::Limits l;
    l.max_start_line = 8 + b % 64;
    l.max_header_bytes = 16 + (b >> 2) % 128;
    l.max_headers = 1 + b % 8;
    l.max_body = b % 97;
    l.max_chunk_line = 2 + b % 16;
    return l;
}

}  // namespace weft::fuzz
