// IoHandle: an fd attached to its home backend (backend.hpp rule 1), with the op reference
// count that lets close() from another fiber wake parked ops and defer the real close(2)
// until they have left.
#include <weft/detail/io_handle.hpp>
#include <weft/detail/sys.hpp>
#include <weft/error.hpp>

#include "fd_state_pool.hpp"
#include "fiber_state.hpp"
#include "runtime_impl.hpp"
#include "worker.hpp"

namespace weft::detail {

namespace {

IoResult closed_result() noexcept {
    return {0, make_error_code(errc::closed)};
}

// Runs one backend op with the fd's op reference held.
template <class Op>
IoResult with_ref(FdState* s, Op&& op) noexcept {
    if (s == nullptr || !s->enter()) {
        return closed_result();
    }
    IoResult r = op(*s->home, *s);
    if (s->leave()) {
        sys::close(s->fd);
    }
    return r;
}

}  // namespace

IoHandle IoHandle::adopt(int fd, std::error_code& ec) noexcept {
    ec.clear();
    Worker* w = current_worker();
    if (w == nullptr) {
        sys::close(fd);
        ec = make_error_code(errc::not_in_fiber);
        return {};
    }
    FdState* s = nullptr;
    try {
        s = w->runtime().fd_states().acquire();
    } catch (...) {
        sys::close(fd);
        ec = make_error_code(errc::pool_exhausted);
        return {};
    }
    s->fd = fd;
    s->pool = &w->runtime().fd_states();
    ec = w->backend().attach(*s);
    if (ec) {
        sys::close(fd);
        s->pool->release(s);
        return {};
    }
    return IoHandle{s};
}

IoHandle::IoHandle(IoHandle&& other) noexcept
    : state_(std::exchange(other.state_, nullptr)),
      read_deadline_(other.read_deadline_),
      write_deadline_(other.write_deadline_) {}

IoHandle& IoHandle::operator=(IoHandle&& other) noexcept {
    if (this != &other) {
        release();
        state_ = std::exchange(other.state_, nullptr);
        read_deadline_ = other.read_deadline_;
        write_deadline_ = other.write_deadline_;
    }
    return *this;
}

IoHandle::~IoHandle() {
    release();
}

void IoHandle::release() noexcept {
    if (state_ == nullptr) {
        return;
    }
    close();
    state_->pool->release(std::exchange(state_, nullptr));
}

bool IoHandle::is_open() const noexcept {
    return state_ != nullptr && !state_->is_closing();
}
int IoHandle::fd() const noexcept {
    return state_ != nullptr ? state_->fd : -1;
}

IoLock* IoHandle::read_lock() const noexcept {
    return state_ != nullptr ? &state_->read_lock : nullptr;
}

IoLock* IoHandle::write_lock() const noexcept {
    return state_ != nullptr ? &state_->write_lock : nullptr;
}

void IoHandle::close() noexcept {
    if (state_ == nullptr || state_->is_closing()) {
        return;
    }
    const bool idle = state_->begin_close();
    state_->read_slot.close();
    state_->write_slot.close();
    if (state_->home != nullptr) {
        state_->home->detach(*state_);
    }
    if (idle) {
        sys::close(state_->fd);
    }
}

IoResult IoHandle::recv(std::span<std::byte> buf) noexcept {
    OpNote note{"recv"};
    return with_ref(state_, [&](Backend& b, FdState& s) { return b.recv(s, buf, read_deadline_); });
}

IoResult IoHandle::send(std::span<const std::byte> buf) noexcept {
    OpNote note{"send"};
    return with_ref(state_,
                    [&](Backend& b, FdState& s) { return b.send(s, buf, write_deadline_); });
}

IoResult IoHandle::sendv(std::span<const iovec> bufs) noexcept {
    if (bufs.size() == 1) {  // send: no msghdr and iovec array for the kernel to copy in
        return send({static_cast<const std::byte*>(bufs[0].iov_base), bufs[0].iov_len});
    }
    OpNote note{"send"};
    return with_ref(state_,
                    [&](Backend& b, FdState& s) { return b.sendv(s, bufs, write_deadline_); });
}

IoResult IoHandle::accept(SockAddr& peer, Deadline d) noexcept {
    OpNote note{"accept"};
    return with_ref(state_, [&](Backend& b, FdState& s) { return b.accept(s, peer, d); });
}

IoResult IoHandle::connect(const SockAddr& to, Deadline d) noexcept {
    OpNote note{"connect"};
    return with_ref(state_, [&](Backend& b, FdState& s) { return b.connect(s, to, d); });
}

IoResult IoHandle::wait(Interest interest, Deadline d) noexcept {
    OpNote note{"wait for fd readiness"};
    return with_ref(state_, [&](Backend& b, FdState& s) { return b.wait(s, interest, d); });
}

}  // namespace weft::detail
