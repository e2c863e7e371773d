// BufferedWriter: [0, size_) of data_ is pending. Small writes are copied in; runs of large
// writes go out as one gather write led by the pending bytes, so order is kept and a large
// buffer is never copied.
#include <algorithm>
#include <array>
#include <cstring>
#include <utility>

#include <weft/detail/throw_error.hpp>
#include <weft/net/buffered_writer.hpp>

namespace weft::net {

using weft::detail::throw_error;

namespace {
constexpr std::size_t max_gather = 16;  // large buffers per gather write (plus the pending)
}

BufferedWriter::BufferedWriter(StreamRef stream, BufferPool& pool) noexcept
    : stream_(stream), buffer_(&pool, 0) {}

BufferedWriter::BufferedWriter(StreamRef stream, std::size_t capacity) noexcept
    : stream_(stream), buffer_(nullptr, std::max<std::size_t>(capacity, 64)) {}

BufferedWriter::BufferedWriter(BufferedWriter&& other) noexcept
    : stream_(other.stream_),
      buffer_(std::move(other.buffer_)),
      data_(std::exchange(other.data_, nullptr)),
      size_(std::exchange(other.size_, 0)) {}

BufferedWriter::~BufferedWriter() = default;

std::size_t BufferedWriter::capacity() const noexcept {
    return buffer_.size();
}

bool BufferedWriter::ensure_buffer(std::error_code& ec) noexcept {
    if (data_ == nullptr) {
        data_ = buffer_.acquire(ec);
    }
    return data_ != nullptr;
}

// One gather write: the pending bytes, then `large`. On a short write the unwritten pending
// bytes stay buffered (the large ones belong to the caller, who gets the error).
void BufferedWriter::write_through(std::span<const ConstBuffer> large,
                                   std::error_code& ec) noexcept {
    std::array<ConstBuffer, max_gather + 1> batch;
    std::size_t count = 0;
    if (size_ != 0) {
        batch[count++] = ConstBuffer{data_, size_};
    }
    for (ConstBuffer b : large) {
        batch[count++] = b;
    }
    const std::size_t written = stream_.write_all(std::span{batch.data(), count}, ec);
    const std::size_t from_pending = std::min(written, size_);
    std::memmove(data_, data_ + from_pending, size_ - from_pending);
    size_ -= from_pending;
}

void BufferedWriter::write(std::span<const ConstBuffer> bufs, std::error_code& ec) noexcept {
    ec.clear();
    if (!ensure_buffer(ec)) {
        return;
    }
    const std::size_t cap = capacity();
    std::array<ConstBuffer, max_gather> large;
    std::size_t nlarge = 0;
    for (ConstBuffer b : bufs) {
        if (b.size() >= cap / 2) {
            large[nlarge++] = b;
            if (nlarge == max_gather) {
                write_through(std::span{large.data(), nlarge}, ec);
                nlarge = 0;
                if (ec) {
                    return;
                }
            }
            continue;
        }
        if (nlarge != 0) {  // keep order: what is pending and the large run go out first
            write_through(std::span{large.data(), nlarge}, ec);
            nlarge = 0;
            if (ec) {
                return;
            }
        }
        if (b.size() > cap - size_) {  // flush first: a small write is taken whole or not at all
            flush(ec);
            if (ec) {
                return;
            }
        }
        std::memcpy(data_ + size_, b.data(), b.size());
        size_ += b.size();
    }
    if (nlarge != 0) {
        write_through(std::span{large.data(), nlarge}, ec);
    }
}

void BufferedWriter::write(std::span<const ConstBuffer> bufs) {
    std::error_code ec;
    write(bufs, ec);
    if (ec) {
        throw_error(ec, "write");
    }
}

void BufferedWriter::write(ConstBuffer buf, std::error_code& ec) noexcept {
    write(std::span<const ConstBuffer>(&buf, 1), ec);
}

void BufferedWriter::write(ConstBuffer buf) {
    write(std::span<const ConstBuffer>(&buf, 1));
}

void BufferedWriter::flush(std::error_code& ec) noexcept {
    ec.clear();
    if (size_ != 0) {
        write_through({}, ec);
    }
}

void BufferedWriter::flush() {
    std::error_code ec;
    flush(ec);
    if (ec) {
        throw_error(ec, "flush");
    }
}

bool BufferedWriter::release_buffer() noexcept {
    if (size_ != 0) {
        return false;
    }
    buffer_.release();
    data_ = nullptr;
    return true;
}

}  // namespace weft::net
