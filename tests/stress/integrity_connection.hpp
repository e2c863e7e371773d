#pragma once

// One connection of the echo integrity client: a writer fiber and a reader fiber on one
// TcpStream, so that however much is in flight, the client always drains what the server
// echoes and the two can never both block in write.
//
//   writer   waits for the start gate, then sends `messages` messages of the connection's
//            stream (echo_stream.hpp), each cut into 1..max_pieces writes of random sizes,
//            sometimes yielding between pieces; then shuts down its half of the connection
//   reader   reads chunks of random sizes (never aligned to messages), compares every byte
//            with the stream at its offset, and after the last byte expects EOF: a byte that
//            is lost (early EOF, or a shift), reordered, duplicated (a shift, or bytes after
//            the end), corrupted or from another connection fails the run with the connection,
//            the offset, the message and the byte values
//
// Progress (bytes written, bytes verified) is published in atomics for the stall watchdog,
// which runs on a plain thread.
#include <atomic>
#include <cstdint>
#include <string>

#include <weft/weft.hpp>

#include "echo_integrity_options.hpp"
#include "echo_stream.hpp"

namespace weft::stress {

class ServerProcess;

/// What every connection shares. Failure is final: the first one is printed and ends the
/// process (exit status 1), so that no later error buries it.
struct Run {
    const Options& opt;
    net::Endpoint endpoint;
    ServerProcess* server = nullptr;         ///< null when testing an external server
    WaitGroup* start_gate = nullptr;         ///< writers wait for it: every connection is up first
    std::atomic<std::uint64_t> progress{0};  ///< connects, bytes written, bytes verified
    std::atomic<std::size_t> finished{0};    ///< connections fully verified
    std::atomic<bool> failed{false};         ///< set by the first fail(), which exits

    /// Prints "echo_integrity: FAILED: what", kills the server and exits with status 1. A
    /// call racing with the first one returns at once (its caller just returns too).
    void fail(const std::string& what);
};

class Connection {
public:
    Connection(Run& run, std::uint64_t id);
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Connects (from a connector fiber); fail()s on error.
    void connect();
    /// Spawns the writer and the reader.
    void start();
    void join();

    /// For the stall report (any thread).
    std::string describe_progress() const;
    bool finished() const noexcept { return verified_.load() == total_ && eof_.load(); }
    std::uint64_t total() const noexcept { return total_; }

private:
    void write_messages();
    void write_piece(std::span<std::byte> piece, std::uint64_t offset);
    void send(std::span<const std::byte> bytes);
    void read_and_verify();
    void check(std::span<const std::byte> got, std::span<std::byte> want, std::uint64_t offset);
    void expect_eof();
    std::string where(std::uint64_t offset) const;

    Run& run_;
    ConnectionStream stream_;
    std::uint64_t total_;
    net::TcpStream conn_;
    JoinHandle writer_;
    JoinHandle reader_;
    std::atomic<std::uint64_t> written_{0};
    std::atomic<std::uint64_t> verified_{0};
    std::atomic<bool> eof_{false};
};

}  // namespace weft::stress
