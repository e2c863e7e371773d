// line_echo [ADDRESS] [--threads N] [--backend epoll|io_uring|auto]
//
// The line-protocol echo server of the framing benchmark: each connection reads lines with
// read_line (a view into a pooled buffer) and answers each with write_line into a
// BufferedWriter, flushing once no whole line is left buffered, so that pipelined lines go
// back in one write. Like weft_echo_counted, it counts heap allocations (alloc_counter.cpp)
// and, on SIGUSR1, prints "COUNTERS allocs=A alloc_bytes=B frees=F reads=LINES bytes=N".
#include <atomic>
#include <csignal>
#include <cstdio>
#include <exception>
#include <string>
#include <unistd.h>

#include <weft/framing/io.hpp>
#include <weft/weft.hpp>

#include "alloc_counter.hpp"
#include "example_options.hpp"

namespace {

// Process-wide on purpose: this is a benchmark harness, and the signal handler reads them.
std::atomic<std::uint64_t> lines{0};
std::atomic<std::uint64_t> bytes{0};

extern "C" void on_sigusr1(int) {
    bench::alloc_counter_report(STDOUT_FILENO, lines.load(std::memory_order_relaxed),
                                bytes.load(std::memory_order_relaxed));
}

void line_echo(weft::net::TcpStream& conn, weft::net::BufferPool& pool) {
    weft::net::BufferedReader in{conn, pool};
    weft::net::BufferedWriter out{conn, pool};
    weft::framing::LineParser parser{{.max_length = 8192}};
    std::error_code ec;
    while (auto line = weft::framing::read_line(in, parser, ec)) {
        lines.fetch_add(1, std::memory_order_relaxed);
        bytes.fetch_add(line->size() + 1, std::memory_order_relaxed);
        weft::framing::write_line(out, parser, *line, false, ec);
        if (ec) {
            return;
        }
        // A whole line already buffered will be answered at once: flush after it instead.
        if (parser.parse(in.buffered()).status != weft::framing::ParseResult::Status::frame) {
            if (out.flush(ec); ec) {
                return;
            }
        }
        parser.reset();  // parse() above may have remembered a partial scan
    }
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        examples::Options opt = examples::parse_options(argc, argv, "127.0.0.1:7003");
        struct sigaction sa {};
        sa.sa_handler = on_sigusr1;
        sa.sa_flags = SA_RESTART;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGUSR1, &sa, nullptr);
        // 16 KiB read + write buffers for up to 2 x 16384 connections; outlives the runtime.
        weft::net::BufferPool pool{
            {.buffer_size = 16 * 1024, .buffers_per_slab = 4096, .max_slabs = 8}};
        weft::Runtime runtime{opt.runtime};
        return runtime.run([&] {
            auto server = weft::net::TcpServer::bind(opt.address);
            std::printf("line_echo: listening on %s (%s backend)\n",
                        server.local_endpoint().to_string().c_str(),
                        std::string{weft::to_string(runtime.backend())}.c_str());
            std::fflush(stdout);
            server.serve([&pool](weft::net::TcpStream conn) { line_echo(conn, pool); });
            return 0;
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "line_echo: %s\n", e.what());
        return 1;
    }
}
