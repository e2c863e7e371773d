// resolve() and TcpStream::connect by name. Only "localhost" and numeric addresses are
// resolved: the tests need no network (nor a DNS server).
#include <algorithm>
#include <array>
#include <netdb.h>
#include <stdexcept>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/net/resolve.hpp>

#include "support/weft_test.hpp"

using namespace std::chrono_literals;
using weft::net::Endpoint;

namespace {

bool is_loopback(const Endpoint& e) {
    return e == Endpoint::loopback_v4(e.port()) || e == Endpoint::loopback_v6(e.port());
}

std::error_code code_of(const std::function<void()>& fn) {
    try {
        fn();
    } catch (const std::system_error& e) {
        return e.code();
    }
    return {};
}

// A port with (very likely) nothing listening: bound once, then closed.
std::uint16_t closed_port() {
    auto l = weft::test::listen_loopback();
    return l.local_endpoint().port();
}

}  // namespace

TEST_CASE("resolve: localhost gives loopback endpoints with the port", "[resolve]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto eps = weft::net::resolve("localhost", "8080");
        REQUIRE_FALSE(eps.empty());
        for (const auto& e : eps) {
            CHECK(is_loopback(e));
            CHECK(e.port() == 8080);
        }
        // No duplicates.
        for (std::size_t i = 0; i < eps.size(); ++i) {
            for (std::size_t j = i + 1; j < eps.size(); ++j) {
                CHECK_FALSE(eps[i] == eps[j]);
            }
        }
        // An empty host means the loopback addresses too.
        auto local = weft::net::resolve("", "9");
        REQUIRE_FALSE(local.empty());
        CHECK(std::all_of(local.begin(), local.end(), is_loopback));
    });
}

TEST_CASE("resolve: numeric hosts need no lookup", "[resolve]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        CHECK(weft::net::resolve("127.0.0.1", "80") ==
              std::vector<Endpoint>{Endpoint::parse("127.0.0.1:80")});
        CHECK(weft::net::resolve("::1", "443") ==
              std::vector<Endpoint>{Endpoint::loopback_v6(443)});
        CHECK(weft::net::resolve("[::1]", "443") ==
              std::vector<Endpoint>{Endpoint::loopback_v6(443)});
        // No lookup, so no wait: a deadline already past does not matter.
        CHECK(weft::net::resolve("10.1.2.3", "7", weft::Deadline::after(-1s)).size() == 1);
    });
    // Nor a fiber.
    std::error_code ec;
    CHECK(weft::net::resolve("127.0.0.1", "1", weft::Deadline::never(), ec).size() == 1);
    CHECK_FALSE(ec);
}

TEST_CASE("resolve: errors carry getaddrinfo's message", "[resolve]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        try {
            weft::net::resolve("localhost", "no-such-service-weft");
            FAIL("an unknown service must fail");
        } catch (const std::system_error& e) {
            CHECK(e.code().category() == weft::net::resolve_category());
            CHECK(e.code().value() == EAI_SERVICE);
            std::string what = e.what();
            CHECK(what.find("resolve localhost:no-such-service-weft") != std::string::npos);
            CHECK(what.find(gai_strerror(EAI_SERVICE)) != std::string::npos);
        }
        std::error_code ec;
        auto none = weft::net::resolve("", "", weft::Deadline::never(), ec);
        CHECK(none.empty());
        CHECK(ec.category() == weft::net::resolve_category());
        CHECK(ec.value() == EAI_NONAME);
        CHECK(ec.message() == gai_strerror(EAI_NONAME));
        CHECK(std::string{weft::net::resolve_category().name()} == "getaddrinfo");
    });
}

TEST_CASE("resolve: deadline, cancel and outside a fiber", "[resolve][deadline][cancel]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        CHECK(code_of([] { weft::net::resolve("localhost", "80", weft::Deadline::after(-1s)); }) ==
              weft::errc::timed_out);
        std::error_code cancelled;
        auto h = weft::spawn(
            [&] { weft::net::resolve("localhost", "80", weft::Deadline::never(), cancelled); });
        h.cancel();
        h.join();
        CHECK(cancelled == weft::errc::cancelled);
    });
    std::error_code ec;
    CHECK(weft::net::resolve("localhost", "80", weft::Deadline::never(), ec).empty());
    CHECK(ec == weft::errc::not_in_fiber);
}

TEST_CASE("resolve: many fibers across workers", "[resolve]") {
    weft::Runtime rt{weft::test::runtime_options(4)};
    rt.run([] {
        std::atomic<int> ok{0};
        std::vector<weft::JoinHandle> hs;
        for (int i = 0; i < 64; ++i) {
            hs.push_back(weft::spawn([&, i] {
                auto eps = weft::net::resolve("localhost", std::to_string(1000 + i));
                ok += !eps.empty() && eps.front().port() == 1000 + i ? 1 : 0;
            }));
        }
        for (auto& h : hs) {
            h.join();
        }
        CHECK(ok == 64);
    });
}

TEST_CASE("Endpoint::parse stays numeric-only", "[resolve][endpoint]") {
    CHECK_THROWS_WITH(Endpoint::parse("localhost:80"), Catch::Contains("resolve"));
    CHECK_FALSE(Endpoint::try_parse("localhost:80"));
}

TEST_CASE("TcpStream::connect resolves names", "[resolve][tcp]") {
    auto threads = GENERATE(1u, 2u);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        auto listener = weft::test::listen_loopback();  // 127.0.0.1 only
        const std::uint16_t port = listener.local_endpoint().port();
        auto server = weft::spawn([&] {
            for (int i = 0; i < 3; ++i) {
                auto c = listener.accept();
                std::array<std::byte, 1> b;
                c.read_exact(b);
                c.write_all(b);
            }
        });
        auto ping = [](weft::net::TcpStream& c) {
            c.write_all(weft::net::as_bytes("x"));
            std::array<std::byte, 1> b;
            c.read_exact(b);
            return c.peer_endpoint();
        };
        // If localhost also resolves to ::1, that attempt is refused and 127.0.0.1 is next.
        auto a = weft::net::TcpStream::connect("localhost:" + std::to_string(port),
                                               weft::Deadline::after(30s));
        CHECK(ping(a) == Endpoint::loopback_v4(port));
        auto b = weft::net::TcpStream::connect("localhost", port);
        CHECK(ping(b) == Endpoint::loopback_v4(port));
        std::error_code ec;
        auto c = weft::net::TcpStream::connect("127.0.0.1:" + std::to_string(port),
                                               weft::Deadline::never(), ec);
        REQUIRE_FALSE(ec);
        CHECK(ping(c) == Endpoint::loopback_v4(port));
        server.join();
    });
}

TEST_CASE("TcpStream::connect tries each candidate in order", "[resolve][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        const std::uint16_t dead = closed_port();
        auto listener = weft::test::listen_loopback();
        const Endpoint live = listener.local_endpoint();
        auto server = weft::spawn([&] { (void)listener.accept(); });
        std::vector<Endpoint> candidates{Endpoint::loopback_v4(dead), live};
        auto s = weft::net::TcpStream::connect(candidates);
        CHECK(s.peer_endpoint() == live);
        server.join();
        // All refused: the first error is reported.
        std::vector<Endpoint> refused{Endpoint::loopback_v4(dead), Endpoint::loopback_v4(dead)};
        std::error_code ec;
        weft::net::TcpStream::connect(refused, weft::Deadline::never(), ec);
        CHECK(ec == std::errc::connection_refused);
        try {
            weft::net::TcpStream::connect(refused);
            FAIL("must throw");
        } catch (const std::system_error& e) {
            CHECK(std::string{e.what()}.find("and 1 more") != std::string::npos);
        }
        weft::net::TcpStream::connect(std::span<const Endpoint>{}, weft::Deadline::never(), ec);
        CHECK(ec == std::errc::invalid_argument);
    });
}

TEST_CASE("TcpStream::connect by name: errors", "[resolve][tcp]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        const std::uint16_t dead = closed_port();
        CHECK(code_of([&] { weft::net::TcpStream::connect("localhost", dead); }) ==
              std::errc::connection_refused);
        CHECK_THROWS_AS(weft::net::TcpStream::connect("localhost"), std::invalid_argument);
        CHECK_THROWS_AS(weft::net::TcpStream::connect("::1:80"), std::invalid_argument);
        std::error_code ec;
        weft::net::TcpStream::connect("localhost", weft::Deadline::never(), ec);
        CHECK(ec == std::errc::invalid_argument);
        weft::net::TcpStream::connect("localhost:no-such-service-weft", weft::Deadline::never(),
                                      ec);
        CHECK(ec.category() == weft::net::resolve_category());
        // The deadline covers the lookup: one already past fails before any attempt.
        CHECK(code_of([&] {
                  weft::net::TcpStream::connect("localhost:" + std::to_string(dead),
                                                weft::Deadline::after(-1s));
              }) == weft::errc::timed_out);
        try {
            weft::net::TcpStream::connect("localhost", dead);
        } catch (const std::system_error& e) {
            CHECK(std::string{e.what()}.find("to localhost:" + std::to_string(dead)) !=
                  std::string::npos);
        }
    });
}
