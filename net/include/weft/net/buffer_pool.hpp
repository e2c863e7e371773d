#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include <weft/net/buffer.hpp>

namespace weft::net {

class BufferPool;

/// A lease on one buffer of a BufferPool: move-only; the destructor (or reset()) gives the
/// buffer back. It must not outlive its pool.
class PooledBuffer {
public:
    PooledBuffer() noexcept = default;
    PooledBuffer(PooledBuffer&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), data_(std::exchange(other.data_, nullptr)) {}
    PooledBuffer& operator=(PooledBuffer&& other) noexcept;
    PooledBuffer(const PooledBuffer&) = delete;
    PooledBuffer& operator=(const PooledBuffer&) = delete;
    ~PooledBuffer() { reset(); }

    std::byte* data() const noexcept { return data_; }
    std::size_t size() const noexcept;
    MutableBuffer bytes() const noexcept { return {data_, size()}; }
    explicit operator bool() const noexcept { return data_ != nullptr; }

    /// Gives the buffer back to its pool now; the lease is empty afterwards.
    void reset() noexcept;

private:
    friend class BufferPool;
    PooledBuffer(BufferPool* pool, std::byte* data) noexcept : pool_(pool), data_(data) {}

    BufferPool* pool_ = nullptr;
    std::byte* data_ = nullptr;
};

struct BufferPoolOptions {
    /// Bytes per buffer (rounded up to a multiple of 64, the cache line).
    std::size_t buffer_size = 16 * 1024;
    /// Buffers per slab; a slab is one contiguous mapping, reserved up front. Its pages cost
    /// memory only once a buffer in them has been handed out.
    std::size_t buffers_per_slab = 1024;
    /// Growth: when every buffer is leased, another whole slab is mapped, up to this many
    /// slabs in all. 1 = a fixed pool.
    std::size_t max_slabs = 1;
    /// Free lists, one per worker (a buffer goes back to the list of the worker that frees
    /// it). 0 = one per hardware thread.
    unsigned free_lists = 0;
};

/// Preallocated receive/send buffers for many connections: one contiguous slab cut into
/// fixed-size buffers, with a free list per worker so that leasing and returning a buffer
/// costs an uncontended lock, never a heap allocation. When every buffer is leased,
/// acquire() fails with errc::pool_exhausted (or grows by a slab, if configured): overload
/// becomes an error for the connection that asked, not a crash.
///
/// Thread-safe: any fiber on any worker (or any thread) may acquire and release.
class BufferPool {
public:
    explicit BufferPool(BufferPoolOptions options = {});
    /// Every lease must have been returned: a lease that outlives its pool is a bug, and
    /// the destructor aborts with a message rather than leave it dangling.
    ~BufferPool();
    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;

    /// Leases a buffer. Errors: errc::pool_exhausted (std::system_error from the throwing
    /// form). Never blocks.
    PooledBuffer acquire();
    PooledBuffer acquire(std::error_code& ec) noexcept;

    std::size_t buffer_size() const noexcept { return buffer_size_; }
    /// Buffers in the slabs mapped so far.
    std::size_t capacity() const noexcept;
    /// Buffers the pool may ever hold (buffers_per_slab × max_slabs).
    std::size_t max_capacity() const noexcept { return per_slab_ * max_slabs_; }
    /// Buffers leased now.
    std::size_t in_use() const noexcept { return in_use_.load(std::memory_order_relaxed); }

private:
    friend class PooledBuffer;
    struct FreeList;
    struct Slab;

    void release(std::byte* buffer) noexcept;
    FreeList& home_list() noexcept;
    std::byte* carve(bool may_grow) noexcept;  // a never-used buffer, or nullptr

    std::size_t buffer_size_;
    std::size_t per_slab_;
    std::size_t max_slabs_;
    std::unique_ptr<FreeList[]> lists_;
    unsigned list_count_;
    std::atomic<std::size_t> in_use_{0};

    mutable std::mutex slabs_mutex_;  // guards slabs_ and carved_ (never held across a park)
    std::vector<Slab> slabs_;
    std::size_t carved_ = 0;  // buffers handed out from the newest slab so far
};

inline std::size_t PooledBuffer::size() const noexcept {
    return pool_ != nullptr ? pool_->buffer_size() : 0;
}

inline void PooledBuffer::reset() noexcept {
    if (pool_ != nullptr) {
        pool_->release(data_);
        pool_ = nullptr;
        data_ = nullptr;
    }
}

inline PooledBuffer& PooledBuffer::operator=(PooledBuffer&& other) noexcept {
    if (this != &other) {
        reset();
        pool_ = std::exchange(other.pool_, nullptr);
        data_ = std::exchange(other.data_, nullptr);
    }
    return *this;
}

}  // namespace weft::net
