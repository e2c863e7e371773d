// echo_server [ADDRESS] [--threads N] [--backend epoll|io_uring|auto]
//
// One fiber per connection, written as plain blocking calls: every read that would block
// parks its fiber, and the worker serves the other connections meanwhile.
#include <array>
#include <cstdio>
#include <exception>
#include <string>

#include <weft/weft.hpp>

#include "example_options.hpp"

using namespace std::chrono_literals;

int main(int argc, char* argv[]) {
    try {
        examples::Options opt = examples::parse_options(argc, argv, "127.0.0.1:7000");
        weft::Runtime runtime{opt.runtime};
        return runtime.run([&] {
            auto listener = weft::net::TcpListener::bind(opt.address);
            std::printf("echo_server: listening on %s (%s backend)\n",
                        listener.local_endpoint().to_string().c_str(),
                        std::string{weft::to_string(runtime.backend())}.c_str());
            std::fflush(stdout);
            weft::net::AcceptBackoff backoff;
            for (;;) {
                std::error_code ec;
                weft::net::TcpStream conn = listener.accept(weft::Deadline::never(), ec);
                if (ec) {
                    // Out of fds (EMFILE/ENFILE) or memory: the connection waits in the backlog.
                    // Pause 1 ms, doubling to 100 ms while it lasts, instead of spinning; log once
                    // per run.
                    if (backoff.failures() == 0) {
                        std::fprintf(stderr, "echo_server: accept: %s\n", ec.message().c_str());
                    }
                    weft::this_fiber::sleep_for(backoff.next());
                    continue;
                }
                backoff.reset();
                weft::spawn([conn = std::move(conn)]() mutable {
                    std::array<std::byte, 4096> buf;
                    std::error_code io;
                    while (std::size_t n = conn.read_some(buf, io)) {
                        if (conn.write_all({buf.data(), n}, io); io) {
                            break;
                        }
                    }
                });
            }
            return 0;
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_server: %s\n", e.what());
        return 1;
    }
}
