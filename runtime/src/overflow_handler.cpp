// Stack overflow reporting: a fiber that runs off its stack faults on the PROT_NONE guard page
// below it (stack_pool.cpp). The SIGSEGV/SIGBUS handler here runs on the worker thread's
// alternate signal stack, finds the guard page in the registry and prints
//   weft: stack overflow in fiber 'NAME' (guard page 0x..., stack size N)
// then dies of the same signal with the default action. Any other fault goes to the handler
// that was installed before ours (or the default action), as if we were not there.
//
//   what                    written by (thread, lock)              read by the handler
//   registry slot .base     register/unregister (registry_mutex)   atomic acquire load
//   registry slot .sizes    same, before .base is published         after .base
//   header .slot            register (once per mapping)            -
//   header .name words      set_stack_owner (the spawning thread)  relaxed atomic loads
//   previous[] actions      acquire_handler (handler_mutex),       plain reads: written
//                           before sigaction publishes ours         before ours is installed
//
// The handler only does async-signal-safe things: atomic loads, formatting into a local
// buffer, write(2), sigaction(2), raise(3). The registry never frees a chunk, so a pointer the
// handler loaded stays valid; a slot reused under it can at worst name the wrong fiber of a
// stack that was just freed, which no running fiber overflows.
#include "overflow_handler.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>
#include <new>
#include <sys/mman.h>
#include <system_error>
#include <unistd.h>

namespace weft::detail::overflow {

namespace {

// ---- the stack header: the last header_size bytes of each mapping ----

constexpr std::size_t name_words = 7;  // 56 bytes: up to 55 characters and a NUL

struct Header {
    std::atomic<std::uint64_t> slot;  // registry index + 1; 0: not registered
    std::array<std::atomic<std::uint64_t>, name_words> name;
};
static_assert(sizeof(Header) <= header_size);
static_assert(std::atomic<std::uint64_t>::is_always_lock_free);

Header* header_of(void* base, std::size_t guard, std::size_t stack_size) noexcept {
    return reinterpret_cast<Header*>(static_cast<char*>(base) + guard + stack_size - header_size);
}

// ---- the registry: chunks of slots, never freed; a free list under the mutex ----

struct Slot {
    std::atomic<std::uintptr_t> base{0};  // 0: free
    std::atomic<std::size_t> guard{0};
    std::atomic<std::size_t> stack_size{0};
    std::uint32_t next_free = 0;  // registry_mutex; index + 1, 0 ends the list
};

constexpr std::size_t chunk_slots = 4096;
constexpr std::size_t max_chunks = 256;  // 1M stacks: far above vm.max_map_count / 2

std::mutex registry_mutex;
std::array<std::atomic<Slot*>, max_chunks> chunks{};
std::atomic<std::uint32_t> slots_used{0};  // high-water mark the handler scans up to
std::uint32_t free_head = 0;               // registry_mutex; index + 1

Slot& slot_at(std::uint32_t i) noexcept {
    return chunks[i / chunk_slots].load(std::memory_order_acquire)[i % chunk_slots];
}

/// registry_mutex held. Returns a free slot index, or -1 when full or out of memory.
long take_slot() noexcept {
    if (free_head != 0) {
        const std::uint32_t i = free_head - 1;
        free_head = slot_at(i).next_free;
        return i;
    }
    const std::uint32_t i = slots_used.load(std::memory_order_relaxed);
    if (i / chunk_slots >= max_chunks) {
        return -1;
    }
    if (i % chunk_slots == 0) {
        void* m = ::mmap(nullptr, chunk_slots * sizeof(Slot), PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m == MAP_FAILED) {
            return -1;
        }
        auto* chunk = static_cast<Slot*>(m);
        for (std::size_t k = 0; k < chunk_slots; ++k) {
            new (&chunk[k]) Slot{};
        }
        chunks[i / chunk_slots].store(chunk, std::memory_order_release);
    }
    slots_used.store(i + 1, std::memory_order_release);
    return i;
}

// ---- the handler ----

std::mutex handler_mutex;
unsigned handler_users = 0;  // handler_mutex
constexpr std::array<int, 2> signals{SIGSEGV, SIGBUS};
std::array<struct sigaction, 2> previous{};

struct Found {
    std::uintptr_t guard_page;
    std::size_t stack_size;
    const Header* header;
};

bool find_guard(std::uintptr_t addr, Found& out) noexcept {
    const std::uint32_t n = slots_used.load(std::memory_order_acquire);
    for (std::uint32_t i = 0; i < n; ++i) {
        const Slot& s = slot_at(i);
        const std::uintptr_t base = s.base.load(std::memory_order_acquire);
        const std::size_t guard = s.guard.load(std::memory_order_relaxed);
        if (base != 0 && addr >= base && addr - base < guard) {
            const std::size_t size = s.stack_size.load(std::memory_order_relaxed);
            out = {base, size - header_size, header_of(reinterpret_cast<void*>(base), guard, size)};
            return true;
        }
    }
    return false;
}

/// A bounded, allocation-free string builder for the handler.
struct Line {
    char buf[256];
    std::size_t len = 0;
    void add(char c) noexcept {
        if (len < sizeof buf) {
            buf[len++] = c;
        }
    }
    void add(const char* s) noexcept {
        while (*s != '\0') {
            add(*s++);
        }
    }
    void add_number(std::uintptr_t v, unsigned radix) noexcept {
        char digits[32];
        std::size_t n = 0;
        do {
            digits[n++] = "0123456789abcdef"[v % radix];
            v /= radix;
        } while (v != 0);
        while (n != 0) {
            add(digits[--n]);
        }
    }
};

void report(const Found& f) noexcept {
    Line line;
    line.add("weft: stack overflow in fiber '");
    for (const auto& word : f.header->name) {
        const std::uint64_t w = word.load(std::memory_order_relaxed);
        for (unsigned b = 0; b < 8; ++b) {
            const char c = static_cast<char>(w >> (8 * b));
            if (c == '\0') {
                goto name_done;
            }
            line.add(c);
        }
    }
name_done:
    line.add("' (guard page 0x");
    line.add_number(f.guard_page, 16);
    line.add(", stack size ");
    line.add_number(f.stack_size, 10);
    line.add(")\n");
    const char* p = line.buf;
    std::size_t left = line.len;
    while (left != 0) {
        const ssize_t w = ::write(STDERR_FILENO, p, left);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            break;
        }
        p += w;
        left -= static_cast<std::size_t>(w);
    }
}

/// Dies of `sig` with its default action (a core dump where enabled). The signal is blocked
/// while its handler runs: it is delivered as soon as the handler returns, or a fault
/// re-executes and faults again.
void die_by_default(int sig) noexcept {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(sig, &dfl, nullptr);
    ::raise(sig);
}

void on_fault(int sig, siginfo_t* info, void* context) {
    const int saved_errno = errno;
    Found f{};
    if (find_guard(reinterpret_cast<std::uintptr_t>(info->si_addr), f)) {
        report(f);
        die_by_default(sig);
        errno = saved_errno;
        return;
    }
    const struct sigaction& prev = previous[sig == SIGSEGV ? 0 : 1];
    if ((prev.sa_flags & SA_SIGINFO) != 0 && prev.sa_sigaction != nullptr) {
        prev.sa_sigaction(sig, info, context);
    } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
        prev.sa_handler(sig);
    } else {
        die_by_default(sig);  // an ignored fault would re-execute forever
    }
    errno = saved_errno;
}

bool ours_installed(int sig) noexcept {
    struct sigaction cur {};
    ::sigaction(sig, nullptr, &cur);
    return (cur.sa_flags & SA_SIGINFO) != 0 && cur.sa_sigaction == &on_fault;
}

}  // namespace

void register_stack(void* base, std::size_t guard, std::size_t stack_size) noexcept {
    Header* h = new (header_of(base, guard, stack_size)) Header{};
    std::lock_guard lk{registry_mutex};
    const long i = take_slot();
    if (i < 0) {
        return;
    }
    Slot& s = slot_at(static_cast<std::uint32_t>(i));
    s.guard.store(guard, std::memory_order_relaxed);
    s.stack_size.store(stack_size, std::memory_order_relaxed);
    s.base.store(reinterpret_cast<std::uintptr_t>(base), std::memory_order_release);
    h->slot.store(static_cast<std::uint64_t>(i) + 1, std::memory_order_relaxed);
}

void unregister_stack(void* base, std::size_t guard, std::size_t stack_size) noexcept {
    const std::uint64_t slot = header_of(base, guard, stack_size)->slot.load();
    if (slot == 0) {
        return;
    }
    std::lock_guard lk{registry_mutex};
    const auto i = static_cast<std::uint32_t>(slot - 1);
    Slot& s = slot_at(i);
    s.base.store(0, std::memory_order_release);
    s.next_free = free_head;
    free_head = i + 1;
}

void set_stack_owner(void* base, std::size_t guard, std::size_t stack_size,
                     std::string_view fiber_name) noexcept {
    Header* h = header_of(base, guard, stack_size);
    const std::size_t n = std::min(fiber_name.size(), name_words * 8 - 1);
    for (std::size_t w = 0; w < name_words; ++w) {
        std::uint64_t word = 0;
        for (std::size_t b = 0; b < 8 && w * 8 + b < n; ++b) {
            word |= std::uint64_t{static_cast<unsigned char>(fiber_name[w * 8 + b])} << (8 * b);
        }
        h->name[w].store(word, std::memory_order_relaxed);
        if (w * 8 + 8 > n) {
            break;  // this word holds the NUL
        }
    }
}

void acquire_handler() {
    std::lock_guard lk{handler_mutex};
    if (handler_users++ != 0) {
        return;
    }
    struct sigaction ours {};
    ours.sa_sigaction = &on_fault;
    ours.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&ours.sa_mask);
    for (std::size_t i = 0; i < signals.size(); ++i) {
        if (ours_installed(signals[i])) {
            continue;  // still ours from an earlier round: `previous` holds what it replaced
        }
        struct sigaction prev {};
        ::sigaction(signals[i], nullptr, &prev);
        previous[i] = prev;  // before ours is visible to a faulting thread
        if (::sigaction(signals[i], &ours, nullptr) != 0) {
            --handler_users;
            throw std::system_error(errno, std::system_category(),
                                    "weft: installing the stack overflow handler");
        }
    }
}

void release_handler() noexcept {
    std::lock_guard lk{handler_mutex};
    if (--handler_users != 0) {
        return;
    }
    for (std::size_t i = 0; i < signals.size(); ++i) {
        if (ours_installed(signals[i])) {
            ::sigaction(signals[i], &previous[i], nullptr);
        }
    }
}

// ---- alternate signal stacks ----

namespace {
constexpr std::size_t alt_stack_size = 64 * 1024;
}

AltStack::~AltStack() {
    if (mapping_ != nullptr) {
        ::munmap(mapping_, alt_stack_size);
    }
}

void AltStack::install() {
    stack_t cur{};
    if (::sigaltstack(nullptr, &cur) == 0 && (cur.ss_flags & SS_DISABLE) == 0) {
        return;  // the thread has one already
    }
    if (mapping_ == nullptr) {
        void* m = ::mmap(nullptr, alt_stack_size, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
        if (m == MAP_FAILED) {
            throw std::system_error(errno, std::system_category(),
                                    "weft: mapping an alternate signal stack");
        }
        mapping_ = m;
    }
    stack_t ss{};
    ss.ss_sp = mapping_;
    ss.ss_size = alt_stack_size;
    if (::sigaltstack(&ss, nullptr) != 0) {
        throw std::system_error(errno, std::system_category(),
                                "weft: installing an alternate signal stack");
    }
    installed_ = true;
}

void AltStack::remove() noexcept {
    if (!installed_) {
        return;
    }
    installed_ = false;
    stack_t cur{};
    if (::sigaltstack(nullptr, &cur) == 0 && cur.ss_sp == mapping_ &&
        (cur.ss_flags & SS_ONSTACK) == 0) {
        stack_t off{};
        off.ss_flags = SS_DISABLE;
        ::sigaltstack(&off, nullptr);
    }
}

}  // namespace weft::detail::overflow
