#pragma once

#include <memory>
#include <utility>

#include <boost/fiber/fss.hpp>

namespace weft {

/// A variable with one value per fiber: what thread_local is for threads.
///
/// Fibers migrate between worker threads (work stealing), so in fiber code `thread_local`
/// is wrong: the same fiber may see one thread's copy before a blocking call and another's
/// after it. For the same reason, never keep errno, or the address of anything
/// thread-local, across a call that can park. FiberLocal values follow the fiber.
///
/// Each fiber's value is default-constructed on its first access and destroyed when the
/// fiber ends. A FiberLocal itself is usually a global or static: it is the key, not the
/// value. Thread-safe: each fiber only ever touches its own value.
template <class T>
class FiberLocal {
public:
    FiberLocal() = default;
    FiberLocal(const FiberLocal&) = delete;
    FiberLocal& operator=(const FiberLocal&) = delete;

    /// This fiber's value (constructed now if it has none yet).
    T& get() {
        T* p = ptr_.get();
        if (p == nullptr) {
            auto fresh = std::make_unique<T>();
            ptr_.reset(fresh.get());
            p = fresh.release();
        }
        return *p;
    }
    T& operator*() { return get(); }
    T* operator->() { return &get(); }

    /// Replaces this fiber's value.
    void set(T value) { get() = std::move(value); }
    /// Whether this fiber has a value yet (without creating one).
    bool has_value() const { return ptr_.get() != nullptr; }

private:
    boost::fibers::fiber_specific_ptr<T> ptr_;
};

}  // namespace weft
