#pragma once

// Command line of echo_integrity_client (see its usage text below). Every count is checked
// against a bound, so that a typo cannot start an unbounded run.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <weft/runtime.hpp>

#include "echo_stream.hpp"

namespace weft::stress {

/// A deliberate error in what the client sends, to show that the checker catches it.
enum class FaultKind { none, corrupt, drop, duplicate };

struct Fault {
    FaultKind kind = FaultKind::none;
    std::uint64_t conn = 0;
    std::uint64_t offset = 0;  ///< in the connection's stream
};

struct Options {
    std::string server;   ///< --server PATH: start this echo server (port 0) as a child
    std::string address;  ///< ADDRESS: or use an echo server that is already running
    unsigned server_threads = 1;
    unsigned client_threads = 2;
    std::optional<BackendKind> backend;  ///< both processes; unset: WEFT_BACKEND, else auto
    std::size_t connections = 2000;
    StreamSpec stream;
    std::size_t max_pieces = 4;   ///< writes per message, at most
    std::size_t connectors = 64;  ///< connects in flight at once
    std::chrono::seconds stall{60};
    Fault fault;
};

inline void print_usage(const char* argv0) {
    std::printf(
        "usage: %s (--server PATH | ADDRESS) [options]\n"
        "  --server PATH         start PATH 127.0.0.1:0 --threads N --backend B as a child\n"
        "  ADDRESS               or test an echo server already listening at host:port\n"
        "  --server-threads N    the child server's workers (default 1)\n"
        "  --client-threads N    this client's workers (default 2)\n"
        "  --backend B           epoll|io_uring|auto, for both processes (default WEFT_BACKEND)\n"
        "  --connections N       concurrent connections (default 2000, at most 100000)\n"
        "  --messages M          messages per connection (default 100)\n"
        "  --max-size S          largest message in bytes (default 16384, at most 1048576)\n"
        "  --sizes uniform|log   size distribution over [1, S] (default uniform)\n"
        "  --pieces K            each message goes out in 1..K writes (default 4)\n"
        "  --seed X              the streams' seed (default 1)\n"
        "  --stall-seconds T     fail if no byte moves for T s (default 60)\n"
        "  --fault KIND@CONN:OFFSET  corrupt|drop|duplicate that byte on purpose (self-test)\n"
        "Exit status: 0 all bytes echoed intact; 1 a byte or connection failed; 2 usage or "
        "setup error; 3 stalled.\n",
        argv0);
}

inline std::uint64_t parse_number(std::string_view text, std::uint64_t lo, std::uint64_t hi,
                                  std::string_view flag) {
    std::size_t used = 0;
    const std::string s{text};
    std::uint64_t v = 0;
    try {
        v = std::stoull(s, &used, 0);
    } catch (const std::exception&) {
        used = 0;
    }
    if (used == 0 || used != s.size() || v < lo || v > hi) {
        throw std::invalid_argument(std::string{flag} + ": '" + s + "' is not a number in [" +
                                    std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
    return v;
}

inline Fault parse_fault(std::string_view text) {
    const auto at = text.find('@');
    const auto colon = text.find(':', at);
    if (at == std::string_view::npos || colon == std::string_view::npos) {
        throw std::invalid_argument("--fault: expected KIND@CONN:OFFSET");
    }
    Fault f;
    const std::string_view kind = text.substr(0, at);
    f.kind = kind == "corrupt"     ? FaultKind::corrupt
             : kind == "drop"      ? FaultKind::drop
             : kind == "duplicate" ? FaultKind::duplicate
                                   : throw std::invalid_argument("--fault: unknown kind");
    f.conn = parse_number(text.substr(at + 1, colon - at - 1), 0, 99999, "--fault CONN");
    f.offset = parse_number(text.substr(colon + 1), 0, UINT64_MAX, "--fault OFFSET");
    return f;
}

// Throws std::invalid_argument on a bad command line; exits on --help.
inline Options parse_options(int argc, char* argv[]) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) {
                throw std::invalid_argument(std::string{a} + " needs a value");
            }
            return argv[++i];
        };
        auto number = [&](std::uint64_t lo, std::uint64_t hi) {
            return parse_number(value(), lo, hi, a);
        };
        if (a == "--server") {
            o.server = value();
        } else if (a == "--server-threads") {
            o.server_threads = static_cast<unsigned>(number(1, 256));
        } else if (a == "--client-threads") {
            o.client_threads = static_cast<unsigned>(number(1, 256));
        } else if (a == "--backend") {
            o.backend = parse_backend_kind(value());
        } else if (a == "--connections") {
            o.connections = number(1, 100000);
        } else if (a == "--messages") {
            o.stream.messages = number(1, 1000000);
        } else if (a == "--max-size") {
            o.stream.max_size = number(1, 1 << 20);
        } else if (a == "--sizes") {
            const std::string_view d = value();
            o.stream.sizes = d == "log"       ? SizeDist::log
                             : d == "uniform" ? SizeDist::uniform
                                              : throw std::invalid_argument("--sizes: uniform|log");
        } else if (a == "--pieces") {
            o.max_pieces = number(1, 1024);
        } else if (a == "--seed") {
            o.stream.seed = number(0, UINT64_MAX);
        } else if (a == "--stall-seconds") {
            o.stall = std::chrono::seconds{number(1, 3600)};
        } else if (a == "--fault") {
            o.fault = parse_fault(value());
        } else if (a == "-h" || a == "--help") {
            print_usage(argv[0]);
            std::exit(0);
        } else if (!a.empty() && a.front() != '-' && o.address.empty()) {
            o.address = a;
        } else {
            throw std::invalid_argument("unknown argument " + std::string{a});
        }
    }
    if (o.server.empty() == o.address.empty()) {
        throw std::invalid_argument("give either --server PATH or ADDRESS");
    }
    return o;
}

}  // namespace weft::stress
