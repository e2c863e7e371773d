// The bounded per-host pool; the invariants are in client_pool.hpp.
#include "client_pool.hpp"

#include <mutex>
#include <utility>

#include <weft/error.hpp>

namespace weft::http::detail {

using Connections = std::vector<std::unique_ptr<ClientConnection>>;

std::unique_ptr<ClientConnection> ConnectionPool::acquire(const std::string& key, Deadline d,
                                                          bool fresh, std::error_code& ec) {
    ec.clear();
    Connections stale;  // closed after unlocking
    std::unique_lock lk{mutex_};
    Host& host = hosts_[key];  // entries are never erased: a Client talks to few hosts
    if (fresh) {
        host.open -= host.idle.size();
        stale.swap(host.idle);
        freed_.notify_all();
    }
    const bool ready = freed_.wait_until(
        lk, d, [&] { return !host.idle.empty() || host.open < max_open_; }, ec);
    if (!ready) {
        if (!ec) {
            ec = make_error_code(weft::errc::timed_out);
        }
        return nullptr;
    }
    if (!host.idle.empty()) {
        std::unique_ptr<ClientConnection> c = std::move(host.idle.back());
        host.idle.pop_back();
        return c;
    }
    ++host.open;
    return nullptr;
}

void ConnectionPool::release(std::unique_ptr<ClientConnection> c, bool reusable) noexcept {
    std::unique_ptr<ClientConnection> closing;
    {
        std::lock_guard lk{mutex_};
        Host& host = hosts_[c->key];
        if (reusable && host.idle.size() < max_idle_) {
            host.idle.push_back(std::move(c));
        } else {
            --host.open;
            closing = std::move(c);
        }
    }
    freed_.notify_all();  // one condition for every host: wake all, each rechecks its own
}

void ConnectionPool::abandon(const std::string& key) noexcept {
    {
        std::lock_guard lk{mutex_};
        --hosts_[key].open;
    }
    freed_.notify_all();  // one condition for every host: wake all, each rechecks its own
}

void ConnectionPool::close_idle() noexcept {
    std::vector<Connections> closing;
    {
        std::lock_guard lk{mutex_};
        for (auto& [key, host] : hosts_) {
            host.open -= host.idle.size();
            closing.push_back(std::move(host.idle));
            host.idle.clear();
        }
    }
    freed_.notify_all();
}

}  // namespace weft::http::detail
