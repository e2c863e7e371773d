// libFuzzer target for LineParser. Input: [max_length byte][chunking seed][stream...].
// Checks the driver's contract invariants, that whole / chunked / byte-by-byte runs agree,
// and that the frames and the final error equal those of a naive whole-stream splitter.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include <weft/framing/line.hpp>

#include "fuzz_driver.hpp"

using namespace weft::fuzz;
using weft::framing::LineOptions;
using weft::framing::LineParser;

namespace {

constexpr std::byte lf{'\n'};
constexpr std::byte cr{'\r'};

// The reference: find each LF with std::find over the rest of the stream.
Outcome reference(Bytes stream, std::size_t max_length) {
    Outcome out;
    for (std::size_t pos = 0;;) {
        const Bytes rest = stream.subspan(pos);
        const auto it = std::find(rest.begin(), rest.end(), lf);
        if (it == rest.end()) {
            const bool cr_last = !rest.empty() && rest.back() == cr;
            if (rest.size() - (cr_last ? 1 : 0) > max_length) {
                out.error = weft::framing::errc::line_too_long;
            } else {
                out.leftover = rest.size();
            }
            return out;
        }
        const auto i = static_cast<std::size_t>(it - rest.begin());
        const std::size_t length = (i > 0 && rest[i - 1] == cr) ? i - 1 : i;
        if (length > max_length) {
            out.error = weft::framing::errc::line_too_long;
            return out;
        }
        out.frames.push_back({pos, 0, 0, length ? pos : 0, length, i + 1});
        pos += i + 1;
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    const std::size_t max_length = data[0] == 255 ? 8192 : data[0] % 64;
    const std::uint8_t seed = data[1];
    const Bytes stream = std::as_bytes(std::span{data + 2, size - 2});
    auto make = [&] {
        return LineParser{LineOptions{max_length}};
    };
    auto on_frame = [&](Bytes frame, const weft::framing::ParseResult& r) {
        WEFT_FUZZ_CHECK(frame.back() == lf);
        WEFT_FUZZ_CHECK(r.header.empty());
        WEFT_FUZZ_CHECK(r.payload.size() <= max_length);
        WEFT_FUZZ_CHECK(std::find(r.payload.begin(), r.payload.end(), lf) == r.payload.end());
    };
    check_chunkings(make, stream, seed, on_frame);
    auto parser = make();
    WEFT_FUZZ_CHECK(drive(
                        parser, stream, [&](std::size_t) { return stream.size(); }, on_frame) ==
                    reference(stream, max_length));
    return 0;
}
