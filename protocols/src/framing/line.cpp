// LineParser.
//
// A line is input[0, i) followed by LF at input[i]; its payload excludes a CR at input[i-1].
// Invariant between calls: input[0, scanned_) holds no LF, and scanned_ <= max_length + 2,
// the most bytes a valid line can need before its LF is seen (max_length payload bytes + CR).
//
// Too long: with no LF in input[0, k), the payload is at least k bytes, or k - 1 when
// input[k-1] is CR (it may be the CR of a CRLF). Once that bound exceeds max_length no LF can
// rescue the line, so the error comes at once rather than after more input.
#include <algorithm>

#include <weft/framing/line.hpp>

#include "result.hpp"

namespace weft::framing {

namespace {

constexpr std::byte lf{'\n'};
constexpr std::byte cr{'\r'};

}  // namespace

std::size_t LineParser::max_frame() const noexcept {
    return detail::saturating_add(options_.max_length, 2);
}

ParseResult LineParser::parse(std::span<const std::byte> input) noexcept {
    if (scanned_ > input.size()) {
        scanned_ = 0;  // not the input we scanned: start over rather than trust the state
    }
    const std::size_t limit = std::min(input.size(), max_frame());
    const auto begin = input.begin() + static_cast<std::ptrdiff_t>(scanned_);
    const auto end = input.begin() + static_cast<std::ptrdiff_t>(limit);
    const auto lf_at = std::find(begin, end, lf);
    if (lf_at != end) {
        scanned_ = 0;
        const auto i = static_cast<std::size_t>(lf_at - input.begin());
        const std::size_t length = (i > 0 && input[i - 1] == cr) ? i - 1 : i;
        if (length > options_.max_length) {
            return detail::error(errc::line_too_long);
        }
        return detail::frame({}, input.first(length), i + 1);
    }
    scanned_ = limit;
    const std::size_t at_least = (limit > 0 && input[limit - 1] == cr) ? limit - 1 : limit;
    if (at_least > options_.max_length) {
        scanned_ = 0;
        return detail::error(errc::line_too_long);
    }
    return detail::need_more(input.size() + 1);
}

}  // namespace weft::framing
