#include <array>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/weft_test.hpp"

using weft::net::as_bytes;

TEST_CASE("1,000 concurrent connections echo in one process", "[net][tcp][scale]") {
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([] {
        auto listener = weft::test::listen_loopback();
        constexpr int conns = 1000, rounds = 20;
        auto acceptor = weft::spawn([&] {
            for (int i = 0; i < conns; ++i) {
                weft::spawn([conn = listener.accept()]() mutable {
                    std::array<std::byte, 512> buf;
                    while (std::size_t n = conn.read_some(buf)) {
                        conn.write_all({buf.data(), n});
                    }
                });
            }
        });
        std::vector<weft::JoinHandle> clients;
        std::vector<int> ok(conns, 0);
        for (int c = 0; c < conns; ++c) {
            clients.push_back(weft::spawn([&, c] {
                auto s = weft::net::TcpStream::connect(listener.local_endpoint());
                for (int r = 0; r < rounds; ++r) {
                    std::string msg = weft::test::pattern(1 + (c * 7 + r) % 300, c * rounds + r);
                    s.write_all(as_bytes(msg));
                    std::string back(msg.size(), '\0');
                    s.read_exact({reinterpret_cast<std::byte*>(back.data()), back.size()});
                    ok[c] += back == msg;
                }
            }));
        }
        for (auto& c : clients) {
            c.join();
        }
        acceptor.join();
        int total = 0;
        for (int v : ok) {
            total += v;
        }
        CHECK(total == conns * rounds);
    });
}
