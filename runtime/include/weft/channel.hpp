#pragma once

#include <concepts>
#include <cstddef>
#include <limits>
#include <new>
#include <optional>
#include <stdexcept>
#include <system_error>
#include <type_traits>
#include <utility>

#include <weft/deadline.hpp>
#include <weft/detail/ring.hpp>
#include <weft/detail/throw_error.hpp>
#include <weft/detail/wait_queue.hpp>
#include <weft/error.hpp>

namespace weft {

/// Tag for an unbounded Channel: `weft::Channel<T> ch{weft::unbounded};`
struct Unbounded {
    explicit Unbounded() = default;
};
inline constexpr Unbounded unbounded{};

/// A FIFO queue between fibers, on any workers: Go's channel without select.
///
/// - Bounded (`Channel<T> ch{n}`, n >= 1): push parks while n items are queued. The n slots
///   are allocated once, here; push and pop never allocate.
/// - Unbounded (`Channel<T> ch{weft::unbounded}`): push never parks; the storage doubles when
///   full and is kept, so a steady state does not allocate either.
/// - close(): later pushes fail with errc::closed; pops return the items still queued, then
///   fail with errc::closed. Fibers parked in push or pop wake. Idempotent.
/// - push and pop park only the calling fiber; their wait is cancellable (errc::cancelled)
///   and ends at the Deadline (errc::timed_out). A deadline bounds the wait, not the
///   attempt: with an item (or room) there, pop (push) succeeds even if `d` has passed.
///   Each has a throwing form (std::system_error) and a std::error_code& form (noexcept
///   where T's constructor used is).
/// - A push that fails leaves its argument untouched (it is forwarded, and moved from only
///   once the item is stored), so the caller can keep or retry the value.
/// - FIFO among items; waiting poppers (pushers) are served in arrival order.
/// T's move constructor and destructor run under the channel's spinlock: they must not park.
/// Thread-safe. Destroying a channel while fibers are parked on it is a bug (it aborts).
template <class T>
class Channel {
public:
    /// Errors: std::invalid_argument if `capacity` is 0.
    explicit Channel(std::size_t capacity) : capacity_(capacity) {
        if (capacity == 0) {
            throw std::invalid_argument(
                "weft::Channel: capacity must be at least 1 (weft::unbounded for no limit)");
        }
        ring_.reserve(capacity);
    }
    explicit Channel(Unbounded) noexcept : capacity_(std::numeric_limits<std::size_t>::max()) {}
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;

    /// Blocks: parks while the channel is full. Errors: errc::closed, errc::timed_out,
    /// errc::cancelled (and std::bad_alloc where an unbounded channel grows).
    template <class U = T>
    requires std::constructible_from<T, U&&>
    void push(U&& value, Deadline d = Deadline::never()) {
        if (std::error_code ec = push_impl(std::forward<U>(value), d, true)) {
            detail::throw_error(ec, "channel push");
        }
    }
    template <class U = T>
    requires std::constructible_from<T, U&&>
    void push(U&& value, Deadline d,
              std::error_code& ec) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        ec = push_noexcept(std::forward<U>(value), d, true);
    }

    /// Never parks. Returns false if the channel is full (value untouched).
    /// Errors: errc::closed.
    template <class U = T>
    requires std::constructible_from<T, U&&>
    bool try_push(U&& value) {
        std::error_code ec = push_impl(std::forward<U>(value), Deadline::never(), false);
        if (ec == would_block()) {
            return false;
        }
        if (ec) {
            detail::throw_error(ec, "channel try_push");
        }
        return true;
    }
    /// Returns false if full (ec clear) or on an error (ec set).
    template <class U = T>
    requires std::constructible_from<T, U&&>
    bool try_push(U&& value,
                  std::error_code& ec) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        ec = push_noexcept(std::forward<U>(value), Deadline::never(), false);
        if (ec == would_block()) {
            ec.clear();
            return false;
        }
        return !ec;
    }

    /// Blocks: parks while the channel is empty and open. Errors: errc::closed (closed and
    /// drained), errc::timed_out, errc::cancelled.
    T pop(Deadline d = Deadline::never()) {
        std::error_code ec;
        std::optional<T> v = pop_impl(d, true, ec);
        if (ec) {
            detail::throw_error(ec, "channel pop");
        }
        return std::move(*v);
    }
    std::optional<T> pop(Deadline d, std::error_code& ec) noexcept(nothrow_pop) {
        return pop_impl(d, true, ec);
    }

    /// Never parks. Returns nullopt if the channel is empty and open.
    /// Errors: errc::closed (closed and drained).
    std::optional<T> try_pop() {
        std::error_code ec;
        std::optional<T> v = pop_impl(Deadline::never(), false, ec);
        if (ec && ec != would_block()) {
            detail::throw_error(ec, "channel try_pop");
        }
        return v;
    }
    /// Returns nullopt if empty and open (ec clear) or closed and drained (ec set).
    std::optional<T> try_pop(std::error_code& ec) noexcept(nothrow_pop) {
        std::optional<T> v = pop_impl(Deadline::never(), false, ec);
        if (ec == would_block()) {
            ec.clear();
        }
        return v;
    }

    /// Wakes every fiber parked on the channel; see the class comment. Thread-safe.
    void close() noexcept {
        detail::SyncGuard lk{lock_};
        if (!closed_) {
            closed_ = true;
            poppers_.notify_all();
            pushers_.notify_all();
        }
    }

    bool is_closed() const noexcept {
        detail::SyncGuard lk{lock_};
        return closed_;
    }
    /// Items queued now (a snapshot: other fibers may change it at once).
    std::size_t size() const noexcept {
        detail::SyncGuard lk{lock_};
        return ring_.size();
    }
    /// The bound; std::numeric_limits<std::size_t>::max() for an unbounded channel.
    std::size_t capacity() const noexcept { return capacity_; }

private:
    static constexpr bool nothrow_pop = std::is_nothrow_move_constructible_v<T>;

    static std::error_code would_block() noexcept {
        return std::make_error_code(std::errc::operation_would_block);
    }

    // The ec forms: an unbounded channel that cannot grow reports not_enough_memory; an
    // exception from T's own constructor propagates (those forms are noexcept only if it
    // cannot throw).
    template <class U>
    std::error_code push_noexcept(U&& value, Deadline d, bool wait) {
        try {
            return push_impl(std::forward<U>(value), d, wait);
        } catch (const std::bad_alloc&) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
    }

    template <class U>
    std::error_code push_impl(U&& value, Deadline d, bool wait) {
        detail::SyncGuard lk{lock_};
        for (;;) {
            if (closed_) {
                return make_error_code(errc::closed);
            }
            if (ring_.size() < capacity_) {
                if (ring_.full()) {
                    ring_.reserve(ring_.capacity() < 8 ? 16 : 2 * ring_.capacity());
                }
                ring_.push_back(std::forward<U>(value));
                poppers_.notify_one();
                return {};
            }
            if (!wait) {
                return would_block();
            }
            if (std::error_code ec = pushers_.wait(lk, d)) {
                return ec;
            }
        }
    }

    std::optional<T> pop_impl(Deadline d, bool wait, std::error_code& ec) noexcept(nothrow_pop) {
        ec.clear();
        detail::SyncGuard lk{lock_};
        for (;;) {
            if (!ring_.empty()) {
                std::optional<T> v;
                ring_.pop_front([&v](T&& item) { v.emplace(std::move(item)); });
                pushers_.notify_one();
                return v;
            }
            if (closed_) {
                ec = make_error_code(errc::closed);
                return std::nullopt;
            }
            if (!wait) {
                ec = would_block();
                return std::nullopt;
            }
            if ((ec = poppers_.wait(lk, d))) {
                return std::nullopt;
            }
        }
    }

    mutable detail::SyncLock lock_;
    const std::size_t capacity_;
    detail::Ring<T> ring_;
    bool closed_ = false;
    detail::WaitQueue poppers_;  // parked in pop: the channel was empty
    detail::WaitQueue pushers_;  // parked in push: the channel was full
};

}  // namespace weft
