// Hostile and broken peers over TCP (issue 7 item 5, the parts without HTTP): a peer that
// half-closes, one that resets while we are parked in a read or a write (SIGPIPE stays at its
// default disposition, so a send without MSG_NOSIGNAL would kill this process), and one that
// announces a huge frame and stalls (memory follows the bytes received).
#include <array>
#include <csignal>
#include <string>
#include <sys/socket.h>
#include <system_error>

#include <catch2/catch.hpp>

#include <weft/framing/io.hpp>

#include "support/weft_test.hpp"

namespace {

using namespace std::chrono_literals;
using weft::net::as_bytes;
using weft::net::as_string;
using weft::net::TcpStream;

// Closes `s` with an RST instead of a FIN.
void reset(TcpStream& s) {
    ::linger lg{1, 0};
    REQUIRE(::setsockopt(s.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)) == 0);
    s.close();
}

bool sigpipe_is_default() {
    struct sigaction sa {};
    REQUIRE(::sigaction(SIGPIPE, nullptr, &sa) == 0);
    return sa.sa_handler == SIG_DFL;
}

struct Failure {
    std::error_code code;
    std::string what;
};

}  // namespace

TEST_CASE("half-close: after the peer shuts down its write side, our response still arrives",
          "[reliability][hostile]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        const std::string response = weft::test::pattern(1 << 20, 3);  // many writes' worth
        auto serve = weft::spawn([&] {
            weft::framing::LengthPrefixedParser p;
            weft::net::BufferedReader r{server, 4096};
            std::string request;
            while (auto frame = weft::framing::read_frame(r, p)) {  // until the peer's FIN
                request += as_string(*frame);
            }
            CHECK(request == "onetwothree");
            server.write_all(as_bytes(response));  // after the FIN: the other way still works
            server.close();
        });
        {
            weft::framing::LengthPrefixedParser p;
            weft::net::BufferedWriter w{client};
            for (const char* part : {"one", "two", "three"}) {
                weft::framing::write_frame(w, p, as_bytes(part));
            }
            w.flush();
        }
        client.shutdown(weft::net::Shutdown::write);
        std::string got(response.size(), '\0');
        client.read_exact({reinterpret_cast<std::byte*>(got.data()), got.size()});
        CHECK(got == response);
        std::array<std::byte, 8> more;
        CHECK(client.read_some(more) == 0);  // and then the server's FIN
        serve.join();
    });
}

TEST_CASE("a peer reset while we are parked in a read is ECONNRESET naming the read",
          "[reliability][hostile]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        bool done = false;
        Failure failure;
        auto reader = weft::spawn([&] {
            std::array<std::byte, 16> buf;
            try {
                server.read_some(buf);
            } catch (const std::system_error& e) {
                failure = {e.code(), e.what()};
            }
            done = true;
        });
        weft::this_fiber::yield();  // one worker: the reader runs until it parks
        REQUIRE_FALSE(done);
        reset(client);
        reader.join();
        CHECK(failure.code == std::errc::connection_reset);
        CHECK_THAT(failure.what, Catch::StartsWith("read_some "));
    });
}

TEST_CASE("a peer reset while we are parked in a write is an error, and SIGPIPE stays default",
          "[reliability][hostile]") {
    REQUIRE(sigpipe_is_default());  // so a SIGPIPE would end this process, failing the test
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        const int small = 4096;
        ::setsockopt(server.native_handle(), SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
        ::setsockopt(client.native_handle(), SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
        const std::string big(16 << 20, 'x');  // far more than both socket buffers hold
        bool done = false;
        Failure failure;
        auto writer = weft::spawn([&] {
            try {
                server.write_all(as_bytes(big));
            } catch (const std::system_error& e) {
                failure = {e.code(), e.what()};
            }
            done = true;
        });
        weft::this_fiber::yield();  // the writer runs until it parks on a full buffer
        REQUIRE_FALSE(done);
        reset(client);
        writer.join();
        CHECK((failure.code == std::errc::connection_reset ||
               failure.code == std::errc::broken_pipe));
        CHECK_THAT(failure.what, Catch::StartsWith("write_all "));
        std::error_code ec;  // writing on is an error again, not a signal
        server.write_all(as_bytes("more"), ec);
        CHECK((ec == std::errc::connection_reset || ec == std::errc::broken_pipe));
    });
    CHECK(sigpipe_is_default());
}

TEST_CASE("a frame header announcing 1 GiB, then a stall: memory follows the bytes received",
          "[reliability][hostile]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        weft::framing::LengthPrefixedParser p{{.max_payload = std::size_t{1} << 30}};
        std::array<std::byte, 4> header;
        p.encode_header(header, std::size_t{1} << 30);
        const std::string sent = weft::test::pattern(5000, 9);
        client.write_all(header);
        client.write_all(as_bytes(sent));  // ... and nothing more, the connection left open
        const std::size_t received = header.size() + sent.size();

        weft::net::BufferedReader r{server, 1024};
        std::error_code ec;
        do {  // each deadline ends one wait; go on until every byte sent has been taken in
            server.set_read_deadline(weft::Deadline::after(20ms));
            CHECK_FALSE(weft::framing::read_frame(r, p, ec));
            REQUIRE(ec == weft::errc::timed_out);
            REQUIRE(r.capacity() <= 2 * std::max<std::size_t>(r.buffered().size(), 1024));
        } while (r.buffered().size() < received);
        CHECK(r.buffered().size() == received);
        CHECK(r.capacity() <= 2 * received);  // not 1 GiB
        CHECK(as_string(r.buffered().subspan(header.size())) == sent);
    });
}
