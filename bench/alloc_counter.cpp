// Replaces the global operator new and delete with counting versions, for the benchmark
// servers only (linking this file is what turns counting on). Counters are relaxed atomics:
// they need to be exact, not ordered.
//
// alloc_counter_report() writes one line with write(2), so a signal handler may call it.
#include "alloc_counter.hpp"

#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>
#include <unistd.h>

namespace {

std::atomic<std::uint64_t> allocations{0};
std::atomic<std::uint64_t> allocated_bytes{0};
std::atomic<std::uint64_t> frees{0};

void* counted_alloc(std::size_t n, std::size_t align) noexcept {
    allocations.fetch_add(1, std::memory_order_relaxed);
    allocated_bytes.fetch_add(n, std::memory_order_relaxed);
    if (n == 0) {
        n = 1;
    }
    if (align <= alignof(std::max_align_t)) {
        return std::malloc(n);
    }
    return std::aligned_alloc(align, (n + align - 1) / align * align);
}

void* counted_alloc_or_throw(std::size_t n, std::size_t align) {
    void* p = counted_alloc(n, align);
    if (p == nullptr) {
        throw std::bad_alloc{};
    }
    return p;
}

void counted_free(void* p) noexcept {
    if (p != nullptr) {
        frees.fetch_add(1, std::memory_order_relaxed);
        std::free(p);
    }
}

// Appends the decimal form of v at p; returns the new end.
char* put_u64(char* p, std::uint64_t v) noexcept {
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    while (n > 0) {
        *p++ = tmp[--n];
    }
    return p;
}

char* put_str(char* p, const char* s) noexcept {
    while (*s != '\0') {
        *p++ = *s++;
    }
    return p;
}

}  // namespace

namespace bench {

AllocCounts alloc_counts() noexcept {
    return {allocations.load(std::memory_order_relaxed),
            allocated_bytes.load(std::memory_order_relaxed), frees.load(std::memory_order_relaxed)};
}

void alloc_counter_report(int fd, std::uint64_t reads, std::uint64_t bytes) noexcept {
    const AllocCounts c = alloc_counts();
    char line[192];
    char* p = put_str(line, "COUNTERS allocs=");
    p = put_u64(p, c.allocations);
    p = put_str(p, " alloc_bytes=");
    p = put_u64(p, c.bytes);
    p = put_str(p, " frees=");
    p = put_u64(p, c.frees);
    p = put_str(p, " reads=");
    p = put_u64(p, reads);
    p = put_str(p, " bytes=");
    p = put_u64(p, bytes);
    *p++ = '\n';
    ssize_t ignored = ::write(fd, line, static_cast<std::size_t>(p - line));
    static_cast<void>(ignored);
}

}  // namespace bench

void* operator new(std::size_t n) {
    return counted_alloc_or_throw(n, 0);
}
void* operator new[](std::size_t n) {
    return counted_alloc_or_throw(n, 0);
}
void* operator new(std::size_t n, std::align_val_t a) {
    return counted_alloc_or_throw(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
    return counted_alloc_or_throw(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
    return counted_alloc(n, 0);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
    return counted_alloc(n, 0);
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_alloc(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
    return counted_alloc(n, static_cast<std::size_t>(a));
}

void operator delete(void* p) noexcept {
    counted_free(p);
}
void operator delete[](void* p) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
    counted_free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    counted_free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    counted_free(p);
}
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    counted_free(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
    counted_free(p);
}
