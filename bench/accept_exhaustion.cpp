// accept_exhaustion [--seconds S] [--backend epoll|io_uring]
//
// CPU of a TcpServer whose process is out of fds (EMFILE) while a connection waits in its
// backlog: the measurement behind "an exhausted accept loop does not spin" (the test,
// tests/net/test_accept_exhaustion.cpp, checks the schedule instead of timing). One worker;
// a child process holds the waiting connection. Prints the server's CPU time over the
// exhausted interval as a share of one core, and the number of failed accepts.
#include <arpa/inet.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <weft/weft.hpp>

namespace {

double cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    auto sec = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) + tv.tv_usec / 1e6;
    };
    return sec(ru.ru_utime) + sec(ru.ru_stime);
}

// The child: connects once when the port arrives, holds the connection until the pipe closes.
[[noreturn]] void client(int port_fd) {
    std::uint16_t port = 0;
    if (::read(port_fd, &port, sizeof port) != sizeof port) {
        ::_exit(1);
    }
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::_exit(2);
    }
    char c;
    while (::read(port_fd, &c, 1) > 0) {
    }
    ::_exit(0);
}

}  // namespace

int main(int argc, char* argv[]) {
    double seconds = 3;
    weft::RuntimeOptions options;
    options.threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--seconds") == 0) {
            seconds = std::atof(argv[i + 1]);
        } else if (std::strcmp(argv[i], "--backend") == 0) {
            options.backend = weft::parse_backend_kind(argv[i + 1]);
        }
    }
    int p[2];
    if (::pipe(p) != 0) {
        return 1;
    }
    if (::fork() == 0) {
        ::close(p[1]);
        client(p[0]);
    }
    ::close(p[0]);

    weft::Runtime rt{options};
    return rt.run([&] {
        unsigned failures = 0;
        weft::net::ServerOptions so;
        so.on_accept_error = [&](const std::error_code&, std::chrono::milliseconds) {
            ++failures;
        };
        auto server = weft::net::TcpServer::bind("127.0.0.1:0", so);
        const std::uint16_t port = server.local_endpoint().port();
        rlimit rl{};
        ::getrlimit(RLIMIT_NOFILE, &rl);
        rl.rlim_cur = 256;
        ::setrlimit(RLIMIT_NOFILE, &rl);
        std::vector<int> fillers;
        for (int fd; (fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC)) >= 0;) {
            fillers.push_back(fd);
        }
        bool served = false;
        auto acceptor = weft::spawn([&] {
            server.serve([&](weft::net::TcpStream) {
                served = true;
                server.close();
            });
        });
        const double cpu0 = cpu_seconds();
        const auto t0 = std::chrono::steady_clock::now();
        if (::write(p[1], &port, sizeof port) != sizeof port) {
            return 1;
        }
        weft::this_fiber::sleep_for(std::chrono::duration<double>(seconds));
        const double cpu = cpu_seconds() - cpu0;
        const double wall =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        const unsigned exhausted_failures = failures;
        for (int fd : fillers) {
            ::close(fd);
        }
        acceptor.join();
        ::close(p[1]);
        int status = 0;
        ::wait(&status);
        std::printf(
            "backend %s: exhausted %.2f s, %u failed accepts (%.1f/s), server CPU %.3f s = "
            "%.2f%% of one core; the waiting connection %s once fds were free\n",
            std::string{weft::to_string(rt.backend())}.c_str(), wall, exhausted_failures,
            exhausted_failures / wall, cpu, 100 * cpu / wall,
            served ? "was served" : "was NOT served");
        return served ? 0 : 1;
    });
}
