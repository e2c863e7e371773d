// LengthPrefixedParser and its header encoder.
//
// Frame layout: input[0, header_offset) opaque prefix, then length_size bytes of payload
// length in the configured byte order, then the payload. parse() is stateless: each call
// decodes the header again, which costs at most 8 byte reads.
#include <algorithm>
#include <limits>
#include <stdexcept>

#include <weft/framing/errc.hpp>
#include <weft/framing/length_prefixed.hpp>

#include "result.hpp"

namespace weft::framing {

namespace {

std::uint64_t decode(std::span<const std::byte> field, Endian endian) noexcept {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < field.size(); ++i) {
        const std::size_t at = endian == Endian::big ? i : field.size() - 1 - i;
        v = (v << 8) | std::to_integer<std::uint64_t>(field[at]);
    }
    return v;
}

void encode(std::span<std::byte> field, std::uint64_t v, Endian endian) noexcept {
    for (std::size_t i = 0; i < field.size(); ++i) {
        const std::size_t at = endian == Endian::little ? i : field.size() - 1 - i;
        field[at] = static_cast<std::byte>(v & 0xff);
        v >>= 8;
    }
}

// The largest value a length field of `size` bytes holds.
std::uint64_t field_max(std::size_t size) noexcept {
    return size >= 8 ? std::numeric_limits<std::uint64_t>::max()
                     : (std::uint64_t{1} << (8 * size)) - 1;
}

}  // namespace

LengthPrefixedParser::LengthPrefixedParser(LengthPrefixedOptions options) : options_{options} {
    const std::size_t s = options_.length_size;
    if (s != 1 && s != 2 && s != 4 && s != 8) {
        throw std::invalid_argument(
            "weft::framing::LengthPrefixedParser: length_size must be 1, 2, 4 or 8");
    }
    if (options_.header_offset > std::numeric_limits<std::size_t>::max() - s) {
        throw std::invalid_argument("weft::framing::LengthPrefixedParser: header_offset too large");
    }
}

std::size_t LengthPrefixedParser::max_frame() const noexcept {
    return detail::saturating_add(header_size(), options_.max_payload);
}

ParseResult LengthPrefixedParser::parse(std::span<const std::byte> input) noexcept {
    const std::size_t header = header_size();
    if (input.size() < header) {
        return detail::need_more(header);
    }
    const std::uint64_t length =
        decode(input.subspan(options_.header_offset, options_.length_size), options_.endian);
    // max_frame() is header + max_payload saturated: a length that passes this check cannot
    // overflow header + length.
    if (length > options_.max_payload || length > max_frame() - header) {
        return detail::error(errc::frame_too_large);
    }
    const std::size_t total = header + static_cast<std::size_t>(length);
    if (input.size() < total) {
        return detail::need_more(total);
    }
    return detail::frame(input.first(header), input.subspan(header, total - header), total);
}

std::size_t LengthPrefixedParser::encode_header(std::span<std::byte> out,
                                                std::uint64_t payload_size,
                                                std::span<const std::byte> prefix) const {
    if (prefix.size() != options_.header_offset) {
        throw std::invalid_argument(
            "weft::framing::LengthPrefixedParser::encode_header: prefix size != header_offset");
    }
    if (out.size() < header_size()) {
        throw std::invalid_argument(
            "weft::framing::LengthPrefixedParser::encode_header: output smaller than the header");
    }
    if (payload_size > options_.max_payload || payload_size > field_max(options_.length_size)) {
        throw std::system_error(make_error_code(errc::frame_too_large),
                                "weft::framing::LengthPrefixedParser::encode_header");
    }
    std::copy(prefix.begin(), prefix.end(), out.begin());
    encode(out.subspan(options_.header_offset, options_.length_size), payload_size,
           options_.endian);
    return header_size();
}

}  // namespace weft::framing
