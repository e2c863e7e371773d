#pragma once

#include "backend.hpp"
#include "wakeup_fd.hpp"

namespace weft::detail {

/// Readiness backend: edge-triggered epoll, one registration per fd, eventfd wake-up.
class EpollBackend final : public Backend {
public:
    EpollBackend();  // throws std::system_error
    ~EpollBackend() override;

    BackendKind kind() const noexcept override { return BackendKind::epoll; }
    std::error_code attach(FdState& fd) noexcept override;
    IoResult accept(FdState& fd, SockAddr& peer, Deadline d) noexcept override;
    IoResult connect(FdState& fd, const SockAddr& to, Deadline d) noexcept override;
    IoResult recv(FdState& fd, std::span<std::byte> buf, Deadline d) noexcept override;
    IoResult send(FdState& fd, std::span<const std::byte> buf, Deadline d) noexcept override;
    IoResult sendv(FdState& fd, std::span<const iovec> bufs, Deadline d) noexcept override;
    IoResult wait(FdState& fd, Interest interest, Deadline d) noexcept override;
    void run_once(std::chrono::steady_clock::time_point until) noexcept override;
    void wake() noexcept override;

private:
    WakeupFd wakeup_;  // first: its eventfd exists before the constructor's body runs
    int epfd_ = -1;
};

}  // namespace weft::detail
