// libFuzzer target for DelimitedParser.
// Input: [delimiter length byte][delimiter: 1-4 bytes][max_frame byte][chunking seed][stream...].
// Checks the driver's contract invariants, that whole / chunked / byte-by-byte runs agree,
// and that the frames and the final error equal those of a naive std::search splitter.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>

#include <weft/framing/delimited.hpp>

#include "fuzz_driver.hpp"

using namespace weft::fuzz;
using weft::framing::DelimitedOptions;
using weft::framing::DelimitedParser;

namespace {

// The longest proper prefix of d that `rest` ends with.
std::size_t partial_match(Bytes rest, Bytes d) {
    for (std::size_t k = std::min(rest.size(), d.size() - 1); k > 0; --k) {
        if (std::equal(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(k),
                       rest.end() - static_cast<std::ptrdiff_t>(k))) {
            return k;
        }
    }
    return 0;
}

// The reference: std::search for each delimiter over the rest of the stream.
Outcome reference(Bytes stream, Bytes d, std::size_t max_frame) {
    Outcome out;
    for (std::size_t pos = 0;;) {
        const Bytes rest = stream.subspan(pos);
        const auto it = std::search(rest.begin(), rest.end(), d.begin(), d.end());
        if (it == rest.end()) {
            if (rest.size() - partial_match(rest, d) > max_frame) {
                out.error = weft::framing::errc::frame_too_large;
            } else {
                out.leftover = rest.size();
            }
            return out;
        }
        const auto length = static_cast<std::size_t>(it - rest.begin());
        if (length > max_frame) {
            out.error = weft::framing::errc::frame_too_large;
            return out;
        }
        out.frames.push_back({pos, 0, 0, length ? pos : 0, length, length + d.size()});
        pos += length + d.size();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) {
        return 0;
    }
    const std::size_t m = 1 + data[0] % 4;
    if (size < 1 + m + 2) {
        return 0;
    }
    const std::string delimiter(reinterpret_cast<const char*>(data + 1), m);
    const std::size_t max_frame = data[1 + m] == 255 ? 65536 : data[1 + m] % 64;
    const std::uint8_t seed = data[2 + m];
    const Bytes stream = std::as_bytes(std::span{data + 3 + m, size - 3 - m});
    const Bytes d = std::as_bytes(std::span{delimiter.data(), delimiter.size()});
    auto make = [&] {
        return DelimitedParser{DelimitedOptions{delimiter, max_frame}};
    };
    auto on_frame = [&](Bytes frame, const weft::framing::ParseResult& r) {
        WEFT_FUZZ_CHECK(r.header.empty());
        WEFT_FUZZ_CHECK(r.payload.size() <= max_frame);
        WEFT_FUZZ_CHECK(r.payload.size() + m == frame.size());
        WEFT_FUZZ_CHECK(
            std::equal(d.begin(), d.end(), frame.end() - static_cast<std::ptrdiff_t>(m)));
    };
    check_chunkings(make, stream, seed, on_frame);
    auto parser = make();
    WEFT_FUZZ_CHECK(drive(
                        parser, stream, [&](std::size_t) { return stream.size(); }, on_frame) ==
                    reference(stream, d, max_frame));
    return 0;
}
