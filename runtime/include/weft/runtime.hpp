#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <type_traits>
#include <utility>

namespace weft {

/// Which I/O backend a Runtime's workers use.
enum class BackendKind {
    automatic,  ///< io_uring where the kernel allows it, else epoll (the reason is logged once)
    epoll,
    io_uring,
};

/// Parses "epoll", "io_uring" or "auto". Throws std::invalid_argument otherwise.
BackendKind parse_backend_kind(std::string_view name);
std::string_view to_string(BackendKind kind) noexcept;

struct RuntimeOptions {
    /// Worker threads. 0 means std::thread::hardware_concurrency(). Run's calling thread is
    /// worker 0; the others start with run() and end with it. Fibers migrate between
    /// workers (work stealing) unless spawned pinned.
    unsigned threads = 0;
    /// Unset: the WEFT_BACKEND environment variable (epoll|io_uring|auto), else automatic.
    std::optional<BackendKind> backend;
    /// Usable bytes per fiber stack (a guard page is added below). Only touched pages cost RSS.
    std::size_t stack_size = 256 * 1024;
    /// Called when a detached fiber ends with an exception. Default: one line on stderr.
    std::function<void(std::string_view fiber_name, std::exception_ptr)> on_fiber_exception;
};

namespace detail {
class RuntimeImpl;
}

/// Owns the workers, their I/O backends and every fiber spawned in it.
/// Two Runtimes may exist one after another or side by side; nothing is process-global.
class Runtime {
public:
    explicit Runtime(RuntimeOptions options = {});
    ~Runtime();
    Runtime(const Runtime&) = delete;
    Runtime& operator=(const Runtime&) = delete;

    /// Runs `fn` as the fiber "main" on this thread and returns its result (or rethrows its
    /// exception) once it returns. Fibers still alive then are cancelled and drained first.
    /// Blocks: the calling thread until fn returns.
    template <class F>
    std::invoke_result_t<F&> run(F&& fn) {
        using R = std::invoke_result_t<F&>;
        if constexpr (std::is_void_v<R>) {
            run_erased([&] { fn(); });
        } else {
            std::optional<R> result;
            run_erased([&] { result.emplace(fn()); });
            return std::move(*result);
        }
    }

    /// The backend the workers use ("epoll" or "io_uring"), after automatic selection.
    BackendKind backend() const noexcept;
    unsigned threads() const noexcept;

private:
    template <class G>
    void run_erased(G&& g) {
        run_impl(
            +[](void* p) { (*static_cast<std::remove_reference_t<G>*>(p))(); }, &g);
    }
    void run_impl(void (*body)(void*), void* arg);

    std::unique_ptr<detail::RuntimeImpl> impl_;
};

}  // namespace weft
