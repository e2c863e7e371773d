#include "server_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

namespace weft::stress {

ServerProcess::ServerProcess(const std::vector<std::string>& argv) {
    std::vector<char*> args;
    for (const std::string& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        throw std::runtime_error(std::string{"pipe2: "} + std::strerror(errno));
    }
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {  // the child: only async-signal-safe calls until exec
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent) {  // the parent died before prctl took effect
            ::_exit(126);
        }
        ::dup2(out[1], STDOUT_FILENO);  // dup2 clears O_CLOEXEC on the copy
        ::execv(args[0], args.data());
        ::_exit(127);
    }
    const int fork_errno = errno;
    ::close(out[1]);
    stdout_ = out[0];
    if (pid_ < 0) {
        ::close(stdout_);
        throw std::runtime_error(std::string{"fork: "} + std::strerror(fork_errno));
    }
    read_listening_line();
}

ServerProcess::~ServerProcess() {
    if (!reaped_) {
        kill_now();
        ::waitpid(pid_, nullptr, 0);
    }
    ::close(stdout_);
}

// "echo_server: listening on 127.0.0.1:PORT (KIND backend)\n": a short blocking read of the
// pipe, before any Runtime exists.
void ServerProcess::read_listening_line() {
    std::string line;
    char c;
    while (line.find('\n') == std::string::npos && ::read(stdout_, &c, 1) == 1) {
        line += c;
    }
    const auto at = line.find("listening on ");
    const auto open = line.find(" (");
    const auto colon = line.rfind(':', open);
    if (at == std::string::npos || open == std::string::npos || colon == std::string::npos ||
        colon < at) {
        std::string why = exit_reason();
        throw std::runtime_error("server did not print its listening line (got '" + line + "')" +
                                 (why.empty() ? "" : "; it " + why));
    }
    port_ = static_cast<std::uint16_t>(std::stoul(line.substr(colon + 1, open - colon - 1)));
    const auto kind_end = line.find(" backend)", open);
    backend_ = line.substr(open + 2, kind_end == std::string::npos ? 0 : kind_end - open - 2);
}

std::string ServerProcess::exit_reason() {
    if (reaped_) {
        return ended_how_;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) {
        return "";
    }
    reaped_ = true;
    ended_how_ = describe(status);
    return ended_how_;
}

std::string ServerProcess::exit_reason_within(int ms) {
    if (reaped_) {
        return exit_reason();
    }
    const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid_, 0));
    if (pidfd >= 0) {  // readable once the process has ended
        pollfd p{.fd = pidfd, .events = POLLIN, .revents = 0};
        ::poll(&p, 1, ms);
        ::close(pidfd);
    }
    return exit_reason();
}

void ServerProcess::kill_now() noexcept {
    if (!reaped_) {
        ::kill(pid_, SIGKILL);
    }
}

bool ServerProcess::stop(std::string& why) {
    why = exit_reason();
    if (!why.empty()) {
        return false;
    }
    ::kill(pid_, SIGTERM);
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    ended_how_ = describe(status);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM) {
        return true;
    }
    why = ended_how_ + " instead of by SIGTERM";
    return false;
}

std::string ServerProcess::describe(int status) {
    if (WIFEXITED(status)) {
        return "exited with status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        return "was killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
               strsignal(WTERMSIG(status)) + ")";
    }
    return "ended with wait status " + std::to_string(status);
}

}  // namespace weft::stress
