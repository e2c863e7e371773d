#pragma once

#include <cstddef>
#include <mutex>
#include <vector>

#include "overflow_handler.hpp"

namespace weft::detail {

/// Fiber stacks: mmap'd, a PROT_NONE guard page below each, reused through a bounded cache.
/// Only touched pages cost RSS. Thread-safe: a fiber may end on another worker than the one
/// that allocated its stack. Every mapping is registered with the stack overflow handler
/// (overflow_handler.hpp), which a live StackPool keeps installed.
class StackPool {
public:
    explicit StackPool(std::size_t usable_size, std::size_t max_cached = 1024);
    ~StackPool();
    StackPool(const StackPool&) = delete;
    StackPool& operator=(const StackPool&) = delete;

    /// Returns the base of a mapping [guard page | usable_size() bytes of stack], whose top
    /// overflow::header_size bytes are the overflow handler's header.
    /// Throws std::system_error naming the limit hit (vm.max_map_count, memory) on failure.
    void* allocate();
    void deallocate(void* base) noexcept;

    std::size_t usable_size() const noexcept { return usable_; }
    std::size_t guard_size() const noexcept { return page_; }
    std::size_t in_use() const noexcept;

    /// On the worker's thread (Worker::install/uninstall): gives the thread an alternate
    /// signal stack unless it has one, so that the overflow handler can run.
    void install_signal_stack() { alt_stack_.install(); }
    void remove_signal_stack() noexcept { alt_stack_.remove(); }

private:
    std::size_t usable_;
    std::size_t page_;
    std::size_t max_cached_;
    mutable std::mutex mutex_;
    std::vector<void*> cache_;  // mapping bases
    std::size_t in_use_ = 0;
    overflow::AltStack alt_stack_;
};

}  // namespace weft::detail
