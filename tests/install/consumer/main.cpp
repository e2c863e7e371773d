// A project that only knows the installed weft package: find_package(weft) + weft::weft.
#include <array>
#include <cstdio>

#include <weft/weft.hpp>

int main() {
    return weft::Runtime{}.run([] {
        auto listener = weft::net::TcpListener::bind("127.0.0.1:0");
        auto server = weft::spawn([&] {
            auto conn = listener.accept();
            std::array<std::byte, 16> buf;
            std::size_t n = conn.read_some(buf);
            conn.write_all({buf.data(), n});
        });
        auto client = weft::net::TcpStream::connect(listener.local_endpoint());
        client.write_all(weft::net::as_bytes("hello"));
        std::array<std::byte, 5> reply;
        client.read_exact(reply);
        server.join();
        std::printf("consumer: echoed %zu bytes\n", reply.size());
        return 0;
    });
}
