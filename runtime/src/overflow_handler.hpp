#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace weft::detail::overflow {

// Stack overflow reporting (overflow_handler.cpp has the protocol). A signal disposition is
// process-wide, so this is the one piece of weft with process-wide state: a registry of the
// guarded stack mappings and the installed SIGSEGV/SIGBUS handler. Both are owned jointly by
// every StackPool alive (one per worker of every Runtime) and restored when the last goes.

/// Bytes StackPool keeps at the top of each mapping for the header below.
inline constexpr std::size_t header_size = 64;

/// Registers the mapping [base, base + guard) guard page | stack of `stack_size` bytes, whose
/// last header_size bytes hold its header. Any thread; takes a process-wide mutex (once per
/// mmap, not per fiber). If the registry is full, the mapping simply goes unreported.
void register_stack(void* base, std::size_t guard, std::size_t stack_size) noexcept;
/// Before munmap of a mapping given to register_stack.
void unregister_stack(void* base, std::size_t guard, std::size_t stack_size) noexcept;
/// Records the name of the fiber about to run on the mapping (lock-free, no allocation;
/// names longer than 54 bytes are cut). An empty name clears it.
void set_stack_owner(void* base, std::size_t guard, std::size_t stack_size,
                     std::string_view fiber_name) noexcept;

/// Installs the handler on the first call and restores the previous disposition on the
/// matching last release(), unless someone installed another handler over ours meanwhile
/// (then ours stays, chaining to the one it replaced). Thread-safe.
void acquire_handler();
void release_handler() noexcept;

/// A thread's alternate signal stack (the handler cannot run on the stack that overflowed).
/// install() gives the calling thread this one unless it already has one (ASan's, a user's);
/// remove() undoes install() on the same thread.
class AltStack {
public:
    AltStack() = default;
    ~AltStack();
    AltStack(const AltStack&) = delete;
    AltStack& operator=(const AltStack&) = delete;

    void install();
    void remove() noexcept;

private:
    void* mapping_ = nullptr;
    bool installed_ = false;
};

}  // namespace weft::detail::overflow
