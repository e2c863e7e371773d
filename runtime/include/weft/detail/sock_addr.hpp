#pragma once

#include <sys/socket.h>

namespace weft::detail {

/// A socket address as POSIX passes it: storage plus length.
struct SockAddr {
    sockaddr_storage storage{};
    socklen_t len = sizeof(sockaddr_storage);

    sockaddr* get() noexcept { return reinterpret_cast<sockaddr*>(&storage); }
    const sockaddr* get() const noexcept { return reinterpret_cast<const sockaddr*>(&storage); }
};

}  // namespace weft::detail
