#pragma once

#include <string_view>

#include <boost/context/stack_context.hpp>

namespace weft::detail {

class StackPool;

/// Boost.Context StackAllocator over a worker's StackPool: mmap'd stacks with a guard
/// page, reused. Copyable; the pool outlives every fiber of its Runtime. `fiber_name` is what
/// a stack overflow report names; it is read by allocate() only (the spawn that owns it).
class StackAllocator {
public:
    StackAllocator(StackPool* pool, std::string_view fiber_name) noexcept
        : pool_(pool), fiber_name_(fiber_name) {}
    boost::context::stack_context allocate();
    void deallocate(boost::context::stack_context& sctx) noexcept;

private:
    StackPool* pool_;
    std::string_view fiber_name_;
};

}  // namespace weft::detail
