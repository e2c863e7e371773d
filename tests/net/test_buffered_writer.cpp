#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/net/buffered_writer.hpp>

#include "support/script_stream.hpp"
#include "support/weft_test.hpp"

using weft::net::as_bytes;
using weft::net::BufferedWriter;
using weft::net::ConstBuffer;
using weft::test::ScriptStream;

TEST_CASE("BufferedWriter: small writes wait for flush and go out in one write", "[net][writer]") {
    ScriptStream s{""};
    BufferedWriter w{s, 64};
    w.write(as_bytes("GET "));
    w.write(as_bytes("/ "));
    w.write(as_bytes("HTTP/1.1\r\n"));
    CHECK(s.output().empty());
    CHECK(w.pending() == 16);
    w.flush();
    CHECK(s.output() == "GET / HTTP/1.1\r\n");
    CHECK(s.operations() == 1);
    CHECK(w.pending() == 0);
}

TEST_CASE("BufferedWriter: a full buffer is written and the rest buffered", "[net][writer]") {
    ScriptStream s{""};
    BufferedWriter w{s, 64};
    const std::string a(30, 'a'), b(30, 'b'), c(30, 'c');
    w.write(as_bytes(a));
    w.write(as_bytes(b));
    w.write(as_bytes(c));  // does not fit: the 60 pending go out, then c is buffered whole
    CHECK(s.output() == a + b);
    CHECK(w.pending() == 30);
    w.flush();
    CHECK(s.output() == a + b + c);
}

TEST_CASE("BufferedWriter: large writes are gathered with what is pending, not copied",
          "[net][writer]") {
    ScriptStream s{""};
    BufferedWriter w{s, 64};
    const std::string big = weft::test::pattern(1000);
    w.write(as_bytes("header:"));
    w.write(as_bytes(big));
    CHECK(s.output() == "header:" + big);  // in order, in one gather write
    CHECK(s.operations() == 2);            // ScriptStream counts each gathered buffer
    CHECK(w.pending() == 0);
}

TEST_CASE("BufferedWriter: mixed gather writes keep their order", "[net][writer]") {
    ScriptStream s{""};
    BufferedWriter w{s, 64};
    const std::string big1(100, 'X'), big2(200, 'Y');
    std::vector<ConstBuffer> bufs = {as_bytes("a"), as_bytes(big1), as_bytes(big2), as_bytes("b"),
                                     as_bytes("c")};
    w.write(bufs);
    w.flush();
    CHECK(s.output() == "a" + big1 + big2 + "bc");
}

TEST_CASE("BufferedWriter: the same bytes arrive whatever the stream's write sizes",
          "[net][writer]") {
    const std::string msg = weft::test::pattern(500);
    for (std::size_t k : {1, 3, 7, 64, 1000}) {
        ScriptStream s{"", {.max_write = k}};
        BufferedWriter w{s, 64};
        for (std::size_t at = 0; at < msg.size(); at += 13) {
            w.write(as_bytes(std::string_view{msg}.substr(at, 13)));
        }
        w.write(as_bytes(msg));
        w.flush();
        CHECK(s.output() == msg + msg);
    }
}

TEST_CASE("BufferedWriter: a failed write is an error, what was not written stays pending",
          "[net][writer]") {
    for (std::size_t fail = 1; fail <= 6; ++fail) {
        ScriptStream s{"", {.max_write = 10, .fail_at = fail}};
        BufferedWriter w{s, 64};
        for (int i = 0; i < 5; ++i) {
            w.write(as_bytes(std::string(10, 'z')));  // small: buffered, nothing written
        }
        std::error_code ec;
        w.flush(ec);
        if (fail <= 5) {
            CHECK(ec == std::errc::connection_reset);
            CHECK(s.output().size() + w.pending() == 50);
            w.flush(ec);  // ScriptStream fails once: a retry sends the rest, nothing twice
            CHECK(!ec);
        }
        CHECK(s.output() == std::string(50, 'z'));
        CHECK(w.pending() == 0);
    }
}

TEST_CASE("BufferedWriter over a BufferPool takes a buffer only while it has one",
          "[net][writer][pool]") {
    weft::net::BufferPool pool{{.buffer_size = 128, .buffers_per_slab = 1, .max_slabs = 1}};
    ScriptStream s{""};
    BufferedWriter w{s, pool};
    CHECK(pool.in_use() == 0);
    w.write(as_bytes("x"));
    CHECK(pool.in_use() == 1);
    CHECK(!w.release_buffer());
    w.flush();
    CHECK(w.release_buffer());
    CHECK(pool.in_use() == 0);
}

TEST_CASE("BufferedWriter: a small write that fails while flushing is not taken at all",
          "[net][writer]") {
    ScriptStream s2{"", {.fail_at = 1}};
    BufferedWriter w2{s2, 64};
    w2.write(as_bytes(std::string(30, 'a')));
    w2.write(as_bytes(std::string(20, 'b')));
    std::error_code ec;
    w2.write(as_bytes(std::string(20, 'c')), ec);  // 50 + 20 > 64: flush first, which fails
    CHECK(ec == std::errc::connection_reset);
    CHECK(w2.pending() == 50);  // the 20 'c' were not taken
    w2.flush();                 // ScriptStream fails once: now the 50 go out
    CHECK(s2.output() == std::string(30, 'a') + std::string(20, 'b'));
}
