#pragma once

// The flags every example server takes: [ADDRESS] [--threads N] [--backend KIND].
#include <cstdio>
#include <cstdlib>
#include <functional>
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

/// An example's own flag: given the flag and a function that takes its value, returns
/// whether it knew the flag.
using ExtraFlag =
    std::function<bool(std::string_view flag, const std::function<std::string_view()>& value)>;

inline Options parse_options(int argc, char* argv[], std::string default_address,
                             const ExtraFlag& extra = {}, std::string_view extra_usage = {}) {
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
            std::printf("usage: %s [ADDRESS] [--threads N] [--backend epoll|io_uring|auto]%s\n",
                        argv[0], std::string{extra_usage}.c_str());
            std::exit(0);
        } else if (extra && extra(a, value)) {
            continue;
        } else if (!a.empty() && a.front() != '-') {
            o.address = std::string{a};
        } else {
            throw std::invalid_argument("unknown flag " + std::string{a});
        }
    }
    return o;
}

}  // namespace examples
