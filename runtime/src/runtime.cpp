// Runtime: workers, the registry of live fibers, and run(fn).
//
// Shutdown order in run(): main returns (or throws) -> every live fiber gets a sticky cancel,
// so each of its blocking ops fails with errc::cancelled from then on -> wait until the last
// one has ended -> let the dispatcher release the terminated fibers' stacks -> give the
// thread its default scheduler back. Nothing that belongs to the Runtime outlives run().
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>

#include <boost/fiber/operations.hpp>

#include <weft/detail/assert.hpp>
#include <weft/error.hpp>
#include <weft/runtime.hpp>
#include <weft/spawn.hpp>

#include "runtime_impl.hpp"

namespace weft {

BackendKind parse_backend_kind(std::string_view name) {
    if (name == "epoll") {
        return BackendKind::epoll;
    }
    if (name == "io_uring") {
        return BackendKind::io_uring;
    }
    if (name == "auto") {
        return BackendKind::automatic;
    }
    throw std::invalid_argument("unknown backend '" + std::string{name} +
                                "' (expected epoll, io_uring or auto)");
}

std::string_view to_string(BackendKind kind) noexcept {
    switch (kind) {
        case BackendKind::epoll:
            return "epoll";
        case BackendKind::io_uring:
            return "io_uring";
        case BackendKind::automatic:
            break;
    }
    return "auto";
}

Runtime::Runtime(RuntimeOptions options)
    : impl_(std::make_unique<detail::RuntimeImpl>(std::move(options))) {}
Runtime::~Runtime() = default;

void Runtime::run_impl(void (*body)(void*), void* arg) {
    impl_->run(body, arg);
}
BackendKind Runtime::backend() const noexcept {
    return impl_->backend_kind();
}
unsigned Runtime::threads() const noexcept {
    return impl_->worker_count();
}

namespace detail {

namespace {

BackendKind requested_backend(const RuntimeOptions& options) {
    if (options.backend) {
        return *options.backend;
    }
    const char* env = std::getenv("WEFT_BACKEND");
    return env != nullptr && *env != '\0' ? parse_backend_kind(env) : BackendKind::automatic;
}

unsigned requested_threads(const RuntimeOptions& options) {
    unsigned n = options.threads != 0 ? options.threads : std::thread::hardware_concurrency();
    if (n > 1) {
        throw std::invalid_argument(
            "weft: more than one worker thread needs the multithreaded scheduler, which this "
            "version does not have yet; use threads = 1");
    }
    return 1;
}

}  // namespace

RuntimeImpl::RuntimeImpl(RuntimeOptions options) : options_(std::move(options)) {
    const BackendKind requested = requested_backend(options_);
    const unsigned n = requested_threads(options_);
    std::string fallback_reason;
    for (unsigned i = 0; i < n; ++i) {
        workers_.push_back(std::make_unique<Worker>(*this, i, requested, &fallback_reason));
    }
    backend_kind_ = workers_.front()->backend().kind();
    if (requested == BackendKind::automatic && !fallback_reason.empty()) {
        std::fprintf(stderr, "weft: using epoll: %s\n", fallback_reason.c_str());
    }
}

RuntimeImpl::~RuntimeImpl() = default;

void RuntimeImpl::run(void (*body)(void*), void* arg) {
    Worker& w = *workers_.front();
    if (current_worker() != nullptr) {
        throw std::logic_error("weft: Runtime::run called from inside a weft fiber");
    }
    w.install();
    std::exception_ptr error;
    try {
        JoinHandle main = spawn([body, arg] { body(arg); }, FiberOptions{.name = "main"});
        main.join();
    } catch (...) {
        error = std::current_exception();
    }
    cancel_all_and_drain();
    w.uninstall();
    if (error) {
        std::rethrow_exception(error);
    }
}

void RuntimeImpl::cancel_all_and_drain() {
    {
        std::lock_guard lk{registry_mutex_};
        stopping_.store(true);
        for (FiberState* f = fibers_; f != nullptr; f = f->next) {
            f->request_cancel(true);
        }
    }
    while (live_fibers() != 0) {
        drained_.wait(Deadline::never());
    }
    // Ended fibers are released by the dispatcher, which sits in the ready queue: yielding
    // lets it run. Every yield lets it run at least once, so this ends.
    Worker& w = *workers_.front();
    for (int i = 0; w.stacks().in_use() != 0; ++i) {
        WEFT_ASSERT(i < 1000, "fiber stacks still in use after every fiber ended");
        boost::this_fiber::yield();
    }
    std::lock_guard lk{registry_mutex_};
    stopping_.store(false);
    drained_.reset();
}

void RuntimeImpl::register_fiber(FiberState& fiber) noexcept {
    std::lock_guard lk{registry_mutex_};
    fiber.next = fibers_;
    if (fibers_ != nullptr) {
        fibers_->prev = &fiber;
    }
    fibers_ = &fiber;
    ++live_;
    if (stopping_.load()) {
        fiber.request_cancel(true);
    }
}

void RuntimeImpl::unregister_fiber(FiberState& fiber) noexcept {
    std::lock_guard lk{registry_mutex_};
    (fiber.prev != nullptr ? fiber.prev->next : fibers_) = fiber.next;
    if (fiber.next != nullptr) {
        fiber.next->prev = fiber.prev;
    }
    fiber.prev = fiber.next = nullptr;
    if (--live_ == 0 && stopping_.load()) {
        drained_.notify_ready();
    }
}

std::size_t RuntimeImpl::live_fibers() const noexcept {
    std::lock_guard lk{registry_mutex_};
    return live_;
}

void RuntimeImpl::report_exception(std::string_view fiber_name, std::exception_ptr error) noexcept {
    try {
        std::rethrow_exception(error);
    } catch (const std::system_error& e) {
        // Fibers that the shutdown cancelled are expected to end this way.
        if (e.code() == errc::cancelled && stopping_.load()) {
            return;
        }
    } catch (...) {
    }
    if (options_.on_fiber_exception) {
        try {
            options_.on_fiber_exception(fiber_name, error);
        } catch (...) {
        }
        return;
    }
    std::string what = "unknown exception";
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
    }
    std::fprintf(stderr, "weft: fiber '%.*s' ended with an exception: %s\n",
                 static_cast<int>(fiber_name.size()), fiber_name.data(), what.c_str());
}

}  // namespace detail
}  // namespace weft
