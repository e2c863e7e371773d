#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include <weft/framing/frame.hpp>

namespace weft::framing {

enum class Endian { big, little };

struct LengthPrefixedOptions {
    /// Width of the length field in bytes: 1, 2, 4 or 8.
    std::size_t length_size = 4;
    /// Byte order of the length field.
    Endian endian = Endian::big;
    /// Bytes before the length field (a type tag, a version...). They are part of the header
    /// and are not interpreted.
    std::size_t header_offset = 0;
    /// The largest payload accepted, in bytes. The length field counts payload bytes only.
    std::size_t max_payload = std::size_t{1} << 20;
};

/// Frames of the form [header_offset bytes][length field][payload of `length` bytes].
/// Zero-length frames are valid.
///
/// parse(input): `input` starts at a frame boundary; the parser keeps no scan state (the
/// header tells it everything), so calls with the input grown at the end are O(header).
/// Errors: errc::frame_too_large as soon as the header announces more than max_payload bytes,
/// without waiting for the payload.
class LengthPrefixedParser {
public:
    /// Throws std::invalid_argument when length_size is not 1, 2, 4 or 8.
    explicit LengthPrefixedParser(LengthPrefixedOptions options = {});

    ParseResult parse(std::span<const std::byte> input) noexcept;
    void reset() noexcept {}
    /// header_offset + length_size.
    std::size_t header_size() const noexcept {
        return options_.header_offset + options_.length_size;
    }
    /// The largest frame in bytes: header_size() + max_payload (saturated at SIZE_MAX).
    std::size_t max_frame() const noexcept;
    const LengthPrefixedOptions& options() const noexcept { return options_; }

    /// Writes the header of a frame with a `payload_size`-byte payload into out[0,
    /// header_size()) and returns header_size(). `prefix` is copied into the first
    /// header_offset bytes. The caller sends the payload after it (e.g. in one gather write).
    /// Throws std::invalid_argument when prefix.size() != header_offset or out is smaller
    /// than header_size(); std::system_error(errc::frame_too_large) when payload_size is above
    /// max_payload or does not fit the length field.
    std::size_t encode_header(std::span<std::byte> out, std::uint64_t payload_size,
                              std::span<const std::byte> prefix = {}) const;

private:
    LengthPrefixedOptions options_;
};

}  // namespace weft::framing
