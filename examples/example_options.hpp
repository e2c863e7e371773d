#pragma once

// The flags every example server takes: [ADDRESS] [--threads N] [--backend KIND].
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include <weft/runtime.hpp>

namespace examples {

struct Options {
    std::string address;
    weft::RuntimeOptions runtime;
    int argi = 0;  // first argument not consumed (for example-specific flags)
};

inline Options parse_options(int argc, char* argv[], std::string default_address) {
    Options o;
    o.address = std::move(default_address);
    for (int i = 1; i < argc; ++i) {
        std::string_view a = argv[i];
        auto value = [&]() -> std::string_view {
            if (i + 1 >= argc) {
                throw std::invalid_argument(std::string{a} + " needs a value");
            }
            return argv[++i];
        };
        if (a == "--threads") {
            o.runtime.threads = static_cast<unsigned>(std::stoul(std::string{value()}));
        } else if (a == "--backend") {
            o.runtime.backend = weft::parse_backend_kind(value());
        } else if (a == "-h" || a == "--help") {
            std::printf("usage: %s [ADDRESS] [--threads N] [--backend epoll|io_uring|auto]\n",
                        argv[0]);
            std::exit(0);
        } else if (!a.empty() && a.front() != '-') {
            o.address = std::string{a};
        } else {
            throw std::invalid_argument("unknown flag " + std::string{a});
        }
    }
    return o;
}

}  // namespace examples
