#pragma once

// Drives an HTTP parser the way a buffered reader does, over an input delivered in chunks,
// and records what came out, checking every ParseResult against the parser's contract on the
// way (views inside the input, consumed <= input, body views non-empty). Tests compare the
// outcome of (a) the whole input, (b) the input split at every byte offset and (c) one byte
// at a time: all must be equal, and equal to the table's expectation.
#include <algorithm>
#include <cstddef>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/http/parser.hpp>
#include <weft/http/status.hpp>

namespace weft::test {

using Fields = std::vector<std::pair<std::string, std::string>>;

struct HttpMessage {
    std::string start;  // "GET / 1.1" or "200 OK 1.1"
    Fields headers;
    std::string body;
    Fields trailers;
    bool keep_alive = false;
    http::BodyKind kind = http::BodyKind::none;
    bool complete = false;
    bool operator==(const HttpMessage&) const = default;
};

struct HttpOutcome {
    std::vector<HttpMessage> messages;
    http::errc error{};
    std::size_t leftover = 0;  // bytes still buffered at the end
    bool operator==(const HttpOutcome&) const = default;
};

/// One line per message: "GET / 1.1 [close] [body=...] [trailers=k:v,...] [incomplete]",
/// joined by " | ".
inline std::string summary(const HttpOutcome& o) {
    std::string s;
    for (const HttpMessage& m : o.messages) {
        s += (s.empty() ? "" : " | ") + m.start;
        s += m.keep_alive ? "" : " close";
        s += m.body.empty() ? "" : " body=" + m.body;
        for (std::size_t i = 0; i < m.trailers.size(); ++i) {
            s += (i ? "," : " trailers=") + m.trailers[i].first + ":" + m.trailers[i].second;
        }
        s += m.complete ? "" : " incomplete";
    }
    return s;
}

inline std::ostream& operator<<(std::ostream& os, const HttpOutcome& o) {
    return os << "{" << summary(o) << "; error " << static_cast<int>(o.error) << " '"
              << (o.error == http::errc{} ? "" : make_error_code(o.error).message())
              << "'; leftover " << o.leftover << "}";
}

inline std::span<const std::byte> as_bytes(std::string_view s) {
    return std::as_bytes(std::span{s.data(), s.size()});
}

inline bool inside(std::string_view part, std::span<const std::byte> whole) {
    const auto* b = reinterpret_cast<const char*>(whole.data());
    return part.empty() || (part.data() >= b && part.data() + part.size() <= b + whole.size());
}

inline bool inside(std::span<const std::byte> part, std::span<const std::byte> whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

inline Fields copy_fields(std::span<const http::Header> fields, std::span<const std::byte> in) {
    Fields out;
    for (const http::Header& h : fields) {
        REQUIRE(inside(h.name, in));
        REQUIRE(inside(h.value, in));
        out.emplace_back(h.name, h.value);
    }
    return out;
}

inline std::string start_of(const http::RequestParser& p, std::span<const std::byte> in) {
    REQUIRE(inside(p.head().method, in));
    REQUIRE(inside(p.head().target, in));
    return std::string{p.head().method} + " " + std::string{p.head().target} + " 1." +
           std::to_string(p.head().version_minor);
}

inline std::string start_of(const http::ResponseParser& p, std::span<const std::byte> in) {
    REQUIRE(inside(p.head().reason, in));
    return std::to_string(p.head().status) + " " + std::string{p.head().reason} + " 1." +
           std::to_string(p.head().version_minor);
}

/// Records one result; false once the stream is over (error).
template <class Parser>
bool record(Parser& p, const http::ParseResult& r, std::span<const std::byte> in,
            HttpOutcome& out) {
    using S = http::ParseResult::Status;
    REQUIRE(r.consumed <= in.size());
    const auto used = in.first(r.consumed);
    switch (r.status) {
        case S::need_more:
            REQUIRE(!r.error);
            return true;
        case S::error:
            REQUIRE(r.error.category() == http::error_category());
            REQUIRE(r.consumed == 0);
            out.error = static_cast<http::errc>(r.error.value());
            return false;
        case S::head: {
            REQUIRE(r.consumed > 0);
            HttpMessage m;
            m.start = start_of(p, used);
            m.headers = copy_fields(p.head().headers, used);
            m.keep_alive = p.head().keep_alive;
            m.kind = p.head().body;
            out.messages.push_back(std::move(m));
            return true;
        }
        case S::body:
            REQUIRE(!out.messages.empty());
            REQUIRE(!r.body.empty());
            REQUIRE(inside(r.body, used));
            out.messages.back().body.append(reinterpret_cast<const char*>(r.body.data()),
                                            r.body.size());
            return true;
        case S::done:
            REQUIRE(!out.messages.empty());
            out.messages.back().trailers = copy_fields(p.trailers(), used);
            out.messages.back().complete = true;
            return true;
    }
    return false;
}

/// Feeds `input` in chunks of the given sizes (the rest as a last chunk), parsing after each
/// until need_more; then, if `at_eof`, calls finish().
template <class Parser>
HttpOutcome feed(Parser& parser, std::string_view input, const std::vector<std::size_t>& chunks,
                 bool at_eof) {
    HttpOutcome out;
    std::string buffer;
    std::size_t delivered = 0;
    auto step = [&] {
        for (int guard = 0; guard < 1'000'000; ++guard) {
            const auto view = as_bytes(buffer);
            const http::ParseResult r = parser.parse(view);
            if (!record(parser, r, view, out)) {
                return false;
            }
            buffer.erase(0, r.consumed);
            if (r.status == http::ParseResult::Status::need_more) {
                return true;
            }
        }
        FAIL("the parser never asked for more input");
        return false;
    };
    std::vector<std::size_t> sizes = chunks;
    sizes.push_back(input.size());
    for (std::size_t n : sizes) {
        n = std::min(n, input.size() - delivered);
        buffer.append(input.substr(delivered, n));
        delivered += n;
        if (!step()) {
            return out;
        }
    }
    if (at_eof) {
        const http::ParseResult r = parser.finish();
        REQUIRE(r.consumed == 0);
        record(parser, r, as_bytes(buffer), out);
    }
    out.leftover = buffer.size();
    return out;
}

/// (a) whole, (b) split at every offset, (c) byte by byte, each with a fresh parser; all must
/// give the same outcome. Returns it.
template <class Make>
HttpOutcome run_all_splits(Make make, std::string_view input, bool at_eof) {
    auto whole_parser = make();
    const HttpOutcome whole = feed(whole_parser, input, {input.size()}, at_eof);
    for (std::size_t k = 0; k <= input.size(); ++k) {
        INFO("split at " << k);
        auto p = make();
        CHECK(feed(p, input, {k}, at_eof) == whole);
    }
    INFO("one byte at a time");
    auto p = make();
    CHECK(feed(p, input, std::vector<std::size_t>(input.size(), 1), at_eof) == whole);
    return whole;
}

}  // namespace weft::test
