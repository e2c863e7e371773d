// Server: binding, serving, and the connection registry behind graceful shutdown.
#include <algorithm>
#include <cstdio>
#include <exception>
#include <mutex>

#include <weft/http/server.hpp>
#include <weft/spawn.hpp>

#include "server_state.hpp"

namespace weft::http {

namespace detail {

namespace {

net::BufferPoolOptions pool_options(const ServerOptions& o) {
    // Two buffers (read, write) per busy connection; idle connections give theirs back.
    net::BufferPoolOptions p;
    p.buffers_per_slab = 1024;
    p.max_slabs = 2 * o.max_connections / p.buffers_per_slab + 1;
    return p;
}

}  // namespace

ServerState::ServerState(Handler h, ServerOptions o)
    : handler(std::move(h)), options(std::move(o)), pool(pool_options(options)) {
    list_.prev = list_.next = &list_;
}

bool ServerState::add(Slot& slot) {
    std::lock_guard lk{list_mu_};
    if (count_.load(std::memory_order_relaxed) >= options.max_connections) {
        return false;
    }
    slot.next = &list_;
    slot.prev = list_.prev;
    list_.prev->next = &slot;
    list_.prev = &slot;
    count_.fetch_add(1, std::memory_order_relaxed);
    return true;
}

void ServerState::remove(Slot& slot) noexcept {
    {
        std::lock_guard lk{list_mu_};
        slot.prev->next = slot.next;
        slot.next->prev = slot.prev;
    }
    if (count_.fetch_sub(1, std::memory_order_relaxed) == 1) {
        std::lock_guard lk{wait_mu_};  // so the waiter is either before its check or parked
        changed_.notify_all();
    }
}

bool ServerState::enter_idle(Slot& slot, bool kept_alive) {
    std::lock_guard lk{list_mu_};
    slot.idle = !draining() && !slot.closed;
    slot.kept_alive = kept_alive;
    slot.idle_since = tick_.load(std::memory_order_relaxed);
    if (slot.idle && kept_alive) {
        ++kept_alive_idle_;
    }
    return slot.idle;
}

bool ServerState::leave_idle(Slot& slot) {
    std::lock_guard lk{list_mu_};
    if (slot.idle && slot.kept_alive) {
        --kept_alive_idle_;
    }
    slot.idle = false;
    return !slot.closed;
}

void ServerState::reap_idle() {
    using namespace std::chrono_literals;
    const std::chrono::milliseconds timeout = std::max(options.keep_alive_timeout, 0ms);
    const std::chrono::milliseconds tick =
        std::clamp<std::chrono::milliseconds>(timeout / 8, 10ms, 1s);
    // Idle since tick t (some time in [T(t), T(t + 1))), closed at the first tick n with
    // n - t > ticks: at least `timeout` after it went idle, at most two ticks more.
    const auto ticks = static_cast<std::uint32_t>((timeout + tick - 1ms) / tick);
    std::unique_lock lk{wait_mu_};
    Deadline next = Deadline::after(tick);
    while (!draining()) {
        std::error_code ec;
        changed_.wait_until(lk, next, ec);
        if (ec || draining()) {
            return;  // cancelled, or shutdown closes the idle connections itself
        }
        if (!next.has_passed()) {
            continue;  // a notify meant for wait_connections: ticks follow the clock only
        }
        // A fixed schedule, so that a late wake-up does not stretch every later tick; after
        // a long stall, one tick, not a burst.
        next = Deadline::at(std::max(next.time_point() + tick, Deadline::clock::now()));
        lk.unlock();
        const std::uint32_t now = tick_.fetch_add(1, std::memory_order_relaxed) + 1;
        {
            std::lock_guard g{list_mu_};
            for (Slot* s = list_.next; kept_alive_idle_ != 0 && s != &list_; s = s->next) {
                if (s->idle && s->kept_alive && now - s->idle_since > ticks) {
                    s->stream->close();  // wakes its wait for the next request
                    s->closed = true;
                }
            }
        }
        lk.lock();
    }
}

void ServerState::begin_shutdown(Deadline grace) {
    {
        std::lock_guard lk{wait_mu_};
        grace_ = grace;
    }
    {
        std::lock_guard lk{list_mu_};
        draining_.store(true, std::memory_order_release);
    }
    tcp.close();
    close_streams(true);
    std::lock_guard lk{wait_mu_};
    changed_.notify_all();  // a new grace deadline for wait_connections
}

// Under the spinlock: close() only marks the stream, wakes its parked fibers and (when no op
// is in flight) closes the fd; it never parks.
void ServerState::close_streams(bool idle_only) {
    std::lock_guard lk{list_mu_};
    for (Slot* s = list_.next; s != &list_; s = s->next) {
        if (s->idle || !idle_only) {
            s->stream->close();  // wakes its parked read with errc::closed
            s->closed = true;
        }
    }
}

void ServerState::wait_connections() {
    std::unique_lock lk{wait_mu_};
    while (count_.load(std::memory_order_relaxed) != 0) {
        std::error_code ec;
        if (grace_.is_never() || !grace_.has_passed()) {
            changed_.wait_until(lk, grace_, ec);
        }
        if (ec || grace_.has_passed()) {
            // Out of time (or this fiber was cancelled): end every connection now. Closing
            // wakes them; they unwind and remove themselves.
            lk.unlock();
            close_streams(false);
            lk.lock();
            changed_.wait(
                lk, [&] { return count_.load(std::memory_order_relaxed) == 0; }, ec);
            return;
        }
    }
}

}  // namespace detail

Server::~Server() = default;

Server Server::bind(std::string_view address, Handler handler, ServerOptions options) {
    return bind(net::Endpoint::parse(address), std::move(handler), std::move(options));
}

Server Server::bind(const net::Endpoint& at, Handler handler, ServerOptions options) {
    if (!options.on_handler_error) {
        options.on_handler_error = [](const Request& req, std::exception_ptr e) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                std::fprintf(stderr, "weft::http::Server: %.*s %.*s: handler threw: %s\n",
                             static_cast<int>(req.method().size()), req.method().data(),
                             static_cast<int>(req.target().size()), req.target().data(), ex.what());
            }
        };
    }
    Server s;
    auto tcp_options = options.tcp;
    s.state_ = std::make_shared<detail::ServerState>(std::move(handler), std::move(options));
    s.state_->tcp = net::TcpServer::bind(at, std::move(tcp_options));
    return s;
}

net::Endpoint Server::local_endpoint() const {
    return state_->tcp.local_endpoint();
}

void Server::serve() {
    auto state = state_;
    struct Reaper {
        weft::JoinHandle fiber;
        ~Reaper() {
            fiber.cancel();
            fiber.join();
        }
    } reaper{weft::spawn([state] { state->reap_idle(); }, {.name = "http-keep-alive-reaper"})};
    state->tcp.serve(
        [state](net::TcpStream conn) { detail::serve_connection(std::move(conn), *state); });
    state->wait_connections();
}

void Server::shutdown(Deadline grace) {
    if (state_) {
        state_->begin_shutdown(grace);
    }
}

std::size_t Server::connections() const noexcept {
    return state_ ? state_->connections() : 0;
}

}  // namespace weft::http
