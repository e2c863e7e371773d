// LineParser: LF / CRLF, bare CR, the length limit at and one past the maximum, and the
// same frames whether the input comes whole, split at any offset, or byte by byte.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/framing/line.hpp>

#include "framing_harness.hpp"

using weft::framing::errc;
using weft::framing::LineOptions;
using weft::framing::LineParser;
using weft::framing::ParseResult;
using namespace weft::test;
using namespace std::string_literals;

namespace {

struct Case {
    const char* name;
    std::size_t max_length;
    std::string input;
    Outcome expected;
};

const std::vector<Case>& cases() {
    static const std::vector<Case> table{
        {"LF", 8192, "hello\n", frames({"hello"})},
        {"CRLF", 8192, "hello\r\n", frames({"hello"})},
        {"mixed terminators", 8192, "a\nb\r\nc\n", frames({"a", "b", "c"})},
        {"empty lines", 8192, "\n\r\n\n", frames({"", "", ""})},
        {"no terminator yet", 8192, "no newline", frames({}, 10)},
        {"a line then a partial one", 8192, "line\npartial", frames({"line"}, 7)},
        {"bare CR is data", 8192, "a\rb\n", frames({"a\rb"})},
        {"CR CR LF keeps one CR", 8192, "a\r\r\n", frames({"a\r"})},
        {"trailing CR waits for LF", 8192, "abc\r", frames({}, 4)},
        {"binary bytes", 8192, "\0\xff\x01\n"s, frames({"\0\xff\x01"s})},
        {"empty input", 8192, "", frames({})},
        {"exactly max (LF)", 3, "abc\n", frames({"abc"})},
        {"exactly max (CRLF)", 3, "abc\r\n", frames({"abc"})},
        {"exactly max, CR pending", 3, "abc\r", frames({}, 4)},
        {"one past max with LF", 3, "abcd\n", frames_then({}, errc::line_too_long)},
        {"one past max without LF", 3, "abcd", frames_then({}, errc::line_too_long)},
        {"one past max: CR then data", 3, "abc\rx", frames_then({}, errc::line_too_long)},
        {"one past max: CR CR LF", 3, "abc\r\r\n", frames_then({}, errc::line_too_long)},
        {"good line, then too long", 3, "ab\nabcdef\n", frames_then({"ab"}, errc::line_too_long)},
        {"max 0: empty lines only", 0, "\n\r\n", frames({"", ""})},
        {"max 0: one byte too long", 0, "x", frames_then({}, errc::line_too_long)},
        {"max 0: CR waits", 0, "\r", frames({}, 1)},
    };
    return table;
}

}  // namespace

TEST_CASE("LineParser gives the same lines whole, split at every offset and byte by byte",
          "[framing][line]") {
    for (const Case& c : cases()) {
        INFO("case: " << c.name);
        check_all_splits([&] { return LineParser{LineOptions{c.max_length}}; }, c.input,
                         c.expected);
    }
}

TEST_CASE("LineParser reports line_too_long as soon as max_length + 1 bytes are in",
          "[framing][line]") {
    LineParser parser{LineOptions{4}};
    const std::string input = "abcdefgh";
    for (std::size_t n = 0; n <= 4; ++n) {
        CHECK(parser.parse(bytes(input).first(n)).status == ParseResult::Status::need_more);
    }
    const ParseResult r = parser.parse(bytes(input).first(5));
    REQUIRE(r.status == ParseResult::Status::error);
    CHECK(r.error == errc::line_too_long);
}

TEST_CASE("LineParser's payload is a view into the caller's input", "[framing][line]") {
    LineParser parser;
    const std::string input = "first\r\nsecond\n";
    const ParseResult r = parser.parse(bytes(input));
    REQUIRE(r.status == ParseResult::Status::frame);
    CHECK(r.payload.data() == bytes(input).data());
    CHECK(r.payload.size() == 5);
    CHECK(r.header.empty());
    CHECK(r.consumed == 7);
    const ParseResult next = parser.parse(bytes(input).subspan(r.consumed));
    REQUIRE(next.status == ParseResult::Status::frame);
    CHECK(text(next.payload) == "second");
    CHECK(next.consumed == 7);
}

TEST_CASE("LineParser::need_more asks for one more byte", "[framing][line]") {
    LineParser parser;
    const ParseResult r = parser.parse(bytes("abc"));
    REQUIRE(r.status == ParseResult::Status::need_more);
    CHECK(r.wanted == 4);
    CHECK(parser.parse({}).wanted == 1);
}

TEST_CASE("LineParser::reset forgets a scan of input that was discarded", "[framing][line]") {
    LineParser parser;
    REQUIRE(parser.parse(bytes("abc")).status == ParseResult::Status::need_more);
    parser.reset();
    // Different bytes of the same length: only a rescan finds this LF.
    const ParseResult r = parser.parse(bytes("a\nc"));
    REQUIRE(r.status == ParseResult::Status::frame);
    CHECK(text(r.payload) == "a");
}

TEST_CASE("LineParser::max_frame counts the CRLF", "[framing][line]") {
    CHECK(LineParser{}.max_frame() == 8194);
    CHECK(LineParser{LineOptions{0}}.max_frame() == 2);
    CHECK(LineParser{LineOptions{SIZE_MAX}}.max_frame() == SIZE_MAX);
}
