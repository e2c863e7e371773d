#pragma once

// An example server run as a child process: started before the client's Runtime (so that
// fork happens while the process has one thread), its port read from the "listening on
// HOST:PORT (KIND backend)" line it prints, and killed by the kernel if the client dies first
// (PR_SET_PDEATHSIG), so that a client aborted by its watchdog leaves no server behind.
#include <cstdint>
#include <string>
#include <sys/types.h>
#include <vector>

namespace weft::stress {

class ServerProcess {
public:
    /// Starts `argv[0]` with `argv` and waits for its "listening on" line.
    /// Errors: std::runtime_error with the reason (no such program, exited before listening).
    explicit ServerProcess(const std::vector<std::string>& argv);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    std::uint16_t port() const noexcept { return port_; }
    /// The backend named in the listening line ("epoll", "io_uring").
    const std::string& backend() const noexcept { return backend_; }

    /// "" while the server runs; otherwise how it ended ("exited with status 1",
    /// "killed by signal 11"). Does not block.
    std::string exit_reason();
    /// exit_reason(), after waiting up to `ms` for the server to end (a client that lost its
    /// connections asks whether the server died, to say so).
    std::string exit_reason_within(int ms);
    /// SIGKILL now (from any thread; async-signal-safe), for a client that is giving up.
    void kill_now() noexcept;
    /// SIGTERM, then waits for it to end. Returns false (and sets `why`) unless it ended by
    /// that SIGTERM, i.e. it was still running and healthy.
    bool stop(std::string& why);

private:
    void read_listening_line();
    static std::string describe(int status);

    pid_t pid_ = -1;
    int stdout_ = -1;  // kept open so that a late write by the server cannot raise SIGPIPE
    std::uint16_t port_ = 0;
    std::string backend_;
    bool reaped_ = false;
    std::string ended_how_;  // once reaped: "exited with status 1", ...
};

}  // namespace weft::stress
