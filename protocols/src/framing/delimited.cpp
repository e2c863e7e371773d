// DelimitedParser.
//
// Scanning is the Knuth-Morris-Pratt automaton over the delimiter d (m bytes). Between calls:
//   scanned_  bytes input[0, scanned_) have been fed to the automaton and hold no complete d;
//   matched_  the longest prefix of d that is a suffix of input[0, scanned_) (< m).
// So a delimiter split across calls, or overlapping its own partial match ("abab" in
// "abababab"), is found exactly where a search of the whole input finds it: the first.
//
// Too large: the earliest a delimiter can still start is scanned_ - matched_, which is a lower
// bound on the payload. Once it exceeds max_frame the frame can never be valid: error at once.
#include <algorithm>
#include <stdexcept>

#include <weft/framing/delimited.hpp>

#include "result.hpp"

namespace weft::framing {

namespace {

std::span<const std::byte> bytes_of(const std::string& s) noexcept {
    return std::as_bytes(std::span{s.data(), s.size()});
}

// fallback[k-1]: the length of the longest proper prefix of d[0, k) that is also its suffix.
std::vector<std::size_t> failure_function(std::span<const std::byte> d) {
    std::vector<std::size_t> fallback(d.size(), 0);
    std::size_t k = 0;
    for (std::size_t i = 1; i < d.size(); ++i) {
        while (k > 0 && d[i] != d[k]) {
            k = fallback[k - 1];
        }
        if (d[i] == d[k]) {
            ++k;
        }
        fallback[i] = k;
    }
    return fallback;
}

}  // namespace

DelimitedParser::DelimitedParser(DelimitedOptions options) : options_{std::move(options)} {
    if (options_.delimiter.empty()) {
        throw std::invalid_argument("weft::framing::DelimitedParser: empty delimiter");
    }
    fallback_ = failure_function(bytes_of(options_.delimiter));
}

std::size_t DelimitedParser::max_frame() const noexcept {
    return detail::saturating_add(options_.max_frame, options_.delimiter.size());
}

ParseResult DelimitedParser::parse(std::span<const std::byte> input) noexcept {
    if (scanned_ > input.size()) {
        reset();  // not the input we scanned: start over rather than trust the state
    }
    const std::span<const std::byte> d = bytes_of(options_.delimiter);
    const std::size_t m = d.size();
    for (std::size_t i = scanned_; i < input.size(); ++i) {
        while (matched_ > 0 && input[i] != d[matched_]) {
            matched_ = fallback_[matched_ - 1];
        }
        if (input[i] == d[matched_]) {
            ++matched_;
        }
        if (matched_ == m) {
            const std::size_t length = i + 1 - m;
            reset();
            if (length > options_.max_frame) {
                return detail::error(errc::frame_too_large);
            }
            return detail::frame({}, input.first(length), i + 1);
        }
        if (i + 1 - matched_ > options_.max_frame) {
            reset();
            return detail::error(errc::frame_too_large);
        }
    }
    scanned_ = input.size();
    const std::size_t for_delimiter = input.size() + (m - matched_);
    const std::size_t for_error = detail::saturating_add(options_.max_frame, 1);
    return detail::need_more(std::max(input.size() + 1, std::min(for_delimiter, for_error)));
}

}  // namespace weft::framing
