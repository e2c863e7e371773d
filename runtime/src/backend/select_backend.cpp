// make_backend: the one place that knows which backends exist, and why io_uring is missing.
//
// Environment (read when a Runtime builds its workers):
//   WEFT_IO_URING_ENTRIES           SQ entries of each ring (default 256; the CQ gets 16x)
//   WEFT_IO_URING_MULTISHOT_ACCEPT  0: single-shot accepts even where the kernel has
//                                   multishot accept (default 1: use it where it exists)
//   WEFT_TEST_FAIL_IO_URING_SETUP   test seam: io_uring setup fails with this errno
//                                   (EPERM, ENOSYS, ENOMEM or a number), as under a seccomp
//                                   filter or kernel.io_uring_disabled
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

#include <weft/error.hpp>

#include "backend.hpp"
#include "epoll_backend.hpp"
#include "uring_backend.hpp"

namespace weft::detail {

namespace {

constexpr const char* fail_setup_env = "WEFT_TEST_FAIL_IO_URING_SETUP";

int injected_setup_error() noexcept {
    const char* v = std::getenv(fail_setup_env);
    if (v == nullptr || *v == '\0') {
        return 0;
    }
    const std::string_view name{v};
    if (name == "EPERM") {
        return EPERM;
    }
    if (name == "ENOSYS") {
        return ENOSYS;
    }
    if (name == "ENOMEM") {
        return ENOMEM;
    }
    const int n = std::atoi(v);
    return n > 0 ? n : EPERM;
}

unsigned ring_entries() noexcept {
    const char* v = std::getenv("WEFT_IO_URING_ENTRIES");
    const long n = v != nullptr ? std::strtol(v, nullptr, 10) : 0;
    return n >= 1 && n <= 32768 ? static_cast<unsigned>(n) : UringBackend::default_entries;
}

bool multishot_accept_allowed() noexcept {
    const char* v = std::getenv("WEFT_IO_URING_MULTISHOT_ACCEPT");
    return v == nullptr || std::string_view{v} != "0";
}

// kernel.io_uring_disabled (Linux 6.6): 0 allowed, 1 only for kernel.io_uring_group, 2 off.
int io_uring_disabled_sysctl() {
    std::ifstream f{"/proc/sys/kernel/io_uring_disabled"};
    int v = -1;
    f >> v;
    return f ? v : -1;
}

// Why io_uring_setup failed with `err`, in words an operator can act on.
std::string explain(int err) {
    switch (err) {
        case ENOSYS:
            return "io_uring_setup failed with ENOSYS: this kernel has no io_uring (Linux < 5.1 "
                   "or built without CONFIG_IO_URING)";
        case EPERM: {
            const int sysctl = io_uring_disabled_sysctl();
            if (sysctl == 2) {
                return "io_uring_setup failed with EPERM: kernel.io_uring_disabled = 2";
            }
            if (sysctl == 1) {
                return "io_uring_setup failed with EPERM: kernel.io_uring_disabled = 1 and this "
                       "process is not in kernel.io_uring_group";
            }
            return "io_uring_setup failed with EPERM: blocked by a seccomp filter or security "
                   "policy (kernel.io_uring_disabled = " +
                   std::to_string(sysctl) + ")";
        }
        default:
            return "io_uring_setup failed: " + std::string{std::strerror(err)};
    }
}

// io_uring, or nullptr with `reason` set.
std::unique_ptr<Backend> try_io_uring(std::string& reason) {
    if (int err = injected_setup_error(); err != 0) {
        reason = explain(err) + " (injected by " + fail_setup_env + ")";
        return nullptr;
    }
    try {
        return std::make_unique<UringBackend>(ring_entries(), multishot_accept_allowed());
    } catch (const std::system_error& e) {
        const std::string_view what = e.what();
        reason = what.starts_with("io_uring_setup") ? explain(e.code().value()) : e.what();
        return nullptr;
    }
}

}  // namespace

std::unique_ptr<Backend> make_backend(BackendKind kind, std::string* fallback_reason) {
    if (fallback_reason != nullptr) {
        fallback_reason->clear();
    }
    if (kind == BackendKind::epoll) {
        return std::make_unique<EpollBackend>();
    }
    std::string reason;
    if (std::unique_ptr<Backend> ring = try_io_uring(reason)) {
        return ring;
    }
    if (kind == BackendKind::io_uring) {
        throw std::system_error(make_error_code(errc::backend_unavailable),
                                "io_uring backend: " + reason);
    }
    if (fallback_reason != nullptr) {
        *fallback_reason = std::move(reason);
    }
    return std::make_unique<EpollBackend>();
}

}  // namespace weft::detail
