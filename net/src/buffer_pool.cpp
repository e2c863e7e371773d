// BufferPool: slabs of fixed-size buffers, a free list per worker.
//
// A free list is an intrusive stack threaded through the free buffers themselves (their
// first bytes hold the next pointer), so the pool needs no memory beyond its slabs. Buffers
// never used yet are carved from the newest slab in order, so the kernel backs a slab's
// pages only as buffers in them are first leased.
//
// acquire: own list → a never-used buffer → another worker's list → a new slab → exhausted.
// release: onto the list of the worker running the caller, whichever list it came from.
// Each list has its own spinlock; only stealing and growth touch another worker's lock or
// the slab mutex.
#include <algorithm>
#include <string>
#include <sys/mman.h>
#include <thread>

#include <weft/detail/assert.hpp>
#include <weft/detail/spinlock.hpp>
#include <weft/detail/sys.hpp>
#include <weft/detail/throw_error.hpp>
#include <weft/error.hpp>
#include <weft/net/buffer_pool.hpp>
#include <weft/this_fiber.hpp>

namespace weft::net {

struct BufferPool::FreeList {
    struct Node {
        Node* next;
    };
    alignas(64) weft::detail::Spinlock lock;  // one list per cache line
    Node* head = nullptr;

    std::byte* pop() noexcept {
        std::lock_guard<weft::detail::Spinlock> guard{lock};
        Node* n = head;
        if (n != nullptr) {
            head = n->next;
        }
        return reinterpret_cast<std::byte*>(n);
    }
    void push(std::byte* buffer) noexcept {
        Node* n = reinterpret_cast<Node*>(buffer);
        std::lock_guard<weft::detail::Spinlock> guard{lock};
        n->next = head;
        head = n;
    }
};

struct BufferPool::Slab {
    std::byte* base = nullptr;
    std::size_t bytes = 0;
};

namespace {

std::size_t round_up(std::size_t n, std::size_t to) {
    return (n + to - 1) / to * to;
}

std::byte* map_slab(std::size_t bytes, std::error_code& ec) {
    const auto r = detail::sys::mmap(bytes, PROT_READ | PROT_WRITE,
                                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE);
    if (!r.ok()) {
        ec = {r.err, std::system_category()};
        return nullptr;
    }
    return reinterpret_cast<std::byte*>(r.value);
}

}  // namespace

BufferPool::BufferPool(BufferPoolOptions options)
    : buffer_size_(round_up(std::max<std::size_t>(options.buffer_size, 64), 64)),
      per_slab_(options.buffers_per_slab),
      max_slabs_(options.max_slabs),
      list_count_(options.free_lists != 0 ? options.free_lists
                                          : std::max(1u, std::thread::hardware_concurrency())) {
    if (options.buffer_size == 0 || per_slab_ == 0 || max_slabs_ == 0) {
        throw std::invalid_argument(
            "BufferPool: buffer_size, buffers_per_slab and max_slabs must be positive");
    }
    const std::size_t max = std::numeric_limits<std::size_t>::max();
    if (options.buffer_size > max / 2 || per_slab_ > max / buffer_size_ ||
        max_slabs_ > max / per_slab_) {
        throw std::invalid_argument(
            "BufferPool: buffer_size x buffers_per_slab x max_slabs overflows");
    }
    lists_ = std::make_unique<FreeList[]>(list_count_);
    std::error_code ec;
    std::byte* base = map_slab(buffer_size_ * per_slab_, ec);
    if (base == nullptr) {
        detail::throw_error(ec, "BufferPool",
                            "mmap of " + std::to_string(buffer_size_ * per_slab_) + " bytes");
    }
    slabs_.push_back({base, buffer_size_ * per_slab_});
}

BufferPool::~BufferPool() {
    WEFT_ASSERT(in_use() == 0, "BufferPool destroyed while buffers are still leased");
    for (const Slab& s : slabs_) {
        detail::sys::munmap(s.base, s.bytes);
    }
}

BufferPool::FreeList& BufferPool::home_list() noexcept {
    return lists_[this_fiber::worker_index() % list_count_];
}

std::size_t BufferPool::capacity() const noexcept {
    std::lock_guard<std::mutex> guard{slabs_mutex_};
    return slabs_.size() * per_slab_;
}

std::byte* BufferPool::carve(bool may_grow) noexcept {
    std::lock_guard<std::mutex> guard{slabs_mutex_};
    if (carved_ == per_slab_) {
        if (!may_grow || slabs_.size() == max_slabs_) {
            return nullptr;
        }
        std::error_code ec;
        std::byte* base = map_slab(buffer_size_ * per_slab_, ec);
        if (base == nullptr) {
            return nullptr;  // reported as exhaustion: the pool cannot grow
        }
        try {
            slabs_.push_back({base, buffer_size_ * per_slab_});
        } catch (const std::bad_alloc&) {
            detail::sys::munmap(base, buffer_size_ * per_slab_);
            return nullptr;
        }
        carved_ = 0;
    }
    return slabs_.back().base + buffer_size_ * carved_++;
}

PooledBuffer BufferPool::acquire(std::error_code& ec) noexcept {
    ec.clear();
    FreeList& home = home_list();
    std::byte* b = home.pop();
    if (b == nullptr) {
        b = carve(false);
    }
    for (unsigned i = 0; b == nullptr && i < list_count_; ++i) {
        if (&lists_[i] != &home) {
            b = lists_[i].pop();
        }
    }
    if (b == nullptr) {
        b = carve(true);
    }
    if (b == nullptr) {
        // A buffer released by another worker between our pops is missed: acceptable, the
        // pool is at its limit either way.
        ec = make_error_code(errc::pool_exhausted);
        return {};
    }
    in_use_.fetch_add(1, std::memory_order_relaxed);
    return PooledBuffer{this, b};
}

PooledBuffer BufferPool::acquire() {
    std::error_code ec;
    PooledBuffer b = acquire(ec);
    if (ec) {
        detail::throw_error(ec, "acquire buffer",
                            "pool of " + std::to_string(max_capacity()) + " x " +
                                std::to_string(buffer_size_) + " B");
    }
    return b;
}

void BufferPool::release(std::byte* buffer) noexcept {
    home_list().push(buffer);
    in_use_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace weft::net
