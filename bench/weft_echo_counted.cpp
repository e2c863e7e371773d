// weft_echo_counted [ADDRESS] [--threads N] [--backend epoll|io_uring|auto]
//
// examples/echo_server with two additions, for measuring steady-state heap allocations:
// the global operator new/delete count every call (alloc_counter.cpp), and the echo loop
// counts reads and bytes. On SIGUSR1 the server writes one line to stdout:
//   COUNTERS allocs=A alloc_bytes=B frees=F reads=R bytes=N
// Two such lines taken while a load generator runs give allocations per read (and per round
// trip) in steady state: (A2 - A1) / (R2 - R1). The target is 0.
#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <unistd.h>

#include <weft/weft.hpp>

#include "alloc_counter.hpp"
#include "example_options.hpp"

using namespace std::chrono_literals;

namespace {

// Process-wide on purpose: this is a benchmark harness, and the signal handler reads them.
std::atomic<std::uint64_t> reads{0};
std::atomic<std::uint64_t> bytes{0};

extern "C" void on_sigusr1(int) {
    bench::alloc_counter_report(STDOUT_FILENO, reads.load(std::memory_order_relaxed),
                                bytes.load(std::memory_order_relaxed));
}

void install_report_signal() {
    struct sigaction sa {};
    sa.sa_handler = on_sigusr1;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, nullptr);
}

void echo(weft::net::TcpStream& conn) {
    std::array<std::byte, 4096> buf;
    std::error_code io;
    while (std::size_t n = conn.read_some(buf, io)) {
        reads.fetch_add(1, std::memory_order_relaxed);
        bytes.fetch_add(n, std::memory_order_relaxed);
        if (conn.write_all({buf.data(), n}, io); io) {
            break;
        }
    }
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        examples::Options opt = examples::parse_options(argc, argv, "127.0.0.1:7002");
        install_report_signal();
        weft::Runtime runtime{opt.runtime};
        return runtime.run([&] {
            auto listener = weft::net::TcpListener::bind(opt.address);
            std::printf("weft_echo_counted: listening on %s (%s backend)\n",
                        listener.local_endpoint().to_string().c_str(),
                        std::string{weft::to_string(runtime.backend())}.c_str());
            std::fflush(stdout);
            for (;;) {
                std::error_code ec;
                weft::net::TcpStream conn = listener.accept(weft::Deadline::never(), ec);
                if (ec) {
                    std::fprintf(stderr, "weft_echo_counted: accept: %s\n", ec.message().c_str());
                    weft::this_fiber::sleep_for(10ms);
                    continue;
                }
                weft::spawn([conn = std::move(conn)]() mutable { echo(conn); });
            }
            return 0;
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "weft_echo_counted: %s\n", e.what());
        return 1;
    }
}
