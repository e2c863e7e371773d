#pragma once

// The Client's connections and its bounded per-host pool (private).
//
// Per host key ("host:port"), under the pool's mutex:
//   open   connections that exist for the key: idle ones plus those leased out, plus slots
//          granted to a dial in progress. Never above max_connections_per_host.
//   idle   connections that finished a response cleanly with keep-alive, most recent last.
// acquire() hands out an idle connection, or a slot to dial (a null connection), or waits
// on the condition variable until release()/abandon() frees one. No I/O happens under the
// lock: a dial runs after acquire() returned, and connections are closed after unlocking.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <weft/deadline.hpp>
#include <weft/http/client.hpp>
#include <weft/http/parser.hpp>
#include <weft/net/buffered_reader.hpp>
#include <weft/net/tcp_stream.hpp>
#include <weft/sync.hpp>

namespace weft::http::detail {

/// One connection to a host with its reader and response parser. Never moves (the reader
/// refers to the stream): always held by unique_ptr.
struct ClientConnection {
    ClientConnection(net::TcpStream s, std::string k, const Limits& limits)
        : stream(std::move(s)), reader(stream), parser(limits), key(std::move(k)) {}
    ClientConnection(const ClientConnection&) = delete;
    ClientConnection& operator=(const ClientConnection&) = delete;

    net::TcpStream stream;
    net::BufferedReader reader;
    ResponseParser parser;
    std::string key;
};

class ConnectionPool {
public:
    ConnectionPool(std::size_t max_per_host, std::size_t max_idle_per_host) noexcept
        : max_open_(max_per_host == 0 ? 1 : max_per_host), max_idle_(max_idle_per_host) {}

    /// An idle connection for `key`, or nullptr with a slot granted to dial a new one.
    /// `fresh`: the caller's last connection went stale; drop the idle ones of `key`.
    /// Blocks: parks while every slot of `key` is in use. Errors: errc::timed_out (at `d`),
    /// errc::cancelled; then no slot is held.
    std::unique_ptr<ClientConnection> acquire(const std::string& key, Deadline d, bool fresh,
                                              std::error_code& ec);
    /// Gives a leased connection back: kept idle if `reusable` and there is room, else
    /// closed. Its slot is free either way.
    void release(std::unique_ptr<ClientConnection> c, bool reusable) noexcept;
    /// Frees a slot granted by acquire() whose dial failed.
    void abandon(const std::string& key) noexcept;
    void close_idle() noexcept;

private:
    struct Host {
        std::size_t open = 0;
        std::vector<std::unique_ptr<ClientConnection>> idle;
    };

    const std::size_t max_open_;
    const std::size_t max_idle_;
    Mutex mutex_;
    ConditionVariable freed_;
    std::unordered_map<std::string, Host> hosts_;
};

}  // namespace weft::http::detail
