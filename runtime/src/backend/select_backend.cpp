// make_backend: the one place that knows which backends exist.
#include <system_error>

#include <weft/error.hpp>

#include "backend.hpp"
#include "epoll_backend.hpp"

namespace weft::detail {

std::unique_ptr<Backend> make_backend(BackendKind kind, std::string* fallback_reason) {
    if (fallback_reason != nullptr) {
        fallback_reason->clear();
    }
    switch (kind) {
        case BackendKind::epoll:
        case BackendKind::automatic:
            return std::make_unique<EpollBackend>();
        case BackendKind::io_uring:
            break;
    }
    throw std::system_error(make_error_code(errc::backend_unavailable),
                            "io_uring backend: not built into this version of weft");
}

}  // namespace weft::detail
