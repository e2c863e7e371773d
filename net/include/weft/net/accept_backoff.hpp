#pragma once

#include <chrono>
#include <system_error>

namespace weft::net {

/// What an accept loop does when accept() fails because the process or the system is out of
/// file descriptors (EMFILE, ENFILE) or kernel memory (ENOBUFS, ENOMEM): pause, then retry,
/// leaving the connection queued in the listen backlog. The pause starts at 1 ms and doubles
/// with each consecutive failure up to 100 ms; a successful accept starts over. So an
/// exhausted loop makes at most ~10 attempts a second (no spinning), and a connection waits at
/// most ~100 ms after an fd is freed. docs/reliability.md says why this and not the
/// "reserve fd" trick. TcpServer uses it; a hand-written loop (examples/echo_server.cpp):
///
///     weft::net::AcceptBackoff backoff;
///     for (;;) {
///         std::error_code ec;
///         auto conn = listener.accept(weft::Deadline::never(), ec);
///         if (ec) {
///             weft::this_fiber::sleep_for(backoff.next());  // throws once cancelled
///             continue;
///         }
///         backoff.reset();
///         weft::spawn(...);
///     }
class AcceptBackoff {
public:
    static constexpr std::chrono::milliseconds first_pause{1};
    static constexpr std::chrono::milliseconds max_pause{100};

    /// Whether `ec` says accept() ran out of fds or memory (a pause can cure it).
    static bool is_exhaustion(const std::error_code& ec) noexcept;

    /// The pause before the next attempt after a failure: 1, 2, 4, ... ms, at most 100 ms.
    std::chrono::milliseconds next() noexcept;
    /// After a successful accept: the next failure pauses first_pause again.
    void reset() noexcept { failures_ = 0; }
    /// Consecutive failures so far (0 when the last accept succeeded).
    unsigned failures() const noexcept { return failures_; }

private:
    unsigned failures_ = 0;
};

}  // namespace weft::net
