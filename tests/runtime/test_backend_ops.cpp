// Backend ops where a completion backend differs most from a readiness one: an op that the
// deadline, a cancel or close() cuts short while the kernel may already be completing it;
// more ops in flight than the ring has entries; runtime shutdown with ops in flight. Under
// io_uring every such op is cancelled in the kernel and its CQE reaped before it returns;
// under epoll nothing is in flight. Both must lose no byte and no connection, duplicate
// nothing, and resume every fiber exactly once.
#include <array>
#include <cerrno>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <sys/socket.h>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/detail/io_handle.hpp>

#include "support/weft_test.hpp"

using namespace std::chrono_literals;
using weft::net::as_bytes;
using weft::net::TcpStream;

namespace {

// Reads until EOF or `deadline`; everything read, in order.
std::string drain(TcpStream& s, weft::Deadline deadline) {
    s.set_read_deadline(deadline);
    std::string out;
    std::array<std::byte, 4096> buf;
    for (;;) {
        std::error_code ec;
        std::size_t n = s.read_some(buf, ec);
        if (ec || n == 0) {
            return out;
        }
        out.append(reinterpret_cast<const char*>(buf.data()), n);
    }
}

}  // namespace

TEST_CASE("a read cancelled as its data arrives returns it or leaves it in the socket",
          "[runtime][backend][cancel]") {
    const unsigned threads = GENERATE(1u, 4u);  // 4: ops migrate between rings
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        const std::string sent = weft::test::pattern(600, 7);
        std::string received;
        for (std::size_t i = 0; i < sent.size(); ++i) {
            std::error_code ec;
            auto reader = weft::spawn([&] {
                std::array<std::byte, 8> buf;
                std::size_t n = server.read_some(buf, ec);
                received.append(reinterpret_cast<const char*>(buf.data()), n);
            });
            weft::this_fiber::yield();  // the read parks (its SQE is queued, not yet submitted)
            switch (i % 3) {
                case 0:  // data, then the cancel, in one scheduling round
                    client.write_all(as_bytes(sent.substr(i, 1)));
                    reader.cancel();
                    break;
                case 1:  // the cancel first
                    reader.cancel();
                    client.write_all(as_bytes(sent.substr(i, 1)));
                    break;
                default:  // the read was submitted before the data and the cancel
                    weft::this_fiber::yield();
                    client.write_all(as_bytes(sent.substr(i, 1)));
                    reader.cancel();
                    break;
            }
            reader.join();
            if (ec) {
                REQUIRE(ec == weft::errc::cancelled);
            }
        }
        client.shutdown(weft::net::Shutdown::write);
        received += drain(server, weft::Deadline::after(5s));
        CHECK(received == sent);
    });
}

TEST_CASE("a read timing out as its data arrives loses and duplicates nothing",
          "[runtime][backend][deadline]") {
    const unsigned threads = GENERATE(1u, 4u);  // 4: ops migrate between rings
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        const std::string sent = weft::test::pattern(3000, 11);
        auto writer = weft::spawn([&] {
            for (std::size_t i = 0; i < sent.size(); i += 3) {
                if (i % 7 == 0) {
                    const auto jitter = std::chrono::microseconds(i % 30);
                    weft::this_fiber::sleep_for(jitter);  // intended: varies the interleaving
                }
                client.write_all(as_bytes(sent.substr(i, 3)));
                weft::this_fiber::yield();
            }
        });
        std::string received;
        std::array<std::byte, 5> buf;
        while (received.size() < sent.size()) {
            auto left = std::chrono::microseconds(received.size() % 25);
            server.set_read_deadline(weft::Deadline::after(left));
            std::error_code ec;
            std::size_t n = server.read_some(buf, ec);
            REQUIRE((!ec || ec == weft::errc::timed_out));
            received.append(reinterpret_cast<const char*>(buf.data()), n);
        }
        writer.join();
        CHECK(received == sent);
    });
}

TEST_CASE("EOF that arrives with the last data ends a parked reader's loop at once",
          "[runtime][backend]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        std::string got;
        std::error_code ec;
        auto reader = weft::spawn([&] {
            server.set_read_deadline(weft::Deadline::after(10s));
            std::array<std::byte, 64> buf;
            while (std::size_t n = server.read_some(buf, ec)) {
                got.append(reinterpret_cast<const char*>(buf.data()), n);
            }
        });
        weft::this_fiber::yield();  // the reader parks on an empty socket
        // Data and FIN in one scheduling round: one readiness event carries both, and the
        // short read that takes the data must not make the next read wait for another.
        client.write_all(as_bytes("last words"));
        client.shutdown(weft::net::Shutdown::write);
        reader.join();
        CHECK_FALSE(ec);
        CHECK(got == "last words");
    });
}

TEST_CASE("a write cut short by its deadline reports exactly the bytes it sent",
          "[runtime][backend][deadline]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto [client, server] = weft::test::connected_pair();
        const std::string chunk = weft::test::pattern(64 * 1024, 5);
        std::size_t sent = 0;
        std::error_code ec;
        for (int i = 0; i < 10000 && !ec; ++i) {  // until the socket buffers are full
            client.set_write_deadline(weft::Deadline::after(std::chrono::microseconds(i % 200)));
            sent += client.write_all(as_bytes(chunk), ec);
        }
        REQUIRE(ec == weft::errc::timed_out);
        client.close();
        std::string got = drain(server, weft::Deadline::after(10s));
        CHECK(got.size() == sent);
    });
}

TEST_CASE("close wakes the parked reader and writer of a socket, then closes its fd once",
          "[runtime][backend][close]") {
    const unsigned threads = GENERATE(1u, 4u);  // 4: ops migrate between rings
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        for (int round = 0; round < 50; ++round) {
            auto [client, server] = weft::test::connected_pair();
            const int fd = server.native_handle();
            std::error_code read_ec, write_ec;
            auto reader = weft::spawn([&] {
                std::array<std::byte, 16> buf;
                server.read_some(buf, read_ec);
            });
            auto writer = weft::spawn([&] {
                std::string big(8 << 20, 'w');  // more than the socket buffers hold
                server.write_all(as_bytes(big), write_ec);
            });
            for (int i = 0; i < round % 4; ++i) {
                weft::this_fiber::yield();
            }
            server.close();
            reader.join();
            writer.join();
            CHECK(read_ec == weft::errc::closed);
            CHECK(write_ec == weft::errc::closed);
            CHECK(::fcntl(fd, F_GETFD) == -1);  // closed once the ops left, not leaked
        }
    });
}

TEST_CASE("accepts cut short by deadlines lose no connection", "[runtime][backend][deadline]") {
    const unsigned threads = GENERATE(1u, 4u);  // 4: ops migrate between rings
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        auto listener = weft::test::listen_loopback();
        constexpr int conns = 200;
        std::vector<TcpStream> clients;
        auto connector = weft::spawn([&] {
            for (int i = 0; i < conns; ++i) {
                clients.push_back(TcpStream::connect(listener.local_endpoint()));
                weft::this_fiber::yield();
            }
        });
        std::vector<TcpStream> accepted;
        for (int i = 0; accepted.size() < conns; ++i) {
            std::error_code ec;
            auto d = weft::Deadline::after(std::chrono::microseconds(i % 40));
            TcpStream s = listener.accept(d, ec);
            if (!ec) {
                accepted.push_back(std::move(s));
            } else {
                REQUIRE(ec == weft::errc::timed_out);
            }
        }
        connector.join();
        CHECK(accepted.size() == conns);
        std::error_code ec;
        listener.accept(weft::Deadline::after(1ms), ec);  // none left over, none duplicated
        CHECK(ec == weft::errc::timed_out);
    });
}

namespace {

// `pairs` readers park at once (more than a ring's SQ holds), then all complete together.
void many_ops_in_flight(int pairs, unsigned threads) {
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([pairs] {
        auto listener = weft::test::listen_loopback();  // one listener: spare ephemeral ports
        std::vector<std::pair<TcpStream, TcpStream>> conns;
        for (int i = 0; i < pairs; ++i) {
            TcpStream client = TcpStream::connect(listener.local_endpoint());
            conns.emplace_back(std::move(client), listener.accept());
        }
        std::vector<int> got(pairs, -1);
        std::vector<weft::JoinHandle> readers;
        for (int i = 0; i < pairs; ++i) {
            readers.push_back(weft::spawn([&, i] {
                std::array<std::byte, 4> buf;
                if (conns[i].second.read_some(buf) == 1) {
                    got[i] = static_cast<int>(buf[0]);
                }
            }));
        }
        weft::this_fiber::yield();  // every reader parks; their SQEs queue in one round
        for (int i = 0; i < pairs; ++i) {
            std::byte b{static_cast<unsigned char>(i % 251)};
            conns[i].first.write_all({&b, 1});
        }
        for (auto& r : readers) {
            r.join();
        }
        int right = 0;
        for (int i = 0; i < pairs; ++i) {
            right += got[i] == i % 251;
        }
        CHECK(right == pairs);
    });
}

}  // namespace

TEST_CASE("more ops in flight than the ring has entries all complete", "[runtime][backend]") {
    many_ops_in_flight(1000, GENERATE(1u, 4u));  // 1,000 parked reads against a ring of 256
}

TEST_CASE("a ring of 4 entries loses no submission and no completion", "[runtime][backend]") {
    ::setenv("WEFT_IO_URING_ENTRIES", "4", 1);  // SQ 4, CQ 64: both overflow
    many_ops_in_flight(300, GENERATE(1u, 4u));
    ::unsetenv("WEFT_IO_URING_ENTRIES");
}

TEST_CASE("shutdown reaps the ops still in flight, and the runtime runs again",
          "[runtime][backend][cancel]") {
    const unsigned threads = GENERATE(1u, 4u);  // 4: ops migrate between rings
    weft::Runtime rt{weft::test::runtime_options(threads)};
    for (int run = 0; run < 2; ++run) {
        std::vector<std::pair<TcpStream, TcpStream>> conns;
        conns.reserve(100);  // the readers hold references into it
        weft::net::TcpListener listener;
        rt.run([&] {
            listener = weft::test::listen_loopback();
            for (int i = 0; i < 100; ++i) {
                TcpStream client = TcpStream::connect(listener.local_endpoint());
                conns.emplace_back(std::move(client), listener.accept());
                weft::spawn([&s = conns.back().second] {
                    std::array<std::byte, 8> buf;
                    std::error_code ec;    // no throw: ASan without fiber annotations
                    s.read_some(buf, ec);  // misreads exceptions on fiber stacks
                });
            }
            weft::spawn([&] {
                std::error_code ec;
                listener.accept(weft::Deadline::never(), ec);
            });
            weft::this_fiber::yield();  // all parked; main returns with them in flight
        });
        rt.run([&] {  // the streams and the ring still work
            conns[7].first.write_all(as_bytes("again"));
            std::array<std::byte, 5> buf;
            conns[7].second.read_exact(buf);
            CHECK(weft::net::as_string(buf) == "again");
            conns.clear();
            listener.close();
        });
    }
}

TEST_CASE("wait reports readiness, honours its deadline and is woken by close",
          "[runtime][backend]") {
    using weft::detail::Interest;
    using weft::detail::IoHandle;
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        int sv[2];
        REQUIRE(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
        std::error_code ec;
        IoHandle a = IoHandle::adopt(sv[0], ec);
        IoHandle b = IoHandle::adopt(sv[1], ec);
        REQUIRE_FALSE(ec);
        CHECK_FALSE(a.wait(Interest::write, weft::Deadline::never()).ec);
        CHECK(a.wait(Interest::read, weft::Deadline::after(2ms)).ec == weft::errc::timed_out);
        std::array<std::byte, 1> x{std::byte{42}};
        REQUIRE(b.send(x).n == 1);
        CHECK_FALSE(a.wait(Interest::read, weft::Deadline::after(10s)).ec);
        REQUIRE(a.recv(x).n == 1);
        weft::detail::IoResult parked;
        auto cancelled =
            weft::spawn([&] { parked = a.wait(Interest::read, weft::Deadline::never()); });
        weft::this_fiber::yield();
        cancelled.cancel();
        cancelled.join();
        CHECK(parked.ec == weft::errc::cancelled);
        auto closed =
            weft::spawn([&] { parked = b.wait(Interest::read, weft::Deadline::never()); });
        weft::this_fiber::yield();
        b.close();
        closed.join();
        CHECK(parked.ec == weft::errc::closed);
    });
}
