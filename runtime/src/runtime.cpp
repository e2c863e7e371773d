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
#include <boost/fiber/type.hpp>

#include <weft/detail/assert.hpp>
#include <weft/error.hpp>
#include <weft/runtime.hpp>
#include <weft/spawn.hpp>
#include <weft/this_fiber.hpp>

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
    constexpr unsigned max_threads = 1024;
    unsigned n = options.threads != 0 ? options.threads : std::thread::hardware_concurrency();
    if (n > max_threads) {
        throw std::invalid_argument("weft: RuntimeOptions::threads = " + std::to_string(n) +
                                    " is more than " + std::to_string(max_threads));
    }
    return n != 0 ? n : 1;
}

}  // namespace

RuntimeImpl::RuntimeImpl(RuntimeOptions options)
    : options_(std::move(options)), idle_(requested_threads(options_)) {
    const BackendKind requested = requested_backend(options_);
    const auto n = static_cast<unsigned>(idle_.size());
    std::string fallback_reason;
    workers_.push_back(std::make_unique<Worker>(*this, 0, requested, &fallback_reason));
    // `auto` is settled once, by worker 0: every worker then uses the same backend.
    backend_kind_ = workers_.front()->backend().kind();
    for (unsigned i = 1; i < n; ++i) {
        workers_.push_back(std::make_unique<Worker>(*this, i, backend_kind_, nullptr));
    }
    if (requested == BackendKind::automatic && !fallback_reason.empty()) {
        std::fprintf(stderr, "weft: using epoll: %s\n", fallback_reason.c_str());
    }
    register_runtime(*this);  // for the watchdog's dump (diagnostics.cpp)
}

RuntimeImpl::~RuntimeImpl() {
    unregister_runtime(*this);
}

void RuntimeImpl::run(void (*body)(void*), void* arg) {
    Worker& w = *workers_.front();
    if (current_worker() != nullptr) {
        throw std::logic_error("weft: Runtime::run called from inside a weft fiber");
    }
    w.install();
    try {
        start_worker_threads();
    } catch (...) {
        w.uninstall();
        throw;
    }
    std::exception_ptr error;
    try {
        JoinHandle main = spawn([body, arg] { body(arg); }, FiberOptions{.name = "main"});
        main.join();
    } catch (...) {
        error = std::current_exception();
    }
    cancel_all_and_drain();
    offload_pool_.stop();  // every offload caller has ended; abandoned calls finish first
    stop_worker_threads();
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
    // A fiber unregisters just before it ends; its stack goes back when the dispatcher of
    // the worker it ended on releases it. Here, yielding lets that dispatcher run; another
    // worker's does it before it next blocks, so a short wait suffices there.
    for (int i = 0; stacks_in_use() != 0; ++i) {
        WEFT_ASSERT(i < 100'000, "fiber stacks still in use 10 s after every fiber ended");
        if (i < 100) {
            boost::this_fiber::yield();
        } else {
            this_fiber::sleep_for(std::chrono::microseconds(100));
        }
    }
    std::lock_guard lk{registry_mutex_};
    stopping_.store(false);
    drained_.reset();
}

std::size_t RuntimeImpl::stacks_in_use() const noexcept {
    std::size_t n = 0;
    for (const auto& w : workers_) {
        n += w->stacks().in_use();
    }
    return n;
}

void RuntimeImpl::start_worker_threads() {
    if (workers_.size() == 1) {
        return;
    }
    stop_ = false;
    std::latch installed{static_cast<std::ptrdiff_t>(workers_.size() - 1)};
    wakers_done_ = std::make_unique<std::latch>(static_cast<std::ptrdiff_t>(workers_.size()));
    try {
        for (std::size_t i = 1; i < workers_.size(); ++i) {
            threads_.emplace_back(
                [this, i, &installed] { worker_thread(*workers_[i], installed); });
        }
    } catch (...) {
        // Threads that did start count down; the missing ones never will.
        for (std::size_t i = threads_.size() + 1; i < workers_.size(); ++i) {
            installed.count_down();
            wakers_done_->count_down();
        }
        installed.wait();
        stop_worker_threads();
        throw;
    }
    installed.wait();  // every worker can be stolen from and woken before any fiber runs
}

void RuntimeImpl::worker_thread(Worker& w, std::latch& installed) noexcept {
    w.install();
    installed.count_down();
    {
        // The thread's main context parks here; meanwhile its dispatcher runs fibers.
        std::unique_lock lk{stop_mutex_};
        stop_cv_.wait(lk, [this] { return stop_; });
    }  // the unlock may wake another worker's main context, through its algorithm
    wakers_done_->arrive_and_wait();
    w.uninstall();
}

void RuntimeImpl::stop_worker_threads() noexcept {
    if (threads_.empty()) {
        return;
    }
    {
        std::unique_lock lk{stop_mutex_};
        stop_ = true;
    }
    stop_cv_.notify_all();
    wakers_done_->count_down();
    for (std::thread& t : threads_) {
        t.join();
    }
    threads_.clear();
    wakers_done_.reset();
}

boost::fibers::context* RuntimeImpl::steal_for(Worker& thief) noexcept {
    const std::size_t n = workers_.size();
    for (std::size_t i = 1; i < n; ++i) {
        Worker& victim = *workers_[(thief.index() + i) % n];
        if (boost::fibers::context* ctx = victim.queue().steal()) {
            return ctx;
        }
    }
    return nullptr;
}

// The idle handshake (idle_set.hpp has the protocol): a worker going idle announces itself,
// then looks for stealable work; a worker queueing stealable work pushes it, then looks for
// idle workers. At least one of the two sees the other, so no wake-up is lost.
bool RuntimeImpl::enter_idle(Worker& w) noexcept {
    if (workers_.size() == 1) {
        return true;
    }
    return idle_.enter(w.index(), [&] {
        for (const auto& other : workers_) {
            if (other.get() != &w && other->queue().stealable() != 0) {
                return true;
            }
        }
        return false;
    });
}

void RuntimeImpl::leave_idle(Worker& w) noexcept {
    idle_.leave(w.index());
}

void RuntimeImpl::wake_idle_worker(Worker& from) noexcept {
    if (!idle_.any()) {
        return;
    }
    // The dispatcher runs next what it just queued, unless something is queued before it:
    // only then is another worker worth waking. (While a fiber runs, the dispatcher itself
    // waits in the queue, so there the queue always holds more than the new fiber.)
    const bool in_dispatcher =
        boost::fibers::context::active()->is_context(boost::fibers::type::dispatcher_context);
    if (in_dispatcher && from.queue().size() < 2) {
        return;
    }
    const std::size_t w = idle_.claim_one(from.index());
    if (w != IdleSet::none) {
        workers_[w]->backend().wake();  // one worker, never all (backend.hpp rule 3)
    }
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
