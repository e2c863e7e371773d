// fiber_asio_echo [ADDRESS]  (default 127.0.0.1:7004)
//
// Peer for bench/run: "fibers over Asio" as Boost.Fiber's documentation describes it
// (chapter "Sharing a Thread with Another Main Loop", examples/asio/round_robin.hpp and
// yield.hpp). Written here from that description; the examples are not installed by Debian.
//
//   - One thread. A scheduling algorithm (AsioRoundRobin) keeps a FIFO ready queue, and the
//     main fiber runs the io_context: while fibers are ready it polls Asio's handlers and
//     then waits on a fiber condition variable, which lets every ready fiber run; the
//     dispatcher's suspend_until() signals it back. With no fiber ready it blocks in
//     io_context::run_one(). A steady_timer wakes run_one() for sleeps and notify().
//   - A completion token `yield` (boost::fibers::asio::yield in the docs) turns an Asio
//     async call into a blocking call of the calling fiber: the fiber parks in
//     context::suspend(), and the completion handler, run by io_context on the main fiber,
//     makes it ready again with context::schedule().
//   - One fiber per connection: async_read_some(buf, yield[ec]), async_write(..., yield[ec]).
// Same as every server in the suite: a 4 KiB buffer per connection and TCP_NODELAY.
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio.hpp>
#include <boost/fiber/all.hpp>

namespace asio = boost::asio;
namespace fibers = boost::fibers;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

// --- the scheduling algorithm ---------------------------------------------------------------

class AsioRoundRobin : public fibers::algo::algorithm {
public:
    explicit AsioRoundRobin(asio::io_context& io) : io_(io), timer_(io) {
        // Runs on the main fiber inside io.run(); see the file comment.
        asio::post(io_, [this] {
            while (!io_.stopped()) {
                if (ready_fibers_ > 0) {
                    while (io_.poll() > 0) {
                    }
                    std::unique_lock<fibers::mutex> lk(mutex_);
                    all_ran_.wait(lk);
                } else if (io_.run_one() == 0) {
                    break;
                }
            }
        });
    }

    void awakened(fibers::context* ctx) noexcept override {
        ctx->ready_link(queue_);
        if (!ctx->is_context(fibers::type::dispatcher_context)) {
            ++ready_fibers_;
        }
    }

    fibers::context* pick_next() noexcept override {
        if (queue_.empty()) {
            return nullptr;
        }
        fibers::context* ctx = &queue_.front();
        queue_.pop_front();
        if (!ctx->is_context(fibers::type::dispatcher_context)) {
            --ready_fibers_;
        }
        return ctx;
    }

    bool has_ready_fibers() const noexcept override { return ready_fibers_ > 0; }

    void suspend_until(const std::chrono::steady_clock::time_point& when) noexcept override {
        if (when != std::chrono::steady_clock::time_point::max() && timer_.expiry() != when) {
            timer_.expires_at(when);
            timer_.async_wait([](const error_code&) { boost::this_fiber::yield(); });
        }
        all_ran_.notify_one();
    }

    void notify() noexcept override {
        timer_.expires_at(std::chrono::steady_clock::now());
        timer_.async_wait([](const error_code&) { boost::this_fiber::yield(); });
    }

private:
    asio::io_context& io_;
    asio::steady_timer timer_;
    fibers::scheduler::ready_queue_type queue_;
    std::size_t ready_fibers_ = 0;
    fibers::mutex mutex_;
    fibers::condition_variable all_ran_;
};

// --- the completion token: park the calling fiber until the handler runs ----------------------

struct Yield {
    error_code* ec = nullptr;
    Yield operator[](error_code& e) const { return Yield{&e}; }
};
constexpr Yield yield{};

// Lives on the parked fiber's stack for the duration of one async call.
template <class T>
struct YieldState {
    fibers::context* fiber = fibers::context::active();
    fibers::detail::spinlock mutex;
    bool done = false;
    error_code ec;
    std::optional<T> value;  // optional: an accepted socket has no default state

    void wait() {
        fibers::detail::spinlock_lock lk(mutex);
        if (!done) {
            fiber->suspend(lk);  // unlocks once this fiber is off its stack
        }
    }
    void complete() {
        fibers::detail::spinlock_lock lk(mutex);
        done = true;
        fibers::context::active()->schedule(fiber);
    }
};
struct Nothing {};

template <class T>
struct YieldHandler {
    YieldState<T>* state;
    void operator()(error_code ec, T value) {
        state->ec = ec;
        state->value.emplace(std::move(value));
        state->complete();
    }
};
template <>
struct YieldHandler<Nothing> {
    YieldState<Nothing>* state;
    void operator()(error_code ec) {
        state->ec = ec;
        state->value.emplace();
        state->complete();
    }
};

template <class T, class Initiation, class... Args>
T run_parked(Initiation&& init, Yield y, Args&&... args) {
    YieldState<T> state;
    std::move(init)(YieldHandler<T>{&state}, std::forward<Args>(args)...);
    state.wait();
    if (y.ec != nullptr) {
        *y.ec = state.ec;
    } else if (state.ec) {
        throw boost::system::system_error(state.ec);
    }
    return std::move(*state.value);
}

}  // namespace

template <class T>
struct asio::async_result<Yield, void(error_code, T)> {
    using return_type = T;
    template <class Initiation, class... Args>
    static T initiate(Initiation&& init, Yield y, Args&&... args) {
        return run_parked<T>(std::forward<Initiation>(init), y, std::forward<Args>(args)...);
    }
};
template <>
struct asio::async_result<Yield, void(error_code)> {
    using return_type = void;
    template <class Initiation, class... Args>
    static void initiate(Initiation&& init, Yield y, Args&&... args) {
        run_parked<Nothing>(std::forward<Initiation>(init), y, std::forward<Args>(args)...);
    }
};

// --- the server -----------------------------------------------------------------------------

namespace {

void echo(tcp::socket socket) {
    char data[4096];
    for (;;) {
        error_code ec;
        std::size_t n = socket.async_read_some(asio::buffer(data), yield[ec]);
        if (ec) {
            return;
        }
        asio::async_write(socket, asio::buffer(data, n), yield[ec]);
        if (ec) {
            return;
        }
    }
}

void listen(tcp::acceptor& acceptor) {
    for (;;) {
        error_code ec;
        tcp::socket socket = acceptor.async_accept(yield[ec]);
        if (ec) {
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        fibers::fiber(echo, std::move(socket)).detach();
    }
}

tcp::endpoint parse(const std::string& address) {
    auto colon = address.rfind(':');
    return {asio::ip::make_address(address.substr(0, colon)),
            static_cast<unsigned short>(std::stoi(address.substr(colon + 1)))};
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        std::string address = argc > 1 ? argv[1] : "127.0.0.1:7004";
        // The default concurrency hint, as in Boost.Fiber's examples. With the hint 1, Asio
        // queues a completion that is ready at once on the thread's innermost running handler,
        // which here is the scheduling loop that never returns: such a fiber would never wake.
        asio::io_context io;
        auto work = asio::make_work_guard(io);
        fibers::use_scheduling_algorithm<AsioRoundRobin>(io);
        tcp::acceptor acceptor(io, parse(address));
        fibers::fiber([&acceptor] { listen(acceptor); }).detach();
        std::printf("fiber_asio_echo: listening on %s\n", address.c_str());
        std::fflush(stdout);
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "fiber_asio_echo: %s\n", e.what());
        return 1;
    }
}
