// echo_server [ADDRESS] [--threads N] [--backend epoll|io_uring|auto] [--lean-idle]
//
// One fiber per connection, written as plain blocking calls: every read that would block
// parks its fiber, and the worker serves the other connections meanwhile.
//
// --lean-idle: for many mostly idle connections. A connection waits with wait_readable(),
// holding no buffer, and leases one from a shared BufferPool only while bytes flow, so an
// idle connection costs its parked fiber's stack page and socket, not a 4 KiB buffer that
// its stack would keep resident. The price: on io_uring a readiness poll before each read
// (one more ring operation per message); on epoll nothing.
#include <array>
#include <cstdio>
#include <exception>
#include <string>

#include <weft/weft.hpp>

#include "example_options.hpp"

using namespace std::chrono_literals;

namespace {

void echo(weft::net::TcpStream conn) {
    std::array<std::byte, 4096> buf;
    std::error_code io;
    while (std::size_t n = conn.read_some(buf, io)) {
        if (conn.write_all({buf.data(), n}, io); io) {
            break;
        }
    }
}

void echo_lean(weft::net::TcpStream conn, weft::net::BufferPool& pool) {
    std::error_code io;
    for (;;) {
        conn.wait_readable(io);  // parked here while idle: no buffer held
        if (io) {
            return;
        }
        weft::net::PooledBuffer buf = pool.acquire(io);
        if (io) {
            return;  // pool exhausted: this connection ends, the others go on
        }
        const std::size_t n = conn.read_some(buf.bytes(), io);
        if (n == 0 || io) {
            return;
        }
        if (conn.write_all({buf.data(), n}, io); io) {
            return;
        }
    }
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        bool lean = false;
        examples::Options opt = examples::parse_options(
            argc, argv, "127.0.0.1:7000",
            [&](std::string_view flag, const auto&) {
                return flag == "--lean-idle" && (lean = true);
            },
            " [--lean-idle]");
        weft::Runtime runtime{opt.runtime};
        return runtime.run([&] {
            weft::net::BufferPool pool{{.buffer_size = 4096, .max_slabs = 64}};
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
                if (lean) {
                    weft::spawn([&pool, conn = std::move(conn)]() mutable {
                        echo_lean(std::move(conn), pool);
                    });
                } else {
                    weft::spawn([conn = std::move(conn)]() mutable { echo(std::move(conn)); });
                }
            }
            return 0;
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_server: %s\n", e.what());
        return 1;
    }
}
