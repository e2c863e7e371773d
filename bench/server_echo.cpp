// server_echo [ADDRESS] [--threads N] [--backend KIND], with WEFT_ACCEPT=per-worker|single:
// the echo server on weft::net::TcpServer, to compare its two accept modes under echo_load.
#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include <weft/weft.hpp>

#include "example_options.hpp"

int main(int argc, char* argv[]) {
    try {
        examples::Options opt = examples::parse_options(argc, argv, "127.0.0.1:7000");
        const char* mode = std::getenv("WEFT_ACCEPT");
        const bool single = mode != nullptr && std::string_view{mode} == "single";
        weft::Runtime runtime{opt.runtime};
        runtime.run([&] {
            auto server = weft::net::TcpServer::bind(
                opt.address, {.accept = single ? weft::net::AcceptMode::single
                                               : weft::net::AcceptMode::per_worker});
            std::printf("server_echo: %s, %u worker(s), accept %s\n",
                        server.local_endpoint().to_string().c_str(), runtime.threads(),
                        single ? "single" : "per-worker");
            std::fflush(stdout);
            server.serve([](weft::net::TcpStream conn) {
                std::array<std::byte, 4096> buf;
                std::error_code ec;
                while (std::size_t n = conn.read_some(buf, ec)) {
                    if (conn.write_all({buf.data(), n}, ec); ec) {
                        return;
                    }
                }
            });
        });
        return 0;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "server_echo: %s\n", e.what());
        return 1;
    }
}
