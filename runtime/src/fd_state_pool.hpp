#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "backend/backend.hpp"

namespace weft::detail {

/// FdStates of one Runtime, in chunks that are never freed while it lives (so a poller may
/// still dereference a state named by a stale event; see backend.hpp).
class FdStatePool {
public:
    FdStatePool() = default;
    FdStatePool(const FdStatePool&) = delete;
    FdStatePool& operator=(const FdStatePool&) = delete;

    FdState* acquire();  // throws std::bad_alloc
    /// Bumps the generation (stale events are dropped) and resets the state.
    void release(FdState* state) noexcept;
    std::size_t in_use() const noexcept;

private:
    static constexpr std::size_t chunk_size = 256;
    mutable std::mutex mutex_;
    std::vector<std::unique_ptr<FdState[]>> chunks_;
    FdState* free_ = nullptr;
    std::size_t in_use_ = 0;
};

}  // namespace weft::detail
