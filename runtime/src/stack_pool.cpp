// StackPool: guarded fiber stacks, reused.
//
// Layout of one mapping (two VMAs: the guard and the stack):
//   base                base + page                                  base + page + usable
//   | guard (PROT_NONE) | stack, grows down from the top <-          |
// A fiber that overflows faults on the guard page instead of corrupting a neighbour, and the
// overflow handler (overflow_handler.cpp) reports it by name: each mapping is registered there,
// and its top overflow::header_size bytes hold the name of the fiber running on it.
//
// vm.max_map_count (65,530 here) therefore caps live guarded fibers at about 32k; when mmap or
// mprotect fails the error says which limit was hit. Cached stacks keep the pages they touched;
// the cache is bounded so a burst of fibers does not pin its RSS forever.
#include "stack_pool.hpp"

#include <cerrno>
#include <string>
#include <sys/mman.h>
#include <system_error>
#include <unistd.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#include <boost/context/stack_context.hpp>

#include <weft/detail/stack_allocator.hpp>
#include <weft/detail/sys.hpp>

namespace weft::detail {

namespace {

std::size_t round_up(std::size_t n, std::size_t to) {
    return (n + to - 1) / to * to;
}

[[noreturn]] void throw_stack_error(int err, const char* what, std::size_t live) {
    std::string msg = std::string{"fiber stack "} + what + " failed with " + std::to_string(live) +
                      " stacks live";
    if (err == ENOMEM) {
        msg +=
            " (vm.max_map_count limits guarded stacks to about half of it; "
            "or memory/RLIMIT_AS is exhausted)";
    }
    throw std::system_error(err, std::system_category(), msg);
}

}  // namespace

StackPool::StackPool(std::size_t usable_size, std::size_t max_cached)
    : page_(static_cast<std::size_t>(::sysconf(_SC_PAGESIZE))), max_cached_(max_cached) {
    usable_ = round_up(usable_size < 16 * 1024 ? 16 * 1024 : usable_size, page_);
    overflow::acquire_handler();
}

StackPool::~StackPool() {
    for (void* base : cache_) {
        overflow::unregister_stack(base, page_, usable_);
        sys::munmap(base, page_ + usable_);
    }
    overflow::release_handler();
}

void* StackPool::allocate() {
    std::unique_lock lk{mutex_};
    if (!cache_.empty()) {
        void* base = cache_.back();
        cache_.pop_back();
        ++in_use_;
        return base;
    }
    const std::size_t live = in_use_;
    lk.unlock();
    sys::SysResult m = sys::mmap(page_ + usable_, PROT_READ | PROT_WRITE,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK);
    if (!m.ok()) {
        throw_stack_error(m.err, "mmap", live);
    }
    void* base = reinterpret_cast<void*>(m.value);
    sys::SysResult g = sys::mprotect(base, page_, PROT_NONE);
    if (!g.ok()) {
        sys::munmap(base, page_ + usable_);
        throw_stack_error(g.err, "guard page mprotect", live);
    }
#if defined(__SANITIZE_ADDRESS__)
    // The shadow of an earlier mapping at this address may still hold redzones; the header
    // is written now, the rest when a fiber gets the stack.
    ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(base) + page_, usable_);
#endif
    overflow::register_stack(base, page_, usable_);
    lk.lock();
    ++in_use_;
    return base;
}

void StackPool::deallocate(void* base) noexcept {
    std::unique_lock lk{mutex_};
    --in_use_;
    if (cache_.size() < max_cached_) {
        cache_.push_back(base);
        return;
    }
    lk.unlock();
    overflow::unregister_stack(base, page_, usable_);
    sys::munmap(base, page_ + usable_);
}

std::size_t StackPool::in_use() const noexcept {
    std::lock_guard lk{mutex_};
    return in_use_;
}

boost::context::stack_context StackAllocator::allocate() {
    void* base = pool_->allocate();
    boost::context::stack_context sctx;
    sctx.size = pool_->usable_size() - overflow::header_size;
    sctx.sp = static_cast<char*>(base) + pool_->guard_size() + sctx.size;
#if defined(__SANITIZE_ADDRESS__)
    // ASan never saw the frames of this memory's last fiber return (a cached stack, or a new
    // mapping where an unmapped one was): clear their redzones.
    ASAN_UNPOISON_MEMORY_REGION(static_cast<char*>(sctx.sp) - sctx.size, sctx.size);
#endif
    overflow::set_stack_owner(base, pool_->guard_size(), pool_->usable_size(), fiber_name_);
    return sctx;
}

void StackAllocator::deallocate(boost::context::stack_context& sctx) noexcept {
    void* base = static_cast<char*>(sctx.sp) - sctx.size - pool_->guard_size();
    overflow::set_stack_owner(base, pool_->guard_size(), pool_->usable_size(), {});
    pool_->deallocate(base);
}

}  // namespace weft::detail
