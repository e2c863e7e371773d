#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include <weft/framing/frame.hpp>

namespace weft::framing {

struct DelimitedOptions {
    /// The byte string that ends a frame; any bytes, at least one. Not part of the payload.
    std::string delimiter;
    /// The largest payload accepted, in bytes (the delimiter not counted).
    std::size_t max_frame = 65536;
};

/// Splits a byte stream at the first occurrence of a delimiter. Scanning is incremental
/// (a KMP automaton), so a delimiter split across calls, or overlapping a partial match
/// ("abab" in "abababab"), is found where a whole-input search would find it.
///
/// parse(input): `input` starts at a frame boundary. Until a frame or an error is returned,
/// the caller may call again with the same bytes grown at the end (O(n) in all when fed one
/// byte at a time). After a frame or an error, the next call starts a new frame.
/// Errors: errc::frame_too_large as soon as the input shows that no delimiter can start
/// within the first max_frame + 1 bytes (i.e. the payload would exceed max_frame).
class DelimitedParser {
public:
    /// Throws std::invalid_argument when options.delimiter is empty. Allocates its tables here,
    /// never in parse().
    explicit DelimitedParser(DelimitedOptions options);

    ParseResult parse(std::span<const std::byte> input) noexcept;
    void reset() noexcept { scanned_ = matched_ = 0; }
    /// The largest frame in bytes, delimiter included: max_frame + delimiter size.
    std::size_t max_frame() const noexcept;
    const DelimitedOptions& options() const noexcept { return options_; }

private:
    DelimitedOptions options_;
    std::vector<std::size_t> fallback_;  // KMP failure function of the delimiter
    std::size_t scanned_ = 0;            // bytes of input fed to the automaton
    std::size_t matched_ = 0;            // delimiter bytes matched at input[scanned_ - matched_]
};

}  // namespace weft::framing
