#pragma once

// What a Server's connection fibers share: the handler, the options, the buffer pool, and
// the registry of open connections that graceful shutdown walks.
//
// Registry (the list, each slot's fields and kept_alive_idle_, guarded by list_mu_, a
// spinlock: every request goes idle and back, so this lock is on the hot path; nothing under
// it parks, though closing streams under it makes syscalls):
//   a connection is in the list from its first byte to its end; `idle` is true while it
//   waits for its next request (keep-alive). shutdown() sets draining_, closes the streams
//   of idle connections at once and, at the grace deadline, of all of them; a connection
//   checks draining_ before it goes idle, and a busy one answers with "Connection: close".
// wait_connections() parks on changed_ (under wait_mu_) until the count is zero or grace_
// passes; remove() notifies it when the count reaches zero.
//
// Keep-alive timeout: not a deadline on each idle wait (that would put every request's wait
// in the scheduler's sleep queue, a tree insert and erase, plus clock reads), but one reaper
// fiber per serve() that ticks every keep_alive_timeout / 8 (10 ms to 1 s, on a fixed
// schedule) and closes the streams of connections idle for longer than the timeout: each
// slot records the tick at which it went idle. Never before the timeout; at most two ticks
// after it (one for the coarse record, one for the coarse check). A stream the registry
// closed is marked `closed`, so a connection that was woken just then (its bytes already
// read) does not go on to serve a request on a dead stream.

#include <atomic>
#include <cstddef>
#include <cstdint>

#include <weft/deadline.hpp>
#include <weft/detail/spinlock.hpp>
#include <weft/http/server.hpp>
#include <weft/net/buffer_pool.hpp>
#include <weft/net/tcp_server.hpp>
#include <weft/sync.hpp>

namespace weft::http::detail {

class ServerState {
public:
    struct Slot {
        net::TcpStream* stream = nullptr;
        bool idle = false;
        bool kept_alive = false;       // idle after a request: the reaper's to close
        bool closed = false;           // its stream was closed by the registry
        std::uint32_t idle_since = 0;  // the reaper's tick when it went idle
        Slot* prev = nullptr;
        Slot* next = nullptr;
    };

    ServerState(Handler h, ServerOptions o);

    Handler handler;
    ServerOptions options;
    net::BufferPool pool;
    net::TcpServer tcp;

    /// Registers a connection; false when max_connections are open (answer 503).
    bool add(Slot& slot);
    void remove(Slot& slot) noexcept;
    /// Marks the connection idle; false when the server is draining (close it instead).
    /// `kept_alive`: after a request (the keep-alive timeout applies; a new connection's
    /// wait has the header deadline instead).
    bool enter_idle(Slot& slot, bool kept_alive);
    /// False when the registry (reaper, shutdown) closed the stream while it was idle.
    bool leave_idle(Slot& slot);
    bool draining() const noexcept { return draining_.load(std::memory_order_acquire); }

    /// The keep-alive reaper: runs until the server drains or the calling fiber is cancelled.
    void reap_idle();

    void begin_shutdown(Deadline grace);
    /// Parks until every connection has ended, closing the rest at the grace deadline.
    void wait_connections();
    std::size_t connections() const noexcept { return count_.load(std::memory_order_relaxed); }

private:
    void close_streams(bool idle_only);

    weft::detail::Spinlock list_mu_;
    Slot list_;  // sentinel of a circular list
    std::atomic<std::size_t> count_{0};
    std::atomic<bool> draining_{false};
    std::atomic<std::uint32_t> tick_{0};  // written by the reaper
    std::size_t kept_alive_idle_ = 0;     // slots idle && kept_alive: the reaper's work
    weft::Mutex wait_mu_;
    weft::ConditionVariable changed_;
    Deadline grace_;  // guarded by wait_mu_
};

/// The request loop of one connection (connection.cpp).
void serve_connection(net::TcpStream stream, ServerState& state);

}  // namespace weft::http::detail
