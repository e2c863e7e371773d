// Accept under fd exhaustion (issue 7 item 4): TcpServer's accept loop backs off on EMFILE
// (AcceptBackoff: 1 ms doubling to 100 ms) instead of spinning, and once fds are free again it
// serves every connection. No timing thresholds: the test checks the schedule the loop
// followed (each pause it announced, and that the failures were at least that far apart,
// which a spinning loop cannot fake), then counts served connections.
#include <array>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/net/accept_backoff.hpp>

#include "support/weft_test.hpp"

using namespace std::chrono_literals;
using weft::net::AcceptBackoff;

TEST_CASE("AcceptBackoff pauses 1 ms doubling to 100 ms, and a success starts over") {
    AcceptBackoff b;
    const std::vector<long> want{1, 2, 4, 8, 16, 32, 64, 100, 100, 100};
    for (long ms : want) {
        CHECK(b.next().count() == ms);
    }
    for (int i = 0; i < 100; ++i) {
        CHECK(b.next() == AcceptBackoff::max_pause);  // no overflow after many failures
    }
    CHECK(b.failures() == 110);
    b.reset();
    CHECK(b.failures() == 0);
    CHECK(b.next() == AcceptBackoff::first_pause);

    CHECK(AcceptBackoff::is_exhaustion(std::make_error_code(std::errc::too_many_files_open)));
    CHECK(AcceptBackoff::is_exhaustion(
        std::make_error_code(std::errc::too_many_files_open_in_system)));
    CHECK_FALSE(AcceptBackoff::is_exhaustion(std::make_error_code(std::errc::bad_file_descriptor)));
}

namespace {

constexpr unsigned failures_before_release = 8;  // 1+2+...+64 = 127 ms of backing off
constexpr int connections_after = 1000;

struct Report {  // what the server child sends back through its pipe
    std::uint16_t port = 0;
    unsigned failures = 0;  // accept errors seen by the hook
    unsigned not_emfile = 0;
    std::array<long, failures_before_release> pauses_ms{};
    long long span_us = 0;  // from the first failure to the one that released the fds
};

void write_report(int fd, const Report& r) {
    const auto* p = reinterpret_cast<const char*>(&r);
    for (std::size_t off = 0; off < sizeof r;) {
        ssize_t n = ::write(fd, p + off, sizeof r - off);
        if (n <= 0) {
            ::_exit(3);
        }
        off += static_cast<std::size_t>(n);
    }
}

bool read_report(int fd, Report& r) {
    auto* p = reinterpret_cast<char*>(&r);
    for (std::size_t off = 0; off < sizeof r;) {
        ssize_t n = ::read(fd, p + off, sizeof r - off);
        if (n <= 0) {
            return false;
        }
        off += static_cast<std::size_t>(n);
    }
    return true;
}

// The child: RLIMIT_NOFILE 128, every free fd taken, a TcpServer echoing 4-byte messages.
// The accept hook frees the fds at the 8th failure; a "QUIT" message stops the server.
[[noreturn]] void exhausted_server(int report_fd) {
    rlimit rl{};
    ::getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = 128;
    if (::setrlimit(RLIMIT_NOFILE, &rl) != 0) {
        ::_exit(2);
    }
    Report report;
    std::vector<int> fillers;
    std::chrono::steady_clock::time_point first;
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([&] {
        weft::net::ServerOptions so;
        so.on_accept_error = [&](const std::error_code& ec, std::chrono::milliseconds pause) {
            const auto now = std::chrono::steady_clock::now();
            if (ec != std::errc::too_many_files_open) {
                ++report.not_emfile;
            }
            if (report.failures < failures_before_release) {
                report.pauses_ms[report.failures] = pause.count();
            }
            if (report.failures == 0) {
                first = now;
            }
            if (++report.failures == failures_before_release) {
                report.span_us =
                    std::chrono::duration_cast<std::chrono::microseconds>(now - first).count();
                for (int fd : fillers) {
                    ::close(fd);
                }
                fillers.clear();
            }
        };
        auto server = weft::net::TcpServer::bind("127.0.0.1:0", so);
        report.port = server.local_endpoint().port();
        for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) {
            fillers.push_back(fd);
        }
        if (errno != EMFILE) {
            ::_exit(4);
        }
        write_report(report_fd, report);  // the port: clients may come now
        server.serve([&server](weft::net::TcpStream conn) {
            std::array<std::byte, 4> msg;
            std::error_code ec;
            while (conn.read_exact(msg, ec) == msg.size()) {
                if (std::memcmp(msg.data(), "QUIT", 4) == 0) {
                    server.close();
                    return;
                }
                if (conn.write_all(msg, ec); ec) {
                    return;
                }
            }
        });
    });
    write_report(report_fd, report);
    ::_exit(0);
}

bool ping(std::uint16_t port, const char* what = "PING") {
    std::error_code ec;
    auto conn = weft::net::TcpStream::connect("127.0.0.1:" + std::to_string(port),
                                              weft::Deadline::never(), ec);
    if (ec) {
        return false;
    }
    conn.write_all(std::as_bytes(std::span{what, 4}), ec);
    if (ec || std::strcmp(what, "QUIT") == 0) {
        return !ec;
    }
    std::array<char, 4> back{};
    return conn.read_exact(std::as_writable_bytes(std::span{back}), ec) == 4 &&
           std::memcmp(back.data(), what, 4) == 0;
}

}  // namespace

TEST_CASE("TcpServer out of fds backs off, then serves every connection once fds are free") {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    std::fflush(nullptr);
    const pid_t pid = ::fork();  // before this process creates any thread
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::signal(SIGSEGV, SIG_DFL);  // not Catch2's handler: its listeners' threads are not here
        ::signal(SIGBUS, SIG_DFL);
        ::close(p[0]);
        exhausted_server(p[1]);
    }
    ::close(p[1]);
    Report started;
    const bool got_port = read_report(p[0], started);
    if (!got_port) {
        ::close(p[0]);
        int status = 0;
        ::waitpid(pid, &status, 0);
        FAIL("the server child failed before listening, status " << status);
    }

    bool first_served = false;
    std::atomic<int> served{0};
    weft::Runtime rt{weft::test::runtime_options()};
    rt.run([&] {
        // Queued in the backlog while the server is out of fds; served once it has them back.
        first_served = ping(started.port);
        // The next 1,000, eight clients at a time.
        std::vector<weft::JoinHandle> clients;
        for (int c = 0; c < 8; ++c) {
            clients.push_back(weft::spawn([&, c] {
                for (int i = c; i < connections_after; i += 8) {
                    if (ping(started.port)) {
                        served.fetch_add(1);
                    }
                }
            }));
        }
        for (auto& h : clients) {
            h.join();
        }
        ping(started.port, "QUIT");
    });

    Report done;
    const bool got_report = read_report(p[0], done);
    ::close(p[0]);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    REQUIRE(got_report);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);

    CHECK(first_served);
    CHECK(served.load() == connections_after);  // 100% of the next 1,000

    // The loop backed off, following the schedule, instead of spinning: every failure it
    // reported (EMFILE) announced the next pause, and the failures were at least those pauses
    // apart. A loop that retried at once would show ~0 us here.
    REQUIRE(done.failures >= failures_before_release);
    CHECK(done.not_emfile == 0);
    long long scheduled_us = 0;
    AcceptBackoff schedule;
    for (unsigned i = 0; i < failures_before_release; ++i) {
        const long want = schedule.next().count();
        CHECK(done.pauses_ms[i] == want);
        if (i + 1 < failures_before_release) {
            scheduled_us += want * 1000;  // the pause after failure i came before failure i+1
        }
    }
    CHECK(done.span_us >= scheduled_us);
}
