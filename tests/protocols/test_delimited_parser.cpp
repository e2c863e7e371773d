// DelimitedParser: single- and multi-byte delimiters, delimiters that overlap their own
// partial matches, the frame limit at and one past the maximum, and the same frames whether
// the input comes whole, split at any offset, or byte by byte.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/framing/delimited.hpp>

#include "framing_harness.hpp"

using weft::framing::DelimitedOptions;
using weft::framing::DelimitedParser;
using weft::framing::errc;
using weft::framing::ParseResult;
using namespace weft::test;
using namespace std::string_literals;

namespace {

struct Case {
    const char* name;
    std::string delimiter;
    std::size_t max_frame;
    std::string input;
    Outcome expected;
};

const std::vector<Case>& cases() {
    static const std::vector<Case> table{
        {"one-byte delimiter", ";", 64, "a;bc;;d", frames({"a", "bc", ""}, 1)},
        {"NUL delimiter", "\0"s, 64, "x\0yz\0"s, frames({"x", "yz"})},
        {"two bytes", "--", 64, "a--b--", frames({"a", "b"})},
        {"HTTP-style blank line", "\r\n\r\n", 64, "GET /\r\nA: b\r\n\r\nrest",
         frames({"GET /\r\nA: b"}, 4)},
        {"abab in abababab", "abab", 64, "abababab", frames({"", ""})},
        {"abab after a false start", "abab", 64, "aabababab", frames({"a", ""}, 0)},
        {"abab after aba-a", "abab", 64, "xabaabab", frames({"xaba"})},
        {"aab after aaa", "aab", 64, "aaab", frames({"a"})},
        {"abcabd after abcab-c", "abcabd", 64, "abcabcabd", frames({"abc"})},
        {"partial delimiter at the end", "abcd", 64, "xyzabc", frames({}, 6)},
        {"delimiter bytes inside the payload", "||", 64, "a|b|c||", frames({"a|b|c"})},
        {"empty input", "\n", 64, "", frames({})},
        {"exactly max", "ab", 3, "xyzab", frames({"xyz"})},
        {"exactly max, delimiter pending", "ab", 3, "xyza", frames({}, 4)},
        {"one past max with delimiter", "ab", 3, "xyzwab", frames_then({}, errc::frame_too_large)},
        {"one past max: partial match broken", "ab", 3, "xyzac",
         frames_then({}, errc::frame_too_large)},
        {"one past max: partial match restarts", "ab", 3, "xyzaab",
         frames_then({}, errc::frame_too_large)},
        {"good frame, then too large", "ab", 3, "xabwxyzw",
         frames_then({"x"}, errc::frame_too_large)},
        {"max 0: empty frames only", "ab", 0, "ababab", frames({"", "", ""})},
        {"max 0: one byte too large", "ab", 0, "xab", frames_then({}, errc::frame_too_large)},
        {"max 0: partial match waits", "ab", 0, "a", frames({}, 1)},
    };
    return table;
}

}  // namespace

TEST_CASE("DelimitedParser gives the same frames whole, split at every offset and byte by byte",
          "[framing][delimited]") {
    for (const Case& c : cases()) {
        INFO("case: " << c.name);
        check_all_splits(
            [&] {
                return DelimitedParser{DelimitedOptions{c.delimiter, c.max_frame}};
            },
            c.input, c.expected);
    }
}

TEST_CASE("DelimitedParser agrees with a plain search on every split of a repetitive input",
          "[framing][delimited]") {
    // Inputs over {a, b} and delimiters that overlap themselves: the first occurrence found by
    // std::string::find is the frame boundary, however the bytes arrive.
    for (const std::string delimiter : {"aa", "aba", "abab", "aab", "abaab"}) {
        for (unsigned bits = 0; bits < (1u << 10); ++bits) {
            std::string input;
            for (int i = 0; i < 10; ++i) {
                input += (bits >> i) & 1u ? 'b' : 'a';
            }
            Outcome expected;
            std::size_t at = 0;
            for (std::size_t hit; (hit = input.find(delimiter, at)) != std::string::npos;) {
                expected.frames.push_back({"", input.substr(at, hit - at)});
                at = hit + delimiter.size();
            }
            expected.leftover = input.size() - at;
            INFO("delimiter " << delimiter << ", input " << input);
            auto make = [&] {
                return DelimitedParser{DelimitedOptions{delimiter, 64}};
            };
            auto p1 = make();
            REQUIRE(feed(p1, input, {input.size()}) == expected);
            auto p2 = make();
            REQUIRE(feed(p2, input, std::vector<std::size_t>(input.size(), 1)) == expected);
        }
    }
}

TEST_CASE("DelimitedParser rejects an empty delimiter", "[framing][delimited]") {
    CHECK_THROWS_AS(DelimitedParser{DelimitedOptions{""}}, std::invalid_argument);
}

TEST_CASE("DelimitedParser::need_more counts the missing delimiter bytes", "[framing][delimited]") {
    DelimitedParser parser{DelimitedOptions{"\r\n\r\n"}};
    CHECK(parser.parse(bytes("abc")).wanted == 7);
    CHECK(parser.parse(bytes("abc\r\n")).wanted == 7);
    CHECK(parser.parse(bytes("abc\r\n\r")).wanted == 7);
    // Near the limit the error can come sooner than a delimiter: ask only for that.
    DelimitedParser small{DelimitedOptions{"\r\n\r\n", 3}};
    CHECK(small.parse(bytes("abc")).wanted == 4);
}

TEST_CASE("DelimitedParser's payload is a view into the caller's input", "[framing][delimited]") {
    DelimitedParser parser{DelimitedOptions{"::"}};
    const std::string input = "key::value::";
    const ParseResult r = parser.parse(bytes(input));
    REQUIRE(r.status == ParseResult::Status::frame);
    CHECK(r.payload.data() == bytes(input).data());
    CHECK(text(r.payload) == "key");
    CHECK(r.consumed == 5);
    CHECK(r.header.empty());
}

TEST_CASE("DelimitedParser::reset forgets a partial match", "[framing][delimited]") {
    DelimitedParser parser{DelimitedOptions{"ab"}};
    REQUIRE(parser.parse(bytes("xa")).status == ParseResult::Status::need_more);
    parser.reset();
    const ParseResult r = parser.parse(bytes("abb"));  // a stale partial match would end at 'b'
    REQUIRE(r.status == ParseResult::Status::frame);
    CHECK(r.payload.empty());
    CHECK(r.consumed == 2);
}

TEST_CASE("DelimitedParser::max_frame counts the delimiter", "[framing][delimited]") {
    CHECK(DelimitedParser{DelimitedOptions{"\r\n"}}.max_frame() == 65538);
    CHECK(DelimitedParser{DelimitedOptions{"ab", SIZE_MAX}}.max_frame() == SIZE_MAX);
}
