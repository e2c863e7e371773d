#pragma once

// Heap-allocation counters of a process that links alloc_counter.cpp (which replaces the
// global operator new and delete). Memory obtained with malloc() or mmap() directly, such as
// fiber stacks, is not counted.
#include <cstdint>

namespace bench {

struct AllocCounts {
    std::uint64_t allocations;  ///< calls to any operator new since start
    std::uint64_t bytes;        ///< bytes requested by those calls
    std::uint64_t frees;        ///< calls to operator delete with a non-null pointer
};

AllocCounts alloc_counts() noexcept;

/// Writes "COUNTERS allocs=A alloc_bytes=B frees=F reads=R bytes=N\n" to `fd` with one
/// write(2). Async-signal-safe.
void alloc_counter_report(int fd, std::uint64_t reads, std::uint64_t bytes) noexcept;

}  // namespace bench
