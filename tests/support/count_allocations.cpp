// Replaces the global operator new/delete to count heap allocations of the whole process,
// for tests that prove a path does not allocate. Linked only into the tests that need it
// (a separate file: GCC's -Wmismatched-new-delete misfires where the replacement inlines).
#include "support/count_allocations.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {
std::atomic<std::size_t> allocations{0};
}

namespace weft::test {
std::size_t allocation_count() noexcept {
    return allocations.load(std::memory_order_relaxed);
}
}  // namespace weft::test

// AddressSanitizer owns the allocator (and reports memory from its operator new freed by
// ours): there, nothing is replaced and nothing counted.
#if defined(__SANITIZE_ADDRESS__)
namespace weft::test {
bool allocation_counting() noexcept {
    return false;
}
}  // namespace weft::test
#else
namespace weft::test {
bool allocation_counting() noexcept {
    return true;
}
}  // namespace weft::test

void* operator new(std::size_t n) {
    allocations.fetch_add(1, std::memory_order_relaxed);
    if (void* p = std::malloc(n != 0 ? n : 1)) {
        return p;
    }
    throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
    return operator new(n);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
#endif
