// TcpServer: the accept loop every server needs, once, with its error handling.
#include <chrono>
#include <cstdio>
#include <new>
#include <stdexcept>
#include <string>

#include <weft/error.hpp>
#include <weft/net/accept_backoff.hpp>
#include <weft/net/tcp_server.hpp>
#include <weft/spawn.hpp>
#include <weft/this_fiber.hpp>

namespace weft::net {

struct TcpServer::State {
    std::vector<TcpListener> listeners;
    AcceptMode mode = AcceptMode::per_worker;
    std::function<void(const std::error_code&, std::chrono::milliseconds)> on_accept_error;
};

namespace {

using Handler = std::function<void(TcpStream)>;
using ErrorHook = std::function<void(const std::error_code&, std::chrono::milliseconds)>;

void log_accept_error(const TcpListener& listener, const std::error_code& ec,
                      const AcceptBackoff& backoff) {
    if (backoff.failures() > 1) {
        return;  // one line per run of failures: an exhausted server must not flood stderr
    }
    std::error_code ignored;
    std::fprintf(stderr, "weft: TcpServer accept on %s: %s%s\n",
                 listener.local_endpoint(ignored).to_string().c_str(), ec.message().c_str(),
                 AcceptBackoff::is_exhaustion(ec) ? " (backing off until it clears)" : "");
}

void accept_loop(TcpListener& listener, const std::shared_ptr<const Handler>& handler,
                 const ErrorHook& on_error) {
    AcceptBackoff backoff;
    for (;;) {
        std::error_code ec;
        TcpStream conn = listener.accept(Deadline::never(), ec);
        if (!ec) {
            backoff.reset();
            try {
                // Queued on this worker; the acceptor goes on draining the backlog first.
                spawn([handler, conn = std::move(conn)]() mutable {
                    (*handler)(std::move(conn));
                }).detach();
                continue;
            } catch (const std::system_error& e) {
                ec = e.code();  // no memory for a fiber stack: that connection is closed
            } catch (const std::bad_alloc&) {
                ec = std::make_error_code(std::errc::not_enough_memory);
            }
        }
        if (ec == errc::closed || ec == errc::cancelled) {
            return;
        }
        // Out of fds or memory (or anything else unexpected of a listener): the connection
        // stays in the backlog; pause, longer each time, instead of spinning.
        const std::chrono::milliseconds pause = backoff.next();
        if (on_error) {
            on_error(ec, pause);
        } else {
            log_accept_error(listener, ec, backoff);
        }
        std::error_code slept;
        this_fiber::sleep_for(pause, slept);
        if (slept) {
            return;  // cancelled while backing off
        }
    }
}

}  // namespace

TcpServer::~TcpServer() {
    close();
}

TcpServer TcpServer::bind(std::string_view address, ServerOptions options) {
    return bind(Endpoint::parse(address), options);
}

TcpServer TcpServer::bind(const Endpoint& at, ServerOptions options) {
    const unsigned workers = this_fiber::worker_count();
    if (workers == 0) {
        throw std::logic_error("weft::net::TcpServer::bind called outside a weft Runtime");
    }
    TcpServer server;
    server.state_ = std::make_shared<State>();
    server.state_->mode = options.accept;
    server.state_->on_accept_error = std::move(options.on_accept_error);
    const unsigned n = options.accept == AcceptMode::per_worker ? workers : 1;
    if (n > 1) {
        options.listen.reuse_port = true;
    }
    Endpoint where = at;
    for (unsigned i = 0; i < n; ++i) {
        server.state_->listeners.push_back(TcpListener::bind(where, options.listen));
        if (i == 0) {
            where = server.state_->listeners.front().local_endpoint();  // the port 0 picked
        }
    }
    return server;
}

Endpoint TcpServer::local_endpoint() const {
    if (!state_ || state_->listeners.empty()) {
        throw std::logic_error("weft::net::TcpServer::local_endpoint: not bound");
    }
    return state_->listeners.front().local_endpoint();
}

void TcpServer::serve(std::function<void(TcpStream)> handler) {
    if (!state_ || state_->listeners.empty()) {
        throw std::logic_error("weft::net::TcpServer::serve: not bound");
    }
    auto shared = std::make_shared<const Handler>(std::move(handler));
    std::shared_ptr<State> state = state_;  // keeps listeners alive even if *this moves
    const bool per_worker = state->mode == AcceptMode::per_worker && state->listeners.size() > 1;
    std::vector<JoinHandle> acceptors;
    for (unsigned i = 0; i < state->listeners.size(); ++i) {
        FiberOptions fo{.name = "acceptor-" + std::to_string(i)};
        if (per_worker) {
            fo.pinned = true;
            fo.worker = i;
        }
        acceptors.push_back(
            spawn([state, shared,
                   i] { accept_loop(state->listeners[i], shared, state->on_accept_error); },
                  fo));
    }
    for (JoinHandle& a : acceptors) {
        a.join();
    }
}

void TcpServer::close() noexcept {
    if (state_) {
        for (TcpListener& l : state_->listeners) {
            l.close();
        }
    }
}

}  // namespace weft::net
