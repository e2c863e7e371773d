#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <system_error>

#include <weft/deadline.hpp>
#include <weft/net/buffer.hpp>
#include <weft/net/detail/socket.hpp>
#include <weft/net/endpoint.hpp>

namespace weft::net {

enum class Shutdown { read, write, both };

/// A connected TCP socket. One fiber may read while another writes; further readers (or
/// writers) wait their turn, and a whole write_all is never interleaved with another.
/// Every blocking call has a throwing form (std::system_error naming the op and the
/// endpoints) and a noexcept form taking std::error_code& as the last argument.
class TcpStream {
public:
    TcpStream() noexcept = default;

    /// Connects to `to`. Blocks: parks until connected, refused, or `d`.
    /// Errors: errc::timed_out, ECONNREFUSED, ENETUNREACH, ...
    static TcpStream connect(const Endpoint& to, Deadline d = Deadline::never());
    static TcpStream connect(const Endpoint& to, Deadline d, std::error_code& ec) noexcept;
    /// Tries each of `candidates` in order until one connects; `d` covers all the attempts.
    /// Errors: the first attempt's error (errc::timed_out and errc::cancelled stop at once);
    /// std::errc::invalid_argument if there is no candidate.
    static TcpStream connect(std::span<const Endpoint> candidates, Deadline d = Deadline::never());
    static TcpStream connect(std::span<const Endpoint> candidates, Deadline d,
                             std::error_code& ec) noexcept;
    /// Connects to "host:port" or "[v6]:port", where host may be a name ("localhost:8080",
    /// "example.com:http"): a name is resolved (weft::net::resolve) and each of its addresses
    /// tried in order. `d` covers the lookup and every attempt.
    /// Errors: std::invalid_argument if `address` has no ':port' (the ec form: invalid_argument);
    /// resolve's errors; connect's errors.
    static TcpStream connect(std::string_view address, Deadline d = Deadline::never());
    static TcpStream connect(std::string_view address, Deadline d, std::error_code& ec) noexcept;
    /// Connects to `host` (a name or a numeric address) on `port`; see connect(address).
    static TcpStream connect(std::string_view host, std::uint16_t port,
                             Deadline d = Deadline::never());
    static TcpStream connect(std::string_view host, std::uint16_t port, Deadline d,
                             std::error_code& ec) noexcept;

    /// Reads at least one byte into `buf`, or returns 0 at orderly EOF (or if buf is empty).
    /// Blocks: parks until data, EOF, the read deadline, cancel or close.
    /// Errors: errc::timed_out, errc::cancelled, errc::closed, ECONNRESET, ...
    std::size_t read_some(MutableBuffer buf);
    std::size_t read_some(MutableBuffer buf, std::error_code& ec) noexcept;

    /// Fills `buf` completely. Errors: errc::unexpected_eof if the peer closes first; the ec
    /// form returns the bytes read before the error.
    std::size_t read_exact(MutableBuffer buf);
    std::size_t read_exact(MutableBuffer buf, std::error_code& ec) noexcept;

    /// Parks until a read would not block (bytes buffered, the peer's EOF, or a pending
    /// error) and consumes nothing. It needs no buffer: a server that waits here and only
    /// then reads into a buffer holds no buffer memory for an idle connection (one stack
    /// page per parked fiber). Honours the read deadline. Rarely (a readiness report racing
    /// a read on another worker) it returns with nothing to read; the read after it then
    /// parks as any read does.
    /// Errors: errc::timed_out, errc::cancelled, errc::closed, ECONNRESET, ...
    void wait_readable();
    void wait_readable(std::error_code& ec) noexcept;
    /// Writes what one send accepts (at least one byte). Blocks: while the send buffer is full.
    std::size_t write_some(ConstBuffer buf);
    std::size_t write_some(ConstBuffer buf, std::error_code& ec) noexcept;

    /// Writes all of `buf`, without copying it. Errors: EPIPE/ECONNRESET (never SIGPIPE),
    /// errc::timed_out, ...; the ec form returns the bytes written before the error.
    void write_all(ConstBuffer buf);
    std::size_t write_all(ConstBuffer buf, std::error_code& ec) noexcept;
    /// Gather write: all of `bufs` in order, up to 64 buffers per writev, no copies.
    void write_all(std::span<const ConstBuffer> bufs);
    std::size_t write_all(std::span<const ConstBuffer> bufs, std::error_code& ec) noexcept;

    /// Deadlines are state: they apply to every read (write) that starts after the call,
    /// until changed. Deadline::never() clears. A deadline bounds the wait, not the attempt:
    /// once it has passed, an op still returns what the kernel has ready at once, and fails
    /// with errc::timed_out only where it would have to wait. To stop an op already parked,
    /// close() the stream or cancel the fiber.
    void set_read_deadline(Deadline d) noexcept { socket_.io().set_read_deadline(d); }
    void set_write_deadline(Deadline d) noexcept { socket_.io().set_write_deadline(d); }

    void shutdown(Shutdown how);
    void shutdown(Shutdown how, std::error_code& ec) noexcept;
    /// Wakes fibers parked on this stream with errc::closed and releases the fd.
    /// Thread-safe with respect to ops in flight. The destructor closes too, silently.
    void close() noexcept { socket_.close(); }
    bool is_open() const noexcept { return socket_.is_open(); }

    void set_nodelay(bool on);
    void set_nodelay(bool on, std::error_code& ec) noexcept;
    Endpoint local_endpoint() const;
    Endpoint local_endpoint(std::error_code& ec) const noexcept;
    Endpoint peer_endpoint() const;
    Endpoint peer_endpoint(std::error_code& ec) const noexcept;
    int native_handle() const noexcept { return socket_.native_handle(); }

private:
    friend class TcpListener;
    explicit TcpStream(detail::Socket s) noexcept : socket_(std::move(s)) {}

    detail::Socket socket_;
};

}  // namespace weft::net
