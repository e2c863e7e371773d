// http_hostile [--seconds N] [--slow K] [--header-timeout MS] [--write-idle-timeout MS]
//              [--wrk PATH] [--wrk-cpus LIST] [--backend KIND]
//
// Slowloris and slow-read against weft::http::Server while wrk loads it (issue 7, item 5).
// One process, one worker thread: the server (GET /hello -> "Hello, World!", GET /big -> a
// streamed 64 MiB body), with header_timeout and write_idle_timeout 2 s unless told. wrk
// (-t1 -c32 -dNs /hello) runs as a child process, its output read through a pipe on
// weft::offload. One second into wrk's run, K slowloris clients (a request line, then one
// header line every 200 ms, a bounded number of them) and K slow readers (GET /big with a
// tiny SO_RCVBUF, never read) connect from other fibers.
//
// Close latency:
//   slowloris: from connect to EOF or reset, against header_timeout + 1 s;
//   slow read: the server's side of a connection that the client never reads cannot show
//     its FIN to the client (the window is shut), so the bench watches /proc/net/tcp: the
//     server's socket leaving ESTABLISHED is the close. The stall is the last moment its
//     send queue or the client's receive queue changed (polled every 50 ms); close - stall
//     is checked against write_idle_timeout + 1 s. close - request is printed too, with
//     the buffer-fill time (stall - request) that it includes.
// wrk must report 0 socket errors and 0 non-2xx responses. Exit status 1 on any FAIL.
#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <optional>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <system_error>
#include <unistd.h>
#include <vector>

#include <weft/http/router.hpp>
#include <weft/http/server.hpp>
#include <weft/weft.hpp>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using weft::http::Request;
using weft::http::Response;

constexpr std::size_t kBigBytes = 64u << 20;
constexpr std::size_t kChunk = 64 * 1024;

double secs(Clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

struct Flags {
    int seconds = 10;
    int slow = 8;
    milliseconds header_timeout{2000};
    milliseconds write_idle_timeout{2000};
    std::string wrk = "/usr/bin/wrk";
    std::string wrk_cpus;
    weft::RuntimeOptions runtime;
};

Flags parse(int argc, char* argv[]) {
    Flags f;
    f.runtime.threads = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) {
            std::fprintf(stderr, "http_hostile: %s needs a value\n", a.c_str());
            std::exit(2);
        }
        const std::string v = argv[++i];
        if (a == "--seconds") {
            f.seconds = std::max(4, std::atoi(v.c_str()));
        } else if (a == "--slow") {
            f.slow = std::clamp(std::atoi(v.c_str()), 0, 1000);
        } else if (a == "--header-timeout") {
            f.header_timeout = milliseconds{std::max(100, std::atoi(v.c_str()))};
        } else if (a == "--write-idle-timeout") {
            f.write_idle_timeout = milliseconds{std::max(100, std::atoi(v.c_str()))};
        } else if (a == "--wrk") {
            f.wrk = v;
        } else if (a == "--wrk-cpus") {
            f.wrk_cpus = v;
        } else if (a == "--backend") {
            f.runtime.backend = weft::parse_backend_kind(v);
        } else {
            std::fprintf(stderr, "http_hostile: unknown flag %s\n", a.c_str());
            std::exit(2);
        }
    }
    return f;
}

// ---- wrk as a child process -------------------------------------------------------------

struct WrkResult {
    int status = -1;
    std::string output;
    double requests_per_s = 0;
    long requests = 0;
    long non_2xx = 0;
    long socket_errors = 0;  // connect + read + write + timeout
    bool parsed = false;
};

// Starts wrk with stdout and stderr on a pipe; returns its pid and the pipe's read end.
std::pair<pid_t, int> start_wrk(const Flags& f, const std::string& url) {
    int p[2];
    if (::pipe2(p, O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe2");
    }
    const std::string duration = std::to_string(f.seconds) + "s";
    std::vector<std::string> args;
    if (!f.wrk_cpus.empty()) {
        args = {"taskset", "-c", f.wrk_cpus};
    }
    for (const std::string& a :
         {f.wrk, std::string{"-t1"}, std::string{"-c32"}, std::string{"-d"}}) {
        args.push_back(a);
    }
    args.push_back(duration);
    args.push_back(url);
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
    pid_t pid = -1;
    const int rc = ::posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(p[1]);
    if (rc != 0) {
        ::close(p[0]);
        throw std::system_error(rc, std::generic_category(), "posix_spawn " + args[0]);
    }
    return {pid, p[0]};
}

long count_after(const std::string& out, const std::string& key) {
    const auto at = out.find(key);
    return at == std::string::npos ? 0 : std::atol(out.c_str() + at + key.size());
}

// Reads wrk's output to EOF and reaps it, on the offload pool (both block a thread).
WrkResult finish_wrk(pid_t pid, int fd) {
    WrkResult r;
    r.output = weft::offload([fd] {
        std::string out;
        char buf[4096];
        for (;;) {
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n > 0) {
                out.append(buf, static_cast<std::size_t>(n));
            } else if (n == 0 || errno != EINTR) {
                break;
            }
        }
        return out;
    });
    ::close(fd);
    r.status = weft::offload([pid] {
        int st = 0;
        while (::waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        return st;
    });
    const std::string& o = r.output;
    if (const auto at = o.find("Requests/sec:"); at != std::string::npos) {
        r.parsed = true;
        r.requests_per_s = std::atof(o.c_str() + at + 13);
    }
    if (const auto at = o.find(" requests in "); at != std::string::npos) {
        auto start = o.rfind('\n', at);
        r.requests = std::atol(o.c_str() + (start == std::string::npos ? 0 : start + 1));
    }
    r.non_2xx = count_after(o, "Non-2xx or 3xx responses:");
    if (const auto at = o.find("Socket errors:"); at != std::string::npos) {
        long c = 0, rd = 0, w = 0, t = 0;
        std::sscanf(o.c_str() + at, "Socket errors: connect %ld, read %ld, write %ld, timeout %ld",
                    &c, &rd, &w, &t);
        r.socket_errors = c + rd + w + t;
    }
    return r;
}

// ---- slowloris --------------------------------------------------------------------------

struct Slowloris {
    double close_s = -1;  // connect -> EOF or reset; < 0: never closed
    int lines = 0;        // header lines sent
    bool got_408 = false;
    bool reset = false;
};

Slowloris slowloris(const weft::net::Endpoint& at, milliseconds header_timeout) {
    Slowloris r;
    // 200 ms per line, slower for long timeouts so that the head stays under the parser's
    // 100-field limit; bounded to one second past the deadline.
    const milliseconds interval = std::max(milliseconds{200}, header_timeout / 60);
    const int max_lines = static_cast<int>((header_timeout + milliseconds{1000}) / interval) + 2;
    auto s = weft::net::TcpStream::connect(at, weft::Deadline::after(milliseconds{2000}));
    const auto t0 = Clock::now();
    std::error_code ec;
    s.write_all(weft::net::as_bytes("GET /hello HTTP/1.1\r\nHost: loris\r\n"), ec);
    std::string got;
    char buf[1024];
    for (int i = 0; !ec && i <= max_lines;) {
        s.set_read_deadline(weft::Deadline::after(interval));
        const std::size_t n = s.read_some({reinterpret_cast<std::byte*>(buf), sizeof buf}, ec);
        if (!ec && n == 0) {
            r.close_s = secs(Clock::now() - t0);
            break;
        }
        if (!ec) {
            got.append(buf, n);
            continue;
        }
        if (ec != weft::errc::timed_out) {
            r.close_s = secs(Clock::now() - t0);
            r.reset = true;
            break;
        }
        ec = {};
        const std::string line = "X-Drip-" + std::to_string(i) + ": 1\r\n";
        s.write_all(weft::net::as_bytes(line), ec);
        if (ec) {
            r.close_s = secs(Clock::now() - t0);
            r.reset = true;
        }
        ++i;
        r.lines = i;
    }
    r.got_408 = got.starts_with("HTTP/1.1 408");
    return r;
}

// ---- slow reader ------------------------------------------------------------------------

struct SlowReader {
    int fd = -1;
    std::uint16_t port = 0;  // the client's local port
    Clock::time_point sent{};
    Clock::time_point stall{};  // last change of the server's tx queue / the client's rx queue
    std::optional<Clock::time_point> closed;
    unsigned long last_tx = ~0ul, last_rx = ~0ul;
    unsigned long max_tx = 0, max_rx = 0;
};

// A blocking socket with a tiny receive buffer, set before connect so that the window it
// advertises is tiny from the start. Loopback connect and a one-segment send do not block.
void start_slow_reader(SlowReader& r, std::uint16_t server_port) {
    r.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (r.fd < 0) {
        throw std::system_error(errno, std::generic_category(), "socket");
    }
    const int small = 1024;  // the kernel doubles it and applies its minimum
    ::setsockopt(r.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(server_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(r.fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        throw std::system_error(errno, std::generic_category(), "connect");
    }
    sockaddr_in local{};
    socklen_t len = sizeof local;
    ::getsockname(r.fd, reinterpret_cast<sockaddr*>(&local), &len);
    r.port = ntohs(local.sin_port);
    static constexpr char req[] = "GET /big HTTP/1.1\r\nHost: slow\r\n\r\n";
    if (::send(r.fd, req, sizeof req - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof req - 1)) {
        throw std::system_error(errno, std::generic_category(), "send");
    }
    r.sent = Clock::now();
    r.stall = r.sent;
}

struct TcpRow {
    unsigned lport, rport, state;
    unsigned long tx, rx;
};

std::vector<TcpRow> read_proc_net_tcp() {
    std::vector<TcpRow> rows;
    std::ifstream in("/proc/net/tcp");
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        TcpRow r{};
        if (std::sscanf(line.c_str(), " %*u: %*8X:%4X %*8X:%4X %2X %8lX:%8lX", &r.lport, &r.rport,
                        &r.state, &r.tx, &r.rx) == 5) {
            rows.push_back(r);
        }
    }
    return rows;
}

// Polls /proc/net/tcp (on the offload pool) every 50 ms until every slow reader's server
// side has left ESTABLISHED (state 01) or `until` passes.
void watch_slow_readers(std::vector<SlowReader>& readers, std::uint16_t server_port,
                        Clock::time_point until) {
    while (Clock::now() < until) {
        const auto rows = weft::offload(read_proc_net_tcp);
        const auto now = Clock::now();
        bool open = false;
        for (auto& r : readers) {
            if (r.closed) {
                continue;
            }
            const TcpRow* server = nullptr;
            const TcpRow* client = nullptr;
            for (const auto& row : rows) {
                if (row.lport == server_port && row.rport == r.port) {
                    server = &row;
                } else if (row.lport == r.port && row.rport == server_port) {
                    client = &row;
                }
            }
            if (server == nullptr || server->state != 0x01) {
                r.closed = now;
                continue;
            }
            open = true;
            const unsigned long rx = client ? client->rx : 0;
            if (server->tx != r.last_tx || rx != r.last_rx) {
                r.stall = now;
                r.last_tx = server->tx;
                r.last_rx = rx;
                r.max_tx = std::max(r.max_tx, server->tx);
                r.max_rx = std::max(r.max_rx, rx);
            }
        }
        if (!open) {
            return;
        }
        weft::this_fiber::sleep_for(milliseconds{50});
    }
}

}  // namespace

int main(int argc, char* argv[]) {
    const Flags f = parse(argc, argv);
    std::signal(SIGPIPE, SIG_IGN);
    weft::Runtime rt{f.runtime};
    try {
        return rt.run([&]() -> int {
            static const std::string chunk(kChunk, 'x');
            weft::http::Router router;
            router.get("/hello", [](const Request&, Response& res) {
                res.set_body("Hello, World!", "text/plain");
            });
            router.get("/big", [](const Request&, Response& res) {
                res.set_header("Content-Type", "application/octet-stream");
                res.set_header("Content-Length", std::to_string(kBigBytes));
                for (std::size_t sent = 0; sent < kBigBytes; sent += kChunk) {
                    res.write(chunk);  // throws errc::timed_out after write_idle_timeout
                }
            });
            weft::http::ServerOptions so;
            so.header_timeout = f.header_timeout;
            so.write_idle_timeout = f.write_idle_timeout;
            auto server = weft::http::Server::bind("127.0.0.1:0", router, so);
            const auto at = server.local_endpoint();
            auto serving = weft::spawn([&] { server.serve(); });

            const auto [wrk_pid, wrk_fd] = start_wrk(f, "http://" + at.to_string() + "/hello");
            WrkResult wrk;
            auto wrk_done =
                weft::spawn([&, pid = wrk_pid, fd = wrk_fd] { wrk = finish_wrk(pid, fd); });
            weft::this_fiber::sleep_for(milliseconds{1000});  // wrk's connections are up

            std::vector<Slowloris> loris(static_cast<std::size_t>(f.slow));
            std::vector<weft::JoinHandle> clients;
            for (auto& l : loris) {
                clients.push_back(weft::spawn([&] { l = slowloris(at, f.header_timeout); }));
            }
            std::vector<SlowReader> readers(static_cast<std::size_t>(f.slow));
            for (auto& r : readers) {
                start_slow_reader(r, at.port());
            }
            watch_slow_readers(readers, at.port(),
                               Clock::now() + f.write_idle_timeout + std::chrono::seconds{10});
            for (auto& c : clients) {
                c.join();
            }
            for (auto& r : readers) {
                ::close(r.fd);
            }
            wrk_done.join();
            server.shutdown(weft::Deadline::after(milliseconds{1000}));
            serving.join();

            bool ok = true;
            const double loris_deadline = secs(f.header_timeout) + 1;
            const double read_deadline = secs(f.write_idle_timeout) + 1;
            double loris_max = 0;
            int loris_open = 0, loris_408 = 0, loris_reset = 0, max_lines = 0;
            for (const auto& l : loris) {
                if (l.close_s < 0) {
                    ++loris_open;
                }
                loris_max = std::max(loris_max, l.close_s);
                loris_408 += l.got_408;
                loris_reset += l.reset;
                max_lines = std::max(max_lines, l.lines);
            }
            const bool loris_ok = loris_open == 0 && loris_max <= loris_deadline;
            double read_max = 0, read_from_send_max = 0, fill_max = 0;
            unsigned long tx_max = 0, rx_max = 0;
            int read_open = 0;
            for (const auto& r : readers) {
                if (!r.closed) {
                    ++read_open;
                    continue;
                }
                read_max = std::max(read_max, secs(*r.closed - r.stall));
                read_from_send_max = std::max(read_from_send_max, secs(*r.closed - r.sent));
                fill_max = std::max(fill_max, secs(r.stall - r.sent));
                tx_max = std::max(tx_max, r.max_tx);
                rx_max = std::max(rx_max, r.max_rx);
            }
            const bool read_ok = read_open == 0 && read_max <= read_deadline;
            const bool wrk_ok = wrk.parsed && WIFEXITED(wrk.status) &&
                                WEXITSTATUS(wrk.status) == 0 && wrk.socket_errors == 0 &&
                                wrk.non_2xx == 0;
            ok = loris_ok && read_ok && wrk_ok;

            std::printf(
                "http_hostile: backend %s, 1 worker, %d slowloris + %d slow readers, "
                "header_timeout %.1f s, write_idle_timeout %.1f s, wrk -t1 -c32 -d%ds\n",
                std::string{weft::to_string(rt.backend())}.c_str(), f.slow, f.slow,
                secs(f.header_timeout), secs(f.write_idle_timeout), f.seconds);
            if (f.slow > 0) {
                std::printf("%-10s %-36s %12s %10s  %s\n", "class", "measured from", "max close",
                            "limit", "result");
                std::printf(
                    "%-10s %-36s %10.2f s %8.2f s  %s (%d still open; %d got 408, %d reset; "
                    "<= %d lines sent)\n",
                    "slowloris", "connect -> EOF/reset", loris_max, loris_deadline,
                    loris_ok ? "PASS" : "FAIL", loris_open, loris_408, loris_reset, max_lines);
                std::printf("%-10s %-36s %10.2f s %8.2f s  %s (%d still open)\n", "slow-read",
                            "stall -> server socket closed", read_max, read_deadline,
                            read_ok ? "PASS" : "FAIL", read_open);
                std::printf(
                    "%-10s %-36s %10.2f s %10s  (buffers filled within %.2f s: server "
                    "send queue %lu B, client receive queue %lu B)\n",
                    "slow-read", "request -> server socket closed", read_from_send_max, "-",
                    fill_max, tx_max, rx_max);
            }
            std::printf(
                "%-10s %.0f requests/s, %ld requests, %ld non-2xx, %ld socket errors, "
                "exit %d  %s\n",
                "wrk", wrk.requests_per_s, wrk.requests, wrk.non_2xx, wrk.socket_errors,
                WIFEXITED(wrk.status) ? WEXITSTATUS(wrk.status) : -1, wrk_ok ? "PASS" : "FAIL");
            if (!wrk_ok) {
                std::printf("--- wrk output ---\n%s", wrk.output.c_str());
            }
            std::fflush(stdout);
            return ok ? 0 : 1;
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "http_hostile: %s\n", e.what());
        return 2;
    }
}
