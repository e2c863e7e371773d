#pragma once

// What a Server's connection fibers share: the handler, the options, the buffer pool, and
// the registry of open connections that graceful shutdown walks.
//
// Registry (guarded by mu_):
//   a connection is in the list from its first byte to its end; `idle` is true while it
//   waits for its next request (keep-alive). shutdown() sets draining_, closes the streams
//   of idle connections at once and, at the grace deadline, of all of them; a connection
//   checks draining_ before it goes idle, and a busy one answers with "Connection: close".

#include <atomic>
#include <cstddef>

#include <weft/deadline.hpp>
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
    bool enter_idle(Slot& slot);
    void leave_idle(Slot& slot);
    bool draining() const noexcept { return draining_.load(std::memory_order_acquire); }

    void begin_shutdown(Deadline grace);
    /// Parks until every connection has ended, closing the rest at the grace deadline.
    void wait_connections();
    std::size_t connections() const noexcept { return count_.load(std::memory_order_relaxed); }

private:
    void close_streams(bool idle_only);

    weft::Mutex mu_;
    weft::ConditionVariable changed_;
    Slot list_;  // sentinel of a circular list
    std::atomic<std::size_t> count_{0};
    std::atomic<bool> draining_{false};
    Deadline grace_;
};

/// The request loop of one connection (connection.cpp).
void serve_connection(net::TcpStream stream, ServerState& state);

}  // namespace weft::http::detail
