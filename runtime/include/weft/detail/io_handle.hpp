#pragma once

#include <cstddef>
#include <span>
#include <sys/uio.h>
#include <system_error>

#include <weft/deadline.hpp>
#include <weft/detail/io_lock.hpp>
#include <weft/detail/io_result.hpp>
#include <weft/detail/sock_addr.hpp>

namespace weft::detail {

class FdState;

enum class Interest { read, write };

/// An fd attached to the current Runtime's I/O backend: the only I/O entry point net/ uses.
/// Owns the fd. Each op tries the syscall first and parks the calling fiber only when it
/// would block; read ops honour the read deadline, write ops the write deadline.
/// One reader and one writer may be in ops at the same time (callers serialize the rest).
class IoHandle {
public:
    IoHandle() noexcept = default;
    /// Takes ownership of a non-blocking fd. On failure the fd is closed and ec set.
    static IoHandle adopt(int fd, std::error_code& ec) noexcept;
    IoHandle(IoHandle&& other) noexcept;
    IoHandle& operator=(IoHandle&& other) noexcept;
    ~IoHandle();

    bool is_open() const noexcept;
    int fd() const noexcept;

    IoResult recv(std::span<std::byte> buf) noexcept;
    IoResult send(std::span<const std::byte> buf) noexcept;
    /// One buffer goes out as send() (the fault seam sees Call::send), more as sendmsg().
    IoResult sendv(std::span<const iovec> bufs) noexcept;
    /// n is the accepted, non-blocking, close-on-exec fd.
    IoResult accept(SockAddr& peer, Deadline d) noexcept;
    IoResult connect(const SockAddr& to, Deadline d) noexcept;
    IoResult wait(Interest interest, Deadline d) noexcept;

    /// Serialize readers (writers) beyond the one each that may be in an op at once: a
    /// whole read_exact or write_all holds it. nullptr for an empty handle.
    IoLock* read_lock() const noexcept;
    IoLock* write_lock() const noexcept;

    void set_read_deadline(Deadline d) noexcept { read_deadline_ = d; }
    void set_write_deadline(Deadline d) noexcept { write_deadline_ = d; }
    Deadline read_deadline() const noexcept { return read_deadline_; }
    Deadline write_deadline() const noexcept { return write_deadline_; }

    /// Wakes every fiber parked on this fd with errc::closed; the fd itself is closed once
    /// the last op in flight has left. Later ops fail with errc::closed.
    void close() noexcept;

private:
    explicit IoHandle(FdState* state) noexcept : state_(state) {}
    void release() noexcept;

    FdState* state_ = nullptr;
    Deadline read_deadline_;
    Deadline write_deadline_;
};

}  // namespace weft::detail
