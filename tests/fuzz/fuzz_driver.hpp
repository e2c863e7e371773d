#pragma once

// Shared by the framing fuzz targets: drives a parser over one byte stream delivered in
// chunks (as a reader would), checks every ParseResult against the contract, and records the
// frames by their offsets in the stream so that runs with different chunkings compare equal.
// A broken invariant prints what broke and aborts, which libFuzzer reports as a finding.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <system_error>
#include <vector>

#include <weft/framing/errc.hpp>
#include <weft/framing/frame.hpp>

namespace weft::fuzz {

#define WEFT_FUZZ_CHECK(cond)                                                            \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            std::fprintf(stderr, "fuzz invariant broken: %s (%s:%d)\n", #cond, __FILE__, \
                         __LINE__);                                                      \
            std::abort();                                                                \
        }                                                                                \
    } while (false)

using Bytes = std::span<const std::byte>;

/// A frame as offsets into the whole stream.
struct Frame {
    std::size_t begin = 0;  // stream offset of the frame's first byte
    std::size_t header_at = 0, header_size = 0;
    std::size_t payload_at = 0, payload_size = 0;
    std::size_t consumed = 0;
    bool operator==(const Frame&) const = default;
};

struct Outcome {
    std::vector<Frame> frames;
    std::error_code error;
    std::size_t leftover = 0;
    bool operator==(const Outcome&) const = default;
};

inline bool within(Bytes part, Bytes whole) {
    return part.empty() || (part.data() >= whole.data() &&
                            part.data() + part.size() <= whole.data() + whole.size());
}

/// Calls `on_frame(frame_bytes, result)` for each frame so a target can check its own
/// protocol rules. chunk(i) gives the size of the i-th delivery (>= 1).
template <class Parser, class Chunk, class OnFrame>
Outcome drive(Parser& parser, Bytes stream, Chunk chunk, OnFrame on_frame) {
    Outcome out;
    std::size_t start = 0;      // stream offset of the buffered bytes (a frame boundary)
    std::size_t delivered = 0;  // stream[start, delivered) is buffered
    std::size_t wanted = 0;
    for (std::size_t i = 0; delivered < stream.size(); ++i) {
        delivered = std::min(stream.size(), delivered + std::max<std::size_t>(1, chunk(i)));
        for (;;) {
            const Bytes buffer = stream.subspan(start, delivered - start);
            const framing::ParseResult r = parser.parse(buffer);
            using S = framing::ParseResult::Status;
            if (r.status == S::need_more) {
                WEFT_FUZZ_CHECK(r.wanted >= buffer.size() + 1);
                WEFT_FUZZ_CHECK(r.consumed == 0 && !r.error);
                wanted = r.wanted;
                break;
            }
            WEFT_FUZZ_CHECK(buffer.size() >= wanted);  // need_more's promise held
            wanted = 0;
            if (r.status == S::error) {
                WEFT_FUZZ_CHECK(r.error.category() == framing::error_category());
                out.error = r.error;
                return out;
            }
            WEFT_FUZZ_CHECK(r.consumed > 0 && r.consumed <= buffer.size());
            WEFT_FUZZ_CHECK(r.consumed <= parser.max_frame());
            const Bytes frame = buffer.first(r.consumed);
            WEFT_FUZZ_CHECK(within(r.header, frame) && within(r.payload, frame));
            WEFT_FUZZ_CHECK(r.header.size() + r.payload.size() <= r.consumed);
            on_frame(frame, r);
            auto at = [&](Bytes part) {
                return part.empty() ? 0 : static_cast<std::size_t>(part.data() - stream.data());
            };
            out.frames.push_back({start, at(r.header), r.header.size(), at(r.payload),
                                  r.payload.size(), r.consumed});
            start += r.consumed;
        }
    }
    out.leftover = stream.size() - start;
    return out;
}

/// Runs the stream whole, in chunks whose sizes come from `seed`, and one byte at a time;
/// aborts unless all three agree. `make` builds a fresh parser.
template <class Make, class OnFrame>
void check_chunkings(Make make, Bytes stream, std::uint8_t seed, OnFrame on_frame) {
    auto whole_parser = make();
    const Outcome whole = drive(
        whole_parser, stream, [&](std::size_t) { return stream.size(); }, on_frame);
    auto chunked_parser = make();
    std::uint32_t state = seed * 2654435761u + 1;  // Knuth's multiplicative hash as a tiny LCG
    const Outcome chunked = drive(
        chunked_parser, stream,
        [&](std::size_t) {
            state = state * 1664525u + 1013904223u;  // Numerical Recipes LCG constants
            return std::size_t{1} + (state >> 24) % (seed % 32 + 1);
        },
        on_frame);
    WEFT_FUZZ_CHECK(chunked == whole);
    auto bytewise_parser = make();
    const Outcome bytewise = drive(
        bytewise_parser, stream, [](std::size_t) { return std::size_t{1}; }, on_frame);
    WEFT_FUZZ_CHECK(bytewise == whole);
}

}  // namespace weft::fuzz
