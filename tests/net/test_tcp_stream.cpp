#include <array>
#include <atomic>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <numeric>
#include <string>
#include <sys/socket.h>
#include <vector>

#include <catch2/catch.hpp>

#include "support/weft_test.hpp"

using namespace std::chrono_literals;
using weft::net::as_bytes;
using weft::net::as_string;
using weft::net::TcpStream;

namespace {

// Both overloads of every op exist with the documented signatures.
[[maybe_unused]] void compile_checks(TcpStream& s, std::span<std::byte> b, std::error_code& ec) {
    static_assert(noexcept(s.read_some(b, ec)));
    static_assert(noexcept(s.read_exact(b, ec)));
    static_assert(noexcept(s.write_all(weft::net::ConstBuffer{b}, ec)));
    static_assert(!noexcept(s.read_some(b)));
}

std::string read_n(TcpStream& s, std::size_t n) {
    std::string out(n, '\0');
    s.read_exact({reinterpret_cast<std::byte*>(out.data()), n});
    return out;
}

}  // namespace

TEST_CASE("bytes written on one end are read on the other", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        client.write_all(as_bytes("hello"));
        CHECK(read_n(server, 5) == "hello");
        server.write_all(as_bytes("world!"));
        std::array<std::byte, 64> buf;
        std::size_t got = 0;
        while (got < 6) {
            got += client.read_some(std::span{buf}.subspan(got));
        }
        CHECK(as_string({buf.data(), got}) == "world!");
    });
}

TEST_CASE("read_some returns 0 at orderly EOF", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        client.shutdown(weft::net::Shutdown::write);
        std::array<std::byte, 16> buf;
        CHECK(server.read_some(buf) == 0);
        CHECK(server.read_some(buf) == 0);         // and stays at EOF
        server.write_all(as_bytes("still open"));  // half-close: the other direction works
        CHECK(read_n(client, 10) == "still open");
    });
}

TEST_CASE("read_exact reports unexpected_eof with the bytes it got", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        client.write_all(as_bytes("abc"));
        client.close();
        std::array<std::byte, 10> buf;
        std::error_code ec;
        CHECK(server.read_exact(buf, ec) == 3);
        CHECK(ec == weft::errc::unexpected_eof);
        CHECK_THROWS_AS(server.read_exact(buf), std::system_error);
    });
}

TEST_CASE("a reset by the peer is ECONNRESET on read", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        ::linger lg{1, 0};  // close with RST
        ::setsockopt(client.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        client.close();
        std::array<std::byte, 16> buf;
        std::error_code ec;
        server.read_some(buf, ec);
        CHECK(ec == std::errc::connection_reset);
    });
}

TEST_CASE("writing to a closed peer is an error, never SIGPIPE", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        server.close();
        std::string chunk(64 * 1024, 'x');
        std::error_code ec;
        for (int i = 0; i < 1000 && !ec; ++i) {
            client.write_all(as_bytes(chunk), ec);
        }
        CHECK((ec == std::errc::broken_pipe || ec == std::errc::connection_reset));
    });
}

TEST_CASE("errors name the operation and both endpoints", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        server.set_read_deadline(weft::Deadline::after(1ms));
        try {
            std::array<std::byte, 4> buf;
            server.read_some(buf);
            FAIL("read_some did not time out");
        } catch (const std::system_error& e) {
            CHECK(e.code() == weft::errc::timed_out);
            std::string what = e.what();
            CHECK_THAT(what, Catch::StartsWith("read_some " + server.local_endpoint().to_string() +
                                               "->" + client.local_endpoint().to_string()));
            CHECK_THAT(what, Catch::Contains("timed out"));
        }
    });
}

TEST_CASE("the read deadline is state: it holds until changed", "[net][tcp][deadline]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        std::array<std::byte, 4> buf;
        std::error_code ec;
        server.set_read_deadline(weft::Deadline::after(2ms));
        server.read_some(buf, ec);
        CHECK(ec == weft::errc::timed_out);
        server.read_some(buf, ec);  // the deadline has passed: still fails
        CHECK(ec == weft::errc::timed_out);
        client.write_all(as_bytes("late"));
        // An expired deadline bounds the wait, not the attempt: data already there is read.
        std::size_t n = server.read_some(buf, ec);
        CHECK_FALSE(ec);
        REQUIRE(n == 4);  // one small loopback write arrives whole
        CHECK(weft::net::as_string(buf) == "late");
        server.read_some(buf, ec);
        CHECK(ec == weft::errc::timed_out);
    });
}

TEST_CASE("the write deadline fires when the peer does not read", "[net][tcp][deadline]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        client.set_write_deadline(weft::Deadline::after(20ms));
        std::string chunk(256 * 1024, 'x');
        std::error_code ec;
        std::size_t total = 0;
        for (int i = 0; i < 10000 && !ec; ++i) {
            total += client.write_all(as_bytes(chunk), ec);
        }
        CHECK(ec == weft::errc::timed_out);
        CHECK(total > 0);
    });
}

TEST_CASE("closing a stream wakes its parked reader with errc::closed", "[net][tcp][cancel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        std::error_code ec;
        auto reader = weft::spawn([&] {
            std::array<std::byte, 4> buf;
            server.read_some(buf, ec);
        });
        weft::this_fiber::yield();
        server.close();
        reader.join();
        CHECK(ec == weft::errc::closed);
        CHECK_FALSE(server.is_open());
        std::array<std::byte, 4> buf;
        server.read_some(buf, ec);
        CHECK(ec == weft::errc::closed);
    });
}

TEST_CASE("cancelling a fiber wakes its parked read with errc::cancelled", "[net][tcp][cancel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        std::error_code ec;
        auto reader = weft::spawn([&] {
            std::array<std::byte, 4> buf;
            server.read_some(buf, ec);
        });
        weft::this_fiber::yield();
        reader.cancel();
        reader.join();
        CHECK(ec == weft::errc::cancelled);
        client.write_all(as_bytes("ok"));  // the stream itself is still usable
        CHECK(read_n(server, 2) == "ok");
    });
}

TEST_CASE("one reader and one writer may block on one socket at once", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        const std::string big = weft::test::pattern(4 << 20, 3);
        std::string echoed;
        // The writer blocks on a full send buffer while the reader blocks on an empty
        // receive buffer, on the same socket.
        auto writer = weft::spawn([&] { client.write_all(as_bytes(big)); });
        auto reader = weft::spawn([&] { echoed = read_n(client, big.size()); });
        auto echo = weft::spawn([&] {
            std::array<std::byte, 16384> buf;
            std::size_t left = big.size();
            while (left > 0) {
                std::size_t n = server.read_some(buf);
                server.write_all({buf.data(), n});
                left -= n;
            }
        });
        writer.join();
        reader.join();
        echo.join();
        CHECK(echoed == big);
    });
}

TEST_CASE("whole writes from several fibers never interleave", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        constexpr int writers = 4;
        constexpr std::size_t msg = 300 * 1024;  // bigger than the socket buffer
        std::vector<weft::JoinHandle> hs;
        for (int w = 0; w < writers; ++w) {
            hs.push_back(weft::spawn([&client, w] {
                std::string m(msg, static_cast<char>('a' + w));
                client.write_all(as_bytes(m));
            }));
        }
        std::string all = read_n(server, writers * msg);
        for (auto& h : hs) {
            h.join();
        }
        for (int w = 0; w < writers; ++w) {
            std::string_view part{all.data() + w * msg, msg};
            CHECK(part.find_first_not_of(part.front()) == std::string_view::npos);
        }
    });
}

TEST_CASE("a gather write sends every buffer in order with no copy", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        // 200 buffers (more than one writev takes), some empty, one large.
        std::vector<std::string> parts;
        for (int i = 0; i < 200; ++i) {
            parts.push_back(i % 7 == 0 ? std::string{} : weft::test::pattern(i * 13, i));
        }
        parts[100] = weft::test::pattern(3 << 20, 100);
        std::vector<weft::net::ConstBuffer> bufs;
        std::string expected;
        for (auto& p : parts) {
            bufs.push_back(as_bytes(p));
            expected += p;
        }
        std::string got;
        auto reader = weft::spawn([&] { got = read_n(server, expected.size()); });
        client.write_all(bufs);
        reader.join();
        CHECK(got == expected);
    });
}

TEST_CASE("connect to a closed port is ECONNREFUSED", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::net::Endpoint dead;
        {
            auto l = weft::test::listen_loopback();
            dead = l.local_endpoint();
        }
        std::error_code ec;
        TcpStream::connect(dead, weft::Deadline::never(), ec);
        CHECK(ec == std::errc::connection_refused);
        CHECK_THROWS_WITH(TcpStream::connect(dead),
                          Catch::Contains("connect to " + dead.to_string()));
    });
}

TEST_CASE("connect with a passed deadline fails before trying", "[net][tcp][deadline]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto l = weft::test::listen_loopback();
        std::error_code ec;
        TcpStream::connect(l.local_endpoint(), weft::Deadline::after(-1ms), ec);
        CHECK(ec == weft::errc::timed_out);
    });
}

TEST_CASE("an empty stream reports errc::closed, not a crash", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TcpStream s;
        std::array<std::byte, 4> buf;
        std::error_code ec;
        s.read_some(buf, ec);
        CHECK(ec == weft::errc::closed);
        s.write_all(as_bytes("x"), ec);
        CHECK(ec == weft::errc::closed);
        CHECK_FALSE(s.is_open());
    });
}

TEST_CASE("nodelay is on by default and can be switched", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        int v = 0;
        socklen_t len = sizeof(v);
        ::getsockopt(client.native_handle(), IPPROTO_TCP, TCP_NODELAY, &v, &len);
        CHECK(v == 1);
        client.set_nodelay(false);
        ::getsockopt(client.native_handle(), IPPROTO_TCP, TCP_NODELAY, &v, &len);
        CHECK(v == 0);
    });
}

TEST_CASE("a stream moved into a fiber keeps working", "[net][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        auto h = weft::spawn([conn = std::move(server)]() mutable {
            std::array<std::byte, 8> buf;
            while (std::size_t n = conn.read_some(buf)) {
                conn.write_all({buf.data(), n});
            }
        });
        client.write_all(as_bytes("ping"));
        CHECK(read_n(client, 4) == "ping");
        client.shutdown(weft::net::Shutdown::write);
        h.join();
        std::array<std::byte, 1> buf;
        CHECK(client.read_some(buf) == 0);
    });
}

TEST_CASE("wait_readable parks until bytes come, consumes none, and sees EOF",
          "[net][tcp][wait_readable]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        std::atomic<bool> woke{false};
        auto waiter = weft::spawn([&] {
            server.wait_readable();
            woke = true;
        });
        weft::this_fiber::yield();
        CHECK_FALSE(woke);  // nothing sent yet: it is parked
        client.write_all(weft::net::as_bytes("abc"));
        waiter.join();
        CHECK(woke);
        // Bytes still unread: a second wait returns at once (no edge is needed for it).
        server.wait_readable();
        server.wait_readable();
        std::array<std::byte, 8> buf;
        CHECK(server.read_some(buf) == 3);
        CHECK(weft::net::as_string({buf.data(), 3}) == "abc");
        client.shutdown(weft::net::Shutdown::write);
        server.wait_readable();  // EOF is readable
        CHECK(server.read_some(buf) == 0);
    });
}

TEST_CASE("wait_readable honours the read deadline and close", "[net][tcp][wait_readable]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        std::error_code ec;
        server.set_read_deadline(weft::Deadline::after(std::chrono::milliseconds(5)));
        server.wait_readable(ec);
        CHECK(ec == weft::errc::timed_out);
        server.set_read_deadline(weft::Deadline::never());
        auto waiter = weft::spawn([&] { server.wait_readable(ec); });
        weft::this_fiber::yield();
        server.close();
        waiter.join();
        CHECK(ec == weft::errc::closed);
    });
}

TEST_CASE("wait_readable parks again when a read without parking took the bytes of an edge",
          "[net][tcp][wait_readable]") {
    weft::Runtime rt{weft::test::runtime_options()};  // one worker: the fibers' order is fixed
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        auto [other_client, other_server] = weft::test::connected_pair();
        std::array<std::byte, 8> buf;
        // "a" arrives while this fiber is parked on the other socket, so its edge reaches
        // `server` with nobody waiting there.
        auto sender = weft::spawn([&] {
            client.write_all(as_bytes("a"));
            other_client.write_all(as_bytes("x"));
        });
        CHECK(other_server.read_some(buf) == 1);
        sender.join();
        CHECK(server.read_some(buf) == 1);  // "a", taken without parking: the edge is used up
        // Nothing is readable: wait_readable must park until "b" comes (it runs in a fiber
        // that starts only once this one parks), not return on the used-up edge.
        bool b_sent = false;
        auto later = weft::spawn([&] {
            b_sent = true;
            client.write_all(as_bytes("b"));
        });
        server.wait_readable();
        CHECK(b_sent);
        CHECK(server.read_some(buf) == 1);
        CHECK(as_string({buf.data(), 1}) == "b");
        later.join();
    });
}

TEST_CASE("a read queued behind another reader of the stream can be cancelled",
          "[net][tcp][cancel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        std::string first;
        auto holder =
            weft::spawn([&] { first = read_n(server, 4); });  // parks holding the read side
        weft::this_fiber::yield();
        std::error_code queued_ec;
        auto queued = weft::spawn([&] {
            std::array<std::byte, 4> buf;
            server.read_some(buf, queued_ec);
        });
        weft::this_fiber::yield();
        queued.cancel();
        queued.join();
        CHECK(queued_ec == weft::errc::cancelled);
        client.write_all(as_bytes("abcd"));  // the first reader still gets every byte
        holder.join();
        CHECK(first == "abcd");
        client.write_all(as_bytes("ef"));  // and the read side is free again
        CHECK(read_n(server, 2) == "ef");
    });
}

TEST_CASE("a read queued behind another reader of the stream honours the read deadline",
          "[net][tcp][deadline]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        std::string first;
        auto holder = weft::spawn([&] { first = read_n(server, 4); });  // no deadline
        weft::this_fiber::yield();
        // The deadline is the stream's: it bounds the queued read, not the one in progress.
        server.set_read_deadline(weft::Deadline::after(std::chrono::milliseconds(5)));
        std::array<std::byte, 4> buf;
        std::error_code ec;
        CHECK(server.read_some(buf, ec) == 0);
        CHECK(ec == weft::errc::timed_out);
        server.set_read_deadline(weft::Deadline::never());
        client.write_all(as_bytes("abcd"));
        holder.join();
        CHECK(first == "abcd");
    });
}
