#pragma once

#include <cstddef>
#include <memory>
#include <new>
#include <utility>

namespace weft::detail {

/// A FIFO of T in one array used as a ring: Channel's storage. Allocates only in reserve().
template <class T>
class Ring {
public:
    Ring() noexcept = default;
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;
    ~Ring() {
        clear();
        std::allocator<T>{}.deallocate(buf_, cap_);
    }

    std::size_t size() const noexcept { return size_; }
    std::size_t capacity() const noexcept { return cap_; }
    bool empty() const noexcept { return size_ == 0; }
    bool full() const noexcept { return size_ == cap_; }

    /// Room for `n` items; keeps the items (moved if that cannot throw, else copied).
    void reserve(std::size_t n) {
        if (n <= cap_) {
            return;
        }
        T* fresh = std::allocator<T>{}.allocate(n);
        std::size_t moved = 0;
        try {
            for (; moved < size_; ++moved) {
                std::construct_at(fresh + moved, std::move_if_noexcept(*slot(moved)));
            }
        } catch (...) {
            std::destroy(fresh, fresh + moved);
            std::allocator<T>{}.deallocate(fresh, n);
            throw;
        }
        const std::size_t count = size_;
        clear();
        std::allocator<T>{}.deallocate(buf_, cap_);
        buf_ = fresh;
        cap_ = n;
        size_ = count;
    }

    /// Precondition: !full().
    template <class U>
    void push_back(U&& value) {
        std::construct_at(slot(size_), std::forward<U>(value));
        ++size_;
    }

    /// Precondition: !empty(). Moves the oldest item into `out`'s constructor, then drops it.
    template <class Sink>
    void pop_front(Sink&& out) {
        T& front = buf_[head_];
        out(std::move(front));
        std::destroy_at(&front);
        head_ = head_ + 1 == cap_ ? 0 : head_ + 1;
        --size_;
    }

private:
    T* slot(std::size_t i) noexcept {
        std::size_t j = head_ + i;
        return buf_ + (j >= cap_ ? j - cap_ : j);
    }
    void clear() noexcept {
        while (size_ != 0) {
            std::destroy_at(&buf_[head_]);
            head_ = head_ + 1 == cap_ ? 0 : head_ + 1;
            --size_;
        }
        head_ = 0;
    }

    T* buf_ = nullptr;
    std::size_t cap_ = 0;
    std::size_t head_ = 0;
    std::size_t size_ = 0;
};

}  // namespace weft::detail
