// asio_coro_echo [ADDRESS]  (default 127.0.0.1:7003)
//
// Peer for bench/run: the echo server the way Asio's own C++20 example writes it
// (asio/example/cpp20/coroutines/echo.cpp): one io_context run by one thread, co_spawn of a
// coroutine per connection, async_read_some / async_write with use_awaitable. Changes from
// the example, the same for every server in the suite: a 4 KiB buffer (the example's is 1 KiB),
// TCP_NODELAY on accepted sockets (weft, Go and the C servers set it too), and an accept error
// is logged and survived instead of ending the server.
#include <cstdio>
#include <exception>
#include <string>

#include <boost/asio.hpp>

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

namespace {

awaitable<void> echo(tcp::socket socket) {
    try {
        char data[4096];
        for (;;) {
            std::size_t n = co_await socket.async_read_some(asio::buffer(data), use_awaitable);
            co_await asio::async_write(socket, asio::buffer(data, n), use_awaitable);
        }
    } catch (const std::exception&) {
        // EOF or a reset: the connection is done.
    }
}

awaitable<void> listen(tcp::acceptor& acceptor) {
    for (;;) {
        // The example lets an accept error end the server; every server here survives one.
        auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(use_awaitable));
        if (ec) {
            std::fprintf(stderr, "asio_coro_echo: accept: %s\n", ec.message().c_str());
            continue;
        }
        socket.set_option(tcp::no_delay(true), ec);
        asio::co_spawn(acceptor.get_executor(), echo(std::move(socket)), asio::detached);
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
        std::string address = argc > 1 ? argv[1] : "127.0.0.1:7003";
        asio::io_context io(1);
        tcp::acceptor acceptor(io, parse(address));
        asio::co_spawn(io, listen(acceptor), asio::detached);
        std::printf("asio_coro_echo: listening on %s\n", address.c_str());
        std::fflush(stdout);
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "asio_coro_echo: %s\n", e.what());
        return 1;
    }
}
