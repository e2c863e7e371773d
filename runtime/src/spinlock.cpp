#include <thread>

#include <weft/detail/spinlock.hpp>

namespace weft::detail {

namespace {

void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

}  // namespace

void Spinlock::wait_unlocked() noexcept {
    // Reads only (no cache-line ping-pong) until the holder stores false.
    for (unsigned spins = 0; locked_.load(std::memory_order_relaxed); ++spins) {
        if (spins < 64) {
            cpu_relax();
        } else {
            std::this_thread::yield();
        }
    }
}

}  // namespace weft::detail
