#pragma once

#include <cstddef>

namespace weft::test {

/// Heap allocations (operator new) of this process so far, on every thread. Available in
/// test executables that link support/count_allocations.cpp.
std::size_t allocation_count() noexcept;
/// False where the allocator cannot be replaced (AddressSanitizer builds): nothing counts.
bool allocation_counting() noexcept;

}  // namespace weft::test
