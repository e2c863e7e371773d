// echo_integrity_client (--server PATH | ADDRESS) [options]: issue 7 item 6, echo integrity
// under load, client and server in separate processes.
//
// Starts the echo server as a child process (or uses one already running), opens every
// connection (`connectors` connects in flight at once), then releases all writers together:
// each connection sends its deterministic stream (echo_stream.hpp) in randomly split writes
// while its reader checks every echoed byte (integrity_connection.hpp). Passes when every
// byte of every connection came back in order, intact, exactly once, followed by EOF, and the
// server is still running at the end (it is then stopped with SIGTERM).
//
// Bounds: every connect has a deadline; a watchdog thread ends the run (exit status 3) with
// the state of the unfinished connections when no byte has been written or verified for
// --stall-seconds, so a hang fails with a message instead of blocking CTest.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <memory>
#include <mutex>
#include <optional>
#include <sys/resource.h>
#include <thread>
#include <vector>

#include <weft/weft.hpp>

#include "echo_integrity_options.hpp"
#include "integrity_connection.hpp"
#include "server_process.hpp"

namespace {

using namespace weft::stress;
using Clock = std::chrono::steady_clock;
using Connections = std::vector<std::unique_ptr<Connection>>;

// Ends the process (status 3) with a report when Run::progress stops moving for `limit`.
// Samples once a second and remembers the longest pause it saw, for the final report (a slow
// run that paused says something different from one that crawled).
class StallWatchdog {
public:
    StallWatchdog(Run& run, const Connections& conns, std::chrono::seconds limit)
        : run_(run), conns_(conns), thread_([this, limit] { watch(limit); }) {}
    ~StallWatchdog() {
        {
            std::lock_guard lk{mutex_};
            done_ = true;
        }
        cv_.notify_all();
        thread_.join();
    }
    /// In whole seconds, so far.
    long longest_pause_s() const noexcept { return longest_pause_s_.load(); }

private:
    void watch(std::chrono::seconds limit) {
        std::unique_lock lk{mutex_};
        std::uint64_t seen = run_.progress.load();
        long paused_s = 0;  // samples in a row without progress
        while (!cv_.wait_for(lk, std::chrono::seconds{1}, [this] { return done_; })) {
            const std::uint64_t now = run_.progress.load();
            paused_s = now == seen ? paused_s + 1 : 0;
            longest_pause_s_.store(std::max(longest_pause_s_.load(), paused_s));
            if (paused_s >= limit.count()) {
                report(limit);
            }
            seen = now;
        }
    }

    [[noreturn]] void report(std::chrono::seconds limit) {
        std::fprintf(stderr,
                     "echo_integrity: STALLED: no connect, no byte written or verified for %lld s; "
                     "%zu of %zu "
                     "connections finished. Unfinished ones (first 10):\n",
                     static_cast<long long>(limit.count()), run_.finished.load(), conns_.size());
        int shown = 0;
        for (const auto& c : conns_) {
            if (!c->finished() && shown++ < 10) {
                std::fprintf(stderr, "  %s\n", c->describe_progress().c_str());
            }
        }
        if (run_.server != nullptr) {
            run_.server->kill_now();
        }
        std::fflush(stderr);
        std::_Exit(3);
    }

    Run& run_;
    const Connections& conns_;
    std::mutex mutex_;
    std::condition_variable cv_;
    bool done_ = false;
    std::atomic<long> longest_pause_s_{0};
    std::thread thread_;
};

// The soft RLIMIT_NOFILE must cover every connection (the child server inherits it).
void raise_fd_limit(std::size_t connections) {
    const rlim_t need = connections + 64;  // stdio, pollers, wake-up fds, the pipe
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= need) {
        return;
    }
    if (rl.rlim_max < need) {
        throw std::runtime_error(std::to_string(connections) +
                                 " connections need more file descriptors than the hard limit "
                                 "(ulimit -Hn) of " +
                                 std::to_string(rl.rlim_max));
    }
    rl.rlim_cur = need;
    ::setrlimit(RLIMIT_NOFILE, &rl);
}

// On the main fiber: connect everything, open the gate, wait for every connection to finish.
double drive(Run& run, Connections& conns) {
    weft::WaitGroup gate{1};
    run.start_gate = &gate;
    std::atomic<std::size_t> next{0};
    std::vector<weft::JoinHandle> connectors;
    for (std::size_t k = 0; k < std::min(run.opt.connectors, conns.size()); ++k) {
        connectors.push_back(weft::spawn([&] {
            for (std::size_t i; (i = next.fetch_add(1)) < conns.size();) {
                conns[i]->connect();
                conns[i]->start();
            }
        }));
    }
    for (auto& c : connectors) {
        c.join();
    }
    const Clock::time_point traffic = Clock::now();
    gate.done();
    for (auto& c : conns) {
        c->join();
    }
    return std::chrono::duration<double>(Clock::now() - traffic).count();
}

std::vector<std::string> server_argv(const Options& opt) {
    std::string backend{weft::to_string(opt.backend.value_or(weft::BackendKind::automatic))};
    return {opt.server,  "127.0.0.1:0", "--threads", std::to_string(opt.server_threads),
            "--backend", backend};
}

// Fails unless the server runs the backend asked for (so that no silent fallback to epoll
// passes for an io_uring run).
void check_server_backend(const Options& opt, const ServerProcess& server) {
    if (opt.backend && *opt.backend != weft::BackendKind::automatic &&
        server.backend() != weft::to_string(*opt.backend)) {
        throw std::runtime_error("the server runs the '" + server.backend() +
                                 "' backend, not the one asked for");
    }
}

void check_fault(const Options& opt, const Connections& conns) {
    const Fault& f = opt.fault;
    if (f.kind != FaultKind::none &&
        (f.conn >= conns.size() || f.offset >= conns[f.conn]->total())) {
        throw std::invalid_argument("--fault: no such byte in this run");
    }
}

// Returns the process's exit status.
int run_test(const Options& opt) {
    raise_fd_limit(opt.connections);
    std::optional<ServerProcess> server;
    Run run{.opt = opt, .endpoint = {}};
    if (!opt.server.empty()) {
        server.emplace(server_argv(opt));
        check_server_backend(opt, *server);
        run.server = &*server;
        run.endpoint = weft::net::Endpoint::loopback_v4(server->port());
    } else {
        run.endpoint = weft::net::Endpoint::parse(opt.address);
    }
    weft::RuntimeOptions ro;
    ro.threads = opt.client_threads;
    ro.backend = opt.backend;
    weft::Runtime runtime{ro};  // before the connections: their streams close into it
    Connections conns;
    std::uint64_t bytes = 0;
    for (std::size_t i = 0; i < opt.connections; ++i) {
        conns.push_back(std::make_unique<Connection>(run, i));
        bytes += conns.back()->total();
    }
    check_fault(opt, conns);

    const Clock::time_point begin = Clock::now();
    double traffic_s = 0;
    long pause_s = 0;
    {
        StallWatchdog watchdog{run, conns, opt.stall};
        traffic_s = runtime.run([&] { return drive(run, conns); });
        pause_s = watchdog.longest_pause_s();
    }
    const double total_s = std::chrono::duration<double>(Clock::now() - begin).count();
    std::string why;
    if (server && !server->stop(why)) {
        std::fprintf(stderr, "echo_integrity: FAILED: the server %s\n", why.c_str());
        return 1;
    }
    std::printf(
        "echo_integrity: OK: %zu connections x %zu messages (%s sizes 1..%zu B, 1..%zu writes "
        "each, seed %llu): %llu bytes echoed and verified; server %s x %u threads, client %s x "
        "%u threads; %.1f s (connect %.1f s, traffic %.1f s; longest pause %ld s)\n",
        opt.connections, opt.stream.messages, opt.stream.sizes == SizeDist::log ? "log" : "uniform",
        opt.stream.max_size, opt.max_pieces, static_cast<unsigned long long>(opt.stream.seed),
        static_cast<unsigned long long>(bytes), server ? server->backend().c_str() : "external",
        opt.server_threads, std::string{weft::to_string(runtime.backend())}.c_str(),
        opt.client_threads, total_s, total_s - traffic_s, traffic_s, pause_s);
    return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
    Options opt;
    try {
        opt = parse_options(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_integrity: %s (--help for usage)\n", e.what());
        return 2;
    }
    try {
        return run_test(opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "echo_integrity: setup: %s\n", e.what());
        return 2;
    }
}
