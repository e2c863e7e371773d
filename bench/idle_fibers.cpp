// idle_fibers [--fibers N] [--backend epoll|io_uring|auto]
//
// How many idle fibers fit in 1 GiB: spawns N fibers (default 20,000) on a one-worker
// Runtime, each parked in Channel::pop on one shared channel (the way a connection fiber
// parks in read), and reads the process's VmRSS from /proc/self/status before the first spawn
// and once all N are parked. RSS per parked fiber = the difference / N; fibers per GiB =
// 2^30 / that. Fiber stacks are mmap'd with a guard page: each costs two memory mappings, and
// vm.max_map_count (65,530 here) caps N near 30,000 whatever the RAM.
//
// Output: "RESULT fibers=N rss_before_kib=A rss_parked_kib=B bytes_per_fiber=C
// fibers_per_gib=D".
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <weft/weft.hpp>

namespace {

long vm_rss_kib() {
    std::ifstream status{"/proc/self/status"};
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("VmRSS:", 0) == 0) {
            return std::strtol(line.c_str() + 6, nullptr, 10);
        }
    }
    return -1;
}

}  // namespace

int main(int argc, char* argv[]) {
    std::size_t fibers = 20000;
    weft::RuntimeOptions ro;
    ro.threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string_view flag = argv[i];
        if (flag == "--fibers") {
            fibers = std::strtoul(argv[i + 1], nullptr, 10);
        } else if (flag == "--backend") {
            ro.backend = weft::parse_backend_kind(argv[i + 1]);
        } else {
            std::fprintf(stderr, "usage: idle_fibers [--fibers N] [--backend B]\n");
            return 2;
        }
    }
    try {
        weft::Runtime runtime{ro};
        return runtime.run([&] {
            weft::Channel<int> never{1};
            weft::WaitGroup started{static_cast<std::ptrdiff_t>(fibers)};
            std::vector<weft::JoinHandle> handles;
            handles.reserve(fibers);
            const long before = vm_rss_kib();
            for (std::size_t i = 0; i < fibers; ++i) {
                handles.push_back(weft::spawn([&] {
                    started.done();
                    std::error_code ec;
                    never.pop(weft::Deadline::never(), ec);  // parks until close()
                }));
            }
            started.wait();
            weft::this_fiber::yield();  // the last one has reached pop() too
            const long parked = vm_rss_kib();
            never.close();
            for (weft::JoinHandle& h : handles) {
                h.join();
            }
            const double per_fiber =
                static_cast<double>(parked - before) * 1024.0 / static_cast<double>(fibers);
            std::printf(
                "RESULT fibers=%zu rss_before_kib=%ld rss_parked_kib=%ld bytes_per_fiber=%.0f "
                "fibers_per_gib=%.0f\n",
                fibers, before, parked, per_fiber, 1073741824.0 / per_fiber);
            return 0;
        });
    } catch (const std::exception& e) {
        std::fprintf(stderr, "idle_fibers: %s\n", e.what());
        return 1;
    }
}
