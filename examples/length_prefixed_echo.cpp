// length_prefixed_echo [ADDRESS] [--threads N] [--backend epoll|io_uring|auto]
// length_prefixed_echo --connect ADDRESS MESSAGE...
//
// Request/response over length-prefixed frames (a 4-byte big-endian length, then the
// payload). The server answers each request frame with the same payload; the client sends
// each MESSAGE as a frame and prints each answer.
//
// The server reads frames as views into a pooled buffer (no copy, no allocation per frame)
// and writes the answer as a gather write of header + that same view.
#include <cstdio>
#include <cstring>
#include <string>

#include <weft/framing/io.hpp>
#include <weft/weft.hpp>

#include "example_options.hpp"

using namespace std::chrono_literals;

namespace {

const weft::framing::LengthPrefixedOptions framing{.length_size = 4, .max_payload = 1 << 20};

void serve(weft::net::TcpStream conn, weft::net::BufferPool& pool) {
    weft::net::BufferedReader in{conn, pool};
    weft::net::BufferedWriter out{conn, pool};
    weft::framing::LengthPrefixedParser parser{framing};
    std::error_code ec;
    while (auto request = weft::framing::read_frame(in, parser, ec)) {
        // `request` points into the reader's buffer: use it before the next read.
        weft::framing::write_frame(out, parser, *request, {}, ec);
        // Flush unless the next request is already here whole (pipelining): the answers
        // then go out together, in one write.
        const bool next_ready =
            parser.parse(in.buffered()).status == weft::framing::ParseResult::Status::frame;
        if (!ec && !next_ready) {
            out.flush(ec);
        }
        if (ec) {
            break;
        }
    }
    if (!ec) {
        out.flush(ec);
    }
    if (ec && ec != weft::errc::closed) {
        std::fprintf(stderr, "length_prefixed_echo: connection closed: %s\n", ec.message().c_str());
    }
}

int run_server(int argc, char* argv[]) {
    examples::Options opt = examples::parse_options(argc, argv, "127.0.0.1:7002");
    weft::net::BufferPool pool{{.buffer_size = 16 * 1024, .max_slabs = 16}};  // outlives runtime
    weft::Runtime runtime{opt.runtime};
    return runtime.run([&] {
        auto server = weft::net::TcpServer::bind(opt.address);
        std::printf("length_prefixed_echo: listening on %s\n",
                    server.local_endpoint().to_string().c_str());
        std::fflush(stdout);
        server.serve([&pool](weft::net::TcpStream conn) { serve(std::move(conn), pool); });
        return 0;
    });
}

int run_client(int argc, char* argv[]) {
    weft::RuntimeOptions options;
    options.threads = 1;
    weft::Runtime runtime{options};
    return runtime.run([&] {
        auto conn = weft::net::TcpStream::connect(argv[2], weft::Deadline::after(10s));
        conn.set_read_deadline(weft::Deadline::after(10s));
        weft::net::BufferedReader in{conn};
        weft::net::BufferedWriter out{conn};
        weft::framing::LengthPrefixedParser parser{framing};
        for (int i = 3; i < argc; ++i) {  // pipelined: all requests first, one flush
            weft::framing::write_frame(out, parser, weft::net::as_bytes(argv[i]));
        }
        out.flush();
        for (int i = 3; i < argc; ++i) {
            auto reply = weft::framing::read_frame(in, parser);
            if (!reply) {
                std::fprintf(stderr, "length_prefixed_echo: server closed early\n");
                return 1;
            }
            std::printf("%.*s\n", static_cast<int>(reply->size()),
                        reinterpret_cast<const char*>(reply->data()));
        }
        return 0;
    });
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        if (argc >= 2 && std::strcmp(argv[1], "--connect") == 0) {
            if (argc < 3) {
                std::fprintf(stderr, "usage: %s --connect ADDRESS MESSAGE...\n", argv[0]);
                return 2;
            }
            return run_client(argc, argv);
        }
        return run_server(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "length_prefixed_echo: %s\n", e.what());
        return 1;
    }
}
