#include <dirent.h>
#include <random>

#include "support/weft_test.hpp"

namespace weft::test {

net::TcpListener listen_loopback() {
    return net::TcpListener::bind(net::Endpoint::loopback_v4(0));
}

std::pair<net::TcpStream, net::TcpStream> connected_pair() {
    net::TcpListener l = listen_loopback();
    net::TcpStream client = net::TcpStream::connect(l.local_endpoint());
    net::TcpStream server = l.accept();
    return {std::move(client), std::move(server)};
}

std::size_t count_open_fds() {
    std::size_t n = 0;
    if (DIR* d = ::opendir("/proc/self/fd")) {
        while (::readdir(d) != nullptr) {
            ++n;
        }
        ::closedir(d);
    }
    return n;
}

std::string pattern(std::size_t n, unsigned seed) {
    std::mt19937 gen{seed};
    std::string s(n, '\0');
    for (char& c : s) {
        c = static_cast<char>(gen());
    }
    return s;
}

}  // namespace weft::test
