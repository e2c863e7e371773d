// Races between the ways a parked fiber can be resumed: readiness, deadline, cancellation
// and close. Whatever wins, the fiber resumes exactly once (a double resume trips
// WEFT_ASSERT or Boost's own asserts) and no byte is lost or duplicated.
#include <array>
#include <string>

#include <catch2/catch.hpp>

#include "support/weft_test.hpp"

using namespace std::chrono_literals;
using weft::net::as_bytes;

TEST_CASE("readiness racing the read deadline loses no byte", "[runtime][races]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        constexpr int rounds = 2000;
        std::size_t received = 0, timeouts = 0;
        auto writer = weft::spawn([&] {
            for (int i = 0; i < rounds; ++i) {
                if (i % 3 == 0) {
                    const auto jitter = std::chrono::microseconds(i % 50);
                    weft::this_fiber::sleep_for(jitter);  // intended: varies the interleaving
                }
                client.write_all(as_bytes("x"));
                weft::this_fiber::yield();
            }
        });
        std::array<std::byte, 64> buf;
        while (received < rounds) {
            server.set_read_deadline(
                weft::Deadline::after(std::chrono::microseconds(received % 40)));
            std::error_code ec;
            std::size_t n = server.read_some(buf, ec);
            if (ec) {
                REQUIRE(ec == weft::errc::timed_out);
                ++timeouts;
            }
            received += n;
        }
        writer.join();
        CHECK(received == rounds);
        server.set_read_deadline(weft::Deadline::after(1ms));
        std::error_code ec;
        CHECK(server.read_some(buf, ec) == 0);  // nothing duplicated either
        CHECK(ec == weft::errc::timed_out);
    });
}

TEST_CASE("cancellation racing readiness resumes the reader exactly once", "[runtime][races]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        std::size_t received = 0, cancels = 0;
        for (int i = 0; i < 1000; ++i) {
            std::error_code ec;
            std::size_t n = 0;
            auto reader = weft::spawn([&] {
                std::array<std::byte, 8> buf;
                n = server.read_some(buf, ec);
            });
            weft::this_fiber::yield();
            // Readiness and cancellation land in the same scheduling round.
            client.write_all(as_bytes("y"));
            if (i % 2 == 0) {
                reader.cancel();
            }
            reader.join();
            if (ec) {
                REQUIRE(ec == weft::errc::cancelled);
                ++cancels;
            }
            received += n;
        }
        // Bytes a cancelled read did not take are still in the socket.
        server.set_read_deadline(weft::Deadline::after(5ms));
        std::array<std::byte, 2048> buf;
        for (;;) {
            std::error_code ec;
            std::size_t n = server.read_some(buf, ec);
            if (ec) {
                break;
            }
            received += n;
        }
        CHECK(received == 1000);
    });
}

TEST_CASE("close racing a timed read resumes the reader once", "[runtime][races]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        for (int i = 0; i < 300; ++i) {
            auto [client, server] = weft::test::connected_pair();
            std::error_code ec;
            auto reader = weft::spawn([&] {
                server.set_read_deadline(weft::Deadline::after(std::chrono::microseconds(i % 20)));
                std::array<std::byte, 8> buf;
                server.read_some(buf, ec);
            });
            if (i % 2 == 0) {
                weft::this_fiber::yield();
            }
            server.close();
            reader.join();
            CHECK((ec == weft::errc::closed || ec == weft::errc::timed_out));
        }
    });
}
