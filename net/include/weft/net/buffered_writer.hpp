#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <system_error>

#include <weft/net/buffer.hpp>
#include <weft/net/buffer_pool.hpp>
#include <weft/net/detail/buffer_lease.hpp>
#include <weft/net/stream.hpp>

namespace weft::net {

/// Writes a stream through one buffer: small writes are copied into it and go out together
/// in one syscall at flush(); a large write (at least half the buffer) is not copied — it
/// goes out at once as a gather write together with what is already buffered.
///
/// Nothing reaches the stream until the buffer fills, a large write comes, or flush() is
/// called: call flush() before waiting for a reply. The destructor does not flush (it
/// cannot report an error); bytes still buffered then are dropped, and pending() says how
/// many.
///
/// Errors are the stream's, plus errc::pool_exhausted when no buffer can be leased. A small
/// write is taken whole or not at all; after an error the bytes not yet written stay
/// buffered (pending()), and of a multi-buffer write() the buffers before the failing one
/// may have been taken. The stream is usually broken by then: close it.
/// One fiber at a time may use a writer.
class BufferedWriter {
public:
    /// Leases its buffer from `pool` on the first write (the pool must outlive the writer).
    BufferedWriter(StreamRef stream, BufferPool& pool) noexcept;
    /// Uses a private buffer of `capacity` bytes (at least 64), allocated on the first write.
    explicit BufferedWriter(StreamRef stream, std::size_t capacity = 16 * 1024) noexcept;
    BufferedWriter(BufferedWriter&& other) noexcept;
    BufferedWriter& operator=(BufferedWriter&&) = delete;
    BufferedWriter(const BufferedWriter&) = delete;
    BufferedWriter& operator=(const BufferedWriter&) = delete;
    ~BufferedWriter();

    /// Buffers `buf`, or writes it through (large); may flush. Blocks only when it writes.
    void write(ConstBuffer buf);
    void write(ConstBuffer buf, std::error_code& ec) noexcept;
    /// The same for several buffers in order: small ones are copied, large ones gathered.
    void write(std::span<const ConstBuffer> bufs);
    void write(std::span<const ConstBuffer> bufs, std::error_code& ec) noexcept;

    /// Writes everything buffered. Blocks until the stream has taken it.
    void flush();
    void flush(std::error_code& ec) noexcept;

    /// Bytes buffered and not yet written.
    std::size_t pending() const noexcept { return size_; }
    /// Gives the buffer back if nothing is pending. Returns whether it did.
    bool release_buffer() noexcept;
    StreamRef stream() const noexcept { return stream_; }

private:
    bool ensure_buffer(std::error_code& ec) noexcept;
    std::size_t capacity() const noexcept;
    void write_through(std::span<const ConstBuffer> large, std::error_code& ec) noexcept;

    StreamRef stream_;
    detail::BufferLease buffer_;
    std::byte* data_ = nullptr;
    std::size_t size_ = 0;
};

}  // namespace weft::net
