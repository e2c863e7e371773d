// libFuzzer target for LengthPrefixedParser.
// Input: [layout byte: length_size, endian, header_offset][max_payload byte][chunking seed]
// [stream...]. Checks the driver's contract invariants, that whole / chunked / byte-by-byte
// runs agree, that the frames and the final error equal those of a naive decoder, and that
// encode_header reproduces every header parse() accepted.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>

#include <weft/framing/length_prefixed.hpp>

#include "fuzz_driver.hpp"

using namespace weft::fuzz;
using weft::framing::Endian;
using weft::framing::LengthPrefixedOptions;
using weft::framing::LengthPrefixedParser;

namespace {

LengthPrefixedOptions layout(std::uint8_t bits, std::uint8_t max) {
    constexpr std::array<std::size_t, 4> sizes{1, 2, 4, 8};
    LengthPrefixedOptions o;
    o.length_size = sizes[bits % 4];
    o.endian = (bits & 4) ? Endian::little : Endian::big;
    o.header_offset = (bits >> 3) % 4;
    o.max_payload = max == 255 ? SIZE_MAX : max;
    return o;
}

// The reference: decode each length byte by byte from its definition.
Outcome reference(Bytes stream, const LengthPrefixedOptions& o) {
    Outcome out;
    const std::size_t header = o.header_offset + o.length_size;
    for (std::size_t pos = 0;;) {
        const Bytes rest = stream.subspan(pos);
        if (rest.size() < header) {
            out.leftover = rest.size();
            return out;
        }
        std::uint64_t length = 0;
        for (std::size_t i = 0; i < o.length_size; ++i) {
            const std::size_t significance = o.endian == Endian::big ? o.length_size - 1 - i : i;
            length |= std::to_integer<std::uint64_t>(rest[o.header_offset + i])
                      << (8 * significance);
        }
        if (length > o.max_payload || length > SIZE_MAX - header) {
            out.error = weft::framing::errc::frame_too_large;
            return out;
        }
        if (rest.size() - header < length) {
            out.leftover = rest.size();
            return out;
        }
        out.frames.push_back(
            {pos, pos, header, length ? pos + header : 0, length, header + length});
        pos += header + length;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) {
        return 0;
    }
    const LengthPrefixedOptions o = layout(data[0], data[1]);
    const std::uint8_t seed = data[2];
    const Bytes stream = std::as_bytes(std::span{data + 3, size - 3});
    auto make = [&] {
        return LengthPrefixedParser{o};
    };
    auto on_frame = [&](Bytes frame, const weft::framing::ParseResult& r) {
        const LengthPrefixedParser parser{o};
        WEFT_FUZZ_CHECK(r.header.size() == parser.header_size());
        WEFT_FUZZ_CHECK(r.payload.size() <= o.max_payload);
        WEFT_FUZZ_CHECK(r.header.size() + r.payload.size() == frame.size());
        std::array<std::byte, 16> encoded{};
        WEFT_FUZZ_CHECK(parser.encode_header(encoded, r.payload.size(),
                                             r.header.first(o.header_offset)) == r.header.size());
        WEFT_FUZZ_CHECK(std::equal(r.header.begin(), r.header.end(), encoded.begin()));
    };
    check_chunkings(make, stream, seed, on_frame);
    auto parser = make();
    WEFT_FUZZ_CHECK(drive(
                        parser, stream, [&](std::size_t) { return stream.size(); }, on_frame) ==
                    reference(stream, o));
    return 0;
}
