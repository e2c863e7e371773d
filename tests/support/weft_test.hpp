#pragma once

#include <cstddef>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include <weft/weft.hpp>

namespace weft::test {

/// Options for a test case's Runtime: the backend from --backend (or WEFT_BACKEND), and
/// `threads` workers (one unless a test is about several).
RuntimeOptions runtime_options(unsigned threads = 1);

/// A listener on 127.0.0.1 with a kernel-chosen port: tests never use fixed ports.
net::TcpListener listen_loopback();

/// A connected pair over loopback: {client, server}. Call from a fiber.
std::pair<net::TcpStream, net::TcpStream> connected_pair();

/// Open file descriptors of this process (the leak listener compares them per test case).
std::size_t count_open_fds();

/// `n` deterministic pseudo-random bytes (a fixed seed per call site's `seed`).
std::string pattern(std::size_t n, unsigned seed = 1);

/// Child processes a test started (servers, peers). The watchdog ends a hung run with
/// _Exit, which skips destructors: it kills the tracked children first, or a live child
/// would keep CTest's output pipe open until CTest's own timeout. Untrack after reaping.
void track_child(pid_t pid) noexcept;
void untrack_child(pid_t pid) noexcept;
void kill_tracked_children() noexcept;

/// Starts args[0] with `args` (posix_spawn, the environment inherited), its stdout onto
/// `stdout_fd` when that is not -1 and its stderr into the file `stderr_path` when that is
/// not empty, and tracks it. Returns its pid, or -1 if it could not be started.
pid_t spawn_child(std::vector<std::string> args, int stdout_fd = -1,
                  const std::string& stderr_path = {});
/// Waits for a child started by spawn_child and untracks it; returns its wait status.
/// Blocks the calling thread: from a fiber, call it through weft::offload.
int reap_child(pid_t pid) noexcept;

}  // namespace weft::test
