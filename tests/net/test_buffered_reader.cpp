#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/net/buffered_reader.hpp>

#include "support/script_stream.hpp"
#include "support/weft_test.hpp"

using weft::net::as_bytes;
using weft::net::as_string;
using weft::net::BufferedReader;
using weft::test::ScriptStream;

namespace {

// Every line of `r` (delimiter included) until EOF, or the error that stopped it.
std::vector<std::string> lines_of(BufferedReader& r, std::size_t max, std::error_code& ec) {
    std::vector<std::string> lines;
    for (;;) {
        auto line = r.read_until("\n", max, ec);
        if (ec || line.empty()) {
            return lines;
        }
        lines.emplace_back(as_string(line));
    }
}

}  // namespace

TEST_CASE("BufferedReader: fill, buffered and consume", "[net][reader]") {
    ScriptStream s{std::vector<std::string>{"hello ", "world"}};
    BufferedReader r{s, 64};
    CHECK(r.capacity() == 0);  // nothing taken before the first read
    CHECK(r.fill() == 6);
    CHECK(as_string(r.buffered()) == "hello ");
    r.consume(2);
    CHECK(as_string(r.buffered()) == "llo ");
    CHECK(r.fill() == 5);
    CHECK(as_string(r.buffered()) == "llo world");
    r.consume(9);
    CHECK(r.buffered().empty());
    CHECK(r.fill() == 0);
    CHECK(r.eof());
}

TEST_CASE("BufferedReader: read_until gives the same lines however the input is split",
          "[net][reader]") {
    const std::string input = "first\nsecond line\n\nlast one\n";
    const std::vector<std::string> expected = {"first\n", "second line\n", "\n", "last one\n"};
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
        ScriptStream s{std::vector<std::string>{input.substr(0, cut), input.substr(cut)}};
        BufferedReader r{s, 64};
        std::error_code ec;
        CHECK(lines_of(r, 100, ec) == expected);
        CHECK(!ec);
    }
    ScriptStream bytewise{input, {.max_read = 1}};
    BufferedReader r{bytewise, 64};
    std::error_code ec;
    CHECK(lines_of(r, 100, ec) == expected);
    CHECK(!ec);
}

TEST_CASE("BufferedReader: read_until finds a delimiter split across reads", "[net][reader]") {
    ScriptStream s{"ab\r\ncd\r\n", {.max_read = 1}};
    BufferedReader r{s, 64};
    CHECK(as_string(r.read_until("\r\n", 10)) == "ab\r\n");
    CHECK(as_string(r.read_until("\r\n", 10)) == "cd\r\n");
    CHECK(r.read_until("\r\n", 10).empty());  // EOF at a boundary: an empty view
}

TEST_CASE("BufferedReader: read_until past its limit is an error and consumes nothing",
          "[net][reader]") {
    ScriptStream s{"0123456789abcdef\nnext\n"};
    BufferedReader r{s, 64};
    std::error_code ec;
    CHECK(r.read_until("\n", 10, ec).empty());
    CHECK(ec == std::errc::message_size);
    CHECK(as_string(r.buffered()).starts_with("0123456789"));
    CHECK(as_string(r.read_until("\n", 17)) == "0123456789abcdef\n");  // exactly at the limit
    CHECK_THROWS_WITH(r.read_until("\n", 4), Catch::Contains("read_until"));
}

TEST_CASE("BufferedReader: EOF inside a line is unexpected_eof, the bytes stay buffered",
          "[net][reader]") {
    ScriptStream s{"complete\npartial"};
    BufferedReader r{s, 64};
    std::error_code ec;
    CHECK(as_string(r.read_until("\n", 100, ec)) == "complete\n");
    CHECK(r.read_until("\n", 100, ec).empty());
    CHECK(ec == weft::errc::unexpected_eof);
    CHECK(as_string(r.buffered()) == "partial");
}

TEST_CASE("BufferedReader: a frame larger than the buffer grows it, then it shrinks back",
          "[net][reader]") {
    const std::string big(1000, 'x');
    ScriptStream s{big + "\nsmall\n", {.max_read = 50}};
    BufferedReader r{s, 64};
    CHECK(as_string(r.read_until("\n", 2000)) == big + "\n");
    CHECK(r.capacity() >= 1001);
    CHECK(as_string(r.read_until("\n", 2000)) == "small\n");
    CHECK(r.read_until("\n", 2000).empty());
    CHECK(r.capacity() == 64);  // back to the normal buffer at the next read
}

TEST_CASE("BufferedReader: memory follows the bytes received, not the bytes asked for",
          "[net][reader]") {
    const std::string received(5000, 'y');  // a peer announces 1 MiB, sends 5000 B, stops
    ScriptStream s{received, {.max_read = 100}};
    BufferedReader r{s, 256};
    std::error_code ec;
    CHECK(r.peek(1 << 20, ec).empty());
    CHECK(ec == weft::errc::unexpected_eof);
    CHECK(r.buffered().size() == received.size());
    CHECK(r.capacity() <= 2 * received.size());
}

TEST_CASE("BufferedReader: peek and read_exact", "[net][reader]") {
    ScriptStream s{"headerBODY-0123456789", {.max_read = 3}};
    BufferedReader r{s, 64};
    CHECK(as_string(r.peek(6)) == "header");
    CHECK(as_string(r.peek(6)) == "header");  // peeking consumes nothing
    r.consume(6);
    std::string body(15, '\0');
    CHECK(r.read_exact({reinterpret_cast<std::byte*>(body.data()), body.size()}) == 15);
    CHECK(body == "BODY-0123456789");
    std::array<std::byte, 4> more;
    std::error_code ec;
    CHECK(r.read_exact(more, ec) == 0);
    CHECK(ec == weft::errc::unexpected_eof);
}

TEST_CASE("BufferedReader: large reads go straight into the caller's buffer", "[net][reader]") {
    const std::string data = weft::test::pattern(10'000);
    ScriptStream s{data};
    BufferedReader r{s, 256};
    std::string out(data.size(), '\0');
    std::error_code ec;
    CHECK(r.read_exact({reinterpret_cast<std::byte*>(out.data()), out.size()}, ec) == data.size());
    CHECK(!ec);
    CHECK(out == data);
    CHECK(s.operations() == 1);  // one read of 10,000 B, not 40 refills of 256 B
    CHECK(r.capacity() == 0);    // the reader never needed its own buffer
}

TEST_CASE("BufferedReader: read_some copies what is buffered first", "[net][reader]") {
    ScriptStream s{std::vector<std::string>{"abcdef", "ghij"}};
    BufferedReader r{s, 64};
    (void)r.peek(1);
    std::array<std::byte, 4> out;
    CHECK(r.read_some(out) == 4);
    CHECK(as_string({out.data(), 4}) == "abcd");
    CHECK(r.read_some(out) == 2);
    CHECK(r.read_some(out) == 4);
    CHECK(as_string({out.data(), 4}) == "ghij");
    CHECK(r.read_some(out) == 0);
}

TEST_CASE("BufferedReader: a stream error surfaces, the buffered bytes survive a retry",
          "[net][reader]") {
    const std::string input = "one\ntwo\nthree\n";
    const std::vector<std::string> expected = {"one\n", "two\n", "three\n"};
    for (std::size_t fail = 1; fail <= input.size() + 1; ++fail) {
        ScriptStream s{
            input,
            {.max_read = 2, .fail_at = fail, .fail_with = make_error_code(weft::errc::timed_out)}};
        BufferedReader r{s, 64};
        std::vector<std::string> got;
        int errors = 0;
        for (;;) {
            std::error_code ec;
            auto line = r.read_until("\n", 100, ec);
            if (ec) {
                CHECK(ec == weft::errc::timed_out);
                ++errors;
                continue;  // as after a deadline: retry with the same reader
            }
            if (line.empty()) {
                break;
            }
            got.emplace_back(as_string(line));
        }
        CHECK(errors == (fail <= s.operations() ? 1 : 0));
        CHECK(got == expected);
    }
}

TEST_CASE("BufferedReader over a BufferPool leases on first read and returns on release",
          "[net][reader][pool]") {
    weft::net::BufferPool pool{{.buffer_size = 128, .buffers_per_slab = 1, .max_slabs = 1}};
    ScriptStream s1{"a\nb\n"};
    ScriptStream s2{"c\n"};
    BufferedReader r1{s1, pool};
    BufferedReader r2{s2, pool};
    CHECK(pool.in_use() == 0);
    CHECK(as_string(r1.read_until("\n", 10)) == "a\n");
    CHECK(pool.in_use() == 1);
    std::error_code ec;
    CHECK(r2.read_until("\n", 10, ec).empty());
    CHECK(ec == weft::errc::pool_exhausted);  // that reader fails; the other goes on
    CHECK(!r1.release_buffer());              // "b\n" is still buffered
    CHECK(as_string(r1.read_until("\n", 10)) == "b\n");
    CHECK(r1.release_buffer());
    CHECK(pool.in_use() == 0);
    CHECK(as_string(r2.read_until("\n", 10)) == "c\n");
}

TEST_CASE("BufferedReader over a TcpStream", "[net][reader]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        auto writer = weft::spawn([&client] {
            for (int i = 0; i < 100; ++i) {
                client.write_all(as_bytes("line " + std::to_string(i) + "\n"));
            }
            client.shutdown(weft::net::Shutdown::write);
        });
        BufferedReader r{server, 64};
        int n = 0;
        for (;;) {
            auto line = r.read_until("\n", 64);
            if (line.empty()) {
                break;
            }
            CHECK(as_string(line) == "line " + std::to_string(n) + "\n");
            ++n;
        }
        writer.join();
        CHECK(n == 100);
    });
}
