#pragma once

#include <boost/context/stack_context.hpp>

namespace weft::detail {

class StackPool;

/// Boost.Context StackAllocator over a worker's StackPool: mmap'd stacks with a guard
/// page, reused. Copyable; the pool outlives every fiber of its Runtime.
class StackAllocator {
public:
    explicit StackAllocator(StackPool* pool) noexcept : pool_(pool) {}
    boost::context::stack_context allocate();
    void deallocate(boost::context::stack_context& sctx) noexcept;

private:
    StackPool* pool_;
};

}  // namespace weft::detail
