#pragma once

#include <cstddef>
#include <memory>
#include <string_view>
#include <system_error>

#include <weft/net/buffer.hpp>
#include <weft/net/buffer_pool.hpp>
#include <weft/net/detail/buffer_lease.hpp>
#include <weft/net/stream.hpp>

namespace weft::net {

/// Reads a stream through one buffer, so that protocols can look at bytes before taking
/// them (peek, read_until) and many small messages cost one syscall.
///
/// Zero-copy rule: every view this reader returns (buffered(), peek(), read_until() and the
/// framing functions built on it) points into the reader's buffer and is valid until the
/// next call that reads from the stream through this reader (fill, peek, read_until,
/// read_some, read_exact, or a framing read) or until release_buffer() or destruction.
/// consume() does not invalidate views. Copy what you keep.
///
/// Memory: the buffer is leased from a BufferPool (or allocated once, for the reader's own
/// use) on the first read, and kept until release_buffer() or destruction: no allocation
/// per read. A single frame larger than the buffer moves the bytes to a larger heap buffer,
/// grown at most to double what is buffered, so memory follows the bytes received, not a
/// length a peer announced; after that frame the reader goes back to its normal buffer.
///
/// Errors are those of the stream, plus errc::pool_exhausted (no buffer to lease),
/// errc::unexpected_eof (EOF inside a peek/read_exact/read_until) and
/// std::errc::message_size (read_until found no delimiter within its limit). After an
/// error the buffered bytes are still there: a read that timed out can be retried.
///
/// One fiber at a time may use a reader.
class BufferedReader {
public:
    /// Leases its buffer from `pool` (the pool must outlive the reader).
    BufferedReader(StreamRef stream, BufferPool& pool) noexcept;
    /// Uses a private buffer of `capacity` bytes (at least 64), allocated on the first read.
    explicit BufferedReader(StreamRef stream, std::size_t capacity = 16 * 1024) noexcept;
    BufferedReader(BufferedReader&& other) noexcept;
    BufferedReader& operator=(BufferedReader&&) = delete;
    BufferedReader(const BufferedReader&) = delete;
    BufferedReader& operator=(const BufferedReader&) = delete;
    ~BufferedReader();

    /// The bytes read from the stream and not consumed yet (a view; see the class comment).
    ConstBuffer buffered() const noexcept { return {data_ + begin_, end_ - begin_}; }
    /// Drops the first `n` buffered bytes (n <= buffered().size()). Views stay valid.
    void consume(std::size_t n) noexcept;

    /// Reads once from the stream into the free space, growing the buffer if it is full
    /// (to at most `limit` bytes buffered). Returns the bytes added; 0 at EOF.
    /// Blocks: one read_some on the stream.
    std::size_t fill(std::size_t limit, std::error_code& ec) noexcept;
    std::size_t fill(std::error_code& ec) noexcept { return fill(0, ec); }
    std::size_t fill();

    /// A view of exactly `n` buffered bytes, reading until there are that many. Nothing is
    /// consumed. Errors: errc::unexpected_eof (fewer than n bytes before EOF).
    ConstBuffer peek(std::size_t n, std::error_code& ec) noexcept;
    ConstBuffer peek(std::size_t n);

    /// The bytes up to and including the first `delimiter` (non-empty), consumed. An empty
    /// view means EOF before any byte. Errors: std::errc::message_size if no delimiter ends
    /// within `max` bytes (delimiter included; nothing consumed), errc::unexpected_eof if
    /// EOF comes after some bytes but before the delimiter (they stay buffered).
    ConstBuffer read_until(std::string_view delimiter, std::size_t max,
                           std::error_code& ec) noexcept;
    ConstBuffer read_until(std::string_view delimiter, std::size_t max);

    /// Copies buffered bytes into `out`, or reads once if none are buffered (straight into
    /// `out` when it is at least as large as the buffer). Returns 0 at EOF.
    std::size_t read_some(MutableBuffer out, std::error_code& ec) noexcept;
    std::size_t read_some(MutableBuffer out);
    /// Fills `out` completely (large remainders are read straight into it, not through the
    /// buffer). Errors: errc::unexpected_eof; the ec form returns the bytes copied.
    std::size_t read_exact(MutableBuffer out, std::error_code& ec) noexcept;
    std::size_t read_exact(MutableBuffer out);

    /// Gives the buffer back (to its pool) if nothing is buffered, e.g. before a connection
    /// waits a long time for its next request. Returns whether it did. The next read takes
    /// a buffer again.
    bool release_buffer() noexcept;

    /// Bytes the reader can hold now (0 before the first read).
    std::size_t capacity() const noexcept { return capacity_; }
    /// True once the stream has reported EOF.
    bool eof() const noexcept { return eof_; }
    StreamRef stream() const noexcept { return stream_; }

private:
    bool ensure_buffer(std::error_code& ec) noexcept;
    bool grow(std::size_t want, std::error_code& ec) noexcept;
    void compact() noexcept;
    std::size_t normal_capacity() const noexcept;

    StreamRef stream_;
    detail::BufferLease normal_;          // leased or private, taken on first use
    std::unique_ptr<std::byte[]> large_;  // temporary, for a frame larger than the normal buffer
    std::byte* data_ = nullptr;           // the buffer in use: normal or large_
    std::size_t capacity_ = 0;
    std::size_t begin_ = 0;  // first unconsumed byte
    std::size_t end_ = 0;    // one past the last buffered byte
    bool eof_ = false;
};

}  // namespace weft::net
