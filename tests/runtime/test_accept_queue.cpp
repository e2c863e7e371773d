// Accept under a multishot accept (io_uring, Linux 5.19+): the kernel accepts connections
// while no fiber waits, and they queue on the listener. Every case runs with the multishot
// (where the kernel has it) and with single-shot accepts (WEFT_IO_URING_MULTISHOT_ACCEPT=0,
// the fallback), under both backends: no connection may be lost, duplicated or leaked, also
// when the listener closes with connections queued, or closes off a fiber.
#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <weft/detail/diagnostics.hpp>

#include "support/watchdog.hpp"
#include "support/weft_test.hpp"

using namespace std::chrono_literals;
using weft::net::TcpListener;
using weft::net::TcpStream;

namespace {

// Sets an environment variable for one scope (Runtimes read it when they start).
class ScopedEnv {
public:
    ScopedEnv(const char* name, const char* value) : name_(name) {
        if (const char* old = std::getenv(name)) {
            old_ = old;
        }
        ::setenv(name, value, 1);
    }
    ~ScopedEnv() {
        if (old_) {
            ::setenv(name_, old_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    ScopedEnv(const ScopedEnv&) = delete;
    ScopedEnv& operator=(const ScopedEnv&) = delete;

private:
    const char* name_;
    std::optional<std::string> old_;
};

std::array<std::byte, 4> encode(std::uint32_t v) {
    std::array<std::byte, 4> b;
    std::memcpy(b.data(), &v, 4);
    return b;
}

// Yields until this process has `n` open fds (the multishot accepts as connections arrive,
// in the worker's next poll). A hang is caught by the caller's watchdog.
void yield_until_open_fds(std::size_t n) {
    while (weft::test::count_open_fds() < n) {
        weft::this_fiber::yield();
    }
}

}  // namespace

TEST_CASE("multishot accept: many connections, none lost or duplicated",
          "[runtime][backend][accept]") {
    const char* multishot = GENERATE("1", "0");
    const unsigned threads = GENERATE(1u, 4u);  // 4: the acceptor and the ring may differ
    ScopedEnv env{"WEFT_IO_URING_MULTISHOT_ACCEPT", multishot};
    weft::test::Watchdog dog{"multishot accept: many connections", std::chrono::seconds(120)};
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([multishot] {
        if (std::string{multishot} == "0") {
            CHECK_FALSE(weft::detail::multishot_accept_in_use());
        }
        auto listener = weft::test::listen_loopback();
        constexpr std::uint32_t conns = 300;
        std::vector<int> seen(conns, 0);
        auto acceptor = weft::spawn([&] {
            for (std::uint32_t i = 0; i < conns; ++i) {
                TcpStream s = listener.accept();  // parks at once: nothing has connected yet
                std::array<std::byte, 4> b;
                s.read_exact(b);
                std::uint32_t v;
                std::memcpy(&v, b.data(), 4);
                REQUIRE(v < conns);
                ++seen[v];
            }
        });
        weft::this_fiber::yield();
        std::vector<TcpStream> clients;
        for (std::uint32_t i = 0; i < conns; ++i) {
            clients.push_back(TcpStream::connect(listener.local_endpoint()));
            clients.back().write_all(encode(i));
            if (i % 7 == 0) {
                weft::this_fiber::yield();  // some arrive one by one, some in bursts
            }
        }
        acceptor.join();
        int once = 0;
        for (int n : seen) {
            once += n == 1;
        }
        CHECK(once == static_cast<int>(conns));
        std::error_code ec;
        listener.accept(weft::Deadline::after(1ms), ec);  // nothing left over
        CHECK(ec == weft::errc::timed_out);
    });
}

TEST_CASE("closing a listener closes the connections its multishot accept queued",
          "[runtime][backend][accept]") {
    const char* multishot = GENERATE("1", "0");
    const unsigned threads = GENERATE(1u, 4u);
    ScopedEnv env{"WEFT_IO_URING_MULTISHOT_ACCEPT", multishot};
    weft::test::Watchdog dog{"close with queued connections", std::chrono::seconds(120)};
    weft::Runtime rt{weft::test::runtime_options(threads)};
    rt.run([] {
        auto listener = weft::test::listen_loopback();
        // The first accept parks (and, under io_uring, arms the multishot).
        std::optional<TcpStream> first;
        auto acceptor = weft::spawn([&] { first = listener.accept(); });
        weft::this_fiber::yield();
        TcpStream c0 = TcpStream::connect(listener.local_endpoint());
        acceptor.join();
        const bool queued = weft::detail::multishot_accept_in_use();
        const std::size_t base = weft::test::count_open_fds();
        constexpr std::size_t conns = 40;
        std::vector<TcpStream> clients;
        for (std::size_t i = 0; i < conns; ++i) {
            clients.push_back(TcpStream::connect(listener.local_endpoint()));
        }
        if (queued) {
            // Nobody accepts: the multishot does, and queues the fds on the listener.
            yield_until_open_fds(base + 2 * conns);
            CHECK(weft::test::count_open_fds() == base + 2 * conns);
        }
        listener.close();
        CHECK(weft::test::count_open_fds() == base + conns - 1);  // queued fds and listener gone
        const auto hang_guard = weft::Deadline::after(10s);       // not a timing assertion
        for (auto& c : clients) {  // each sees its connection end: EOF, or a reset
            c.set_read_deadline(hang_guard);
            std::array<std::byte, 1> b;
            std::error_code ec;
            const std::size_t n = c.read_some(b, ec);
            CHECK(n == 0);
            CHECK((!ec || ec == std::errc::connection_reset));
        }
    });
}

TEST_CASE("a listener closed off a fiber with its multishot armed leaks nothing",
          "[runtime][backend][accept]") {
    const char* multishot = GENERATE("1", "0");
    const unsigned threads = GENERATE(1u, 4u);
    ScopedEnv env{"WEFT_IO_URING_MULTISHOT_ACCEPT", multishot};
    const std::size_t base = weft::test::count_open_fds();
    std::size_t with_runtime = 0;
    {
        weft::Runtime rt{weft::test::runtime_options(threads)};
        with_runtime = weft::test::count_open_fds();
        TcpListener listener;
        std::vector<TcpStream> clients;
        rt.run([&] {
            listener = weft::test::listen_loopback();
            weft::spawn([&] {  // parks in accept (arming the multishot) until shutdown
                std::error_code ec;
                listener.accept(weft::Deadline::never(), ec);
            });
            weft::this_fiber::yield();
            for (int i = 0; i < 5; ++i) {
                clients.push_back(TcpStream::connect(listener.local_endpoint()));
            }
        });
        listener.close();  // off any fiber: nothing may park here
        SECTION("then the runtime runs again") {
            rt.run([&] {
                clients.clear();
                // The cancel reaches the ring as it runs, and its final CQE closes the
                // listener's fd (and frees the orphaned queue).
                weft::test::Watchdog dog{"orphaned multishot", std::chrono::seconds(60)};
                while (weft::test::count_open_fds() > with_runtime) {
                    weft::this_fiber::yield();
                }
                CHECK(weft::test::count_open_fds() == with_runtime);
            });
        }
        SECTION("then the runtime ends") {
            rt.run([&] { clients.clear(); });
        }
    }
    CHECK(weft::test::count_open_fds() == base);
}
