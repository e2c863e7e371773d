// The blocking framing layer over a scripted stream: every input is read (a) whole, (b) split
// at every byte offset, (c) one byte per read, and (d) with a failure injected at each
// operation in turn. (a)-(c) must give the same frames or the same error; (d) must surface
// the injected error cleanly and give every pooled buffer back.
#include <functional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/framing/io.hpp>

#include "support/script_stream.hpp"

using weft::framing::DelimitedParser;
using weft::framing::LengthPrefixedParser;
using weft::framing::LineParser;
using weft::net::as_bytes;
using weft::net::as_string;
using weft::net::BufferedReader;
using weft::net::BufferedWriter;
using weft::net::BufferPool;
using weft::test::ScriptOptions;
using weft::test::ScriptStream;

namespace {

struct Outcome {
    std::vector<std::string> frames;
    std::error_code error;
    bool operator==(const Outcome&) const = default;
};

// Reads every frame through a pooled reader; each call builds a fresh parser.
using Reader = std::function<std::optional<std::string>(BufferedReader&, std::error_code&)>;

// Every frame until EOF or an error; an error equal to `retry_on` is retried with the same
// reader and parser (as after a deadline), so it must not lose or repeat a byte.
Outcome read_all(ScriptStream& s, BufferPool& pool, const Reader& next,
                 std::error_code retry_on = {}) {
    Outcome out;
    BufferedReader r{s, pool};
    for (;;) {
        auto frame = next(r, out.error);
        if (!frame && retry_on && out.error == retry_on) {
            out.error.clear();
            continue;
        }
        if (!frame) {
            return out;
        }
        out.frames.push_back(std::move(*frame));
    }
}

template <class Parser>
Reader frames_with(Parser parser) {
    return
        [p = std::make_shared<Parser>(std::move(parser))](BufferedReader& r, std::error_code& ec) {
            std::optional<std::string> frame;
            if constexpr (std::is_same_v<Parser, LineParser>) {
                if (auto line = weft::framing::read_line(r, *p, ec)) {
                    frame = std::string{*line};
                }
            } else {
                if (auto f = weft::framing::read_frame(r, *p, ec)) {
                    frame = std::string{as_string(*f)};
                }
            }
            return frame;
        };
}

// (a), (b), (c) agree with `expected`; (d) fails cleanly at every operation.
void check_every_split(const std::string& input, const std::function<Reader()>& make,
                       const Outcome& expected) {
    BufferPool pool{{.buffer_size = 64, .buffers_per_slab = 4, .max_slabs = 1}};
    {
        ScriptStream whole{input};
        CHECK(read_all(whole, pool, make()) == expected);
    }
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
        ScriptStream split{std::vector<std::string>{input.substr(0, cut), input.substr(cut)}};
        INFO("split at " << cut);
        CHECK(read_all(split, pool, make()) == expected);
    }
    ScriptStream bytewise{input, ScriptOptions{.max_read = 1}};
    const Outcome one_byte = read_all(bytewise, pool, make());
    CHECK(one_byte == expected);
    const std::size_t ops = bytewise.operations();
    for (std::size_t fail = 1; fail <= ops; ++fail) {
        INFO("failure at operation " << fail << " of " << ops);
        ScriptStream faulty{input, ScriptOptions{.max_read = 1, .fail_at = fail}};
        const Outcome got = read_all(faulty, pool, make());
        CHECK(got.error == std::errc::connection_reset);
        // Frames before the failure are a prefix of the expected ones, none corrupted.
        REQUIRE(got.frames.size() <= expected.frames.size());
        CHECK(std::equal(got.frames.begin(), got.frames.end(), expected.frames.begin()));
        // A timeout at the same point, retried, changes nothing.
        const auto timed_out = make_error_code(weft::errc::timed_out);
        ScriptStream slow{input,
                          ScriptOptions{.max_read = 1, .fail_at = fail, .fail_with = timed_out}};
        CHECK(read_all(slow, pool, make(), timed_out) == expected);
    }
    CHECK(pool.in_use() == 0);
}

std::string be16(std::size_t n) {
    return {static_cast<char>(n >> 8), static_cast<char>(n & 0xff)};
}

}  // namespace

TEST_CASE("read_line: LF and CRLF lines, empty lines, any split", "[framing][line]") {
    check_every_split("one\ntwo\r\n\r\nfour\n", [] { return frames_with(LineParser{}); },
                      {{"one", "two", "", "four"}, {}});
}

TEST_CASE("read_line: a line over the limit is line_too_long for that reader", "[framing][line]") {
    check_every_split("ok\n0123456789\nnever\n",
                      [] { return frames_with(LineParser{{.max_length = 8}}); },
                      {{"ok"}, make_error_code(weft::framing::errc::line_too_long)});
}

TEST_CASE("read_line: EOF inside a line is unexpected_eof", "[framing][line]") {
    check_every_split("whole\npart", [] { return frames_with(LineParser{}); },
                      {{"whole"}, make_error_code(weft::errc::unexpected_eof)});
}

TEST_CASE("read_line: lines longer than the reader's buffer", "[framing][line]") {
    const std::string a(150, 'a'), b(300, 'b');  // the pool's buffers are 64 B
    check_every_split(a + "\n" + b + "\r\nc\n", [] { return frames_with(LineParser{}); },
                      {{a, b, "c"}, {}});
}

TEST_CASE("read_frame: delimited frames, overlapping partial delimiters", "[framing][delimited]") {
    auto make = [] {
        return frames_with(DelimitedParser{{.delimiter = "abab", .max_frame = 100}});
    };
    check_every_split(
        "xabababyyabab"
        "abab",
        make, {{"x", "abyy", ""}, {}});
}

TEST_CASE("read_frame: a delimited frame over its limit is frame_too_large",
          "[framing][delimited]") {
    auto make = [] {
        return frames_with(DelimitedParser{{.delimiter = "\r\n", .max_frame = 5}});
    };
    check_every_split("12345\r\n123456\r\n", make,
                      {{"12345"}, make_error_code(weft::framing::errc::frame_too_large)});
}

TEST_CASE("read_frame: length-prefixed frames, empty and larger than the buffer",
          "[framing][length_prefixed]") {
    const std::string big = std::string(200, 'z');
    const std::string input = be16(3) + "abc" + be16(0) + be16(big.size()) + big;
    auto make = [] {
        return frames_with(LengthPrefixedParser{{.length_size = 2}});
    };
    check_every_split(input, make, {{"abc", "", big}, {}});
}

TEST_CASE("read_frame: an announced length over the limit fails before the payload arrives",
          "[framing][length_prefixed]") {
    auto make = [] {
        return frames_with(LengthPrefixedParser{{.length_size = 2, .max_payload = 100}});
    };
    check_every_split(be16(2) + "hi" + be16(5000) + "stall", make,
                      {{"hi"}, make_error_code(weft::framing::errc::frame_too_large)});
}

TEST_CASE("read_frame: a header offset is skipped", "[framing][length_prefixed]") {
    auto make = [] {
        return frames_with(LengthPrefixedParser{{.length_size = 2, .header_offset = 1}});
    };
    std::string input = "T";  // appended piece by piece: GCC 12 warns (-Wrestrict) on a + chain
    input += be16(2);
    input += "okU";
    input += be16(1);
    input += "!";
    check_every_split(input, make, {{"ok", "!"}, {}});
}

TEST_CASE("write_line and write_frame read back as the same frames", "[framing][write]") {
    const std::string big(500, 'q');
    for (std::size_t k : {1, 5, 1000}) {
        ScriptStream out{"", ScriptOptions{.max_write = k}};
        BufferedWriter w{out, 64};
        LineParser lines;
        weft::framing::write_line(w, lines, "hello");
        weft::framing::write_line(w, lines, "crlf", true);
        LengthPrefixedParser lp{{.length_size = 4, .header_offset = 1}};
        weft::framing::write_frame(w, lp, as_bytes(big), as_bytes("K"));
        DelimitedParser dp{{.delimiter = "||"}};
        weft::framing::write_frame(w, dp, as_bytes("end"));
        w.flush();

        ScriptStream in{out.output()};
        BufferedReader r{in, 64};
        CHECK(weft::framing::read_line_copy(r, lines) == "hello");
        CHECK(weft::framing::read_line_copy(r, lines) == "crlf");
        CHECK(weft::framing::read_frame_copy(r, lp) == big);
        CHECK(weft::framing::read_frame_copy(r, dp) == "end");
        CHECK(!weft::framing::read_frame_copy(r, dp));
    }
}

TEST_CASE("a frame that would not read back as one frame is rejected, nothing written",
          "[framing][write]") {
    ScriptStream out{""};
    BufferedWriter w{out, 64};
    std::error_code ec;
    weft::framing::write_line(w, LineParser{}, "two\nlines", false, ec);
    CHECK(ec == weft::framing::errc::malformed);
    weft::framing::write_line(w, LineParser{{.max_length = 3}}, "long", false, ec);
    CHECK(ec == weft::framing::errc::line_too_long);
    weft::framing::write_frame(w, DelimitedParser{{.delimiter = "|"}}, as_bytes("a|b"), ec);
    CHECK(ec == weft::framing::errc::malformed);
    // Payloads whose end and the delimiter's start would form an earlier delimiter.
    DelimitedParser blank_line{{.delimiter = "\r\n\r\n"}};
    weft::framing::write_frame(w, blank_line, as_bytes("x\r\n"), ec);
    CHECK(ec == weft::framing::errc::malformed);
    weft::framing::write_frame(w, DelimitedParser{{.delimiter = "aba"}}, as_bytes("ab"), ec);
    CHECK(ec == weft::framing::errc::malformed);
    weft::framing::write_line(w, LineParser{}, "ends in CR\r", false, ec);
    CHECK(ec == weft::framing::errc::malformed);  // would read back without its CR
    LengthPrefixedParser small{{.length_size = 1, .max_payload = 1000}};
    weft::framing::write_frame(w, small, as_bytes(std::string(256, 'x')), {}, ec);
    CHECK(ec == weft::framing::errc::frame_too_large);  // 256 does not fit one byte
    weft::framing::write_frame(w, small, as_bytes("x"), as_bytes("extra"), ec);
    CHECK(ec == std::errc::invalid_argument);  // the prefix must be header_offset bytes
    CHECK(w.pending() == 0);
    weft::framing::write_frame(w, blank_line, as_bytes("x\r\n\r"), ec);  // reads back whole
    CHECK(!ec);
    weft::framing::write_line(w, LineParser{}, "CR kept\r", true, ec);  // CRLF keeps it
    CHECK(!ec);
    w.flush();
    ScriptStream back{out.output()};
    BufferedReader r{back, 64};
    CHECK(weft::framing::read_frame_copy(r, blank_line) == "x\r\n\r");
    LineParser lines;
    CHECK(weft::framing::read_line_copy(r, lines) == "CR kept\r");
    CHECK_THROWS_WITH(weft::framing::write_line(w, LineParser{}, "a\nb"),
                      Catch::Contains("write_line"));
}

TEST_CASE("a write failure at any operation is a clean error", "[framing][write]") {
    const std::string big(300, 'w');
    for (std::size_t fail = 1; fail <= 20; ++fail) {
        ScriptStream out{"", ScriptOptions{.max_write = 16, .fail_at = fail}};
        BufferedWriter w{out, 64};
        LengthPrefixedParser lp{{.length_size = 2}};
        std::error_code ec;
        for (int i = 0; i < 3 && !ec; ++i) {
            weft::framing::write_frame(w, lp, as_bytes(big), {}, ec);
        }
        if (!ec) {
            w.flush(ec);
        }
        INFO("failure at operation " << fail);
        CHECK(ec == std::errc::connection_reset);
        // Write steps are at most 16 B: nothing was written after the failure.
        CHECK(out.output().size() <= 16 * (fail - 1));
    }
}
