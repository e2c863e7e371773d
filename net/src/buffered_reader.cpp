// BufferedReader: one buffer, [begin_, end_) holds the unconsumed bytes.
//
// Views handed out point into data_; they stay valid until the next fill, because only
// fill (through compact/grow) moves bytes. consume() just advances begin_.
#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>
#include <weft/net/buffered_reader.hpp>

namespace weft::net {

using weft::detail::throw_error;

BufferedReader::BufferedReader(StreamRef stream, BufferPool& pool) noexcept
    : stream_(stream), normal_(&pool, 0) {}

BufferedReader::BufferedReader(StreamRef stream, std::size_t capacity) noexcept
    : stream_(stream), normal_(nullptr, std::max<std::size_t>(capacity, 64)) {}

BufferedReader::BufferedReader(BufferedReader&& other) noexcept
    : stream_(other.stream_),
      normal_(std::move(other.normal_)),
      large_(std::move(other.large_)),
      data_(std::exchange(other.data_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)),
      begin_(std::exchange(other.begin_, 0)),
      end_(std::exchange(other.end_, 0)),
      eof_(other.eof_) {}

BufferedReader::~BufferedReader() = default;

std::size_t BufferedReader::normal_capacity() const noexcept {
    return normal_.size();
}

void BufferedReader::consume(std::size_t n) noexcept {
    begin_ += std::min(n, end_ - begin_);
    if (begin_ == end_) {
        begin_ = end_ = 0;  // views stay valid: nothing moves until the next fill
    }
}

bool BufferedReader::ensure_buffer(std::error_code& ec) noexcept {
    if (data_ == nullptr) {
        data_ = normal_.acquire(ec);
        capacity_ = data_ != nullptr ? normal_.size() : 0;
    }
    return data_ != nullptr;
}

// Moves the unconsumed bytes to the front, and back into the normal buffer once they fit.
void BufferedReader::compact() noexcept {
    const std::size_t pending = end_ - begin_;
    if (large_ && pending <= normal_capacity()) {
        std::byte* normal = normal_.data();
        std::memcpy(normal, data_ + begin_, pending);
        large_.reset();
        data_ = normal;
        capacity_ = normal_capacity();
    } else if (begin_ > 0) {
        std::memmove(data_, data_ + begin_, pending);
    }
    begin_ = 0;
    end_ = pending;
}

bool BufferedReader::grow(std::size_t want, std::error_code& ec) noexcept {
    std::unique_ptr<std::byte[]> bigger{new (std::nothrow) std::byte[want]};
    if (!bigger) {
        ec = std::make_error_code(std::errc::not_enough_memory);
        return false;
    }
    const std::size_t pending = end_ - begin_;
    std::memcpy(bigger.get(), data_ + begin_, pending);
    large_ = std::move(bigger);
    data_ = large_.get();
    capacity_ = want;
    begin_ = 0;
    end_ = pending;
    return true;
}

std::size_t BufferedReader::fill(std::size_t limit, std::error_code& ec) noexcept {
    ec.clear();
    if (!ensure_buffer(ec)) {
        return 0;
    }
    compact();
    if (end_ == capacity_) {
        if (limit <= capacity_) {
            ec = std::make_error_code(std::errc::no_buffer_space);
            return 0;
        }
        // Double at most: memory follows the bytes that arrived, not a length announced.
        if (!grow(std::min(limit, capacity_ * 2), ec)) {
            return 0;
        }
    }
    const std::size_t n = stream_.read_some({data_ + end_, capacity_ - end_}, ec);
    end_ += n;
    if (n == 0 && !ec) {
        eof_ = true;
    }
    return n;
}

std::size_t BufferedReader::fill() {
    std::error_code ec;
    const std::size_t n = fill(ec);
    if (ec) {
        throw_error(ec, "fill");
    }
    return n;
}

ConstBuffer BufferedReader::peek(std::size_t n, std::error_code& ec) noexcept {
    ec.clear();
    while (end_ - begin_ < n) {
        if (fill(n, ec) == 0) {
            if (!ec) {
                ec = make_error_code(errc::unexpected_eof);
            }
            return {};
        }
    }
    return {data_ + begin_, n};
}

ConstBuffer BufferedReader::peek(std::size_t n) {
    std::error_code ec;
    ConstBuffer b = peek(n, ec);
    if (ec) {
        throw_error(ec, "peek");
    }
    return b;
}

ConstBuffer BufferedReader::read_until(std::string_view delimiter, std::size_t max,
                                       std::error_code& ec) noexcept {
    ec.clear();
    if (delimiter.empty()) {
        ec = std::make_error_code(std::errc::invalid_argument);
        return {};
    }
    std::size_t scanned = 0;  // bytes known not to start a delimiter
    for (;;) {
        const ConstBuffer b = buffered();
        const std::size_t window = std::min(b.size(), max);
        const std::string_view hay = as_string(b.first(window));
        const std::size_t at = hay.find(delimiter, scanned);
        if (at != std::string_view::npos) {
            const std::size_t len = at + delimiter.size();
            consume(len);
            return b.first(len);
        }
        if (b.size() >= max) {
            ec = std::make_error_code(std::errc::message_size);
            return {};
        }
        scanned = window >= delimiter.size() ? window - delimiter.size() + 1 : 0;
        if (fill(max, ec) == 0) {
            if (!ec && b.size() != 0) {
                ec = make_error_code(errc::unexpected_eof);
            }
            return {};
        }
    }
}

ConstBuffer BufferedReader::read_until(std::string_view delimiter, std::size_t max) {
    std::error_code ec;
    ConstBuffer b = read_until(delimiter, max, ec);
    if (ec) {
        throw_error(ec, "read_until");
    }
    return b;
}

std::size_t BufferedReader::read_some(MutableBuffer out, std::error_code& ec) noexcept {
    ec.clear();
    if (out.empty()) {
        return 0;
    }
    if (begin_ == end_) {
        if (out.size() >= normal_capacity()) {
            const std::size_t n = stream_.read_some(out, ec);  // no point copying through us
            eof_ = eof_ || (n == 0 && !ec);
            return n;
        }
        if (fill(ec) == 0) {
            return 0;
        }
    }
    const std::size_t n = std::min(out.size(), end_ - begin_);
    std::memcpy(out.data(), data_ + begin_, n);
    consume(n);
    return n;
}

std::size_t BufferedReader::read_some(MutableBuffer out) {
    std::error_code ec;
    const std::size_t n = read_some(out, ec);
    if (ec) {
        throw_error(ec, "read_some");
    }
    return n;
}

std::size_t BufferedReader::read_exact(MutableBuffer out, std::error_code& ec) noexcept {
    ec.clear();
    std::size_t done = 0;
    while (done < out.size()) {
        if (begin_ != end_) {
            const std::size_t n = std::min(out.size() - done, end_ - begin_);
            std::memcpy(out.data() + done, data_ + begin_, n);
            consume(n);
            done += n;
            continue;
        }
        const MutableBuffer rest = out.subspan(done);
        std::size_t n = 0;
        if (rest.size() >= normal_capacity()) {
            n = stream_.read_some(rest, ec);
            done += n;
        } else {
            n = fill(ec);
        }
        if (ec) {
            return done;
        }
        if (n == 0) {
            eof_ = true;
            ec = make_error_code(errc::unexpected_eof);
            return done;
        }
    }
    return done;
}

std::size_t BufferedReader::read_exact(MutableBuffer out) {
    std::error_code ec;
    const std::size_t n = read_exact(out, ec);
    if (ec) {
        throw_error(ec, "read_exact");
    }
    return n;
}

bool BufferedReader::release_buffer() noexcept {
    if (begin_ != end_) {
        return false;
    }
    normal_.release();
    large_.reset();
    data_ = nullptr;
    capacity_ = 0;
    begin_ = end_ = 0;
    return true;
}

}  // namespace weft::net
