// The registry behind track_child(): a fixed table of atomics, so that the watchdog thread
// can read it while test fibers change it, without a lock or an allocation.
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include "support/weft_test.hpp"

extern char** environ;

namespace weft::test {

namespace {

std::array<std::atomic<pid_t>, 64> children{};

}  // namespace

void track_child(pid_t pid) noexcept {
    for (auto& slot : children) {
        pid_t empty = 0;
        if (slot.compare_exchange_strong(empty, pid)) {
            return;
        }
    }
    // Table full: this child is simply not killed by the watchdog (tests start a few).
}

void untrack_child(pid_t pid) noexcept {
    for (auto& slot : children) {
        pid_t expected = pid;
        if (slot.compare_exchange_strong(expected, 0)) {
            return;
        }
    }
}

void kill_tracked_children() noexcept {
    for (auto& slot : children) {
        if (const pid_t pid = slot.exchange(0); pid > 0) {
            ::kill(pid, SIGKILL);
        }
    }
}

pid_t spawn_child(std::vector<std::string> args, int stdout_fd, const std::string& stderr_path) {
    std::vector<char*> argv;
    for (auto& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdout_fd != -1) {
        posix_spawn_file_actions_adddup2(&actions, stdout_fd, STDOUT_FILENO);
    }
    if (!stderr_path.empty()) {
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        return -1;
    }
    track_child(pid);
    return pid;
}

int reap_child(pid_t pid) noexcept {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    untrack_child(pid);
    return status;
}

}  // namespace weft::test
