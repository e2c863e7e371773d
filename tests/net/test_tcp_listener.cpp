#include <catch2/catch.hpp>

#include "support/weft_test.hpp"

using namespace std::chrono_literals;
using weft::net::TcpListener;
using weft::net::TcpStream;

TEST_CASE("accept returns connections with their peer endpoint", "[net][listener]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TcpListener l = weft::test::listen_loopback();
        CHECK(l.local_endpoint().port() != 0);
        TcpStream c = TcpStream::connect(l.local_endpoint());
        std::error_code ec;
        weft::net::Endpoint peer;
        TcpStream s = l.accept(weft::Deadline::never(), ec, &peer);
        REQUIRE_FALSE(ec);
        CHECK(peer == c.local_endpoint());
        CHECK(s.peer_endpoint() == c.local_endpoint());
        CHECK(s.local_endpoint() == l.local_endpoint());
    });
}

TEST_CASE("accept with a deadline times out", "[net][listener][deadline]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TcpListener l = weft::test::listen_loopback();
        std::error_code ec;
        l.accept(weft::Deadline::after(5ms), ec);
        CHECK(ec == weft::errc::timed_out);
        l.accept(weft::Deadline::after(-1s), ec);  // already past: fails before the syscall
        CHECK(ec == weft::errc::timed_out);
        CHECK_THROWS_AS(l.accept(weft::Deadline::after(1ms)), std::system_error);
    });
}

TEST_CASE("closing a listener wakes its acceptor with errc::closed", "[net][listener]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TcpListener l = weft::test::listen_loopback();
        std::error_code ec;
        auto acceptor = weft::spawn([&] { l.accept(weft::Deadline::never(), ec); });
        weft::this_fiber::yield();
        l.close();
        acceptor.join();
        CHECK(ec == weft::errc::closed);
        CHECK_FALSE(l.is_open());
        l.accept(weft::Deadline::never(), ec);
        CHECK(ec == weft::errc::closed);
    });
}

TEST_CASE("binding a port in use fails with EADDRINUSE naming the address", "[net][listener]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TcpListener a = weft::test::listen_loopback();
        weft::net::ListenOptions no_reuse{.reuse_address = false};
        try {
            TcpListener::bind(a.local_endpoint(), no_reuse);
            FAIL("bind succeeded");
        } catch (const std::system_error& e) {
            CHECK(e.code() == std::errc::address_in_use);
            CHECK_THAT(e.what(), Catch::Contains("bind " + a.local_endpoint().to_string()));
        }
    });
}

TEST_CASE("SO_REUSEPORT lets two listeners share a port", "[net][listener]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        weft::net::ListenOptions shared{.reuse_port = true};
        TcpListener a = TcpListener::bind(weft::net::Endpoint::loopback_v4(0), shared);
        TcpListener b = TcpListener::bind(a.local_endpoint(), shared);
        CHECK(b.local_endpoint() == a.local_endpoint());
    });
}

TEST_CASE("an accept loop drains the backlog without losing a connection", "[net][listener]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TcpListener l = weft::test::listen_loopback();
        std::vector<TcpStream> clients;
        for (int i = 0; i < 100; ++i) {
            clients.push_back(TcpStream::connect(l.local_endpoint()));
        }
        std::vector<TcpStream> accepted;
        for (int i = 0; i < 100; ++i) {
            accepted.push_back(l.accept());
        }
        CHECK(accepted.size() == 100);
    });
}

TEST_CASE("IPv6 loopback works end to end", "[net][listener]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        TcpListener l = TcpListener::bind("[::1]:0");
        TcpStream c = TcpStream::connect(l.local_endpoint());
        TcpStream s = l.accept();
        c.write_all(weft::net::as_bytes("v6"));
        std::array<std::byte, 2> buf;
        s.read_exact(buf);
        CHECK(weft::net::as_string(buf) == "v6");
        CHECK(s.peer_endpoint().is_v6());
    });
}
