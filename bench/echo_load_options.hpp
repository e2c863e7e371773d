#pragma once

// Command line of echo_load:
//   echo_load [ADDRESS] [--connections N] [--size S] [--pipeline K] [--duration D] [--warmup W]
//             [--backend epoll|io_uring|auto]
// Every value is checked against a bound, so a typo cannot start an unbounded run.
#include <chrono>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <weft/net/endpoint.hpp>
#include <weft/runtime.hpp>

namespace bench {

struct LoadOptions {
    std::string address = "127.0.0.1:7000";
    weft::net::Endpoint endpoint;
    std::size_t connections = 100;
    std::size_t size = 64;
    std::size_t pipeline = 1;
    std::chrono::steady_clock::duration duration = std::chrono::seconds{5};
    std::chrono::steady_clock::duration warmup = std::chrono::seconds{1};
    std::optional<weft::BackendKind> backend;  ///< unset: WEFT_BACKEND, else automatic
    bool lines = false;  ///< --framing line: printable messages, each ending in '\n'
};

// One fiber per connection both writes and reads, in turn: if more bytes than the socket
// buffers of both peers hold were in flight, client and server could both block in write.
// 64 KiB is well below the smallest loopback buffers on a default Linux (16 KiB send plus
// 128 KiB receive on each side).
constexpr std::size_t max_in_flight_bytes = 64 * 1024;

inline void print_load_usage(const char* argv0) {
    std::printf(
        "usage: %s [ADDRESS] [--connections N] [--size BYTES] [--pipeline K] [--duration SECONDS]"
        " [--warmup SECONDS] [--backend epoll|io_uring|auto] [--framing raw|line]\n"
        "  ADDRESS        numeric host:port of an echo server (default 127.0.0.1:7000)\n"
        "  --connections  connections, one fiber each (default 100, at most 100000)\n"
        "  --size         bytes per message (default 64, at most 65536)\n"
        "  --pipeline     messages in flight per connection; 1 = ping-pong (default 1)\n"
        "  --duration     measured seconds (default 5, at most 3600)\n"
        "  --warmup       seconds of traffic before measuring (default 1, at most 600)\n"
        "  --backend      the load generator's own weft backend (default: WEFT_BACKEND, else "
        "auto)\n"
        "  --framing      raw: random bytes (default); line: printable bytes, each message\n"
        "                 ending in a newline (for line-protocol servers)\n"
        "pipeline x size must be at most %zu bytes.\n",
        argv0, max_in_flight_bytes);
}

// Parses an integer in [lo, hi]; false on anything else.
inline bool parse_count(std::string_view text, std::size_t lo, std::size_t hi, std::size_t& out) {
    std::string s{text};
    char* end = nullptr;
    unsigned long long v = std::strtoull(s.c_str(), &end, 10);
    if (s.empty() || *end != '\0' || s.front() == '-' || v < lo || v > hi) {
        return false;
    }
    out = static_cast<std::size_t>(v);
    return true;
}

inline bool parse_seconds(std::string_view text, double lo, double hi,
                          std::chrono::steady_clock::duration& out) {
    std::string s{text};
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end != '\0' || !(v >= lo && v <= hi)) {
        return false;
    }
    out = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::duration<double>(v));
    return true;
}

inline bool parse_one_flag(std::string_view flag, std::string_view value, LoadOptions& o) {
    if (flag == "--connections") {
        return parse_count(value, 1, 100000, o.connections);
    }
    if (flag == "--size") {
        return parse_count(value, 1, 65536, o.size);
    }
    if (flag == "--pipeline") {
        return parse_count(value, 1, 1024, o.pipeline);
    }
    if (flag == "--duration") {
        return parse_seconds(value, 0.1, 3600, o.duration);
    }
    if (flag == "--warmup") {
        return parse_seconds(value, 0, 600, o.warmup);
    }
    if (flag == "--framing") {
        o.lines = value == "line";
        return value == "line" || value == "raw";
    }
    if (flag == "--backend") {
        try {
            o.backend = weft::parse_backend_kind(value);
            return true;
        } catch (const std::invalid_argument&) {
            return false;
        }
    }
    return false;
}

// Fills `o`; prints the reason and returns false on a bad command line.
inline bool parse_load_options(int argc, char* argv[], LoadOptions& o) {
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        if (a == "-h" || a == "--help") {
            print_load_usage(argv[0]);
            std::exit(0);
        }
        if (!a.empty() && a.front() != '-') {
            o.address = std::string{a};
            continue;
        }
        if (i + 1 >= argc || !parse_one_flag(a, argv[i + 1], o)) {
            std::fprintf(stderr, "echo_load: bad or missing value for %s (see --help)\n", argv[i]);
            return false;
        }
        ++i;
    }
    if (o.pipeline * o.size > max_in_flight_bytes) {
        std::fprintf(stderr, "echo_load: --pipeline x --size must be at most %zu bytes\n",
                     max_in_flight_bytes);
        return false;
    }
    auto ep = weft::net::Endpoint::try_parse(o.address);
    if (!ep) {
        std::fprintf(stderr, "echo_load: not a numeric host:port: %s\n", o.address.c_str());
        return false;
    }
    o.endpoint = *ep;
    return true;
}

}  // namespace bench
