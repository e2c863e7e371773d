// LengthPrefixedParser: every length_size x endian, header_offset, zero-length frames, the
// payload limit at and one past the maximum (reported once the header is in), the exact
// `wanted`, and encode_header/parse round trips.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/framing/length_prefixed.hpp>

#include "framing_harness.hpp"

using weft::framing::Endian;
using weft::framing::errc;
using weft::framing::LengthPrefixedOptions;
using weft::framing::LengthPrefixedParser;
using weft::framing::ParseResult;
using namespace weft::test;

namespace {

// The test's own encoder, written independently of encode_header.
std::string header_for(const LengthPrefixedOptions& o, std::uint64_t length,
                       const std::string& prefix) {
    std::string field(o.length_size, '\0');
    for (std::size_t i = 0; i < o.length_size; ++i) {
        const char byte = static_cast<char>((length >> (8 * i)) & 0xff);  // i-th least significant
        field[o.endian == Endian::little ? i : o.length_size - 1 - i] = byte;
    }
    return prefix + field;
}

std::vector<LengthPrefixedOptions> every_layout(std::size_t max_payload) {
    std::vector<LengthPrefixedOptions> all;
    for (std::size_t size : {1, 2, 4, 8}) {
        for (Endian endian : {Endian::big, Endian::little}) {
            for (std::size_t offset : {0, 3}) {
                all.push_back({size, endian, offset, max_payload});
            }
        }
    }
    return all;
}

std::string describe(const LengthPrefixedOptions& o) {
    return std::to_string(o.length_size) + (o.endian == Endian::big ? "B big" : "B little") +
           ", offset " + std::to_string(o.header_offset) + ", max " + std::to_string(o.max_payload);
}

}  // namespace

TEST_CASE("LengthPrefixedParser frames every layout the same whole, split and byte by byte",
          "[framing][length_prefixed]") {
    for (const LengthPrefixedOptions& o : every_layout(300)) {
        INFO(describe(o));
        const std::string prefix = o.header_offset ? std::string("T\x01\xff", 3) : "";
        std::string input;
        Outcome expected;
        // 255 needs every bit of a 1-byte field; 256 and 300 need two bytes (and exceed a 1-byte
        // field, so they appear only where the field holds them).
        std::vector<std::size_t> sizes{0, 1, 5, 0, 255};
        if (o.length_size > 1) {
            sizes.push_back(256);
            sizes.push_back(300);
        }
        for (std::size_t n : sizes) {
            const std::string header = header_for(o, n, prefix);
            const std::string payload(n, static_cast<char>('a' + n % 26));
            input += header + payload;
            expected.frames.push_back({header, payload});
        }
        const std::string partial = header_for(o, 9, prefix) + "1234";
        input += partial;
        expected.leftover = partial.size();
        check_all_splits([&] { return LengthPrefixedParser{o}; }, input, expected);
    }
}

TEST_CASE("LengthPrefixedParser enforces max_payload at and one past the maximum",
          "[framing][length_prefixed]") {
    for (const LengthPrefixedOptions& o : every_layout(5)) {
        INFO(describe(o));
        const std::string prefix(o.header_offset, 'p');
        const std::string ok = header_for(o, 5, prefix) + "12345";
        const std::string over = header_for(o, 6, prefix) + "123456";
        Outcome good_then_error;
        good_then_error.frames.push_back({header_for(o, 5, prefix), "12345"});
        good_then_error.error = errc::frame_too_large;
        check_all_splits([&] { return LengthPrefixedParser{o}; }, ok + over, good_then_error);
    }
}

TEST_CASE("LengthPrefixedParser reports frame_too_large once the header is in",
          "[framing][length_prefixed]") {
    const LengthPrefixedOptions o{8, Endian::big, 2, 1024};
    LengthPrefixedParser parser{o};
    const std::string header = header_for(o, UINT64_MAX, "xy");
    for (std::size_t n = 0; n < header.size(); ++n) {
        const ParseResult r = parser.parse(bytes(header).first(n));
        REQUIRE(r.status == ParseResult::Status::need_more);
        CHECK(r.wanted == 10);
    }
    const ParseResult r = parser.parse(bytes(header));
    REQUIRE(r.status == ParseResult::Status::error);
    CHECK(r.error == errc::frame_too_large);
}

TEST_CASE("LengthPrefixedParser wants exactly the whole frame once the header is in",
          "[framing][length_prefixed]") {
    const LengthPrefixedOptions o{2, Endian::little, 1, 1024};
    LengthPrefixedParser parser{o};
    const std::string frame = header_for(o, 700, "v") + std::string(700, 'z');
    CHECK(parser.parse(bytes(frame).first(1)).wanted == 3);
    for (std::size_t n : {3, 4, 702}) {
        const ParseResult r = parser.parse(bytes(frame).first(n));
        REQUIRE(r.status == ParseResult::Status::need_more);
        CHECK(r.wanted == 703);
    }
    const ParseResult r = parser.parse(bytes(frame));
    REQUIRE(r.status == ParseResult::Status::frame);
    CHECK(r.consumed == 703);
    CHECK(r.header.data() == bytes(frame).data());
    CHECK(r.header.size() == 3);
    CHECK(r.payload.data() == bytes(frame).data() + 3);
    CHECK(r.payload.size() == 700);
}

TEST_CASE("LengthPrefixedParser reads the length field in the configured byte order",
          "[framing][length_prefixed]") {
    const std::string field("\x01\x02\x00\x00", 4);
    LengthPrefixedParser big{{4, Endian::big, 0, SIZE_MAX}};
    LengthPrefixedParser little{{4, Endian::little, 0, SIZE_MAX}};
    CHECK(big.parse(bytes(field)).wanted == 4 + 0x01020000);
    CHECK(little.parse(bytes(field)).wanted == 4 + 0x0201);
}

TEST_CASE("encode_header and parse round-trip in every layout", "[framing][length_prefixed]") {
    for (LengthPrefixedOptions o : every_layout(1u << 20)) {
        INFO(describe(o));
        LengthPrefixedParser parser{o};
        const std::string prefix(o.header_offset, '#');
        for (std::uint64_t n : {0ull, 1ull, 200ull, 255ull, 256ull, 65535ull, 65536ull}) {
            if (n > (o.length_size == 1 ? 255u : o.length_size == 2 ? 65535u : UINT64_MAX)) {
                continue;
            }
            std::vector<std::byte> frame(parser.header_size() + n, std::byte{0x5a});
            REQUIRE(parser.encode_header(frame, n, bytes(prefix)) == parser.header_size());
            CHECK(text(std::span{frame}.first(o.header_offset)) == prefix);
            const ParseResult r = parser.parse(frame);
            REQUIRE(r.status == ParseResult::Status::frame);
            CHECK(r.consumed == frame.size());
            CHECK(r.payload.size() == n);
            CHECK(r.header.size() == parser.header_size());
        }
    }
}

TEST_CASE("encode_header refuses what parse would refuse", "[framing][length_prefixed]") {
    std::vector<std::byte> out(16);
    LengthPrefixedParser capped{{4, Endian::big, 0, 100}};
    CHECK_NOTHROW(capped.encode_header(out, 100));
    try {
        capped.encode_header(out, 101);
        FAIL("no exception for a payload above max_payload");
    } catch (const std::system_error& e) {
        CHECK(e.code() == errc::frame_too_large);
    }
    LengthPrefixedParser one_byte{{1, Endian::big, 0, 1000}};
    CHECK_NOTHROW(one_byte.encode_header(out, 255));
    CHECK_THROWS_MATCHES(one_byte.encode_header(out, 256), std::system_error,
                         Catch::Predicate<std::system_error>([](const std::system_error& e) {
                             return e.code() == errc::frame_too_large;
                         }));
    LengthPrefixedParser offset{{2, Endian::big, 2, 1000}};
    CHECK_THROWS_AS(offset.encode_header(out, 1), std::invalid_argument);
    CHECK_THROWS_AS(offset.encode_header(out, 1, bytes("abc")), std::invalid_argument);
    CHECK_THROWS_AS(offset.encode_header(std::span{out}.first(3), 1, bytes("ab")),
                    std::invalid_argument);
    CHECK(offset.encode_header(std::span{out}.first(4), 1, bytes("ab")) == 4);
}

TEST_CASE("LengthPrefixedParser accepts only 1, 2, 4 and 8-byte length fields",
          "[framing][length_prefixed]") {
    for (std::size_t size : {0, 3, 5, 7, 16}) {
        INFO("length_size " << size);
        CHECK_THROWS_AS(LengthPrefixedParser{{size}}, std::invalid_argument);
    }
    CHECK(LengthPrefixedParser{}.header_size() == 4);
    CHECK(LengthPrefixedParser{}.max_frame() == 4 + (1u << 20));
    CHECK(LengthPrefixedParser{{2, Endian::big, 6}}.header_size() == 8);
    CHECK(LengthPrefixedParser{{8, Endian::big, 0, SIZE_MAX}}.max_frame() == SIZE_MAX);
}
