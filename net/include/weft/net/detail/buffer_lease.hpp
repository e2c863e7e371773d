#pragma once

#include <cstddef>
#include <memory>
#include <system_error>

#include <weft/net/buffer_pool.hpp>

namespace weft::net::detail {

/// The one buffer of a BufferedReader or BufferedWriter: leased from a pool, or allocated
/// once for its owner's use; taken on first use, kept until release().
class BufferLease {
public:
    BufferLease(BufferPool* pool, std::size_t own_size) noexcept
        : pool_(pool), own_size_(own_size) {}

    /// The buffer, taking it first if needed; nullptr with ec set (errc::pool_exhausted,
    /// std::errc::not_enough_memory) if none can be had.
    std::byte* acquire(std::error_code& ec) noexcept;
    void release() noexcept;
    /// The buffer, or nullptr before acquire().
    std::byte* data() const noexcept { return pool_ != nullptr ? lease_.data() : own_.get(); }
    /// Its size, also before acquire().
    std::size_t size() const noexcept {
        return pool_ != nullptr ? pool_->buffer_size() : own_size_;
    }

private:
    BufferPool* pool_;  // null: a private buffer of own_size_ bytes
    std::size_t own_size_;
    PooledBuffer lease_;
    std::unique_ptr<std::byte[]> own_;
};

}  // namespace weft::net::detail
