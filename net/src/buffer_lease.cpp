#include <new>

#include <weft/net/detail/buffer_lease.hpp>

namespace weft::net::detail {

std::byte* BufferLease::acquire(std::error_code& ec) noexcept {
    if (std::byte* p = data()) {
        return p;
    }
    if (pool_ != nullptr) {
        lease_ = pool_->acquire(ec);
        return lease_.data();
    }
    own_.reset(new (std::nothrow) std::byte[own_size_]);
    if (!own_) {
        ec = std::make_error_code(std::errc::not_enough_memory);
    }
    return own_.get();
}

void BufferLease::release() noexcept {
    lease_.reset();
    own_.reset();
}

}  // namespace weft::net::detail
