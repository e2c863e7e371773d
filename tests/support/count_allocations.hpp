#pragma once

#include <cstddef>

namespace weft::test {

/// Heap allocations (operator new) of this process so far, on every thread. Available in
/// test executables that link support/count_allocations.cpp.
std::size_t allocation_count() noexcept;

}  // namespace weft::test
