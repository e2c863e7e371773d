#pragma once

// Drives a framing parser the way a buffered reader does, over an input delivered in chunks,
// and records what came out. Tests compare the outcome of (a) the whole input at once,
// (b) the input split at every byte offset and (c) one byte at a time: all must be equal.
// Every parse() result is also checked against the ParseResult contract on the way.
#include <algorithm>
#include <cstddef>
#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/framing/errc.hpp>
#include <weft/framing/frame.hpp>

namespace weft::test {

struct Frame {
    std::string header;
    std::string payload;
    bool operator==(const Frame&) const = default;
};

struct Outcome {
    std::vector<Frame> frames;
    std::error_code error;     // the error that ended the stream, if any
    std::size_t leftover = 0;  // bytes still buffered (an incomplete frame) at the end
    bool operator==(const Outcome&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const Outcome& o) {
    os << "{frames:";
    for (const Frame& f : o.frames) {
        os << " [" << f.header.size() << "B header|" << f.payload << "]";
    }
    return os << ", error: '" << o.error.message() << "', leftover: " << o.leftover << "}";
}

inline std::span<const std::byte> bytes(std::string_view s) {
    return std::as_bytes(std::span{s.data(), s.size()});
}

inline std::string text(std::span<const std::byte> b) {
    return {reinterpret_cast<const char*>(b.data()), b.size()};
}

inline bool within(std::span<const std::byte> part, std::span<const std::byte> whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

/// Feeds `input` in chunks of the given sizes (the remainder, if any, as a last chunk) and
/// calls parse() after each chunk until it needs more. Stops at the first error.
template <class Parser>
Outcome feed(Parser& parser, std::string_view input, const std::vector<std::size_t>& chunks) {
    Outcome out;
    std::string buffer;  // received, not yet consumed; always starts at a frame boundary
    std::size_t delivered = 0;
    std::size_t wanted = 0;  // the last need_more's promise: nothing happens below this size
    auto deliver = [&](std::size_t n) {
        n = std::min(n, input.size() - delivered);
        buffer.append(input.substr(delivered, n));
        delivered += n;
    };
    auto step = [&]() -> bool {  // parse until need_more; false once an error ended the stream
        for (;;) {
            const std::span<const std::byte> view = bytes(buffer);
            const weft::framing::ParseResult r = parser.parse(view);
            using S = weft::framing::ParseResult::Status;
            if (r.status == S::need_more) {
                REQUIRE(r.wanted >= buffer.size() + 1);
                REQUIRE(r.wanted >= wanted);
                REQUIRE(r.consumed == 0);
                REQUIRE(!r.error);
                wanted = r.wanted;
                return true;
            }
            REQUIRE(buffer.size() >= wanted);  // need_more promised nothing below `wanted`
            wanted = 0;
            if (r.status == S::error) {
                REQUIRE(r.error.category() == weft::framing::error_category());
                out.error = r.error;
                return false;
            }
            REQUIRE(r.consumed > 0);
            REQUIRE(r.consumed <= buffer.size());
            REQUIRE(within(r.header, view.first(r.consumed)));
            REQUIRE(within(r.payload, view.first(r.consumed)));
            REQUIRE(r.header.size() + r.payload.size() <= r.consumed);
            REQUIRE(r.consumed <= parser.max_frame());
            out.frames.push_back({text(r.header), text(r.payload)});
            buffer.erase(0, r.consumed);
        }
    };
    for (std::size_t chunk : chunks) {
        deliver(chunk);
        if (!step()) {
            return out;
        }
    }
    if (delivered < input.size()) {
        deliver(input.size());
        if (!step()) {
            return out;
        }
    }
    out.leftover = buffer.size();
    return out;
}

/// (a) whole, (b) split at every offset k (first k bytes, then the rest), (c) byte by byte.
/// Each run uses a fresh parser from `make`; all must equal `expected`.
template <class Make>
void check_all_splits(Make make, std::string_view input, const Outcome& expected) {
    {
        INFO("whole input");
        auto p = make();
        CHECK(feed(p, input, {input.size()}) == expected);
    }
    for (std::size_t k = 0; k <= input.size(); ++k) {
        INFO("split at " << k);
        auto p = make();
        CHECK(feed(p, input, {k}) == expected);
    }
    {
        INFO("one byte at a time");
        auto p = make();
        CHECK(feed(p, input, std::vector<std::size_t>(input.size(), 1)) == expected);
    }
}

inline Outcome frames(std::vector<std::string> payloads, std::size_t leftover = 0) {
    Outcome o;
    for (std::string& p : payloads) {
        o.frames.push_back({"", std::move(p)});
    }
    o.leftover = leftover;
    return o;
}

inline Outcome frames_then(std::vector<std::string> payloads, weft::framing::errc e) {
    Outcome o = frames(std::move(payloads));
    o.error = make_error_code(e);
    return o;
}

}  // namespace weft::test
