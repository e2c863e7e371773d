#include <atomic>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "support/weft_test.hpp"

using weft::net::AcceptMode;
using weft::net::TcpServer;
using weft::net::TcpStream;

namespace {

void echo(TcpStream conn) {
    std::array<std::byte, 512> buf;
    std::error_code ec;
    while (std::size_t n = conn.read_some(buf, ec)) {
        if (conn.write_all({buf.data(), n}, ec); ec) {
            return;
        }
    }
}

// `clients` connections, each echoing `rounds` messages; returns how many came back intact.
int run_clients(const weft::net::Endpoint& at, int clients, int rounds) {
    std::atomic<int> ok{0};
    std::vector<weft::JoinHandle> hs;
    for (int i = 0; i < clients; ++i) {
        hs.push_back(weft::spawn([&, i] {
            auto c = TcpStream::connect(at);
            std::string msg = weft::test::pattern(100, static_cast<unsigned>(i));
            std::string back(msg.size(), '\0');
            for (int r = 0; r < rounds; ++r) {
                c.write_all(weft::net::as_bytes(msg));
                c.read_exact(std::as_writable_bytes(std::span{back}));
                if (back != msg) {
                    return;
                }
            }
            ++ok;
        }));
    }
    for (auto& h : hs) {
        h.join();
    }
    return ok;
}

}  // namespace

TEST_CASE("TcpServer serves every connection in both accept modes", "[net][server]") {
    auto threads = GENERATE(1u, 2u, 4u);
    auto mode = GENERATE(AcceptMode::per_worker, AcceptMode::single);
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([mode] {
        auto server = TcpServer::bind("127.0.0.1:0", {.accept = mode});
        CHECK(server.local_endpoint().port() != 0);
        auto serving = weft::spawn([&] { server.serve(echo); });
        CHECK(run_clients(server.local_endpoint(), 64, 20) == 64);
        server.close();
        serving.join();  // serve() returns once its acceptors stopped
    });
}

TEST_CASE("TcpServer::bind reports an address in use", "[net][server]") {
    weft::Runtime rt{weft::test::runtime_options(2)};
    rt.run([] {
        auto first = TcpServer::bind("127.0.0.1:0", {.accept = AcceptMode::single});
        CHECK_THROWS_AS(TcpServer::bind(first.local_endpoint(), {.accept = AcceptMode::single}),
                        std::system_error);
    });
}

TEST_CASE("a handler's exception ends only its connection", "[net][server]") {
    std::atomic<int> reported{0};
    weft::RuntimeOptions o = weft::test::runtime_options(2);
    o.on_fiber_exception = [&](std::string_view, std::exception_ptr) {
        ++reported;
    };
    weft::Runtime rt{o};
    rt.run([] {
        auto server = TcpServer::bind("127.0.0.1:0");
        std::atomic<int> n{0};
        auto serving = weft::spawn([&] {
            server.serve([&](TcpStream conn) {
                if (n++ == 0) {
                    throw std::runtime_error("first connection fails");
                }
                echo(std::move(conn));
            });
        });
        {
            auto bad = TcpStream::connect(server.local_endpoint());
            std::array<std::byte, 1> b;
            CHECK(bad.read_some(b) == 0);  // the failed handler's stream was closed
        }
        CHECK(run_clients(server.local_endpoint(), 8, 5) == 8);
        server.close();
        serving.join();
    });
    CHECK(reported == 1);
}

TEST_CASE("Runtime shutdown stops a serving TcpServer", "[net][server]") {
    auto mode = GENERATE(AcceptMode::per_worker, AcceptMode::single);
    weft::Runtime rt{weft::test::runtime_options(2)};
    rt.run([mode] {
        auto server = std::make_shared<TcpServer>(TcpServer::bind("127.0.0.1:0", {.accept = mode}));
        weft::spawn([server] { server->serve(echo); }).detach();
        CHECK(run_clients(server->local_endpoint(), 4, 3) == 4);
        // main returns with serve() parked: the runtime must cancel it, not hang.
    });
}
